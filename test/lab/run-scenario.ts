// Runs one scenario variant end to end: lab, rules, recorder, server, four data modes × LIST/RETR with curl (or ftplib), the
// ftpgate client in passive, active and auto mode, probes, teardown.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAttempts, type Attempt } from './connection-log.js';
import { checkGateTransfer, checkNat, checkTransfer, checkViaHelper, dataAttempts, gateAsTransfer, gateExpect, type GateExpect } from './expectations.js';
import { applyRuleset, type Ruleset } from './firewall.js';
import { curlTransfer, ftpgateTransfer, FTPGATE_CLI, pyTransfer, holdPassivePort, MODES, tcpProbe, type GateMode, type GateResult, type Mode, type Op, type ProbeResult, type TransferResult } from './ftp-client.js';
import { startServer, chooseServerKind, type RunningServer, type ServerKind } from './ftp-server.js';
import { run, spawnIn, stopChild } from './netns.js';
import { DECOY_PORT, PASV_RANGE, type Expect, type Probe, type Variant } from './scenarios.js';
import { Lab, ROLES, type Role } from './topology.js';
import { TraceRecorder } from './trace.js';

/** Where the rules come from: the scenario's hand-written nftables, or `ftpgate rules` in a format. */
export type RulesSource = 'hand' | 'nftables' | 'iptables';

/** Produces the ruleset for one placement; the generated-rules module plugs in here. */
export type RulesProvider = (variant: Variant, placementIndex: number) => Promise<Ruleset>;

export const handWrittenRules: RulesProvider = async (v, i) => ({ format: 'nftables', text: v.firewall[i].hand(v.plan), source: 'hand-written' });

export interface RunOptions {
  rules?: RulesProvider;
  rulesLabel?: string;
  /** the rules come from `ftpgate rules`: apply the variant's generatedExpect overrides */
  generated?: boolean;
  /** seconds a hung transfer waits before the client gives up (curl --max-time) */
  timeoutS?: number;
  serverKind?: ServerKind;
  /** run the ftpgate client too (default: when dist/src/cli/main.js exists, unless LAB_FTPGATE_CLIENT=0) */
  ftpgateClient?: boolean;
  /** the ftpgate client's --data-timeout, seconds (default LAB_GATE_DATA_TIMEOUT or 3) */
  gateDataTimeoutS?: number;
  /** progress lines for people */
  log?: (line: string) => void;
}

export interface Cell {
  mode: Mode;
  op: Op;
  expect: Expect;
  /** recorder clock (ms) when the transfer started / ended */
  start: number;
  end: number;
  transfer: TransferResult;
  attempts: Attempt[];
  failures: string[];
}

/** One ftpgate client run (`ftpgate ls` = LIST, `ftpgate get` = RETR) with --mode passive, active or auto. */
export interface GateCell extends GateExpect {
  mode: GateMode;
  op: Op;
  start: number;
  end: number;
  transfer: GateResult;
  attempts: Attempt[];
  failures: string[];
}

/** The order of the ftpgate client runs. auto runs RETR with an empty mode cache, then LIST with what that run remembered. */
export const GATE_RUNS: readonly { mode: GateMode; op: Op }[] = [
  { mode: 'passive', op: 'LIST' },
  { mode: 'passive', op: 'RETR' },
  { mode: 'active', op: 'LIST' },
  { mode: 'active', op: 'RETR' },
  { mode: 'auto', op: 'RETR' },
  { mode: 'auto', op: 'LIST' },
];

export interface ProbeRun {
  probe: Probe;
  description: string;
  start: number;
  end: number;
  results: { label: string; result: ProbeResult | { result: string; ms: number } }[];
  attempts: Attempt[];
  failures: string[];
}

export interface VariantRun {
  variant: Variant;
  serverKind: ServerKind;
  rulesLabel: string;
  rulesets: { role: Role; ruleset: Ruleset }[];
  cells: Cell[];
  /** the ftpgate client's runs (empty when its CLI is not built) */
  gateCells: GateCell[];
  probes: ProbeRun[];
  attempts: Attempt[];
  failures: string[];
  timeoutS: number;
  /** the ftpgate client's --data-timeout */
  gateDataTimeoutS: number;
  ms: number;
  lanes: Record<Role, string[]>;
  serverLog: string;
}

const USER = 'u';
const PASSWORD = 'lab-pass';
const FILE = 'file.bin';
/** an odd size so that off-by-one and block-size bugs show */
const FILE_SIZE = 256 * 1024 + 13;

/** A self-signed certificate for the address the client dials, so that it can be its own CA (ftpgate --tls-ca verifies it). */
async function makeCert(dir: string, address: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  await run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=ftpgate-lab', '-addext', `subjectAltName=IP:${address}`]);
  return { cert, key };
}

/** Starts a TCP listener on DECOY_PORT in the server namespace (the service that must stay unreachable). */
function startDecoy(lab: Lab) {
  return spawnIn(lab.ns.server, ['/usr/bin/python3', '-c', `import socket\ns = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\ns.bind(('0.0.0.0', ${DECOY_PORT})); s.listen(8)\nprint('ready', flush=True)\nwhile True:\n    c, _ = s.accept(); c.sendall(b'decoy secrets\\n'); c.close()\n`]);
}

export async function runVariant(v: Variant, opts: RunOptions = {}): Promise<VariantRun> {
  const t0 = performance.now();
  const timeoutS = opts.timeoutS ?? Number(process.env.LAB_TIMEOUT ?? 4);
  const gateDataTimeoutS = opts.gateDataTimeoutS ?? Number(process.env.LAB_GATE_DATA_TIMEOUT ?? 3);
  const gateClient = opts.ftpgateClient ?? (process.env.LAB_FTPGATE_CLIENT !== '0' && existsSync(FTPGATE_CLI));
  const log = opts.log ?? (() => {});
  const rules = opts.rules ?? handWrittenRules;
  const serverKind = opts.serverKind ?? chooseServerKind();
  const work = await mkdtemp(join(tmpdir(), 'fgl-lab-'));
  const root = join(work, 'root');
  await mkdir(root);
  const payload = randomBytes(FILE_SIZE);
  await writeFile(join(root, FILE), payload);
  const sha256 = createHash('sha256').update(payload).digest('hex');
  const lab = await Lab.create(v.plan);
  const rec = new TraceRecorder(lab);
  let server: RunningServer | undefined;
  const cells: Cell[] = [];
  const gateCells: GateCell[] = [];
  const probes: ProbeRun[] = [];
  const rulesets: VariantRun['rulesets'] = [];
  let decoy: ReturnType<typeof startDecoy> | undefined;
  let serverLog = '';
  try {
    for (let i = 0; i < v.firewall.length; i++) {
      const rs = await rules(v, i);
      await applyRuleset(lab.ns[v.firewall[i].role], rs);
      rulesets.push({ role: v.firewall[i].role, ruleset: rs });
    }
    await rec.start(ROLES);
    const tls = v.server.tls ? await makeCert(work, v.plan.serverTarget) : undefined;
    server = await startServer(lab.ns.server, { root, user: USER, password: PASSWORD, pasvPorts: PASV_RANGE, pasvAddress: v.server.pasvAddress, activeSourcePort20: v.server.activeSourcePort20, tls }, work, serverKind);
    log(`  ${v.id}: ${serverKind} server up in ${lab.ns.server}, rules: ${opts.rulesLabel ?? 'hand-written'}`);
    const expect = { ...v.expect, ...(opts.generated ? v.generatedExpect?.expect : {}) };
    for (const mode of MODES) {
      for (const op of ['LIST', 'RETR'] as Op[]) {
        const start = rec.now();
        const transfer = await (v.client === 'ftplib' ? pyTransfer : curlTransfer)(lab.ns.client, mode, op, { host: v.plan.serverTarget, user: USER, password: PASSWORD, timeoutS, tls: v.server.tls, usePasvAddress: v.usePasvAddress, file: FILE, outFile: join(work, `out-${mode}-${op}`) });
        cells.push({ mode, op, expect: expect[mode], start, end: rec.now(), transfer, attempts: [], failures: [] });
        log(`  ${v.id} ${mode.padEnd(4)} ${op}: ${v.client ?? 'curl'} exit ${transfer.exitCode} after ${(transfer.ms / 1000).toFixed(2)} s`);
      }
    }
    if (gateClient) {
      const cacheDir = join(work, 'ftpgate-cache');
      let remembered: GateCell['remembered'];
      for (const { mode, op } of GATE_RUNS) {
        const start = rec.now();
        const transfer = await ftpgateTransfer(lab.ns.client, mode, op, { host: v.plan.serverTarget, user: USER, password: PASSWORD, dataTimeoutS: gateDataTimeoutS, timeoutS: 10, tls: v.server.tls, caFile: tls?.cert, file: FILE, outFile: join(work, `out-ftpgate-${mode}-${op}`), cacheDir });
        gateCells.push({ mode, op, ...gateExpect(mode, expect, mode === 'auto' ? remembered : undefined), start, end: rec.now(), transfer, attempts: [], failures: [] });
        // the CLI saves the kind auto mode succeeded with; the next auto run starts with it
        if (mode === 'auto' && transfer.exitCode === 0 && transfer.used) remembered = transfer.used.kind;
        log(`  ${v.id} ftpgate --mode ${mode.padEnd(7)} ${op}: exit ${transfer.exitCode} after ${(transfer.ms / 1000).toFixed(2)} s${transfer.used ? `, used ${transfer.used.kind} (${transfer.used.command})` : ''}`);
      }
    }
    for (const p of v.probes ?? []) probes.push(await runProbe(p, v, lab, rec, { timeoutS, sha256 }));
    // let the monitors deliver the last lines
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    if (decoy) await stopChild(decoy, 200);
    serverLog = server?.output() ?? '';
    if (server) await server.stop();
    await rec.stop();
    await lab.destroy();
    await rm(work, { recursive: true, force: true });
  }
  // attribute every attempt to the cell or probe during which its first SYN left
  const attempts = buildAttempts(rec.passes, lab);
  const windows: { start: number; attempts: Attempt[] }[] = [...cells, ...gateCells, ...probes].sort((a, b) => a.start - b.start);
  for (const a of attempts) {
    let w: (typeof windows)[number] | undefined;
    for (const x of windows) if (x.start <= a.t) w = x;
    w?.attempts.push(a);
  }
  const failures: string[] = [];
  for (const c of cells) {
    c.failures = checkTransfer(c.transfer, c.attempts, c.expect, { fileName: FILE, sha256, timeoutS });
    if (v.viaHelper && c.expect === 'works') c.failures.push(...checkViaHelper(c.attempts));
    if (v.natCheck) c.failures.push(...checkNat(c.transfer, v.natCheck, v.plan, serverKind === 'ftpgate' ? serverLog : undefined));
    failures.push(...c.failures.map((f) => `${v.id} ${c.mode} ${c.op}: ${f}`));
  }
  for (const c of gateCells) {
    c.failures = checkGateTransfer(c.transfer, c.attempts, c, { fileName: FILE, sha256, timeoutS, dataTimeoutS: gateDataTimeoutS });
    if (v.viaHelper && c.expect === 'works') c.failures.push(...checkViaHelper(c.attempts));
    const asCurl = gateAsTransfer(c.transfer);
    if (v.natCheck && asCurl) c.failures.push(...checkNat(asCurl, v.natCheck, v.plan, serverKind === 'ftpgate' ? serverLog : undefined));
    failures.push(...c.failures.map((f) => `${v.id} ftpgate --mode ${c.mode} ${c.op}: ${f}`));
  }
  for (const p of probes) {
    p.failures.push(...checkProbeAttempts(p));
    failures.push(...p.failures.map((f) => `${v.id} ${p.description}: ${f}`));
  }
  const p = v.plan;
  const lanes: Record<Role, string[]> = {
    client: [p.client],
    intruder: [p.intruder],
    fw: [p.fwClientSide, ...(p.fwPublic ? [p.fwPublic] : []), p.fwServerSide],
    server: [p.server],
  };
  return { variant: v, serverKind, rulesLabel: opts.rulesLabel ?? 'hand-written', rulesets, cells, gateCells, probes, attempts, failures, timeoutS, gateDataTimeoutS, ms: performance.now() - t0, lanes, serverLog };

  async function runProbe(p: Probe, v: Variant, lab: Lab, rec: TraceRecorder, o: { timeoutS: number; sha256: string }): Promise<ProbeRun> {
    const probeTimeout = Math.min(2, o.timeoutS);
    const start = rec.now();
    const results: ProbeRun['results'] = [];
    const failures: string[] = [];
    let description: string;
    if (p.kind === 'decoy') {
      description = `decoy service on ${DECOY_PORT}`;
      decoy = startDecoy(lab);
      await new Promise<void>((res) => decoy!.stdout!.once('data', () => res()));
      const local = await tcpProbe(lab.ns.server, '127.0.0.1', DECOY_PORT, probeTimeout);
      results.push({ label: `server → 127.0.0.1:${DECOY_PORT} (proves the decoy listens)`, result: local });
      if (local.result !== 'connected') failures.push(`the decoy does not listen (local probe: ${local.result})`);
      for (const from of p.from) {
        const r = await tcpProbe(lab.ns[from], v.plan.serverTarget, DECOY_PORT, probeTimeout);
        results.push({ label: `${from} → ${v.plan.serverTarget}:${DECOY_PORT}`, result: r });
        if (r.result !== 'timeout') failures.push(`${from} reaching the decoy should time out (dropped), got ${r.result}`);
      }
    } else {
      description = `intruder dials the passive port announced to the client (${p.mode})`;
      const held = await holdPassivePort(lab.ns.client, { host: v.plan.serverTarget, user: USER, password: PASSWORD, mode: p.mode, file: FILE }, async (ann) => {
        const host = ann.host && ann.host !== '0.0.0.0' ? ann.host : v.plan.serverTarget;
        const r = await tcpProbe(lab.ns.intruder, host, ann.port, probeTimeout);
        results.push({ label: `intruder → ${host}:${ann.port} (announced to the client: ${ann.reply})`, result: r });
        if (r.result !== 'timeout') failures.push(`the intruder should be dropped on the announced port ${ann.port}, got ${r.result}`);
      });
      if (held.error || !held.transfer) failures.push(`the client's transfer after the intruder's attempt failed: ${held.error}`);
      else {
        results.push({ label: `client RETR on the same port: ${held.transfer.final}`, result: { result: held.transfer.sha256 === o.sha256 ? 'sha256 ok' : 'sha256 MISMATCH', ms: 0 } });
        if (held.transfer.sha256 !== o.sha256) failures.push(`client's RETR SHA-256 mismatch (${held.transfer.bytes} bytes)`);
        if (!held.transfer.final.startsWith('226')) failures.push(`client's RETR ended with ${held.transfer.final}`);
      }
    }
    await new Promise((r) => setTimeout(r, 200));
    return { probe: p, description, start, end: rec.now(), results, attempts: [], failures };
  }
}

/** The recorder must agree with the probes: the intruder's/decoy attempts are drops by a named rule. */
function checkProbeAttempts(p: ProbeRun): string[] {
  const bad: string[] = [];
  if (p.probe.kind === 'decoy') {
    for (const from of p.probe.from) {
      const a = p.attempts.find((x) => x.from === from && x.dst.port === DECOY_PORT);
      if (!a) bad.push(`the recorder saw no attempt from ${from} to ${DECOY_PORT}`);
      else if (a.outcome !== 'dropped') bad.push(`the recorder says ${from}'s attempt to ${DECOY_PORT} was ${a.outcome}`);
    }
  } else {
    const a = dataAttempts(p.attempts).find((x) => x.from === 'intruder');
    if (!a) bad.push('the recorder saw no attempt from the intruder');
    else if (a.outcome !== 'dropped') bad.push(`the recorder says the intruder's attempt was ${a.outcome}`);
    if (!dataAttempts(p.attempts).some((x) => x.from === 'client' && x.outcome === 'accepted')) bad.push("the recorder saw no accepted data connection from the client");
  }
  return bad;
}
