// FtpGateway: the FTP-aware proxy — listeners, connection limits, one GatewaySession per client, close() vs destroy().
import { createServer, type Server, type Socket } from 'node:net';
import { formatReply } from '../protocol/reply.js';
import { R } from '../protocol/reply-codes.js';
import { normalizeAddress } from '../protocol/host-port.js';
import { silentSink, type LogSink } from '../server/log.js';
import { finalizeGatewayConfig, type GatewayConfig } from './config.js';
import { GatewaySession } from './session.js';
import type { DataCommand } from '../client/data-channel.js';

export class FtpGateway {
  readonly config: GatewayConfig;
  readonly warnings: string[];
  private readonly servers: Server[] = [];
  private readonly sessions = new Set<GatewaySession>();
  private readonly perIp = new Map<string, number>();
  private readonly log: LogSink;
  /** Data commands the server answered "not implemented", shared by all sessions (one server behind the gateway). */
  private readonly unsupported = new Set<DataCommand>();
  private closing = false;

  constructor(config: Partial<GatewayConfig> & { upstream: GatewayConfig['upstream'] }) {
    const { config: full, warnings } = finalizeGatewayConfig(config);
    this.config = full;
    this.warnings = warnings;
    this.log = full.logger ?? silentSink;
  }

  async listen(): Promise<{ host: string; port: number }[]> {
    for (const w of this.warnings) this.log({ event: 'warning', message: w });
    const out: { host: string; port: number }[] = [];
    for (const l of this.config.listen) {
      const server = createServer((s) => this.accept(s));
      await new Promise<void>((res, rej) => { server.once('error', rej); server.listen(l.port, l.host, () => { server.off('error', rej); res(); }); });
      this.servers.push(server);
      const a = server.address() as { address: string; port: number };
      out.push({ host: a.address, port: a.port });
      this.log({ event: 'listening', host: a.address, port: a.port, upstream: `${this.config.upstream.host}:${this.config.upstream.port}`, pasvPorts: `${this.config.pasvPorts.min}-${this.config.pasvPorts.max}`, upstreamMode: this.config.upstreamMode });
    }
    return out;
  }

  addresses(): { host: string; port: number }[] {
    return this.servers.map((s) => { const a = s.address() as { address: string; port: number }; return { host: a.address, port: a.port }; });
  }

  private accept(socket: Socket): void {
    const ip = normalizeAddress(socket.remoteAddress ?? '');
    const n = this.perIp.get(ip) ?? 0;
    // SECURITY: bounded sessions in total and per address; each holds two control sockets and up to four data sockets.
    if (this.closing || this.sessions.size >= this.config.maxConnections || n >= this.config.maxConnectionsPerIp) {
      const why = this.closing ? 'Gateway shutting down' : this.sessions.size >= this.config.maxConnections ? `Too many connections (limit ${this.config.maxConnections})` : `Too many connections from your address (limit ${this.config.maxConnectionsPerIp})`;
      this.log({ event: 'refused', client: ip, why });
      socket.on('error', () => {});
      socket.end(formatReply(R.SERVICE_UNAVAILABLE, why));
      return;
    }
    this.perIp.set(ip, n + 1);
    const session: GatewaySession = new GatewaySession(socket, this.config, this.log, this.unsupported, () => {
      this.sessions.delete(session);
      const left = (this.perIp.get(ip) ?? 1) - 1;
      if (left <= 0) this.perIp.delete(ip); else this.perIp.set(ip, left);
    });
    this.sessions.add(session);
  }

  /** Stop accepting and end every session politely (control connections closed after pending output). */
  async close(): Promise<void> {
    this.closing = true;
    const closed = Promise.all(this.servers.map((s) => new Promise<void>((res) => s.close(() => res()))));
    for (const s of this.sessions) s.end('gateway closing');
    await closed;
  }

  /** Stop now: every session is cut. */
  destroy(): void {
    this.closing = true;
    for (const s of this.servers) s.close();
    for (const s of this.sessions) s.end('gateway destroyed');
  }
}
