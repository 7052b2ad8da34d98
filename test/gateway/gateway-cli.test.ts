// `ftpgate gateway` as a process: bad settings exit 2 with a message naming the setting and the fix; it relays real
// curl transfers; SIGTERM closes it cleanly (exit 0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { FtpServer } from '../../src/server/index.js';
import { peer, requirePeer, repoRoot, run, describeRun } from '../helpers/peers.js';
import { tempDir, randomFile, sha256File } from '../helpers/files.js';

const MAIN = join(repoRoot(), 'dist/src/cli/main.js');

test('gateway CLI: invalid settings exit 2 and name the setting and the fix', async () => {
  const cases: [string[], RegExp][] = [
    [['--upstream', 'no-port'], /invalid configuration "upstream": "no-port" is not HOST:PORT/],
    [['--upstream', '127.0.0.1:21', '--pasv-ports', '60000-50000'], /invalid configuration "pasv_ports": 60000-50000 must satisfy 1024 <= MIN <= MAX <= 65535/],
    [['--upstream', '127.0.0.1:21', '--upstream-mode', 'sideways'], /invalid configuration "upstream_mode": "sideways" must be passive, active or same/],
    [['--upstream', '127.0.0.1:21', '--pasv-address', 'example'], /invalid configuration "pasv_address": "example" is not an IP address/],
    [['--upstream', '127.0.0.1:21', '--data-timeout', '0'], /invalid configuration "data_timeout": "0" must be a positive integer/],
  ];
  for (const [args, msg] of cases) {
    const r = await run(process.execPath, [MAIN, 'gateway', ...args], { timeoutMs: 20_000 });
    assert.equal(r.code, 2, describeRun('ftpgate gateway', args, r));
    assert.match(r.stderr, msg);
  }
});

test('gateway CLI: relays a curl download, then SIGTERM closes it with exit 0', async (t) => {
  if (!requirePeer(t, 'curl')) return;
  const d = tempDir('fg-gw-cli-');
  const server = new FtpServer({ listen: [{ host: '127.0.0.1', port: 0 }], root: d.path, users: [{ name: 'u', password: 'p' }], pasvPorts: { min: 56440, max: 56459 } });
  const [s] = await server.listen();
  const sha = await randomFile(join(d.path, 'f.bin'), 300_001);
  const gw = spawn(process.execPath, [MAIN, 'gateway', '--listen', '127.0.0.1:0', '--upstream', `127.0.0.1:${s.port}`, '--pasv-ports', '56460-56479', '--log-file', join(d.path, 'gw.log')], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let err = '';
    const port = await new Promise<number>((resolve, reject) => {
      gw.stderr!.on('data', (c) => { err += c; const m = /gateway on 127\.0\.0\.1:(\d+) → 127\.0\.0\.1:/.exec(err); if (m) resolve(Number(m[1])); });
      gw.on('exit', (code) => reject(new Error(`gateway exited ${code}: ${err}`)));
    });
    const out = join(d.path, 'back.bin');
    const r = await run(peer('curl')!, ['-sS', '--max-time', '20', '-o', out, `ftp://u:p@127.0.0.1:${port}/f.bin`], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await sha256File(out), sha);
    const exited = once(gw, 'exit');
    gw.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0);
    assert.match(err, /SIGTERM: closing/);
  } finally {
    gw.kill('SIGKILL');
    await server.close();
    d.cleanup();
  }
});
