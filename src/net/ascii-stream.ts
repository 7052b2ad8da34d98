// TYPE A conversion streams: LF → CRLF when sending, CRLF → LF when receiving (chunk boundaries handled).
import { Transform, type TransformCallback } from 'node:stream';

/** Local text → network ASCII: every LF not already preceded by CR becomes CRLF. */
export class ToNetworkAscii extends Transform {
  private lastWasCR = false;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    let extra = 0;
    for (let i = 0; i < chunk.length; i++) if (chunk[i] === 0x0a && (i === 0 ? !this.lastWasCR : chunk[i - 1] !== 0x0d)) extra++;
    if (extra === 0) {
      if (chunk.length) this.lastWasCR = chunk[chunk.length - 1] === 0x0d;
      cb(null, chunk);
      return;
    }
    const out = Buffer.allocUnsafe(chunk.length + extra);
    let j = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === 0x0a && (i === 0 ? !this.lastWasCR : chunk[i - 1] !== 0x0d)) out[j++] = 0x0d;
      out[j++] = b;
    }
    this.lastWasCR = chunk[chunk.length - 1] === 0x0d;
    cb(null, out);
  }
}

/** Network ASCII → local text: CRLF becomes LF; a lone CR is kept. */
export class FromNetworkAscii extends Transform {
  private pendingCR = false;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const out = Buffer.allocUnsafe(chunk.length + 1);
    let j = 0;
    let i = 0;
    if (this.pendingCR) {
      this.pendingCR = false;
      if (chunk.length && chunk[0] === 0x0a) { out[j++] = 0x0a; i = 1; } else out[j++] = 0x0d;
    }
    for (; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === 0x0d) {
        if (i + 1 === chunk.length) { this.pendingCR = true; break; }
        if (chunk[i + 1] === 0x0a) continue;
      }
      out[j++] = b;
    }
    cb(null, out.subarray(0, j));
  }
  override _flush(cb: TransformCallback): void {
    cb(null, this.pendingCR ? Buffer.from([0x0d]) : undefined);
  }
}
