// The CLI on a terminal (tmux): the progress bar (size, rate, ETA), plain lines when stderr is a pipe, and the password prompt.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { havePyftpdlib, requirePeer, startPyftpd } from '../client/helpers/pyftpd.js';
import { tempDir, randomFile, sha256File } from '../helpers/files.js';

const MAIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');
const TMUX = '/usr/bin/tmux';
const skip = requirePeer(havePyftpdlib(), 'pyftpdlib') || requirePeer(existsSync(TMUX), 'tmux (apt install tmux)');
const dir = tempDir();
after(() => dir.cleanup());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('on a TTY (tmux pane): a progress bar with percentage, size, rate and ETA; no plain progress lines', { skip }, async () => {
  const root = join(dir.path, 'root');
  spawnSync('mkdir', ['-p', root]);
  const hash = await randomFile(join(root, 'big.bin'), 8 * 1024 * 1024);
  const peer = await startPyftpd({ root, pasvRange: [53900, 53949] });
  const sock = `fgc-progress-${process.pid}`;
  const out = join(dir.path, 'big.bin');
  const done = join(dir.path, 'exit-code');
  const cmd = `FTPGATE_CACHE_DIR=${dir.path}/cache ${process.execPath} ${MAIN} get ftp://u:p@${peer.host}:${peer.port}/big.bin ${out}; echo $? > ${done}; sleep 30`;
  try {
    const r = spawnSync(TMUX, ['-L', sock, '-f', '/dev/null', 'new-session', '-d', '-s', 'fgc-progress', '-x', '150', '-y', '20', cmd]);
    assert.equal(r.status, 0, r.stderr.toString());
    for (let i = 0; i < 200 && !existsSync(done); i++) await sleep(100);
    assert.ok(existsSync(done), 'the command finished');
    assert.equal(readFileSync(done, 'utf8').trim(), '0');
    const pane = spawnSync(TMUX, ['-L', sock, 'capture-pane', '-p', '-t', 'fgc-progress']).stdout.toString();
    assert.match(pane, /get big\.bin \[[█░]+\] 100% \| 8\.0 MiB \/ 8\.0 MiB \| [\d.]+ [KMG]iB\/s \| ETA \d+s/, pane);
    assert.doesNotMatch(pane, /done, \d+ bytes/, 'plain lines are for non-terminals');
    assert.match(pane, /data connection: passive \(EPSV\)/);
    assert.equal(await sha256File(out), hash);
  } finally {
    spawnSync(TMUX, ['-L', sock, 'kill-server']);
    await peer.stop();
  }
});

test('off a TTY (stderr is a pipe): plain lines, no escape sequences', { skip }, async () => {
  const root = join(dir.path, 'root2');
  spawnSync('mkdir', ['-p', root]);
  await randomFile(join(root, 'f.bin'), 2 * 1024 * 1024);
  const peer = await startPyftpd({ root, pasvRange: [53950, 53999] });
  try {
    const child = spawn(process.execPath, [MAIN, 'get', `ftp://u:p@${peer.host}:${peer.port}/f.bin`, join(dir.path, 'f.bin')], { env: { ...process.env, FTPGATE_CACHE_DIR: join(dir.path, 'cache') } });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    const code = await new Promise((r) => child.on('close', r));
    assert.equal(code, 0, err);
    const lines = err.trim().split('\n');
    assert.equal(lines[0], 'get f.bin: 2.0 MiB');
    assert.match(lines[lines.length - 2], /^get f\.bin: done, 2097152 bytes in [\d.]+ s \([\d.]+ [KMG]?i?B\/s\)$/);
    assert.equal(lines[lines.length - 1], 'data connection: passive (EPSV)');
    assert.doesNotMatch(err, /\x1b/);
  } finally {
    await peer.stop();
  }
});

test('on a TTY: a user without password is prompted, the answer is not echoed, and the login works', { skip }, async () => {
  const root = join(dir.path, 'root3');
  spawnSync('mkdir', ['-p', root]);
  await randomFile(join(root, 'visible.txt'), 10);
  const peer = await startPyftpd({ root, pasvRange: [53900, 53949], user: 'carol', password: 'Secr3tPw' });
  const sock = `fgc-prompt-${process.pid}`;
  const done = join(dir.path, 'prompt-exit');
  const cmd = `HOME=${dir.path} FTPGATE_CACHE_DIR=${dir.path}/cache ${process.execPath} ${MAIN} ls ftp://carol@${peer.host}:${peer.port}/; echo $? > ${done}; sleep 30`;
  try {
    assert.equal(spawnSync(TMUX, ['-L', sock, '-f', '/dev/null', 'new-session', '-d', '-s', 'fgc-prompt', '-x', '120', '-y', '10', cmd]).status, 0);
    let pane = '';
    for (let i = 0; i < 100 && !/Password for carol@/.test(pane); i++) {
      await sleep(100);
      pane = spawnSync(TMUX, ['-L', sock, 'capture-pane', '-p', '-t', 'fgc-prompt']).stdout.toString();
    }
    assert.match(pane, /Password for carol@127\.0\.0\.1:/);
    spawnSync(TMUX, ['-L', sock, 'send-keys', '-t', 'fgc-prompt', 'Secr3tPw', 'Enter']);
    for (let i = 0; i < 100 && !existsSync(done); i++) await sleep(100);
    assert.equal(readFileSync(done, 'utf8').trim(), '0');
    pane = spawnSync(TMUX, ['-L', sock, 'capture-pane', '-p', '-t', 'fgc-prompt']).stdout.toString();
    assert.match(pane, /^visible\.txt$/m);
    assert.doesNotMatch(pane, /Secr3tPw/, 'the password is not echoed');
  } finally {
    spawnSync(TMUX, ['-L', sock, 'kill-server']);
    await peer.stop();
  }
});
