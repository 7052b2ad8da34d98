// Interop: Python's stdlib ftplib (Debian /usr/bin/python3) against the ftpgate server: set_pasv True/False (odd sizes and 100 MiB), mlsd(), rest=, IPv6; SHA-256 checked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync, copyFileSync, rmSync, truncateSync, statSync, createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { FtpServer } from '../../src/server/index.js';
import { peer, requirePeer, run, describeRun } from '../helpers/peers.js';
import { tempDir, randomFile, sha256File, ODD_SIZES, MiB, type TempDir } from '../helpers/files.js';

const PASV = { min: 52200, max: 52299 };
const USER = 'py';
const PASS = 'secret';

let root: TempDir;
let local: TempDir;
let server: FtpServer;
let port4 = 0;
let port6 = 0;

before(async () => {
  root = tempDir('fg-srv-py-root-');
  local = tempDir('fg-srv-py-local-');
  server = new FtpServer({
    listen: [{ host: '127.0.0.1', port: 0 }, { host: '::1', port: 0 }],
    root: root.path,
    users: [{ name: USER, password: PASS, write: true }],
    pasvPorts: PASV,
  });
  await server.listen();
  port4 = server.addresses().find((a) => a.host === '127.0.0.1')!.port;
  port6 = server.addresses().find((a) => a.host === '::1')!.port;
});

after(async () => {
  await server?.close();
  root?.cleanup();
  local?.cleanup();
});

/** A tiny ftplib driver: runs a list of operations, prints one JSON result per op, exits 1 on any exception. */
const DRIVER = `
import sys, json, ftplib
cfg = json.loads(sys.argv[1])
ftp = ftplib.FTP()
ftp.connect(cfg['host'], cfg['port'], timeout=30)
ftp.login(cfg['user'], cfg['password'])
ftp.set_pasv(cfg['pasv'])
out = []
for op in cfg['ops']:
    k = op['op']
    if k == 'stor':
        with open(op['local'], 'rb') as f:
            if op.get('rest'):
                f.seek(op['rest'])
            r = ftp.storbinary('STOR ' + op['remote'], f, blocksize=65536, rest=op.get('rest'))
        out.append({'op': k, 'reply': r})
    elif k == 'retr':
        mode = 'r+b' if op.get('rest') else 'wb'
        with open(op['local'], mode) as f:
            if op.get('rest'):
                f.seek(op['rest'])
            r = ftp.retrbinary('RETR ' + op['remote'], f.write, blocksize=65536, rest=op.get('rest'))
            f.truncate()
        out.append({'op': k, 'reply': r})
    elif k == 'mlsd':
        out.append({'op': k, 'entries': [[n, f] for n, f in ftp.mlsd(op.get('path', ''), facts=op.get('facts', []))]})
    elif k == 'size':
        ftp.voidcmd('TYPE I')
        out.append({'op': k, 'size': ftp.size(op['remote'])})
    elif k == 'mkd':
        out.append({'op': k, 'reply': ftp.mkd(op['path'])})
    elif k == 'nlst':
        out.append({'op': k, 'names': ftp.nlst(op.get('path', ''))})
ftp.quit()
print(json.dumps(out))
`;

interface Op { op: 'stor' | 'retr' | 'mlsd' | 'size' | 'mkd' | 'nlst'; local?: string; remote?: string; rest?: number; path?: string; facts?: string[] }

async function ftplib(pasv: boolean, ops: Op[], host = '127.0.0.1') {
  const cfg = { host, port: host === '::1' ? port6 : port4, user: USER, password: PASS, pasv, ops };
  const args = ['-c', DRIVER, JSON.stringify(cfg)];
  const r = await run(peer('python3')!, args, { timeoutMs: 120_000 });
  assert.equal(r.code, 0, describeRun('python3 ftplib', ['-c', '<driver>', JSON.stringify(cfg)], r));
  return JSON.parse(r.stdout) as { op: string; reply?: string; entries?: [string, Record<string, string>][]; size?: number; names?: string[] }[];
}

for (const pasv of [true, false]) {
  test(`ftplib set_pasv(${pasv}): storbinary/retrbinary of ${ODD_SIZES.join(', ')} bytes, SHA-256 equal`, async (t) => {
    if (!requirePeer(t, 'python3')) return;
    const ops: Op[] = [];
    const shas = new Map<string, string>();
    for (const size of ODD_SIZES) {
      const name = `py-${pasv ? 'pasv' : 'active'}-${size}.bin`;
      shas.set(name, await randomFile(join(local.path, name), size));
      ops.push({ op: 'stor', local: join(local.path, name), remote: name }, { op: 'retr', remote: name, local: join(local.path, name + '.back') },
        { op: 'size', remote: name });
    }
    const res = await ftplib(pasv, ops);
    for (const r of res.filter((x) => x.op !== 'size')) assert.match(r.reply!, /^226/);
    assert.deepEqual(res.filter((x) => x.op === 'size').map((x) => x.size), [...ODD_SIZES]);
    for (const [name, sha] of shas) {
      assert.equal(await sha256File(join(root.path, name)), sha, `server copy of ${name}`);
      assert.equal(await sha256File(join(local.path, name + '.back')), sha, `downloaded ${name}`);
    }
  });

  test(`ftplib mlsd() (set_pasv(${pasv})) reports type, size, modify for files and dirs`, async (t) => {
    if (!requirePeer(t, 'python3')) return;
    const dir = `mlsd-${pasv}`;
    mkdirSync(join(root.path, dir, 'child'), { recursive: true });
    await randomFile(join(root.path, dir, 'odd.bin'), 65537);
    await randomFile(join(root.path, dir, 'empty.bin'), 0);
    const [res] = await ftplib(pasv, [{ op: 'mlsd', path: dir, facts: ['type', 'size', 'modify'] }]);
    // RFC 3659 lets a server add type=cdir / type=pdir entries; the directory's contents are the rest.
    const entries = new Map(res.entries!.filter(([, f]) => f.type !== 'cdir' && f.type !== 'pdir'));
    assert.deepEqual([...entries.keys()].sort(), ['child', 'empty.bin', 'odd.bin']);
    assert.equal(entries.get('odd.bin')!.type, 'file');
    assert.equal(entries.get('odd.bin')!.size, '65537');
    assert.equal(entries.get('empty.bin')!.size, '0');
    assert.equal(entries.get('child')!.type, 'dir');
    const mtime = statSync(join(root.path, dir, 'odd.bin')).mtime;
    const expect = mtime.toISOString().replace(/[-:T]/g, '').slice(0, 14);
    assert.equal(entries.get('odd.bin')!.modify.slice(0, 14), expect, 'MLSD modify fact is not the file mtime (UTC YYYYMMDDHHMMSS)');
  });

  test(`ftplib retrbinary(rest=) resumes a download (set_pasv(${pasv}))`, async (t) => {
    if (!requirePeer(t, 'python3')) return;
    const name = `py-rest-down-${pasv}.bin`;
    const sha = await randomFile(join(root.path, name), 1000003);
    const part = join(local.path, name);
    copyFileSync(join(root.path, name), part);
    truncateSync(part, 123457);
    const [r] = await ftplib(pasv, [{ op: 'retr', remote: name, local: part, rest: 123457 }]);
    assert.match(r.reply!, /^226/);
    assert.equal(await sha256File(part), sha);
  });

  test(`ftplib storbinary(rest=) resumes an upload with REST+STOR (set_pasv(${pasv}))`, async (t) => {
    if (!requirePeer(t, 'python3')) return;
    const name = `py-rest-up-${pasv}.bin`;
    const src = join(local.path, name);
    const sha = await randomFile(src, 1000003);
    await pipeline(createReadStream(src, { end: 654320 }), createWriteStream(join(root.path, name)));
    assert.equal(statSync(join(root.path, name)).size, 654321);
    const [r] = await ftplib(pasv, [{ op: 'stor', local: src, remote: name, rest: 654321 }]);
    assert.match(r.reply!, /^226/);
    assert.equal(await sha256File(join(root.path, name)), sha);
  });
}

/** One 100 MiB source file, made on first use and shared by both data modes. */
let big: Promise<{ path: string; sha: string }> | undefined;
const bigFile = () => (big ??= (async () => {
  const path = join(local.path, 'big-100MiB.bin');
  return { path, sha: await randomFile(path, 100 * MiB) };
})());

for (const pasv of [true, false]) {
  test(`ftplib set_pasv(${pasv}): storbinary+retrbinary of 100 MiB, SHA-256 equal`, async (t) => {
    if (!requirePeer(t, 'python3')) return;
    const { path, sha } = await bigFile();
    const name = `py-big-${pasv ? 'pasv' : 'active'}.bin`;
    const back = join(local.path, name + '.back');
    const res = await ftplib(pasv, [{ op: 'stor', local: path, remote: name }, { op: 'retr', remote: name, local: back }, { op: 'size', remote: name }]);
    assert.match(res[0].reply!, /^226/);
    assert.match(res[1].reply!, /^226/);
    assert.equal(res[2].size, 100 * MiB);
    assert.equal(await sha256File(join(root.path, name)), sha, 'server copy differs after storbinary');
    assert.equal(statSync(back).size, 100 * MiB);
    assert.equal(await sha256File(back), sha, 'downloaded copy differs after retrbinary');
    rmSync(join(root.path, name));
    rmSync(back);
  });
}

test('ftplib over IPv6 [::1]: passive (EPSV) and active (EPRT), SHA-256 equal', async (t) => {
  if (!requirePeer(t, 'python3')) return;
  for (const pasv of [true, false]) {
    const name = `py-v6-${pasv}.bin`;
    const sha = await randomFile(join(local.path, name), 1000003);
    await ftplib(pasv, [{ op: 'stor', local: join(local.path, name), remote: name }, { op: 'retr', remote: name, local: join(local.path, name + '.back') }], '::1');
    assert.equal(await sha256File(join(root.path, name)), sha);
    assert.equal(await sha256File(join(local.path, name + '.back')), sha);
  }
});
