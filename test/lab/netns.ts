// Network-namespace lifecycle for the lab: unique names per run, commands inside them, teardown on exit/signals, stale sweep.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { peer, pythonHas } from '../helpers/peers.js';

/** Every lab namespace starts with this; the pid of the owning process follows, so stale ones can be found. */
export const LAB_PREFIX = 'fgl';
const NAME_RE = /^fgl(\d+)x(\d+)-/;

export interface ExecResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface ExecOptions {
  input?: string;
  timeoutMs?: number;
  /** called for each stderr/stdout line as it arrives, with the ms since start */
  onLine?: (stream: 'stdout' | 'stderr', line: string, ms: number) => void;
}

/** Runs argv (no shell) and collects its output. */
export function exec(argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const partial = { stdout: '', stderr: '' };
    const feed = (which: 'stdout' | 'stderr', chunk: Buffer) => {
      const s = chunk.toString('utf8');
      if (which === 'stdout') stdout += s;
      else stderr += s;
      if (!opts.onLine) return;
      const ms = performance.now() - t0;
      const lines = (partial[which] + s).split('\n');
      partial[which] = lines.pop() ?? '';
      for (const l of lines) opts.onLine(which, l.replace(/\r$/, ''), ms);
    };
    child.stdout.on('data', (c: Buffer) => feed('stdout', c));
    child.stderr.on('data', (c: Buffer) => feed('stderr', c));
    let timer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs) timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const ms = performance.now() - t0;
      if (opts.onLine) {
        if (partial.stdout) opts.onLine('stdout', partial.stdout, ms);
        if (partial.stderr) opts.onLine('stderr', partial.stderr, ms);
      }
      resolve({ code, signal, stdout, stderr, ms });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/** Like exec, but throws with the command's stderr when it exits non-zero. */
export async function run(argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const r = await exec(argv, opts);
  if (r.code !== 0) throw new Error(`command failed (${r.code ?? r.signal}): ${argv.join(' ')}\n${r.stderr.trim()}`);
  return r;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function listNamespaces(): string[] {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (r.status !== 0) return [];
  return r.stdout.split('\n').map((l) => l.split(' ')[0]).filter(Boolean);
}

/** Kills every process still inside the namespace (by pid) and deletes it. Synchronous: usable from signal/exit handlers. */
function deleteNamespaceSync(name: string): void {
  const pids = spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8' });
  for (const p of (pids.stdout ?? '').split('\n').map((s) => Number(s)).filter((n) => n > 0)) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
}

/** Deletes lab namespaces left behind by lab processes that no longer exist. Returns the names removed. */
export function sweepStaleNamespaces(): string[] {
  const removed: string[] = [];
  for (const name of listNamespaces()) {
    const m = NAME_RE.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || pidAlive(pid)) continue;
    deleteNamespaceSync(name);
    removed.push(name);
  }
  return removed;
}

// ---- registry of everything this process created, torn down on exit and on SIGINT/SIGTERM ----
const liveNamespaces = new Set<string>();
const liveChildren = new Set<ChildProcess>();
let handlersInstalled = false;
let counter = 0;

function teardownAllSync(): void {
  for (const c of liveChildren) {
    try {
      if (c.pid) process.kill(c.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  liveChildren.clear();
  for (const n of liveNamespaces) deleteNamespaceSync(n);
  liveNamespaces.clear();
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', teardownAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      process.stderr.write(`\nlab: ${sig}: tearing down ${liveNamespaces.size} namespaces\n`);
      teardownAllSync();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

/** A fresh prefix for one lab instance: fgl<pid>x<n>- (two runs, or two labs in one run, never collide). */
export function newPrefix(): string {
  return `${LAB_PREFIX}${process.pid}x${++counter}-`;
}

/** Creates a namespace with loopback up and registers it for teardown. */
export async function createNamespace(name: string): Promise<void> {
  installHandlers();
  liveNamespaces.add(name);
  await run(['ip', 'netns', 'add', name]);
  await run(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
}

export async function deleteNamespace(name: string): Promise<void> {
  deleteNamespaceSync(name);
  liveNamespaces.delete(name);
}

/** Spawns a long-running process inside a namespace; it is killed at teardown if still alive. */
export function spawnIn(ns: string, argv: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  installHandlers();
  const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['pipe', 'pipe', 'pipe'], cwd: opts.cwd, env: opts.env });
  liveChildren.add(child);
  child.on('exit', () => liveChildren.delete(child));
  child.stdin?.on('error', () => {});
  return child;
}

/** Stops a spawned child: SIGTERM, then SIGKILL after graceMs; resolves when it has exited. */
export function stopChild(child: ChildProcess, graceMs = 1000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(() => {
      try {
        child.kill('SIGKILL');
      } catch {
        /* gone */
      }
    }, graceMs);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    try {
      child.kill('SIGTERM');
    } catch {
      /* gone */
    }
  });
}

/** Runs argv inside a namespace and collects the output. */
export function execIn(ns: string, argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return exec(['ip', 'netns', 'exec', ns, ...argv], opts);
}

export function runIn(ns: string, argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return run(['ip', 'netns', 'exec', ns, ...argv], opts);
}

/** Why the lab cannot run here, or null when it can: root, ip, and the peers of test/helpers/peers.ts (nft, curl, openssl, python3 with pyftpdlib). */
export function labUnavailableReason(): string | null {
  if (process.platform !== 'linux') return 'the lab needs Linux network namespaces';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'the lab needs root (network namespaces, nftables)';
  const ip = spawnSync('ip', ['-V'], { stdio: 'ignore' });
  if (ip.error || ip.status !== 0) return 'missing: ip (iproute2)';
  for (const name of ['nft', 'curl', 'openssl', 'python3'] as const) if (!peer(name)) return `missing peer: ${name} (run: bash scripts/install-peers.sh)`;
  if (!pythonHas('pyftpdlib')) return 'missing peer: python3-pyftpdlib (run: bash scripts/install-peers.sh)';
  const stdbuf = spawnSync('stdbuf', ['--version'], { stdio: 'ignore' });
  if (stdbuf.error || stdbuf.status !== 0) return 'missing: stdbuf (coreutils)';
  return null;
}
