// Network namespaces for the firewall tests: unique fgr-<pid>-<n> names, a veth pair between two of them, teardown that always runs.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

let counter = 0;
const live = new Set<string>();
const children = new Set<ChildProcess>();

function cleanupAll(): void {
  for (const c of children) {
    try {
      c.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const n of live) spawnSync('ip', ['netns', 'del', n], { stdio: 'ignore' });
  live.clear();
}
process.once('exit', cleanupAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    cleanupAll();
    process.exit(130);
  });
}

/** Can this process create network namespaces and load nftables (root, ip, nft)? */
export function canUseNetns(): { ok: boolean; why: string } {
  if (process.getuid?.() !== 0) return { ok: false, why: 'network namespace tests need root' };
  for (const bin of ['ip', 'nft', 'iptables-restore']) {
    if (spawnSync('which', [bin], { stdio: 'ignore' }).status !== 0) return { ok: false, why: `${bin} is not installed (apt-get install iproute2 nftables iptables)` };
  }
  const probe = `fgr-${process.pid}-probe`;
  const r = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  spawnSync('ip', ['netns', 'del', probe], { stdio: 'ignore' });
  if (r.status !== 0) return { ok: false, why: `cannot create a network namespace: ${r.stderr.trim()}` };
  return { ok: true, why: '' };
}

export interface Sh {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs argv synchronously; `input` goes to stdin. */
export function sh(argv: string[], input?: string, timeoutMs = 30_000): Sh {
  const r = spawnSync(argv[0], argv.slice(1), { input, encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Like sh, but throws with the output when the exit code is not 0. */
export function must(argv: string[], input?: string): string {
  const r = sh(argv, input);
  if (r.code !== 0) throw new Error(`${argv.join(' ')} failed (exit ${r.code}):\n${r.stderr}${r.stdout}${input ? '\n--- input ---\n' + input : ''}`);
  return r.stdout;
}

/** A fresh, empty namespace with loopback up. Delete it with delNs (tests do so in an after hook). */
export function newNs(tag: string): string {
  const name = `fgr-${process.pid}-${++counter}${tag}`;
  must(['ip', 'netns', 'add', name]);
  live.add(name);
  must(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
  return name;
}

export function delNs(name: string): void {
  spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
  live.delete(name);
}

export function inNs(ns: string, argv: string[], input?: string, timeoutMs?: number): Sh {
  return sh(['ip', 'netns', 'exec', ns, ...argv], input, timeoutMs);
}

/** A veth pair created directly inside the two namespaces (no name clash with concurrent runs), addresses 10.99.0.1 and .2. */
export function linkPair(server: string, client: string, serverIp = '10.99.0.1', clientIp = '10.99.0.2'): void {
  must(['ip', 'link', 'add', 'fgrs', 'netns', server, 'type', 'veth', 'peer', 'name', 'fgrc', 'netns', client]);
  must(['ip', '-n', server, 'addr', 'add', `${serverIp}/24`, 'dev', 'fgrs']);
  must(['ip', '-n', client, 'addr', 'add', `${clientIp}/24`, 'dev', 'fgrc']);
  must(['ip', '-n', server, 'link', 'set', 'fgrs', 'up']);
  must(['ip', '-n', client, 'link', 'set', 'fgrc', 'up']);
}

/** A veth pair between two namespaces with the given interface names and IPv4 addresses (/24), both up. */
export function veth(a: string, aName: string, aIp: string, b: string, bName: string, bIp: string): void {
  must(['ip', 'link', 'add', aName, 'netns', a, 'type', 'veth', 'peer', 'name', bName, 'netns', b]);
  must(['ip', '-n', a, 'addr', 'add', `${aIp}/24`, 'dev', aName]);
  must(['ip', '-n', b, 'addr', 'add', `${bIp}/24`, 'dev', bName]);
  must(['ip', '-n', a, 'link', 'set', aName, 'up']);
  must(['ip', '-n', b, 'link', 'set', bName, 'up']);
}

/** Starts a long-running process inside a namespace; resolves once a stdout line contains `ready`. Killed by stopChild or at exit. */
export function startIn(ns: string, argv: string[], ready: string, timeoutMs = 10_000): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${argv.join(' ')} did not print "${ready}" in ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes(ready)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${argv.join(' ')} exited (${code}) before it was ready:\n${out}`));
    });
  });
}

export function stopChild(c: ChildProcess | undefined): void {
  if (!c) return;
  c.kill('SIGKILL');
  children.delete(c);
}
