// One control connection: reads command lines, runs them one at a time through the command table, owns the data channel and the running transfer.
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { randomBytes } from 'node:crypto';
import { CommandLineSplitter, maskCommand, parseCommand } from '../protocol/command.js';
import { formatReply } from '../protocol/reply.js';
import { R } from '../protocol/reply-codes.js';
import { normalizeAddress } from '../protocol/host-port.js';
import { FtpgateError } from '../protocol/errors.js';
import { LIMITS } from '../protocol/limits.js';
import type { ServerConfig } from './config.js';
import type { Account, Authorizer } from './users.js';
import type { ConfinedFs } from './confined-fs.js';
import type { DataChannel } from './data-channel.js';
import type { LogSink } from './log.js';
import { COMMANDS, URGENT_VERBS } from './command-table.js';

export interface RunningTransfer {
  verb: string;
  path: string;
  bytes: () => number;
  abort(): void;
  done: Promise<void>;
}

export interface SessionDeps {
  config: ServerConfig;
  authorizer: Authorizer;
  openFs(account: Account): Promise<ConfinedFs>;
  log: LogSink;
  tlsContext?: SecureContext;
  onClose(s: Session): void;
}

export class Session {
  readonly id = randomBytes(4).toString('hex');
  readonly peer: string;
  readonly localAddress: string;
  ctrl: Socket;
  private readonly splitter = new CommandLineSplitter(LIMITS.MAX_COMMAND_LINE);
  private readonly queue: string[] = [];
  private busy = false;
  private closed = false;
  /** Bytes received after close() (thrown away; a flood is cut off). */
  private discarded = 0;
  private destroyed = false;

  // protocol state
  pendingUser: string | null = null;
  account: Account | null = null;
  fs: ConfinedFs | null = null;
  cwd = '/';
  type: 'A' | 'I' = 'A';
  restOffset = 0;
  renameFrom: string | null = null;
  epsvAll = false;
  loginFailures = 0;
  tls = false;
  protP = false;
  pbszSeen = false;
  mlstFacts: string[] = ['type', 'size', 'modify', 'perm', 'unique', 'unix.mode'];
  data: DataChannel | null = null;
  transfer: RunningTransfer | null = null;

  constructor(socket: Socket, readonly deps: SessionDeps) {
    this.ctrl = socket;
    this.peer = normalizeAddress(socket.remoteAddress ?? '');
    this.localAddress = normalizeAddress(socket.localAddress ?? '');
    this.attach(socket);
    socket.on('close', () => this.destroy());
    this.log({ event: 'connect', peer: this.peer, local: this.localAddress });
    this.reply(R.SERVICE_READY, deps.config.banner);
  }

  get config(): ServerConfig { return this.deps.config; }

  log(e: { event: string; [k: string]: unknown }): void {
    this.deps.log({ session: this.id, ...(this.account ? { user: this.account.name } : {}), ...e });
  }

  private attach(sock: Socket): void {
    sock.setNoDelay(true);
    sock.setTimeout(this.config.idleTimeout * 1000);
    sock.on('timeout', () => {
      if (this.transfer) return; // a long transfer is not idleness
      this.reply(R.SERVICE_UNAVAILABLE, `Idle timeout (${this.config.idleTimeout}s), closing control connection`);
      this.close();
    });
    sock.on('error', () => {});
    sock.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  /** The one writer of replies; reply text is sanitised by formatReply. */
  reply(code: number, text: string | readonly string[]): void {
    if (this.closed || this.ctrl.destroyed) return;
    this.ctrl.write(formatReply(code, text));
  }

  replyError(err: unknown, fallbackCode: number = R.LOCAL_ERROR): void {
    if (err instanceof FtpgateError) this.reply(err.reply ?? fallbackCode, err.message);
    else {
      const e = err as NodeJS.ErrnoException;
      const code = e?.code === 'ENOENT' || e?.code === 'ENOTDIR' ? R.FILE_UNAVAILABLE
        : e?.code === 'EACCES' || e?.code === 'EPERM' ? R.FILE_UNAVAILABLE
        : e?.code === 'ENOSPC' || e?.code === 'EDQUOT' ? R.EXCEEDED_STORAGE
        : e?.code === 'EEXIST' ? R.FILE_UNAVAILABLE
        : e?.code === 'ENOTEMPTY' ? R.FILE_UNAVAILABLE
        : fallbackCode;
      const why = e?.code === 'ENOENT' ? 'No such file or directory' : e?.code === 'EACCES' || e?.code === 'EPERM' ? 'Permission denied'
        : e?.code === 'ENOSPC' ? 'No space left on device' : e?.code === 'ENOTEMPTY' ? 'Directory not empty' : e?.code === 'EEXIST' ? 'File exists'
        : e?.code === 'EISDIR' ? 'Is a directory' : e?.code === 'ENOTDIR' ? 'Not a directory' : 'Local error';
      this.reply(e?.code === 'EISDIR' ? R.FILE_UNAVAILABLE : code, why);
    }
  }

  private onData(chunk: Buffer): void {
    if (this.closed) {
      // SECURITY: after the goodbye, a peer that keeps sending (a flood) is cut off instead of read to the end
      this.discarded += chunk.length;
      if (this.discarded > 256 * 1024) this.destroy();
      return;
    }
    const { lines, overflow } = this.splitter.push(chunk);
    for (const line of lines) this.enqueue(line);
    if (overflow) {
      // SECURITY: an over-long command line is answered and the connection dropped; nothing more is buffered.
      this.log({ event: 'security', rule: 'line-too-long', limit: LIMITS.MAX_COMMAND_LINE });
      this.reply(R.SYNTAX_ERROR, `Command line too long (limit ${LIMITS.MAX_COMMAND_LINE} bytes), closing connection`);
      this.close();
    }
  }

  private enqueue(line: string): void {
    if (this.closed) return;
    const { verb } = parseCommand(line);
    if (this.transfer && URGENT_VERBS.has(verb)) {
      void this.execute(line);
      return;
    }
    this.queue.push(line);
    // backpressure: a client that pipelines many commands is read no faster than we answer
    if (this.queue.length > 32) this.ctrl.pause();
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length && !this.closed) {
        const line = this.queue.shift()!;
        if (this.queue.length <= 8 && this.ctrl.isPaused()) this.ctrl.resume();
        await this.execute(line);
      }
    } finally {
      this.busy = false;
    }
  }

  private async execute(line: string): Promise<void> {
    const { verb, arg } = parseCommand(line);
    this.log({ event: 'command', line: maskCommand(line).slice(0, 512) });
    const spec = COMMANDS[verb];
    if (!spec) { this.reply(R.SYNTAX_ERROR, `Unknown command ${verb.slice(0, 32)}`); return; }
    // SECURITY: before login only the commands marked auth:false exist.
    if (spec.auth && !this.account) { this.reply(R.NOT_LOGGED_IN, 'Please login with USER and PASS'); return; }
    if (spec.arg === 'required' && arg.trim() === '') { this.reply(R.SYNTAX_ERROR_ARGS, `${verb} needs an argument`); return; }
    if (spec.write && !this.account?.write) { this.reply(R.FILE_UNAVAILABLE, 'Permission denied (read-only account)'); return; }
    try {
      await spec.run(this, arg);
    } catch (err) {
      this.replyError(err);
    } finally {
      // REST applies only to the next transfer command; RNFR only to the next RNTO
      if (!spec.keepsRest) this.restOffset = 0;
      if (verb !== 'RNFR') this.renameFrom = null;
    }
  }

  /** Upgrade the control connection after `234` (AUTH TLS). */
  upgradeControlToTls(ctx: SecureContext): void {
    const raw = this.ctrl;
    raw.removeAllListeners('data');
    raw.removeAllListeners('timeout');
    const secure = new TLSSocket(raw, { isServer: true, secureContext: ctx });
    this.ctrl = secure;
    this.tls = true;
    this.attach(secure);
    secure.on('close', () => this.destroy());
  }

  resetDataChannel(next: DataChannel | null): void {
    this.data?.close();
    this.data = next;
  }

  /** Graceful: flush pending replies, then close. */
  close(): void {
    if (this.closed) return;
    this.ctrl.end();
    setTimeout(() => this.destroy(), 2000).unref();
    this.closed = true;
  }

  /** Abort: the running transfer, the data channel and the control connection; idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.closed = true;
    if (this.transfer) this.transfer.abort();
    this.data?.close();
    this.data = null;
    if (!this.ctrl.destroyed) this.ctrl.destroy();
    this.log({ event: 'disconnect', peer: this.peer });
    this.deps.onClose(this);
  }

  get controlAlive(): boolean { return !this.closed && !this.ctrl.destroyed && !this.ctrl.readableEnded; }
}
