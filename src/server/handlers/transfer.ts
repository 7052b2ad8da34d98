// Commands that use the data connection (RETR STOR APPE STOU LIST NLST MLSD), REST and ABOR, and the one transfer runner they share.
import { createReadStream } from 'node:fs';
import { opendir, lstat, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { pipeline } from 'node:stream/promises';
import { Readable, type Transform } from 'node:stream';
import type { Session, RunningTransfer } from '../session.js';
import { R } from '../../protocol/reply-codes.js';
import { formatListLine, formatMlsxLine, safeName } from '../../protocol/list-format.js';
import { resolveVirtual } from '../../protocol/path.js';
import { ToNetworkAscii, FromNetworkAscii } from '../../net/ascii-stream.js';
import { receiveUpload, existingSize } from '../atomic-upload.js';
import { UPLOAD_TEMP_PREFIX } from '../confined-fs.js';
import { entryInfo, vpath } from './navigation.js';

class AbortedError extends Error {}

function wrapTls(s: Session, sock: Socket): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const t = new TLSSocket(sock, { isServer: true, secureContext: s.deps.tlsContext });
    const timer = setTimeout(() => { t.destroy(); reject(new Error('TLS handshake on the data connection timed out')); }, s.config.dataTimeout * 1000);
    t.once('secure', () => { clearTimeout(timer); resolve(t); });
    t.once('error', (e) => { clearTimeout(timer); reject(new Error(`TLS handshake on the data connection failed: ${e.message}`)); });
  });
}

/**
 * Open the negotiated data connection, announce 150, run `work`, and answer 226 only when the work
 * (including any commit to disk) succeeded. ABOR, a dropped connection or an error answer 426/451.
 */
export async function runTransfer(
  s: Session,
  verb: string,
  path: string,
  announce: string,
  work: (data: Socket, t: { count(n: number): void; aborted(): boolean }) => Promise<string | void>,
): Promise<void> {
  const channel = s.data;
  s.data = null;
  if (!channel) { s.reply(R.CANT_OPEN_DATA, 'Use PORT/EPRT or PASV/EPSV first'); return; }
  if (s.config.requireTls && !s.protP) { channel.close(); s.reply(R.PROT_NOT_SUPPORTED, 'Data connections must be protected: send PBSZ 0 and PROT P'); return; }
  const started = Date.now();
  let sock: Socket;
  try {
    sock = await channel.open(s.config.dataTimeout * 1000);
  } catch (err) {
    channel.close();
    s.log({ event: 'transfer', verb, path, mode: channel.kind, result: 'no-data-connection', reason: (err as Error).message });
    s.reply(R.CANT_OPEN_DATA, `Can't open data connection: ${(err as Error).message}`);
    return;
  }
  sock.on('error', () => {});
  let bytes = 0;
  let aborted = false;
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  const t: RunningTransfer = {
    verb, path, bytes: () => bytes, done,
    abort: () => { aborted = true; sock.destroy(new AbortedError('aborted')); },
  };
  s.transfer = t;
  let result = 'ok';
  try {
    // 150 first: clients (curl in active mode) start the data TLS handshake only after the preliminary reply
    s.reply(R.OPENING_DATA, announce);
    if (s.protP) sock = await wrapTls(s, sock);
    const msg = await work(sock, { count: (n) => { bytes += n; }, aborted: () => aborted });
    if (aborted) throw new AbortedError('aborted');
    s.reply(R.TRANSFER_COMPLETE, msg || 'Transfer complete');
  } catch (err) {
    if (aborted || err instanceof AbortedError) { result = 'aborted'; s.reply(R.TRANSFER_ABORTED, 'Transfer aborted, data connection closed'); }
    else if ((err as { reply?: number }).reply) { result = 'error'; s.replyError(err); }
    else if ((err as NodeJS.ErrnoException).code && !/^ERR_STREAM|^ECONNRESET|^EPIPE/.test((err as NodeJS.ErrnoException).code!)) { result = 'error'; s.replyError(err); }
    else { result = 'connection-lost'; s.reply(R.TRANSFER_ABORTED, `Data connection lost: ${(err as Error).message}`); }
  } finally {
    if (!sock.destroyed) sock.destroy();
    channel.close();
    s.transfer = null;
    s.log({ event: 'transfer', verb, path, mode: channel.kind, tls: s.protP, bytes, ms: Date.now() - started, result });
    finish();
  }
}

function endSocket(sock: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (sock.writableFinished) { resolve(); return; }
    sock.end(() => resolve());
  });
}

export async function RETR(s: Session, arg: string): Promise<void> {
  const v = vpath(s, arg);
  const { real, stats } = await s.fs!.resolveExisting(v);
  if (!stats.isFile()) { s.resetDataChannel(null); s.reply(R.FILE_UNAVAILABLE, `${v}: not a regular file`); return; }
  const start = s.restOffset;
  if (start > stats.size) { s.resetDataChannel(null); s.reply(R.INVALID_REST, `Restart offset ${start} is beyond the end of the file (${stats.size} bytes)`); return; }
  const mode = s.type === 'A' ? 'ASCII' : 'BINARY';
  await runTransfer(s, 'RETR', v, `Opening ${mode} mode data connection for ${v} (${stats.size - start} bytes)`, async (data, t) => {
    const src = createReadStream(real, { start, highWaterMark: 256 * 1024 });
    src.on('data', (c) => t.count(c.length));
    const stages: (NodeJS.ReadableStream | NodeJS.WritableStream | Transform)[] = [src];
    if (s.type === 'A') stages.push(new ToNetworkAscii());
    stages.push(data);
    await (pipeline as unknown as (...x: unknown[]) => Promise<void>)(...stages);
  });
}

async function store(s: Session, arg: string, verb: 'STOR' | 'APPE' | 'STOU'): Promise<void> {
  let v = vpath(s, arg);
  if (verb === 'STOU') v = resolveVirtual(s.cwd, arg.trim() ? `${arg.trim()}.${randomBytes(4).toString('hex')}` : `ftpgate-${Date.now()}-${randomBytes(4).toString('hex')}`);
  let target;
  try { target = await s.fs!.resolveForCreate(v); } catch (err) { s.resetDataChannel(null); throw err; }
  if (target.exists && !target.exists.isFile()) { s.resetDataChannel(null); s.reply(R.FILE_UNAVAILABLE, `${v}: not a regular file`); return; }
  const size = await existingSize(target.real);
  const keep = verb === 'APPE' ? Math.max(0, size) : s.restOffset;
  if (keep > 0 && keep > size) { s.resetDataChannel(null); s.reply(R.INVALID_REST, `Restart offset ${keep} is beyond the end of the file (${Math.max(0, size)} bytes)`); return; }
  const announce = verb === 'STOU' ? `FILE: ${v.slice(v.lastIndexOf('/') + 1)}` : `Opening ${s.type === 'A' ? 'ASCII' : 'BINARY'} mode data connection for ${v}`;
  await runTransfer(s, verb, v, announce, async (data, t) => {
    const res = await receiveUpload(
      { target: target.real, keep, existingSize: size, keepPartial: s.config.keepPartialUploads },
      data,
      s.type === 'A' ? [new FromNetworkAscii()] : [],
      // the upload is trusted only if the client is still there to hear 226
      () => !t.aborted() && s.controlAlive,
      (n) => t.count(n),
    );
    s.log({ event: 'upload', path: v, bytes: res.bytes, committed: res.committed, complete: res.complete });
    if (!res.complete) throw t.aborted() ? new AbortedError('aborted') : Object.assign(new Error('upload interrupted'), { code: 'ECONNRESET' });
    return verb === 'STOU' ? `Transfer complete; stored as ${safeName(v)}` : 'Transfer complete';
  });
}

export const STOR = (s: Session, arg: string) => store(s, arg, 'STOR');
export const APPE = (s: Session, arg: string) => store(s, arg, 'APPE');
export const STOU = (s: Session, arg: string) => store(s, arg, 'STOU');

/** Strip `ls` style options ("-la") that many clients send with LIST/NLST. */
function listTarget(arg: string): string {
  const parts = arg.trim().split(/\s+/);
  while (parts.length && /^-[a-zA-Z]+$/.test(parts[0])) parts.shift();
  return parts.join(' ');
}

async function* directoryLines(s: Session, v: string, format: 'list' | 'nlst' | 'mlsd'): AsyncGenerator<string> {
  const { real, stats } = await s.fs!.resolveExisting(v);
  if (!stats.isDirectory()) {
    const name = v.slice(v.lastIndexOf('/') + 1);
    if (format === 'mlsd') throw Object.assign(new Error(`${v}: Not a directory`), { code: 'ENOTDIR' });
    yield format === 'nlst' ? safeName(name) : formatListLine(entryInfo(s, name, stats));
    return;
  }
  if (format === 'mlsd') yield formatMlsxLine(entryInfo(s, v, stats), s.mlstFacts, 'cdir');
  const dir = await opendir(real, { bufferSize: 64 });
  for await (const d of dir) {
    if (d.name.startsWith(UPLOAD_TEMP_PREFIX)) continue;
    if (format === 'nlst') { yield safeName(d.name); continue; }
    const p = join(real, d.name);
    let st = await lstat(p).catch(() => null);
    if (!st) continue;
    const isLink = st.isSymbolicLink();
    if (isLink) st = (await stat(p).catch(() => null)) ?? st;
    yield format === 'list' ? formatListLine(entryInfo(s, d.name, st, isLink)) : formatMlsxLine(entryInfo(s, d.name, st, isLink), s.mlstFacts);
  }
}

async function listing(s: Session, verb: string, arg: string, format: 'list' | 'nlst' | 'mlsd'): Promise<void> {
  const v = vpath(s, format === 'mlsd' ? arg : listTarget(arg));
  // resolve first, so a missing path gets 550 before any data connection is used
  try {
    const { stats } = await s.fs!.resolveExisting(v);
    if (format === 'mlsd' && !stats.isDirectory()) { s.resetDataChannel(null); s.reply(R.FILE_UNAVAILABLE, `${v}: Not a directory`); return; }
  } catch (err) { s.resetDataChannel(null); throw err; }
  await runTransfer(s, verb, v, `Here comes the directory listing of ${v}`, async (data, t) => {
    const lines = Readable.from((async function* () {
      for await (const l of directoryLines(s, v, format)) { const b = Buffer.from(l + '\r\n'); t.count(b.length); yield b; }
    })());
    await pipeline(lines, data);
    await endSocket(data);
    return 'Directory send OK';
  });
}

export const LIST = (s: Session, arg: string) => listing(s, 'LIST', arg, 'list');
export const NLST = (s: Session, arg: string) => listing(s, 'NLST', arg, 'nlst');
export const MLSD = (s: Session, arg: string) => listing(s, 'MLSD', arg, 'mlsd');

export function REST(s: Session, arg: string): void {
  if (!/^\d{1,15}$/.test(arg.trim())) { s.reply(R.SYNTAX_ERROR_ARGS, 'REST needs a byte offset'); return; }
  s.restOffset = Number(arg.trim());
  s.reply(R.PENDING_MORE_INFO, `Restarting at ${s.restOffset}. Send STOR or RETR to initiate transfer`);
}

export async function ABOR(s: Session): Promise<void> {
  const t = s.transfer;
  if (t) {
    t.abort();
    await t.done;
    s.reply(R.TRANSFER_COMPLETE, 'ABOR successful');
    return;
  }
  s.resetDataChannel(null);
  s.reply(R.DATA_OPEN_NO_TRANSFER, 'No transfer to abort');
}
