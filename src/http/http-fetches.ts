/**
 * Layer-7 fetches of configuration.txt §7.3.6 (haproxy 2.6 http_fetch.c)
 * that `use_backend` and the HTTP rules need first: method, path, pathq,
 * query, url, url_param/urlp, base, req.hdr/hdr, req.fhdr, req.hdrs,
 * req.cook/cook, req.ver, status, res.hdr, res.ver, http_first_req.
 *
 * They read the HTTP message through `ctx.http`, which an HTTP stream fills
 * with an {@link HttpMessageSlot}: the parsed heads (offsets into the
 * received bytes) or, once a rule rewrote a head, its canonical string form.
 * A context without an HTTP message answers "not found".
 */
import type { HttpSlot, SampleContext } from '../sample/context.js';
import { argInt, argStr, hasArg, registerFetchImpls, type EachFn, type FetchFn, type FetchImpl } from '../sample/impl-registry.js';
import { cookieValues } from '../sample/impls/http-cookies.js';
import { smpBool, smpMeth, smpNum, smpStr, type Sample } from '../sample/sample.js';
import type { CanonicalHead, H1Head } from './h1-head.js';

/** The HTTP message view an HTTP stream exposes to fetches (ctx.http). */
export interface HttpMessageSlot extends HttpSlot {
  /** The request head as parsed; `reqCanon` wins when a rule rewrote it. */
  readonly reqHead: H1Head | undefined;
  readonly reqCanon: CanonicalHead | undefined;
  readonly resHead: H1Head | undefined;
  readonly resCanon: CanonicalHead | undefined;
  /** The first request of the client connection (http_first_req). */
  readonly firstRequest: boolean;
  /** The client connection is TLS (ssl_fc). */
  readonly clientTls?: boolean;
}

function slot(ctx: SampleContext): HttpMessageSlot | undefined {
  const h = ctx.http as HttpMessageSlot | undefined;
  return h !== undefined && 'reqHead' in h ? h : undefined;
}

/** Every kept header as [name, value] pairs in order (canonical form wins). */
function headersOf(head: H1Head | undefined, canon: CanonicalHead | undefined, lowerName: string | undefined, out: string[]): void {
  if (canon !== undefined) {
    for (const [n, v] of canon.headers) if (lowerName === undefined || n.toLowerCase() === lowerName) out.push(v);
    return;
  }
  if (head === undefined) return;
  for (let i = 0; i < head.count; i++) {
    if (head.isDropped(i)) continue;
    if (lowerName === undefined || head.nameIs(i, lowerName)) out.push(head.value(i));
  }
}

/** The values of a request header in order (fhdr semantics: commas not split), for `balance hdr`. */
export function requestHeaderValues(s: HttpMessageSlot, lowerName: string): string[] {
  const out: string[] = [];
  headersOf(s.reqHead, s.reqCanon, lowerName, out);
  return out;
}

/** Splits values on commas (req.hdr semantics, not fhdr), trimming blanks. */
export function splitCommas(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    if (!v.includes(',')) {
      out.push(v);
      continue;
    }
    // http.c http_find_header: commas inside quotes do not split.
    let start = 0;
    let q = false;
    for (let i = 0; i <= v.length; i++) {
      const c = v[i];
      if (c === '"') q = !q;
      if (i === v.length || (c === ',' && !q)) {
        out.push(v.slice(start, i).trim());
        start = i + 1;
      }
    }
  }
  return out;
}

/** The request target (canonical if rewritten). */
export function requestTarget(s: HttpMessageSlot): string | undefined {
  if (s.reqCanon !== undefined) return s.reqCanon.target;
  return s.reqHead?.target();
}

/** The path part of a target: absolute-form loses scheme and authority (http_fetch.c smp_fetch_path). */
export function pathOf(target: string): string {
  let t = target;
  if (!t.startsWith('/')) {
    const se = t.indexOf('://');
    if (se > 0) {
      const slash = t.indexOf('/', se + 3);
      t = slash < 0 ? '' : t.slice(slash);
    } else if (t !== '*') {
      return '';
    }
  }
  return t;
}

// http.c http_get_path(): an asterisk-form target has no path (path, pathq, base are empty there).
function pathq(target: string): string {
  return target === '*' ? '' : pathOf(target);
}

function pathOnly(target: string): string {
  const p = pathq(target);
  const q = p.indexOf('?');
  return q < 0 ? p : p.slice(0, q);
}

function hostOf(s: HttpMessageSlot): string | undefined {
  const v: string[] = [];
  headersOf(s.reqHead, s.reqCanon, 'host', v);
  return v[0];
}

/** `occ`: positive counts from the first, negative from the last, 0 means last for hdr(). */
export function pickOccurrence(values: readonly string[], occ: number): string | undefined {
  if (values.length === 0) return undefined;
  if (occ > 0) return values[occ - 1];
  const i = values.length + (occ === 0 ? -1 : occ);
  return i < 0 ? undefined : values[i];
}

/** 'dir': the request, or the response while response rules run (hdr(): "equivalent to req.hdr() when used on requests, and to res.hdr() when used on responses"). */
type Side = 'req' | 'res' | 'dir';

function headerValues(s: HttpMessageSlot, side: Side, name: string | undefined, full: boolean, response?: boolean): string[] {
  const out: string[] = [];
  if (side === 'req' || (side === 'dir' && response !== true)) headersOf(s.reqHead, s.reqCanon, name, out);
  else headersOf(s.resHead, s.resCanon, name, out);
  return full ? out : splitCommas(out);
}

function hdrImpl(side: Side, full: boolean): FetchImpl {
  return {
    compile: (args) => {
      const name = hasArg(args, 0) ? argStr(args, 0).toLowerCase() : undefined;
      const occ = argInt(args, 1, 0);
      const fn: FetchFn = (ctx) => {
        const s = slot(ctx);
        // Without a name, req.hdr/res.hdr find nothing in a sample context (haproxy 2.6; hdr_cnt counts them all).
        if (s === undefined || name === undefined) return undefined;
        const v = pickOccurrence(headerValues(s, side, name, full, ctx.response), occ);
        return v === undefined ? undefined : smpStr(v);
      };
      return fn;
    },
    compileEach: (args) => {
      const name = hasArg(args, 0) ? argStr(args, 0).toLowerCase() : undefined;
      const occ = argInt(args, 1, 0);
      const fn: EachFn = (ctx, visit) => {
        const s = slot(ctx);
        if (s === undefined) return false;
        const values = headerValues(s, side, name, full, ctx.response);
        if (occ !== 0) {
          const v = pickOccurrence(values, occ);
          return v !== undefined && visit(smpStr(v));
        }
        for (const v of values) if (visit(smpStr(v))) return true;
        return false;
      };
      return fn;
    },
  };
}

function hdrCnt(side: Side, full: boolean): FetchImpl {
  return {
    compile: (args) => {
      const name = hasArg(args, 0) ? argStr(args, 0).toLowerCase() : undefined;
      return (ctx) => {
        const s = slot(ctx);
        return s === undefined ? undefined : smpNum(headerValues(s, side, name, full).length);
      };
    },
  };
}

/** Cookie values named `name` in the Cookie headers (http_fetch.c smp_fetch_cookie). */
function cookies(s: HttpMessageSlot, name: string | undefined): string[] {
  const out: string[] = [];
  // http.c http_extract_cookie_value() (quotes, ',' separators, '$' attributes: src/sample/impls/http-cookies.ts).
  for (const h of headerValues(s, 'req', 'cookie', true)) if (h.length >= (name ?? '').length + 1) cookieValues(h, name ?? '', true, out);
  return out;
}

const cookImpl: FetchImpl = {
  compile: (args) => {
    const name = hasArg(args, 0) ? argStr(args, 0) : undefined;
    return (ctx) => {
      const s = slot(ctx);
      if (s === undefined) return undefined;
      const v = cookies(s, name);
      // configuration.txt §7.3.6: the last occurrence of <name>; without a name, the first cookie.
      return v.length === 0 ? undefined : smpStr(name === undefined ? v[0]! : v[v.length - 1]!);
    };
  },
  compileEach: (args) => {
    const name = hasArg(args, 0) ? argStr(args, 0) : undefined;
    return (ctx, visit) => {
      const s = slot(ctx);
      if (s === undefined) return false;
      for (const v of cookies(s, name)) if (visit(smpStr(v))) return true;
      return false;
    };
  },
};

function reqStr(fn: (s: HttpMessageSlot, target: string) => string | undefined): FetchImpl {
  const f: FetchFn = (ctx) => {
    const s = slot(ctx);
    if (s === undefined) return undefined;
    const t = requestTarget(s);
    if (t === undefined) return undefined;
    const v = fn(s, t);
    return v === undefined ? undefined : smpStr(v);
  };
  return { compile: () => f };
}

/** url_param(<name>[,<delim>]) (http_fetch.c smp_fetch_url_param). */
const urlParam: FetchImpl = {
  compile: (args) => {
    const name = hasArg(args, 0) ? argStr(args, 0) : undefined;
    // http.c is_param_delimiter(): '&' and ';' always separate, plus the first byte of <delim>.
    const delim = `&;${hasArg(args, 1) ? argStr(args, 1).slice(0, 1) : ''}`;
    return (ctx) => {
      const s = slot(ctx);
      const t = s === undefined ? undefined : requestTarget(s);
      if (t === undefined) return undefined;
      const q = t.indexOf('?');
      if (q < 0) return undefined;
      for (const part of t.slice(q + 1).split(new RegExp(`[${delim.replace(/[\]\\^-]/g, '\\$&')}]`))) {
        const eq = part.indexOf('=');
        const n = eq < 0 ? part : part.slice(0, eq);
        if (name === undefined || n === name) {
          if (name === undefined && n === '') continue;
          return smpStr(eq < 0 ? '' : part.slice(eq + 1));
        }
      }
      return undefined;
    };
  },
};

function version(head: H1Head | undefined, canon: CanonicalHead | undefined): Sample | undefined {
  if (canon !== undefined) return smpStr(canon.version.replace(/^HTTP\//, ''));
  if (head === undefined) return undefined;
  return smpStr(head.versionText().replace(/^HTTP\//, ''));
}

const TABLE: Record<string, FetchImpl> = {
  method: {
    compile: () => (ctx) => {
      const s = slot(ctx);
      if (s === undefined) return undefined;
      const m = s.reqCanon?.method ?? s.reqHead?.methodName();
      return m === undefined ? undefined : smpMeth(m);
    },
  },
  path: reqStr((_s, t) => pathOnly(t)),
  pathq: reqStr((_s, t) => pathq(t)),
  query: reqStr((_s, t) => {
    const q = t.indexOf('?');
    return q < 0 ? undefined : t.slice(q + 1);
  }),
  url: reqStr((_s, t) => t),
  // smp_fetch_base(): without a Host header, base is the path alone (haproxy 2.6).
  base: reqStr((s, t) => (hostOf(s) ?? '') + pathOnly(t)),
  url_param: urlParam,
  urlp: urlParam,
  'req.hdr': hdrImpl('req', false),
  hdr: hdrImpl('dir', false),
  'req.fhdr': hdrImpl('req', true),
  'req.hdr_cnt': hdrCnt('req', false),
  hdr_cnt: hdrCnt('req', false),
  'req.fhdr_cnt': hdrCnt('req', true),
  'res.hdr': hdrImpl('res', false),
  shdr: hdrImpl('res', false),
  'res.fhdr': hdrImpl('res', true),
  'res.hdr_cnt': hdrCnt('res', false),
  shdr_cnt: hdrCnt('res', false),
  'res.fhdr_cnt': hdrCnt('res', true),
  'req.hdrs': {
    compile: () => (ctx) => {
      const s = slot(ctx);
      if (s === undefined) return undefined;
      let out = '';
      // haproxy 2.6 keeps header names in lower case (HTX): so does req.hdrs.
      if (s.reqCanon !== undefined) for (const [n, v] of s.reqCanon.headers) out += `${n.toLowerCase()}: ${v}\r\n`;
      else if (s.reqHead !== undefined) s.reqHead.forEachHeader((n, v) => (out += `${n.toLowerCase()}: ${v}\r\n`));
      return smpStr(`${out}\r\n`);
    },
  },
  'req.cook': cookImpl,
  cook: cookImpl,
  'req.cook_cnt': {
    compile: (args) => {
      const name = hasArg(args, 0) ? argStr(args, 0) : undefined;
      return (ctx) => {
        const s = slot(ctx);
        return s === undefined ? undefined : smpNum(cookies(s, name).length);
      };
    },
  },
  'req.ver': { compile: () => (ctx) => {
    const s = slot(ctx);
    return s === undefined ? undefined : version(s.reqHead, s.reqCanon);
  } },
  req_ver: { compile: () => (ctx) => {
    const s = slot(ctx);
    return s === undefined ? undefined : version(s.reqHead, s.reqCanon);
  } },
  'res.ver': { compile: () => (ctx) => {
    const s = slot(ctx);
    return s === undefined ? undefined : version(s.resHead, s.resCanon);
  } },
  status: { compile: () => (ctx) => {
    const s = slot(ctx);
    if (s === undefined) return undefined;
    if (s.resCanon !== undefined) return smpNum(s.resCanon.status);
    return s.resHead === undefined ? undefined : smpNum(s.resHead.status);
  } },
  http_first_req: { compile: () => (ctx) => {
    const s = slot(ctx);
    return s === undefined ? undefined : smpBool(s.firstRequest);
  } },
  // §7.3.4 ssl_fc: registered here until src/tls/ provides the ssl_* fetches,
  // so that seed 000's `redirect scheme https if !{ ssl_fc }` works on plain
  // HTTP listeners (a later registration replaces this one).
  ssl_fc: { compile: () => (ctx) => {
    const s = slot(ctx);
    return s === undefined ? undefined : smpBool(s.clientTls === true);
  } },
};

registerFetchImpls(TABLE);

/** The fetch keywords this module implements (docs, tests). */
export const HTTP_FETCHES: readonly string[] = Object.keys(TABLE);
