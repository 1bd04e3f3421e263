/** A stack file Studio cannot use: its message names the file and, when known, the line. */
export class StackFileError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'StackFileError';
  }
}
