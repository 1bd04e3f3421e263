/**
 * Editor language per diagram type, loaded on demand so a PlantUML user never
 * downloads the XML or LaTeX modes.
 */
import { StreamLanguage, type LanguageSupport } from '@codemirror/language';
import type { Extension } from '@codemirror/state';
import type { EditorLanguage } from '../domain/diagramTypes';

export async function loadLanguage(language: EditorLanguage): Promise<Extension> {
  switch (language) {
    case 'mermaid':
    case 'plantuml':
    case 'graphviz':
    case 'd2': {
      const modes = await import('./modes');
      const mode = { mermaid: modes.mermaidMode, plantuml: modes.plantumlMode, graphviz: modes.graphvizMode, d2: modes.d2Mode }[language];
      return StreamLanguage.define(mode);
    }
    case 'json': {
      const { json } = await import('@codemirror/lang-json');
      return json() as LanguageSupport;
    }
    case 'xml': {
      const { xml } = await import('@codemirror/legacy-modes/mode/xml');
      return StreamLanguage.define(xml);
    }
    case 'yaml': {
      const { yaml } = await import('@codemirror/legacy-modes/mode/yaml');
      return StreamLanguage.define(yaml);
    }
    case 'latex': {
      const { stex } = await import('@codemirror/legacy-modes/mode/stex');
      return StreamLanguage.define(stex);
    }
    case 'vhdl': {
      const { vhdl } = await import('@codemirror/legacy-modes/mode/vhdl');
      return StreamLanguage.define(vhdl);
    }
    case 'clojure': {
      const { clojure } = await import('@codemirror/legacy-modes/mode/clojure');
      return StreamLanguage.define(clojure);
    }
    default:
      return [];
  }
}
