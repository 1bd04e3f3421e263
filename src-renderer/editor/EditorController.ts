/**
 * One CodeMirror view shared by all tabs, with one EditorState per document: switching
 * tabs swaps the state, so each document keeps its own undo history, selection and
 * scroll position. This module (and CodeMirror with it) is loaded lazily.
 */
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { HighlightStyle, bracketMatching, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { highlightSelectionMatches, search, searchKeymap } from '@codemirror/search';
import { Compartment, EditorState, type Extension } from '@codemirror/state';
import { EditorView, drawSelection, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from '@codemirror/view';
import { tags } from '@lezer/highlight';
import type { EditorLanguage } from '../domain/diagramTypes';
import { errorLineExtension, setErrorMark, type ErrorMark } from './errorLine';
import { loadLanguage } from './languages';

// Colours come from CSS variables so the light and dark themes need no reconfiguration.
const highlightStyle = HighlightStyle.define([
  { tag: tags.keyword, color: 'var(--syntax-keyword)', fontWeight: '600' },
  { tag: [tags.string, tags.special(tags.string)], color: 'var(--syntax-string)' },
  { tag: tags.comment, color: 'var(--syntax-comment)', fontStyle: 'italic' },
  { tag: [tags.number, tags.atom, tags.bool], color: 'var(--syntax-number)' },
  { tag: [tags.operator, tags.punctuation], color: 'var(--syntax-operator)' },
  { tag: [tags.meta, tags.processingInstruction], color: 'var(--syntax-meta)' },
  { tag: [tags.tagName, tags.propertyName], color: 'var(--syntax-keyword)' },
  { tag: tags.attributeName, color: 'var(--syntax-number)' },
]);

const baseTheme = EditorView.theme({
  '&': { height: '100%', fontSize: 'var(--editor-font-size, 14px)', backgroundColor: 'var(--editor-bg)', color: 'var(--fg)' },
  '.cm-scroller': { fontFamily: 'var(--font-mono)', lineHeight: '1.5' },
  '.cm-content': { caretColor: 'var(--fg)' },
  '.cm-gutters': { backgroundColor: 'var(--editor-gutter-bg)', color: 'var(--muted)', borderRight: '1px solid var(--border)' },
  '.cm-activeLine': { backgroundColor: 'var(--editor-active-line)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--editor-active-line)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': { backgroundColor: 'var(--editor-selection) !important' },
  '.cm-error-line': { backgroundColor: 'var(--error-line-bg)', outline: '1px solid var(--error)' },
  '.cm-error-marker': { color: 'var(--error)', padding: '0 2px' },
  '.cm-panels': { backgroundColor: 'var(--panel-bg)', color: 'var(--fg)' },
});

export interface EditorControllerOptions {
  parent: HTMLElement;
  onChange: (documentId: string, text: string) => void;
  ariaLabel: string;
}

export class EditorController {
  readonly view: EditorView;
  private readonly states = new Map<string, EditorState>();
  private readonly language = new Compartment();
  private documentId: string | null = null;
  private languageRequest = 0;

  constructor(private readonly options: EditorControllerOptions) {
    this.view = new EditorView({ parent: options.parent, state: this.createState('') });
  }

  private createState(text: string, languageExtension: Extension = []): EditorState {
    return EditorState.create({
      doc: text,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        highlightActiveLine(),
        drawSelection(),
        history(),
        indentOnInput(),
        bracketMatching(),
        search({ top: true }),
        highlightSelectionMatches(),
        syntaxHighlighting(highlightStyle),
        keymap.of([...defaultKeymap, ...historyKeymap, ...searchKeymap, indentWithTab]),
        errorLineExtension(),
        this.language.of(languageExtension),
        baseTheme,
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({ 'aria-label': this.options.ariaLabel }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged && this.documentId) this.options.onChange(this.documentId, update.state.doc.toString());
        }),
      ],
    });
  }

  /** Shows a document, restoring its own state (and undo history) if it was shown before. */
  show(documentId: string, text: string, language: EditorLanguage): void {
    if (this.documentId) this.states.set(this.documentId, this.view.state);
    const known = this.states.get(documentId);
    this.documentId = documentId;
    this.view.setState(known ?? this.createState(text));
    // The store may have changed the text meanwhile (type switch, draft restore).
    this.syncText(text);
    void this.setLanguage(language);
  }

  /** Replaces the text when it differs (as one undoable change). */
  syncText(text: string): void {
    const current = this.view.state.doc.toString();
    if (current !== text) this.view.dispatch({ changes: { from: 0, to: current.length, insert: text } });
  }

  async setLanguage(language: EditorLanguage): Promise<void> {
    const request = ++this.languageRequest;
    const extension = await loadLanguage(language);
    if (request !== this.languageRequest) return;
    this.view.dispatch({ effects: this.language.reconfigure(extension) });
  }

  markError(mark: ErrorMark | null): void {
    this.view.dispatch({ effects: setErrorMark.of(mark) });
  }

  forget(documentId: string): void {
    this.states.delete(documentId);
  }

  focus(): void {
    this.view.focus();
  }

  destroy(): void {
    this.view.destroy();
    this.states.clear();
  }
}
