// Runs inside the pooled BPMN page. The server calls window.studioBpmn.render() once per
// diagram; one viewer lives as long as the page, and each importXML replaces its diagram.
'use strict';
(function () {
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const XLINK_NS = 'http://www.w3.org/1999/xlink';
  /** Space around the watermark, in the diagram's units (bpmn-js pads its export by 5). */
  const MARK_GAP = 6;

  const viewer = new BpmnJS({ container: '#canvas' });

  /** moddle's parse errors say "line: N" and "column: N" counted from 0 (saxen); Studio counts from 1. */
  function fromOne(message) {
    return message.replace(/\b(line|column): (\d+)/g, (_, what, n) => what + ': ' + (Number(n) + 1));
  }

  function lineOf(message) {
    const m = /\bline: (\d+)/.exec(message);
    return m ? Number(m[1]) : undefined;
  }

  /**
   * saveSVG leaves the bpmn.io watermark out (bpmn-js shows it as an HTML link over the
   * canvas). Its licence asks that rendered diagrams keep it fully visible and not
   * overlapped, so the exported picture gets a strip of its own below the diagram with
   * the same logo, linking to bpmn.io. The logo is taken from the link the viewer drew,
   * so it is the library's own and follows its upgrades.
   */
  function withWatermark(svgText) {
    const doc = new DOMParser().parseFromString(svgText, 'image/svg+xml');
    const root = doc.documentElement;
    const logo = document.querySelector('#canvas .bjs-powered-by svg');
    if (root.localName !== 'svg' || !logo) throw new Error('the bpmn.io watermark could not be added to the picture');
    const [x, y, width, height] = root.getAttribute('viewBox').split(/\s+/).map(Number);
    const logoWidth = Number(logo.getAttribute('width'));
    const logoHeight = Number(logo.getAttribute('height'));
    const newWidth = Math.max(width, logoWidth + 2 * MARK_GAP);
    const newHeight = height + logoHeight + MARK_GAP;

    const link = doc.createElementNS(SVG_NS, 'a');
    link.setAttribute('class', 'bjs-powered-by');
    link.setAttribute('href', 'https://bpmn.io');
    link.setAttributeNS(XLINK_NS, 'xlink:href', 'https://bpmn.io');
    link.setAttribute('target', '_blank');
    link.setAttribute('color', '#404040');
    const title = doc.createElementNS(SVG_NS, 'title');
    title.textContent = 'Powered by bpmn.io';
    link.appendChild(title);
    const mark = doc.importNode(logo, true);
    mark.removeAttribute('style');
    mark.setAttribute('x', String(x + newWidth - logoWidth - MARK_GAP));
    mark.setAttribute('y', String(y + height));
    link.appendChild(mark);
    root.appendChild(link);

    root.setAttribute('width', String(newWidth));
    root.setAttribute('height', String(newHeight));
    root.setAttribute('viewBox', [x, y, newWidth, newHeight].join(' '));
    return new XMLSerializer().serializeToString(doc);
  }

  async function render(xml, keepOnStage) {
    const stage = document.getElementById('stage');
    stage.replaceChildren();
    let svg;
    try {
      await viewer.importXML(xml);
      svg = (await viewer.saveSVG()).svg;
    } catch (err) {
      const message = fromOne(String((err && err.message) || err || 'bpmn-js could not render the diagram'));
      return { ok: false, message, line: lineOf(message) };
    } finally {
      // The next import replaces it anyway; this frees the page between renders.
      try {
        viewer.clear();
      } catch {
        // a failed import may leave nothing to clear
      }
    }
    let out;
    try {
      out = withWatermark(svg);
    } catch (err) {
      return { ok: false, internal: true, message: String((err && err.message) || err) };
    }
    if (keepOnStage) {
      stage.appendChild(document.importNode(new DOMParser().parseFromString(out, 'image/svg+xml').documentElement, true));
    }
    return { ok: true, svg: out };
  }

  window.studioBpmn = Object.freeze({
    render: render,
    ready: typeof BpmnJS !== 'undefined',
  });
})();
