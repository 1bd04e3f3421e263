/**
 * D2 writes an `icon` or a `shape: image` as `<image href="…">` with the address exactly as
 * the diagram gives it. The shared converter's resvg loads a plain path from the disk
 * (absolute, or relative to the server's working folder), so such a diagram could draw any
 * readable picture file of the machine into its PNG. Web addresses (resvg never fetches
 * them, and the browser conversion draws the SVG as an image, which loads nothing) and
 * raster data URLs are kept; every other image address is dropped, so the picture shows
 * an empty frame instead.
 */
const KEPT_IMAGE = /^(?:https?:\/\/|data:image\/(?:png|jpeg|gif|webp)[;,])/i;

export function withoutLocalImages(svg: string): string {
  return svg.replace(/<image\b[^>]*>/gi, (tag) =>
    // Tested on the raw attribute: an address written with entities is dropped too.
    tag.replace(/\s(?:xlink:)?href\s*=\s*("[^"]*"|'[^']*')/gi, (attr, quoted: string) => (KEPT_IMAGE.test(quoted.slice(1, -1).trim()) ? attr : '')),
  );
}
