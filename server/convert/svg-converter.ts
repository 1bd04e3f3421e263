/**
 * Converting an SVG an engine drew into the other formats. Rasterising runs in a
 * recycled worker (resvg's memory grows with every render); SVGs with HTML labels
 * (`foreignObject`), which resvg cannot draw, and PDF go through the shared browser.
 */
export interface SvgConvertOptions {
  /** Scale factor (1 = the SVG's own size). */
  scale?: number;
  /** CSS colour painted behind the picture; default transparent for PNG, white for JPEG/PDF. */
  background?: string;
  signal?: AbortSignal;
}

export interface SvgConverter {
  toPng(svg: string, opts?: SvgConvertOptions): Promise<Buffer>;
  toJpeg(svg: string, opts?: SvgConvertOptions & { quality?: number }): Promise<Buffer>;
  toPdf(svg: string, opts?: SvgConvertOptions): Promise<Buffer>;
  stop(): Promise<void>;
}
