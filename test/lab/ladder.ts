// Draws a scenario run as a ladder diagram — who dialled whom, which rule dropped it, the FTP conversation — as text and as SVG.
import { ruleText, type Attempt } from './connection-log.js';
import type { ControlLine } from './ftp-client.js';
import type { Cell, GateCell, ProbeRun, VariantRun } from './run-scenario.js';
import type { Role } from './topology.js';

const LANES: readonly Role[] = ['client', 'intruder', 'fw', 'server'];

export type LadderEvent =
  | { kind: 'section'; t: number; text: string }
  | { kind: 'control'; t: number; from: Role; to: Role; text: string }
  /** until: end of the transfer the attempt belongs to (SYNs after it are not counted) */
  | { kind: 'attempt'; t: number; attempt: Attempt; until?: number }
  | { kind: 'note'; t: number; text: string; ok: boolean };

/** FTP commands worth drawing (the rest — USER, PWD, TYPE... — only with verbose). */
const KEY_COMMAND = /^(AUTH|PROT|PASV|EPSV|PORT|EPRT|LIST|MLSD|NLST|RETR)\b/;
const KEY_REPLY = /^(1\d\d|226|227|229|230|234|4\d\d|5\d\d)/;

function controlEvents(lines: readonly ControlLine[], base: number, verbose: boolean): LadderEvent[] {
  const out: LadderEvent[] = [];
  let lastKeptWasCommand = false;
  for (const l of lines) {
    const t = base + l.ms;
    if (l.dir === 'command') {
      const keep = verbose || KEY_COMMAND.test(l.text);
      if (keep) out.push({ kind: 'control', t, from: 'client', to: 'server', text: l.text });
      lastKeptWasCommand = keep;
    } else {
      if (verbose || lastKeptWasCommand || KEY_REPLY.test(l.text)) out.push({ kind: 'control', t, from: 'server', to: 'client', text: l.text });
      lastKeptWasCommand = false;
    }
  }
  return out;
}

function cellNote(c: Cell, timeoutS: number): { text: string; ok: boolean } {
  const tr = c.transfer;
  const secs = (tr.ms / 1000).toFixed(2);
  const who = tr.argv[0].includes('python') ? 'ftplib' : 'curl';
  let what: string;
  if (tr.exitCode === 0) what = tr.op === 'LIST' ? `listing arrived (${tr.listing.trim().split('\n').length} line(s))` : `file arrived, ${tr.bytes} bytes, SHA-256 ${tr.sha256?.slice(0, 12)}… matches`;
  else if (tr.exitCode === 28) what = `${who} gave up after ${secs} s (its ${timeoutS} s timeout, exit 28): the data connection never came`;
  else what = `${who} failed after ${secs} s (exit ${tr.exitCode})`;
  if (tr.exitCode === 0 && tr.op === 'RETR' && c.failures.length) what = `file arrived, ${tr.bytes} bytes`;
  const verdict = c.failures.length ? `✗ expected "${c.expect}", but: ${c.failures.join('; ')}` : `✓ ${c.expect} as expected`;
  return { text: `${what} — ${verdict}`, ok: c.failures.length === 0 };
}

function gateNote(c: GateCell, dataTimeoutS: number): { text: string; ok: boolean } {
  const g = c.transfer;
  const secs = (g.ms / 1000).toFixed(2);
  let what: string;
  if (g.exitCode === 0) {
    what = g.op === 'LIST' ? `listing arrived (${g.listing.trim().split('\n').length} line(s))` : `file arrived, ${g.bytes} bytes${c.failures.length ? '' : `, SHA-256 ${g.sha256?.slice(0, 12)}… matches`}`;
    if (g.used) what += `; ftpgate: "data connection: ${g.used.kind} (${g.used.command})${g.used.fellBackFrom ? `, after ${g.used.fellBackFrom.kind} failed` : ''}"`;
  } else what = `ftpgate exit ${g.exitCode} after ${secs} s (--data-timeout ${dataTimeoutS}): ${g.error?.message ?? g.log.trim().split('\n').slice(-1)[0] ?? ''}`;
  const expected = c.mode === 'auto' ? (c.working.length ? `works via ${c.working.join(' or ')}` : 'fails: no kind works') : c.expect;
  const verdict = c.failures.length ? `✗ expected "${expected}", but: ${c.failures.join('; ')}` : `✓ ${expected} as expected`;
  return { text: `${what} — ${verdict}`, ok: c.failures.length === 0 };
}

/** The events of a run in time order, one section per transfer and probe. */
export function ladderEvents(run: VariantRun, opts: { verbose?: boolean } = {}): LadderEvent[] {
  const events: LadderEvent[] = [];
  for (const c of run.cells) {
    events.push({ kind: 'section', t: c.start, text: `${c.mode} · ${c.op} — expected: ${c.expect}` });
    const body: LadderEvent[] = [...controlEvents(c.transfer.control, c.start, !!opts.verbose), ...c.attempts.map((a): LadderEvent => ({ kind: 'attempt', t: a.t, attempt: a, until: c.end }))];
    body.sort((a, b) => a.t - b.t);
    events.push(...body);
    events.push({ kind: 'note', t: c.end, ...cellNote(c, run.timeoutS) });
  }
  for (const c of run.gateCells) {
    const expected = c.mode === 'auto' ? `${c.working.length ? `works via ${c.working.join(' or ')}` : 'no kind works'}${c.remembered ? `; remembers ${c.remembered}` : ''}` : c.expect;
    events.push({ kind: 'section', t: c.start, text: `ftpgate client --mode ${c.mode} · ${c.op} — expected: ${expected}` });
    const body: LadderEvent[] = [...controlEvents(c.transfer.control, c.start, !!opts.verbose), ...c.attempts.map((a): LadderEvent => ({ kind: 'attempt', t: a.t, attempt: a, until: c.end }))];
    body.sort((a, b) => a.t - b.t);
    events.push(...body);
    events.push({ kind: 'note', t: c.end, ...gateNote(c, run.gateDataTimeoutS) });
  }
  for (const p of run.probes) events.push(...probeEvents(p));
  return events;
}

function probeEvents(p: ProbeRun): LadderEvent[] {
  const out: LadderEvent[] = [{ kind: 'section', t: p.start, text: `probe: ${p.description}` }];
  out.push(...p.attempts.map((a): LadderEvent => ({ kind: 'attempt', t: a.t, attempt: a, until: p.end })));
  for (const r of p.results) out.push({ kind: 'note', t: p.end, text: `${r.label}: ${r.result.result}${r.result.ms ? ` after ${r.result.ms} ms` : ''}`, ok: true });
  out.push({ kind: 'note', t: p.end, text: p.failures.length ? `✗ ${p.failures.join('; ')}` : '✓ as expected', ok: p.failures.length === 0 });
  return out;
}

/** Where an attempt's arrow ends and how it is drawn. */
function attemptShape(a: Attempt, until?: number): { end: Role; head: 'arrow' | 'cross' | 'question' | 'bounce'; label: string; note: string; tone: 'ok' | 'bad' | 'warn' } {
  const dst = `${a.dst.addr}:${a.dst.port}`;
  const nat = a.translatedDst ? ` ⇒ ${a.translatedDst.addr}:${a.translatedDst.port}` : a.translatedSrc ? ` (from ${a.translatedSrc.addr}:${a.translatedSrc.port} after NAT)` : '';
  const label = `SYN ${a.src.addr}:${a.src.port} → ${dst}${nat}`;
  const times = until === undefined ? a.synTimes : a.synTimes.filter((t) => t <= until);
  const span = times.length > 1 ? ` in ${((times[times.length - 1] - times[0]) / 1000).toFixed(1)} s` : '';
  const tries = times.length > 1 ? ` (${times.length} SYNs${span}, no answer)` : '';
  switch (a.outcome) {
    case 'accepted': {
      const rel = a.acceptedBy.find((x) => /related/.test(x.rule));
      return { end: a.to, head: 'arrow', label, note: rel ? `accepted as RELATED by ${rel.role} (FTP helper expectation): ${ruleText(rel.rule).split(' — ')[0]}` : 'accepted', tone: 'ok' };
    }
    case 'dropped':
      return { end: a.droppedBy!.role, head: 'cross', label, note: `DROPPED by ${a.droppedBy!.role}: [${a.droppedBy!.chain}] ${ruleText(a.droppedBy!.rule)}${tries}`, tone: 'bad' };
    case 'refused':
      return { end: a.to, head: 'bounce', label, note: 'refused (RST)', tone: 'warn' };
    default:
      return { end: a.to, head: 'question', label, note: `no answer${tries}`, tone: 'warn' };
  }
}

// ------------------------------------------------------------------ text ------------------------------------------------------------------

const TIME_W = 8;
const LANE_GAP = 22;
const laneX = (r: Role) => TIME_W + 2 + LANES.indexOf(r) * LANE_GAP;
const NOTE_X = laneX('server') + 3;

function paint(tone: 'ok' | 'bad' | 'warn' | 'dim' | 'bold', s: string, color: boolean): string {
  if (!color) return s;
  const code = { ok: '32', bad: '31', warn: '33', dim: '2', bold: '1' }[tone];
  return `\x1b[${code}m${s}\x1b[0m`;
}

function laneRow(): string[] {
  const row = Array.from({ length: NOTE_X }, () => ' ');
  for (const r of LANES) row[laneX(r)] = '│';
  return row;
}

/** The ladder as terminal text (ANSI colours when color is true). */
export function renderText(run: VariantRun, opts: { color?: boolean; verbose?: boolean } = {}): string {
  const color = !!opts.color;
  const v = run.variant;
  const out: string[] = [];
  out.push(paint('bold', `Scenario ${v.id}: ${v.title}`, color));
  out.push(`server: ${run.serverKind} · rules: ${run.rulesLabel} · client: ${v.client ?? 'curl'}${run.gateCells.length ? ` and ftpgate (--data-timeout ${run.gateDataTimeoutS} s)` : ''} · timeout ${run.timeoutS} s`);
  out.push(`why: ${v.why}`);
  if (v.generatedExpect && run.rulesLabel.startsWith('ftpgate rules')) out.push(`with generated rules: ${v.generatedExpect.why}`);
  out.push('');
  const head = Array.from({ length: NOTE_X + 30 }, () => ' ');
  const put = (row: string[], x: number, s: string) => [...s].forEach((ch, i) => (row[x + i] = ch));
  put(head, 0, 't (s)');
  for (const r of LANES) put(head, laneX(r) - Math.floor(r.length / 2), r);
  out.push(head.join('').trimEnd());
  const addrRow = Array.from({ length: NOTE_X + 40 }, () => ' ');
  for (const r of LANES) {
    const a = run.lanes[r][0];
    put(addrRow, Math.max(0, laneX(r) - Math.floor(a.length / 2)), a);
  }
  out.push(addrRow.join('').trimEnd());
  if (run.lanes.fw.length > 1) {
    const more = Array.from({ length: NOTE_X + 40 }, () => ' ');
    const extra = run.lanes.fw.slice(1).join(' ');
    put(more, laneX('fw') - Math.floor(extra.length / 2), extra);
    out.push(more.join('').trimEnd());
  }
  let sectionStart = 0;
  for (const e of ladderEvents(run, opts)) {
    if (e.kind === 'section') {
      sectionStart = e.t;
      out.push('');
      out.push(paint('bold', `── ${e.text} ${'─'.repeat(Math.max(2, NOTE_X + 20 - e.text.length))}`, color));
      continue;
    }
    const time = `+${((e.t - sectionStart) / 1000).toFixed(3)}`.padStart(TIME_W);
    if (e.kind === 'note') {
      const row = laneRow();
      out.push(row.join('') + ' ' + paint(e.ok ? 'ok' : 'bad', e.text, color));
      continue;
    }
    let from: Role, end: Role, label: string, note = '', tone: 'ok' | 'bad' | 'warn' | 'dim', head: 'arrow' | 'cross' | 'question' | 'bounce', lineCh: string;
    if (e.kind === 'control') {
      from = e.from;
      end = e.to;
      label = e.text;
      tone = 'dim';
      head = 'arrow';
      lineCh = '╌';
    } else {
      const s = attemptShape(e.attempt, e.until);
      from = e.attempt.from;
      end = s.end;
      label = s.label;
      note = s.note;
      tone = s.tone;
      head = s.head;
      lineCh = '━';
    }
    const x1 = laneX(from);
    const x2 = laneX(end);
    const span = Math.abs(x2 - x1);
    const inline = span >= label.length + 6;
    if (!inline) {
      // label on its own row above the arrow
      const lrow = laneRow();
      const lx = Math.min(x1, x2) + 2;
      const tail = lrow.slice(lx + label.length).join('');
      out.push(time + lrow.slice(TIME_W, lx).join('') + label + (lx + label.length < NOTE_X ? tail : ''));
    }
    // arrow row
    const row = laneRow();
    const dir = x2 >= x1 ? 1 : -1;
    const labelAt = inline ? Math.min(x1, x2) + 3 : -1;
    if (x1 === x2) {
      // dropped by the initiator's own firewall (output chain): a stub towards the target
      const toward = laneX(e.kind === 'attempt' ? e.attempt.to : end) >= x1 ? 1 : -1;
      for (let i = 1; i <= 3; i++) row[x1 + toward * i] = lineCh;
      row[x1 + toward * 4] = '✕';
    } else {
      for (let x = x1 + dir; x !== x2; x += dir) row[x] = lineCh;
      if (head === 'arrow') row[x2 - dir] = dir > 0 ? '▶' : '◀';
      if (head === 'cross') row[x2] = '✕';
      if (head === 'question') row[x2 - dir] = '?';
      if (head === 'bounce') row[x2 - dir] = '↩';
      if (inline) [...` ${label} `].forEach((ch, i) => (row[labelAt - 1 + i] = ch));
    }
    out.push((inline ? time : ' '.repeat(TIME_W)) + paint(tone, row.join('').slice(TIME_W), color) + (note ? ' ' + paint(tone === 'dim' ? 'dim' : tone, note, color) : ''));
  }
  out.push('');
  out.push(run.failures.length ? paint('bad', `✗ ${run.failures.length} expectation(s) failed`, color) : paint('ok', `✓ scenario ${v.id}: every transfer and probe behaved as the seeds say`, color));
  return out.map((l) => l.trimEnd()).join('\n');
}

// ------------------------------------------------------------------ SVG ------------------------------------------------------------------

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const TONE_COLOR = { ok: '#1a7f37', bad: '#cf222e', warn: '#9a6700', dim: '#57606a' } as const;

/** The ladder as a standalone SVG document. */
export function renderSvg(run: VariantRun, opts: { verbose?: boolean } = {}): string {
  const v = run.variant;
  const X0 = 150;
  const GAP = 230;
  const sx = (r: Role) => X0 + LANES.indexOf(r) * GAP;
  const noteX = sx('server') + 24;
  const width = noteX + 780;
  const ROW = 34;
  const events = ladderEvents(run, opts);
  const top = 150;
  const height = top + events.length * ROW + 60;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="ui-monospace, Menlo, Consolas, monospace" font-size="12">`);
  parts.push('<defs>');
  for (const [tone, c] of Object.entries(TONE_COLOR)) parts.push(`<marker id="h-${tone}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${c}"/></marker>`);
  parts.push('</defs>');
  parts.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  parts.push(`<text x="16" y="26" font-size="16" font-weight="bold">${esc(`Scenario ${v.id}: ${v.title}`)}</text>`);
  parts.push(`<text x="16" y="46" fill="#57606a">${esc(`server: ${run.serverKind} · rules: ${run.rulesLabel} · client: ${v.client ?? 'curl'}${run.gateCells.length ? ` and ftpgate (--data-timeout ${run.gateDataTimeoutS} s)` : ''} · timeout ${run.timeoutS} s`)}</text>`);
  parts.push(`<text x="16" y="64" fill="#57606a">${esc(v.why.length > 190 ? v.why.slice(0, 187) + '…' : v.why)}</text>`);
  for (const r of LANES) {
    const x = sx(r);
    parts.push(`<rect x="${x - 80}" y="80" width="160" height="${38 + (r === 'fw' ? 14 * (run.lanes.fw.length - 1) : 0)}" rx="6" fill="#f6f8fa" stroke="#d0d7de"/>`);
    parts.push(`<text x="${x}" y="96" text-anchor="middle" font-weight="bold">${r}</text>`);
    run.lanes[r].forEach((a, i) => parts.push(`<text x="${x}" y="${111 + i * 14}" text-anchor="middle" fill="#57606a">${esc(a)}</text>`));
    parts.push(`<line x1="${x}" y1="${top - 14}" x2="${x}" y2="${height - 40}" stroke="#d0d7de" stroke-width="2"/>`);
  }
  let y = top;
  let sectionStart = 0;
  for (const e of events) {
    y += ROW;
    if (e.kind === 'section') {
      sectionStart = e.t;
      parts.push(`<rect x="8" y="${y - 22}" width="${width - 16}" height="26" fill="#eaeef2"/>`);
      parts.push(`<text x="16" y="${y - 5}" font-weight="bold">${esc(e.text)}</text>`);
      continue;
    }
    parts.push(`<text x="16" y="${y}" fill="#57606a">${esc(`+${((e.t - sectionStart) / 1000).toFixed(3)} s`)}</text>`);
    if (e.kind === 'note') {
      parts.push(`<text x="${X0 - 70}" y="${y}" fill="${e.ok ? TONE_COLOR.ok : TONE_COLOR.bad}">${esc(e.text.length > 170 ? e.text.slice(0, 167) + '…' : e.text)}</text>`);
      continue;
    }
    if (e.kind === 'control') {
      const x1 = sx(e.from);
      const x2 = sx(e.to);
      parts.push(`<line x1="${x1}" y1="${y}" x2="${x2 + (x2 > x1 ? -2 : 2)}" y2="${y}" stroke="${TONE_COLOR.dim}" stroke-dasharray="5 4" marker-end="url(#h-dim)"/>`);
      parts.push(`<text x="${Math.min(x1, x2) + 12}" y="${y - 5}" fill="${TONE_COLOR.dim}">${esc(e.text)}</text>`);
      continue;
    }
    const s = attemptShape(e.attempt, e.until);
    const x1 = sx(e.attempt.from);
    let x2 = sx(s.end);
    const c = TONE_COLOR[s.tone];
    if (x1 === x2) x2 = x1 + (sx(e.attempt.to) >= x1 ? 40 : -40);
    const marker = s.head === 'arrow' ? ` marker-end="url(#h-${s.tone})"` : '';
    parts.push(`<line x1="${x1}" y1="${y}" x2="${x2}" y2="${y}" stroke="${c}" stroke-width="2.5"${marker}/>`);
    if (s.head === 'cross') parts.push(`<path d="M${x2 - 7},${y - 7} L${x2 + 7},${y + 7} M${x2 - 7},${y + 7} L${x2 + 7},${y - 7}" stroke="${c}" stroke-width="3"/>`);
    if (s.head === 'question') parts.push(`<text x="${x2}" y="${y + 4}" text-anchor="middle" fill="${c}" font-weight="bold">?</text>`);
    if (s.head === 'bounce') parts.push(`<text x="${x2}" y="${y + 4}" text-anchor="middle" fill="${c}" font-weight="bold">↩</text>`);
    parts.push(`<text x="${Math.min(x1, x2) + 12}" y="${y - 6}" fill="${c}">${esc(s.label)}</text>`);
    // the note goes beside the server lane, or one line lower when the label runs into it
    const labelEnd = Math.min(x1, x2) + 12 + s.label.length * 7.3;
    parts.push(`<text x="${noteX}" y="${labelEnd > noteX - 8 ? y + 15 : y + 4}" fill="${c}">${esc(s.note)}</text>`);
  }
  parts.push(`<text x="16" y="${height - 16}" font-weight="bold" fill="${run.failures.length ? TONE_COLOR.bad : TONE_COLOR.ok}">${esc(run.failures.length ? `✗ ${run.failures.length} expectation(s) failed` : `✓ scenario ${v.id}: every transfer and probe behaved as the seeds say`)}</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}
