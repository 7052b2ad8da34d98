// Active data connections: connect to the client's PORT/EPRT address, optionally from source port 20, with a timeout.
import { connect, type Socket } from 'node:net';
import { ErrorCodes, FtpgateError } from '../protocol/errors.js';

export interface ActiveTarget { host: string; port: number }

export function connectActive(target: ActiveTarget, opts: { localAddress?: string; localPort?: number; timeoutMs: number }): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: target.host, port: target.port, localAddress: opts.localAddress, localPort: opts.localPort });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new FtpgateError(ErrorCodes.NET_DATA_TIMEOUT, `no answer from ${target.host}:${target.port} within ${opts.timeoutMs / 1000}s (a firewall in front of the client drops it; use passive mode)`, { reply: 425 }));
    }, opts.timeoutMs);
    sock.once('connect', () => { clearTimeout(timer); sock.removeAllListeners('error'); resolve(sock); });
    sock.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why = err.code === 'ECONNREFUSED' ? 'connection refused' : err.code === 'EACCES' || err.code === 'EPERM' ? `cannot bind source port ${opts.localPort} (needs CAP_NET_BIND_SERVICE)` : err.message;
      reject(new FtpgateError(ErrorCodes.NET_ACTIVE_CONNECT, `cannot connect to ${target.host}:${target.port}: ${why}`, { reply: 425, cause: err }));
    });
  });
}
