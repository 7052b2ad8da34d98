// JSON-lines logger of the server: one object per session event and per transfer, passwords never included.
import { closeSync, openSync, writeSync } from 'node:fs';

export type LogEvent = { event: string; [k: string]: unknown };
export type LogSink = (e: LogEvent) => void;

/**
 * A sink that writes one JSON line per event to a file (appended) or to stdout.
 * File lines are written synchronously: a line logged just before `process.exit()` (the disconnect
 * events of a SIGTERM shutdown) or before a crash is in the file, not lost in a stream's buffer.
 */
export function jsonLineSink(file?: string): LogSink & { close(): void } {
  const fd = file ? openSync(file, 'a') : undefined;
  let closed = false;
  let failed = false;
  const sink = ((e: LogEvent) => {
    const line = JSON.stringify({ ts: new Date().toISOString(), ...e }) + '\n';
    if (fd === undefined) { process.stdout.write(line); return; }
    if (closed) return;
    const buf = Buffer.from(line);
    try {
      for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off);
    } catch (err) {
      // a full disk must not take the server down; say it once
      if (!failed) process.stderr.write(`ftpgate: cannot write the log file ${file}: ${(err as Error).message}\n`);
      failed = true;
    }
  }) as LogSink & { close(): void };
  sink.close = () => {
    if (fd === undefined || closed) return;
    closed = true;
    closeSync(fd);
  };
  return sink;
}

export const silentSink: LogSink = () => {};
