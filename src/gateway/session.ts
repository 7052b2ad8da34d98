// One client behind the gateway: relays the control connection to the server, answers the data-connection
// commands itself, and opens exactly the data connection it negotiated, on each side, for each transfer.
import { connect, isIP, type Socket } from 'node:net';
import { CommandLineSplitter, maskCommand, parseCommand } from '../protocol/command.js';
import { formatReply, parseReplies, type ParsedReply } from '../protocol/reply.js';
import { R } from '../protocol/reply-codes.js';
import { activeTargetRefusal, formatEpsv, formatHostPort6, normalizeAddress, parseEprt, parseHostPort6, type HostPort } from '../protocol/host-port.js';
import { connectActive } from '../net/active-connector.js';
import type { LogSink } from '../server/log.js';
import { PassiveChannel } from '../server/data-channel.js';
import { openData, type DataCommand, type DataContext } from '../client/data-channel.js';
import type { GatewayConfig } from './config.js';
import { relay, type RelayResult } from './data-relay.js';

const TRANSFER_VERBS = new Set(['RETR', 'STOR', 'STOU', 'APPE', 'LIST', 'NLST', 'MLSD']);
/** Security extensions the gateway refuses: it must read the control channel to open data connections. */
const TLS_VERBS = new Set(['AUTH', 'PBSZ', 'PROT', 'CCC', 'ADAT', 'MIC', 'CONF', 'ENC']);
/** Long forms the gateway does not translate (RFC 1639). */
const UNSUPPORTED_VERBS = new Set(['LPRT', 'LPSV']);
/** Replies that end a transfer command (as opposed to the 200/211/213 of a STAT or NOOP sent during it). */
const TRANSFER_FINALS = (code: number) => code === 226 || code === 250 || code >= 400;

/** The client's half of the next data connection, as it negotiated it with the gateway. */
type ClientSide =
  | { mode: 'passive'; channel: PassiveChannel }
  | { mode: 'active'; target: HostPort };

/** The gateway's side of the data connection to the server, as the client library opened it. */
interface UpstreamData {
  /** Resolves with the connected data socket. */
  socket: Promise<Socket>;
  /** The command that set it up, for logs: EPSV, PASV, EPRT or PORT. */
  via: DataCommand;
  close(): void;
}

/** An upstream reply consumer, in the order the commands were sent (FIFO, as RFC 959 replies are ordered). */
type Pending =
  | { kind: 'forward'; resolve(r: ParsedReply): void; transform?: (r: ParsedReply) => ParsedReply; duringTransfer?: boolean }
  | { kind: 'internal'; resolve(r: ParsedReply): void }
  | { kind: 'transfer'; onPreliminary(r: ParsedReply): void; onFinal(r: ParsedReply): void };

export class GatewaySession {
  readonly peer: string;
  private readonly upstream: Socket;
  private readonly splitter: CommandLineSplitter;
  private replyBuf = '';
  private readonly pending: Pending[] = [];
  private readonly queue: string[] = [];
  private busy = true; // until the server's greeting has been relayed
  private clientSide: ClientSide | null = null;
  private epsvAll = false;
  private transfers = 0;
  private activeTransfer: { abort(): void } | null = null;
  /** Every write to the client goes through this chain, so replies leave in command order even when one waits for data. */
  private out: Promise<void> = Promise.resolve();
  private ended = false;

  /** `unsupported`: the data commands the server answered "not implemented", shared by the gateway's sessions. */
  constructor(private readonly client: Socket, private readonly config: GatewayConfig, private readonly log: LogSink, private readonly unsupported: Set<DataCommand>, private readonly onEnd: () => void) {
    this.peer = normalizeAddress(client.remoteAddress ?? '');
    this.splitter = new CommandLineSplitter(config.maxLine, 'latin1');
    client.setNoDelay(true);
    client.on('error', () => this.end('client control connection error'));
    client.on('close', () => this.end('client closed'));
    client.setTimeout(config.idleTimeoutMs);
    client.on('timeout', () => {
      if (this.activeTransfer) return; // the control connection is quiet while data flows
      this.replyLocal(R.SERVICE_UNAVAILABLE, `Idle for ${config.idleTimeoutMs / 1000}s, closing control connection`).then(() => this.end('idle'));
    });
    this.upstream = connect({ host: config.upstream.host, port: config.upstream.port });
    this.upstream.setNoDelay(true);
    const connectTimer = setTimeout(() => this.upstream.destroy(new Error(`no answer within ${config.connectTimeoutMs / 1000}s`)), config.connectTimeoutMs);
    this.upstream.once('connect', () => {
      clearTimeout(connectTimer);
      this.log({ event: 'session-open', client: this.peer, upstream: `${config.upstream.host}:${config.upstream.port}` });
    });
    this.upstream.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(connectTimer);
      if (this.ended) return;
      const why = err.code === 'ECONNREFUSED' ? 'connection refused' : (err.code ?? err.message);
      this.log({ event: 'upstream-error', client: this.peer, error: why });
      this.replyLocal(R.SERVICE_UNAVAILABLE, `Gateway cannot reach the FTP server ${config.upstream.host}:${config.upstream.port}: ${why}`).then(() => this.end('upstream error'));
    });
    this.upstream.on('close', () => {
      if (this.ended) return;
      this.out = this.out.then(() => this.end('server closed'));
    });
    this.upstream.on('data', (chunk: Buffer) => this.onUpstreamData(chunk));
    client.on('data', (chunk: Buffer) => this.onClientData(chunk));
    // The greeting is the reply to "connecting": relay it, then start taking commands.
    this.pending.push({ kind: 'forward', resolve: (r) => { this.busy = false; if (r.code === R.SERVICE_READY) this.pump(); } });
  }

  // ---- bytes in -------------------------------------------------------------------------------------------

  private onClientData(chunk: Buffer): void {
    const { lines, overflow } = this.splitter.push(chunk);
    this.queue.push(...lines);
    if (overflow) {
      // SECURITY: a line longer than the limit is never buffered whole and never forwarded.
      this.log({ event: 'security', rule: 'line-too-long', client: this.peer });
      this.queue.length = 0;
      this.client.pause();
      this.replyLocal(R.SYNTAX_ERROR, `Command line too long (limit ${this.config.maxLine} bytes), closing connection`).then(() => this.end('line too long'));
      return;
    }
    // SECURITY: bound what a client can queue while one command waits for the server.
    if (this.queue.length > 64) this.client.pause();
    this.pump();
  }

  private onUpstreamData(chunk: Buffer): void {
    let parsed: { messages: ParsedReply[]; rest: string };
    try {
      parsed = parseReplies(this.replyBuf + chunk.toString('latin1'), this.config.maxReplyBytes);
    } catch (err) {
      this.log({ event: 'upstream-error', client: this.peer, error: (err as Error).message });
      this.replyLocal(R.SERVICE_UNAVAILABLE, `Gateway closes: the FTP server sent an invalid reply (${(err as Error).message})`).then(() => this.end('bad reply'));
      return;
    }
    this.replyBuf = parsed.rest;
    for (const r of parsed.messages) this.onUpstreamReply(r);
  }

  private onUpstreamReply(r: ParsedReply): void {
    const head = this.pending[0];
    if (!head) { // unsolicited: typically 421 before the server closes
      this.forward(r);
      return;
    }
    if (r.code < 200) {
      if (head.kind === 'transfer') head.onPreliminary(r);
      else if (head.kind === 'forward') this.forward(r);
      return;
    }
    if (head.kind === 'transfer' && !TRANSFER_FINALS(r.code)) {
      // STAT or NOOP sent during the transfer is answered at once (RFC 959 4.1.3), before the transfer's own final reply
      const i = this.pending.findIndex((p) => p.kind === 'forward' && p.duringTransfer);
      if (i > 0) {
        const p = this.pending.splice(i, 1)[0] as Extract<Pending, { kind: 'forward' }>;
        this.forward(r);
        p.resolve(r);
        return;
      }
    }
    this.pending.shift();
    if (head.kind === 'forward') { this.forward(head.transform ? head.transform(r) : r); head.resolve(r); }
    else if (head.kind === 'internal') head.resolve(r);
    else head.onFinal(r);
  }

  // ---- bytes out ------------------------------------------------------------------------------------------

  private write(text: string): void {
    if (!this.client.destroyed) this.client.write(text, 'latin1');
  }

  private forward(r: ParsedReply): Promise<void> {
    return (this.out = this.out.then(() => this.write(r.lines.join('\r\n') + '\r\n')));
  }

  /** A reply the gateway writes itself (text is ASCII; formatReply strips CR/LF). */
  private replyLocal(code: number, text: string | string[]): Promise<void> {
    return (this.out = this.out.then(() => this.write(formatReply(code, text))));
  }

  private sendUpstream(line: string): void {
    this.upstream.write(line + '\r\n', 'latin1');
  }

  /** A command the gateway sends on its own behalf; its reply is not relayed. */
  private ask = (command: string): Promise<ParsedReply> => new Promise((resolve) => {
    this.pending.push({ kind: 'internal', resolve });
    this.sendUpstream(command);
  });

  private forwardCommand(line: string, transform?: (r: ParsedReply) => ParsedReply): Promise<ParsedReply> {
    const duringTransfer = this.pending.some((p) => p.kind === 'transfer') && /^\s*(STAT|NOOP)\b/i.test(line);
    return new Promise((resolve) => {
      this.pending.push({ kind: 'forward', resolve, transform, duringTransfer });
      this.sendUpstream(line);
    });
  }

  // ---- commands -------------------------------------------------------------------------------------------

  private pump(): void {
    if (this.busy || this.ended) return;
    const line = this.queue.shift();
    if (line === undefined) { this.client.resume(); return; }
    this.busy = true;
    this.handle(line).catch((err: Error) => {
      this.log({ event: 'error', client: this.peer, error: err.message });
      return this.replyLocal(R.LOCAL_ERROR, `Gateway error: ${err.message}`);
    }).finally(() => { this.busy = false; this.pump(); });
  }

  private async handle(line: string): Promise<void> {
    // SECURITY: a CR (or NUL, already removed) inside a line could be read as a second command by the server.
    if (line.includes('\r')) {
      this.log({ event: 'security', rule: 'cr-in-command', client: this.peer });
      await this.replyLocal(R.SYNTAX_ERROR_ARGS, 'Command contains a CR character; refused');
      return;
    }
    const { verb, arg } = parseCommand(line);
    this.log({ event: 'command', client: this.peer, line: maskCommand(line) });
    switch (verb) {
      case 'PORT': case 'EPRT': return this.clientActive(verb, arg);
      case 'PASV': case 'EPSV': return this.clientPassive(verb, arg);
      case 'FEAT': await this.forwardCommand(line, filterFeatures); return;
      case 'QUIT': await this.forwardCommand(line); await this.out; this.end('quit'); return;
      case 'ABOR': this.activeTransfer?.abort(); await this.forwardCommand(line); return;
    }
    if (TLS_VERBS.has(verb)) {
      await this.replyLocal(verb === 'AUTH' ? R.POLICY_DENIED : R.BAD_SEQUENCE, verb === 'AUTH'
        ? 'AUTH refused by the FTP gateway: it must read the control connection to open data connections. Use plain FTP through the gateway, or FTPS directly to a server with a static passive range'
        : `${verb} needs AUTH, which this gateway refuses`);
      return;
    }
    if (UNSUPPORTED_VERBS.has(verb)) { await this.replyLocal(R.NOT_IMPLEMENTED, `${verb} not implemented by the gateway; use EPRT or EPSV`); return; }
    if (TRANSFER_VERBS.has(verb)) return this.transfer(line, verb);
    await this.forwardCommand(line);
  }

  // SECURITY: the FTP bounce attack — PORT/EPRT may only name the client itself and an unprivileged port.
  private async clientActive(verb: 'PORT' | 'EPRT', arg: string): Promise<void> {
    if (this.epsvAll) { await this.replyLocal(R.BAD_SEQUENCE, 'EPSV ALL is in effect: only EPSV may set up data connections'); return; }
    let t: HostPort;
    try {
      t = verb === 'PORT' ? parseHostPort6(arg) : parseEprt(arg);
    } catch (err) {
      await this.replyLocal(R.SYNTAX_ERROR_ARGS, `Syntax error in ${verb}: ${(err as Error).message}`);
      return;
    }
    if (t.host === '::' || t.host === '0.0.0.0') t = { ...t, host: this.peer };
    this.closeClientSide();
    const refusal = activeTargetRefusal(t, this.peer, { foreign: this.config.allowForeignActive, privileged: this.config.allowPrivilegedActive });
    if (refusal) {
      this.log({ event: 'security', rule: refusal.rule, client: this.peer, target: t.host, port: t.port });
      await this.replyLocal(R.NOT_IMPLEMENTED_PARAM, refusal.message);
      return;
    }
    this.clientSide = { mode: 'active', target: { host: normalizeAddress(t.host), port: t.port } };
    await this.replyLocal(R.OK, `${verb} command successful`);
  }

  private async clientPassive(verb: 'PASV' | 'EPSV', arg: string): Promise<void> {
    const a = arg.trim().toUpperCase();
    const local = normalizeAddress(this.client.localAddress ?? '');
    if (verb === 'EPSV' && a === 'ALL') { this.epsvAll = true; await this.replyLocal(R.OK, 'EPSV ALL ok: PORT, EPRT and PASV now refused'); return; }
    if (verb === 'PASV' && this.epsvAll) { await this.replyLocal(R.BAD_SEQUENCE, 'EPSV ALL is in effect: use EPSV'); return; }
    if (verb === 'EPSV' && a !== '' && a !== (isIP(local) === 6 ? '2' : '1')) {
      await this.replyLocal(R.NETWORK_PROTOCOL_NOT_SUPPORTED, `Network protocol not supported, use (${isIP(local) === 6 ? 2 : 1})`);
      return;
    }
    const advertised = this.config.pasvAddress ?? local;
    if (verb === 'PASV' && isIP(advertised) !== 4) { await this.replyLocal(R.SYNTAX_ERROR_ARGS, 'PASV cannot express an IPv6 address; use EPSV'); return; }
    this.closeClientSide();
    // SECURITY: the server's passive listener: one connection, only from the client's control address
    const channel = await PassiveChannel.create({ bindHost: local, range: this.config.pasvPorts, expectedPeer: this.peer, allowForeign: this.config.allowForeignPassive, log: (e) => this.log({ client: this.peer, ...e }) });
    const port = channel.port;
    this.clientSide = { mode: 'passive', channel };
    await this.replyLocal(verb === 'PASV' ? R.ENTERING_PASSIVE : R.ENTERING_EXT_PASSIVE,
      verb === 'PASV' ? `Entering Passive Mode (${formatHostPort6(advertised, port)})` : `Entering Extended Passive Mode ${formatEpsv(port)}`);
  }

  private closeClientSide(): void {
    if (this.clientSide?.mode === 'passive') this.clientSide.channel.close();
    this.clientSide = null;
  }

  /** Which mode the gateway uses towards the server for this client's data connection. */
  private upstreamMode(client: ClientSide): 'passive' | 'active' {
    const m = this.config.upstreamMode;
    return m === 'same' ? client.mode : m;
  }

  /**
   * Towards the server the gateway is an FTP client: the client library's data set-up (EPSV then PASV, EPRT then PORT,
   * "not implemented" remembered). SECURITY: it connects to the server's control address, never to the address a PASV
   * reply names, and its active listener takes a connection only from the server.
   */
  private async openUpstream(client: ClientSide): Promise<UpstreamData> {
    const ctx: DataContext = {
      command: this.ask,
      commandOrGiveUp: (line, ms) => Promise.race([this.ask(line), new Promise<null>((r) => setTimeout(() => r(null), ms).unref())]),
      controlHost: this.config.upstream.host,
      localAddress: this.upstream.localAddress ?? '',
      remoteAddress: this.upstream.remoteAddress ?? this.config.upstream.host,
      connectTimeoutMs: this.config.dataTimeoutMs,
      trustPasvAddress: false,
      activePorts: this.config.activePorts,
      unsupported: this.unsupported,
      notes: {},
    };
    const chan = await openData(this.upstreamMode(client), ctx);
    if (chan.kind === 'passive') {
      chan.socket.on('error', () => {}); // reported by the relay; none may go unhandled before it starts
      return { socket: Promise.resolve(chan.socket), via: chan.command, close: () => chan.socket.destroy() };
    }
    let timer: NodeJS.Timeout | undefined;
    const socket = Promise.race([
      chan.connection.then((s) => { s.on('error', () => {}); return s; }),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`the server did not connect to the gateway's active port within ${this.config.dataTimeoutMs / 1000}s`)), this.config.dataTimeoutMs); }),
    ]).finally(() => { clearTimeout(timer); chan.server.close(); });
    socket.catch(() => {});
    return { socket, via: chan.command, close: () => { chan.server.close(); clearTimeout(timer); socket.then((s) => s.destroy(), () => {}); } };
  }

  /**
   * A transfer: set up the server's side, send the command, and when the server says 150, make the client's
   * side (connect to its PORT address, or take its connection on our passive port), then join the two.
   * The final reply is relayed only when the data has been delivered, and replaced by 425/426 when the
   * client's side failed — the server's "226" must never tell a client that a broken transfer succeeded.
   */
  private async transfer(line: string, verb: string): Promise<void> {
    const clientSide = this.clientSide;
    this.clientSide = null;
    if (!clientSide) { await this.replyLocal(R.CANT_OPEN_DATA, 'Use PORT, EPRT, PASV or EPSV first'); return; }
    const id = ++this.transfers;
    const started = Date.now();
    let up: UpstreamData;
    try {
      up = await this.openUpstream(clientSide);
    } catch (err) {
      if (clientSide.mode === 'passive') clientSide.channel.close();
      this.log({ event: 'data', client: this.peer, id, verb, result: 'upstream-failed', error: (err as Error).message });
      await this.replyLocal(R.CANT_OPEN_DATA, `Gateway cannot open a data connection to the FTP server: ${(err as Error).message}`);
      return;
    }
    let failure: string | null = null; // set when the gateway has answered the client itself
    let relayed: Promise<RelayResult> | null = null;
    /** Settles once both sides are joined (relayed is set) or one failed (failure is set). */
    let joined: Promise<void> | null = null;
    let abortRelay: ((why: string) => void) | null = null;
    let clientSock: Socket | undefined;
    let cancelled = false;
    const cleanup = () => {
      up.close();
      if (clientSide.mode === 'passive') clientSide.channel.close();
      clientSock?.destroy();
    };
    const failClient = (code: number, why: string) => {
      if (failure || cancelled) return;
      failure = why;
      this.replyLocal(code, why);
      // The server is mid-transfer: reset its data connection and abort, so an upload is not committed.
      up.socket.then((s) => s.resetAndDestroy(), () => {});
      cleanup();
      this.ask('ABOR').then(() => {});
    };
    this.activeTransfer = { abort: () => { cancelled = true; abortRelay?.('aborted by client'); cleanup(); } };

    const makeClientSide = async (): Promise<Socket> => {
      if (clientSide.mode === 'active') {
        const s = await connectActive(clientSide.target, { localAddress: normalizeAddress(this.client.localAddress ?? '') || undefined, timeoutMs: this.config.dataTimeoutMs });
        s.on('error', () => {}); // reported by the relay; none may go unhandled before it starts
        return s;
      }
      return clientSide.channel.open(this.config.dataTimeoutMs);
    };

    await new Promise<void>((preliminaryHandled) => {
      let sawPreliminary = false;
      this.pending.push({
        kind: 'transfer',
        onPreliminary: (r) => {
          if (sawPreliminary) { this.forward(r); return; }
          sawPreliminary = true;
          const sideError = (side: 'client' | 'server') => (err: Error) => { throw Object.assign(new Error(err.message), { side }); };
          const join = Promise.all([makeClientSide().catch(sideError('client')), up.socket.catch(sideError('server'))]);
          join.catch(() => {});
          // The client sees "150" only once its data connection is being made (active: already connected).
          this.out = this.out.then(async () => {
            if (clientSide.mode === 'active') {
              try { await join; } catch { /* reported below */ }
            }
            if (!failure && !cancelled) this.write(r.lines.join('\r\n') + '\r\n');
          });
          join.then(([c, s]) => {
            clientSock = c;
            if (cancelled) { c.destroy(); s.destroy(); return; }
            const rl = relay(c, s);
            relayed = rl.done;
            abortRelay = rl.abort;
          }, (err: Error & { side?: string }) => {
            failClient(R.CANT_OPEN_DATA, err.side === 'client' ? `Can't open data connection: ${err.message}` : `Gateway cannot open a data connection to the FTP server: ${err.message}`);
          });
          joined = join.then(() => {}, () => {}); // registered after the handlers above, so it settles after them
          preliminaryHandled();
        },
        onFinal: (r) => {
          preliminaryHandled();
          this.out = this.out.then(async () => {
            // A small file can be complete at the server before the client has even connected: its 226 waits for the
            // join (bounded by the data timeouts) and then for the data to reach the client.
            if (joined && r.code < 300 && !cancelled) await joined;
            const result: RelayResult | null = relayed ? await relayed : null;
            this.activeTransfer = null;
            this.log({ event: 'data', client: this.peer, id, verb, clientMode: clientSide.mode, upstream: up.via, reply: r.code,
              toClient: result?.toClient ?? 0, toServer: result?.toServer ?? 0, ok: !failure && (result?.ok ?? r.code < 300), ms: Date.now() - started, ...(failure ? { error: failure } : result?.error ? { error: result.error } : {}) });
            if (failure) return; // already answered 425 for this command
            if (!relayed && r.code >= 300) cleanup();
            if (result && !result.ok && r.code < 300 && !cancelled) {
              this.write(formatReply(R.TRANSFER_ABORTED, `Transfer aborted by the gateway: ${result.error}`));
              return;
            }
            this.write(r.lines.join('\r\n') + '\r\n');
          });
        },
      });
      this.sendUpstream(line);
    });
  }

  end(why: string): void {
    if (this.ended) return;
    this.ended = true;
    this.activeTransfer?.abort();
    this.closeClientSide();
    this.log({ event: 'session-close', client: this.peer, why });
    this.upstream.destroy();
    this.client.end();
    setTimeout(() => this.client.destroy(), 2000).unref();
    this.onEnd();
  }
}

/** FEAT through the gateway: TLS features removed (AUTH is refused), EPRT and EPSV added (the gateway does them). */
export function filterFeatures(r: ParsedReply): ParsedReply {
  if (r.code !== 211 || r.lines.length < 2) return r;
  const body = r.lines.slice(1, -1).filter((l) => !/^\s*(AUTH|PBSZ|PROT|CCC|ADAT)\b/i.test(l));
  for (const f of ['EPRT', 'EPSV']) if (!body.some((l) => new RegExp(`^\\s*${f}\\b`, 'i').test(l))) body.push(` ${f}`);
  return { ...r, lines: [r.lines[0], ...body, r.lines[r.lines.length - 1]] };
}
