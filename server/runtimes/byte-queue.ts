/**
 * Bytes from a child's stdout, kept as the chunks they arrived in until a frame is
 * complete, so a large picture is not re-copied on every chunk. Shared by the frame
 * readers of the JVM host and the command worker.
 */
export class ByteQueue {
  private chunks: Buffer[] = [];
  private buffered = 0;

  get length(): number {
    return this.buffered;
  }

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** The first `n` bytes without consuming them (n ≤ length). */
  peek(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!.subarray(0, n);
  }

  /** Consume and return the first `n` bytes (n ≤ length). */
  take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered -= n;
    return all.subarray(0, n);
  }

  /** The start of what is buffered as printable text, for an error that quotes stray output. */
  preview(max = 300): string {
    return Buffer.concat(this.chunks)
      .subarray(0, max)
      .toString('utf8')
      .replace(/\p{Cc}+/gu, ' ')
      .trim();
  }
}
