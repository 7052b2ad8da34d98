// A scripted FTP server on real loopback sockets: a handler per command, a log of what it received, passive or active data.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface FakeSession {
  /** Write raw text on the control connection. */
  reply(text: string): void;
  /** Open passive listener; returns the port; `takeData()` resolves with the client's data connection. */
  openPassive(): Promise<number>;
  takeData(): Promise<Socket>;
  /** Active mode: connect to the client's EPRT/PORT address; `takeData()` then resolves with that connection. */
  connectActive(host: string, port: number): Promise<void>;
  socket: Socket;
}

export type Handler = (arg: string, s: FakeSession) => void | Promise<void>;

export interface FakeServer {
  port: number;
  received: string[];
  close(): Promise<void>;
}

const DEFAULTS: Record<string, Handler> = {
  USER: (_a, s) => s.reply('331 Password please\r\n'),
  PASS: (_a, s) => s.reply('230 Logged in\r\n'),
  FEAT: (_a, s) => s.reply('211-Features:\r\n SIZE\r\n211 End\r\n'),
  TYPE: (_a, s) => s.reply('200 Type set\r\n'),
  PWD: (_a, s) => s.reply('257 "/" is current\r\n'),
  QUIT: (_a, s) => { s.reply('221 Bye\r\n'); s.socket.end(); },
  NOOP: (_a, s) => s.reply('200 OK\r\n'),
  EPSV: async (_a, s) => { const port = await s.openPassive(); s.reply(`229 Entering Extended Passive Mode (|||${port}|)\r\n`); },
};

export async function startFakeServer(handlers: Record<string, Handler>, greeting = '220 fake ready\r\n'): Promise<FakeServer> {
  const received: string[] = [];
  const all = { ...DEFAULTS, ...handlers };
  const sockets = new Set<Socket>();
  const extra: Server[] = [];
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let dataWaiter: Promise<Socket> | null = null;
    const session: FakeSession = {
      socket,
      reply: (t) => { if (!socket.destroyed) socket.write(t); },
      openPassive: () => new Promise((resolve) => {
        const l = createServer();
        extra.push(l);
        dataWaiter = new Promise((res) => l.once('connection', (d) => { d.on('error', () => {}); sockets.add(d); l.close(); res(d); }));
        l.listen(0, '127.0.0.1', () => resolve((l.address() as { port: number }).port));
      }),
      takeData: () => dataWaiter ?? Promise.reject(new Error('no passive listener')),
      connectActive: (host, port) => new Promise((resolve, reject) => {
        const d = connect({ host, port }, () => { sockets.add(d); dataWaiter = Promise.resolve(d); resolve(); });
        d.on('error', reject);
      }),
    };
    let buf = '';
    let chain = Promise.resolve();
    socket.on('data', (d) => {
      buf += d.toString('utf8');
      let nl;
      while ((nl = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        received.push(line);
        const sp = line.indexOf(' ');
        const verb = (sp < 0 ? line : line.slice(0, sp)).toUpperCase();
        const arg = sp < 0 ? '' : line.slice(sp + 1);
        const h = all[verb];
        chain = chain.then(async () => { if (h) await h(arg, session); else session.reply('502 Not implemented\r\n'); }).catch(() => {});
      }
    });
    socket.write(greeting);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    received,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      for (const l of extra) l.close();
      server.close(() => resolve());
    }),
  };
}
