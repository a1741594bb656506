/**
 * haproxy 2.6 counts the bytes of an HTTP message (%B, %U, the stats'
 * bytes_in/out) in its internal HTX representation, not on the wire:
 * the start line is a 20-byte `struct htx_sl` plus its three strings,
 * each header is its name plus its value (no ": ", no CRLF), the end of
 * headers is one byte, then the body's data (chunk framing removed).
 * Checked with haproxy 2.6: a 200 with `content-type: text/plain`,
 * `content-length: 2` and body "ok" logs 73 bytes (20+8+3+2 + 22+15 + 1 + 2),
 * the default 403 page logs 192.
 */
import type { H1Head } from '../http/h1-head.js';
import { renderedErrorMessage } from '../http/default-errors.js';

/** sizeof(struct htx_sl): flags, info, len[3] (htx-t.h). */
const HTX_SL = 20;
/** The EOH block. */
const HTX_EOH = 1;

/** The HTX size of a parsed head (request or response). */
export function htxHeadSize(h: H1Head): number {
  let n = HTX_SL + HTX_EOH;
  if (h.isResponse) n += (h.versionEnd - h.versionStart) + (h.statusEnd - h.statusStart) + (h.reasonEnd - h.reasonStart);
  else n += (h.methodEnd - h.methodStart) + (h.targetEnd - h.targetStart) + (h.versionEnd - h.versionStart);
  const a = h.hdr;
  for (let i = 0; i < h.count; i++) {
    const ns = a[i * 4]!, ne = a[i * 4 + 1]!, vs = a[i * 4 + 2]!, ve = a[i * 4 + 3]!;
    if (ne - ns === 10 && connectionOnly(h.buf.toString('latin1', ns, ne), h.buf.toString('latin1', vs, ve))) continue;
    n += (ne - ns) + (ve - vs);
  }
  return n;
}

/**
 * mux_h1.c: a `connection` header made only of `close`/`keep-alive` tokens
 * becomes a flag of the message and is not stored (checked with haproxy
 * 2.6: `Connection: close` adds nothing to %U).
 */
function connectionOnly(name: string, value: string): boolean {
  if (name.toLowerCase() !== 'connection') return false;
  for (const t of value.split(',')) {
    const k = t.trim().toLowerCase();
    if (k !== 'close' && k !== 'keep-alive' && k !== '') return false;
  }
  return true;
}

/**
 * haproxy's built-in 400 and 408 texts carry `Connection: close`
 * (http_err_msgs[]), kept in their HTX (10 + 5 bytes: the 400 page logs
 * 206, test/compat/http/gaps-chunked.test.ts); the stream's rendered copies
 * leave that header to the mux (default-errors.ts), so it is added back here.
 */
export function builtinPageExtra(raw: Buffer): number {
  return raw === renderedErrorMessage(400, { close: false }) || raw === renderedErrorMessage(408, { close: false }) ? 15 : 0;
}

/** The raw size of a parsed head on the wire. */
export function wireHeadSize(h: H1Head): number {
  return h.end - h.start;
}

/**
 * The HTX size of a complete, non-chunked message given as bytes (a
 * generated reply): start line parts, header names and trimmed values,
 * EOH, body.
 */
export function htxMessageSize(raw: Buffer): number {
  const text = raw.toString('latin1');
  const eoh = text.indexOf('\r\n\r\n');
  if (eoh < 0) return raw.length;
  const lines = text.slice(0, eoh).split('\r\n');
  const first = lines[0] ?? '';
  const sp1 = first.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : first.indexOf(' ', sp1 + 1);
  // The three parts without their separating spaces.
  let n = HTX_SL + HTX_EOH + first.length - (sp1 < 0 ? 0 : 1) - (sp2 < 0 ? 0 : 1);
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    const c = l.indexOf(':');
    if (c < 0) continue;
    const v = l.slice(c + 1).trim();
    if (connectionOnly(l.slice(0, c), v)) continue;
    n += c + v.length;
  }
  return n + (raw.length - eoh - 4);
}
