// Starts real third-party FTP servers (vsftpd, pure-ftpd, ProFTPD, pyftpdlib) on loopback for interop tests.
//
// API (all four behave the same way; see ThirdPartyOptions / ThirdPartyServer below):
//
//   import { startThirdPartyServer, thirdPartyAvailable } from '../helpers/third-party-servers.js';
//   if (!requireCondition(t, thirdPartyAvailable('vsftpd'), 'vsftpd (bash scripts/install-peers.sh)')) return;
//   const s = await startThirdPartyServer('vsftpd', { pasvPorts: { min: 53000, max: 53009 }, tls: true });
//   // s.host '127.0.0.1', s.port, s.user, s.password, s.root (files you put there are served),
//   // s.url 'ftp://user:pass@127.0.0.1:port/', s.tls?.ca (PEM file to trust), s.requiresTlsReuse
//   ...
//   await s.stop();   // kills the daemon (whole process group) and removes the temp dirs it created
//
// Options:
//   pasvPorts           passive port range (required; use the range assigned to your tests)
//   host                '127.0.0.1' (default) or '::1'
//   root                an existing directory to serve (default: a fresh temp dir). It is chowned to the
//                       ftpgate-test user for the C servers (they drop privileges to it).
//   tls                 false (default) | true (explicit AUTH TLS offered, plain allowed) | 'required'
//                       (login and data must be protected). Self-signed cert made by openssl in a temp dir.
//   tlsSessionReuse     vsftpd/ProFTPD: require TLS session reuse on data connections (default true, as
//                       their defaults). pure-ftpd and pyftpdlib never require it.
//   pasvDisabled        PASV and EPSV refused (vsftpd pasv_enable=NO, ProFTPD <Limit PASV EPSV>,
//                       pyftpdlib 502). pure-ftpd cannot disable passive mode: throws.
//   masqueradeAddress   address advertised in PASV replies (vsftpd pasv_address, pure-ftpd -P, ProFTPD
//                       MasqueradeAddress, pyftpdlib masquerade_address) — e.g. a bogus '10.255.255.1'.
//   anonymous           log in as 'anonymous' (any password) instead of the test user. Read-only
//                       on vsftpd/ProFTPD, read-write on pyftpdlib; pure-ftpd: throws.
//   removeCommands      pyftpdlib only (others throw): verbs deleted from the handler's proto_cmds, so the server
//                       answers them `500 Command "EPRT" not understood.` like a server that never implemented them.
//   protocolLog         pyftpdlib only (others throw; vsftpd logs its protocol anyway): log every command and reply
//                       at DEBUG level into log(), as `<- EPRT |1|127.0.0.1|55201|` and `-> 500 Command ...`.
//
// The C servers need the ftpgate-test system user and the .peers/ trees, both made by
// scripts/install-peers.sh (run by `npm test`); pyftpdlib needs Debian's python3-pyftpdlib (+ python3-openssl for TLS).
// Every server is verified at start by waiting for its 220 greeting.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync, lstatSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { peer, peerEnv, peerTree, pythonHas, haveTestUser, TEST_USER, TEST_PASSWORD } from './peers.js';
import { tempDir, type TempDir } from './files.js';

export type ThirdPartyKind = 'vsftpd' | 'pure-ftpd' | 'proftpd' | 'pyftpdlib';
export const THIRD_PARTY_KINDS: readonly ThirdPartyKind[] = ['vsftpd', 'pure-ftpd', 'proftpd', 'pyftpdlib'];

export interface ThirdPartyOptions {
  pasvPorts: { min: number; max: number };
  host?: '127.0.0.1' | '::1';
  root?: string;
  tls?: boolean | 'required';
  tlsSessionReuse?: boolean;
  pasvDisabled?: boolean;
  masqueradeAddress?: string;
  anonymous?: boolean;
  removeCommands?: string[];
  protocolLog?: boolean;
}

export interface ThirdPartyServer {
  kind: ThirdPartyKind;
  host: string;
  port: number;
  user: string;
  password: string;
  /** Directory served as '/'. */
  root: string;
  /** ftp://user:password@host:port/ (IPv6 host in brackets). */
  url: string;
  /** Present when TLS is on: `ca` is the self-signed certificate to trust (same file as `cert`). */
  tls?: { cert: string; key: string; ca: string; required: boolean };
  /** True when the server refuses data connections that do not reuse the control connection's TLS session. */
  requiresTlsReuse: boolean;
  pid: number;
  /** Server output and log files so far (for assertion messages). */
  log(): string;
  stop(): Promise<void>;
}

/** Can this server be started here (binary + user/python modules present)? */
export function thirdPartyAvailable(kind: ThirdPartyKind, opts: { tls?: boolean } = {}): boolean {
  if (kind === 'pyftpdlib') return pythonHas('pyftpdlib', ...(opts.tls ? ['OpenSSL'] : []));
  if (!haveTestUser()) return false;
  if (kind === 'vsftpd') return peer('vsftpd') !== undefined;
  if (kind === 'pure-ftpd') return peer('pure-ftpd') !== undefined && peer('pure-pw') !== undefined;
  return peer('proftpd') !== undefined;
}

/** A free TCP port on host (bind 0, read, close). There is a small race; start() retries on bind failure. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function testUid(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(TEST_USER + ':'));
  if (!line) throw new Error(`user ${TEST_USER} missing: run bash scripts/install-peers.sh`);
  const f = line.split(':');
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

/** chown -R (no symlink following) so the unprivileged server user can write. */
function chownTree(path: string, uid: number, gid: number): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return;
  chownSync(path, uid, gid);
  if (st.isDirectory()) for (const n of readdirSync(path)) chownTree(join(path, n), uid, gid);
}

/** A self-signed certificate (CN=localhost, SAN 127.0.0.1, ::1, localhost) written as cert.pem/key.pem into dir. */
export function makeCert(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const r = spawnSync(peer('openssl') ?? 'openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost'], { stdio: 'pipe' });
  if (r.status !== 0) throw new Error('openssl could not make a test certificate: ' + r.stderr.toString());
  return { cert, key };
}

/** Wait until host:port answers with a 220 greeting. */
async function waitGreeting(host: string, port: number, child: ChildProcess, out: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited (${child.exitCode ?? child.signalCode}) before greeting:\n${out()}`);
    const got = await new Promise<string>((resolve) => {
      const s = connect({ host, port });
      let buf = '';
      const done = (v: string) => { s.destroy(); resolve(v); };
      s.setTimeout(2000, () => done(buf || 'timeout'));
      s.on('data', (d) => { buf += d.toString(); if (/\r?\n/.test(buf)) done(buf); });
      s.on('error', (e) => done('error ' + e.message));
    });
    if (/^220[ -]/.test(got)) return;
    last = got;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no 220 greeting from ${host}:${port} (last: ${last.trim()}):\n${out()}`);
}

interface Prepared {
  cmd: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Log files to append to log(). */
  logs: string[];
  user: string;
  password: string;
  /** pyftpdlib prints READY <port>; the others listen on the chosen port. */
  printsPort?: boolean;
  requiresTlsReuse: boolean;
}

function vsftpdConfig(o: Required<Pick<ThirdPartyOptions, 'pasvPorts'>> & ThirdPartyOptions, host: string, port: number, root: string, work: string,
  tls?: { cert: string; key: string }): string {
  const empty = join(work, 'empty');
  mkdirSync(empty, { mode: 0o755 });
  const v6 = host.includes(':');
  const lines = [
    'listen=' + (v6 ? 'NO' : 'YES'),
    'listen_ipv6=' + (v6 ? 'YES' : 'NO'),
    v6 ? `listen_address6=${host}` : `listen_address=${host}`,
    `listen_port=${port}`,
    'background=NO',
    'seccomp_sandbox=NO',
    'tcp_wrappers=NO',
    'userlist_enable=NO',
    'use_localtime=NO',
    'syslog_enable=NO',
    'xferlog_enable=YES',
    'log_ftp_protocol=YES',
    `vsftpd_log_file=${join(work, 'vsftpd.log')}`,
    `secure_chroot_dir=${empty}`,
    `pam_service_name=ftpgate-test-vsftpd`, // no such file in /etc/pam.d: PAM uses 'other' (pam_unix)
    `ftp_username=${TEST_USER}`,
    `nopriv_user=${TEST_USER}`,
    'local_umask=022',
    'write_enable=YES',
    'chroot_local_user=YES',
    'allow_writeable_chroot=YES',
    `local_root=${root}`,
    `anon_root=${root}`,
    o.anonymous ? 'anonymous_enable=YES' : 'anonymous_enable=NO',
    'no_anon_password=YES',
    o.anonymous ? 'local_enable=NO' : 'local_enable=YES',
    `pasv_enable=${o.pasvDisabled ? 'NO' : 'YES'}`,
    `pasv_min_port=${o.pasvPorts.min}`,
    `pasv_max_port=${o.pasvPorts.max}`,
    'port_enable=YES',
    'connect_from_port_20=NO',
    'max_per_ip=50',
  ];
  if (o.masqueradeAddress) lines.push(`pasv_address=${o.masqueradeAddress}`, 'pasv_addr_resolve=NO');
  if (tls) {
    lines.push('ssl_enable=YES', `rsa_cert_file=${tls.cert}`, `rsa_private_key_file=${tls.key}`,
      'ssl_tlsv1=YES', 'ssl_sslv2=NO', 'ssl_sslv3=NO', 'allow_anon_ssl=YES',
      `require_ssl_reuse=${o.tlsSessionReuse === false ? 'NO' : 'YES'}`,
      `force_local_logins_ssl=${o.tls === 'required' ? 'YES' : 'NO'}`,
      `force_local_data_ssl=${o.tls === 'required' ? 'YES' : 'NO'}`,
      `force_anon_logins_ssl=${o.tls === 'required' ? 'YES' : 'NO'}`,
      `force_anon_data_ssl=${o.tls === 'required' ? 'YES' : 'NO'}`);
  }
  return lines.join('\n') + '\n';
}

function prepareVsftpd(o: ThirdPartyOptions, host: string, port: number, root: string, work: string, tls?: { cert: string; key: string }): Prepared {
  const conf = join(work, 'vsftpd.conf');
  writeFileSync(conf, vsftpdConfig(o, host, port, root, work, tls));
  return {
    cmd: peer('vsftpd')!, args: [conf], env: peerEnv('vsftpd'), logs: [join(work, 'vsftpd.log')],
    user: o.anonymous ? 'anonymous' : TEST_USER, password: o.anonymous ? 'test@example.org' : TEST_PASSWORD,
    requiresTlsReuse: !!tls && o.tlsSessionReuse !== false,
  };
}

/** SHA-512 crypt hash via openssl (for pure-ftpd's puredb and ProFTPD's AuthUserFile). */
function cryptHash(password: string): string {
  const r = spawnSync(peer('openssl') ?? 'openssl', ['passwd', '-6', '-stdin'], { input: password + '\n' });
  if (r.status !== 0) throw new Error('openssl passwd failed: ' + r.stderr.toString());
  return r.stdout.toString().trim();
}

const VUSER = 'tester';
const VPASS = 'tester-pw-1';

function preparePureFtpd(o: ThirdPartyOptions, host: string, port: number, root: string, work: string, tls?: { cert: string; key: string }): Prepared {
  if (o.pasvDisabled) throw new Error('pure-ftpd cannot disable passive mode (no such option)');
  if (o.anonymous) throw new Error('pure-ftpd anonymous mode is not supported by this helper (needs an "ftp" system user)');
  const { uid, gid } = testUid();
  const passwd = join(work, 'pureftpd.passwd');
  const pdb = join(work, 'pureftpd.pdb');
  // Virtual user chrooted to root ("/./" suffix = chroot point).
  writeFileSync(passwd, `${VUSER}:${cryptHash(VPASS)}:${uid}:${gid}::${root}/./::::::::::::\n`, { mode: 0o600 });
  const r = spawnSync(peer('pure-pw')!, ['mkdb', pdb, '-f', passwd], { env: peerEnv('pure-ftpd') });
  if (r.status !== 0) throw new Error('pure-pw mkdb failed: ' + r.stderr.toString());
  const args = [
    '-S', `${host},${port}`,
    '-p', `${o.pasvPorts.min}:${o.pasvPorts.max}`,
    '-E', // no anonymous
    '-l', `puredb:${pdb}`,
    '-A', // chroot everyone
    '-H', // no DNS
    '-u', '1', // allow uid >= 1
    '-U', '133:022',
    '-C', '50', '-c', '50',
    '-d', // verbose (syslog)
  ];
  if (o.masqueradeAddress) args.push('-P', o.masqueradeAddress);
  if (tls) args.push('-Y', o.tls === 'required' ? '3' : '1', '-2', `${tls.cert},${tls.key}`);
  return { cmd: peer('pure-ftpd')!, args, env: peerEnv('pure-ftpd'), logs: [], user: VUSER, password: VPASS, requiresTlsReuse: false };
}

function prepareProftpd(o: ThirdPartyOptions, host: string, port: number, root: string, work: string, tls?: { cert: string; key: string }): Prepared {
  const { uid, gid } = testUid();
  const tree = peerTree('proftpd')!;
  const passwd = join(work, 'ftpd.passwd');
  const group = join(work, 'ftpd.group');
  writeFileSync(passwd, `${VUSER}:${cryptHash(VPASS)}:${uid}:${gid}::${root}:/bin/false\n`, { mode: 0o600 });
  writeFileSync(group, `${TEST_USER}:x:${gid}:\n`, { mode: 0o644 });
  const v6 = host.includes(':');
  const lines = [
    'ServerType standalone',
    'ServerName "ftpgate-test ProFTPD"',
    `Port ${port}`,
    `DefaultAddress ${host}`,
    'SocketBindTight on',
    `UseIPv6 ${v6 ? 'on' : 'off'}`,
    `User ${TEST_USER}`,
    `Group ${TEST_USER}`,
    'Umask 022',
    `PidFile ${join(work, 'proftpd.pid')}`,
    `ScoreboardFile ${join(work, 'proftpd.scoreboard')}`,
    'DelayTable none',
    'WtmpLog off',
    'UseReverseDNS off',
    'RequireValidShell off',
    'AuthPAM off',
    'AuthOrder mod_auth_file.c',
    `AuthUserFile ${passwd}`,
    `AuthGroupFile ${group}`,
    'DefaultRoot ~',
    `PassivePorts ${o.pasvPorts.min} ${o.pasvPorts.max}`,
    'AllowOverwrite on',
    'MaxInstances 50',
    `SystemLog ${join(work, 'proftpd.log')}`,
    'TransferLog none',
    `ModulePath ${join(tree, 'usr/lib/proftpd')}`,
  ];
  if (o.masqueradeAddress) lines.push(`MasqueradeAddress ${o.masqueradeAddress}`);
  if (o.pasvDisabled) lines.push('<Limit PASV EPSV>', '  DenyAll', '</Limit>');
  if (o.anonymous) {
    lines.push(`<Anonymous ${root}>`, `  User ${VUSER}`, `  Group ${TEST_USER}`, '  UserAlias anonymous ' + VUSER,
      '  RequireValidShell off', '  <Limit WRITE>', '    DenyAll', '  </Limit>', '</Anonymous>');
  }
  if (tls) {
    lines.push('LoadModule mod_tls.c', 'TLSEngine on', `TLSLog ${join(work, 'tls.log')}`, 'TLSProtocol TLSv1.2 TLSv1.3',
      `TLSRSACertificateFile ${tls.cert}`, `TLSRSACertificateKeyFile ${tls.key}`, 'TLSVerifyClient off',
      `TLSRequired ${o.tls === 'required' ? 'on' : 'off'}`);
    if (o.tlsSessionReuse === false) lines.push('TLSOptions NoSessionReuseRequired');
  }
  const conf = join(work, 'proftpd.conf');
  writeFileSync(conf, lines.join('\n') + '\n');
  return {
    cmd: peer('proftpd')!, args: ['-n', '-q', '-c', conf], env: peerEnv('proftpd'),
    logs: [join(work, 'proftpd.log'), join(work, 'tls.log')],
    user: o.anonymous ? 'anonymous' : VUSER, password: o.anonymous ? 'test@example.org' : VPASS,
    requiresTlsReuse: !!tls && o.tlsSessionReuse !== false,
  };
}

const PYFTPD_SCRIPT = `
import sys, json
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer
cfg = json.loads(sys.argv[1])
auth = DummyAuthorizer()
if cfg['anonymous']:
    auth.add_anonymous(cfg['root'], perm='elradfmwMT')
else:
    auth.add_user(cfg['user'], cfg['password'], cfg['root'], perm='elradfmwMT')
if cfg.get('tls'):
    from pyftpdlib.handlers import TLS_FTPHandler
    base = TLS_FTPHandler
else:
    base = FTPHandler
class H(base):
    pass
H.authorizer = auth
H.passive_ports = list(range(cfg['pasvMin'], cfg['pasvMax'] + 1))
H.permit_foreign_addresses = False
H.banner = 'pyftpdlib test server ready.'
if cfg.get('masquerade'):
    H.masquerade_address = cfg['masquerade']
if cfg.get('tls'):
    H.certfile = cfg['cert']
    H.keyfile = cfg['key']
    if cfg['tls'] == 'required':
        H.tls_control_required = True
        H.tls_data_required = True
def refuse(self, line):
    self.respond('502 Passive mode disabled by test configuration.')
if cfg.get('pasvDisabled'):
    H.ftp_PASV = refuse
    H.ftp_EPSV = refuse
if cfg.get('removeCommands'):
    H.proto_cmds = {k: v for k, v in base.proto_cmds.items() if k not in cfg['removeCommands']}
if cfg.get('protocolLog'):
    import logging
    from pyftpdlib.log import config_logging
    config_logging(level=logging.DEBUG)
srv = FTPServer((cfg['host'], 0), H)
print('READY %d' % srv.socket.getsockname()[1], flush=True)
srv.serve_forever(timeout=0.5)
`;

function preparePyftpdlib(o: ThirdPartyOptions, host: string, root: string, tls?: { cert: string; key: string }): Prepared {
  const user = o.anonymous ? 'anonymous' : VUSER;
  const password = o.anonymous ? 'test@example.org' : VPASS;
  const cfg = {
    host, root, user, password, anonymous: !!o.anonymous, pasvMin: o.pasvPorts.min, pasvMax: o.pasvPorts.max,
    masquerade: o.masqueradeAddress, pasvDisabled: !!o.pasvDisabled,
    removeCommands: (o.removeCommands ?? []).map((c) => c.toUpperCase()), protocolLog: !!o.protocolLog,
    tls: tls ? (o.tls === 'required' ? 'required' : 'explicit') : undefined, cert: tls?.cert, key: tls?.key,
  };
  return {
    cmd: peer('python3')!, args: ['-c', PYFTPD_SCRIPT, JSON.stringify(cfg)], env: { ...process.env, PYTHONUNBUFFERED: '1' },
    logs: [], user, password, printsPort: true, requiresTlsReuse: false,
  };
}

function killGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, sig);
  } catch {
    try { child.kill(sig); } catch { /* gone */ }
  }
}

/** Start one server; throws with its output when it does not come up. */
export async function startThirdPartyServer(kind: ThirdPartyKind, o: ThirdPartyOptions): Promise<ThirdPartyServer> {
  if (!thirdPartyAvailable(kind, { tls: !!o.tls })) throw new Error(`${kind} is not available here (run: bash scripts/install-peers.sh)`);
  if (kind !== 'pyftpdlib' && (o.removeCommands?.length || o.protocolLog)) {
    throw new Error(`removeCommands and protocolLog are pyftpdlib options; ${kind} does not support them here`);
  }
  const host = o.host ?? '127.0.0.1';
  let lastErr: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(kind, o, host);
    } catch (e) {
      lastErr = e;
      if (!/bind|in use|EADDRINUSE|greeting/i.test(String(e))) throw e;
    }
  }
  throw lastErr;
}

async function startOnce(kind: ThirdPartyKind, o: ThirdPartyOptions, host: string): Promise<ThirdPartyServer> {
  const work: TempDir = tempDir(`fg-${kind}-`, { worldReadable: true });
  let rootDir: TempDir | undefined;
  let child: ChildProcess | undefined;
  try {
    let root = o.root;
    if (!root) {
      rootDir = tempDir(`fg-${kind}-root-`, { worldReadable: true });
      root = rootDir.path;
    }
    if (!existsSync(root) || !statSync(root).isDirectory()) throw new Error(`root ${root} is not a directory`);
    // vsftpd refuses an anonymous chroot the ftp user can write to: leave it root-owned (read-only) then.
    if (kind !== 'pyftpdlib' && !(kind === 'vsftpd' && o.anonymous)) {
      const { uid, gid } = testUid();
      chownTree(root, uid, gid);
    }
    const tls = o.tls ? makeCert(work.path) : undefined;
    const port = kind === 'pyftpdlib' ? 0 : await freePort(host);
    const p: Prepared =
      kind === 'vsftpd' ? prepareVsftpd(o, host, port, root, work.path, tls)
        : kind === 'pure-ftpd' ? preparePureFtpd(o, host, port, root, work.path, tls)
          : kind === 'proftpd' ? prepareProftpd(o, host, port, root, work.path, tls)
            : preparePyftpdlib(o, host, root, tls);
    child = spawn(p.cmd, p.args, { env: p.env, cwd: work.path, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    child.on('error', (e) => { out += `\nspawn error: ${e.message}`; });
    const log = () => out + p.logs.filter(existsSync).map((f) => `\n--- ${f} ---\n` + readFileSync(f, 'utf8').slice(-5000)).join('');
    let realPort = port;
    if (p.printsPort) {
      const deadline = Date.now() + 10_000;
      while (!/READY (\d+)/.test(out)) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${kind} did not start:\n${log()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      realPort = Number(/READY (\d+)/.exec(out)![1]);
    }
    await waitGreeting(host, realPort, child, log);
    const c = child;
    const wd = work;
    const rd = rootDir;
    let stopped: Promise<void> | undefined;
    const urlHost = host.includes(':') ? `[${host}]` : host;
    return {
      kind, host, port: realPort, user: p.user, password: p.password, root,
      url: `ftp://${encodeURIComponent(p.user)}:${encodeURIComponent(p.password)}@${urlHost}:${realPort}/`,
      tls: tls ? { ...tls, ca: tls.cert, required: o.tls === 'required' } : undefined,
      requiresTlsReuse: p.requiresTlsReuse,
      pid: c.pid!,
      log,
      stop: () => (stopped ??= new Promise<void>((resolve) => {
        const finish = () => { wd.cleanup(); rd?.cleanup(); resolve(); };
        if (c.exitCode !== null || c.signalCode !== null) { killGroup(c, 'SIGKILL'); return finish(); }
        const t = setTimeout(() => killGroup(c, 'SIGKILL'), 3000);
        c.once('exit', () => { clearTimeout(t); killGroup(c, 'SIGKILL'); finish(); });
        killGroup(c, 'SIGTERM');
      })),
    };
  } catch (e) {
    if (child && child.exitCode === null) killGroup(child, 'SIGKILL');
    work.cleanup();
    rootDir?.cleanup();
    throw e;
  }
}

// Re-exported for convenience of tests that build URLs with the system test user.
export { TEST_USER, TEST_PASSWORD };
