/**
 * A small, permissive HTTP/1.1 message splitter for the test helpers: finds
 * where one request or response ends in a byte stream, so origins can answer
 * pipelined requests and clients can read keep-alive responses. It is not the
 * proxy's parser (src/http/) and never judges validity: it only frames.
 *
 * Framing follows RFC 9112 §6.3: no body for 1xx/204/304 and responses to
 * HEAD; chunked when Transfer-Encoding ends in "chunked"; else Content-Length;
 * else requests have no body and responses run until the connection closes.
 */

export type HeaderList = Array<[name: string, value: string]>;

export interface H1Message {
  /** Exact bytes of the whole message (head + framed body as sent). */
  readonly raw: Buffer;
  /** The request or status line, without CRLF. */
  readonly startLine: string;
  readonly headers: HeaderList;
  /** The body with chunked framing removed. */
  readonly body: Buffer;
  /** Trailers of a chunked body. */
  readonly trailers: HeaderList;
}

export interface H1Request extends H1Message {
  readonly method: string;
  readonly target: string;
  readonly version: string;
}

export interface H1Response extends H1Message {
  readonly version: string;
  readonly status: number;
  readonly reason: string;
}

/** Value of the first header called `name` (case-insensitive), or undefined. */
export function header(headers: HeaderList, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [n, v] of headers) if (n.toLowerCase() === lower) return v;
  return undefined;
}

/** All values of the headers called `name` (case-insensitive). */
export function headerValues(headers: HeaderList, name: string): string[] {
  const lower = name.toLowerCase();
  return headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
}

function findHeadEnd(buf: Buffer, from: number): { end: number; sep: number } | null {
  const crlf = buf.indexOf('\r\n\r\n', from, 'latin1');
  const lf = buf.indexOf('\n\n', from, 'latin1');
  if (crlf === -1 && lf === -1) return null;
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return { end: crlf, sep: 4 };
  return { end: lf, sep: 2 };
}

function parseFields(lines: string[]): HeaderList {
  const out: HeaderList = [];
  for (const l of lines) {
    if (l === '') continue;
    const c = l.indexOf(':');
    if (c === -1) out.push([l, '']);
    else out.push([l.slice(0, c), l.slice(c + 1).trim()]);
  }
  return out;
}

/** The head of a message: start line, fields and where the body starts. */
export interface H1Head {
  readonly startLine: string;
  readonly headers: HeaderList;
  readonly bodyStart: number;
}

/** Parses the head of the message at `from`; null until the empty line has arrived. */
export function parseHead(buf: Buffer, from: number): H1Head | null {
  // RFC 9112 §2.2: a recipient SHOULD ignore at least one empty line before the request-line.
  let start = from;
  while (start < buf.length && (buf[start] === 0x0d || buf[start] === 0x0a)) start++;
  const e = findHeadEnd(buf, start);
  if (!e) return null;
  const lines = buf.toString('latin1', start, e.end).split(/\r?\n/);
  return { startLine: lines[0] ?? '', headers: parseFields(lines.slice(1)), bodyStart: e.end + e.sep };
}

/** Decodes a chunked body starting at `pos`; null when incomplete. */
function dechunk(buf: Buffer, pos: number): { body: Buffer; trailers: HeaderList; end: number } | null {
  const parts: Buffer[] = [];
  let p = pos;
  for (;;) {
    const eol = buf.indexOf('\n', p, 'latin1');
    if (eol === -1) return null;
    const sizeText = buf.toString('latin1', p, eol).replace(/\r$/, '').split(';')[0]?.trim() ?? '';
    const size = parseInt(sizeText, 16);
    if (Number.isNaN(size)) return { body: Buffer.concat(parts), trailers: [], end: buf.length };
    p = eol + 1;
    if (size === 0) {
      // Trailer section then an empty line.
      const lines: string[] = [];
      for (;;) {
        const te = buf.indexOf('\n', p, 'latin1');
        if (te === -1) return null;
        const line = buf.toString('latin1', p, te).replace(/\r$/, '');
        p = te + 1;
        if (line === '') return { body: Buffer.concat(parts), trailers: parseFields(lines), end: p };
        lines.push(line);
      }
    }
    if (buf.length < p + size) return null;
    parts.push(buf.subarray(p, p + size));
    p += size;
    // CRLF after the chunk data.
    if (buf.length < p + 1) return null;
    if (buf[p] === 0x0d) {
      if (buf.length < p + 2) return null;
      p += 2;
    } else if (buf[p] === 0x0a) p += 1;
  }
}

function isChunked(headers: HeaderList): boolean {
  const te = headerValues(headers, 'transfer-encoding').join(',').toLowerCase();
  const codings = te.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return codings[codings.length - 1] === 'chunked';
}

/**
 * Splits the next request from `buf` at `from`. Returns null until the whole
 * request (head and body) is there.
 */
export function nextRequest(buf: Buffer, from = 0): { msg: H1Request; end: number } | null {
  const h = parseHead(buf, from);
  if (!h) return null;
  const [method = '', target = '', version = ''] = h.startLine.split(' ');
  let body: Buffer = Buffer.alloc(0);
  let trailers: HeaderList = [];
  let end = h.bodyStart;
  if (isChunked(h.headers)) {
    const d = dechunk(buf, h.bodyStart);
    if (!d) return null;
    ({ body, trailers, end } = d);
  } else {
    const cl = header(h.headers, 'content-length');
    const n = cl === undefined ? 0 : parseInt(cl, 10);
    if (n > 0) {
      if (buf.length < h.bodyStart + n) return null;
      body = buf.subarray(h.bodyStart, h.bodyStart + n);
      end = h.bodyStart + n;
    }
  }
  const raw = Buffer.from(buf.subarray(from, end));
  return { msg: { raw, startLine: h.startLine, headers: h.headers, body: Buffer.from(body), trailers, method, target, version }, end };
}

/**
 * Splits the next response from `buf` at `from`. `closed` says the peer
 * closed (a response without length then ends at the end of the buffer);
 * `headRequest` says it answers a HEAD (no body). Interim 1xx responses are
 * returned as responses of their own. Returns null until complete.
 */
export function nextResponse(
  buf: Buffer,
  from = 0,
  opts: { closed?: boolean; headRequest?: boolean } = {},
): { msg: H1Response; end: number } | null {
  const h = parseHead(buf, from);
  if (!h) {
    if (opts.closed && from < buf.length) {
      // Truncated head: report what there is so callers can see it.
      const raw = Buffer.from(buf.subarray(from));
      return { msg: { raw, startLine: raw.toString('latin1'), headers: [], body: Buffer.alloc(0), trailers: [], version: '', status: 0, reason: '' }, end: buf.length };
    }
    return null;
  }
  const sp1 = h.startLine.indexOf(' ');
  const version = sp1 === -1 ? h.startLine : h.startLine.slice(0, sp1);
  const rest = sp1 === -1 ? '' : h.startLine.slice(sp1 + 1);
  const sp2 = rest.indexOf(' ');
  const status = parseInt(sp2 === -1 ? rest : rest.slice(0, sp2), 10) || 0;
  const reason = sp2 === -1 ? '' : rest.slice(sp2 + 1);
  let body: Buffer = Buffer.alloc(0);
  let trailers: HeaderList = [];
  let end = h.bodyStart;
  const noBody = opts.headRequest === true || (status >= 100 && status < 200) || status === 204 || status === 304;
  if (!noBody) {
    if (isChunked(h.headers)) {
      const d = dechunk(buf, h.bodyStart);
      if (!d) {
        if (!opts.closed) return null;
        end = buf.length;
        body = buf.subarray(h.bodyStart);
      } else ({ body, trailers, end } = d);
    } else {
      const cl = header(h.headers, 'content-length');
      if (cl !== undefined) {
        const n = parseInt(cl, 10) || 0;
        if (buf.length < h.bodyStart + n) {
          if (!opts.closed) return null;
          end = buf.length;
        } else end = h.bodyStart + n;
        body = buf.subarray(h.bodyStart, end);
      } else {
        if (!opts.closed) return null;
        end = buf.length;
        body = buf.subarray(h.bodyStart);
      }
    }
  }
  const raw = Buffer.from(buf.subarray(from, end));
  return {
    msg: { raw, startLine: h.startLine, headers: h.headers, body: Buffer.from(body), trailers, version, status, reason },
    end,
  };
}
