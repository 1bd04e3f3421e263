// Runs inside the pooled diagrams.net page: draw.io's own export page (export3.html), after
// its export.js. The server calls window.studioDrawio.render() once per diagram. draw.io's
// render() draws the page into #graph and marks #LoadingComplete once its images, fonts
// and math are done; the picture returned is draw.io's own SVG export of that graph.
'use strict';
(function () {
  /**
   * render() wraps these two each time it runs; put back before every call, the wrappers
   * would pile up in a page that serves thousands of renders.
   */
  const addFont = Graph.addFont;
  const doMathJaxRender = Editor.doMathJaxRender;
  let lastGraph = null;

  function fail(message, line) {
    return { ok: false, message: String(message), line: line };
  }

  function errorText(err) {
    if (err == null) return 'unknown error';
    if (typeof err === 'string') return err;
    return String(err.message || err);
  }

  /** The browser's XML parser error ("error on line 4 at column 27: …"), or null. */
  function xmlError(doc) {
    const problem = doc.getElementsByTagName('parsererror')[0];
    if (!problem) return null;
    const detail = problem.getElementsByTagName('div')[0];
    const text = ((detail || problem).textContent || '').trim().replace(/\s+/g, ' ');
    const m = /line (\d+)/.exec(text);
    return fail('The diagram is not well-formed XML: ' + text, m ? Number(m[1]) : undefined);
  }

  /**
   * The chosen page's <mxGraphModel>, read the way draw.io reads it (a <diagram> may hold
   * it as a child, or deflated, base64 and URI-encoded text), or a refusal saying why not.
   */
  function pageModel(doc, pageIndex) {
    const root = doc.documentElement;
    if (root.nodeName === 'mxGraphModel') {
      if (pageIndex > 0) return fail('The diagram has 1 page; there is no page ' + (pageIndex + 1) + '.');
      return { ok: true, model: root, pages: 1 };
    }
    if (root.nodeName !== 'mxfile') {
      return fail(
        'This is not a draw.io diagram: the XML must be an <mxfile> (a .drawio file), an <mxGraphModel> or an SVG saved by draw.io, not <' +
          root.nodeName +
          '>.',
      );
    }
    const diagrams = root.getElementsByTagName('diagram');
    if (diagrams.length === 0) return fail('The draw.io file has no page: its <mxfile> holds no <diagram>.');
    if (pageIndex >= diagrams.length) {
      return fail('The draw.io file has ' + diagrams.length + ' page' + (diagrams.length === 1 ? '' : 's') + '; there is no page ' + (pageIndex + 1) + '.');
    }
    const diagram = diagrams[pageIndex];
    const name = diagram.getAttribute('name') || 'Page-' + (pageIndex + 1);
    let model;
    try {
      model = Editor.parseDiagramNode(diagram);
    } catch (err) {
      return fail('Page "' + name + '" could not be read: its compressed content is not valid (' + errorText(err) + ').');
    }
    if (model == null) return fail('Page "' + name + '" is empty: its <diagram> holds no <mxGraphModel>.');
    const bad = model.ownerDocument && model.ownerDocument.getElementsByTagName('parsererror')[0];
    if (bad || model.nodeName !== 'mxGraphModel') {
      return fail(
        'Page "' +
          name +
          '" could not be read: its content is not an <mxGraphModel>' +
          (bad ? ' (' + (bad.textContent || '').trim().replace(/\s+/g, ' ') + ')' : '') +
          '.',
      );
    }
    return { ok: true, model: model, pages: diagrams.length };
  }

  function whenLoadingComplete() {
    return new Promise(function (resolve) {
      if (document.getElementById('LoadingComplete')) return resolve();
      const watch = new MutationObserver(function () {
        if (document.getElementById('LoadingComplete')) {
          watch.disconnect();
          resolve();
        }
      });
      watch.observe(document.body, { childList: true });
    });
  }

  /** Frees the last render's graph (listeners, DOM) before the next one starts. */
  function dropLastGraph() {
    if (lastGraph) {
      try {
        lastGraph.destroy();
      } catch {
        // a graph that failed half-way may have nothing to destroy
      }
      lastGraph = null;
    }
  }

  async function render(xml, options, keepOnStage) {
    dropLastGraph();
    Graph.addFont = addFont;
    Editor.doMathJaxRender = doMathJaxRender;
    let doc = new DOMParser().parseFromString(xml, 'text/xml');
    const problem = xmlError(doc);
    if (problem) return problem;
    // An editable SVG (.drawio.svg) carries its file in the root's content attribute.
    if (doc.documentElement.nodeName === 'svg' && doc.documentElement.getAttribute('content')) {
      try {
        const file = Editor.extractGraphModel(doc.documentElement, true);
        if (file != null) doc = file.ownerDocument;
      } catch (err) {
        return fail('The SVG carries a draw.io file that could not be read (' + errorText(err) + ').');
      }
    }
    const pageIndex = options.page - 1;
    const chosen = pageModel(doc, pageIndex);
    if (!chosen.ok) return chosen;

    let graph;
    try {
      // draw.io's export entry, as its export server calls it.
      graph = window.render({ xml: xml, format: keepOnStage ? 'png' : 'svg', from: String(pageIndex), scale: String(options.scale), border: '0' });
    } catch (err) {
      return fail('draw.io could not draw the diagram: ' + errorText(err));
    }
    if (!graph || !graph.view) return fail('draw.io could not draw the diagram.');
    lastGraph = graph;
    await whenLoadingComplete();

    let svg;
    try {
      // As draw.io's own SVG export does (see export.js, Electron's get-svg-data).
      const model = chosen.model;
      let background = model.getAttribute('background');
      if (!background || background === 'none') background = null;
      graph.mathEnabled = model.getAttribute('math') === '1';
      const root = graph.getSvg(background, options.scale, 0, false, null, true, null, null, null);
      if (graph.shadowVisible || model.getAttribute('shadow') === '1') graph.addSvgShadow(root);
      if (graph.mathEnabled) Editor.prototype.addMathCss(root);
      svg = root;
    } catch (err) {
      return { ok: false, internal: true, message: 'draw.io could not export the diagram: ' + errorText(err) };
    }
    const text = mxUtils.getXml(svg);
    // The live drawing is no longer needed: the stage shows the exported picture instead.
    dropLastGraph();
    document.body.replaceChildren();
    document.body.removeAttribute('style');
    if (keepOnStage) {
      const stage = document.createElement('div');
      stage.id = 'stage';
      stage.style.cssText = 'display:inline-block;line-height:0';
      stage.appendChild(document.importNode(svg, true));
      document.body.appendChild(stage);
    }
    return { ok: true, svg: text, pages: chosen.pages };
  }

  window.studioDrawio = Object.freeze({
    render: render,
    ready: typeof window.render === 'function' && typeof Graph === 'function' && typeof Editor.parseDiagramNode === 'function',
    version: typeof EditorUi !== 'undefined' ? EditorUi.VERSION : null,
  });
})();
