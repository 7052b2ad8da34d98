// Lab: the server's passive ports (or the client's active ports) silently dropped by nftables in a network namespace;
// auto mode falls back and the CLI says which mode it used; doctor names the blocking firewall.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { havePyftpdlib, requirePeer, startPyftpd, type RunningPeer } from '../client/helpers/pyftpd.js';
import { canUseNetns, createNsPair, dropInbound, type NsPair } from '../client/helpers/netns.js';
import { startCServer, cServerMissing } from '../client/helpers/c-servers.js';
import { tempDir, randomFile, sha256File } from '../helpers/files.js';

const MAIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');
const skip = requirePeer(havePyftpdlib(), 'pyftpdlib') || requirePeer(canUseNetns(), 'network namespaces + nftables (needs root, iproute2, nftables)');
const dir = tempDir();
let ns: NsPair;
let peer: RunningPeer;
let tlsPeer: RunningPeer;
let hash: string;

before(async () => {
  if (skip) return;
  ns = createNsPair();
  const root = join(dir.path, 'root');
  mkdirSync(root);
  hash = await randomFile(join(root, 'f.bin'), 700_001);
  peer = await startPyftpd({ root, host: ns.serverAddr, netns: ns.server, pasvRange: [53000, 53999] });
  tlsPeer = await startPyftpd({ root, host: ns.serverAddr, netns: ns.server, pasvRange: [53000, 53999], tls: 'explicit' });
});
after(async () => {
  await peer?.stop();
  await tlsPeer?.stop();
  ns?.teardown();
  dir.cleanup();
});

function cliInClientNs(args: string[], cacheDir = join(dir.path, `cache-${Math.random()}`)): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn('ip', ['netns', 'exec', ns.client, process.execPath, MAIN, ...args], { env: { ...process.env, FTPGATE_CACHE_DIR: cacheDir } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const t = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('close', (code) => { clearTimeout(t); res({ code: code ?? -1, stdout, stderr }); });
  });
}

test('server firewall drops its passive range: auto falls back to active, says so, file intact; doctor blames the server firewall', { skip }, async () => {
  ns.nft('server', dropInbound('53000-53999'));
  try {
    const url = `ftp://u:p@${ns.serverAddr}:${peer.port}`;
    const out = join(dir.path, 'auto.bin');
    const r = await cliInClientNs(['get', '--data-timeout', '2', '--active-ports', '54000-54999', `${url}/f.bin`, out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /data connection: active \(EPRT\), after passive failed: passive data connection \(EPSV\) to 10\.98\.\d+\.1:53\d\d\d failed: no answer/);
    assert.equal(await sha256File(out), hash);

    const passiveOnly = await cliInClientNs(['get', '--mode', 'passive', '--data-timeout', '2', `${url}/f.bin`, join(dir.path, 'p.bin')]);
    assert.equal(passiveOnly.code, 6, passiveOnly.stderr);

    const doc = await cliInClientNs(['doctor', '--data-timeout', '2', '--active-ports', '54000-54999', url]);
    assert.equal(doc.code, 9, doc.stdout + doc.stderr);
    assert.match(doc.stdout, /^no\s+passive\s+PASV\s+FAIL/m);
    assert.match(doc.stdout, /^no\s+passive\s+EPSV\s+FAIL/m);
    assert.match(doc.stdout, /^no\s+active\s+PORT\s+ok/m);
    assert.match(doc.stdout, /^no\s+active\s+EPRT\s+ok/m);
    assert.match(doc.stdout, /silently dropped: the server's firewall does not open its passive port range/);
    assert.match(doc.stdout, /nft add rule inet filter input tcp dport/);
  } finally {
    ns.nft('server', 'delete table inet fgc_block\n');
  }
});

test('client firewall drops inbound connections: active mode fails (exit 6), auto uses passive; doctor blames the client side', { skip }, async () => {
  ns.nft('client', dropInbound('54000-54999'));
  try {
    const url = `ftp://u:p@${ns.serverAddr}:${peer.port}`;
    const active = await cliInClientNs(['get', '--mode', 'active', '--data-timeout', '2', '--active-ports', '54000-54999', `${url}/f.bin`, join(dir.path, 'a.bin')]);
    assert.equal(active.code, 6, active.stderr);
    assert.match(active.stderr, /blocks inbound connections/);
    const auto = await cliInClientNs(['get', '--data-timeout', '2', '--active-ports', '54000-54999', `${url}/f.bin`, join(dir.path, 'auto2.bin')]);
    assert.equal(auto.code, 0, auto.stderr);
    assert.match(auto.stderr, /data connection: passive \(EPSV\)/);
    assert.equal(await sha256File(join(dir.path, 'auto2.bin')), hash);

    // The other way round: auto remembers active for this server (an earlier run), active is now blocked → passive.
    const cache = join(dir.path, 'cache-remembered');
    mkdirSync(cache, { recursive: true });
    writeFileSync(join(cache, 'modes.json'), JSON.stringify({ [`${ns.serverAddr}:${peer.port}`]: 'active' }));
    const back = await cliInClientNs(['get', '--data-timeout', '2', '--active-ports', '54000-54999', `${url}/f.bin`, join(dir.path, 'auto3.bin')], cache);
    assert.equal(back.code, 0, back.stderr);
    assert.match(back.stderr, /data connection: passive \(EPSV\), after active failed: .*blocks inbound connections/);
    assert.equal(await sha256File(join(dir.path, 'auto3.bin')), hash);
    assert.equal(JSON.parse(readFileSync(join(cache, 'modes.json'), 'utf8'))[`${ns.serverAddr}:${peer.port}`], 'passive', 'memory updated');

    const doc = await cliInClientNs(['doctor', '--data-timeout', '2', '--active-ports', '54000-54999', url]);
    assert.equal(doc.code, 9, doc.stdout + doc.stderr);
    assert.match(doc.stdout, /^no\s+active\s+PORT\s+FAIL/m);
    assert.match(doc.stdout, /^no\s+active\s+EPRT\s+FAIL/m);
    assert.match(doc.stdout, /^no\s+passive\s+EPSV\s+ok/m);
    assert.match(doc.stdout, /a firewall or NAT in front of this client drops inbound connections/);
  } finally {
    ns.nft('client', 'delete table inet fgc_block\n');
  }
});

test('server firewall opens passive ports only through the conntrack FTP helper: works in clear, not with TLS; doctor explains why', { skip }, async () => {
  // The helper reads 227/229 replies on the control connection and lets the announced data connection in as "related".
  ns.nft('server', `table inet fgc_block {
  ct helper ftp-standard { type "ftp" protocol tcp; }
  chain pre { type filter hook prerouting priority filter; tcp dport ${tlsPeer.port} ct helper set "ftp-standard"; }
  chain input {
    type filter hook input priority filter; policy accept;
    ct state established,related accept
    tcp dport 53000-53999 drop
  }
}
`);
  try {
    const url = `ftp://u:p@${ns.serverAddr}:${tlsPeer.port}`;
    const clear = await cliInClientNs(['get', '--mode', 'passive', '--data-timeout', '2', `${url}/f.bin`, join(dir.path, 'h.bin')]);
    assert.equal(clear.code, 0, clear.stderr);
    assert.equal(await sha256File(join(dir.path, 'h.bin')), hash);
    const enc = await cliInClientNs(['get', '--tls', '--insecure', '--mode', 'passive', '--data-timeout', '2', `${url}/f.bin`, join(dir.path, 'h2.bin')]);
    assert.equal(enc.code, 6, 'the helper cannot read the encrypted PASV reply, so the data port stays closed');

    const doc = await cliInClientNs(['doctor', '--insecure', '--data-timeout', '2', '--active-ports', '54000-54999', url]);
    assert.equal(doc.code, 9, doc.stdout + doc.stderr);
    assert.match(doc.stdout, /^TLS:\s+offered/m);
    assert.match(doc.stdout, /^no\s+passive\s+PASV\s+ok/m);
    assert.match(doc.stdout, /^no\s+passive\s+EPSV\s+ok/m);
    assert.match(doc.stdout, /^yes\s+passive\s+PASV\s+FAIL/m);
    assert.match(doc.stdout, /^yes\s+passive\s+EPSV\s+FAIL/m);
    assert.match(doc.stdout, /^yes\s+active\s+EPRT\s+ok/m);
    assert.match(doc.stdout, /PASV, EPSV works in clear but not with TLS/);
    assert.match(doc.stdout, /firewall FTP helper \(Linux conntrack nf_conntrack_ftp/);
    assert.doesNotMatch(doc.stdout, /got no answer/, 'the TLS failures are explained once, by the helper, not as a closed passive range');
    assert.match(doc.stdout, /Recommended: --tls --mode active/);
  } finally {
    ns.nft('server', 'delete table inet fgc_block\n');
  }
});

const vsSkip = skip || requirePeer(cServerMissing('vsftpd') === null, cServerMissing('vsftpd') ?? 'vsftpd');
test('vsftpd (connects only after RETR) behind a client firewall: remembered active fails, the client reconnects and uses passive', { skip: vsSkip }, async () => {
  const vsDir = join(dir.path, 'vs');
  mkdirSync(vsDir, { recursive: true });
  const vs = await startCServer('vsftpd', { dir: vsDir, pasvRange: [53000, 53999], host: ns.serverAddr, netns: ns.server });
  ns.nft('client', dropInbound('54000-54999'));
  try {
    const vhash = await randomFile(join(vs.root, 'v.bin'), 500_003);
    const cache = join(dir.path, 'cache-vs');
    mkdirSync(cache, { recursive: true });
    writeFileSync(join(cache, 'modes.json'), JSON.stringify({ [`${ns.serverAddr}:${vs.port}`]: 'active' }));
    const url = `ftp://${vs.user}:${vs.password}@${ns.serverAddr}:${vs.port}`;
    const r = await cliInClientNs(['get', '-v', '--data-timeout', '2', '--active-ports', '54000-54999', `${url}/v.bin`, join(dir.path, 'v.bin')], cache);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /> RETR v\.bin/);
    assert.match(r.stderr, /\(reconnecting: no reply after EPRT/);
    assert.match(r.stderr, /data connection: passive \(EPSV\), after active failed: the server did not connect to our active-mode port/);
    assert.equal(await sha256File(join(dir.path, 'v.bin')), vhash);
  } finally {
    ns.nft('client', 'delete table inet fgc_block\n');
    await vs.stop();
  }
});
