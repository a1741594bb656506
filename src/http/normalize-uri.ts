/**
 * The URI normalizers of `http-request normalize-uri` (configuration.txt
 * §4.2 "http-request normalize-uri", haproxy 2.6 uri_normalizer.c and
 * http_act.c http_action_normalize_uri()).
 *
 * Each normalizer is a pure string function on the part of the URI it works
 * on; `normalizeTarget()` applies one to a request target the way
 * http_action_normalize_uri() does: the `path-*` normalizers see the path
 * without its query string and leave the query as it is, the `percent-*` and
 * `fragment-*` ones see the path with its query, `query-sort-by-name` sees the
 * query with its leading '?'. The outputs were checked against haproxy 2.6
 * (test/compat/http/rules-more.test.ts runs random paths through both).
 */

/** The normalizers of haproxy 2.6, as written in the configuration. */
export type NormalizerName =
  | 'fragment-encode'
  | 'fragment-strip'
  | 'path-merge-slashes'
  | 'path-strip-dot'
  | 'path-strip-dotdot'
  | 'percent-decode-unreserved'
  | 'percent-to-uppercase'
  | 'query-sort-by-name';

/** A normalizer's result: the new text, or `invalid` (strict mode: the request gets a 400). */
export type NormalizeResult = string | { readonly invalid: true };

const INVALID: NormalizeResult = { invalid: true };

/** uri_normalizer_fragment_encode(): every '#' becomes "%23". */
export function fragmentEncode(input: string): string {
  return input.includes('#') ? input.split('#').join('%23') : input;
}

/** uri_normalizer_fragment_strip(): everything from the first '#' is dropped. */
export function fragmentStrip(input: string): string {
  const i = input.indexOf('#');
  return i < 0 ? input : input.slice(0, i);
}

/** uri_normalizer_path_merge_slashes(): runs of '/' become one. */
export function pathMergeSlashes(path: string): string {
  return path.includes('//') ? path.replace(/\/{2,}/g, '/') : path;
}

/**
 * uri_normalizer_path_dot(): segments that are exactly "." are dropped with
 * the slash that follows them ("/a/./b" → "/a/b", "/a/." → "/a/", "//./" → "//").
 */
export function pathStripDot(path: string): string {
  const segments = path.split('/');
  let out = '';
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const last = i === segments.length - 1;
    // istsplit() leaves nothing after a trailing '/': there is no last empty segment to keep.
    if (last && seg === '' && i > 0) break;
    if (seg === '.') continue;
    out += seg;
    if (!last) out += '/';
  }
  return out;
}

/**
 * uri_normalizer_path_dotdot(): the path is read from its end; each "/../"
 * (or a final "/..") removes the segment before it. Without `full`, the
 * "/.." that climb above the root are kept at the start ("/bar/../../" →
 * "/../"); with `full` they are dropped ("/bar/../../" → "/").
 */
export function pathStripDotdot(path: string, full: boolean): string {
  let offset = path.length - 1;
  let up = 0;
  let head = '';
  // A "/.." at the very end, without its trailing slash.
  if (offset >= 2 && path.startsWith('/..', offset - 2)) {
    up++;
    offset -= 2;
  }
  while (offset >= 0) {
    if (offset >= 3 && path.startsWith('/../', offset - 3)) {
      up++;
      offset -= 3;
      continue;
    }
    if (up > 0) {
      // Skip the slash, then the segment it ends (unless the start is reached first).
      offset--;
      if (offset >= 0) {
        up--;
        while (offset >= 0 && path[offset] !== '/') offset--;
      }
    } else {
      // Keep the slash (or last character) and the segment before it.
      let start = offset;
      start--;
      while (start >= 0 && path[start] !== '/') start--;
      head = path.slice(start + 1, offset + 1) + head;
      offset = start;
    }
  }
  if (up > 0) {
    // The remaining "/.." climb above the root: kept in front of a slash, or dropped with `full`.
    head = `/${head}`;
    if (!full) head = '/..'.repeat(up) + head;
  }
  return head;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** RFC 3986 §2.3 unreserved: ALPHA / DIGIT / "-" / "." / "_" / "~". */
function isUnreserved(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e;
}

/**
 * The walk both percent normalizers share: each "%xx" sequence (a '%' and
 * two hex digits) is replaced by `rewrite(seq)`; a '%' not followed by two
 * hex digits is kept, or makes the request invalid in strict mode.
 */
function rewritePercents(input: string, strict: boolean, rewrite: (seq: string) => string): NormalizeResult {
  if (!input.includes('%')) return input;
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!;
    if (ch !== '%') {
      out += ch;
      continue;
    }
    if (i + 2 < input.length && isHex(input.charCodeAt(i + 1)) && isHex(input.charCodeAt(i + 2))) {
      out += rewrite(input.slice(i, i + 3));
      i += 2;
      continue;
    }
    if (strict) return INVALID;
    out += ch;
  }
  return out;
}

/** "%xx" with its hex digits uppercased ('%' has no case). */
const upperPercent = (seq: string): string => seq.toUpperCase();

/** "%xx" decoded when it is an unreserved character (RFC 3986 §6.2.2.2), else kept as written. */
function decodeUnreserved(seq: string): string {
  const code = parseInt(seq.slice(1), 16);
  return isUnreserved(code) ? String.fromCharCode(code) : seq;
}

/**
 * uri_normalizer_percent_upper(): hex digits of "%xx" sequences are
 * uppercased; a '%' not followed by two hex digits is kept, or makes the
 * request invalid in strict mode.
 */
export function percentToUppercase(input: string, strict: boolean): NormalizeResult {
  return rewritePercents(input, strict, upperPercent);
}

/**
 * uri_normalizer_percent_decode_unreserved(): "%xx" sequences of unreserved
 * characters are decoded (RFC 3986 §6.2.2.2), others are kept as written;
 * a '%' not followed by two hex digits is kept, or is invalid in strict mode.
 */
export function percentDecodeUnreserved(input: string, strict: boolean): NormalizeResult {
  return rewritePercents(input, strict, decodeUnreserved);
}

/** Byte order of two parameter names (memcmp, then the shorter first). */
function compareNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/**
 * uri_normalizer_query_sort(): the parameters of `query` (with its leading
 * '?', or '' when there is none) are sorted by name, stably; a trailing empty
 * parameter ("?a=1&") disappears as istsplit() leaves nothing after it.
 */
export function querySortByName(query: string): string {
  if (query.length <= 1) return query;
  const params: string[] = [];
  let rest = query.slice(1);
  while (rest.length > 0) {
    const i = rest.indexOf('&');
    if (i < 0) {
      params.push(rest);
      break;
    }
    params.push(rest.slice(0, i));
    rest = rest.slice(i + 1);
  }
  const keyed = params.map((p) => {
    const eq = p.indexOf('=');
    return { p, name: eq < 0 ? p : p.slice(0, eq) };
  });
  // Array.prototype.sort is stable (ES2019): equal names keep their order.
  keyed.sort((a, b) => compareNames(a.name, b.name));
  return `${query[0]!}${keyed.map((k) => k.p).join('&')}`;
}

/** Where the path of a request target starts: after "scheme://authority" in the absolute form. */
function pathStart(target: string): number {
  if (target.startsWith('/')) return 0;
  const scheme = target.indexOf('://');
  if (scheme < 0) return -1;
  const slash = target.indexOf('/', scheme + 3);
  return slash < 0 ? -1 : slash;
}

/**
 * http_action_normalize_uri(): applies one normalizer to a request target
 * (origin or absolute form). Returns the new target (possibly unchanged), or
 * `invalid` when a strict normalizer refused it. Targets without a path
 * (`*`, authority form) are left as they are.
 */
export function normalizeTarget(target: string, normalizer: NormalizerName, option: boolean): NormalizeResult {
  const at = pathStart(target);
  if (at < 0) return target;
  const prefix = target.slice(0, at);
  const pathq = target.slice(at);
  const q = pathq.indexOf('?');
  const path = q < 0 ? pathq : pathq.slice(0, q);
  const query = q < 0 ? '' : pathq.slice(q);
  let r: NormalizeResult;
  switch (normalizer) {
    case 'path-merge-slashes':
      return prefix + pathMergeSlashes(path) + query;
    case 'path-strip-dot':
      return prefix + pathStripDot(path) + query;
    case 'path-strip-dotdot':
      return prefix + pathStripDotdot(path, option) + query;
    case 'query-sort-by-name':
      return prefix + path + querySortByName(query);
    case 'percent-to-uppercase':
      r = percentToUppercase(pathq, option);
      break;
    case 'percent-decode-unreserved':
      r = percentDecodeUnreserved(pathq, option);
      break;
    case 'fragment-strip':
      r = fragmentStrip(pathq);
      break;
    case 'fragment-encode':
      r = fragmentEncode(pathq);
      break;
  }
  return typeof r === 'string' ? prefix + r : r;
}
