/**
 * Export and clipboard actions for the current picture. SVG comes from the preview
 * as-is; PNG is rasterised in the page (any scale, optional transparent background)
 * and falls back to the server's PNG when the browser refuses (tainted canvas);
 * PDF/TXT/JPEG are asked from the server when the type supports them.
 */
import type { OutputFormat } from '../../shared/api';
import { useStudioApi } from './api';

export interface PngOptions {
  scale: number;
  transparent: boolean;
  /** Background when not transparent. */
  background: string;
}

export const MIME: Record<OutputFormat, string> = {
  svg: 'image/svg+xml',
  png: 'image/png',
  jpeg: 'image/jpeg',
  pdf: 'application/pdf',
  txt: 'text/plain;charset=utf-8',
  utxt: 'text/plain;charset=utf-8',
  base64: 'text/plain',
};

export function svgBlob(svgText: string): Blob {
  return new Blob([svgText], { type: MIME.svg });
}

function loadImage(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('The SVG could not be loaded as an image'));
    img.src = url;
  });
}

/**
 * Intrinsic size from the root element's width/height or viewBox (images report 0
 * otherwise). Reads only the opening <svg> tag: this runs for every new picture, and
 * parsing a large Mermaid SVG into a DOM just for two numbers costs milliseconds.
 */
export function svgSize(svgText: string): { width: number; height: number } {
  const tag = /<svg\b[^>]*>/i.exec(svgText)?.[0] ?? '';
  const attr = (name: string): string | null => new RegExp(`\\s${name}\\s*=\\s*["']([^"']*)["']`, 'i').exec(tag)?.[1] ?? null;
  const number = (v: string | null): number => {
    const n = v ? Number.parseFloat(v) : Number.NaN;
    return v && !v.trim().endsWith('%') && Number.isFinite(n) && n > 0 ? n : 0;
  };
  let width = number(attr('width'));
  let height = number(attr('height'));
  const viewBox = attr('viewBox')
    ?.trim()
    .split(/[\s,]+/)
    .map(Number);
  if ((!width || !height) && viewBox && viewBox.length === 4) {
    width ||= viewBox[2]!;
    height ||= viewBox[3]!;
  }
  return { width: width || 300, height: height || 150 };
}

export async function rasterise(svgText: string, options: PngOptions): Promise<Blob> {
  const { width, height } = svgSize(svgText);
  const url = URL.createObjectURL(svgBlob(svgText));
  try {
    const img = await loadImage(url);
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(width * options.scale));
    canvas.height = Math.max(1, Math.round(height * options.scale));
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('No 2D canvas');
    if (!options.transparent) {
      ctx.fillStyle = options.background;
      ctx.fillRect(0, 0, canvas.width, canvas.height);
    }
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('PNG encoding failed'))), 'image/png'),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}

export async function serverImage(type: string, format: OutputFormat, source: string): Promise<Blob> {
  const result = await useStudioApi().render({ type, format, source });
  return new Blob([result.bytes as BlobPart], { type: result.contentType || MIME[format] });
}

export async function pngFor(type: string, source: string, svgText: string, options: PngOptions, serverHasPng: boolean): Promise<Blob> {
  try {
    return await rasterise(svgText, options);
  } catch (error) {
    if (!serverHasPng) throw error;
    return serverImage(type, 'png', source);
  }
}

export async function copyText(text: string): Promise<void> {
  await navigator.clipboard.writeText(text);
}

export async function copyImage(png: Blob): Promise<void> {
  await navigator.clipboard.write([new ClipboardItem({ 'image/png': png })]);
}
