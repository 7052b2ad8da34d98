// Transfer progress for the CLI: a cli-progress bar (size, rate, ETA) on a terminal, plain lines when not a TTY.
import cliProgress from 'cli-progress';

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}

export interface Progress {
  update(bytes: number): void;
  finish(bytes: number): void;
  stop(): void;
}

/** A progress display for one file. `total` may be unknown (-1). Writes to stderr; nothing when quiet. */
export function createProgress(label: string, total: number, opts: { quiet?: boolean; stream?: NodeJS.WriteStream; startAt?: number }): Progress {
  const stream = opts.stream ?? process.stderr;
  const startAt = opts.startAt ?? 0;
  const started = Date.now();
  if (opts.quiet) return { update() {}, finish() {}, stop() {} };
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar({
      stream,
      format: `${label} [{bar}] {percentage}% | {done} / {size} | {rate} | ETA {eta_formatted}`,
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 20,
      fps: 10,
      noTTYOutput: false,
    }, cliProgress.Presets.shades_classic);
    const size = total >= 0 ? total : 0;
    const payload = (b: number) => {
      const secs = Math.max((Date.now() - started) / 1000, 0.001);
      return { done: formatBytes(b), size: total >= 0 ? formatBytes(total) : '?', rate: `${formatBytes(Math.round((b - startAt) / secs))}/s` };
    };
    bar.start(Math.max(size, 1), Math.min(startAt, Math.max(size, 1)), payload(startAt));
    let stopped = false;
    return {
      update(b) { if (!stopped) bar.update(total > 0 ? b : 0, payload(b)); },
      finish(b) { if (!stopped) { bar.update(Math.max(size, 1), payload(b)); bar.stop(); stopped = true; } },
      stop() { if (!stopped) { bar.stop(); stopped = true; } },
    };
  }
  // Not a terminal: a start line, at most one line per second, and an end line.
  let last = 0;
  stream.write(`${label}: ${total >= 0 ? formatBytes(total) : 'size unknown'}${startAt ? `, resuming at ${formatBytes(startAt)}` : ''}\n`);
  return {
    update(b) {
      const now = Date.now();
      if (now - last < 1000) return;
      last = now;
      const pct = total > 0 ? ` (${Math.floor((b / total) * 100)}%)` : '';
      stream.write(`${label}: ${formatBytes(b)}${total >= 0 ? ` of ${formatBytes(total)}` : ''}${pct}\n`);
    },
    finish(b) {
      const secs = Math.max((Date.now() - started) / 1000, 0.001);
      stream.write(`${label}: done, ${b} bytes in ${secs.toFixed(1)} s (${formatBytes(Math.round((b - startAt) / secs))}/s)\n`);
    },
    stop() {},
  };
}
