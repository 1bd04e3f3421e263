/**
 * Small stream tokenizers for the diagram languages CodeMirror has no mode for.
 * They colour keywords, arrows, strings, comments and directives: enough to read a
 * diagram at a glance, not a parser.
 */
import type { StreamParser, StringStream } from '@codemirror/language';

interface LineState {
  inBlockComment: boolean;
}

interface ModeSpec {
  name: string;
  keywords: RegExp;
  lineComment: RegExp;
  blockComment?: { open: string; close: string };
  arrows: RegExp;
  directive?: RegExp;
}

function makeMode(spec: ModeSpec): StreamParser<LineState> {
  return {
    name: spec.name,
    startState: () => ({ inBlockComment: false }),
    token(stream: StringStream, state: LineState): string | null {
      if (state.inBlockComment && spec.blockComment) {
        if (stream.skipTo(spec.blockComment.close)) {
          stream.pos += spec.blockComment.close.length;
          state.inBlockComment = false;
        } else stream.skipToEnd();
        return 'comment';
      }
      if (stream.eatSpace()) return null;
      if (spec.blockComment && stream.match(spec.blockComment.open)) {
        state.inBlockComment = true;
        return 'comment';
      }
      if (stream.match(spec.lineComment)) {
        stream.skipToEnd();
        return 'comment';
      }
      if (spec.directive && stream.sol() && stream.match(spec.directive)) return 'meta';
      if (stream.match(/^"(?:[^"\\]|\\.)*"?/)) return 'string';
      if (stream.match(spec.arrows)) return 'operator';
      if (stream.match(/^#[0-9a-fA-F]{3,8}\b/)) return 'atom';
      if (stream.match(/^-?\d+(?:\.\d+)?/)) return 'number';
      if (stream.match(spec.keywords)) return 'keyword';
      if (stream.match(/^[\w\u00C0-\uFFFF]+/)) return 'variableName';
      stream.next();
      return null;
    },
    languageData: { commentTokens: { line: spec.name === 'graphviz' ? '//' : spec.name === 'mermaid' ? '%%' : "'" } },
  };
}

export const mermaidMode = makeMode({
  name: 'mermaid',
  keywords:
    /^(?:graph|flowchart|sequenceDiagram|classDiagram|stateDiagram(?:-v2)?|erDiagram|journey|gantt|pie|gitGraph|mindmap|timeline|quadrantChart|requirementDiagram|C4Context|sankey-beta|xychart-beta|block-beta|architecture-beta|kanban|packet-beta|radar-beta|participant|actor|loop|alt|else|opt|par|and|end|note|over|of|left|right|subgraph|direction|class|classDef|style|linkStyle|click|title|section|dateFormat|activate|deactivate|autonumber|state|TD|TB|BT|LR|RL)\b/,
  lineComment: /^%%/,
  arrows: /^(?:<<-->>|<<->>|-->>|->>|-->|---|==>|-\.->|-\.-|--x|--o|-x|-\)|<-->|<-->|->|--|\|)/,
});

export const plantumlMode = makeMode({
  name: 'plantuml',
  keywords:
    /^(?:@start\w+|@end\w+|actor|participant|boundary|control|entity|database|collections|queue|usecase|class|interface|abstract|enum|annotation|package|namespace|node|folder|frame|cloud|component|state|object|map|json|rectangle|artifact|card|storage|note|end|as|of|left|right|top|bottom|over|title|legend|header|footer|skinparam|alt|else|opt|loop|par|group|break|critical|activate|deactivate|return|autonumber|start|stop|if|then|endif|while|endwhile|repeat|fork|again|split|partition|hide|show|Person|System|System_Ext|Container|Rel|Rel_[UDLR]|Boundary)\b/,
  lineComment: /^'/,
  blockComment: { open: "/'", close: "'/" },
  arrows: /^(?:<\|--|--\|>|\*--|--\*|o--|--o|<-->|<->|-->|->>|->|<--|<-|\.\.>|\.\.|--|\|>)/,
  directive: /^\s*!\w+/,
});

export const graphvizMode = makeMode({
  name: 'graphviz',
  keywords: /^(?:strict|digraph|graph|subgraph|node|edge)\b/i,
  lineComment: /^(?:\/\/|#)/,
  blockComment: { open: '/*', close: '*/' },
  arrows: /^(?:->|--|=)/,
});

export const d2Mode = makeMode({
  name: 'd2',
  keywords: /^(?:direction|shape|style|label|near|icon|width|height|vars|classes|layers|scenarios|steps|sql_table|class|sequence_diagram)\b/,
  lineComment: /^#/,
  arrows: /^(?:<->|->|<-|--)/,
});
