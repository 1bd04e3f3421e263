// Runs inside the pooled Mermaid page. The server calls window.studioMermaid.render()
// once per diagram; the library stays loaded between renders.
'use strict';
(function () {
  const DIAGRAM_ID = 'mermaid-diagram';
  // initialize() recomputes the theme (~1.6 ms): only when the config changes. Each
  // render starts from this site config again (Mermaid resets directives per render).
  let initializedWith = null;

  function lineOf(err, message) {
    const m = /\bline (\d+)/i.exec(message);
    if (m) return Number(m[1]);
    const first = err && err.hash && err.hash.loc && err.hash.loc.first_line;
    return typeof first === 'number' ? first : undefined;
  }

  async function render(source, config, keepOnStage) {
    const stage = document.getElementById('stage');
    stage.replaceChildren();
    // Mermaid leaves its scratch element behind when a render fails.
    for (const id of [DIAGRAM_ID, 'd' + DIAGRAM_ID, 'i' + DIAGRAM_ID]) document.getElementById(id)?.remove();
    let svgText;
    try {
      const wanted = JSON.stringify(config);
      if (wanted !== initializedWith) {
        initializedWith = null;
        mermaid.initialize(config);
        initializedWith = wanted;
      }
      svgText = (await mermaid.render(DIAGRAM_ID, source)).svg;
    } catch (err) {
      const message = String((err && err.message) || err || 'Mermaid could not render the diagram');
      return { ok: false, message, line: lineOf(err, message) };
    }
    // Mermaid returns HTML-serialised markup (<br>, &nbsp;, unclosed <img>). Parsing it
    // as HTML and serialising it as XML gives well-formed SVG for any consumer. A
    // <template> parses without style or layout work; only a screenshot needs the SVG
    // laid out on the stage.
    const holder = keepOnStage ? stage : document.createElement('template');
    holder.innerHTML = svgText;
    const svg = (keepOnStage ? stage : holder.content).querySelector('svg');
    if (!svg) return { ok: false, message: 'Mermaid produced no SVG' };
    const xml = new XMLSerializer().serializeToString(svg);
    return { ok: true, svg: xml };
  }

  window.studioMermaid = Object.freeze({
    render: render,
    ready: typeof mermaid !== 'undefined',
  });
})();
