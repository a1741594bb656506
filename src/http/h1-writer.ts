/**
 * HTTP/1 serialization: a parsed head (with the stream's modifications) into
 * one Buffer, and chunked framing for body slices.
 *
 * The output follows what haproxy 2.6's H1 multiplexer writes (observed on the
 * wire, see H1_NORMALIZATIONS in h1-errors.ts): lowercase field names,
 * `name: value` with the value trimmed, CRLF line ends, single spaces in the
 * start line, `HTTP/1.1` for any 1.1+ version, fields the parser marked
 * HDR_DROPPED left out, Connection values without close / keep-alive.
 *
 * `writeHead` measures first, allocates once and copies the kept byte ranges
 * straight from the input Buffer (whole runs of lines at once when they are
 * already in output form): no string is built for a field that is not
 * modified.
 */
import { type CanonicalHead, H1Head, HDR_CONN_CLEAN, HDR_DROPPED, MSG_HTTP09, MSG_VER_11 } from './h1-head.js';

/** Changes applied while writing a head; everything not mentioned is written as parsed. */
export interface HeadPatch {
  /** Request line overrides. */
  readonly method?: string;
  readonly target?: string;
  /** Status line overrides. */
  readonly status?: number | string;
  readonly reason?: string;
  /** Version override (default: `HTTP/1.1` for 1.1+, otherwise as received). */
  readonly version?: string;
  /** Indexes of fields not to write (in addition to those the parser dropped). */
  readonly remove?: ReadonlySet<number> | readonly number[];
  /** New values for fields, by index. */
  readonly replace?: ReadonlyMap<number, string>;
  /** Fields written after the kept ones. */
  readonly add?: ReadonlyArray<readonly [name: string, value: string]>;
  /** Write received names in their original case instead of lowercase. */
  readonly keepNameCase?: boolean;
}

const CRLF = 0x0d0a;

/** The version haproxy writes for this head: `HTTP/1.1` when it is 1.1 or above, otherwise as received. */
export function outputVersion(head: H1Head): string {
  if (head.flags & MSG_VER_11) return 'HTTP/1.1';
  if (head.flags & MSG_HTTP09) return 'HTTP/1.0';
  return head.versionText();
}

function removedSet(r: HeadPatch['remove']): ((i: number) => boolean) | null {
  if (r === undefined) return null;
  if (Array.isArray(r)) {
    const s = new Set<number>(r as readonly number[]);
    return (i) => s.has(i);
  }
  const s = r as ReadonlySet<number>;
  return (i) => s.has(i);
}

/** The Connection value with its close and keep-alive tokens removed (haproxy h1_parse_connection_header). */
export function cleanConnectionValue(value: string): string {
  const out: string[] = [];
  for (const t of value.split(',')) {
    const w = t.trim();
    if (w === '') continue;
    const l = w.toLowerCase();
    if (l === 'close' || l === 'keep-alive') continue;
    out.push(w);
  }
  return out.join(', ');
}

/**
 * Copies `src[s, e)` to `out` at `p`; small ranges by hand (Buffer#copy has a
 * fixed cost that dominates below a few dozen bytes). Returns the new offset.
 */
function copyRange(src: Buffer, s: number, e: number, out: Buffer, p: number): number {
  if (e - s > 48) return p + src.copy(out, p, s, e);
  for (let i = s; i < e; i++) out[p++] = src[i] ?? 0;
  return p;
}

/** Whether `buf[s, e)` holds exactly the ASCII `text`. */
function sameText(buf: Buffer, s: number, e: number, text: string): boolean {
  if (e - s !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (buf[s + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** Lowercases `buf[s, e)` in place. */
function lowercaseInPlace(buf: Buffer, s: number, e: number): void {
  for (let i = s; i < e; i++) {
    const c = buf[i] ?? 0;
    if (c >= 0x41 && c <= 0x5a) buf[i] = c + 0x20;
  }
}

/** Source name ranges of the lines in the pending run (reused; writeHead is not reentrant). */
let runNames = new Int32Array(64);

/**
 * Serializes `head` with `patch` applied into a single Buffer (start line,
 * fields, empty line), ready for one `write`.
 *
 * Runs of lines already in their output form (`name: value\r\n`, single
 * spaces in the start line) are copied in one piece, then their names are
 * lowercased in the output (unless `keepNameCase`). The input is not modified.
 */
export function writeHead(head: H1Head, patch: HeadPatch = {}): Buffer {
  const src = head.buf;
  const isRemoved = removedSet(patch.remove);
  const replace = patch.replace;
  const lowercase = patch.keepNameCase !== true;
  const hdr = head.hdr;
  const fl = head.hdrFlags;

  // ---- start line: three pieces, each a source range or a string
  let a: string | null = null;
  let b: string | null = null;
  let c: string | null = null;
  let as: number;
  let ae: number;
  let bs: number;
  let be: number;
  let cs: number;
  let ce: number;
  const normVersion = head.flags & (MSG_VER_11 | MSG_HTTP09) ? outputVersion(head) : null;
  const version = patch.version ?? (normVersion !== null && !sameText(src, head.versionStart, head.versionEnd, normVersion) ? normVersion : null);
  if (!head.isResponse) {
    if (patch.method !== undefined) a = patch.method;
    if (patch.target !== undefined) b = patch.target;
    c = version;
    as = head.methodStart;
    ae = head.methodEnd;
    bs = head.targetStart;
    be = head.targetEnd;
    cs = head.versionStart;
    ce = head.versionEnd;
  } else {
    a = version;
    if (patch.status !== undefined) b = String(patch.status);
    if (patch.reason !== undefined) c = patch.reason;
    as = head.versionStart;
    ae = head.versionEnd;
    bs = head.statusStart;
    be = head.statusEnd;
    cs = head.reasonStart;
    ce = head.reasonEnd;
  }
  let total = (a !== null ? Buffer.byteLength(a, 'latin1') : ae - as) + (b !== null ? Buffer.byteLength(b, 'latin1') : be - bs) + (c !== null ? Buffer.byteLength(c, 'latin1') : ce - cs) + 4 + 2;
  // the start line is in output form in the source: one range
  const lineCanonical = a === null && b === null && c === null && src[ae] === 0x20 && bs === ae + 1 && src[be] === 0x20 && cs === be + 1 && src[ce] === 0x0d && src[ce + 1] === 0x0a && !(head.flags & MSG_HTTP09);

  // ---- fields: measure (and lowercase names in place)
  let cleaned: Map<number, string> | null = null;
  for (let i = 0; i < head.count; i++) {
    const f = fl[i] ?? 0;
    if (f & HDR_DROPPED || (isRemoved !== null && isRemoved(i))) continue;
    const o = i * 4;
    const ns = hdr[o] ?? 0;
    const ne = hdr[o + 1] ?? 0;
    let valueLen: number;
    const r = replace?.get(i);
    if (r !== undefined) {
      valueLen = Buffer.byteLength(r, 'latin1');
    } else if (f & HDR_CONN_CLEAN) {
      const v = cleanConnectionValue(head.value(i));
      (cleaned ??= new Map()).set(i, v);
      valueLen = v.length;
    } else {
      valueLen = (hdr[o + 3] ?? 0) - (hdr[o + 2] ?? 0);
    }
    total += ne - ns + valueLen + 4;
  }
  const add = patch.add;
  if (add !== undefined) for (const [n, v] of add) total += Buffer.byteLength(n, 'latin1') + Buffer.byteLength(v, 'latin1') + 4;

  // ---- write: contiguous source runs are copied at once
  const out = Buffer.allocUnsafe(total);
  let p = 0;
  let runS = -1;
  let runE = -1;
  let runCount = 0;
  if (runNames.length < head.count * 2) runNames = new Int32Array(head.count * 2);
  const names = runNames;
  if (lineCanonical) {
    runS = as;
    runE = ce + 2;
  } else {
    p = a !== null ? p + out.write(a, p, 'latin1') : copyRange(src, as, ae, out, p);
    out[p++] = 0x20;
    p = b !== null ? p + out.write(b, p, 'latin1') : copyRange(src, bs, be, out, p);
    out[p++] = 0x20;
    p = c !== null ? p + out.write(c, p, 'latin1') : copyRange(src, cs, ce, out, p);
    out.writeUInt16BE(CRLF, p);
    p += 2;
  }
  for (let i = 0; i < head.count; i++) {
    const f = fl[i] ?? 0;
    if (f & HDR_DROPPED || (isRemoved !== null && isRemoved(i))) continue;
    const o = i * 4;
    const ns = hdr[o] ?? 0;
    const ne = hdr[o + 1] ?? 0;
    const vs = hdr[o + 2] ?? 0;
    const ve = hdr[o + 3] ?? 0;
    const r = replace?.get(i) ?? cleaned?.get(i);
    if (r === undefined && vs === ne + 2 && src[ne + 1] === 0x20 && src[ve] === 0x0d && src[ve + 1] === 0x0a) {
      // `name: value\r\n` as is
      if (runS < 0 || runE !== ns) {
        if (runS >= 0) p = flushRun(src, runS, runE, out, p, names, runCount, lowercase);
        runS = ns;
        runCount = 0;
      }
      runE = ve + 2;
      names[runCount * 2] = ns;
      names[runCount * 2 + 1] = ne;
      runCount++;
      continue;
    }
    if (runS >= 0) {
      p = flushRun(src, runS, runE, out, p, names, runCount, lowercase);
      runS = -1;
      runCount = 0;
    }
    const at = p;
    p = copyRange(src, ns, ne, out, p);
    if (lowercase) lowercaseInPlace(out, at, p);
    out[p++] = 0x3a;
    out[p++] = 0x20;
    p = r !== undefined ? p + out.write(r, p, 'latin1') : copyRange(src, vs, ve, out, p);
    out.writeUInt16BE(CRLF, p);
    p += 2;
  }
  if (runS >= 0) p = flushRun(src, runS, runE, out, p, names, runCount, lowercase);
  if (add !== undefined) {
    for (const [n, v] of add) {
      p += out.write(lowercase ? n.toLowerCase() : n, p, 'latin1');
      out[p++] = 0x3a;
      out[p++] = 0x20;
      p += out.write(v, p, 'latin1');
      out.writeUInt16BE(CRLF, p);
      p += 2;
    }
  }
  out.writeUInt16BE(CRLF, p);
  return out;
}

/** Copies a run of source lines, then lowercases the names it holds in the output. */
function flushRun(src: Buffer, runS: number, runE: number, out: Buffer, p: number, names: Int32Array, count: number, lowercase: boolean): number {
  const end = copyRange(src, runS, runE, out, p);
  if (lowercase) {
    const d = p - runS;
    for (let k = 0; k < count; k++) lowercaseInPlace(out, (names[k * 2] ?? 0) + d, (names[k * 2 + 1] ?? 0) + d);
  }
  return end;
}

/** Serializes a canonical (string) head: start line, fields in order (names lowercased unless `keepNameCase`), empty line. */
export function writeCanonical(h: CanonicalHead, opts: { keepNameCase?: boolean } = {}): Buffer {
  let s = h.isResponse ? `${h.version} ${h.statusText !== '' ? h.statusText : String(h.status)} ${h.reason}\r\n` : `${h.method} ${h.target} ${h.version}\r\n`;
  for (const [n, v] of h.headers) s += `${opts.keepNameCase === true ? n : n.toLowerCase()}: ${v}\r\n`;
  s += '\r\n';
  return Buffer.from(s, 'latin1');
}

// ---- chunked transfer coding (RFC 9112 §7.1) -----------------------------------

/** The CRLF that ends every chunk's data. */
export const CHUNK_END: Buffer = Buffer.from('\r\n', 'latin1');
/** The last chunk without trailers. */
export const LAST_CHUNK: Buffer = Buffer.from('0\r\n\r\n', 'latin1');

const chunkHeaderCache: Buffer[] = [];

/** `<hex size>\r\n` for a chunk of `size` bytes (small sizes are cached and shared: do not modify). */
export function chunkHeader(size: number): Buffer {
  if (size < 4096) {
    let b = chunkHeaderCache[size];
    if (b === undefined) {
      b = Buffer.from(`${size.toString(16)}\r\n`, 'latin1');
      chunkHeaderCache[size] = b;
    }
    return b;
  }
  return Buffer.from(`${size.toString(16)}\r\n`, 'latin1');
}

/**
 * Body slices received in one read, sent on as one chunk: haproxy's H1 mux
 * re-frames what its buffer holds when it sends, so the slices a read
 * brought leave as a single chunk whatever their framing was.
 */
export class ChunkBatch {
  private readonly parts: Buffer[] = [];
  private len = 0;

  add(b: Buffer): void {
    this.parts.push(b);
    this.len += b.length;
  }

  clear(): void {
    this.parts.length = 0;
    this.len = 0;
  }

  /** Writes the gathered slices as one chunk (nothing when empty: an empty chunk would end the body). */
  flush(write: (b: Buffer) => void): void {
    if (this.len === 0) return;
    write(chunkHeader(this.len));
    for (const b of this.parts) write(b);
    write(CHUNK_END);
    this.clear();
  }
}

/**
 * The pieces of one chunk for a gathered write (`writev` / cork): header,
 * the data itself (not copied), CRLF. Empty data gives no piece (an empty
 * chunk would end the body).
 */
export function encodeChunk(buf: Buffer, start = 0, end = buf.length): Buffer[] {
  if (end <= start) return [];
  const data = start === 0 && end === buf.length ? buf : buf.subarray(start, end);
  return [chunkHeader(end - start), data, CHUNK_END];
}

/**
 * The last chunk followed by trailer fields (names lowercased, as haproxy
 * writes them) and the final empty line; LAST_CHUNK when there are none.
 */
export function writeLastChunk(trailers?: H1Head | ReadonlyArray<readonly [string, string]>): Buffer {
  if (trailers === undefined) return LAST_CHUNK;
  let s = '0\r\n';
  if (trailers instanceof H1Head) {
    trailers.forEachHeader((n, v) => {
      s += `${n.toLowerCase()}: ${v}\r\n`;
    });
  } else {
    for (const [n, v] of trailers) s += `${n.toLowerCase()}: ${v}\r\n`;
  }
  s += '\r\n';
  return Buffer.from(s, 'latin1');
}
