// The control connection: owns the socket, feeds received text to the pure reply parser, hands out replies in order.
// It sends no FTP commands of its own except what the client asks for, and it closes through one path that remembers why.
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { parseReplies, type ParsedReply } from '../protocol/reply.js';
import { assertSafeCommand, maskCommand } from '../protocol/command.js';
import { ErrorCodes, FtpgateError } from '../protocol/errors.js';
import { LIMITS } from '../protocol/limits.js';
import { debuglog } from 'node:util';
import { channel } from 'node:diagnostics_channel';

/** diagnostics_channel names: every command sent (password masked) and every reply received. */
export const CHANNEL_COMMAND = 'ftpgate:client:command';
export const CHANNEL_REPLY = 'ftpgate:client:reply';
const commandChannel = channel(CHANNEL_COMMAND);
const replyChannel = channel(CHANNEL_REPLY);

/** NODE_DEBUG=ftpgate-client prints the protocol conversation (password masked) when no logger is given. */
const debug = debuglog('ftpgate-client');

export type Logger = (line: string) => void;

export class ControlConnection {
  private socket: Socket | TLSSocket;
  private buf = '';
  private queue: ParsedReply[] = [];
  private waiter: { resolve: (r: ParsedReply) => void; reject: (e: Error) => void; timer?: NodeJS.Timeout } | null = null;
  private closeCause: Error | null = null;
  private readonly onData = (chunk: Buffer) => this.receive(chunk);
  private readonly onError = (err: Error) => this.fail(new FtpgateError(ErrorCodes.CLIENT_CLOSED, `control connection error: ${err.message}`, { cause: err }));
  private readonly onClose = () => this.fail(this.ending ?? new FtpgateError(ErrorCodes.CLIENT_CLOSED, 'the server closed the control connection'));
  private ending: Error | null = null;
  private owed = 0;

  private readonly log?: Logger;

  constructor(socket: Socket | TLSSocket, private readonly timeoutMs: number, log?: Logger) {
    this.socket = socket;
    this.log = log ?? (debug.enabled ? (line: string) => debug('%s', line) : undefined);
    this.attach();
  }

  get raw(): Socket | TLSSocket { return this.socket; }
  get closed(): Error | null { return this.closeCause; }

  private attach(): void {
    this.socket.setEncoding('utf8');
    this.socket.on('data', this.onData);
    this.socket.on('error', this.onError);
    this.socket.on('close', this.onClose);
  }

  private detach(): void {
    this.socket.off('data', this.onData);
    this.socket.off('error', this.onError);
    this.socket.off('close', this.onClose);
  }

  /** Swap the socket for its TLS-wrapped version after AUTH TLS (no reply may be pending). */
  replaceSocket(next: TLSSocket): void {
    this.detach();
    this.socket = next;
    this.buf = '';
    this.attach();
  }

  /** Stop listening before TLS takes over the raw socket. */
  detachForUpgrade(): Socket {
    this.detach();
    this.socket.pause();
    return this.socket;
  }

  private receive(chunk: Buffer | string): void {
    this.buf += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let parsed;
    try {
      parsed = parseReplies(this.buf, LIMITS.MAX_REPLY_BYTES);
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    this.buf = parsed.rest;
    for (const r of parsed.messages) {
      this.log?.(`< ${r.lines.join('\n< ')}`);
      if (replyChannel.hasSubscribers) replyChannel.publish({ code: r.code, message: r.message });
      if (this.owed > 0) {
        // The late answer to a command we stopped waiting for (see nextOrGiveUp).
        this.owed--;
        this.log?.(`(late reply ${r.code} to an abandoned command, ignored)`);
        continue;
      }
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = null;
        if (w.timer) clearTimeout(w.timer);
        w.resolve(r);
      } else this.queue.push(r);
    }
  }

  /** Replies that arrived while nobody asked (e.g. a late 425); the client drops them before a new command. */
  drainStray(): ParsedReply[] {
    const q = this.queue;
    this.queue = [];
    return q;
  }

  /** Wait for the next reply. `timeoutMs` 0 waits forever (used while a data transfer runs). */
  next(timeoutMs: number = this.timeoutMs): Promise<ParsedReply> {
    if (this.closeCause) return Promise.reject(this.closeCause);
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.waiter) return Promise.reject(new FtpgateError(ErrorCodes.CLIENT_BUSY, 'internal: two readers of the control connection'));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      if (timeoutMs > 0) {
        this.waiter.timer = setTimeout(() => {
          this.fail(new FtpgateError(ErrorCodes.CLIENT_TIMEOUT, `no reply from the server within ${timeoutMs} ms`));
        }, timeoutMs);
      }
    });
  }

  /**
   * Wait for the next reply at most `ms`; on timeout resolve null and count the reply as owed, so that when it
   * arrives later it is dropped instead of being taken for the answer to the next command. The connection stays up.
   */
  nextOrGiveUp(ms: number): Promise<ParsedReply | null> {
    if (this.closeCause) return Promise.reject(this.closeCause);
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const w: { resolve: (r: ParsedReply) => void; reject: (e: Error) => void; timer?: NodeJS.Timeout } = { resolve, reject };
      w.timer = setTimeout(() => {
        if (this.waiter === w) this.waiter = null;
        this.owed++;
        resolve(null);
      }, ms);
      this.waiter = w;
    });
  }

  /** Write one command line. Refuses CR, LF and NUL (SECURITY: command injection through names). */
  write(command: string): void {
    assertSafeCommand(command);
    if (this.closeCause) throw this.closeCause;
    this.log?.(`> ${maskCommand(command)}`);
    if (commandChannel.hasSubscribers) commandChannel.publish({ command: maskCommand(command) });
    this.socket.write(command + '\r\n');
  }

  /** The one close path: remember the first cause, reject the reader, destroy the socket. Idempotent. */
  fail(cause: Error): void {
    if (this.closeCause) return;
    this.closeCause = cause;
    const w = this.waiter;
    this.waiter = null;
    if (w) {
      if (w.timer) clearTimeout(w.timer);
      w.reject(cause);
    }
    this.socket.destroy();
  }

  /** Graceful end: half-close and wait (briefly) for the server to close. */
  async end(): Promise<void> {
    if (this.closeCause) return;
    this.ending = new FtpgateError(ErrorCodes.CLIENT_CLOSED, 'close() was called');
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => { this.socket.destroy(); resolve(); }, 2000);
      this.socket.once('close', () => { clearTimeout(t); resolve(); });
      this.socket.end();
    });
    this.fail(this.ending);
  }
}
