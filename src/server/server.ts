// FtpServer: listeners, connection limits, sessions, TLS context, and graceful close() vs destroy().
import { createServer, type Server, type Socket } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { formatReply } from '../protocol/reply.js';
import { R } from '../protocol/reply-codes.js';
import { normalizeAddress } from '../protocol/host-port.js';
import { finalizeConfig, type ServerConfig, type ListenAddress } from './config.js';
import { Authorizer, loadUsersFile, type Account } from './users.js';
import { ConfinedFs } from './confined-fs.js';
import { sweepStaleUploads } from './atomic-upload.js';
import { Session } from './session.js';
import { silentSink, type LogSink } from './log.js';

export class FtpServer {
  readonly config: ServerConfig;
  readonly warnings: string[];
  private readonly servers: Server[] = [];
  private readonly sessions = new Set<Session>();
  private readonly perIp = new Map<string, number>();
  private authorizer!: Authorizer;
  private tlsContext?: SecureContext;
  private readonly log: LogSink;
  private closing = false;

  constructor(config: Partial<ServerConfig> & { root: string }) {
    const { config: full, warnings } = finalizeConfig(config);
    this.config = full;
    this.warnings = warnings;
    this.log = full.logger ?? silentSink;
  }

  async listen(): Promise<ListenAddress[]> {
    const c = this.config;
    const users = [...c.users, ...(c.usersFile ? await loadUsersFile(c.usersFile) : [])];
    this.authorizer = new Authorizer(users, { enabled: c.anonymous, write: c.anonymousWrite });
    if (c.tlsCert && c.tlsKey) this.tlsContext = createSecureContext({ cert: readFileSync(c.tlsCert), key: readFileSync(c.tlsKey), minVersion: 'TLSv1.2' });
    for (const w of this.warnings) this.log({ event: 'warning', message: w });
    // temp files of uploads cut off by a crash or SIGKILL of an earlier run (never visible, never renamed)
    void sweepStaleUploads(resolve(c.root), (n) => { if (n) this.log({ event: 'stale-uploads-removed', count: n }); });
    for (const addr of c.listen) {
      const server = createServer((sock) => this.onConnection(sock));
      await new Promise<void>((res, rej) => {
        server.once('error', rej);
        server.listen({ host: addr.host, port: addr.port }, () => { server.off('error', rej); res(); });
      });
      this.servers.push(server);
      const a = server.address() as { address: string; port: number };
      this.log({ event: 'listening', host: a.address, port: a.port, pasvPorts: `${c.pasvPorts.min}-${c.pasvPorts.max}`, pasvAddress: c.pasvAddress ?? null, tls: !!this.tlsContext });
    }
    return this.addresses();
  }

  addresses(): ListenAddress[] {
    return this.servers.map((s) => { const a = s.address() as { address: string; port: number }; return { host: a.address, port: a.port }; });
  }

  private onConnection(sock: Socket): void {
    const ip = normalizeAddress(sock.remoteAddress ?? '');
    sock.on('error', () => {});
    // SECURITY: connection limits, total and per client address.
    const n = this.perIp.get(ip) ?? 0;
    if (this.closing || this.sessions.size >= this.config.maxConnections || n >= this.config.maxConnectionsPerIp) {
      const why = this.closing ? 'Server shutting down' : this.sessions.size >= this.config.maxConnections ? `Too many connections (limit ${this.config.maxConnections})` : `Too many connections from your address (limit ${this.config.maxConnectionsPerIp})`;
      this.log({ event: 'refused', peer: ip, reason: why });
      sock.end(formatReply(R.SERVICE_UNAVAILABLE, why));
      return;
    }
    this.perIp.set(ip, n + 1);
    const session = new Session(sock, {
      config: this.config,
      authorizer: this.authorizer,
      openFs: (a) => this.openFs(a),
      log: this.log,
      tlsContext: this.tlsContext,
      onClose: (s) => {
        this.sessions.delete(s);
        const left = (this.perIp.get(ip) ?? 1) - 1;
        if (left <= 0) this.perIp.delete(ip); else this.perIp.set(ip, left);
      },
    });
    this.sessions.add(session);
  }

  private async openFs(account: Account): Promise<ConfinedFs> {
    const root = resolve(this.config.root);
    const home = account.home ? (isAbsolute(account.home) ? account.home : resolve(root, account.home)) : root;
    await mkdir(home, { recursive: true });
    return ConfinedFs.open(home);
  }

  /** Graceful: stop accepting, let running transfers finish (up to `graceMs`), then end the sessions. */
  async close(graceMs = 10_000): Promise<void> {
    this.closing = true;
    // net.Server.close() calls back only once every connection has ended, so do not wait for it first
    const closed = Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    const deadline = Date.now() + graceMs;
    while ([...this.sessions].some((s) => s.transfer) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const s of [...this.sessions]) { s.reply(R.SERVICE_UNAVAILABLE, 'Server shutting down'); s.destroy(); }
    await closed;
  }

  /** Abort everything now. */
  destroy(): void {
    this.closing = true;
    for (const s of this.servers) s.close();
    for (const s of [...this.sessions]) s.destroy();
  }

  get sessionCount(): number { return this.sessions.size; }
}
