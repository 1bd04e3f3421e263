// Runs inside the pooled Excalidraw page. The server calls window.studioExcalidraw.render()
// with the scene as data (parsed from JSON on the server); nothing in it is ever code.
import { exportToSvg } from '/vendor/excalidraw-utils.js';

/** Images drawn on the stage decode asynchronously; a screenshot must wait for them. */
function imagesLoaded(svg) {
  const hrefs = new Set();
  for (const image of svg.querySelectorAll('image')) {
    const href = image.getAttribute('href') || image.getAttributeNS('http://www.w3.org/1999/xlink', 'href');
    if (href) hrefs.add(href);
  }
  return Promise.all(
    [...hrefs].map((href) => {
      const img = new Image();
      img.src = href;
      // A blocked or broken image is drawn as nothing, as Excalidraw does.
      return img.decode().catch(() => undefined);
    }),
  );
}

async function render(scene, keepOnStage) {
  const stage = document.getElementById('stage');
  stage.replaceChildren();
  let svg;
  try {
    svg = await exportToSvg({ data: scene, config: {} });
  } catch (err) {
    return { ok: false, message: String((err && err.message) || err || 'Excalidraw could not draw the scene') };
  }
  if (keepOnStage) {
    stage.appendChild(svg);
    await Promise.all([imagesLoaded(svg), document.fonts.ready]);
  }
  return { ok: true, svg: new XMLSerializer().serializeToString(svg) };
}

window.studioExcalidraw = Object.freeze({ render, ready: typeof exportToSvg === 'function' });
