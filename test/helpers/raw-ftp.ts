// A scripted raw control connection for protocol tests: send one line, get the parsed reply, with a timeout.
import { connect, type Socket } from 'node:net';
import { parseReplies, type ParsedReply } from '../../src/protocol/reply.js';

export class RawFtp {
  private buf = '';
  private readonly replies: ParsedReply[] = [];
  private waiters: ((r: ParsedReply | null) => void)[] = [];
  ended = false;

  private constructor(readonly sock: Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      const { messages, rest } = parseReplies(this.buf + d);
      this.buf = rest;
      for (const m of messages) {
        const w = this.waiters.shift();
        if (w) w(m); else this.replies.push(m);
      }
    });
    const end = () => { this.ended = true; for (const w of this.waiters.splice(0)) w(null); };
    sock.on('end', end);
    sock.on('close', end);
    sock.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1', localAddress?: string): Promise<RawFtp> {
    return new Promise((res, rej) => {
      const s = connect({ port, host, localAddress }, () => res(new RawFtp(s)));
      s.once('error', rej);
    });
  }

  /** Next reply (or null when the server closed), failing after `ms`. */
  next(ms = 10_000): Promise<ParsedReply | null> {
    const r = this.replies.shift();
    if (r) return Promise.resolve(r);
    if (this.ended) return Promise.resolve(null);
    return new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`no reply within ${ms} ms`)), ms);
      this.waiters.push((x) => { clearTimeout(timer); res(x); });
    });
  }

  async cmd(line: string, ms?: number): Promise<ParsedReply> {
    this.sock.write(line + '\r\n');
    const r = await this.next(ms);
    if (!r) throw new Error(`connection closed after ${line.split(' ')[0]}`);
    return r;
  }

  async login(user = 'u', pass = 'p'): Promise<void> {
    const g = await this.next();
    if (g?.code !== 220) throw new Error(`greeting: ${g?.code}`);
    await this.cmd(`USER ${user}`);
    const r = await this.cmd(`PASS ${pass}`);
    if (r.code !== 230) throw new Error(`login: ${r.code} ${r.message}`);
  }

  close(): void { this.sock.destroy(); }
}
