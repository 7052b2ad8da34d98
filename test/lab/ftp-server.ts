// Starts the FTP server inside the lab's server namespace: ftpgate's own server, or pyftpdlib as a stand-in.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { spawnIn, stopChild } from './netns.js';

export interface ServerOptions {
  /** served directory */
  root: string;
  user: string;
  password: string;
  pasvPorts: { min: number; max: number };
  /** address to announce in 227 replies instead of the local one */
  pasvAddress?: string;
  /** bind active-mode data connections to port 20 (the classic rule lists assume it) */
  activeSourcePort20?: boolean;
  tls?: { cert: string; key: string };
}

export type ServerKind = 'ftpgate' | 'pyftpdlib';

export interface RunningServer {
  kind: ServerKind;
  /** command line, for the report */
  argv: string[];
  /** the process's output so far (logs) */
  output(): string;
  stop(): Promise<void>;
}

const MAIN_JS = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const SERVER_JS = fileURLToPath(new URL('../../src/server/index.js', import.meta.url));

/** ftpgate when its compiled server exists (or LAB_SERVER=ftpgate), pyftpdlib when LAB_SERVER=pyftpdlib or it does not. */
export function chooseServerKind(): ServerKind {
  const want = process.env.LAB_SERVER;
  if (want === 'ftpgate' || want === 'pyftpdlib') return want;
  return existsSync(SERVER_JS) && existsSync(MAIN_JS) ? 'ftpgate' : 'pyftpdlib';
}

/** pyftpdlib stand-in with the same knobs as `ftpgate serve` (secure defaults: no foreign PORT addresses). */
const PYFTPD_SCRIPT = `import argparse, socket, sys
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler, ActiveDTP
from pyftpdlib.servers import FTPServer
ap = argparse.ArgumentParser()
ap.add_argument('--root'); ap.add_argument('--user'); ap.add_argument('--pasv')
ap.add_argument('--masq'); ap.add_argument('--port20', action='store_true')
ap.add_argument('--cert'); ap.add_argument('--key')
a = ap.parse_args()
name, pw = a.user.split(':', 1)
auth = DummyAuthorizer(); auth.add_user(name, pw, a.root, perm='elr')
base = FTPHandler
if a.cert:
    from pyftpdlib.handlers import TLS_FTPHandler
    base = TLS_FTPHandler
class Handler(base):
    pass
if a.cert:
    Handler.certfile = a.cert; Handler.keyfile = a.key
    Handler.tls_control_required = True; Handler.tls_data_required = True
Handler.authorizer = auth
lo, hi = a.pasv.split('-'); Handler.passive_ports = range(int(lo), int(hi) + 1)
if a.masq: Handler.masquerade_address = a.masq
Handler.timeout = 60
class Port20DTP(ActiveDTP):
    timeout = 10
    def create_socket(self, family, type):
        super().create_socket(family, type)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    def connect_af_unspecified(self, addr, source_address=None):
        return super().connect_af_unspecified(addr, (source_address[0], 20) if a.port20 and source_address else source_address)
Handler.active_dtp = Port20DTP
srv = FTPServer(('0.0.0.0', 21), Handler)
print('{"event":"listening","host":"0.0.0.0","port":21,"server":"pyftpdlib"}', flush=True)
srv.serve_forever()
`;

/** Starts the server in namespace ns on 0.0.0.0:21; resolves once it listens. */
export async function startServer(ns: string, opts: ServerOptions, workDir: string, kind: ServerKind = chooseServerKind()): Promise<RunningServer> {
  let argv: string[];
  if (kind === 'ftpgate') {
    argv = [process.execPath, MAIN_JS, 'serve', '--listen', '0.0.0.0:21', '--root', opts.root, '--user', `${opts.user}:${opts.password}`, '--pasv-ports', `${opts.pasvPorts.min}-${opts.pasvPorts.max}`];
    if (opts.pasvAddress) argv.push('--pasv-address', opts.pasvAddress);
    argv.push('--active-source-port', opts.activeSourcePort20 ? '20' : 'ephemeral');
    if (opts.tls) argv.push('--tls-cert', opts.tls.cert, '--tls-key', opts.tls.key);
  } else {
    const script = join(workDir, 'pyftpd-server.py');
    await writeFile(script, PYFTPD_SCRIPT);
    argv = ['/usr/bin/python3', script, '--root', opts.root, '--user', `${opts.user}:${opts.password}`, '--pasv', `${opts.pasvPorts.min}-${opts.pasvPorts.max}`];
    if (opts.pasvAddress) argv.push('--masq', opts.pasvAddress);
    if (opts.activeSourcePort20) argv.push('--port20');
    if (opts.tls) argv.push('--cert', opts.tls.cert, '--key', opts.tls.key);
  }
  const child: ChildProcess = spawnIn(ns, argv);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const listening = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 10_000);
    const check = () => {
      if (/"event":"listening"/.test(out)) {
        clearTimeout(timer);
        resolve(true);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  if (!listening) {
    await stopChild(child, 200);
    throw new Error(`${kind} server did not start in the lab: ${argv.join(' ')}\n${out.slice(-2000)}`);
  }
  return { kind, argv, output: () => out, stop: () => stopChild(child, 1500) };
}
