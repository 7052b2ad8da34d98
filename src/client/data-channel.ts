// Opening data connections: passive (EPSV, then PASV) and active (EPRT, then PORT), with the facts the doctor needs.
import { isIP, type Server, type Socket } from 'node:net';
import { formatEprt, formatHostPort6, normalizeAddress, parseEpsvReply, parsePasvReply } from '../protocol/host-port.js';
import { ErrorCodes, FtpgateError } from '../protocol/errors.js';
import type { ParsedReply } from '../protocol/reply.js';
import { connectTcp, ConnectError, listenActive, type ConnectFailure, type PortRange } from '../net/client-sockets.js';
import type { DataKind } from './mode-memory.js';

export type DataCommand = 'EPSV' | 'PASV' | 'EPRT' | 'PORT';

/** A data connection could not be made; `auto` mode falls back to the other kind on this error only. */
export class DataConnectError extends FtpgateError {
  /** The server still owes a reply on the control connection (the client then reconnects before going on). */
  outOfStep = false;
  constructor(message: string, readonly kind: DataKind, readonly command: DataCommand, readonly failure: ConnectFailure | 'rejected' | 'no-connection', readonly serverReply?: ParsedReply, cause?: unknown) {
    super(ErrorCodes.CLIENT_DATA_CONNECT, message, { cause, reply: serverReply?.code });
  }
}

export interface DataContext {
  /** Send one command and return its final reply (no throw on 4xx/5xx). */
  command(line: string): Promise<ParsedReply>;
  /** Same, but give up (null) after `ms` without closing the connection. */
  commandOrGiveUp(line: string, ms: number): Promise<ParsedReply | null>;
  controlHost: string;
  /** Our address on the control connection. */
  localAddress: string;
  /** The server's address on the control connection. */
  remoteAddress: string;
  connectTimeoutMs: number;
  trustPasvAddress: boolean;
  activeAddress?: string;
  activePorts?: PortRange;
  /** Commands the server answered with "not implemented"; skipped from then on. */
  unsupported: Set<DataCommand>;
  /** Facts for diagnostics (e.g. the address a PASV reply named). */
  notes: DataNotes;
}

export interface DataNotes {
  pasvAdvertised?: string;
  pasvMismatch?: boolean;
  lastCommand?: DataCommand;
}

export interface PassiveChannel { kind: 'passive'; command: DataCommand; socket: Socket }
export interface ActiveChannel { kind: 'active'; command: DataCommand; server: Server; connection: Promise<Socket>; refused: string[] }
export type DataChannel = PassiveChannel | ActiveChannel;

const NOT_IMPLEMENTED = new Set([500, 501, 502, 504, 522]);

function variants(kind: DataKind, ctx: DataContext, only?: DataCommand): DataCommand[] {
  const v6 = isIP(normalizeAddress(ctx.remoteAddress)) === 6;
  let list: DataCommand[] = kind === 'passive' ? ['EPSV', 'PASV'] : ['EPRT', 'PORT'];
  if (v6) list = list.filter((c) => c === 'EPSV' || c === 'EPRT'); // PASV/PORT cannot express IPv6
  if (only) return list.includes(only) ? [only] : [];
  return list.filter((c) => !ctx.unsupported.has(c));
}

export async function openData(kind: DataKind, ctx: DataContext, only?: DataCommand): Promise<DataChannel> {
  const list = variants(kind, ctx, only);
  if (list.length === 0) {
    const cmd: DataCommand = only ?? (kind === 'passive' ? 'EPSV' : 'EPRT');
    throw new DataConnectError(`${only ?? kind} is not usable with this server (not implemented, or IPv4-only command on IPv6)`, kind, cmd, 'rejected');
  }
  let lastErr: DataConnectError | null = null;
  for (const cmd of list) {
    try {
      return kind === 'passive' ? await openPassive(cmd, ctx) : await openActive(cmd, ctx);
    } catch (err) {
      if (!(err instanceof DataConnectError)) throw err;
      lastErr = err;
      // Only "not implemented" moves on to the older command; a connection failure is the network's fault, not the command's.
      if (err.failure !== 'rejected' || !err.serverReply || !NOT_IMPLEMENTED.has(err.serverReply.code)) throw err;
      ctx.unsupported.add(cmd);
    }
  }
  throw lastErr!;
}

async function openPassive(cmd: DataCommand, ctx: DataContext): Promise<PassiveChannel> {
  ctx.notes.lastCommand = cmd;
  const reply = await ctx.command(cmd);
  if (reply.code !== (cmd === 'EPSV' ? 229 : 227)) {
    throw new DataConnectError(`${cmd} refused by the server: ${reply.code} ${reply.message}`, 'passive', cmd, 'rejected', reply);
  }
  // The control connection's peer address, not a fresh DNS lookup of the host name (which may name several hosts).
  let host = normalizeAddress(ctx.remoteAddress);
  let port: number;
  if (cmd === 'EPSV') {
    port = parseEpsvReply(reply.message);
  } else {
    const hp = parsePasvReply(reply.message);
    port = hp.port;
    ctx.notes.pasvAdvertised = hp.host;
    const same = normalizeAddress(hp.host) === normalizeAddress(ctx.remoteAddress);
    ctx.notes.pasvMismatch = !same;
    // SECURITY + NAT: a PASV address other than the control peer is either a misconfigured server behind NAT
    // (private address) or an attempt to make us connect elsewhere (FTP bounce). Use the control host unless told to trust it.
    if (!same && ctx.trustPasvAddress) host = hp.host;
  }
  try {
    const socket = await connectTcp(host, port, ctx.connectTimeoutMs, ErrorCodes.CLIENT_DATA_CONNECT);
    return { kind: 'passive', command: cmd, socket };
  } catch (err) {
    const ce = err as ConnectError;
    throw new DataConnectError(`passive data connection (${cmd}) to ${host}:${port} failed: ${ce.message}`, 'passive', cmd, ce.failure ?? 'other', undefined, err);
  }
}

async function openActive(cmd: DataCommand, ctx: DataContext): Promise<ActiveChannel> {
  ctx.notes.lastCommand = cmd;
  const listenHost = normalizeAddress(ctx.localAddress);
  const advertise = ctx.activeAddress ?? listenHost;
  if (cmd === 'PORT' && isIP(normalizeAddress(advertise)) !== 4) {
    throw new DataConnectError(`PORT cannot express the address ${advertise}`, 'active', cmd, 'rejected');
  }
  const { server, port, connection, refused } = await listenActive(listenHost, ctx.activePorts, normalizeAddress(ctx.remoteAddress));
  // Errors on a listener nobody waits for must not crash the process.
  connection.catch(() => {});
  try {
    const arg = cmd === 'EPRT' ? formatEprt(advertise, port) : formatHostPort6(advertise, port);
    // Some servers (pyftpdlib) connect back before answering PORT/EPRT; when a firewall drops that connection the
    // answer takes the server's own connect timeout. Wait as long as for any data connection, then give up.
    const reply = await ctx.commandOrGiveUp(`${cmd} ${arg}`, ctx.connectTimeoutMs + 2000);
    if (!reply) {
      throw Object.assign(new DataConnectError(`no answer to ${cmd} within ${ctx.connectTimeoutMs + 2000} ms: the server is still trying to connect to ${advertise}:${port}; a firewall or NAT in front of this client blocks inbound connections`, 'active', cmd, 'no-connection'), { outOfStep: true });
    }
    if (reply.code !== 200) {
      const failure = reply.code === 425 ? 'no-connection' : 'rejected';
      throw new DataConnectError(`${cmd} ${arg} refused by the server: ${reply.code} ${reply.message}`, 'active', cmd, failure, reply);
    }
    return { kind: 'active', command: cmd, server, connection, refused };
  } catch (err) {
    server.close();
    throw err;
  }
}
