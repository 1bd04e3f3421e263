/**
 * Domain errors. Each carries its HTTP status so the single error handler can map it;
 * `expose` says whether the message may reach the client as-is (5xx details are hidden
 * unless KROKI_DISPLAY_EXCEPTION_DETAILS is set).
 */
export class StudioError extends Error {
  readonly status: number;
  readonly expose: boolean;
  readonly headers: Record<string, string>;
  /** 1-based source line the error refers to, when the engine reported one. */
  line?: number;

  constructor(status: number, message: string, opts: { expose?: boolean; headers?: Record<string, string>; line?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.status = status;
    this.expose = opts.expose ?? status < 500;
    this.headers = opts.headers ?? {};
    if (opts.line !== undefined) this.line = opts.line;
  }
}

/** 400: anything wrong with the request itself (encoding, fields, formats). */
export class BadRequestError extends StudioError {
  constructor(message: string, opts: { line?: number; cause?: unknown } = {}) {
    super(400, message, opts);
  }
}

/** 400: the diagram source does not parse or the engine refused it. */
export class DiagramSyntaxError extends StudioError {
  constructor(message: string, opts: { line?: number; cause?: unknown } = {}) {
    super(400, message, opts);
  }
}

export class UnsupportedFormatError extends StudioError {
  constructor(format: string, type: string, allowed: readonly string[]) {
    super(400, `Unsupported output format: ${format} for ${type}. Must be one of ${humanList(allowed)}.`);
  }
}

/** 503 with Retry-After: an engine's queue is full, or an engine/upstream is down. */
export class EngineBusyError extends StudioError {
  constructor(engine: string, retryAfterSeconds = 1) {
    super(503, `The ${engine} engine is busy. Please retry shortly.`, {
      expose: true,
      headers: { 'retry-after': String(retryAfterSeconds) },
    });
  }
}

export class EngineUnavailableError extends StudioError {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super(503, message, { expose: true, ...opts });
  }
}

/** 504: the render ran past its time limit and was cancelled. */
export class RenderTimeoutError extends StudioError {
  constructor(engine: string, ms: number) {
    super(504, `The ${engine} engine did not finish within ${ms} ms; the render was cancelled.`, { expose: true });
  }
}

/** 500 whose message is safe to show (engine crashed mid-render and is being restarted). */
export class EngineCrashedError extends StudioError {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super(500, message, { expose: true, ...opts });
  }
}

/** Kroki's list style: "a, b or c". */
export function humanList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
