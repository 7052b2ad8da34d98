// Two network namespaces (fgc-s-N server side, fgc-c-N client side) joined by a veth pair on 10.98.N.0/24, with nftables per side.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface NsPair {
  server: string;
  client: string;
  serverAddr: string;
  clientAddr: string;
  /** Load an nftables ruleset (text for `nft -f -`) into one side. */
  nft(side: 'server' | 'client', ruleset: string): void;
  teardown(): void;
}

function sh(args: string[], input?: string): void {
  const r = spawnSync(args[0], args.slice(1), { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
}

export function canUseNetns(): boolean {
  if (process.getuid?.() !== 0 || !existsSync('/usr/sbin/nft')) return false;
  const probe = `fgc-probe-${process.pid}`;
  const ok = spawnSync('ip', ['netns', 'add', probe]).status === 0;
  if (ok) spawnSync('ip', ['netns', 'del', probe]);
  return ok;
}

const live = new Set<NsPair>();
process.on('exit', () => { for (const p of live) p.teardown(); });

export function createNsPair(): NsPair {
  // A number no other run is using (another test process may hold fgc-*-N right now: never delete those).
  const existing = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
  let n = 100 + (process.pid % 150);
  for (let i = 0; i < 150 && (existing.includes(`fgc-s-${n} `) || existing.includes(`fgc-s-${n}\n`) || existing.includes(`fgc-c-${n}`)); i++) n = 100 + ((n - 100 + 1) % 150);
  const server = `fgc-s-${n}`;
  const client = `fgc-c-${n}`;
  const pair: NsPair = {
    server, client, serverAddr: `10.98.${n}.1`, clientAddr: `10.98.${n}.2`,
    nft(side, ruleset) { sh(['ip', 'netns', 'exec', side === 'server' ? server : client, 'nft', '-f', '-'], ruleset); },
    teardown() {
      spawnSync('ip', ['netns', 'del', server]);
      spawnSync('ip', ['netns', 'del', client]);
      live.delete(pair);
    },
  };
  live.add(pair);
  try {
    sh(['ip', 'netns', 'add', server]);
    sh(['ip', 'netns', 'add', client]);
    sh(['ip', 'link', 'add', `fgc-vs${n}`, 'netns', server, 'type', 'veth', 'peer', 'name', `fgc-vc${n}`, 'netns', client]);
    sh(['ip', '-n', server, 'addr', 'add', `${pair.serverAddr}/24`, 'dev', `fgc-vs${n}`]);
    sh(['ip', '-n', client, 'addr', 'add', `${pair.clientAddr}/24`, 'dev', `fgc-vc${n}`]);
    for (const [ns, dev] of [[server, `fgc-vs${n}`], [client, `fgc-vc${n}`]]) {
      sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
      sh(['ip', '-n', ns, 'link', 'set', dev, 'up']);
    }
  } catch (err) {
    pair.teardown();
    throw err;
  }
  return pair;
}

/** Drop (silently) new TCP connections to `ports` arriving at that side; replies of its own connections still pass. */
export function dropInbound(ports: string): string {
  return `table inet fgc_block {
  chain input {
    type filter hook input priority 0; policy accept;
    ct state established accept
    tcp dport ${ports} drop
  }
}
`;
}
