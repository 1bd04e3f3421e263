/**
 * Kroki's GET encoding ("deflate + base64"): zlib deflate (RFC 1950, with the zlib
 * header) then URL-safe base64. The browser's CompressionStream('deflate') produces
 * exactly that zlib format, so no library is needed.
 */
async function pipeThrough(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Blob([bytes as BlobPart]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  // Chunked so that String.fromCharCode never receives too many arguments.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_');
}

function fromBase64Any(text: string): Uint8Array {
  const normalised = text.trim().replace(/-/g, '+').replace(/_/g, '/');
  const padded = normalised + '='.repeat((4 - (normalised.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export async function encodeDiagram(source: string): Promise<string> {
  const deflated = await pipeThrough(new TextEncoder().encode(source), new CompressionStream('deflate'));
  return toBase64Url(deflated);
}

/** Accepts base64url or standard base64, padded or not (Kroki accepts both). */
export async function decodeDiagram(encoded: string): Promise<string> {
  const inflated = await pipeThrough(fromBase64Any(encoded), new DecompressionStream('deflate'));
  return new TextDecoder().decode(inflated);
}
