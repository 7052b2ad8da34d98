// Interop: real curl against the ftpgate server in EPSV, PASV, EPRT and PORT modes (odd sizes and 100 MiB each), IPv4 and IPv6, resume, create-dirs, name list; SHA-256 checked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { copyFileSync, existsSync, mkdirSync, openSync, closeSync, ftruncateSync, rmSync, statSync, createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { FtpServer } from '../../src/server/index.js';
import { peer, requirePeer, run, describeRun } from '../helpers/peers.js';
import { tempDir, randomFile, sha256File, ODD_SIZES, MiB, type TempDir } from '../helpers/files.js';
import { makeCert } from '../helpers/third-party-servers.js';

const PASV = { min: 52000, max: 52099 };
const USER = 'u';
const PASS = 'p';

let root: TempDir;
let local: TempDir;
let server: FtpServer;
let port4 = 0;
let port6 = 0;

before(async () => {
  root = tempDir('fg-srv-curl-root-');
  local = tempDir('fg-srv-curl-local-');
  server = new FtpServer({
    listen: [{ host: '127.0.0.1', port: 0 }, { host: '::1', port: 0 }],
    root: root.path,
    users: [{ name: USER, password: PASS, write: true }],
    pasvPorts: PASV,
  });
  await server.listen();
  const addrs = server.addresses();
  port4 = addrs.find((a) => a.host === '127.0.0.1')!.port;
  port6 = addrs.find((a) => a.host === '::1')!.port;
});

after(async () => {
  await server?.close();
  root?.cleanup();
  local?.cleanup();
});

const url4 = (path = '') => `ftp://${USER}:${PASS}@127.0.0.1:${port4}/${path}`;
const url6 = (path = '') => `ftp://${USER}:${PASS}@[::1]:${port6}/${path}`;

/** Data-connection modes, as curl options. */
const MODES: Record<string, string[]> = {
  EPSV: [],
  PASV: ['--disable-epsv'],
  EPRT: ['-P', '127.0.0.1'],
  PORT: ['-P', '127.0.0.1', '--disable-eprt'],
};

async function curl(args: string[], timeoutMs = 120_000) {
  const full = ['-sS', '-v', '--max-time', String(timeoutMs / 1000 - 5), ...args];
  const r = await run(peer('curl')!, full, { timeoutMs });
  assert.equal(r.code, 0, describeRun('curl', full, r));
  return r;
}

/** Upload `src` as `name`, check the server copy, download, check the local copy. Returns curl's verbose logs. */
async function roundTripFile(mode: string[], src: string, sha: string, size: number, name: string, url: (p?: string) => string = url4): Promise<string> {
  const up = await curl([...mode, '-T', src, url(name)]);
  assert.equal(await sha256File(join(root.path, name)), sha, `server copy of ${name} differs after upload`);
  const back = join(local.path, name + '.back');
  const down = await curl([...mode, '-o', back, url(name)]);
  assert.equal(statSync(back).size, size);
  assert.equal(await sha256File(back), sha, `downloaded ${name} differs`);
  return up.stderr + down.stderr;
}

/** Make a random file of `size` bytes, then roundTripFile it. */
async function roundTrip(mode: string[], size: number, name: string, url: (p?: string) => string = url4): Promise<string> {
  const src = join(local.path, name);
  return roundTripFile(mode, src, await randomFile(src, size), size, name, url);
}

/** Prove the mode really was used (curl -v shows the commands it sent). */
function assertModeUsed(mode: string, log: string): void {
  const cmd = { EPSV: /> EPSV/, PASV: /> PASV/, EPRT: /> EPRT \|1\|127\.0\.0\.1\|/, PORT: /> PORT 127,0,0,1,/ }[mode]!;
  assert.match(log, cmd, `curl did not use ${mode}`);
  if (mode === 'PASV') assert.doesNotMatch(log, /> EPSV/);
  if (mode === 'PORT') assert.doesNotMatch(log, /> EPRT/);
  assert.match(log, /< 226/);
}

for (const [mode, opts] of Object.entries(MODES)) {
  test(`curl ${mode}: upload+download of ${ODD_SIZES.join(', ')} bytes, SHA-256 equal`, async (t) => {
    if (!requirePeer(t, 'curl')) return;
    for (const size of ODD_SIZES) assertModeUsed(mode, await roundTrip(opts, size, `curl-${mode}-${size}.bin`));
  });
}

/** One 100 MiB source file, made on first use and shared by every mode. */
let big: Promise<{ path: string; sha: string }> | undefined;
const bigFile = () => (big ??= (async () => {
  const path = join(local.path, 'big-100MiB.bin');
  return { path, sha: await randomFile(path, 100 * MiB) };
})());

for (const [mode, opts] of Object.entries(MODES)) {
  test(`curl ${mode}: 100 MiB upload+download, SHA-256 equal`, async (t) => {
    if (!requirePeer(t, 'curl')) return;
    const { path, sha } = await bigFile();
    const name = `curl-big-${mode}.bin`;
    assertModeUsed(mode, await roundTripFile(opts, path, sha, 100 * MiB, name));
    // 200 MiB per mode: free the disk before the next one
    rmSync(join(root.path, name));
    rmSync(join(local.path, name + '.back'));
  });
}

test('curl over IPv6 [::1]: EPSV and EPRT, odd size', async (t) => {
  if (!requirePeer(t, 'curl')) return;
  const log1 = await roundTrip(['-g'], 1000003, 'curl-v6-epsv.bin', url6);
  assert.match(log1, /> EPSV/);
  const log2 = await roundTrip(['-g', '-P', '::1'], 65537, 'curl-v6-eprt.bin', url6);
  assert.match(log2, /> EPRT \|2\|::1\|\d+\|/);
});

test('curl -C - resumes a download (REST) from a partial local file', async (t) => {
  if (!requirePeer(t, 'curl')) return;
  const name = 'curl-resume-down.bin';
  const sha = await randomFile(join(root.path, name), 1000003);
  for (const [mode, opts] of Object.entries(MODES)) {
    const part = join(local.path, `${name}.${mode}`);
    copyFileSync(join(root.path, name), part);
    const fd = openSync(part, 'r+');
    ftruncateSync(fd, 300007);
    closeSync(fd);
    const r = await curl([...opts, '-C', '-', '-o', part, url4(name)]);
    assert.match(r.stderr, /> REST 300007/, `curl ${mode} did not resume`);
    assert.equal(await sha256File(part), sha, `resumed download (${mode}) differs`);
  }
});

test('curl -C - resumes an upload (SIZE + APPE) onto a partial server file', async (t) => {
  if (!requirePeer(t, 'curl')) return;
  for (const [mode, opts] of Object.entries(MODES)) {
    const name = `curl-resume-up-${mode}.bin`;
    const src = join(local.path, name);
    const sha = await randomFile(src, 1000003);
    // The server holds the first 400009 bytes (as after an interrupted upload).
    await pipeline(createReadStream(src, { end: 400008 }), createWriteStream(join(root.path, name)));
    assert.equal(statSync(join(root.path, name)).size, 400009);
    const r = await curl([...opts, '-C', '-', '-T', src, url4(name)]);
    assert.match(r.stderr, /> APPE /, `curl ${mode} did not append`);
    assert.equal(await sha256File(join(root.path, name)), sha, `resumed upload (${mode}) differs`);
  }
});

test('curl --ftp-create-dirs uploads into new nested directories', async (t) => {
  if (!requirePeer(t, 'curl')) return;
  const src = join(local.path, 'nested.bin');
  const sha = await randomFile(src, 65537);
  const r = await curl(['--ftp-create-dirs', '-T', src, url4('new/deeper/deepest/nested.bin')]);
  assert.match(r.stderr, /> MKD new/);
  assert.ok(existsSync(join(root.path, 'new/deeper/deepest')), 'directories not created');
  assert.equal(await sha256File(join(root.path, 'new/deeper/deepest/nested.bin')), sha);
  // And again (directories exist now) in active mode.
  await curl(['--ftp-create-dirs', '-P', '127.0.0.1', '-T', src, url4('new/deeper/deepest/nested2.bin')]);
  assert.equal(await sha256File(join(root.path, 'new/deeper/deepest/nested2.bin')), sha);
});

test('curl -l lists names only (NLST), LIST shows sizes, in passive and active mode', async (t) => {
  if (!requirePeer(t, 'curl')) return;
  mkdirSync(join(root.path, 'listing'));
  await randomFile(join(root.path, 'listing', 'one.bin'), 1);
  await randomFile(join(root.path, 'listing', 'two words.bin'), 65537);
  mkdirSync(join(root.path, 'listing', 'sub'));
  for (const opts of [MODES.EPSV, MODES.PORT]) {
    const nl = await curl([...opts, '-l', url4('listing/')]);
    assert.match(nl.stderr, /> NLST/);
    const names = nl.stdout.split(/\r?\n/).filter(Boolean).sort();
    assert.deepEqual(names, ['one.bin', 'sub', 'two words.bin']);
    const ls = await curl([...opts, url4('listing/')]);
    assert.match(ls.stdout, /^-.* 65537 .*two words\.bin\r?$/m);
    assert.match(ls.stdout, /^d.* sub\r?$/m);
  }
});

test('explicit FTPS (AUTH TLS): curl passive and lftp active/passive with a self-signed cert, SHA-256 equal', async (t) => {
  if (!requirePeer(t, 'curl') || !requirePeer(t, 'lftp') || !requirePeer(t, 'openssl')) return;
  const certDir = tempDir('fg-srv-curl-tls-');
  const { cert, key } = makeCert(certDir.path);
  const tlsServer = new FtpServer({
    listen: [{ host: '127.0.0.1', port: 0 }],
    root: root.path,
    users: [{ name: USER, password: PASS, write: true }],
    pasvPorts: { min: 52050, max: 52099 },
    tlsCert: cert,
    tlsKey: key,
  });
  await tlsServer.listen();
  const tport = tlsServer.addresses()[0].port;
  try {
    const src = join(local.path, 'tls.bin');
    const sha = await randomFile(src, 1000003);
    const url = `ftp://${USER}:${PASS}@127.0.0.1:${tport}/`;
    const up = await curl(['--ssl-reqd', '--cacert', cert, '-T', src, url + 'tls-curl.bin']);
    assert.match(up.stderr, /> AUTH (TLS|SSL)\r?\n< 234/);
    assert.match(up.stderr, /> PROT P/);
    assert.equal(await sha256File(join(root.path, 'tls-curl.bin')), sha);
    await curl(['--ssl-reqd', '--cacert', cert, '-o', join(local.path, 'tls-curl.back'), url + 'tls-curl.bin']);
    assert.equal(await sha256File(join(local.path, 'tls-curl.back')), sha);
    for (const passive of ['on', 'off']) {
      const script = [`set ssl:ca-file ${cert}`, 'set ftp:ssl-force yes', 'set ftp:ssl-protect-data yes', `set ftp:passive-mode ${passive}`,
        'set net:max-retries 1', 'set net:timeout 20', 'set cmd:fail-exit yes', 'set xfer:clobber on',
        `open -u ${USER},${PASS} -p ${tport} 127.0.0.1`, `put ${src} -o tls-lftp-${passive}.bin`, `get tls-lftp-${passive}.bin -o ${join(local.path, `tls-lftp-${passive}.back`)}`].join('; ');
      const r = await run(peer('lftp')!, ['-c', script], { timeoutMs: 60_000 });
      assert.equal(r.code, 0, describeRun('lftp', ['-c', script], r));
      assert.equal(await sha256File(join(root.path, `tls-lftp-${passive}.bin`)), sha);
      assert.equal(await sha256File(join(local.path, `tls-lftp-${passive}.back`)), sha);
    }
  } finally {
    await tlsServer.close();
    certDir.cleanup();
  }
});
