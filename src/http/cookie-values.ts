/**
 * The byte-level parts of haproxy's cookie persistence (http_ana.c 2.6),
 * on header values as latin1 strings: walking the cookies of a `Cookie`
 * header (RFC 6265 §5.4 and haproxy's tolerance of spaces, quotes and `$`
 * attributes), removing one in place as http_del_hdr_value() does, and the
 * 30-bit base64 date stamps of `maxidle` / `maxlife` (tools.c s30tob64() and
 * b64tos30()).
 *
 * Pure functions: src/http/cookie-persistence.ts applies them to messages.
 */

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64REV = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < 64; i++) t[B64.charCodeAt(i)] = i;
  return t;
})();

/**
 * tools.c s30tob64(): the lower 30 bits of `v` as 5 base64 characters, most
 * significant first, unpadded.
 */
export function s30tob64(v: number): string {
  let out = '';
  let x = v | 0;
  for (let i = 0; i < 5; i++) {
    out += B64[(x >> 24) & 0x3f];
    x <<= 6;
  }
  return out;
}

/** tools.c b64tos30(): decodes 5 characters at `at`; -1 on a character outside the alphabet. */
export function b64tos30(s: string, at: number): number {
  let out = 0;
  for (let i = 0; i < 5; i++) {
    const c = s.charCodeAt(at + i);
    const b = c < 128 ? (B64REV[c] ?? -1) : -1;
    if (b < 0) return -1;
    out = (out << 6) + b;
  }
  return out;
}

/** HTTP_IS_SPHT(). */
export function isSpHt(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/**
 * http_find_cookie_value_end(): the end of a cookie value starting at `s`,
 * respecting quoted strings; `;` and `,` end an unquoted value.
 */
export function cookieValueEnd(h: string, s: number, e: number): number {
  let quoted = false;
  let qdpair = false;
  for (; s < e; s++) {
    const c = h.charCodeAt(s);
    if (qdpair) qdpair = false;
    else if (quoted) {
      if (c === 0x5c) qdpair = true;
      else if (c === 0x22) quoted = false;
    } else if (c === 0x22) quoted = true;
    else if (c === 0x2c || c === 0x3b) return s;
  }
  return s;
}

/** The result of {@link delHeaderValue}: the new value, the shift of what followed, the new `from`. */
export interface Deletion {
  readonly value: string;
  readonly delta: number;
  readonly from: number;
}

/**
 * http_ana.c http_del_hdr_value(): deletes the cookie between the delimiter
 * at `from` (or the start) and the one at `next` (or the end). The `next`
 * delimiter replaces the `from` one, followed by one space when there is
 * room, and blanks around them are dropped; removing the first cookie eats
 * its delimiter and the blanks after it.
 */
export function delHeaderValue(h: string, from: number, next: number): Deletion {
  const end = h.length;
  let prev = from;
  let written = '';
  if (prev === 0) {
    if (next < end) next++;
    while (next < end && isSpHt(h.charCodeAt(next))) next++;
  } else {
    while (prev > 0 && isSpHt(h.charCodeAt(prev - 1))) prev--;
    from = prev;
    if (next < end) {
      written = h[next]!;
      next++;
      // "set exactly one space character after the new first delimiter" when it fits
      if (from + 2 < next) written += ' ';
      while (next < end && isSpHt(h.charCodeAt(next))) next++;
    }
  }
  const value = h.slice(0, from) + written + h.slice(next);
  return { value, delta: from + written.length - next, from };
}

/** One cookie of a header value, as haproxy delimits it (indexes into the value). */
export interface CookieSpan {
  attBeg: number;
  attEnd: number;
  equal: number;
  valBeg: number;
  valEnd: number;
  next: number;
}

/**
 * Finds the cookie starting at `prev` (haproxy's loop head in
 * http_manage_client_side_cookies() / ..._server_side_cookies()).
 * `commaEndsName`: the request side also stops a name at `,`.
 */
export function scanCookie(h: string, prev: number, isFirst: boolean, commaEndsName: boolean): CookieSpan {
  const end = h.length;
  let attBeg = prev;
  if (!isFirst) attBeg++;
  while (attBeg < end && isSpHt(h.charCodeAt(attBeg))) attBeg++;
  // att_end: one past the last non-blank before '=' or a delimiter
  let equal = attBeg;
  let attEnd = attBeg;
  while (equal < end) {
    const c = h.charCodeAt(equal);
    if (c === 0x3d || c === 0x3b || (commaEndsName && c === 0x2c)) break;
    equal++;
    if (isSpHt(c)) continue;
    attEnd = equal;
  }
  let valBeg: number;
  let valEnd: number;
  let next: number;
  if (equal < end && h.charCodeAt(equal) === 0x3d) {
    valBeg = equal + 1;
    while (valBeg < end && isSpHt(h.charCodeAt(valBeg))) valBeg++;
    next = cookieValueEnd(h, valBeg, end);
    valEnd = next;
    while (valEnd > valBeg && isSpHt(h.charCodeAt(valEnd - 1))) valEnd--;
  } else {
    valBeg = valEnd = next = equal;
  }
  return { attBeg, attEnd, equal, valBeg, valEnd, next };
}

/**
 * Removes the blanks around the `=` of `c` in `h` (haproxy does it before
 * looking at the name, for captures and rewrites); returns the new value
 * and updates the span in place. `tail` lists more indexes to shift.
 */
export function stripAroundEqual(h: string, c: CookieSpan): string {
  if (c.attEnd === c.equal && c.valBeg <= c.equal + 1) return h;
  let shift = 0;
  if (c.attEnd !== c.equal) {
    h = h.slice(0, c.attEnd) + h.slice(c.equal);
    shift = c.attEnd - c.equal;
    c.equal += shift;
    c.valBeg += shift;
  }
  if (c.valBeg > c.equal + 1) {
    h = h.slice(0, c.equal + 1) + h.slice(c.valBeg);
    const after = c.equal + 1 - c.valBeg;
    c.valBeg += after;
    shift += after;
  }
  c.valEnd += shift;
  c.next += shift;
  return h;
}
