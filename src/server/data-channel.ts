// The data connection a session has negotiated (PASV/EPSV listener or PORT/EPRT target) and how it is opened for one transfer.
import type { Server, Socket } from 'node:net';
import { listenInRange, type PortRange } from '../net/pasv-port-pool.js';
import { connectActive, type ActiveTarget } from '../net/active-connector.js';
import { normalizeAddress } from '../protocol/host-port.js';
import { ErrorCodes, FtpgateError } from '../protocol/errors.js';
import type { LogSink } from './log.js';

export interface DataChannel {
  readonly kind: 'passive' | 'active';
  /** Wait for (passive) or make (active) the data connection. */
  open(timeoutMs: number): Promise<Socket>;
  /** Release the listener / forget the target; idempotent. */
  close(): void;
}

export class PassiveChannel implements DataChannel {
  readonly kind = 'passive';
  private socket: Socket | null = null;
  private waiter: { resolve(s: Socket): void; reject(e: Error): void } | null = null;
  private closed = false;

  private constructor(private server: Server, readonly port: number, private readonly expectedPeer: string, private readonly allowForeign: boolean, private readonly log: LogSink) {}

  static async create(opts: { bindHost: string; range: PortRange; expectedPeer: string; allowForeign: boolean; log: LogSink }): Promise<PassiveChannel> {
    let self: PassiveChannel | null = null;
    const pending: Socket[] = [];
    const { server, port } = await listenInRange(opts.bindHost, opts.range, (s) => (self ? self.onConnection(s) : pending.push(s)));
    self = new PassiveChannel(server, port, normalizeAddress(opts.expectedPeer), opts.allowForeign, opts.log);
    for (const s of pending) self.onConnection(s);
    return self;
  }

  private onConnection(sock: Socket): void {
    sock.on('error', () => {});
    const peer = normalizeAddress(sock.remoteAddress ?? '');
    // SECURITY: only the control connection's peer may connect to its passive port (no data theft by a third host).
    if (!this.allowForeign && peer !== this.expectedPeer) {
      this.log({ event: 'security', rule: 'passive-foreign-peer', port: this.port, from: peer, expected: this.expectedPeer });
      sock.destroy();
      return;
    }
    if (this.socket || this.closed) { sock.destroy(); return; }
    this.socket = sock;
    this.server.close();
    if (this.waiter) { this.waiter.resolve(sock); this.waiter = null; }
  }

  open(timeoutMs: number): Promise<Socket> {
    if (this.socket) return Promise.resolve(this.socket);
    if (this.closed) return Promise.reject(new FtpgateError(ErrorCodes.NET_DATA_REFUSED, 'passive listener closed', { reply: 425 }));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        this.close();
        reject(new FtpgateError(ErrorCodes.NET_DATA_TIMEOUT, `no data connection to passive port ${this.port} within ${timeoutMs / 1000}s (is the passive range open in the firewall, and is the advertised address reachable?)`, { reply: 425 }));
      }, timeoutMs);
      this.waiter = {
        resolve: (s) => { clearTimeout(timer); resolve(s); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      };
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.close();
    if (this.waiter) { this.waiter.reject(new FtpgateError(ErrorCodes.NET_DATA_REFUSED, 'data connection cancelled', { reply: 425 })); this.waiter = null; }
    if (this.socket && !this.socket.destroyed && this.socket.bytesWritten === 0 && this.socket.bytesRead === 0) {
      // an accepted but unused connection: nothing will use it now
      this.socket.destroy();
    }
  }
}

export class ActiveChannel implements DataChannel {
  readonly kind = 'active';
  constructor(private readonly target: ActiveTarget, private readonly localAddress: string, private readonly localPort: number | undefined) {}
  open(timeoutMs: number): Promise<Socket> {
    return connectActive(this.target, { localAddress: this.localAddress, localPort: this.localPort, timeoutMs });
  }
  close(): void {}
}
