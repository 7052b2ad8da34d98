// Interop: the client library and CLI against vsftpd, pure-ftpd, ProFTPD and pyftpdlib — passive and active, clear and
// FTPS (vsftpd and ProFTPD require TLS session reuse), SHA-256 verified, mirror both ways over 3 parallel connections.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, ModeMemory, mirror, type ClientOptions } from '../../src/client/index.js';
import { readFileSync } from 'node:fs';
import { startThirdPartyServer, thirdPartyAvailable, type ThirdPartyKind, type ThirdPartyServer } from '../helpers/third-party-servers.js';
import { startCServer, cServerMissing } from '../client/helpers/c-servers.js';
import { requirePeer } from '../client/helpers/pyftpd.js';
import { tempDir, randomFile, sha256File } from '../helpers/files.js';

const MAIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');
const SIZES = [0, 1, 65537, 2 * 1024 * 1024 + 3];
const RANGES: Record<ThirdPartyKind, [number, number]> = { vsftpd: [53600, 53619], 'pure-ftpd': [53620, 53639], proftpd: [53640, 53659], pyftpdlib: [53660, 53679] };
const work = tempDir();
after(() => work.cleanup());

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, FTPGATE_CACHE_DIR: join(work.path, 'cache') } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const t = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('close', (code) => { clearTimeout(t); res({ code: code ?? -1, stdout, stderr }); });
  });
}

for (const name of ['vsftpd', 'pure-ftpd', 'proftpd', 'pyftpdlib'] as ThirdPartyKind[]) {
  const skip = requirePeer(thirdPartyAvailable(name, { tls: true }), `${name} (run: bash scripts/install-peers.sh)`);
  let srv: ThirdPartyServer;
  let ca: Buffer;
  const dir = join(work.path, name);
  const local = join(work.path, `${name}-local`);

  before(async () => {
    if (skip) return;
    mkdirSync(dir, { recursive: true });
    mkdirSync(local, { recursive: true });
    srv = await startThirdPartyServer(name, { pasvPorts: { min: RANGES[name][0], max: RANGES[name][1] }, tls: true });
    ca = readFileSync(srv.tls!.ca);
  });
  after(async () => { await srv?.stop(); });

  const opts = (extra: Partial<ClientOptions>): ClientOptions => ({
    host: srv.host, port: srv.port, user: srv.user, password: srv.password, modeMemory: new ModeMemory(),
    activePorts: { min: 54000, max: 54999 }, tls: { ca }, ...extra,
  });

  for (const tls of [false, true]) {
    for (const mode of ['passive', 'active'] as const) {
      test(`${name} ${tls ? 'FTPS' : 'clear'} ${mode}: put/get ${SIZES.join(',')} bytes, SHA-256, listing`, { skip }, async () => {
        const c = await Client.connect(opts({ mode, secure: tls ? 'explicit' : false }));
        try {
          assert.equal(c.secure, tls);
          const sub = `${tls ? 'tls' : 'clear'}-${mode}`;
          await c.mkdir(`${sub}/in`, { recursive: true });
          for (const size of SIZES) {
            const src = join(local, `${sub}-${size}`);
            const hash = await randomFile(src, size);
            await c.putFile(src, `${sub}/in/f${size}`);
            assert.deepEqual([c.lastData?.kind, c.lastData?.fellBackFrom], [mode, undefined]);
            assert.equal(await sha256File(join(srv.root, sub, 'in', `f${size}`)), hash, `server copy ${size}`);
            await c.getFile(`${sub}/in/f${size}`, `${src}.back`);
            assert.equal(await sha256File(`${src}.back`), hash, `downloaded ${size}`);
          }
          const list = await c.list(`${sub}/in`);
          assert.deepEqual(list.filter((e) => e.type !== 'unknown').map((e) => [e.name, e.type, e.size]).sort(), SIZES.map((s) => [`f${s}`, 'file', s]).sort());
          assert.deepEqual(list.filter((e) => e.type === 'unknown'), []);
          await c.remove(sub, { recursive: true });
          if (tls && name === 'proftpd') assert.ok(srv.requiresTlsReuse);
          if (tls && name === 'proftpd') assert.match(srv.log(), /client reused TLS session for data connection/, 'ProFTPD saw the session resumed');
        } finally {
          await c.close();
        }
      });
    }
  }

  test(`${name} FTPS auto: mirror -R then mirror with 3 parallel connections, SHA-256 of every file`, { skip }, async () => {
    const src = join(local, 'tree');
    const hashes = new Map<string, string>();
    for (const f of ['a.bin', 'b/c.bin', 'b/d/e.bin', 'f.txt', 'g/h.bin', 'g/i.bin']) {
      mkdirSync(join(src, f, '..'), { recursive: true });
      hashes.set(f, await randomFile(join(src, f), 10_000 + f.length * 54321));
    }
    const connect = () => Client.connect(opts({ mode: 'auto', secure: 'explicit' }));
    const up = await mirror({ connect, direction: 'upload', localDir: src, remoteDir: 'm', parallel: 3 });
    assert.deepEqual(up.errors, []);
    assert.equal(up.transferred, hashes.size);
    for (const [f, h] of hashes) assert.equal(await sha256File(join(srv.root, 'm', f)), h, f);
    const dst = join(local, 'tree-back');
    const down = await mirror({ connect, direction: 'download', remoteDir: 'm', localDir: dst, parallel: 3 });
    assert.deepEqual(down.errors, []);
    for (const [f, h] of hashes) assert.equal(await sha256File(join(dst, f)), h, f);
    const again = await mirror({ connect, direction: 'download', remoteDir: 'm', localDir: dst, parallel: 3, onlyNewer: true });
    assert.equal(again.transferred, 0);
  });

  test(`${name} CLI: put, get and mirror both ways (3 connections) over FTPS, mode line, SHA-256`, { skip }, async () => {
    const caFile = srv.tls!.ca;
    const src = join(local, 'cli.bin');
    const hash = await randomFile(src, 1_500_000);
    const base = `ftp://${encodeURIComponent(srv.user)}:${encodeURIComponent(srv.password)}@${srv.host}:${srv.port}`;
    for (const mode of ['active', 'passive']) {
      const put = await cli(['put', '--tls', '--tls-ca', caFile, '--mode', mode, '--active-ports', '54000-54999', src, `${base}/cli-${mode}.bin`]);
      assert.equal(put.code, 0, put.stderr);
      assert.match(put.stderr, new RegExp(`data connection: ${mode} \\(E(PSV|PRT)\\)`));
      assert.equal(await sha256File(join(srv.root, `cli-${mode}.bin`)), hash);
      const get = await cli(['get', '--tls', '--tls-ca', caFile, '--mode', mode, '--active-ports', '54000-54999', `${base}/cli-${mode}.bin`, join(local, `cli-${mode}.back`)]);
      assert.equal(get.code, 0, get.stderr);
      assert.equal(await sha256File(join(local, `cli-${mode}.back`)), hash);
    }
    const ls = await cli(['ls', '--tls', '--tls-ca', caFile, `${base}/`]);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /^cli-active\.bin$/m);
    // mirror both ways through the CLI with 3 parallel connections; active mode except for pyftpdlib, whose async
    // loop sometimes stalls parallel active uploads (upstream giampaolo/pyftpdlib#548).
    const mode = name === 'pyftpdlib' ? 'passive' : 'active';
    const tree = join(local, 'cli-tree');
    const hashes = new Map<string, string>();
    for (const f of ['x.bin', 'y/z.bin', 'y/w/v.bin', 'u.bin']) {
      mkdirSync(join(tree, f, '..'), { recursive: true });
      hashes.set(f, await randomFile(join(tree, f), 20_000 + f.length * 4321));
    }
    const up = await cli(['mirror', '-R', '-P', '3', '--tls', '--tls-ca', caFile, '--mode', mode, '--active-ports', '54000-54999', tree, `${base}/cli-tree`]);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stderr, new RegExp(`data connection: ${mode}`));
    assert.match(up.stderr, /mirror: 4 transferred/);
    const back = join(local, 'cli-tree-back');
    const down = await cli(['mirror', '-P', '3', '--tls', '--tls-ca', caFile, '--mode', mode, '--active-ports', '54000-54999', `${base}/cli-tree`, back]);
    assert.equal(down.code, 0, down.stderr);
    for (const [f, h] of hashes) {
      assert.equal(await sha256File(join(srv.root, 'cli-tree', f)), h, `server ${f}`);
      assert.equal(await sha256File(join(back, f)), h, `local ${f}`);
    }
    const noCa = await cli(['ls', '--tls', `${base}/`]);
    assert.equal(noCa.code, 3, 'an untrusted self-signed certificate is refused by default');
    assert.match(noCa.stderr, /certificate not trusted/);
  });
}

const vsSkip = requirePeer(thirdPartyAvailable('vsftpd', { tls: true }), 'vsftpd (run: bash scripts/install-peers.sh)');
// Implicit FTPS is not offered by the shared helper; test/client/helpers/c-servers.ts starts vsftpd with implicit_ssl.
const vsImplicitMissing = cServerMissing('vsftpd');
const vsImplicitSkip = requirePeer(vsImplicitMissing === null, vsImplicitMissing ?? 'vsftpd');

test('vsftpd requires TLS session reuse: Python ftplib (no reuse) is refused on the data connection, ftpgate is not', { skip: vsSkip }, async () => {
  const srv = await startThirdPartyServer('vsftpd', { pasvPorts: { min: 53700, max: 53709 }, tls: true });
  try {
    assert.ok(srv.requiresTlsReuse);
    const py = spawnSync('/usr/bin/python3', ['-c', `
import ftplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[3])
f = ftplib.FTP_TLS(context=ctx)
f.connect('127.0.0.1', int(sys.argv[4]))
f.login(sys.argv[1], sys.argv[2])
f.prot_p()
try:
    f.nlst()
    print('LISTED')
except Exception as e:
    print('REFUSED', e)
`, srv.user, srv.password, srv.tls!.ca, String(srv.port)], { encoding: 'utf8', timeout: 30000 });
    assert.match(py.stdout + py.stderr, /REFUSED|session reuse|522/, py.stdout + py.stderr);
    const c = await Client.connect({ host: srv.host, port: srv.port, user: srv.user, password: srv.password, secure: 'explicit', tls: { ca: readFileSync(srv.tls!.ca) }, modeMemory: new ModeMemory() });
    try {
      await c.list('');
      assert.equal(c.lastData?.kind, 'passive');
    } finally {
      await c.close();
    }
  } finally {
    await srv.stop();
  }
});

test('vsftpd implicit FTPS (ftps://): library and CLI', { skip: vsImplicitSkip }, async () => {
  const dir = join(work.path, 'vs-implicit');
  mkdirSync(dir, { recursive: true });
  const srv = await startCServer('vsftpd', { dir, pasvRange: [53710, 53719], implicitTls: true });
  try {
    const hash = await randomFile(join(srv.root, 'imp.bin'), 777_777);
    const c = await Client.connect(`ftps://${srv.user}:${srv.password}@${srv.host}:${srv.port}/`, { tls: { ca: srv.ca }, modeMemory: new ModeMemory() });
    try {
      assert.equal(c.secure, true);
      await c.getFile('imp.bin', join(dir, 'imp.back'));
      assert.equal(await sha256File(join(dir, 'imp.back')), hash);
    } finally {
      await c.close();
    }
    writeFileSync(join(dir, 'ca.pem'), srv.ca);
    const r = await cli(['get', '--tls-ca', join(dir, 'ca.pem'), '--mode', 'active', '--active-ports', '54000-54999', `ftps://${srv.user}:${srv.password}@${srv.host}:${srv.port}/imp.bin`, join(dir, 'imp2.back')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await sha256File(join(dir, 'imp2.back')), hash);
    const doc = await cli(['doctor', '--tls-ca', join(dir, 'ca.pem'), '--active-ports', '54000-54999', `ftps://${srv.user}:${srv.password}@${srv.host}:${srv.port}/`]);
    assert.equal(doc.code, 0, doc.stdout + doc.stderr);
    assert.match(doc.stdout, /^TLS:\s+implicit/m);
    for (const cmd of ['PASV', 'EPSV', 'PORT', 'EPRT']) assert.match(doc.stdout, new RegExp(`^yes\\s+\\w+\\s+${cmd}\\s+ok`, 'm'));
    assert.doesNotMatch(doc.stdout, /^no\s/m, 'no clear-text rows on an implicit-TLS port');
  } finally {
    await srv.stop();
  }
});

test('doctor against vsftpd with FTPS offered: 8 probes, all ok, exit 0', { skip: vsSkip }, async () => {
  const srv = await startThirdPartyServer('vsftpd', { pasvPorts: { min: 53720, max: 53729 }, tls: true });
  try {
    const r = await cli(['doctor', '--tls-ca', srv.tls!.ca, '--active-ports', '54000-54999', `ftp://${srv.user}:${srv.password}@${srv.host}:${srv.port}/`]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^TLS:\s+offered/m);
    for (const tls of ['no', 'yes']) for (const cmd of ['PASV', 'EPSV', 'PORT', 'EPRT']) assert.match(r.stdout, new RegExp(`^${tls}\\s+\\w+\\s+${cmd}\\s+ok`, 'm'));
    assert.match(r.stdout, /No problems found/);
    // Without the CA the handshake fails: TLS rows are skipped and the finding says how to trust the server.
    const untrusted = await cli(['doctor', '--active-ports', '54000-54999', `ftp://${srv.user}:${srv.password}@${srv.host}:${srv.port}/`]);
    assert.equal(untrusted.code, 9, untrusted.stdout);
    assert.match(untrusted.stdout, /^TLS:\s+failed/m);
    assert.match(untrusted.stdout, /certificate is not trusted/);
    assert.match(untrusted.stdout, /--tls-ca FILE/);
  } finally {
    await srv.stop();
  }
});
