// Test peers: vsftpd, pure-ftpd and ProFTPD unpacked by scripts/install-peers.sh, started per test file on loopback,
// with FTPS optional (vsftpd and ProFTPD require TLS session reuse on data connections), or vsftpd with implicit TLS.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { dirname, join, sep } from 'node:path';
import { peer, peerEnv, peerTree, haveTestUser, TEST_USER, TEST_PASSWORD, type PeerName } from '../../helpers/peers.js';
import { testCert } from './pyftpd.js';

export type CServer = 'vsftpd' | 'pure-ftpd' | 'proftpd';

export interface CServerOptions {
  /** Work directory (config, logs); the served root is `${dir}/root`, owned by the test user. */
  dir: string;
  pasvRange: [number, number];
  /** vsftpd only: TLS from the first byte (ftps://). */
  implicitTls?: boolean;
  /** vsftpd only: listen on this address (default 127.0.0.1) inside this network namespace. */
  host?: string;
  netns?: string;
}

export interface RunningCServer {
  name: CServer;
  host: string;
  port: number;
  root: string;
  user: string;
  password: string;
  /** PEM of the self-signed certificate (IP SAN 127.0.0.1) the tests trust. */
  ca: Buffer;
  log(): string;
  stop(): Promise<void>;
}

/** Why this server cannot run here, or null when it can. */
export function cServerMissing(name: CServer): string | null {
  if (!peer(name as PeerName)) return `${name} is not unpacked (run: bash scripts/install-peers.sh)`;
  if (!haveTestUser()) return `the ${TEST_USER} system user is missing (run: bash scripts/install-peers.sh as root)`;
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

function userIds(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(TEST_USER + ':'))!;
  const f = line.split(':');
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const { connect } = await import('node:net');
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}): ${log()}`);
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); r(true); });
      s.once('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not listen on ${port}: ${log()}`);
}

export async function startCServer(name: CServer, o: CServerOptions): Promise<RunningCServer> {
  const { cert, key } = testCert();
  const root = join(o.dir, 'root');
  mkdirSync(root, { recursive: true });
  // The test user must reach and write the root: temp dirs are 0700 root, so give o+x to the work dir and its
  // parents below the temp folder (vsftpd silently stays in the home directory when local_root is unreachable).
  for (let d = o.dir; d.startsWith(tmpdir() + sep) && d.length > tmpdir().length; d = dirname(d)) chmodSync(d, statSync(d).mode | 0o005);
  const { uid, gid } = userIds();
  chownSync(root, uid, gid);
  const port = await freePort();
  const [pmin, pmax] = o.pasvRange;
  let args: string[];
  let user = TEST_USER;
  let password = TEST_PASSWORD;
  const bin = peer(name as PeerName)!;
  if (name === 'vsftpd') {
    const conf = join(o.dir, 'vsftpd.conf');
    writeFileSync(conf, [
      'listen=YES', 'listen_ipv6=NO', `listen_address=${o.host ?? '127.0.0.1'}`, `listen_port=${port}`, 'background=NO',
      'anonymous_enable=NO', 'local_enable=YES', 'write_enable=YES', 'local_umask=022', `local_root=${root}`,
      'pasv_enable=YES', `pasv_min_port=${pmin}`, `pasv_max_port=${pmax}`, 'port_enable=YES', 'connect_from_port_20=NO',
      'seccomp_sandbox=NO', 'secure_chroot_dir=/var/run/vsftpd/empty', 'pam_service_name=ftpgate-test-none',
      'connect_timeout=5', 'accept_timeout=10', 'xferlog_enable=NO', `vsftpd_log_file=${join(o.dir, 'vsftpd.log')}`, 'max_per_ip=0',
      'ssl_enable=YES', `rsa_cert_file=${cert}`, `rsa_private_key_file=${key}`, 'ssl_ciphers=HIGH',
      // The point of this peer: data connections must resume the control connection's TLS session.
      'require_ssl_reuse=YES',
      ...(o.implicitTls ? ['implicit_ssl=YES', 'force_local_logins_ssl=YES', 'force_local_data_ssl=YES'] : ['force_local_logins_ssl=NO', 'force_local_data_ssl=NO']),
      '',
    ].join('\n'));
    args = [conf];
  } else if (name === 'pure-ftpd') {
    user = 'fgc';
    password = 'fgc-pw';
    const pw = join(o.dir, 'pureftpd.passwd');
    const pdb = join(o.dir, 'pureftpd.pdb');
    const r = spawnSync(peer('pure-pw')!, ['useradd', user, '-u', TEST_USER, '-d', root, '-f', pw], { input: `${password}\n${password}\n`, env: peerEnv('pure-ftpd') });
    if (r.status !== 0) throw new Error(`pure-pw failed: ${r.stderr}`);
    // pure-pw hashes with a deliberately slow KDF (seconds per login on a busy test machine); a SHA-512 crypt is enough here.
    const hash = spawnSync('openssl', ['passwd', '-6', password], { encoding: 'utf8' }).stdout.trim();
    const lines = readFileSync(pw, 'utf8').split('\n').map((l) => (l.startsWith(user + ':') ? l.split(':').map((f, i) => (i === 1 ? hash : f)).join(':') : l));
    writeFileSync(pw, lines.join('\n'));
    const m = spawnSync(peer('pure-pw')!, ['mkdb', pdb, '-f', pw], { env: peerEnv('pure-ftpd') });
    if (m.status !== 0) throw new Error(`pure-pw mkdb failed: ${m.stderr}`);
    const both = join(o.dir, 'pure-ftpd.pem');
    writeFileSync(both, readFileSync(key, 'utf8') + readFileSync(cert, 'utf8'));
    args = ['-S', `127.0.0.1,${port}`, '-l', `puredb:${pdb}`, '-E', '-H', '-A', '-p', `${pmin}:${pmax}`, '-Y', '1', '-2', both, '-g', join(o.dir, 'pure-ftpd.pid')];
  } else {
    const conf = join(o.dir, 'proftpd.conf');
    const tree = peerTree('proftpd')!;
    writeFileSync(conf, [
      'ServerType standalone', 'ServerName "ftpgate test ProFTPD"', `Port ${port}`, 'DefaultAddress 127.0.0.1', 'SocketBindTight on',
      'UseIPv6 off', 'User nobody', 'Group nogroup', `ModulePath ${join(tree, 'usr/lib/proftpd')}`, 'LoadModule mod_tls.c',
      `PassivePorts ${pmin} ${pmax}`, 'RequireValidShell off', 'AuthOrder mod_auth_unix.c', `DefaultRoot ${root}`,
      'WtmpLog off', 'UseReverseDNS off', `ScoreboardFile ${join(o.dir, 'scoreboard')}`, `PidFile ${join(o.dir, 'proftpd.pid')}`,
      'DelayTable none', 'TransferLog none', `SystemLog ${join(o.dir, 'proftpd.log')}`, 'AllowOverwrite on', 'Umask 022',
      '<IfModule mod_tls.c>', '  TLSEngine on', '  TLSRequired off', `  TLSRSACertificateFile ${cert}`, `  TLSRSACertificateKeyFile ${key}`,
      // ProFTPD requires TLS session reuse on data connections unless NoSessionReuseRequired is set; we keep the default.
      '  TLSVerifyClient off', `  TLSLog ${join(o.dir, 'tls.log')}`, '</IfModule>', '',
    ].join('\n'));
    args = ['-n', '-c', conf];
  }
  const out: string[] = [];
  if (o.netns && name !== 'vsftpd') throw new Error('only vsftpd runs in a namespace here');
  const child = o.netns
    ? spawn('ip', ['netns', 'exec', o.netns, bin, ...args], { env: peerEnv(name as PeerName), stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    : spawn(bin, args, { env: peerEnv(name as PeerName), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  // The daemons fork a process per session; stopping kills the whole process group so none outlives the test.
  const killGroup = (sig: NodeJS.Signals) => { try { process.kill(-child.pid!, sig); } catch { /* gone */ } };
  child.stdout!.on('data', (d: Buffer) => out.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => out.push(d.toString()));
  const log = () => {
    let extra = '';
    for (const f of ['vsftpd.log', 'proftpd.log', 'tls.log']) {
      try { extra += readFileSync(join(o.dir, f), 'utf8'); } catch { /* none */ }
    }
    return out.join('') + extra;
  };
  try {
    if (o.netns) {
      // The port is in another namespace: wait for the greeting from inside it.
      for (let i = 0; i < 100; i++) {
        if (child.exitCode !== null) throw new Error(`server exited early: ${log()}`);
        const r = spawnSync('ip', ['netns', 'exec', o.netns, 'bash', '-c', `exec 3<>/dev/tcp/${o.host}/${port} && head -c 3 <&3`], { encoding: 'utf8', timeout: 2000 });
        if (r.stdout.startsWith('220')) break;
        await new Promise((r2) => setTimeout(r2, 100));
      }
    } else await waitForPort(port, child, log);
  } catch (err) {
    killGroup('SIGKILL');
    throw err;
  }
  return {
    name, host: o.host ?? '127.0.0.1', port, root, user, password, ca: readFileSync(cert), log,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) { killGroup('SIGKILL'); return resolve(); }
      child.once('exit', () => { killGroup('SIGKILL'); resolve(); });
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), 3000).unref();
    }),
  };
}
