/**
 * resvg loads an `<image>` or `<feImage>` whose address is a plain path or a `file:` URL
 * from the disk (absolute, or relative to the server's working folder), so any SVG an
 * engine passes through — its text often comes from the diagram — could draw a readable
 * picture file of the machine into a PNG. The rasteriser only ever draws the pictures an
 * SVG carries itself: every image address but a `data:` URL is dropped (the picture then
 * shows an empty frame), in every safe mode. Engines that may include files (`unsafe`)
 * inline them as data URLs themselves.
 */
const IMAGE_TAG = /<(?:image|feImage)\b[^>]*>/gi;
const HREF = /\s(?:xlink:)?href\s*=\s*("[^"]*"|'[^']*')/gi;

export function withoutDiskImages(svg: string): string {
  // Tested on the raw attribute: an address written with entities is dropped too.
  return svg.replace(IMAGE_TAG, (tag) => tag.replace(HREF, (attr, quoted: string) => (/^data:/i.test(quoted.slice(1, -1).trim()) ? attr : '')));
}
