// JSON-lines logger of the server: one object per session event and per transfer, passwords never included.
import { createWriteStream, type WriteStream } from 'node:fs';

export type LogEvent = { event: string; [k: string]: unknown };
export type LogSink = (e: LogEvent) => void;

/** A sink that writes one JSON line per event to a stream (stdout by default). */
export function jsonLineSink(file?: string): LogSink & { close(): void } {
  let out: NodeJS.WritableStream = process.stdout;
  let ws: WriteStream | undefined;
  if (file) out = ws = createWriteStream(file, { flags: 'a' });
  const sink = ((e: LogEvent) => {
    out.write(JSON.stringify({ ts: new Date().toISOString(), ...e }) + '\n');
  }) as LogSink & { close(): void };
  sink.close = () => ws?.end();
  return sink;
}

export const silentSink: LogSink = () => {};
