// Peers for the firewall traffic tests: a pyftpdlib server (optionally active from port 20), decoy listeners, a TCP probe and curl.
import { mkdirSync, mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { inNs, startIn } from './ns.js';

export const PY = '/usr/bin/python3';

const SERVER_PY = `
import socket, sys
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler, ActiveDTP
from pyftpdlib.servers import FTPServer
host, root, lo, hi, port20 = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == '1'
masquerade = sys.argv[6] if len(sys.argv) > 6 and sys.argv[6] != '-' else None

class DTPFrom20(ActiveDTP):
    """Active data connections from port 20, the traditional source port the seeds describe."""
    def connect_af_unspecified(self, addr, source_address=None):
        return super().connect_af_unspecified(addr, (source_address[0], 20))
    def bind(self, addr):
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        return super().bind(addr)

auth = DummyAuthorizer()
auth.add_user('u', 'p', root, perm='elr')
class Handler(FTPHandler):
    pass
Handler.authorizer = auth
Handler.passive_ports = range(lo, hi + 1)
Handler.timeout = 30
if port20:
    Handler.active_dtp = DTPFrom20
if masquerade:
    Handler.masquerade_address = masquerade
server = FTPServer((host, 21), Handler)
print('READY', flush=True)
server.serve_forever()
`;

const DECOY_PY = `
import socket, sys, threading
host = sys.argv[1]
def serve(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port)); s.listen(16)
    while True:
        c, _ = s.accept(); c.sendall(b'DECOY\\n'); c.close()
for p in sys.argv[2:]:
    threading.Thread(target=serve, args=(int(p),), daemon=True).start()
import time; time.sleep(0.2)
print('READY', flush=True)
threading.Event().wait()
`;

const PROBE_PY = `
import socket, sys
s = socket.socket(); s.settimeout(float(sys.argv[3]))
if len(sys.argv) > 4:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('', int(sys.argv[4])))
try:
    s.connect((sys.argv[1], int(sys.argv[2]))); print('OPEN' if s.recv(16).startswith(b'DECOY') else 'OPEN-OTHER')
except socket.timeout:
    print('TIMEOUT')
except ConnectionRefusedError:
    print('REFUSED')
except OSError as e:
    print('ERROR', e)
`;

const INTRUDER_PY = `
import ftplib, hashlib, socket, sys
host, intruder_ip = sys.argv[1], sys.argv[2]
ftp = ftplib.FTP(timeout=10)
ftp.connect(host, 21)
ftp.login('u', 'p')
ftp.voidcmd('TYPE I')
_, port = ftplib.parse227(ftp.sendcmd('PASV'))
s = socket.socket(); s.bind((intruder_ip, 0)); s.settimeout(2)
try:
    s.connect((host, port)); seen = 'OPEN'
except socket.timeout:
    seen = 'TIMEOUT'
except ConnectionRefusedError:
    seen = 'REFUSED'
s.close()
try:
    d = socket.create_connection((host, port), timeout=5)
    ftp.sendcmd('RETR f.bin')
    h = hashlib.sha256()
    while True:
        b = d.recv(65536)
        if not b:
            break
        h.update(b)
    d.close()
    ftp.voidresp()
    result = h.hexdigest()
except Exception as e:
    result = 'FAILED:' + str(e).replace(' ', '_')
print(seen, result, flush=True)
`;

export interface FtpFixture {
  dir: string;
  root: string;
  file: string;
  sha256: string;
  serverPy: string;
  decoyPy: string;
  probePy: string;
  intruderPy: string;
  cleanup(): void;
}

export function makeFixture(): FtpFixture {
  const dir = mkdtempSync(join(tmpdir(), 'fgr-'));
  const root = join(dir, 'root');
  const data = randomBytes(300_000 + 17);
  writeFileSync(join(dir, 'server.py'), SERVER_PY);
  writeFileSync(join(dir, 'decoy.py'), DECOY_PY);
  writeFileSync(join(dir, 'probe.py'), PROBE_PY);
  writeFileSync(join(dir, 'intruder.py'), INTRUDER_PY);
  mkdirSync(root);
  writeFileSync(join(root, 'f.bin'), data);
  return {
    dir, root, file: 'f.bin',
    sha256: createHash('sha256').update(data).digest('hex'),
    serverPy: join(dir, 'server.py'), decoyPy: join(dir, 'decoy.py'), probePy: join(dir, 'probe.py'), intruderPy: join(dir, 'intruder.py'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** pyftpdlib on host:21; `masquerade` = the address advertised in PASV replies (a server behind DNAT). */
export function startFtpServer(ns: string, fx: FtpFixture, host: string, pasv: { min: number; max: number }, port20: boolean, masquerade?: string): Promise<ChildProcess> {
  return startIn(ns, [PY, fx.serverPy, host, fx.root, String(pasv.min), String(pasv.max), port20 ? '1' : '0', masquerade ?? '-'], 'READY');
}

export function startDecoys(ns: string, fx: FtpFixture, host: string, ports: number[]): Promise<ChildProcess> {
  return startIn(ns, [PY, fx.decoyPy, host, ...ports.map(String)], 'READY');
}

/** OPEN (the decoy answered), TIMEOUT (dropped), REFUSED (reset) or ERROR; optionally from a chosen source port (e.g. 20). */
export function probe(ns: string, fx: FtpFixture, host: string, port: number, timeoutS = 2, sourcePort?: number): string {
  return inNs(ns, [PY, fx.probePy, host, String(port), String(timeoutS), ...(sourcePort ? [String(sourcePort)] : [])]).stdout.trim();
}

export type DataMode = 'EPSV' | 'PASV' | 'EPRT' | 'PORT';

export interface Fetch {
  ok: boolean;
  sha256?: string;
  curlExit: number | null;
  stderr: string;
  ms: number;
}

/** RETR f.bin with curl in a given data mode; `ok` = curl succeeded and the SHA-256 matches. */
export function fetch(ns: string, fx: FtpFixture, host: string, mode: DataMode, clientIp: string, maxTimeS = 12, extra: string[] = []): Fetch {
  const out = join(fx.dir, `out-${mode}-${Date.now()}.bin`);
  const args = ['curl', '-sS', '--max-time', String(maxTimeS), '--connect-timeout', '4', '-o', out];
  if (mode === 'PASV') args.push('--disable-epsv');
  if (mode === 'EPRT' || mode === 'PORT') args.push('-P', clientIp);
  if (mode === 'PORT') args.push('--disable-eprt');
  args.push(...extra);
  args.push(`ftp://u:p@${host}/${fx.file}`);
  const t0 = Date.now();
  const r = inNs(ns, args, undefined, 20_000);
  const ms = Date.now() - t0;
  let sha: string | undefined;
  try {
    sha = createHash('sha256').update(readFileSync(out)).digest('hex');
    rmSync(out, { force: true });
  } catch {
    sha = undefined;
  }
  return { ok: r.code === 0 && sha === fx.sha256, sha256: sha, curlExit: r.code, stderr: r.stderr, ms };
}

/** LIST of / with curl (passive EPSV, or active with -P); returns the listing or undefined. */
export function list(ns: string, host: string, active: string | undefined): string | undefined {
  const args = ['curl', '-sS', '--max-time', '12', '--connect-timeout', '4'];
  if (active) args.push('-P', active);
  args.push(`ftp://u:p@${host}/`);
  const r = inNs(ns, args, undefined, 20_000);
  return r.code === 0 ? r.stdout : undefined;
}

/**
 * The client announces nothing itself: it sends PASV, then an intruder (another source address) tries the announced
 * port before the client connects and RETRs. Returns what the intruder saw and whether the client's transfer completed
 * (pyftpdlib rejects a foreign data connection with 425, which also ends the client's transfer: the intruder disrupts it).
 */
export function intruderRace(ns: string, fx: FtpFixture, host: string, intruderIp: string): { intruder: string; transferOk: boolean; raw: string } {
  const r = inNs(ns, [PY, fx.intruderPy, host, intruderIp], undefined, 30_000);
  const [intruder, result] = r.stdout.trim().split(/\s+/);
  return { intruder: intruder ?? '', transferOk: r.code === 0 && result === fx.sha256, raw: r.stdout + r.stderr };
}
