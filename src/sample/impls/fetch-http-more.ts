/**
 * The §7.3.6 HTTP fetches src/http/http-fetches.ts does not provide:
 * `base32`, `base32+src`, `baseq`, `url32`, `url32+src`, `url_ip`,
 * `url_port`, `urlp_val`, the `_ip`/`_val` header families
 * (`req.hdr_ip`, `hdr_ip`, `res.hdr_ip`, `shdr_ip`, `req.hdr_val`...),
 * `req.hdr_names`/`res.hdr_names`, `req.hdrs_bin`/`res.hdrs`/`res.hdrs_bin`,
 * and the cookie fetches `req.cook_val`/`cook_val`/`cook_cnt`,
 * `res.cook`/`scook` and their `_cnt`/`_val` forms, and `cookie`.
 *
 * They read the HTTP message through the slot an HTTP stream exposes
 * (`ctx.http`, see {@link HttpMessageSlot}); semantics follow haproxy 2.6
 * http_fetch.c and were checked against it (test/compat/http/audit-fetches.test.ts).
 */
import type { CanonicalHead, H1Head } from '../../http/h1-head.js';
import { pathOf, pickOccurrence, requestTarget, splitCommas, type HttpMessageSlot } from '../../http/http-fetches.js';
import type { SampleContext } from '../context.js';
import { fullHash } from '../hashes.js';
import { argInt, argStr, hasArg, registerFetchImpls, type EachFn, type FetchFn, type FetchImpl } from '../impl-registry.js';
import { buf2ip, parseIpv6, smpBin, smpIpv4, smpIpv6, smpNum, smpStr, type Sample } from '../sample.js';
import { endpointAddress } from './fetch-layer4.js';
import { cookieValues } from './http-cookies.js';

type Side = 'req' | 'res';

function slot(ctx: SampleContext): HttpMessageSlot | undefined {
  const h = ctx.http as HttpMessageSlot | undefined;
  return h !== undefined && 'reqHead' in h ? h : undefined;
}

/** [name, value] of every kept header of one side, in order (the rewritten form wins). */
function fieldsOf(s: HttpMessageSlot, side: Side): Array<[string, string]> {
  const head: H1Head | undefined = side === 'req' ? s.reqHead : s.resHead;
  const canon: CanonicalHead | undefined = side === 'req' ? s.reqCanon : s.resCanon;
  if (canon !== undefined) return canon.headers;
  const out: Array<[string, string]> = [];
  head?.forEachHeader((n, v) => out.push([n, v]));
  return out;
}

function hasHead(s: HttpMessageSlot, side: Side): boolean {
  return side === 'req' ? s.reqHead !== undefined || s.reqCanon !== undefined : s.resHead !== undefined || s.resCanon !== undefined;
}

/** Values of header `name` (lowercase; every header when undefined); `full` keeps commas (fhdr). */
function values(s: HttpMessageSlot, side: Side, name: string | undefined, full: boolean): string[] {
  const out: string[] = [];
  for (const [n, v] of fieldsOf(s, side)) if (name === undefined || n.toLowerCase() === name) out.push(v);
  return full ? out : splitCommas(out);
}

const pick = pickOccurrence;

/** standard.c strl2ic(): digits accumulate in a 32-bit int; only bytes above '9' stop it. */
export function strl2ic(s: string): number {
  let i = 0;
  if (s.length === 0) return 0;
  if (s.charCodeAt(0) !== 45) {
    for (let k = 0; k < s.length; k++) {
      const j = s.charCodeAt(k) - 48;
      if (j > 9) break;
      i = (Math.imul(i, 10) + j) | 0;
    }
  } else {
    for (let k = 1; k < s.length; k++) {
      const j = s.charCodeAt(k) - 48;
      if (j > 9) break;
      i = (Math.imul(i, 10) - j) | 0;
    }
  }
  return i;
}

/** smp_fetch_hdr_ip(): an IPv4 address (url2ipv4, trailing bytes ignored), else an IPv6 one. */
function toIp(v: string): Sample | undefined {
  const v4 = buf2ip(v);
  if (v4 !== undefined) return smpIpv4(v4);
  const v6 = parseIpv6(v);
  return v6 === undefined ? undefined : smpIpv6(v6);
}

/** A header fetch whose value goes through `conv` (the _ip and _val families). */
function hdrConv(side: Side, conv: (v: string) => Sample | undefined): FetchImpl {
  return {
    compile: (args) => {
      const name = hasArg(args, 0) ? argStr(args, 0).toLowerCase() : undefined;
      const occ = argInt(args, 1, 0);
      const fn: FetchFn = (ctx) => {
        const s = slot(ctx);
        if (s === undefined) return undefined;
        const v = pick(values(s, side, name, false), occ);
        return v === undefined ? undefined : conv(v);
      };
      return fn;
    },
    compileEach: (args) => {
      const name = hasArg(args, 0) ? argStr(args, 0).toLowerCase() : undefined;
      const occ = argInt(args, 1, 0);
      const fn: EachFn = (ctx, visit) => {
        const s = slot(ctx);
        if (s === undefined) return false;
        const vals = values(s, side, name, false);
        const list = occ !== 0 ? [pick(vals, occ)] : vals;
        for (const v of list) {
          const r = v === undefined ? undefined : conv(v);
          if (r !== undefined && visit(r)) return true;
        }
        return false;
      };
      return fn;
    },
  };
}

function hdrNames(side: Side): FetchImpl {
  return {
    compile: (args) => {
      const delim = hasArg(args, 0) ? argStr(args, 0) : ',';
      return (ctx) => {
        const s = slot(ctx);
        if (s === undefined || !hasHead(s, side)) return undefined;
        return smpStr(fieldsOf(s, side).map(([n]) => n.toLowerCase()).join(delim));
      };
    },
  };
}

/** res.hdrs: the header block as `name: value\r\n` lines and a final CRLF. */
function hdrsText(side: Side): FetchImpl {
  return {
    compile: () => (ctx) => {
      const s = slot(ctx);
      if (s === undefined || !hasHead(s, side)) return undefined;
      let out = '';
      for (const [n, v] of fieldsOf(s, side)) out += `${n.toLowerCase()}: ${v}\r\n`;
      return smpStr(`${out}\r\n`);
    },
  };
}

/** tools.h encode_varint(). */
function varint(n: number, out: number[]): void {
  if (n < 240) {
    out.push(n);
    return;
  }
  out.push((n & 0xff) | 240);
  n = (n - 240) >>> 4;
  while (n >= 128) {
    out.push((n & 0xff) | 128);
    n = (n - 128) >>> 7;
  }
  out.push(n);
}

/** req.hdrs_bin / res.hdrs_bin: varint-prefixed names (lower case) and values, then two zero lengths. */
function hdrsBin(side: Side): FetchImpl {
  return {
    compile: () => (ctx) => {
      const s = slot(ctx);
      if (s === undefined || !hasHead(s, side)) return undefined;
      const bytes: number[] = [];
      for (const [n, v] of fieldsOf(s, side)) {
        for (const str of [n.toLowerCase(), v]) {
          varint(str.length, bytes);
          for (let i = 0; i < str.length; i++) bytes.push(str.charCodeAt(i) & 0xff);
        }
      }
      bytes.push(0, 0);
      return smpBin(Buffer.from(bytes));
    },
  };
}

function cookies(s: HttpMessageSlot, side: Side, name: string): string[] {
  const out: string[] = [];
  const hdr = side === 'req' ? 'cookie' : 'set-cookie';
  for (const v of values(s, side, hdr, true)) {
    if (v.length < name.length + 1) continue;
    cookieValues(v, name, side === 'req', out);
  }
  return out;
}

/** The direction of `cookie()` and `hdr()`: the response once the stream evaluates response rules. */
const dirOf = (ctx: SampleContext): Side => (ctx.response === true ? 'res' : 'req');

/** cook / res.cook style fetches: the last value in sample context, every value for ACLs. */
function cookieFetch(side: Side | 'dir', conv: (v: string) => Sample | undefined, count = false): FetchImpl {
  return {
    compile: (args) => {
      const name = hasArg(args, 0) ? argStr(args, 0) : '';
      return (ctx) => {
        const s = slot(ctx);
        const d = side === 'dir' ? dirOf(ctx) : side;
        if (s === undefined || !hasHead(s, d)) return undefined;
        const vals = cookies(s, d, name);
        if (count) return smpNum(vals.length);
        // The last occurrence of a named cookie, the first cookie without a name (configuration.txt §7.3.6 req.cook).
        const v = name === '' ? vals[0] : vals[vals.length - 1];
        return v === undefined ? undefined : conv(v);
      };
    },
    compileEach: count ? undefined : (args) => {
      const name = hasArg(args, 0) ? argStr(args, 0) : '';
      return (ctx, visit) => {
        const s = slot(ctx);
        const d = side === 'dir' ? dirOf(ctx) : side;
        if (s === undefined || !hasHead(s, d)) return false;
        for (const v of cookies(s, d, name)) {
          const r = conv(v);
          if (r !== undefined && visit(r)) return true;
        }
        return false;
      };
    },
  } as FetchImpl;
}

/** The request's Host value (last occurrence) and path (query excluded unless `withQuery`). */
function hostAndPath(s: HttpMessageSlot, withQuery: boolean): string | undefined {
  const t = requestTarget(s);
  if (t === undefined) return undefined;
  const host = pick(values(s, 'req', 'host', true), 1) ?? '';
  // http.c http_get_path(): an asterisk-form target has no path.
  let p = t === '*' ? '' : pathOf(t);
  if (!withQuery) {
    const q = p.indexOf('?');
    if (q >= 0) p = p.slice(0, q);
  }
  return host + p;
}

/** http_fetch.c smp_fetch_base32(): sdbm over signed bytes (`char`), then full_hash(). */
function hash32(str: string): number {
  let h = 0;
  for (let i = 0; i < str.length; i++) {
    const c = (str.charCodeAt(i) << 24) >> 24;
    h = (c + (h << 6) + (h << 16) - h) | 0;
  }
  return fullHash(h >>> 0);
}

function hashWithSrc(h: number, ctx: SampleContext): Sample | undefined {
  const src = endpointAddress(ctx.src);
  if (src === undefined) return undefined;
  const head = Buffer.alloc(4);
  head.writeUInt32BE(h >>> 0);
  if (src.type === 'ipv4') {
    const a = Buffer.alloc(4);
    a.writeUInt32BE(src.value >>> 0);
    return smpBin(Buffer.concat([head, a]));
  }
  return src.type === 'ipv6' ? smpBin(Buffer.concat([head, src.value])) : undefined;
}

const base32Of = (s: HttpMessageSlot): number | undefined => {
  const b = hostAndPath(s, false);
  return b === undefined ? undefined : hash32(b);
};
const url32Of = (s: HttpMessageSlot): number | undefined => {
  const t = requestTarget(s);
  if (t === undefined) return undefined;
  // smp_fetch_url32(): Host, then http_get_path() of the URI (query included).
  return hash32((pick(values(s, 'req', 'host', true), 1) ?? '') + (t === '*' ? '' : pathOf(t)));
};

function reqFetch(fn: (s: HttpMessageSlot, ctx: SampleContext) => Sample | undefined): FetchImpl {
  return {
    compile: () => (ctx) => {
      const s = slot(ctx);
      return s === undefined ? undefined : fn(s, ctx);
    },
  };
}

/**
 * tools.c url2sa() on the request target: only `http://` and `https://`
 * absolute URIs whose host is an IP literal; the port defaults to 80/443.
 */
function urlAddress(target: string): { ip: Sample; port: number } | undefined {
  const sep = target.indexOf('://');
  if (sep < 0) return undefined;
  const scheme = target.slice(Math.max(0, sep - 8), sep).toLowerCase();
  let port = scheme === 'http' ? 80 : scheme === 'https' ? 443 : -1;
  if (port < 0) return undefined;
  let rest = target.slice(sep + 3);
  let ip: Sample | undefined;
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']');
    if (end < 0) return undefined;
    const v6 = parseIpv6(rest.slice(1, end));
    if (v6 === undefined) return undefined;
    ip = smpIpv6(v6);
    rest = rest.slice(end + 1);
  } else {
    const m = /^[0-9.]*/.exec(rest)![0];
    const v4 = buf2ip(m);
    if (v4 === undefined) return undefined;
    ip = smpIpv4(v4);
    rest = rest.slice(m.length);
  }
  if (rest.startsWith(':')) {
    // tools.c read_uint(): the digits that follow.
    const d = /^[0-9]*/.exec(rest.slice(1))![0];
    port = d === '' ? 0 : Number(d) >>> 0;
  }
  return { ip, port };
}

/** urlp_val(<name>[,<delim>]): url_param's value through strl2ic(). */
const urlpVal: FetchImpl = {
  compile: (args) => {
    const name = hasArg(args, 0) ? argStr(args, 0) : undefined;
    // http_fetch.c is_param_delimiter(): '&' and ';' always separate, plus the first byte of <delim>.
    const delims = `&;${hasArg(args, 1) ? argStr(args, 1).slice(0, 1) : ''}`;
    const splitter = new RegExp(`[${delims.replace(/[\]\\^-]/g, '\\$&')}]`);
    return (ctx) => {
      const s = slot(ctx);
      const t = s === undefined ? undefined : requestTarget(s);
      if (t === undefined) return undefined;
      const q = t.indexOf('?');
      if (q < 0) return undefined;
      for (const part of t.slice(q + 1).split(splitter)) {
        const eq = part.indexOf('=');
        const n = eq < 0 ? part : part.slice(0, eq);
        if (name === undefined ? n !== '' : n === name) return smpNum(strl2ic(eq < 0 ? '' : part.slice(eq + 1)));
      }
      return undefined;
    };
  },
};

const hdrVal = (v: string): Sample => smpNum(strl2ic(v));

const TABLE: Record<string, FetchImpl> = {
  base32: reqFetch((s) => {
    const h = base32Of(s);
    return h === undefined ? undefined : smpNum(h);
  }),
  'base32+src': reqFetch((s, ctx) => {
    const h = base32Of(s);
    return h === undefined ? undefined : hashWithSrc(h, ctx);
  }),
  baseq: reqFetch((s) => {
    const b = hostAndPath(s, true);
    return b === undefined ? undefined : smpStr(b);
  }),
  url32: reqFetch((s) => {
    const h = url32Of(s);
    return h === undefined ? undefined : smpNum(h);
  }),
  'url32+src': reqFetch((s, ctx) => {
    const h = url32Of(s);
    return h === undefined ? undefined : hashWithSrc(h, ctx);
  }),
  url_ip: reqFetch((s) => {
    const t = requestTarget(s);
    const a = t === undefined ? undefined : urlAddress(t);
    return a === undefined || a.ip.type !== 'ipv4' ? undefined : a.ip;
  }),
  url_port: reqFetch((s) => {
    const t = requestTarget(s);
    const a = t === undefined ? undefined : urlAddress(t);
    return a === undefined ? undefined : smpNum(a.port);
  }),
  urlp_val: urlpVal,
  'req.hdr_ip': hdrConv('req', toIp),
  hdr_ip: hdrConv('req', toIp),
  'res.hdr_ip': hdrConv('res', toIp),
  shdr_ip: hdrConv('res', toIp),
  'req.hdr_val': hdrConv('req', hdrVal),
  hdr_val: hdrConv('req', hdrVal),
  'res.hdr_val': hdrConv('res', hdrVal),
  shdr_val: hdrConv('res', hdrVal),
  'req.hdr_names': hdrNames('req'),
  'res.hdr_names': hdrNames('res'),
  'res.hdrs': hdrsText('res'),
  'req.hdrs_bin': hdrsBin('req'),
  'res.hdrs_bin': hdrsBin('res'),
  'req.cook_val': cookieFetch('req', hdrVal),
  cook_val: cookieFetch('req', hdrVal),
  cook_cnt: cookieFetch('req', hdrVal, true),
  'res.cook': cookieFetch('res', smpStr),
  scook: cookieFetch('res', smpStr),
  'res.cook_cnt': cookieFetch('res', hdrVal, true),
  scook_cnt: cookieFetch('res', hdrVal, true),
  'res.cook_val': cookieFetch('res', hdrVal),
  scook_val: cookieFetch('res', hdrVal),
  cookie: cookieFetch('dir', smpStr),
  // resp_ver: the deprecated name of res.ver ("1.1" from "HTTP/1.1").
  resp_ver: {
    compile: () => (ctx) => {
      const s = slot(ctx);
      const v = s?.resCanon?.version ?? s?.resHead?.versionText();
      return v === undefined ? undefined : smpStr(v.replace(/^HTTP\//, ''));
    },
  },
};

registerFetchImpls(TABLE);

/** The fetch keywords this module implements (docs, tests). */
export const MORE_HTTP_FETCHES: readonly string[] = Object.keys(TABLE);
