// Socket code of the client: TCP connect with a timeout, TLS upgrade/connect, and the active-mode listener on a port range.
import { connect as netConnect, isIP, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { ErrorCodes, FtpgateError } from '../protocol/errors.js';
import { normalizeAddress } from '../protocol/host-port.js';
import { listenInRange, type PortRange } from './pasv-port-pool.js';

export interface ClientTlsOptions {
  /** Verify the server certificate (default true). */
  rejectUnauthorized?: boolean;
  /** Extra CA certificates (PEM) to trust. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Name to verify the certificate against (default: the host, unless it is an IP address). */
  servername?: string;
  /** Lowest/highest protocol version, e.g. 'TLSv1.2'. */
  minVersion?: ConnectionOptions['minVersion'];
  maxVersion?: ConnectionOptions['maxVersion'];
}

/** Why a TCP connect failed, in the words the doctor and the fallback logic use. */
export type ConnectFailure = 'refused' | 'timeout' | 'unreachable' | 'other';

export class ConnectError extends FtpgateError {
  constructor(code: string, message: string, readonly failure: ConnectFailure, cause?: unknown) {
    super(code, message, { cause });
  }
}

function classify(err: NodeJS.ErrnoException): ConnectFailure {
  if (err.code === 'ECONNREFUSED') return 'refused';
  if (err.code === 'ETIMEDOUT') return 'timeout';
  if (err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH') return 'unreachable';
  return 'other';
}

/** Connect TCP to host:port; rejects with a ConnectError (failure kind attached) after `timeoutMs`. */
export function connectTcp(host: string, port: number, timeoutMs: number, errorCode: string = ErrorCodes.CLIENT_CONNECT): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = netConnect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new ConnectError(errorCode, `no answer from ${host}:${port} within ${timeoutMs} ms (packets silently dropped)`, 'timeout'));
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      resolve(sock);
    });
    sock.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const kind = classify(err);
      const why = kind === 'refused' ? 'connection refused' : err.message;
      reject(new ConnectError(errorCode, `cannot connect to ${host}:${port}: ${why}`, kind, err));
    });
  });
}

function tlsOptions(host: string, opts: ClientTlsOptions): ConnectionOptions {
  const o: ConnectionOptions = { rejectUnauthorized: opts.rejectUnauthorized !== false, host };
  // With an IP host there is no SNI; Node then verifies the certificate's IP SAN against `host`.
  const servername = opts.servername ?? (isIP(host) ? undefined : host);
  if (servername) o.servername = servername;
  if (opts.ca) o.ca = opts.ca;
  if (opts.minVersion) o.minVersion = opts.minVersion;
  if (opts.maxVersion) o.maxVersion = opts.maxVersion;
  return o;
}

/**
 * Start TLS on an existing socket (AUTH TLS, data connections) or on a new connection (implicit FTPS).
 * `session` resumes the control connection's TLS session on a data connection (vsftpd and ProFTPD require it).
 * Resolves once the handshake is complete.
 */
export function startTls(host: string, opts: ClientTlsOptions, target: { socket: Socket } | { port: number }, session?: Buffer, timeoutMs = 30000): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const base = tlsOptions(host, opts);
    const sock = 'socket' in target ? tlsConnect({ ...base, socket: target.socket, session }) : tlsConnect({ ...base, port: target.port, session });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new FtpgateError(ErrorCodes.CLIENT_TLS, `TLS handshake with ${host} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.once('secureConnect', () => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      resolve(sock);
    });
    sock.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const hint = /self[- ]signed|unable to verify|certificate|altnames/i.test(err.message)
        ? ' (certificate not trusted: pass the server CA with tls.ca / --tls-ca, or disable verification with tls.rejectUnauthorized=false / --insecure)'
        : '';
      reject(new FtpgateError(ErrorCodes.CLIENT_TLS, `TLS with ${host} failed: ${err.message}${hint}`, { cause: err }));
    });
  });
}

export type { PortRange };

/**
 * Listen for the server's active-mode data connection on `host`, on a port of `range` (or any port when no range).
 * Returns the server and a promise of the first connection (from `expectFrom` only, when given).
 */
export async function listenActive(host: string, range: PortRange | undefined, expectFrom?: string): Promise<{ server: Server; port: number; connection: Promise<Socket>; refused: string[] }> {
  let onConn: (s: Socket) => void = () => {};
  const connection = new Promise<Socket>((resolve) => { onConn = resolve; });
  /** Addresses whose connections were dropped, so a failure can say "the data came from X" instead of guessing. */
  const refused: string[] = [];
  let listening: Server | undefined;
  const onConnection = (sock: Socket) => {
    // SECURITY: only the FTP server may deliver data to us; anybody else connecting to the port is dropped.
    const from = normalizeAddress(sock.remoteAddress ?? '');
    if (expectFrom && from !== normalizeAddress(expectFrom)) { refused.push(from); sock.destroy(); return; }
    listening?.close();
    onConn(sock);
  };
  try {
    const { server, port } = await listenInRange(host, range ?? { min: 0, max: 0 }, onConnection);
    listening = server;
    return { server, port, connection, refused };
  } catch (err) {
    if ((err as FtpgateError).code !== ErrorCodes.NET_PASV_EXHAUSTED) throw err;
    throw new FtpgateError(ErrorCodes.CLIENT_DATA_CONNECT, `no free port for active mode in ${range ? `${range.min}-${range.max}` : 'the ephemeral range'} on ${host}: widen --active-ports`);
  }
}
