// Passive listeners: bind directly on a random free port of the configured range (no check-then-bind race).
import { createServer, type Server, type Socket } from 'node:net';
import { randomInt } from 'node:crypto';
import { ErrorCodes, FtpgateError } from '../protocol/errors.js';

export interface PortRange { min: number; max: number }

function tryListen(server: Server, host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') resolve(false);
      else reject(err);
    };
    const onListening = () => { server.off('error', onError); resolve(true); };
    server.once('error', onError);
    server.once('listening', onListening);
    // exclusive: never share the port with another process's listener (cluster mode would).
    server.listen({ host, port, exclusive: true, backlog: 4 });
  });
}

/** The port a listening server really got (the range may be {0, 0}: any free port). */
function boundPort(server: Server): number {
  const a = server.address();
  return typeof a === 'object' && a ? a.port : 0;
}

/**
 * Open a listening server on `host` with a port from `range` ({ min: 0, max: 0 }: any free port). Random probing first (so ports are
 * not predictable), then a full sweep from a random offset, so a free port is always found if one exists.
 */
export async function listenInRange(host: string, range: PortRange, onConnection: (s: Socket) => void): Promise<{ server: Server; port: number }> {
  const size = range.max - range.min + 1;
  const server = createServer({ pauseOnConnect: true }, onConnection);
  const attempts = Math.min(size, 16);
  for (let i = 0; i < attempts; i++) {
    const port = range.min + randomInt(size);
    if (await tryListen(server, host, port)) return { server, port: boundPort(server) };
  }
  const start = randomInt(size);
  for (let i = 0; i < size; i++) {
    const port = range.min + ((start + i) % size);
    if (await tryListen(server, host, port)) return { server, port: boundPort(server) };
  }
  throw new FtpgateError(ErrorCodes.NET_PASV_EXHAUSTED, `no free port in the passive range ${range.min}-${range.max} on ${host}: widen pasv_ports or lower max_connections`, { reply: 425 });
}
