// Data safety: SIGKILL the server (CLI child process) at random points during concurrent overwriting uploads; every file is old or complete new, every 226 upload is intact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, readdirSync } from 'node:fs';
import { once } from 'node:events';
import { peer, requirePeer, repoRoot, run, type RunResult } from '../helpers/peers.js';
import { tempDir, randomFile, sha256File, MiB } from '../helpers/files.js';

const PASV = { min: 52500, max: 52599 };
const USER = 'ds';
const PASS = 'ds-pw';
const FILES = 8;
const ROUNDS = 6;

interface Cli { child: ChildProcess; port: number; out: () => string }

async function startCli(root: string): Promise<Cli> {
  const main = join(repoRoot(), 'dist/src/cli/main.js');
  const child = spawn(process.execPath, [main, 'serve', '--listen', '127.0.0.1:0', '--root', root, '--user', `${USER}:${PASS}`,
    '--pasv-ports', `${PASV.min}-${PASV.max}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 15_000);
    const check = () => {
      for (const line of out.split('\n')) {
        try {
          const j = JSON.parse(line) as { event?: string; port?: number };
          if (j.event === 'listening' && j.port) { clearTimeout(t); child.stdout!.off('data', check); resolve(j.port); return; }
        } catch { /* not JSON or partial */ }
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => { clearTimeout(t); reject(new Error(`server exited ${code}:\n${out}`)); });
  });
  return { child, port, out: () => out };
}

async function kill9(c: Cli): Promise<void> {
  if (c.child.exitCode !== null || c.child.signalCode !== null) return;
  const ex = once(c.child, 'exit');
  c.child.kill('SIGKILL');
  await ex;
}

test(`SIGKILL during ${FILES} concurrent overwriting uploads, ${ROUNDS} rounds: every file is old or complete new; every 226 is intact`, async (t) => {
  if (!requirePeer(t, 'curl')) return;
  const curl = peer('curl')!;
  const root = tempDir('fg-safety-root-');
  const local = tempDir('fg-safety-local-');
  try {
    // Three payloads per target (1.0-3.5 MiB, odd sizes); each round uploads one that differs from what is on disk.
    const payloads: { path: string; sha: string }[][] = [];
    for (let i = 0; i < FILES; i++) {
      const p: { path: string; sha: string }[] = [];
      for (let k = 0; k < 3; k++) {
        const path = join(local.path, `t${i}-v${k}.bin`);
        p.push({ path, sha: await randomFile(path, MiB + i * 317_003 + k * 65_537 + 1) });
      }
      payloads.push(p);
    }
    // Initial "old" content: payload 0.
    const current: number[] = [];
    for (let i = 0; i < FILES; i++) {
      copyFileSync(payloads[i][0].path, join(root.path, `target-${i}.bin`));
      current.push(0);
    }
    const stats = { completed: 0, interrupted: 0, keptOld: 0, becameNew: 0 };
    const kills: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const srv = await startCli(root.path);
      const next = current.map((c, i) => (c + 1 + ((round + i) % 2)) % 3);
      // 1 MiB/s per upload: each takes ~1-3.5 s, so a kill lands mid-transfer for most and after 226 for some.
      const uploads: Promise<RunResult>[] = [];
      for (let i = 0; i < FILES; i++) {
        const mode = i % 4 === 0 ? ['-P', '127.0.0.1', '--disable-eprt'] : i % 4 === 1 ? ['-P', '127.0.0.1'] : i % 4 === 2 ? ['--disable-epsv'] : [];
        const url = `ftp://${USER}:${PASS}@127.0.0.1:${srv.port}/target-${i}.bin`;
        uploads.push(run(curl, ['-sS', '--max-time', '30', '--limit-rate', '1M', ...mode, '-T', payloads[i][next[i]].path, url], { timeoutMs: 40_000 }));
      }
      const killAt = 150 + Math.floor(Math.random() * 2600);
      kills.push(killAt);
      await new Promise((r) => setTimeout(r, killAt));
      await kill9(srv);
      const results = await Promise.all(uploads);

      // Restart and check the disk and what the restarted server serves.
      const again = await startCli(root.path);
      try {
        for (let i = 0; i < FILES; i++) {
          const name = `target-${i}.bin`;
          const onDisk = await sha256File(join(root.path, name));
          const oldSha = payloads[i][current[i]].sha;
          const newSha = payloads[i][next[i]].sha;
          const ctx = `round ${round}, kill at ${killAt} ms, ${name}, curl exit ${results[i].code}: ${results[i].stderr.trim()}`;
          assert.ok(onDisk === oldSha || onDisk === newSha, `${ctx}: file is neither the old nor the complete new version`);
          if (results[i].code === 0) {
            stats.completed++;
            assert.equal(onDisk, newSha, `${ctx}: upload got 226 but the file is not the new version`);
          } else stats.interrupted++;
          if (onDisk === newSha) { stats.becameNew++; current[i] = next[i]; } else stats.keptOld++;
          // The restarted server serves exactly what is on disk.
          const back = join(local.path, `check-${i}.bin`);
          const r = await run(curl, ['-sS', '--max-time', '30', '-o', back, `ftp://${USER}:${PASS}@127.0.0.1:${again.port}/${name}`], { timeoutMs: 40_000 });
          assert.equal(r.code, 0, `download after restart: ${r.stderr}`);
          assert.equal(await sha256File(back), onDisk, `${ctx}: restarted server served different content`);
        }
      } finally {
        await kill9(again);
      }
    }
    const leftovers = readdirSync(root.path).filter((n) => !/^target-\d+\.bin$/.test(n));
    console.log(`data safety: kills at ${kills.join(', ')} ms; uploads with 226: ${stats.completed}, interrupted: ${stats.interrupted}; ` +
      `targets kept old: ${stats.keptOld}, became new: ${stats.becameNew}; leftover temp files in root: ${leftovers.length}`);
    // The test must have exercised both outcomes, or it proves nothing.
    assert.ok(stats.interrupted > 0, 'no upload was interrupted: the kill never landed mid-transfer');
    assert.ok(stats.completed > 0 || stats.becameNew > 0, 'no upload ever completed');
  } finally {
    root.cleanup();
    local.cleanup();
  }
});

test('a client that dies mid-upload never replaces an existing file; a dropped new file can be resumed with -C -', async (t) => {
  if (!requirePeer(t, 'curl')) return;
  const curl = peer('curl')!;
  const root = tempDir('fg-safety-abort-root-');
  const local = tempDir('fg-safety-abort-local-');
  const srv = await startCli(root.path);
  try {
    const oldSha = await randomFile(join(root.path, 'existing.bin'), 1_000_003);
    const newPath = join(local.path, 'new.bin');
    const newSha = await randomFile(newPath, 3 * MiB + 17);
    const base = `ftp://${USER}:${PASS}@127.0.0.1:${srv.port}/`;
    for (const mode of [[], ['-P', '127.0.0.1']]) {
      // Overwrite attempt killed after ~0.7 s at 1 MiB/s: the old file must stay.
      const r = await run(curl, ['-sS', '--limit-rate', '1M', ...mode, '-T', newPath, base + 'existing.bin'], { timeoutMs: 700 });
      assert.ok(r.timedOut, 'curl finished before it could be killed');
      await new Promise((res) => setTimeout(res, 500));
      assert.equal(await sha256File(join(root.path, 'existing.bin')), oldSha, `dropped overwrite (${mode.join(' ') || 'EPSV'}) changed the existing file; ` +
        `server log:\n${srv.out().split('\n').filter((l) => /"event":"(upload|transfer|disconnect)"/.test(l)).join('\n')}`);
    }
    // A new file dropped mid-way: whatever is kept must be a prefix, and -C - must complete it.
    const r = await run(curl, ['-sS', '--limit-rate', '1M', '-T', newPath, base + 'fresh.bin'], { timeoutMs: 900 });
    assert.ok(r.timedOut);
    await new Promise((res) => setTimeout(res, 500));
    const resumed = await run(curl, ['-sS', '-v', '-C', '-', '-T', newPath, base + 'fresh.bin'], { timeoutMs: 30_000 });
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(await sha256File(join(root.path, 'fresh.bin')), newSha, 'resumed upload of a dropped new file differs');
    assert.equal(srv.child.exitCode, null, 'server died');
  } finally {
    await kill9(srv);
    root.cleanup();
    local.cleanup();
  }
});
