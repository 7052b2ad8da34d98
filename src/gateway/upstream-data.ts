// The gateway's side of a data connection to the server: passive (EPSV, then PASV) or active (EPRT, then PORT).
import { isIP, type Server, type Socket } from 'node:net';
import { formatEprt, formatHostPort6, normalizeAddress, parseEpsvReply, parsePasvReply } from '../protocol/host-port.js';
import type { ParsedReply } from '../protocol/reply.js';
import { connectActive } from '../net/active-connector.js';
import { listenInRange, type PortRange } from '../net/pasv-port-pool.js';

export type Ask = (command: string) => Promise<ParsedReply>;

export interface UpstreamData {
  /** Resolves with the connected data socket (paused), or rejects with a reason. */
  socket: Promise<Socket>;
  /** How it was set up, for logs: 'EPSV' | 'PASV' | 'EPRT' | 'PORT'. */
  via: string;
  close(): void;
}

/** What the gateway learned about a server: which of the two commands of each mode it answers. */
export interface UpstreamMemory { noEpsv?: boolean; noEprt?: boolean }

export class UpstreamDataError extends Error {}

/**
 * Passive towards the server. SECURITY: the gateway connects to the server's control address, never to the
 * address a PASV reply names — a hostile or misconfigured server cannot point the gateway at another host
 * (and a server behind NAT that advertises its private address still works).
 */
export async function openPassiveUpstream(ask: Ask, serverHost: string, memory: UpstreamMemory, timeoutMs: number): Promise<UpstreamData> {
  let port: number | undefined;
  let via = 'EPSV';
  if (!memory.noEpsv) {
    const r = await ask('EPSV');
    if (r.code === 229) port = parseEpsvReply(r.message);
    else if (r.code === 500 || r.code === 502) memory.noEpsv = true; // not implemented: fall back to PASV
    else throw new UpstreamDataError(`server answered EPSV with ${r.code} ${r.message}`);
  }
  if (port === undefined) {
    via = 'PASV';
    if (isIP(serverHost) === 6) throw new UpstreamDataError('server refuses EPSV and PASV cannot reach an IPv6 server');
    const r = await ask('PASV');
    if (r.code !== 227) throw new UpstreamDataError(`server answered PASV with ${r.code} ${r.message}`);
    port = parsePasvReply(r.message).port;
  }
  const socket = connectActive({ host: serverHost, port }, { timeoutMs }).then((s) => { s.pause(); return s; });
  let sock: Socket | undefined;
  socket.then((s) => { sock = s; }, () => {});
  return { socket, via, close: () => { sock?.destroy(); } };
}

/**
 * Active towards the server: listen on the address the gateway uses to reach the server and send EPRT/PORT.
 * SECURITY: the listener takes exactly one connection, and only from the server's address.
 */
export async function openActiveUpstream(
  ask: Ask, local: { address: string; serverHost: string }, range: PortRange | undefined, memory: UpstreamMemory, timeoutMs: number,
  onRefused: (from: string) => void,
): Promise<UpstreamData> {
  let resolveSock!: (s: Socket) => void;
  let rejectSock!: (e: Error) => void;
  const socket = new Promise<Socket>((res, rej) => { resolveSock = res; rejectSock = rej; });
  socket.catch(() => {});
  let accepted: Socket | undefined;
  const onConnection = (s: Socket) => {
    if (accepted || normalizeAddress(s.remoteAddress ?? '') !== local.serverHost) {
      onRefused(normalizeAddress(s.remoteAddress ?? '?'));
      s.destroy();
      return;
    }
    accepted = s;
    clearTimeout(timer);
    server.close();
    resolveSock(s);
  };
  let server: Server;
  let port: number;
  if (range) ({ server, port } = await listenInRange(local.address, range, onConnection));
  else ({ server, port } = await listenInRange(local.address, { min: 1024, max: 65535 }, onConnection));
  const timer = setTimeout(() => { server.close(); rejectSock(new UpstreamDataError(`the server did not connect to ${local.address}:${port} within ${timeoutMs / 1000}s`)); }, timeoutMs);
  timer.unref();
  const close = () => { clearTimeout(timer); server.close(); accepted?.destroy(); rejectSock(new UpstreamDataError('closed')); };
  try {
    let via = 'EPRT';
    let ok = false;
    if (!memory.noEprt) {
      const r = await ask(`EPRT ${formatEprt(local.address, port)}`);
      if (r.code === 200) ok = true;
      else if (r.code === 500 || r.code === 502) memory.noEprt = true; // not implemented: fall back to PORT
      else throw new UpstreamDataError(`server answered EPRT with ${r.code} ${r.message}`);
    }
    if (!ok) {
      via = 'PORT';
      if (isIP(local.address) !== 4) throw new UpstreamDataError('server refuses EPRT and PORT cannot name an IPv6 address');
      const r = await ask(`PORT ${formatHostPort6(local.address, port)}`);
      if (r.code !== 200) throw new UpstreamDataError(`server answered PORT with ${r.code} ${r.message}`);
    }
    return { socket, via, close };
  } catch (err) {
    close();
    throw err;
  }
}
