/**
 * Every bridge call goes through here: the channel must be one of ours, the sender must be
 * the top frame of one of the app's own windows showing the app's own page (not a
 * sub-frame, not a page it navigated to, not another webContents), and the arguments must
 * pass the channel's schema. Anything else is refused, logged, and never reaches a handler.
 * The Electron glue (main.ts) turns an IpcMainInvokeEvent into an IpcSender.
 */
import type { IpcArgs, IpcChannel, IpcReply, IpcResult } from '../shared/ipc.js';
import { BridgeError } from './errors.js';
import { CHANNEL_SCHEMAS, describeIssues } from './ipc-schemas.js';
import { isAppUrl } from './security.js';

export interface IpcSender {
  /** URL of the frame that sent the message (null when the frame is gone). */
  frameUrl: string | null;
  isMainFrame: boolean;
  /** The app window the sending webContents belongs to, or null when it is none of ours. */
  windowId: number | null;
}

export type Handler<C extends IpcChannel> = (args: IpcArgs<C>, sender: IpcSender & { windowId: number }) => Promise<IpcResult<C>>;

export type Handlers = { [C in IpcChannel]: Handler<C> };

export class IpcRouter {
  constructor(
    private readonly handlers: Handlers,
    private readonly log: (message: string) => void = () => {},
  ) {}

  /** The channels to register with ipcMain.handle. */
  channels(): IpcChannel[] {
    return Object.keys(CHANNEL_SCHEMAS) as IpcChannel[];
  }

  /** Why a sender is refused, or null when it may call. */
  static refuse(sender: IpcSender): string | null {
    if (sender.windowId === null) return 'the sender is not an app window';
    if (!sender.isMainFrame) return 'the sender is a sub-frame';
    if (!sender.frameUrl || !isAppUrl(sender.frameUrl)) return `the sender's page ${JSON.stringify(sender.frameUrl)} is not the app's own`;
    return null;
  }

  async handle(channel: string, args: unknown, sender: IpcSender): Promise<IpcReply<unknown>> {
    if (!Object.hasOwn(CHANNEL_SCHEMAS, channel)) {
      this.log(`refused IPC on unknown channel ${JSON.stringify(channel).slice(0, 80)}`);
      return { ok: false, error: { code: 'forbidden', message: `Unknown channel ${JSON.stringify(channel).slice(0, 80)}.` } };
    }
    const why = IpcRouter.refuse(sender);
    if (why) {
      this.log(`refused ${channel}: ${why}`);
      return { ok: false, error: { code: 'forbidden', message: `Refused: ${why}.` } };
    }
    const c = channel as IpcChannel;
    const parsed = CHANNEL_SCHEMAS[c].safeParse(args ?? {});
    if (!parsed.success) {
      const message = describeIssues(parsed.error);
      this.log(`refused ${channel}: bad arguments (${message})`);
      return { ok: false, error: { code: 'invalid-args', message: `Invalid arguments for ${channel}: ${message}.` } };
    }
    try {
      const handler = this.handlers[c] as Handler<IpcChannel>;
      const value = await handler(parsed.data as IpcArgs<IpcChannel>, sender as IpcSender & { windowId: number });
      return { ok: true, value };
    } catch (err) {
      if (err instanceof BridgeError) return { ok: false, error: err.toIpc() };
      this.log(`${channel} failed: ${(err as Error)?.stack ?? String(err)}`);
      return { ok: false, error: { code: 'internal', message: (err as Error)?.message ?? String(err) } };
    }
  }
}

export type { IpcResult };
