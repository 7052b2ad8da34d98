// Benchmark measurement tools: timed child runs with peak RSS (VmHWM from /proc), medians, and the ratio table.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Timed { ms: number; code: number | null; peakRssKiB: number; stderr: string; stdout: string }

export function vmHwmKiB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch { return 0; }
}

/** Run a command to completion, timing it and sampling its peak RSS until it exits. */
export function timedRun(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    let peak = 0;
    let stderr = '';
    let stdout = '';
    child.stderr!.on('data', (d) => { if (stderr.length < 4096) stderr += d; });
    child.stdout!.on('data', (d) => { if (stdout.length < 65536) stdout += d; });
    const timer = setInterval(() => { peak = Math.max(peak, vmHwmKiB(child.pid!)); }, 20);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, code, peakRssKiB: peak, stderr, stdout });
    });
  });
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
}

export interface Row { name: string; values: Record<string, number> }

/** Print rows with each metric and its ratio to the reference row (the first). */
export function printTable(title: string, rows: Row[], metrics: { key: string; label: string; higherIsBetter: boolean; fmt: (n: number) => string }[]): string {
  const ref = rows[0];
  const header = ['', ...metrics.map((m) => m.label)];
  const lines: string[][] = [header];
  for (const r of rows) {
    lines.push([r.name, ...metrics.map((m) => {
      const v = r.values[m.key];
      if (v === undefined || Number.isNaN(v)) return 'n/a';
      const base = ref.values[m.key];
      const ratio = r === ref || !base ? '' : ` (${(v / base).toFixed(2)}x)`;
      return m.fmt(v) + ratio;
    })]);
  }
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  const out = [`\n## ${title}`, ...lines.map((l) => l.map((c, i) => c.padEnd(widths[i])).join('  '))].join('\n');
  console.log(out);
  return out;
}
