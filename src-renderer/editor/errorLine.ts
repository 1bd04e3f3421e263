/**
 * Marks the line the server blamed for a render error: a line background, a gutter
 * marker, and the message as the line's tooltip.
 */
import { RangeSet, StateEffect, StateField, type Extension } from '@codemirror/state';
import { Decoration, type DecorationSet, EditorView, GutterMarker, gutter } from '@codemirror/view';

export interface ErrorMark {
  line: number;
  message: string;
}

export const setErrorMark = StateEffect.define<ErrorMark | null>();

class ErrorGutterMarker extends GutterMarker {
  constructor(readonly message: string) {
    super();
  }
  override toDOM(): Node {
    const span = document.createElement('span');
    span.className = 'cm-error-marker';
    span.textContent = '●';
    span.title = this.message;
    span.setAttribute('aria-label', `Error: ${this.message}`);
    return span;
  }
  override eq(other: GutterMarker): boolean {
    return other instanceof ErrorGutterMarker && other.message === this.message;
  }
}

interface ErrorState {
  mark: ErrorMark | null;
  decorations: DecorationSet;
  markers: RangeSet<GutterMarker>;
}

function build(view: { doc: { lines: number; line(n: number): { from: number } } }, mark: ErrorMark | null): ErrorState {
  if (!mark || mark.line < 1 || mark.line > view.doc.lines) {
    return { mark, decorations: Decoration.none, markers: RangeSet.empty };
  }
  const from = view.doc.line(mark.line).from;
  return {
    mark,
    decorations: Decoration.set([
      Decoration.line({ class: 'cm-error-line', attributes: { title: mark.message, 'data-error-line': String(mark.line) } }).range(from),
    ]),
    markers: RangeSet.of([new ErrorGutterMarker(mark.message).range(from)]),
  };
}

const errorField = StateField.define<ErrorState>({
  create: () => ({ mark: null, decorations: Decoration.none, markers: RangeSet.empty }),
  update(value, tr) {
    let next = value;
    for (const effect of tr.effects) if (effect.is(setErrorMark)) next = build(tr.state, effect.value);
    if (next === value && tr.docChanged && value.mark) {
      // Keep the mark on the same logical line while the user fixes it.
      next = { ...value, decorations: value.decorations.map(tr.changes), markers: value.markers.map(tr.changes) };
    }
    return next;
  },
  provide: (field) => EditorView.decorations.from(field, (v) => v.decorations),
});

export function errorLineExtension(): Extension {
  return [errorField, gutter({ class: 'cm-error-gutter', markers: (view) => view.state.field(errorField).markers })];
}
