// The lab's client side: curl in one of the four data modes, a Python ftplib client that holds a passive port open, a TCP probe.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { execIn, spawnIn, stopChild } from './netns.js';

export type Mode = 'PASV' | 'EPSV' | 'PORT' | 'EPRT';
export const MODES: readonly Mode[] = ['PASV', 'EPSV', 'PORT', 'EPRT'];
export const isPassive = (m: Mode) => m === 'PASV' || m === 'EPSV';
export type Op = 'LIST' | 'RETR';

/** curl flags that force exactly one data mode (curl still falls back EPSV→PASV / EPRT→PORT on a 5xx reply). */
export const CURL_MODE_FLAGS: Record<Mode, string[]> = {
  PASV: ['--ftp-pasv', '--disable-epsv'],
  EPSV: ['--ftp-pasv'],
  PORT: ['--ftp-port', '-', '--disable-eprt'],
  EPRT: ['--ftp-port', '-'],
};

export interface ControlLine {
  /** ms since the transfer started */
  ms: number;
  dir: 'command' | 'reply';
  text: string;
}

export interface TransferResult {
  mode: Mode;
  op: Op;
  argv: string[];
  exitCode: number | null;
  /** wall time of the curl run */
  ms: number;
  control: ControlLine[];
  /** the whole curl -v output (control lines, curl's own notes) */
  log: string;
  /** LIST: the listing; RETR: empty */
  listing: string;
  /** RETR: bytes written and their SHA-256 */
  bytes: number;
  sha256?: string;
}

export interface CurlOptions {
  host: string;
  user: string;
  password: string;
  /** curl --max-time, seconds: how long a hung transfer waits before giving up */
  timeoutS: number;
  /** FTPS: AUTH TLS + PROT P (curl --ssl-reqd), certificate not verified (self-signed lab cert) */
  tls?: boolean;
  /** use the address in the 227 reply (curl ignores it by default since 7.74, classic clients do not) */
  usePasvAddress?: boolean;
  /** RETR: file name on the server and where to write it */
  file?: string;
  outFile?: string;
}

async function sha256File(path: string): Promise<{ bytes: number; sha256: string }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    h.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: h.digest('hex') };
}

/** Runs one curl transfer inside namespace ns and records the control conversation with timings. */
export async function curlTransfer(ns: string, mode: Mode, op: Op, o: CurlOptions): Promise<TransferResult> {
  const url = op === 'LIST' ? `ftp://${o.host}/` : `ftp://${o.host}/${o.file}`;
  const argv = ['curl', '-sS', '-v', '--user', `${o.user}:${o.password}`, '--max-time', String(o.timeoutS), ...CURL_MODE_FLAGS[mode]];
  if (o.tls) argv.push('--ssl-reqd', '--insecure');
  if (o.usePasvAddress) argv.push('--no-ftp-skip-pasv-ip');
  if (op === 'RETR') {
    if (!o.outFile) throw new Error('RETR needs outFile');
    await rm(o.outFile, { force: true });
    argv.push('--output', o.outFile);
  }
  argv.push(url);
  const control: ControlLine[] = [];
  const r = await execIn(ns, argv, {
    timeoutMs: (o.timeoutS + 10) * 1000,
    onLine: (stream, line, ms) => {
      if (stream !== 'stderr') return;
      if (line.startsWith('> ')) {
        const text = line.slice(2).replace(/^PASS .*/, 'PASS ****');
        control.push({ ms, dir: 'command', text });
      } else if (/^< \d{3}/.test(line)) control.push({ ms, dir: 'reply', text: line.slice(2) });
    },
  });
  let bytes = 0;
  let sha256: string | undefined;
  if (op === 'RETR' && o.outFile) {
    const st = await stat(o.outFile).catch(() => undefined);
    if (st) ({ bytes, sha256 } = await sha256File(o.outFile));
  } else bytes = Buffer.byteLength(r.stdout);
  const log = r.stderr.replace(/^(> PASS ).*$/gm, '$1****');
  return { mode, op, argv: argv.map((a) => (a.startsWith(`${o.user}:`) ? `${o.user}:****` : a)), exitCode: r.code, ms: r.ms, control, log, listing: op === 'LIST' ? r.stdout : '', bytes, sha256 };
}

/** The data-channel setup command the transfer used first, and the reply to it. */
export function dataSetup(t: TransferResult): { command?: string; reply?: string; all: { command: string; reply?: string }[] } {
  const all: { command: string; reply?: string }[] = [];
  for (let i = 0; i < t.control.length; i++) {
    const c = t.control[i];
    if (c.dir !== 'command' || !/^(PASV|EPSV|PORT|EPRT)\b/.test(c.text)) continue;
    const reply = t.control.slice(i + 1).find((x) => x.dir === 'reply');
    all.push({ command: c.text, reply: reply?.text });
  }
  return { command: all[0]?.command, reply: all[0]?.reply, all };
}

// ---- Python ftplib client: same four modes, used for FTPS (curl 7.88 cannot do active-mode FTPS: it stalls on the data TLS handshake) ----

const PY_CLIENT = `import ftplib, hashlib, json, signal, socket, sys, time
host, user, pw, mode, op, name, tls, timeout = sys.argv[1:9]
t0 = time.monotonic()
def note(d, text):
    print(json.dumps({'ms': round((time.monotonic() - t0) * 1000, 1), 'dir': d, 'text': text}), flush=True)
def on_alarm(*_):
    print(json.dumps({'end': 'timeout'}), flush=True); sys.exit(28)
signal.signal(signal.SIGALRM, on_alarm)
signal.setitimer(signal.ITIMER_REAL, float(timeout))
class Logged(ftplib.FTP_TLS if tls == '1' else ftplib.FTP):
    def putcmd(self, line):
        note('command', 'PASS ****' if line.startswith('PASS ') else line); super().putcmd(line)
    def getresp(self):
        try:
            r = super().getresp()
        except ftplib.Error as e:
            note('reply', str(e)); raise
        note('reply', r); return r
f = Logged()
try:
    f.connect(host, 21)
    if tls == '1': f.auth()
    f.login(user, pw)
    if tls == '1': f.prot_p()
    f.sendcmd('TYPE A' if op == 'LIST' else 'TYPE I')
    cmd = 'LIST' if op == 'LIST' else 'RETR ' + name
    if mode in ('PASV', 'EPSV'):
        r = f.sendcmd(mode)
        if mode == 'PASV': dhost, port = ftplib.parse227(r)
        else: dhost, port = host, int(r.split('(|||')[1].split('|')[0])
        conn = socket.create_connection((dhost, port))
        f.putcmd(cmd)
        r = f.getresp()
        if not r.startswith('1'): raise ftplib.error_reply(r)
    else:
        ls = socket.socket(); ls.bind((f.sock.getsockname()[0], 0)); ls.listen(1)
        a, p = ls.getsockname()
        f.sendcmd('PORT ' + ','.join(a.split('.') + [str(p >> 8), str(p & 255)]) if mode == 'PORT' else 'EPRT |1|%s|%d|' % (a, p))
        f.putcmd(cmd)
        r = f.getresp()
        if not r.startswith('1'): raise ftplib.error_reply(r)
        conn, _ = ls.accept()
    if tls == '1': conn = f.context.wrap_socket(conn, server_hostname=host, session=f.sock.session)
    h = hashlib.sha256(); n = 0; listing = b''
    while True:
        b = conn.recv(65536)
        if not b: break
        h.update(b); n += len(b)
        if op == 'LIST': listing += b
    conn.close()
    f.voidresp()
    print(json.dumps({'end': 'ok', 'bytes': n, 'sha256': h.hexdigest(), 'listing': listing.decode('utf8', 'replace')}), flush=True)
    f.quit()
except ftplib.Error as e:
    print(json.dumps({'end': 'ftp-error', 'error': str(e)}), flush=True); sys.exit(1)
except OSError as e:
    print(json.dumps({'end': 'os-error', 'error': str(e)}), flush=True); sys.exit(7)
`;

/** Same as curlTransfer, with Python's ftplib (exit 28 on timeout like curl; 1 FTP error reply; 7 socket error). */
export async function pyTransfer(ns: string, mode: Mode, op: Op, o: CurlOptions): Promise<TransferResult> {
  const argv = ['/usr/bin/python3', '-c', PY_CLIENT, o.host, o.user, o.password, mode, op, o.file ?? '', o.tls ? '1' : '0', String(o.timeoutS)];
  const control: ControlLine[] = [];
  let end: { end: string; bytes?: number; sha256?: string; listing?: string; error?: string } = { end: 'none' };
  const r = await execIn(ns, argv, {
    timeoutMs: (o.timeoutS + 10) * 1000,
    onLine: (stream, line) => {
      if (stream !== 'stdout' || !line.startsWith('{')) return;
      const j = JSON.parse(line) as { ms?: number; dir?: 'command' | 'reply'; text?: string; end?: string };
      if (j.dir && j.text !== undefined && j.ms !== undefined) control.push({ ms: j.ms, dir: j.dir, text: j.text });
      else if (j.end) end = j as typeof end;
    },
  });
  const shown = argv.slice(0, 2).concat(['<ftplib client>', ...argv.slice(3, 6), '****', ...argv.slice(7)]);
  return { mode, op, argv: shown, exitCode: r.code, ms: r.ms, control, log: r.stdout + r.stderr, listing: op === 'LIST' ? end.listing ?? '' : '', bytes: end.bytes ?? 0, sha256: op === 'RETR' ? end.sha256 : undefined };
}

// ---- the ftpgate client (`ftpgate ls|get`): the project's own, with --mode passive|active|auto ----

/** The compiled `ftpgate` command (dist/src/cli/main.js). */
export const FTPGATE_CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** What `--mode` the ftpgate client runs with; passive = EPSV then PASV, active = EPRT then PORT, auto = passive then active. */
export type GateMode = 'passive' | 'active' | 'auto';
export type DataKind = 'passive' | 'active';

/** Exit codes of the ftpgate client commands (src/cli/client-exit-codes.ts). */
export const GATE_EXIT = { OK: 0, DATA_CONNECTION: 6 } as const;

export interface GateOptions {
  host: string;
  user: string;
  password: string;
  /** --data-timeout, seconds: how long a data connection may take to come up */
  dataTimeoutS: number;
  /** --timeout, seconds: control connection reply timeout */
  timeoutS: number;
  /** explicit FTPS (--tls); the certificate is verified against caFile (--tls-ca) */
  tls?: boolean;
  caFile?: string;
  /** RETR: file name on the server and where to write it */
  file?: string;
  outFile?: string;
  /** FTPGATE_CACHE_DIR: where auto mode remembers which data connection kind worked for the server */
  cacheDir: string;
}

/** As TransferResult, for `ftpgate ls|get -v` (ms includes node start-up; log is the whole stderr; listing: the names). */
export interface GateResult extends Omit<TransferResult, 'mode'> {
  mode: GateMode;
  /** the `data connection: KIND (CMD)[, after KIND failed: …]` line printed after a transfer */
  used?: { kind: DataKind; command: Mode; fellBackFrom?: { kind: DataKind; error: string } };
  /** the `ftpgate ls|get: MESSAGE [CODE]` line printed on failure */
  error?: { message: string; code?: string };
}

const MODE_LINE = /^data connection: (passive|active) \((EPSV|PASV|EPRT|PORT)\)(?:, after (passive|active) failed: (.*))?$/;
const ERROR_LINE = /^ftpgate (?:ls|get): (.*?)(?: \[(FTPGATE_ERR_[A-Z0-9_]+)\])?$/;

/** Runs `ftpgate ls` (LIST) or `ftpgate get` (RETR) inside namespace ns and records the conversation (-v) with timings. */
export async function ftpgateTransfer(ns: string, mode: GateMode, op: Op, o: GateOptions): Promise<GateResult> {
  const cred = `${encodeURIComponent(o.user)}:${encodeURIComponent(o.password)}`;
  const url = op === 'LIST' ? `ftp://${cred}@${o.host}/` : `ftp://${cred}@${o.host}/${o.file}`;
  const flags = ['-v', '--mode', mode, '--data-timeout', String(o.dataTimeoutS), '--timeout', String(o.timeoutS)];
  if (o.tls) flags.push('--tls', ...(o.caFile ? ['--tls-ca', o.caFile] : ['--insecure']));
  const argv = ['env', `FTPGATE_CACHE_DIR=${o.cacheDir}`, process.execPath, FTPGATE_CLI, op === 'LIST' ? 'ls' : 'get', ...flags, url];
  if (op === 'RETR') {
    if (!o.outFile) throw new Error('RETR needs outFile');
    await rm(o.outFile, { force: true });
    argv.push(o.outFile);
  }
  const control: ControlLine[] = [];
  let used: GateResult['used'];
  let error: GateResult['error'];
  const r = await execIn(ns, argv, {
    // the client must give up by itself; this only stops a client that never does
    timeoutMs: (2 * o.dataTimeoutS + o.timeoutS + 15) * 1000,
    onLine: (stream, line, ms) => {
      if (stream !== 'stderr') return;
      let m: RegExpExecArray | null;
      if (line.startsWith('> ')) control.push({ ms, dir: 'command', text: line.slice(2).replace(/^PASS .*/, 'PASS ****') });
      else if (/^< \d{3}/.test(line)) control.push({ ms, dir: 'reply', text: line.slice(2) });
      else if ((m = MODE_LINE.exec(line))) used = { kind: m[1] as DataKind, command: m[2] as Mode, ...(m[3] ? { fellBackFrom: { kind: m[3] as DataKind, error: m[4] } } : {}) };
      else if ((m = ERROR_LINE.exec(line))) error = { message: m[1], code: m[2] };
    },
  });
  let bytes = 0;
  let sha256: string | undefined;
  if (op === 'RETR' && o.outFile) {
    const st = await stat(o.outFile).catch(() => undefined);
    if (st) ({ bytes, sha256 } = await sha256File(o.outFile));
  } else bytes = Buffer.byteLength(r.stdout);
  const hide = (a: string) => a.split(cred).join(`${o.user}:****`);
  return { mode, op, argv: argv.map(hide), exitCode: r.code, ms: r.ms, control, log: hide(r.stderr), listing: op === 'LIST' ? r.stdout : '', bytes, sha256, used, error };
}

/**
 * The data-setup commands of an ftpgate run in order, each with the reply to it. No reply when the client gave up waiting
 * and logged in again (the next reply is then the new connection's 220 greeting).
 */
export function gateDataSetup(g: Pick<GateResult, 'control'>): { command: string; reply?: string }[] {
  return dataSetup({ control: g.control } as TransferResult).all.map((s) => (s.reply?.startsWith('220') ? { command: s.command } : s));
}

// ---- a client that announces a passive port and waits: the intruder tries that port in between ----

const HOLD_SCRIPT = `import ftplib, hashlib, json, socket, sys
host, user, pw, mode, name, tls = sys.argv[1:7]
f = ftplib.FTP_TLS() if tls == '1' else ftplib.FTP()
f.connect(host, 21, timeout=10)
f.login(user, pw)
if tls == '1': f.prot_p()
f.sendcmd('TYPE I')
if mode == 'EPSV':
    r = f.sendcmd('EPSV'); dhost = host; port = int(r.split('(|||')[1].split('|')[0])
else:
    r = f.sendcmd('PASV'); dhost, port = ftplib.parse227(r)
print(json.dumps({'reply': r, 'host': dhost, 'port': port}), flush=True)
sys.stdin.readline()
s = socket.create_connection((dhost, port), timeout=5)
f.putcmd('RETR ' + name)
first = f.getresp()
if tls == '1': s = f.context.wrap_socket(s, server_hostname=host, session=f.sock.session)
h = hashlib.sha256(); n = 0
while True:
    b = s.recv(65536)
    if not b: break
    h.update(b); n += len(b)
s.close()
final = f.voidresp()
print(json.dumps({'first': first, 'final': final, 'bytes': n, 'sha256': h.hexdigest()}), flush=True)
f.quit()
`;

export interface HoldResult {
  announced: { reply: string; host: string; port: number };
  transfer?: { first: string; final: string; bytes: number; sha256: string };
  error?: string;
}

/**
 * Logs in from the client namespace, gets a passive port (PASV or EPSV), calls between(announced) — while the port is
 * open and announced — and only then connects and RETRs the file.
 */
export async function holdPassivePort(
  ns: string,
  o: { host: string; user: string; password: string; mode: 'PASV' | 'EPSV'; file: string; tls?: boolean },
  between: (announced: HoldResult['announced']) => Promise<void>,
): Promise<HoldResult> {
  const child = spawnIn(ns, ['/usr/bin/python3', '-c', HOLD_SCRIPT, o.host, o.user, o.password, o.mode, o.file, o.tls ? '1' : '0']);
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    const parts = out.split('\n');
    out = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
    waiters.splice(0).forEach((w) => w());
  });
  const exited = new Promise<void>((res) => child.on('exit', () => res()));
  const nextLine = async (ms: number): Promise<string | undefined> => {
    const deadline = Date.now() + ms;
    while (!lines.length) {
      if (child.exitCode !== null || Date.now() > deadline) return undefined;
      await Promise.race([new Promise<void>((r) => waiters.push(r)), exited, new Promise((r) => setTimeout(r, 200))]);
    }
    return lines.shift();
  };
  try {
    const first = await nextLine(15_000);
    if (!first) return { announced: { reply: '', host: '', port: 0 }, error: `no passive port announced: ${err.trim()}` };
    const announced = JSON.parse(first) as HoldResult['announced'];
    await between(announced);
    child.stdin!.write('go\n');
    const second = await nextLine(15_000);
    if (!second) return { announced, error: `transfer failed: ${err.trim().split('\n').slice(-1)[0] ?? ''}` };
    return { announced, transfer: JSON.parse(second) as HoldResult['transfer'] };
  } finally {
    await stopChild(child, 1000);
  }
}

// ---- a bare TCP connection attempt ----

const PROBE_SCRIPT = `import json, socket, sys, time
host, port, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
s = socket.socket(); s.settimeout(timeout); t = time.monotonic()
try:
    s.connect((host, port)); r = 'connected'
except socket.timeout:
    r = 'timeout'
except ConnectionRefusedError:
    r = 'refused'
except OSError as e:
    r = 'error: ' + e.strerror
print(json.dumps({'result': r, 'ms': round((time.monotonic() - t) * 1000)}))
`;

export interface ProbeResult {
  result: 'connected' | 'timeout' | 'refused' | string;
  ms: number;
}

/** One TCP connect from namespace ns to host:port, giving up after timeoutS. */
export async function tcpProbe(ns: string, host: string, port: number, timeoutS: number): Promise<ProbeResult> {
  const r = await execIn(ns, ['/usr/bin/python3', '-c', PROBE_SCRIPT, host, String(port), String(timeoutS)], { timeoutMs: (timeoutS + 10) * 1000 });
  try {
    return JSON.parse(r.stdout) as ProbeResult;
  } catch {
    return { result: `error: ${r.stderr.trim()}`, ms: r.ms };
  }
}
