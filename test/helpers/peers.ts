// Real third-party test peers: where their binaries are, skip-or-fail when missing, and a child-process runner with a timeout.
//
//   peer('curl')            -> '/usr/bin/curl' or undefined when missing
//   requirePeer(t, 'lftp')  -> the path, or (locally) t.skip() + loud message and undefined; with CI=true it throws
//   run('/usr/bin/curl', [...], { timeoutMs: 60000 }) -> { code, signal, stdout, stderr, timedOut }
//   peerEnv('vsftpd')       -> env with LD_LIBRARY_PATH for a server unpacked into .peers/ by scripts/install-peers.sh
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type PeerName = 'curl' | 'lftp' | 'wget' | 'python3' | 'openssl' | 'nft' | 'tmux' | 'tcpdump'
  | 'vsftpd' | 'pure-ftpd' | 'pure-pw' | 'proftpd';

/** The repository root (works from test/helpers/*.ts and from dist/test/helpers/*.js). */
export function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(d, 'package.json'))) return d;
    d = dirname(d);
  }
  throw new Error('repository root (package.json) not found above ' + fileURLToPath(import.meta.url));
}

/** Folder where scripts/install-peers.sh unpacks the conflicting FTP servers. */
export function peersDir(): string {
  return join(repoRoot(), '.peers');
}

const SYSTEM: Record<string, string[]> = {
  curl: ['/usr/bin/curl'],
  lftp: ['/usr/bin/lftp'],
  wget: ['/usr/bin/wget'],
  // Debian's python3 (has python3-pyftpdlib), never the pyenv one on PATH.
  python3: ['/usr/bin/python3'],
  openssl: ['/usr/bin/openssl'],
  nft: ['/usr/sbin/nft'],
  tmux: ['/usr/bin/tmux'],
  tcpdump: ['/usr/bin/tcpdump', '/usr/sbin/tcpdump'],
};

/** Unpacked servers: peer name -> [folder under .peers, binary inside it]. */
const UNPACKED: Record<string, [string, string]> = {
  vsftpd: ['vsftpd', 'usr/sbin/vsftpd'],
  'pure-ftpd': ['pure-ftpd', 'usr/sbin/pure-ftpd'],
  'pure-pw': ['pure-ftpd', 'usr/bin/pure-pw'],
  proftpd: ['proftpd', 'usr/sbin/proftpd'],
};

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The unpacked tree of a server peer (e.g. .peers/proftpd), or undefined. */
export function peerTree(name: PeerName): string | undefined {
  const u = UNPACKED[name];
  if (!u) return undefined;
  const dir = join(peersDir(), u[0]);
  return existsSync(join(dir, '.complete')) ? dir : undefined;
}

/** Absolute path of a peer binary, or undefined when it is not installed. */
export function peer(name: PeerName): string | undefined {
  const u = UNPACKED[name];
  if (u) {
    const tree = peerTree(name);
    if (!tree) return undefined;
    const p = join(tree, u[1]);
    return executable(p) ? resolve(p) : undefined;
  }
  return (SYSTEM[name] ?? []).find(executable);
}

/** Environment for running a peer: LD_LIBRARY_PATH pointing into its unpacked tree (for libraries not installed system-wide). */
export function peerEnv(name: PeerName, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const tree = peerTree(name);
  if (!tree) return { ...base };
  const libs = [join(tree, 'usr/lib/x86_64-linux-gnu'), join(tree, 'lib/x86_64-linux-gnu')];
  return { ...base, LD_LIBRARY_PATH: [...libs, base.LD_LIBRARY_PATH].filter(Boolean).join(':') };
}

/** Is Debian's python3 there with the given modules importable (e.g. 'pyftpdlib', 'OpenSSL')? Cached. */
const pyCache = new Map<string, boolean>();
export function pythonHas(...modules: string[]): boolean {
  const key = modules.join(',');
  const hit = pyCache.get(key);
  if (hit !== undefined) return hit;
  const py = peer('python3');
  let ok = false;
  if (py) {
    ok = spawnSync(py, ['-c', modules.map((m) => `import ${m}`).join('; ') || 'pass'], { stdio: 'ignore' }).status === 0;
  }
  pyCache.set(key, ok);
  return ok;
}

/** Is the test user that vsftpd/ProFTPD/pure-ftpd log in as present (created by install-peers.sh)? */
export function haveTestUser(): boolean {
  try {
    return readFileSync('/etc/passwd', 'utf8').split('\n').some((l) => l.startsWith(TEST_USER + ':'));
  } catch {
    return false;
  }
}
export const TEST_USER = 'ftpgate-test';
export const TEST_PASSWORD = 'ftpgate-test-pw';

/** Minimal view of node:test's TestContext that we need (skip). */
export interface Skippable {
  skip(message?: string): void;
}

/**
 * Make sure a peer exists. Returns its path. When missing: with CI=true throws (the test fails),
 * otherwise prints a loud message, calls t.skip() and returns undefined (the caller must `return`).
 * `extra` is an additional condition (e.g. pythonHas('pyftpdlib')) with its own description.
 */
export function requirePeer(t: Skippable, name: PeerName, extra?: { ok: boolean; what: string }): string | undefined {
  const p = peer(name);
  let missing: string | undefined;
  if (!p) missing = `${name} is not installed (run: bash scripts/install-peers.sh)`;
  else if (extra && !extra.ok) missing = `${extra.what} is missing (run: bash scripts/install-peers.sh)`;
  if (!missing) return p;
  if (process.env.CI === 'true') throw new Error(`required test peer missing (CI=true): ${missing}`);
  const msg = `!!!!! SKIPPED: test peer ${missing}`;
  console.error('\n' + '!'.repeat(msg.length) + '\n' + msg + '\n' + '!'.repeat(msg.length));
  t.skip(msg);
  return undefined;
}

/** Skip-or-fail on an arbitrary condition (same policy as requirePeer). Returns true when the test may go on. */
export function requireCondition(t: Skippable, ok: boolean, what: string): boolean {
  if (ok) return true;
  if (process.env.CI === 'true') throw new Error(`required test condition missing (CI=true): ${what}`);
  const msg = `!!!!! SKIPPED: ${what}`;
  console.error('\n' + msg);
  t.skip(msg);
  return false;
}

export interface RunOptions extends Omit<SpawnOptions, 'stdio'> {
  /** Kill the child (SIGKILL, whole process group) after this many ms. Default 60000. */
  timeoutMs?: number;
  /** Data written to stdin, then stdin is closed. */
  input?: string | Buffer;
  /** Keep at most this many bytes of stdout/stderr each (default 4 MiB). */
  maxOutput?: number;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Run a command to completion; never rejects for a non-zero exit (look at `code`). Rejects only when it cannot start. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const { timeoutMs = 60_000, input, maxOutput = 4 * 1024 * 1024, ...spawnOpts } = opts;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { ...spawnOpts, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout!.on('data', (d: Buffer) => {
      if (stdout.length < maxOutput) stdout += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < maxOutput) stderr += d.toString();
    });
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr, timedOut });
    });
    child.stdin!.on('error', () => {});
    if (input !== undefined) child.stdin!.end(input);
    else child.stdin!.end();
  });
}

/** Human-readable summary of a run, for assertion messages. */
export function describeRun(cmd: string, args: string[], r: RunResult): string {
  return `${cmd} ${args.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}\n` +
    `exit=${r.code} signal=${r.signal}${r.timedOut ? ' TIMED OUT' : ''}\n--- stdout ---\n${r.stdout.slice(-3000)}\n--- stderr ---\n${r.stderr.slice(-3000)}`;
}
