// `npm run bench`: throughput and peak memory of the ftpgate server and client, side by side with vsftpd,
// pure-ftpd, ProFTPD, pyftpdlib (servers) and curl, lftp (clients), in one run, reported as ratios to ftpgate.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync, unlinkSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir, randomFile, MiB } from '../test/helpers/files.js';
import { peer } from '../test/helpers/peers.js';
import { startThirdPartyServer, thirdPartyAvailable, THIRD_PARTY_KINDS, type ThirdPartyKind } from '../test/helpers/third-party-servers.js';
import { timedRun, median, printTable, vmHwmKiB, type Row } from './measure.js';

const SIZE_MIB = Number(process.env.BENCH_MIB ?? 256);
const REPS = Number(process.env.BENCH_REPS ?? 3);
const SMALL = 200;
const MAIN = resolve('dist/src/cli/main.js');

interface Target { name: string; url: string; pid: number; stop(): Promise<void> }

async function startFtpgate(root: string): Promise<Target> {
  const child: ChildProcess = spawn(process.execPath, [MAIN, 'serve', '--listen', '127.0.0.1:0', '--root', root, '--user', 'bench:bench', '--pasv-ports', '55000-55999', '--log-file', '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] });
  // with --log-file the listening event goes to the file; read the banner on stderr instead
  const port = await new Promise<number>((res, rej) => {
    let err = '';
    child.stderr!.on('data', (d) => { err += d; const m = /on 127\.0\.0\.1:(\d+)/.exec(err); if (m) res(Number(m[1])); });
    child.on('exit', (c) => rej(new Error(`ftpgate exited ${c}: ${err}`)));
  });
  return {
    name: 'ftpgate', url: `ftp://bench:bench@127.0.0.1:${port}/`, pid: child.pid!,
    stop: async () => { const e = new Promise((r) => child.once('exit', r)); child.kill('SIGTERM'); await e; },
  };
}

/**
 * 200 small files on one connection, timed per file by curl. The rate is taken from the median file: curl 7.88 now and
 * then waits exactly 1 s before opening a data connection, against every server alike, which would otherwise swamp it;
 * those stalls are counted in their own column.
 */
async function smallFiles(curl: string, url: string, mode: string[], who: string): Promise<{ small: number; stalls: number }> {
  const args: string[] = ['-sS', '--fail', ...mode, '-w', '%{time_total}\\n'];
  for (let i = 0; i < SMALL; i++) args.push('-o', '/dev/null', url + `small/s${i}.bin`);
  const r = await timedRun(curl, args);
  if (r.code !== 0) throw new Error(`${who} small files failed: ${r.stderr}`);
  const times = r.stdout.trim().split('\n').map(Number);
  if (times.length !== SMALL) throw new Error(`${who}: curl reported ${times.length} of ${SMALL} transfers`);
  return { small: 1 / median(times), stalls: times.filter((t) => t >= 0.9).length };
}

async function benchServers(root: string, curl: string): Promise<string[]> {
  const out: string[] = [];
  const rows: Row[] = [];
  const starters: { name: string; start: () => Promise<Target> }[] = [{ name: 'ftpgate', start: () => startFtpgate(root) }];
  for (const kind of THIRD_PARTY_KINDS) {
    if (!thirdPartyAvailable(kind)) { console.error(`!!! ${kind} not available, left out of the comparison (bash scripts/install-peers.sh)`); continue; }
    starters.push({ name: kind, start: async () => {
      const s = await startThirdPartyServer(kind as ThirdPartyKind, { root, pasvPorts: { min: 55000, max: 55999 } });
      return { name: kind, url: s.url, pid: s.pid, stop: () => s.stop() };
    } });
  }
  for (const st of starters) {
    const t = await st.start();
    try {
      const down: number[] = [], up: number[] = [];
      for (let i = 0; i < REPS; i++) {
        const d = await timedRun(curl, ['-sS', '--fail', '-o', '/dev/null', t.url + 'big.bin']);
        if (d.code !== 0) throw new Error(`${t.name} download failed: ${d.stderr}`);
        down.push(d.ms);
        const u = await timedRun(curl, ['-sS', '--fail', '-T', join(root, 'big.bin'), t.url + `up-${i}.bin`]);
        if (u.code !== 0) throw new Error(`${t.name} upload failed: ${u.stderr}`);
        up.push(u.ms);
        try { unlinkSync(join(root, `up-${i}.bin`)); } catch { /* server may own it */ }
      }
      const sm = await smallFiles(curl, t.url, [], t.name);
      rows.push({ name: t.name, values: {
        down: SIZE_MIB / (median(down) / 1000),
        up: SIZE_MIB / (median(up) / 1000),
        small: sm.small,
        stalls: sm.stalls,
        rss: vmHwmKiB(t.pid) / 1024,
      } });
    } finally { await t.stop(); }
  }
  out.push(printTable(`Servers (client: curl, ${SIZE_MIB} MiB file, median of ${REPS}; ${SMALL} x 4 KiB files on one connection, rate of the median file)`, rows, [
    { key: 'down', label: 'download MiB/s', higherIsBetter: true, fmt: (n) => n.toFixed(0) },
    { key: 'up', label: 'upload MiB/s', higherIsBetter: true, fmt: (n) => n.toFixed(0) },
    { key: 'small', label: 'small files/s (median file)', higherIsBetter: true, fmt: (n) => n.toFixed(0) },
    { key: 'stalls', label: 'curl 1 s stalls', higherIsBetter: false, fmt: (n) => n.toFixed(0) },
    { key: 'rss', label: 'server peak RSS MiB (main process)', higherIsBetter: false, fmt: (n) => n.toFixed(1) },
  ]));
  return out;
}

async function benchClients(root: string, curl: string): Promise<string[]> {
  const t = await startFtpgate(root);
  const dl = join(root, '..', 'client-dl.bin');
  const rows: Row[] = [];
  const clients: { name: string; down: () => [string, string[]]; up: (i: number) => [string, string[]] }[] = [
    { name: 'ftpgate get/put', down: () => [process.execPath, [MAIN, 'get', '--mode', 'passive', t.url + 'big.bin', dl]], up: (i) => [process.execPath, [MAIN, 'put', '--mode', 'passive', join(root, 'big.bin'), t.url + `cup-${i}.bin`]] },
    { name: 'curl', down: () => [curl, ['-sS', '--fail', '-o', dl, t.url + 'big.bin']], up: (i) => [curl, ['-sS', '--fail', '-T', join(root, 'big.bin'), t.url + `cup-${i}.bin`]] },
  ];
  const lftp = peer('lftp');
  if (lftp) clients.push({ name: 'lftp', down: () => [lftp, ['-c', `set xfer:clobber on; open ${t.url}; get big.bin -o ${dl}`]], up: (i) => [lftp, ['-c', `open ${t.url}; put ${join(root, 'big.bin')} -o cup-${i}.bin`]] });
  try {
    for (const c of clients) {
      const down: number[] = [], up: number[] = [];
      let rssD = 0, rssU = 0;
      for (let i = 0; i < REPS; i++) {
        const [cmd, args] = c.down();
        const d = await timedRun(cmd, args);
        if (d.code !== 0) throw new Error(`${c.name} download failed: ${d.stderr}`);
        down.push(d.ms); rssD = Math.max(rssD, d.peakRssKiB);
        const [ucmd, uargs] = c.up(i);
        const u = await timedRun(ucmd, uargs);
        if (u.code !== 0) throw new Error(`${c.name} upload failed: ${u.stderr}`);
        up.push(u.ms); rssU = Math.max(rssU, u.peakRssKiB);
        rmSync(join(root, `cup-${i}.bin`), { force: true });
      }
      rows.push({ name: c.name, values: { down: SIZE_MIB / (median(down) / 1000), up: SIZE_MIB / (median(up) / 1000), rss: Math.max(rssD, rssU) / 1024 } });
    }
  } finally { await t.stop(); rmSync(dl, { force: true }); }
  return [printTable(`Clients (server: ftpgate, ${SIZE_MIB} MiB file, passive, median of ${REPS}; process start-up included)`, rows, [
    { key: 'down', label: 'download MiB/s', higherIsBetter: true, fmt: (n) => n.toFixed(0) },
    { key: 'up', label: 'upload MiB/s', higherIsBetter: true, fmt: (n) => n.toFixed(0) },
    { key: 'rss', label: 'client peak RSS MiB', higherIsBetter: false, fmt: (n) => n.toFixed(1) },
  ])];
}

/** The gateway's cost: the same transfers through `ftpgate gateway` and straight to the server (the ratio is the overhead). */
async function benchGateway(root: string, curl: string): Promise<string[]> {
  const srv = await startFtpgate(root);
  const port = Number(/:(\d+)\/$/.exec(srv.url)![1]);
  const gw: ChildProcess = spawn(process.execPath, [MAIN, 'gateway', '--listen', '127.0.0.1:0', '--upstream', `127.0.0.1:${port}`, '--pasv-ports', '57000-57999', '--log-file', '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const gwPort = await new Promise<number>((res, rej) => {
    let err = '';
    gw.stderr!.on('data', (d) => { err += d; const m = /gateway on 127\.0\.0\.1:(\d+)/.exec(err); if (m) res(Number(m[1])); });
    gw.on('exit', (c) => rej(new Error(`gateway exited ${c}: ${err}`)));
  });
  const viaGw = srv.url.replace(`:${port}/`, `:${gwPort}/`);
  const rows: Row[] = [];
  const targets = [
    { name: 'via gateway, client passive', url: viaGw, mode: [] as string[] },
    { name: 'via gateway, client active', url: viaGw, mode: ['-P', '127.0.0.1'] },
    { name: 'direct to the server', url: srv.url, mode: [] as string[] },
  ];
  try {
    for (const t of targets) {
      const down: number[] = [], up: number[] = [];
      for (let i = 0; i < REPS; i++) {
        const d = await timedRun(curl, ['-sS', '--fail', ...t.mode, '-o', '/dev/null', t.url + 'big.bin']);
        if (d.code !== 0) throw new Error(`${t.name} download failed: ${d.stderr}`);
        down.push(d.ms);
        const u = await timedRun(curl, ['-sS', '--fail', ...t.mode, '-T', join(root, 'big.bin'), t.url + `gup-${i}.bin`]);
        if (u.code !== 0) throw new Error(`${t.name} upload failed: ${u.stderr}`);
        up.push(u.ms);
        rmSync(join(root, `gup-${i}.bin`), { force: true });
      }
      const sm = await smallFiles(curl, t.url, t.mode, t.name);
      rows.push({ name: t.name, values: { down: SIZE_MIB / (median(down) / 1000), up: SIZE_MIB / (median(up) / 1000), small: sm.small, stalls: sm.stalls, rss: t.url === viaGw ? vmHwmKiB(gw.pid!) / 1024 : NaN } });
    }
  } finally {
    const e = new Promise((r) => gw.once('exit', r)); gw.kill('SIGTERM'); await e;
    await srv.stop();
  }
  return [printTable(`Gateway (curl → ftpgate gateway → ftpgate server vs curl → server, ${SIZE_MIB} MiB, median of ${REPS}; the gateway always passive to the server)`, rows, [
    { key: 'down', label: 'download MiB/s', higherIsBetter: true, fmt: (n) => n.toFixed(0) },
    { key: 'up', label: 'upload MiB/s', higherIsBetter: true, fmt: (n) => n.toFixed(0) },
    { key: 'small', label: 'small files/s (median file)', higherIsBetter: true, fmt: (n) => n.toFixed(0) },
    { key: 'stalls', label: 'curl 1 s stalls', higherIsBetter: false, fmt: (n) => n.toFixed(0) },
    { key: 'rss', label: 'gateway peak RSS MiB', higherIsBetter: false, fmt: (n) => (Number.isNaN(n) ? '-' : n.toFixed(1)) },
  ])];
}

async function main(): Promise<void> {
  const curl = peer('curl');
  if (!curl) throw new Error('curl is required for the benchmark (bash scripts/install-peers.sh)');
  const d = tempDir('fg-bench-', { worldReadable: true });
  try {
    const root = join(d.path, 'root');
    mkdirSync(join(root, 'small'), { recursive: true });
    await randomFile(join(root, 'big.bin'), SIZE_MIB * MiB);
    for (let i = 0; i < SMALL; i++) writeFileSync(join(root, 'small', `s${i}.bin`), Buffer.alloc(4096, i));
    console.log(`ftpgate benchmark: node ${process.version}, ${SIZE_MIB} MiB, ${REPS} repetitions, loopback`);
    const only = process.env.BENCH_ONLY?.split(',');
    if (!only || only.includes('servers')) await benchServers(root, curl);
    if (!only || only.includes('clients')) await benchClients(root, curl);
    if (!only || only.includes('gateway')) await benchGateway(root, curl);
  } finally { d.cleanup(); }
}

main().catch((err) => { console.error(`bench failed: ${err.message}`); process.exit(1); });
