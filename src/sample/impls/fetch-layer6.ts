/**
 * Implementations of configuration.txt §7.3.5 "Fetching samples from buffer
 * contents (Layer 6)" (payload.c). Declarations are in fetches/layer6.ts.
 *
 * These read the bytes received so far (`ctx.req` / `ctx.res`). When the
 * answer depends on bytes not received yet they return MISS (HAProxy's
 * SMP_F_MAY_CHANGE on a failed fetch), so that `tcp-request content` rules
 * wait for more data until the inspect delay ends. Returned binary samples
 * are views into the connection buffer, never copies.
 *
 * The TLS hello fetches (req.ssl_hello_type, req.ssl_ver, req.ssl_sni,
 * req.ssl_alpn, req.ssl_ec_ext, req.ssl_st_ext, res.ssl_hello_type) use the
 * haproxy-exact decisions of src/tls/client-hello.ts on a view of the data.
 */
import {
  sslAlpnSample,
  sslEcExtSample,
  sslHelloTypeSample,
  sslSniSample,
  sslStExtSample,
  sslVerSample,
  type HelloSample,
} from '../../tls/client-hello.js';
import type { PayloadView, SampleContext } from '../context.js';
import { MISS } from '../context.js';
import { registerFetchImpls, simple, argInt, argStr, hasArg, type FetchImpl } from '../impl-registry.js';
import { F_MAY_CHANGE, smpBool, smpNum, type Sample } from '../sample.js';

/** HAProxy's default tune.bufsize and tune.maxrewrite: bounds of what a payload fetch may ever see. */
const BUFSIZE = 16384;

type Dir = 'req' | 'res' | 'auto';

function channel(ctx: SampleContext, dir: Dir): PayloadView | undefined {
  if (dir === 'req') return ctx.req;
  if (dir === 'res') return ctx.res;
  return ctx.response === true ? ctx.res : ctx.req;
}

/** payload.c smp_fetch_len(): the bytes present; always "may change". */
function lenFetch(dir: Dir): FetchImpl {
  return simple((ctx) => {
    const ch = channel(ctx, dir);
    if (ch === undefined) return undefined;
    return { type: 'sint', value: BigInt(ch.len), flags: F_MAY_CHANGE };
  });
}

/**
 * payload.c smp_fetch_payload(): `<length>` bytes at `<offset>`, or from
 * `<offset>` to the end when length is 0 (then "may change").
 */
function payloadFetch(dir: Dir): FetchImpl {
  return {
    compile: (args) => {
      const off = argInt(args, 0) >>> 0;
      const size = argInt(args, 1) >>> 0;
      // "will never match": beyond what a buffer can hold
      if (size > BUFSIZE || off + size > BUFSIZE) return () => undefined;
      return (ctx) => {
        const ch = channel(ctx, dir);
        if (ch === undefined) return undefined;
        if (off + size > ch.len) return MISS;
        if (size === 0) return { type: 'bin', value: ch.buf.subarray(off, ch.len), flags: F_MAY_CHANGE };
        return { type: 'bin', value: ch.buf.subarray(off, off + size), flags: 0 };
      };
    },
  };
}

/**
 * payload.c smp_fetch_payload_lv(): a block whose big-endian length is stored
 * on `<length>` (1..4) bytes at `<offset1>`, starting right after it or at
 * `<offset2>` (absolute, or relative to that point when signed).
 */
function payloadLvFetch(dir: Dir): FetchImpl {
  return {
    compile: (args) => {
      const lenOff = argInt(args, 0) >>> 0;
      const lenSize = argInt(args, 1) >>> 0;
      let rel: number | undefined;
      let abs: number | undefined;
      if (hasArg(args, 2)) {
        const o = argStr(args, 2);
        // payload.c val_payload_lv(): a leading sign makes the offset relative
        if (o.startsWith('+') || o.startsWith('-')) rel = parseInt(o, 10);
        else abs = parseInt(o, 10);
      }
      if (lenSize === 0 || lenSize > 4 || lenOff + lenSize > BUFSIZE) return () => undefined;
      return (ctx) => {
        const ch = channel(ctx, dir);
        if (ch === undefined) return undefined;
        if (lenOff + lenSize > ch.len) return MISS;
        let size = 0;
        for (let i = 0; i < lenSize; i++) size = size * 256 + ch.buf[lenOff + i]!;
        let start = lenOff + lenSize;
        if (rel !== undefined) start = (start + rel) >>> 0;
        else if (abs !== undefined) start = abs >>> 0;
        if (size === 0 || size > BUFSIZE || start + size > BUFSIZE) return undefined;
        if (start + size > ch.len) return MISS;
        return { type: 'bin', value: ch.buf.subarray(start, start + size), flags: 0 };
      };
    },
  };
}

/** ASCII case-insensitive comparison of `name` with buffer bytes at `at`. */
function bytesEqualCI(buf: Buffer, at: number, name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    let a = buf[at + i]!;
    let b = name.charCodeAt(i);
    if (a >= 65 && a <= 90) a += 32;
    if (b >= 65 && b <= 90) b += 32;
    if (a !== b) return false;
  }
  return true;
}

/**
 * payload.c fetch_rdp_cookie_name(): in an RDP Connection Request (an 11-byte
 * TPKT/X.224 header then "Cookie: <name>=<value>\r\n"), the value of cookie
 * `name` (any cookie when empty). MISS while the line is incomplete.
 */
export function rdpCookie(ch: PayloadView, name: string): Sample | undefined | typeof MISS {
  const buf = ch.buf;
  let p = 11;
  let left = ch.len - 11;
  if (ch.len <= 11) return MISS;
  if (left <= 7) return MISS;
  if (!bytesEqualCI(buf, p, 'Cookie:')) return undefined;
  p += 7;
  left -= 7;
  while (left > 0 && buf[p] === 0x20) {
    p++;
    left--;
  }
  if (name.length > 0) {
    if (left <= name.length) return MISS;
    if (buf[p + name.length] !== 0x3d || !bytesEqualCI(buf, p, name)) return undefined;
    p += name.length + 1;
    left -= name.length + 1;
  } else {
    while (left > 0 && buf[p] !== 0x3d) {
      if (buf[p] === 0x0d || buf[p] === 0x0a) return undefined;
      p++;
      left--;
    }
    if (left < 1) return MISS;
    if (buf[p] !== 0x3d) return undefined;
    p++;
    left--;
  }
  const start = p;
  while (left > 0 && buf[p] !== 0x0d) {
    p++;
    left--;
  }
  if (left < 2) return MISS;
  if (buf[p] !== 0x0d || buf[p + 1] !== 0x0a) return undefined;
  return { type: 'str', value: buf.toString('latin1', start, p), flags: 0 };
}

function rdpCookieFetch(): FetchImpl {
  return {
    compile: (args) => {
      const name = argStr(args, 0);
      return (ctx) => (ctx.req === undefined ? undefined : rdpCookie(ctx.req, name));
    },
  };
}

/** payload.c smp_fetch_rdp_cookie_cnt(): 1 when the cookie is there, 0 when not, MISS while unknown. */
function rdpCookieCntFetch(): FetchImpl {
  return {
    compile: (args) => {
      const name = argStr(args, 0);
      return (ctx) => {
        if (ctx.req === undefined) return undefined;
        const r = rdpCookie(ctx.req, name);
        if (r === MISS) return MISS;
        return smpNum(r === undefined ? 0 : 1);
      };
    },
  };
}

// ---------------------------------------------------------------------------
// TLS hello fetches: the decisions are those of src/tls/client-hello.ts,
// which ports payload.c's smp_fetch_ssl_hello_type / req_ssl_ver /
// ssl_hello_sni / alpn / ec_ext / st_ext.
// ---------------------------------------------------------------------------

/** Maps a HelloSample to the tri-state: need-more is MISS, none is "not found". */
function helloFetch<T>(dir: Dir, fn: (buf: Uint8Array) => HelloSample<T>, make: (v: T) => Sample): FetchImpl {
  return simple((ctx) => {
    const ch = channel(ctx, dir);
    if (ch === undefined) return undefined;
    const r = fn(ch.buf.subarray(0, ch.len));
    if (r.status === 'need-more') return MISS;
    return r.status === 'ok' ? make(r.value) : undefined;
  });
}

const int = (v: number): Sample => smpNum(v);
const sslHelloReq = helloFetch('req', sslHelloTypeSample, int);
const sslHelloRes = helloFetch('res', sslHelloTypeSample, int);
const sslVerReq = helloFetch('req', (b) => sslVerSample(b), int);
const sslSni = helloFetch('req', sslSniSample, (v: string): Sample => ({ type: 'str', value: v, flags: 0 }));

/**
 * req.ssl_alpn: the first protocol as a value; ACLs try every protocol
 * (client-hello.ts: "a multi-value fetch").
 */
const sslAlpn: FetchImpl = {
  compile: () => (ctx) => {
    const ch = ctx.req;
    if (ch === undefined) return undefined;
    const r = sslAlpnSample(ch.buf.subarray(0, ch.len));
    if (r.status === 'need-more') return MISS;
    const first = r.status === 'ok' ? r.value[0] : undefined;
    return first === undefined ? undefined : { type: 'str', value: first, flags: 0 };
  },
  compileEach: () => (ctx, visit) => {
    const ch = ctx.req;
    if (ch === undefined) return false;
    const r = sslAlpnSample(ch.buf.subarray(0, ch.len));
    if (r.status === 'need-more') return MISS;
    if (r.status !== 'ok') return false;
    for (const name of r.value) if (visit({ type: 'str', value: name, flags: 0 })) return true;
    return false;
  },
};

/**
 * payload.c smp_fetch_distcc_param() / smp_fetch_distcc_body(): a distcc
 * stream is a series of 4-letter tokens each followed by 8 hex digits (the
 * parameter), and by a body of that length for the tokens that have one.
 * Returns the parameter (or body) of occurrence `occ` of `token` (any when 0).
 */
function distccFetch(body: boolean): FetchImpl {
  return {
    compile: (args) => {
      const tok = argStr(args, 0);
      const occWanted = argInt(args, 1);
      return (ctx) => {
        const ch = channel(ctx, 'auto');
        if (ch === undefined) return undefined;
        const b = ch.buf;
        let ofs = 0;
        let occ = 0;
        for (;;) {
          if (ofs + 12 > ch.len) return MISS;
          const token = b.toString('latin1', ofs, ofs + 4);
          ofs += 4;
          let param = 0;
          for (let i = 0; i < 8; i++) {
            const c = b[ofs + i]!;
            const d = c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1;
            if (d < 0) return undefined;
            param = param * 16 + d;
          }
          ofs += 8;
          // "these tokens don't have a body"
          const bodyLen = token === 'ARGC' || token === 'DIST' || token === 'NFIL' || token === 'STAT' || token === 'DONE' ? 0 : param;
          if (token === tok) {
            occ++;
            if (occWanted === 0 || occWanted === occ) {
              if (!body) return smpNum(param);
              // an incomplete body is not there yet
              if (ofs + bodyLen > ch.len) return ofs + bodyLen > BUFSIZE ? undefined : MISS;
              return { type: 'bin', value: b.subarray(ofs, ofs + bodyLen), flags: 0 };
            }
          }
          ofs += bodyLen;
        }
      };
    },
  };
}

export const LAYER6_FETCH_IMPLS: Readonly<Record<string, FetchImpl>> = {
  'req.len': lenFetch('req'),
  req_len: lenFetch('req'),
  'res.len': lenFetch('res'),
  'req.payload': payloadFetch('req'),
  'res.payload': payloadFetch('res'),
  payload: payloadFetch('auto'),
  'req.payload_lv': payloadLvFetch('req'),
  'res.payload_lv': payloadLvFetch('res'),
  payload_lv: payloadLvFetch('auto'),
  'req.rdp_cookie': rdpCookieFetch(),
  rdp_cookie: rdpCookieFetch(),
  'req.rdp_cookie_cnt': rdpCookieCntFetch(),
  rdp_cookie_cnt: rdpCookieCntFetch(),
  'req.ssl_hello_type': sslHelloReq,
  req_ssl_hello_type: sslHelloReq,
  'res.ssl_hello_type': sslHelloRes,
  rep_ssl_hello_type: sslHelloRes,
  'req.ssl_ver': sslVerReq,
  req_ssl_ver: sslVerReq,
  'req.ssl_sni': sslSni,
  req_ssl_sni: sslSni,
  'req.ssl_alpn': sslAlpn,
  'req.ssl_ec_ext': helloFetch('req', sslEcExtSample, (v: boolean) => smpBool(v)),
  'req.ssl_st_ext': helloFetch('req', sslStExtSample, int),
  distcc_param: distccFetch(false),
  distcc_body: distccFetch(true),
  // payload.c smp_fetch_wait_end(): true once the inspection period is over, never "false"
  wait_end: simple((ctx) => (ctx.final ? smpBool(true) : MISS)),
};

registerFetchImpls(LAYER6_FETCH_IMPLS);
