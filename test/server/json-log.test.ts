// The server's JSON log: a login event and one transfer event (bytes, file name) per transfer, and never a password —
// through the in-process `logger` and through `ftpgate serve --log-file` (JSON lines in the file, nothing on stdout).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { FtpServer } from '../../src/server/index.js';
import type { LogEvent } from '../../src/server/log.js';
import { peer, requirePeer, repoRoot, run, describeRun } from '../helpers/peers.js';
import { RawFtp } from '../helpers/raw-ftp.js';
import { tempDir, randomFile, sha256File, type TempDir } from '../helpers/files.js';

const USER = 'logger';
// distinctive strings, so "appears nowhere" cannot pass by accident
const PASSWORD = 'Pw-7f3a9c-Secret';
const WRONG = 'Wrong-9d2e1b-Guess';
const SIZE = 65537;

let dir: TempDir;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

before(() => { dir = tempDir('fg-jsonlog-'); });
after(() => { dir?.cleanup(); });

async function curl(args: string[], expectCode = 0) {
  const full = ['-sS', '--max-time', '30', ...args];
  const r = await run(peer('curl')!, full, { timeoutMs: 40_000 });
  assert.equal(r.code, expectCode, describeRun('curl', full, r));
  return r;
}

/** Upload then download one file with curl (password in the URL), plus a failed login; returns the file's SHA-256. */
async function exercise(port: number, name: string, passiveMode: string[]): Promise<string> {
  const src = join(dir.path, `${name}.src`);
  const sha = await randomFile(src, SIZE);
  const url = `ftp://${USER}:${PASSWORD}@127.0.0.1:${port}/${name}`;
  await curl([...passiveMode, '-T', src, url]);
  await curl([...passiveMode, '-o', join(dir.path, `${name}.back`), url]);
  assert.equal(await sha256File(join(dir.path, `${name}.back`)), sha);
  // a wrong password: curl gives up with CURLE_LOGIN_DENIED after 530
  await curl([`ftp://${USER}:${WRONG}@127.0.0.1:${port}/`], 67);
  return sha;
}

/** The checks shared by both ways of logging. `lines` are the serialised log lines. */
function checkLog(lines: string[], events: LogEvent[], name: string): void {
  for (const l of lines) {
    assert.ok(!l.includes(PASSWORD), `the password appears in the log: ${l}`);
    assert.ok(!l.includes(WRONG), `a wrong password appears in the log: ${l}`);
  }
  const logins = events.filter((e) => e.event === 'login');
  assert.equal(logins.length, 2, `expected 2 login events (upload, download): ${JSON.stringify(logins)}`);
  for (const l of logins) {
    assert.equal(l.user, USER);
    assert.equal(l.peer, '127.0.0.1');
    assert.equal(l.anonymous, false);
    assert.match(String(l.session), /^[0-9a-f]{8}$/);
  }
  const failed = events.filter((e) => e.event === 'login-failed');
  assert.equal(failed.length, 1);
  assert.equal(failed[0].name, USER);
  assert.ok(events.some((e) => e.event === 'command' && e.line === 'PASS ****'), 'the PASS command is not logged masked');
  assert.ok(events.some((e) => e.event === 'connect' && e.peer === '127.0.0.1'));
  const transfers = events.filter((e) => e.event === 'transfer');
  assert.deepEqual(transfers.map((t) => [t.verb, t.path, t.bytes, t.result, t.user]), [
    ['STOR', `/${name}`, SIZE, 'ok', USER],
    ['RETR', `/${name}`, SIZE, 'ok', USER],
  ]);
  // a transfer belongs to the session that logged in
  assert.deepEqual(transfers.map((t) => logins.some((l) => l.session === t.session)), [true, true]);
}

test('logger option: login and one transfer event per transfer with bytes and name; no password in any event', async (t) => {
  if (!requirePeer(t, 'curl')) return;
  const events: LogEvent[] = [];
  const root = join(dir.path, 'root-inproc');
  const server = new FtpServer({
    listen: [{ host: '127.0.0.1', port: 0 }], root, users: [{ name: USER, password: PASSWORD }],
    pasvPorts: { min: 55200, max: 55249 }, logger: (e) => events.push(e),
  });
  const [{ port }] = await server.listen();
  try {
    await exercise(port, 'inproc.bin', []);
    // the masking does not depend on the verb's case or on a failed attempt coming first
    const c = await RawFtp.connect(port);
    assert.equal((await c.next())!.code, 220);
    await c.cmd(`USER ${USER}`);
    assert.equal((await c.cmd(`pass ${WRONG}`)).code, 530);
    await c.cmd(`user ${USER}`);
    assert.equal((await c.cmd(`pAsS ${PASSWORD}`)).code, 230);
    assert.equal((await c.cmd('QUIT')).code, 221);
    c.close();
    await sleep(200);
  } finally {
    await server.close(100);
  }
  const lines = events.map((e) => JSON.stringify(e));
  const raw = events.filter((e) => e.event === 'login' || e.event === 'login-failed');
  assert.equal(raw.length, 5, `login events: ${JSON.stringify(raw)}`);
  // the RawFtp session's events are checked for leaks; the curl sessions for the event shapes
  const rawSession = events.find((e) => e.event === 'command' && e.line === 'pass ****')?.session;
  assert.ok(rawSession, 'lower-case "pass" was not logged masked');
  checkLog(lines, events.filter((e) => e.session !== rawSession), 'inproc.bin');
});

interface LoggedCli { child: ChildProcess; port: number; stdout: () => string; stderr: () => string; stop(): Promise<void> }

/** `ftpgate serve --log-file FILE`; the port comes from the banner on stderr (the log goes to the file). */
async function startLogged(logFile: string, root: string, pasv: string): Promise<LoggedCli> {
  const main = join(repoRoot(), 'dist/src/cli/main.js');
  const child = spawn(process.execPath, [main, 'serve', '--listen', '127.0.0.1:0', '--root', root, '--user', `${USER}:${PASSWORD}`,
    '--pasv-ports', pasv, '--log-file', logFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 15_000);
    child.stderr!.on('data', () => {
      const m = new RegExp(`ftpgate serving .* on 127\\.0\\.0\\.1:(\\d+) \\(passive ports ${pasv}\\)`).exec(stderr);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`serve exited ${code}: ${stderr}`)); });
  });
  return {
    child, port, stdout: () => stdout, stderr: () => stderr,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const readLog = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');

test('serve --log-file: JSON lines in the file (none on stdout), login and transfer lines, no password', async (t) => {
  if (!requirePeer(t, 'curl')) return;
  const logFile = join(dir.path, 'server.log');
  const srv = await startLogged(logFile, join(dir.path, 'root-cli'), '55250-55299');
  try {
    // active mode this time (the in-process test used passive)
    await exercise(srv.port, 'cli.bin', ['-P', '127.0.0.1']);
    // the sink may write asynchronously: wait until the download's transfer line is in the file
    const deadline = Date.now() + 10_000;
    while (!(readLog(logFile).match(/"event":"transfer"/g)?.length === 2 && readLog(logFile).includes('"event":"login-failed"')) && Date.now() < deadline) await sleep(100);
    const text = readLog(logFile);
    assert.ok(text.endsWith('\n'), 'the log does not end with a complete line');
    const lines = text.split('\n').filter(Boolean);
    const events = lines.map((l) => JSON.parse(l) as LogEvent & { ts: string });
    for (const e of events) assert.ok(!Number.isNaN(Date.parse(e.ts)), `no timestamp: ${JSON.stringify(e)}`);
    const listening = events.find((e) => e.event === 'listening');
    assert.equal(listening?.port, srv.port);
    assert.equal(listening?.pasvPorts, '55250-55299');
    checkLog(lines, events, 'cli.bin');
    assert.ok(events.some((e) => e.event === 'transfer' && e.mode === 'active'), 'the transfers were not active as asked');
    assert.equal(srv.stdout(), '', 'log lines went to stdout although --log-file was given');
    assert.ok(!srv.stderr().includes(PASSWORD), 'the password was printed on stderr');
  } finally {
    await srv.stop();
  }
});

test('serve --log-file: the lines of a SIGTERM shutdown (one disconnect per open session) all reach the file', async () => {
  const logFile = join(dir.path, 'shutdown.log');
  const srv = await startLogged(logFile, join(dir.path, 'root-shutdown'), '55250-55299');
  const clients: RawFtp[] = [];
  try {
    for (let i = 0; i < 5; i++) {
      const c = await RawFtp.connect(srv.port);
      await c.login(USER, PASSWORD);
      clients.push(c);
    }
    const deadline = Date.now() + 10_000;
    while ((readLog(logFile).match(/"event":"login"/g)?.length ?? 0) < 5 && Date.now() < deadline) await sleep(50);
  } finally {
    await srv.stop();
    for (const c of clients) c.close();
  }
  assert.equal(srv.child.exitCode, 0, srv.stderr());
  const text = readLog(logFile);
  assert.ok(text.endsWith('\n'), 'the log does not end with a complete line');
  const events = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogEvent);
  const loggedIn = events.filter((e) => e.event === 'login').map((e) => e.session).sort();
  const gone = events.filter((e) => e.event === 'disconnect').map((e) => e.session).sort();
  assert.equal(loggedIn.length, 5);
  assert.deepEqual(gone, loggedIn, 'disconnect lines written while shutting down were lost');
});
