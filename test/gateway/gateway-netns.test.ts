// The gateway as the firewall that understands FTP, in the lab's namespaces: fw runs `ftpgate gateway` behind an nftables
// ruleset that opens only port 21 and the gateway's passive range and forwards nothing; the server accepts passive only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { Lab, PLANS, IFACE } from '../lab/topology.js';
import { execIn, runIn, spawnIn, stopChild } from '../lab/netns.js';
import { labGate } from '../lab/lab-runner.js';
import { startServer, type RunningServer } from '../lab/ftp-server.js';
import { mkdirSync } from 'node:fs';
import { tempDir, randomFile, sha256File, MiB, type TempDir } from '../helpers/files.js';

const MAIN_JS = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const plan = PLANS.public;
const GW_PASV = { min: 41000, max: 41009 };
const SRV_PASV = { min: 40000, max: 40009 };
const USER = 'labuser';
const PASS = 'lab-pw';

let skip: string | undefined;
let lab: Lab | undefined;
let work: TempDir;
let server: RunningServer | undefined;
let gateway: ChildProcess | undefined;
let gatewayOut = '';
let sha = '';

// fw: only the control port and the gateway's passive range are open from the client side; nothing is routed.
const FW_RULES = `table inet gw {
  chain input {
    type filter hook input priority 0; policy drop;
    iif lo accept
    ct state established,related accept comment "replies to the gateway's own connections (to the server; to clients in active mode)"
    iifname "${IFACE.fwClientSide}" tcp dport 21 counter accept comment "client -> gateway control port"
    iifname "${IFACE.fwClientSide}" tcp dport ${GW_PASV.min}-${GW_PASV.max} counter accept comment "client -> gateway passive range"
    counter comment "input-dropped"
  }
  chain forward {
    type filter hook forward priority 0; policy drop;
    counter comment "forward-dropped"
  }
}
`;

// server host: passive only (in 21, in its passive range, established); nothing new goes out, so active mode cannot work.
const SERVER_RULES = `table inet host {
  chain input {
    type filter hook input priority 0; policy drop;
    iif lo accept
    ct state established,related accept
    tcp dport 21 accept
    tcp dport ${SRV_PASV.min}-${SRV_PASV.max} accept
  }
  chain output {
    type filter hook output priority 0; policy drop;
    oif lo accept
    ct state established,related accept
    counter comment "output-dropped"
  }
}
`;

before(async () => {
  skip = labGate();
  if (skip) return;
  work = tempDir('fg-gw-lab-', { worldReadable: true });
  const root = join(work.path, 'root');
  mkdirSync(root);
  sha = await randomFile(join(root, 'data.bin'), 3 * MiB + 5);
  lab = await Lab.create(plan);
  await runIn(lab.ns.fw, ['nft', '-f', '-'], { input: FW_RULES });
  await runIn(lab.ns.server, ['nft', '-f', '-'], { input: SERVER_RULES });
  server = await startServer(lab.ns.server, { root, user: USER, password: PASS, pasvPorts: SRV_PASV }, work.path, 'ftpgate');
  gateway = spawnIn(lab.ns.fw, [process.execPath, MAIN_JS, 'gateway', '--listen', `${plan.fwClientSide}:21`, '--upstream', `${plan.server}:21`,
    '--pasv-ports', `${GW_PASV.min}-${GW_PASV.max}`, '--data-timeout', '5']);
  gateway.stdout!.on('data', (c: Buffer) => (gatewayOut += c.toString()));
  gateway.stderr!.on('data', (c: Buffer) => (gatewayOut += c.toString()));
  for (let i = 0; i < 100 && !/"event":"listening"/.test(gatewayOut); i++) await new Promise((r) => setTimeout(r, 100));
  assert.match(gatewayOut, /"event":"listening"/, `gateway did not start:\n${gatewayOut}`);
});

after(async () => {
  if (gateway) await stopChild(gateway);
  await server?.stop();
  await lab?.destroy();
  work?.cleanup();
});

const CURL: Record<string, string[]> = {
  PASV: ['--ftp-pasv', '--disable-epsv'],
  EPSV: ['--ftp-pasv'],
  PORT: ['--ftp-port', '-', '--disable-eprt'],
  EPRT: ['--ftp-port', '-'],
};

function curlIn(ns: string, args: string[], maxTime = 15) {
  return execIn(ns, ['curl', '-sS', '-v', '--max-time', String(maxTime), ...args], { timeoutMs: (maxTime + 10) * 1000 });
}

async function counter(ns: string, comment: string): Promise<number> {
  const r = await execIn(ns, ['nft', 'list', 'ruleset']);
  const m = new RegExp(`counter packets (\\d+) bytes \\d+[^\\n]*comment "${comment}"`).exec(r.stdout);
  assert.ok(m, `no counter "${comment}" in\n${r.stdout}`);
  return Number(m[1]);
}

test('gateway lab: the client cannot reach the server directly — fw forwards nothing', async (t) => {
  if (skip) return t.skip(skip);
  const before = await counter(lab!.ns.fw, 'forward-dropped');
  const r = await curlIn(lab!.ns.client, ['--connect-timeout', '2', `ftp://${USER}:${PASS}@${plan.server}/`], 4);
  assert.equal(r.code, 28, `direct connection must time out (dropped), got ${r.code}: ${r.stderr}`);
  assert.ok((await counter(lab!.ns.fw, 'forward-dropped')) > before, 'the forward chain dropped the SYNs');
});

for (const [mode, flags] of Object.entries(CURL)) {
  test(`gateway lab: ${mode} through the gateway — LIST and RETR, SHA-256 equal, to a server that only allows passive`, async (t) => {
    if (skip) return t.skip(skip);
    const base = `ftp://${USER}:${PASS}@${plan.fwClientSide}/`;
    const list = await curlIn(lab!.ns.client, [...flags, base]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /data\.bin/);
    const out = join(work.path, `out-${mode}.bin`);
    const get = await curlIn(lab!.ns.client, [...flags, '-o', out, `${base}data.bin`]);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(await sha256File(out), sha);
    assert.match(get.stderr, { PASV: /> PASV/, EPSV: /> EPSV/, PORT: /> PORT 198,51,100,10,/, EPRT: /> EPRT \|1\|198\.51\.100\.10\|/ }[mode]!);
    // the gateway spoke passive to the server whatever the client asked, and the server never opened a connection out
    assert.match(gatewayOut, new RegExp(`"clientMode":"${mode.endsWith('SV') ? 'passive' : 'active'}","upstream":"EPSV","reply":226`));
  });
}

test('gateway lab: the intruder cannot use a passive port announced to the client; the client still gets its file; ports outside the range stay closed', async (t) => {
  if (skip) return t.skip(skip);
  // The client logs in and asks for a passive port, then waits; the intruder races for that port; then the client transfers.
  const clientPy = `
import ftplib, hashlib, sys, re
f = ftplib.FTP(); f.connect('${plan.fwClientSide}', 21, timeout=20); f.login('${USER}', '${PASS}'); f.voidcmd('TYPE I')
r = f.sendcmd('PASV'); port = int(re.search(r'(\\d+),(\\d+)\\)', r).group(1)) * 256 + int(re.search(r'(\\d+),(\\d+)\\)', r).group(2))
print(port, flush=True)
sys.stdin.readline()
import socket
d = socket.create_connection(('${plan.fwClientSide}', port), timeout=20)
f.putcmd('RETR data.bin'); print(f.getresp(), flush=True)
h = hashlib.sha256()
while True:
    b = d.recv(65536)
    if not b: break
    h.update(b)
d.close(); print(f.getresp(), h.hexdigest(), flush=True)
`;
  const client = spawnIn(lab!.ns.client, ['python3', '-c', clientPy]);
  let out = '';
  client.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  client.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  for (let i = 0; i < 100 && !/^\d+\n/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
  const port = Number(out.split('\n')[0]);
  assert.ok(port >= GW_PASV.min && port <= GW_PASV.max, `passive port from the gateway's range: ${out}`);
  const intruderPy = `
import socket
s = socket.create_connection(('${plan.fwClientSide}', ${port}), timeout=5)
n = 0
try:
    while True:
        b = s.recv(65536)
        if not b: break
        n += len(b)
except Exception as e:
    print('error', type(e).__name__)
print('bytes', n)
`;
  const intr = await execIn(lab!.ns.intruder, ['python3', '-c', intruderPy], { timeoutMs: 15_000 });
  assert.match(intr.stdout, /bytes 0/, `the intruder got nothing: ${intr.stdout}${intr.stderr}`);
  client.stdin!.write('go\n');
  const exited = new Promise((r) => client.once('exit', r));
  await exited;
  assert.match(out, /150 /);
  assert.match(out, new RegExp(`226 [^\\n]* ${sha}`), out);
  const events = gatewayOut.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.ok(events.some((e) => e.rule === 'passive-foreign-peer' && e.client === plan.client && e.from === plan.intruder), `no refusal of the intruder logged:\n${gatewayOut}`);
  // a port outside the gateway's range (the server's passive range, from the client side) is dropped by fw
  const dropped = await counter(lab!.ns.fw, 'input-dropped');
  const probe = await execIn(lab!.ns.intruder, ['python3', '-c', `import socket\ntry:\n  socket.create_connection(('${plan.fwClientSide}', ${SRV_PASV.min}), timeout=2); print('open')\nexcept socket.timeout: print('timeout')\nexcept OSError as e: print('error', e)`], { timeoutMs: 10_000 });
  assert.match(probe.stdout, /timeout/);
  assert.ok((await counter(lab!.ns.fw, 'input-dropped')) > dropped);
});
