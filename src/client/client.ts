// The FTP client: login, FEAT, listings, streamed transfers with resume, directory operations, mode fallback; one task at a time.
import { createReadStream, createWriteStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { Writable, type Readable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { ErrorCodes, FtpgateError } from '../protocol/errors.js';
import { parseTimeVal } from '../protocol/list-format.js';
import { LIMITS } from '../protocol/limits.js';
import type { ParsedReply } from '../protocol/reply.js';
import { connectTcp, startTls, type ClientTlsOptions, type PortRange } from '../net/client-sockets.js';
import { ControlConnection, type Logger } from './control-connection.js';
import { DataConnectError, type DataCommand, type DataNotes } from './data-channel.js';
import { defaultModeMemory, type DataKind, type ModeMemory } from './mode-memory.js';
import { parseListListing, parseMlsdListing } from './list-parse.js';
import type { FileInfo } from './file-info.js';
import { parseFtpUrl } from './url.js';
import { replyError, runTransfer, type DataUse } from './transfer.js';
export type { DataUse } from './transfer.js';
import { isSafeEntryName } from './safe-name.js';

export type DataMode = 'auto' | 'passive' | 'active';

const KEEPALIVE = 'keepalive NOOP';
/** Local file I/O in 1 MiB chunks: fewer system calls than the 64 KiB default, still bounded memory. */
const FILE_CHUNK = 1024 * 1024;

export interface ClientOptions {
  host: string;
  port?: number;
  /** Default 'anonymous'. */
  user?: string;
  password?: string;
  /** false: plain FTP; 'explicit': AUTH TLS on the control port; 'implicit': TLS from the first byte (ftps://). */
  secure?: false | 'explicit' | 'implicit';
  tls?: ClientTlsOptions;
  /** Data connection mode (default 'auto'). */
  mode?: DataMode;
  /** Only this data command (used by the doctor). */
  dataCommand?: DataCommand;
  /** Address to advertise in EPRT/PORT (default: our address on the control connection). */
  activeAddress?: string;
  /** Ports to listen on in active mode (default: any free port). */
  activePorts?: PortRange;
  /** Connect to the address a PASV reply names even when it differs from the control host (default false). */
  trustPasvAddress?: boolean;
  /** Reply timeout on the control connection (default 30 s). */
  timeoutMs?: number;
  /** How long a data connection may take to come up (default 10 s). */
  dataTimeoutMs?: number;
  /** Where auto mode remembers what worked per server. */
  modeMemory?: ModeMemory;
  /** Protocol log (password masked). */
  log?: Logger;
}

export interface TransferOptions {
  /** Called with the number of bytes moved so far on this transfer (excluding any resumed offset). */
  onProgress?: (bytes: number) => void;
}


export class Client {
  readonly options: Required<Pick<ClientOptions, 'host' | 'port' | 'mode' | 'timeoutMs' | 'dataTimeoutMs'>> & ClientOptions;
  /** FEAT lines: upper-case feature name → rest of the line. */
  features = new Map<string, string>();
  /** What the last transfer used, and whether it fell back. */
  lastData: DataUse | null = null;
  /** Facts about data connections for diagnostics. */
  readonly notes: DataNotes = {};
  /** Greeting (220) text. */
  welcome = '';
  private ctrl: ControlConnection | null = null;
  private busy: string | null = null;
  private closeCause: Error | null = null;
  private protP = false;
  private tlsSession: Buffer | undefined;
  private readonly unsupported = new Set<DataCommand>();
  private keepAliveTimer: NodeJS.Timeout | null = null;
  private noopInFlight: Promise<void> | null = null;

  constructor(opts: ClientOptions) {
    this.options = {
      ...opts,
      port: opts.port ?? (opts.secure === 'implicit' ? 990 : 21),
      mode: opts.mode ?? 'auto',
      timeoutMs: opts.timeoutMs ?? 30000,
      dataTimeoutMs: opts.dataTimeoutMs ?? 10000,
    };
  }

  /** Connect and log in; `target` is an ftp://, ftpes:// or ftps:// URL or options. */
  static async connect(target: string | ClientOptions, extra: Partial<ClientOptions> = {}): Promise<Client> {
    let opts: ClientOptions;
    if (typeof target === 'string') {
      const u = parseFtpUrl(target);
      opts = { host: u.host, port: u.port, user: u.user, password: u.password, secure: u.secure, ...extra };
    } else opts = { ...target, ...extra };
    const c = new Client(opts);
    try {
      await c.connect();
    } catch (err) {
      c.destroy(err as Error);
      throw err;
    }
    return c;
  }

  private get serverKey(): string { return `${this.options.host}:${this.options.port}`; }
  private get memory(): ModeMemory { return this.options.modeMemory ?? defaultModeMemory; }
  get closed(): boolean { return this.closeCause !== null; }
  get secure(): boolean { return this.protP; }

  // ---- task discipline -------------------------------------------------------------------------

  private async task<T>(label: string, fn: () => Promise<T>): Promise<T> {
    // A keepalive NOOP in flight is ours, not the caller's: wait for it instead of reporting "busy".
    if (this.noopInFlight && label !== KEEPALIVE) await this.noopInFlight;
    if (this.closeCause) {
      throw new FtpgateError(ErrorCodes.CLIENT_CLOSED, `cannot ${label}: the client is closed because ${this.closeCause.message}`, { cause: this.closeCause });
    }
    if (this.busy) {
      throw new FtpgateError(ErrorCodes.CLIENT_BUSY, `cannot ${label} while "${this.busy}" is still running: an FTP connection does one task at a time. Await the previous call before starting the next, or open another Client for parallel work.`);
    }
    this.busy = label;
    try {
      return await fn();
    } catch (err) {
      // A control-connection failure closes the client for good; remember why.
      if (this.ctrl?.closed) this.closeCause ??= this.ctrl.closed;
      throw err;
    } finally {
      this.busy = null;
    }
  }

  private get control(): ControlConnection {
    if (!this.ctrl) throw new FtpgateError(ErrorCodes.CLIENT_CLOSED, 'not connected: call connect() first');
    return this.ctrl;
  }

  /** Send a command and return its final reply (1xx skipped); 4xx/5xx are returned, not thrown. */
  private async command(line: string): Promise<ParsedReply> {
    const c = this.control;
    for (const stray of c.drainStray()) this.options.log?.(`(ignored late reply ${stray.code} ${stray.message})`);
    c.write(line);
    for (;;) {
      const r = await c.next();
      if (r.code >= 200) return r;
    }
  }

  /** command() that gives up after `ms` (null) without closing the connection; the late reply is dropped when it comes. */
  private async commandOrGiveUp(line: string, ms: number): Promise<ParsedReply | null> {
    const c = this.control;
    for (const stray of c.drainStray()) this.options.log?.(`(ignored late reply ${stray.code} ${stray.message})`);
    c.write(line);
    for (;;) {
      const r = await c.nextOrGiveUp(ms);
      if (!r || r.code >= 200) return r;
    }
  }

  /** Like command() but throws on anything but the expected codes. */
  private async expect(line: string, ok: (code: number) => boolean, what: string = line.split(' ')[0]): Promise<ParsedReply> {
    const r = await this.command(line);
    if (!ok(r.code)) throw replyError(r, what);
    return r;
  }

  /** Send a raw command; returns the final reply without judging it. */
  send(line: string): Promise<ParsedReply> {
    return this.task(`send ${line.split(' ')[0]}`, () => this.command(line));
  }

  // ---- connection and login -----------------------------------------------------------------

  async connect(): Promise<void> {
    if (this.ctrl) throw new FtpgateError(ErrorCodes.CLIENT_USAGE, 'connect() was already called on this Client');
    await this.task('connect', () => this.open());
  }

  /** Open the control connection and log in (TLS, FEAT, PBSZ/PROT, TYPE I). */
  private async open(): Promise<void> {
    const o = this.options;
    {
      let sock: Socket | TLSSocket = await connectTcp(o.host, o.port, o.timeoutMs, ErrorCodes.CLIENT_CONNECT);
      if (o.secure === 'implicit') sock = await startTls(o.host, o.tls ?? {}, { socket: sock }, undefined, o.timeoutMs);
      this.ctrl = new ControlConnection(sock, o.timeoutMs, o.log);
      if (o.secure === 'implicit') this.watchSession(sock as TLSSocket);
      const greet = await this.ctrl.next();
      if (greet.code >= 400) throw replyError(greet, 'server refused the connection');
      if (greet.code < 200) {
        const g2 = await this.ctrl.next();
        if (g2.code !== 220) throw replyError(g2, 'greeting');
      }
      this.welcome = greet.message;
      if (o.secure === 'explicit') {
        const auth = await this.command('AUTH TLS');
        if (auth.code !== 234) throw new FtpgateError(ErrorCodes.CLIENT_TLS, `the server does not offer explicit FTPS: AUTH TLS → ${auth.code} ${auth.message}`, { reply: auth.code });
        const raw = this.ctrl.detachForUpgrade();
        const tlsSock = await startTls(o.host, o.tls ?? {}, { socket: raw }, undefined, o.timeoutMs);
        this.ctrl.replaceSocket(tlsSock);
        this.watchSession(tlsSock);
      }
      await this.login();
      await this.readFeatures();
      if (o.secure) {
        await this.expect('PBSZ 0', (c) => c >= 200 && c < 300);
        await this.expect('PROT P', (c) => c >= 200 && c < 300, 'PROT P (encrypted data connections)');
        this.protP = true;
      }
      if (this.features.has('UTF8')) await this.command('OPTS UTF8 ON');
      await this.expect('TYPE I', (c) => c >= 200 && c < 300);
    }
  }

  /**
   * Replace a control connection that is out of step (a command whose reply never came, e.g. a server still trying
   * to connect to a blocked active port) with a fresh, logged-in one. The server's per-session state is lost;
   * this client keeps none between calls (mkdir -p restores the directory it started in).
   */
  private async reconnect(why: string): Promise<void> {
    this.options.log?.(`(reconnecting: ${why})`);
    this.ctrl?.fail(new FtpgateError(ErrorCodes.CLIENT_CLOSED, `control connection replaced: ${why}`));
    this.ctrl = null;
    this.features = new Map();
    this.protP = false;
    this.tlsSession = undefined;
    try {
      await this.open();
    } catch (err) {
      this.closeCause ??= err as Error;
      throw err;
    }
  }

  private watchSession(sock: TLSSocket): void {
    this.tlsSession = sock.getSession() ?? undefined;
    // TLS 1.3 delivers session tickets after the handshake.
    sock.on('session', (s: Buffer) => { this.tlsSession = s; });
  }

  private async login(): Promise<void> {
    const user = this.options.user ?? 'anonymous';
    const pass = this.options.password ?? (user === 'anonymous' ? 'anonymous@' : '');
    const r = await this.command(`USER ${user}`);
    if (r.code === 230) return;
    if (r.code !== 331) throw new FtpgateError(ErrorCodes.CLIENT_LOGIN, `login as ${user} refused: ${r.code} ${r.message}`, { reply: r.code });
    const p = await this.command(`PASS ${pass}`);
    if (p.code !== 230 && p.code !== 202) throw new FtpgateError(ErrorCodes.CLIENT_LOGIN, `login as ${user} failed: ${p.code} ${p.message}`, { reply: p.code });
  }

  private async readFeatures(): Promise<void> {
    const r = await this.command('FEAT');
    if (r.code !== 211) return;
    for (const line of r.lines.slice(1, -1)) {
      const t = line.trim();
      if (!t) continue;
      const sp = t.indexOf(' ');
      this.features.set((sp < 0 ? t : t.slice(0, sp)).toUpperCase(), sp < 0 ? '' : t.slice(sp + 1));
    }
  }

  // ---- closing ------------------------------------------------------------------------------

  /** Graceful: QUIT (when idle), then close. Idempotent. */
  async close(): Promise<void> {
    this.stopKeepAlive();
    if (this.closeCause || !this.ctrl) {
      this.closeCause ??= new FtpgateError(ErrorCodes.CLIENT_CLOSED, 'close() was called');
      return;
    }
    const c = this.ctrl;
    if (!this.busy && !c.closed) {
      try {
        c.write('QUIT');
        await c.next(2000);
      } catch { /* the server may close first */ }
    }
    this.closeCause = new FtpgateError(ErrorCodes.CLIENT_CLOSED, 'close() was called');
    await c.end();
  }

  /** Abort at once; pending and later calls fail with `err` as the cause. Idempotent. */
  destroy(err?: Error): void {
    this.stopKeepAlive();
    const cause = err ?? new FtpgateError(ErrorCodes.CLIENT_CLOSED, 'destroy() was called');
    this.closeCause ??= cause;
    this.ctrl?.fail(cause);
  }

  /** Send NOOP every `intervalMs` while idle, so NAT and firewalls keep the control connection. */
  keepAlive(intervalMs = 30000): void {
    this.stopKeepAlive();
    this.keepAliveTimer = setInterval(() => {
      if (this.busy || this.noopInFlight || this.closeCause || !this.ctrl) return;
      this.noopInFlight = this.task(KEEPALIVE, () => this.command('NOOP')).then(() => {}, () => {}).finally(() => { this.noopInFlight = null; });
    }, intervalMs);
    this.keepAliveTimer.unref();
  }

  private stopKeepAlive(): void {
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = null;
  }

  // ---- simple commands ----------------------------------------------------------------------

  pwd(): Promise<string> {
    return this.task('pwd', async () => {
      const r = await this.expect('PWD', (c) => c === 257);
      const m = /"((?:[^"]|"")*)"/.exec(r.message);
      return m ? m[1].replace(/""/g, '"') : r.message;
    });
  }

  cd(path: string): Promise<void> {
    return this.task(`cd ${path}`, async () => { await this.expect(`CWD ${path}`, (c) => c === 250, `CWD ${path}`); });
  }

  size(path: string): Promise<number> {
    return this.task(`size ${path}`, () => this.sizeRaw(path));
  }

  private async sizeRaw(path: string): Promise<number> {
    const r = await this.expect(`SIZE ${path}`, (c) => c === 213, `SIZE ${path}`);
    const n = Number(r.message.trim());
    if (!Number.isSafeInteger(n) || n < 0) throw new FtpgateError(ErrorCodes.PROTOCOL_BAD_REPLY, `bad SIZE reply: ${r.message}`);
    return n;
  }

  lastMod(path: string): Promise<Date> {
    return this.task(`lastMod ${path}`, async () => {
      const r = await this.expect(`MDTM ${path}`, (c) => c === 213, `MDTM ${path}`);
      const d = parseTimeVal(r.message.trim());
      if (!d) throw new FtpgateError(ErrorCodes.PROTOCOL_BAD_REPLY, `bad MDTM reply: ${r.message}`);
      return d;
    });
  }

  /** Set the remote modification time (MFMT); returns false when the server cannot. */
  setLastMod(path: string, when: Date): Promise<boolean> {
    return this.task(`setLastMod ${path}`, async () => {
      if (!this.features.has('MFMT')) return false;
      const p = (n: number, w = 2) => String(n).padStart(w, '0');
      const t = `${when.getUTCFullYear()}${p(when.getUTCMonth() + 1)}${p(when.getUTCDate())}${p(when.getUTCHours())}${p(when.getUTCMinutes())}${p(when.getUTCSeconds())}`;
      const r = await this.command(`MFMT ${t} ${path}`);
      return r.code === 213;
    });
  }

  rename(from: string, to: string): Promise<void> {
    return this.task(`rename ${from}`, async () => {
      await this.expect(`RNFR ${from}`, (c) => c === 350, `RNFR ${from}`);
      await this.expect(`RNTO ${to}`, (c) => c === 250, `RNTO ${to}`);
    });
  }

  /** Delete a file. */
  delete(path: string): Promise<void> {
    return this.task(`delete ${path}`, async () => { await this.expect(`DELE ${path}`, (c) => c === 250, `DELE ${path}`); });
  }

  /** Create a directory; with recursive, every missing parent too (like mkdir -p) and no error if it exists. */
  mkdir(path: string, opts: { recursive?: boolean } = {}): Promise<void> {
    return this.task(`mkdir ${path}`, async () => {
      if (!opts.recursive) {
        await this.expect(`MKD ${path}`, (c) => c === 257 || c === 250, `MKD ${path}`);
        return;
      }
      const start = await this.expect('PWD', (c) => c === 257);
      const m = /"((?:[^"]|"")*)"/.exec(start.message);
      const back = m ? m[1].replace(/""/g, '"') : '/';
      try {
        if (path.startsWith('/')) await this.expect('CWD /', (c) => c === 250);
        for (const seg of path.split('/').filter((s) => s !== '' && s !== '.')) {
          if ((await this.command(`CWD ${seg}`)).code === 250) continue;
          await this.expect(`MKD ${seg}`, (c) => c === 257 || c === 250, `MKD ${seg}`);
          await this.expect(`CWD ${seg}`, (c) => c === 250, `CWD ${seg}`);
        }
      } finally {
        if (!this.ctrl?.closed) await this.command(`CWD ${back}`);
      }
    });
  }

  /** Remove a file, or (recursive) a directory tree. Without recursive, a directory must be empty. */
  remove(path: string, opts: { recursive?: boolean } = {}): Promise<void> {
    return this.task(`remove ${path}`, async () => {
      const d = await this.command(`DELE ${path}`);
      if (d.code === 250) return;
      if (!opts.recursive) {
        const r = await this.command(`RMD ${path}`);
        if (r.code === 250) return;
        throw replyError(d, `DELE ${path}`);
      }
      await this.removeTree(path, 0);
    });
  }

  private async removeTree(dir: string, depth: number): Promise<void> {
    if (depth > 64) throw new FtpgateError(ErrorCodes.CLIENT_USAGE, `directory tree deeper than 64 levels at ${dir}`);
    const entries = await this.listRaw(dir);
    for (const e of entries) {
      // SECURITY: a listing may name "..", "." or "a/b"; following them would delete outside the tree.
      if (e.type === 'unknown' || !isSafeEntryName(e.name)) continue;
      const p = `${dir.replace(/\/+$/, '')}/${e.name}`;
      if (e.type === 'dir') await this.removeTree(p, depth + 1);
      else await this.expect(`DELE ${p}`, (c) => c === 250, `DELE ${p}`);
    }
    await this.expect(`RMD ${dir}`, (c) => c === 250, `RMD ${dir}`);
  }

  // ---- listings -----------------------------------------------------------------------------

  /** List a directory: MLSD when FEAT offers MLST, else LIST (Unix, DOS/IIS, EPLF); unknown lines come back as type 'unknown'. */
  list(path = ''): Promise<FileInfo[]> {
    return this.task(`list ${path || '.'}`, () => this.listRaw(path));
  }

  private async listRaw(path: string): Promise<FileInfo[]> {
    const mlsd = this.features.has('MLST') || this.features.has('MLSD');
    const verb = mlsd ? 'MLSD' : 'LIST';
    const chunks: Buffer[] = [];
    let total = 0;
    await this.transfer(path ? `${verb} ${path}` : verb, async (data) => {
      await pipeline(data, new Writable({
        write(chunk: Buffer, _e, cb) {
          total += chunk.length;
          // SECURITY: cap listings held in memory (a hostile server could stream forever).
          if (total > LIMITS.MAX_LISTING_LINE * 4096) return cb(new FtpgateError(ErrorCodes.PROTOCOL_REPLY_TOO_LONG, 'listing larger than 64 MiB'));
          chunks.push(chunk);
          cb();
        },
      }));
    });
    const text = Buffer.concat(chunks).toString('utf8');
    return mlsd ? parseMlsdListing(text) : parseListListing(text);
  }

  // ---- transfers ----------------------------------------------------------------------------

  /** Download `remote` into a writable stream (not ended by default). `startAt` resumes with REST. */
  get(remote: string, dest: Writable, opts: TransferOptions & { startAt?: number; end?: boolean } = {}): Promise<void> {
    return this.task(`get ${remote}`, () => this.getRaw(remote, dest, opts));
  }

  private async getRaw(remote: string, dest: Writable, opts: TransferOptions & { startAt?: number; end?: boolean }): Promise<void> {
    const startAt = opts.startAt ?? 0;
    await this.transfer(`RETR ${remote}`, async (data) => {
      await pipeline(counted(data, opts.onProgress), dest, { end: opts.end ?? false });
    }, startAt > 0 ? `REST ${startAt}` : undefined);
  }

  /** Download to a local file. With resume, an existing shorter local file is continued (REST). Returns bytes transferred. */
  getFile(remote: string, local: string, opts: TransferOptions & { resume?: boolean } = {}): Promise<number> {
    return this.task(`get ${remote}`, async () => {
      let startAt = 0;
      if (opts.resume) {
        const st = await stat(local).catch(() => null);
        if (st && st.size > 0) {
          const remoteSize = await this.sizeRaw(remote).catch(() => -1);
          if (remoteSize >= 0 && st.size === remoteSize) return 0; // already complete
          // A local part longer than the remote file belongs to another version of it: start over.
          startAt = remoteSize >= 0 && st.size > remoteSize ? 0 : st.size;
        }
      }
      let moved = 0;
      // The local file is opened only once data flows, so a refused RETR leaves no empty file behind.
      let opened = false;
      await this.transfer(`RETR ${remote}`, async (data) => {
        opened = true;
        const out = createWriteStream(local, { flags: startAt > 0 ? 'a' : 'w', highWaterMark: FILE_CHUNK });
        await pipeline(counted(data, (n) => { moved = n; opts.onProgress?.(n); }), out);
      }, startAt > 0 ? `REST ${startAt}` : undefined);
      if (!opened) await writeFile(local, '', { flag: 'a' }); // 226 without a data connection: an empty file
      return moved;
    });
  }

  /** Upload a readable stream to `remote` (STOR, or APPE with append). */
  put(source: Readable, remote: string, opts: TransferOptions & { append?: boolean } = {}): Promise<void> {
    return this.task(`put ${remote}`, () => this.putRaw(() => source, remote, opts));
  }

  private async putRaw(source: () => Readable, remote: string, opts: TransferOptions & { append?: boolean }): Promise<void> {
    await this.transfer(`${opts.append ? 'APPE' : 'STOR'} ${remote}`, async (data) => {
      await pipeline(counted(source(), opts.onProgress), data);
    });
  }

  /** Upload a local file. With resume, a shorter remote file is continued (APPE from its size). Returns bytes transferred. */
  putFile(local: string, remote: string, opts: TransferOptions & { resume?: boolean } = {}): Promise<number> {
    return this.task(`put ${remote}`, async () => {
      let start = 0;
      if (opts.resume) {
        const remoteSize = await this.sizeRaw(remote).catch(() => -1);
        const st = await stat(local);
        if (remoteSize === st.size) return 0; // already complete
        // A remote part longer than the local file belongs to another version of it: start over (STOR).
        if (remoteSize > 0 && remoteSize < st.size) start = remoteSize;
      }
      let moved = 0;
      // The source is opened only when the data connection is up, so a fallback retry starts from a fresh stream.
      await this.putRaw(() => createReadStream(local, { start, highWaterMark: FILE_CHUNK }), remote, { append: start > 0, onProgress: (n) => { moved = n; opts.onProgress?.(n); } });
      return moved;
    });
  }

  /**
   * Run one transfer command with a data connection, falling back between passive and active in auto mode
   * when (and only when) the data connection cannot be made.
   */
  private async transfer(command: string, onData: (data: Duplex) => Promise<void>, preCommand?: string): Promise<ParsedReply> {
    const o = this.options;
    const remembered = this.memory.get(this.serverKey);
    let kinds: DataKind[];
    if (o.dataCommand) kinds = [o.dataCommand === 'EPSV' || o.dataCommand === 'PASV' ? 'passive' : 'active'];
    else if (o.mode === 'passive') kinds = ['passive'];
    else if (o.mode === 'active') kinds = ['active'];
    else kinds = remembered === 'active' ? ['active', 'passive'] : ['passive', 'active'];
    let fellBackFrom: DataUse['fellBackFrom'];
    for (let i = 0; i < kinds.length; i++) {
      try {
        const r = await this.transferOnce(kinds[i], command, onData, preCommand, (use) => { this.lastData = { ...use, fellBackFrom }; });
        if (o.mode === 'auto') this.memory.set(this.serverKey, kinds[i]);
        return r;
      } catch (err) {
        if (err instanceof DataConnectError && err.outOfStep) await this.reconnect(`no reply after ${err.command}: ${err.message}`);
        if (err instanceof DataConnectError && i + 1 < kinds.length) {
          o.log?.(`data connection (${err.kind}) failed: ${err.message}; falling back to ${kinds[i + 1]}`);
          fellBackFrom = { kind: err.kind, error: err.message };
          continue;
        }
        if (err instanceof DataConnectError && fellBackFrom) {
          // Both kinds failed: say so, with both reasons, and where to look next.
          throw new DataConnectError(`no data connection in either mode — ${fellBackFrom.kind}: ${fellBackFrom.error}; ${err.kind}: ${err.message} (run: ftpgate doctor URL)`, err.kind, err.command, err.failure, err.serverReply, err);
        }
        throw err;
      }
    }
    throw new Error('unreachable');
  }

  private dataContext() {
    const sock = this.control.raw;
    return {
      command: (line: string) => this.command(line),
      commandOrGiveUp: (line: string, ms: number) => this.commandOrGiveUp(line, ms),
      controlHost: this.options.host,
      localAddress: sock.localAddress ?? '127.0.0.1',
      remoteAddress: sock.remoteAddress ?? this.options.host,
      connectTimeoutMs: this.options.dataTimeoutMs,
      trustPasvAddress: this.options.trustPasvAddress ?? false,
      activeAddress: this.options.activeAddress,
      activePorts: this.options.activePorts,
      unsupported: this.unsupported,
      notes: this.notes,
    };
  }

  private async transferOnce(kind: DataKind, command: string, onData: (data: Duplex) => Promise<void>, preCommand: string | undefined, used: (u: DataUse) => void): Promise<ParsedReply> {
    return runTransfer({
      control: this.control,
      data: this.dataContext(),
      only: this.options.dataCommand,
      command: (line) => this.command(line),
      host: this.options.host,
      tls: this.options.tls ?? {},
      protP: this.protP,
      tlsSession: this.tlsSession,
      dataTimeoutMs: this.options.dataTimeoutMs,
      timeoutMs: this.options.timeoutMs,
      log: this.options.log,
    }, kind, command, onData, preCommand, used);
  }
}

/** Report the running byte count of a stream without an extra stream in the pipeline (a second 'data' listener). */
function counted<T extends Readable | Duplex>(stream: T, onProgress?: (n: number) => void): T {
  if (!onProgress) return stream;
  let n = 0;
  stream.on('data', (chunk: Buffer) => { n += chunk.length; onProgress(n); });
  return stream;
}
