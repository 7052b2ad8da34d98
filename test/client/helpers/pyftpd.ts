// Test peer: a real pyftpdlib server (Debian's python3-pyftpdlib) started per test, with optional FTPS, masquerade and disabled modes.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PYTHON = '/usr/bin/python3';

/** Is Debian's pyftpdlib importable? */
export function havePyftpdlib(): boolean {
  if (!existsSync(PYTHON)) return false;
  return spawnSync(PYTHON, ['-c', 'import pyftpdlib, OpenSSL'], { stdio: 'ignore' }).status === 0;
}

/** Skip (locally) or fail (CI) when the peer is missing. */
export function requirePeer(ok: boolean, name: string): string | false {
  if (ok) return false;
  if (process.env.CI === 'true') throw new Error(`required test peer ${name} is missing (CI=true)`);
  const msg = `!!! SKIPPED: test peer ${name} is not installed`;
  console.error(msg);
  return msg;
}

export interface PyftpdOptions {
  root: string;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Run inside this network namespace (ip netns exec). */
  netns?: string;
  user?: string;
  password?: string;
  pasvRange?: [number, number];
  masquerade?: string;
  tls?: 'explicit' | 'off';
  /** Refuse PASV and EPSV with 502 (a server whose passive mode is disabled). */
  noPassive?: boolean;
  /** Refuse PORT and EPRT with 502. */
  noActive?: boolean;
  /** Refuse EPSV/EPRT (an old server). */
  noExtended?: boolean;
  /** Require TLS on login / data (tls_control_required, tls_data_required). */
  tlsRequired?: boolean;
}

export interface RunningPeer { host: string; port: number; cert?: string; stop(): Promise<void>; log: string[] }

let certCache: { cert: string; key: string } | null = null;
/** A self-signed certificate for 127.0.0.1 and localhost (the tests pass it as the CA). */
export function testCert(): { cert: string; key: string } {
  if (certCache) return certCache;
  const dir = mkdtempSync(join(tmpdir(), 'fgc-cert-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  if (r.status !== 0) throw new Error('openssl failed to make a test certificate');
  certCache = { cert, key };
  return certCache;
}

const SCRIPT = `
import sys, json
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler, TLS_FTPHandler
from pyftpdlib.servers import FTPServer
cfg = json.loads(sys.argv[1])
auth = DummyAuthorizer()
auth.add_user(cfg['user'], cfg['password'], cfg['root'], perm='elradfmwMT')
base = TLS_FTPHandler if cfg.get('tls') == 'explicit' else FTPHandler
class H(base):
    pass
H.authorizer = auth
H.permit_foreign_addresses = False
if cfg.get('pasv'):
    H.passive_ports = list(range(cfg['pasv'][0], cfg['pasv'][1] + 1))
if cfg.get('masquerade'):
    H.masquerade_address = cfg['masquerade']
if cfg.get('tls') == 'explicit':
    H.certfile = cfg['cert']
    H.keyfile = cfg['key']
    if cfg.get('tlsRequired'):
        H.tls_control_required = True
        H.tls_data_required = True
def refuse(self, line):
    self.respond('502 Command disabled by test configuration.')
if cfg.get('noPassive'):
    H.ftp_PASV = refuse
    H.ftp_EPSV = refuse
if cfg.get('noActive'):
    H.ftp_PORT = refuse
    H.ftp_EPRT = refuse
if cfg.get('noExtended'):
    H.ftp_EPSV = refuse
    H.ftp_EPRT = refuse
srv = FTPServer((cfg.get('host') or '127.0.0.1', 0), H)
print('READY %d' % srv.socket.getsockname()[1], flush=True)
srv.serve_forever(timeout=0.5)
`;

export async function startPyftpd(o: PyftpdOptions): Promise<RunningPeer> {
  const c = o.tls === 'explicit' ? testCert() : undefined;
  const cfg = {
    host: o.host, root: o.root, user: o.user ?? 'u', password: o.password ?? 'p', pasv: o.pasvRange ?? [53000, 53999], masquerade: o.masquerade,
    tls: o.tls ?? 'off', cert: c?.cert, key: c?.key, noPassive: o.noPassive, noActive: o.noActive, noExtended: o.noExtended, tlsRequired: o.tlsRequired,
  };
  const argv = [PYTHON, '-c', SCRIPT, JSON.stringify(cfg)];
  const child: ChildProcess = o.netns
    ? spawn('ip', ['netns', 'exec', o.netns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  child.stderr!.on('data', (d: Buffer) => log.push(d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`pyftpdlib did not start: ${log.join('')}`)), 10000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\d+)/.exec(out);
      if (m) { clearTimeout(t); resolve(Number(m[1])); }
    });
    child.once('exit', (code) => { clearTimeout(t); reject(new Error(`pyftpdlib exited ${code}: ${log.join('')}`)); });
  });
  return {
    host: o.host ?? '127.0.0.1', port, cert: c?.cert, log,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

export { writeFileSync };
