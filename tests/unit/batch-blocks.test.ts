import { describe, expect, it } from 'vitest';
import { documentKind, extractBlocks } from '../../server/batch/blocks.js';

describe('diagram blocks in Markdown', () => {
  it('finds fences named by a type, an alias or kroki-<type>, with the line of their first source line', () => {
    const doc = [
      '# Title',
      '',
      '```mermaid',
      'graph TD',
      '  A --> B',
      '```',
      '',
      '~~~kroki-nomnoml',
      '[Foo]->[Bar]',
      '~~~',
      '',
      '```dot',
      'digraph { a -> b }',
      '```',
    ].join('\n');
    expect(extractBlocks('markdown', doc)).toEqual([
      { type: 'mermaid', source: 'graph TD\n  A --> B\n', line: 4 },
      { type: 'nomnoml', source: '[Foo]->[Bar]\n', line: 9 },
      { type: 'graphviz', source: 'digraph { a -> b }\n', line: 13 },
    ]);
  });

  it('passes over code that is not a diagram, also when it shows a fence inside a longer one', () => {
    const doc = ['```js', 'const a = 1;', '```', '', '````markdown', '```mermaid', 'graph TD', '```', '````', '', '```', 'plain', '```'].join('\n');
    expect(extractBlocks('markdown', doc)).toEqual([]);
  });

  it('strips the opening fence’s indentation and runs an unclosed fence to the end, as CommonMark does', () => {
    const doc = ['- item', '  ```plantuml', '  @startuml', '  A -> B', '  @enduml', '  ```', '', '```graphviz', 'digraph {}'].join('\n');
    expect(extractBlocks('markdown', doc)).toEqual([
      { type: 'plantuml', source: '@startuml\nA -> B\n@enduml\n', line: 3 },
      { type: 'graphviz', source: 'digraph {}\n', line: 9 },
    ]);
  });
});

describe('diagram blocks in AsciiDoc', () => {
  it('finds [type] blocks on ---- and .... delimiters, with attributes and a title, and not [source,type] listings', () => {
    const doc = [
      '= Doc',
      '',
      '[plantuml, target=seq, format=svg]',
      '.A title',
      '----',
      'Alice -> Bob',
      '----',
      '',
      '[graphviz]',
      '....',
      'digraph { x -> y }',
      '....',
      '',
      '[source,plantuml]',
      '----',
      'Not -> Rendered',
      '----',
    ].join('\n');
    expect(extractBlocks('asciidoc', doc)).toEqual([
      { type: 'plantuml', source: 'Alice -> Bob\n', line: 6 },
      { type: 'graphviz', source: 'digraph { x -> y }\n', line: 11 },
    ]);
  });

  it('tells documents by their extension', () => {
    expect(documentKind('README.md')).toBe('markdown');
    expect(documentKind('guide.ADOC')).toBe('asciidoc');
    expect(documentKind('flow.mmd')).toBeNull();
  });
});
