/** The main process's errors that cross the bridge: each carries the code the UI words its message by. */
import type { IpcError } from '../shared/ipc.js';

export class BridgeError extends Error {
  constructor(
    readonly code: IpcError['code'],
    message: string,
    readonly extra: Pick<IpcError, 'status' | 'line'> = {},
  ) {
    super(message);
    this.name = 'BridgeError';
  }

  toIpc(): IpcError {
    return { code: this.code, message: this.message, ...this.extra };
  }
}
