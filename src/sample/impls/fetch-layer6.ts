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
 * The ClientHello fetches (req.ssl_sni, req.ssl_alpn, req.ssl_ec_ext,
 * req.ssl_st_ext) use the TLS ClientHello parser of src/tls/client-hello.ts
 * through {@link setClientHelloParser}; req.ssl_hello_type and req.ssl_ver
 * only read record headers and are implemented here, as in payload.c.
 */
import type { PayloadView, SampleContext } from '../context.js';
import { MISS } from '../context.js';
import { registerFetchImpls, simple, argInt, argStr, hasArg, type FetchFn, type FetchImpl } from '../impl-registry.js';
import { F_MAY_CHANGE, smpBool, smpNum, type Sample } from '../sample.js';

/** HAProxy's default tune.bufsize and tune.maxrewrite: bounds of what a payload fetch may ever see. */
const BUFSIZE = 16384;
const MAXREWRITE = 1024;

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

/**
 * payload.c smp_fetch_ssl_hello_type(): the handshake type of the first TLS
 * record once the whole handshake fragment is there.
 */
export function sslHelloType(ch: PayloadView): Sample | undefined | typeof MISS {
  const d = ch.buf;
  const left = ch.len;
  if (left === 0) return MISS;
  const t = d[0]!;
  if (!((t >= 0x14 && t <= 0x17) || t === 0xff)) return undefined;
  if (left < 9) return MISS;
  if ((d[1]! << 16) + d[2]! < 0x00030000) return undefined;
  if ((d[3]! << 8) + d[4]! < 4) return undefined;
  const hsType = d[5]!;
  const hsLen = (d[6]! << 16) + (d[7]! << 8) + d[8]!;
  if (left < hsLen + 9) return MISS;
  return smpNum(hsType);
}

/**
 * payload.c smp_fetch_req_ssl_ver(): the protocol version of an SSLv3+ record
 * header or of an SSLv2 CLIENT-HELLO, as major << 16 | minor, once the
 * announced message (capped to what a buffer holds) is there.
 */
export function sslVersion(ch: PayloadView): Sample | undefined | typeof MISS {
  const d = ch.buf;
  let left = ch.len;
  let p = 0;
  if (left === 0) return MISS;
  let version: number;
  let msgLen: number;
  const t = d[0]!;
  if ((t >= 0x14 && t <= 0x17) || t === 0xff) {
    if (left < 5) return MISS;
    version = (d[1]! << 16) + d[2]!;
    msgLen = (d[3]! << 8) + d[4]!;
    if (version < 0x00030000) return undefined;
    if (msgLen < 1 || msgLen > (1 << 14) + 2048) return undefined;
    left -= 5;
  } else {
    // SSLv2 header format, only supported for hello (msg type 1)
    let rlen: number;
    let plen: number;
    if (t & 0x80) {
      if (left < 3) return MISS;
      rlen = ((t & 0x7f) << 8) | d[1]!;
      plen = 0;
      left -= 2;
      p += 2;
    } else {
      if (left < 4) return MISS;
      rlen = ((t & 0x3f) << 8) | d[1]!;
      plen = d[2]!;
      left -= 3;
      p += 3;
    }
    if (d[p] !== 0x01) return undefined;
    left--;
    p++;
    if (left < 8) return MISS;
    version = (d[p]! << 16) | d[p + 1]!;
    const cilen = (d[p + 2]! << 8) | d[p + 3]!;
    const silen = (d[p + 4]! << 8) | d[p + 5]!;
    const chlen = (d[p + 6]! << 8) | d[p + 7]!;
    left -= 8;
    if (cilen % 3 !== 0) return undefined;
    if (silen !== 0 && silen !== 16) return undefined;
    if (chlen < 16 || chlen > 32) return undefined;
    if (rlen !== 9 + cilen + silen + chlen) return undefined;
    msgLen = cilen + silen + chlen + plen;
  }
  // "we could still check that all the part of the request which fits in a buffer is already there"
  if (msgLen > BUFSIZE - MAXREWRITE) msgLen = BUFSIZE - MAXREWRITE;
  if (left < msgLen) return MISS;
  return smpNum(version);
}

function channelFetch(dir: Dir, f: (ch: PayloadView) => Sample | undefined | typeof MISS): FetchImpl {
  return simple((ctx) => {
    const ch = channel(ctx, dir);
    return ch === undefined ? undefined : f(ch);
  });
}

// ---------------------------------------------------------------------------
// ClientHello-based fetches
// ---------------------------------------------------------------------------

/** What the ClientHello fetches need from a parsed hello (mapped from src/tls/client-hello.ts). */
export interface ClientHelloInfo {
  /** server_name (type host_name), when the extension is present. */
  readonly sni?: string | undefined;
  /** The protocols of the ALPN extension, in order, when present. */
  readonly alpn?: readonly string[] | undefined;
  /** Whether the supported_groups (elliptic_curves, 10) extension is present. */
  readonly ecExtension: boolean;
  /** The SessionTicket extension: 0 absent, 1 present and empty, 2 present with a ticket. */
  readonly sessionTicket: 0 | 1 | 2;
}

/** The parser contract of src/tls/client-hello.ts (`parseClientHello(buf, start, end)`). */
export type ClientHelloParser = (buf: Buffer, start: number, end: number) => { status: 'need-more' | 'invalid' | 'ok'; hello?: ClientHelloInfo | undefined };

let clientHelloParser: ClientHelloParser | undefined;

/**
 * Installs the ClientHello parser used by req.ssl_sni, req.ssl_alpn,
 * req.ssl_ec_ext and req.ssl_st_ext (done once by the TLS module, adapting
 * its `hello` object to {@link ClientHelloInfo}). Until then these fetches
 * answer "not found".
 */
export function setClientHelloParser(p: ClientHelloParser | undefined): void {
  clientHelloParser = p;
}

function helloFetch(read: (h: ClientHelloInfo) => Sample | undefined): FetchImpl {
  const fn: FetchFn = (ctx) => {
    const ch = ctx.req;
    const parse = clientHelloParser;
    if (ch === undefined || parse === undefined) return undefined;
    const r = parse(ch.buf, 0, ch.len);
    if (r.status === 'need-more') return MISS;
    if (r.status !== 'ok' || r.hello === undefined) return undefined;
    return read(r.hello);
  };
  return simple(fn);
}

const sslSni = helloFetch((h) => (h.sni === undefined ? undefined : { type: 'str', value: h.sni, flags: 0 }));
const sslHelloReq = channelFetch('req', sslHelloType);
const sslVerReq = channelFetch('req', sslVersion);

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
  'res.ssl_hello_type': channelFetch('res', sslHelloType),
  rep_ssl_hello_type: channelFetch('res', sslHelloType),
  'req.ssl_ver': sslVerReq,
  req_ssl_ver: sslVerReq,
  'req.ssl_sni': sslSni,
  req_ssl_sni: sslSni,
  // payload.c smp_fetch_ssl_hello_alpn(): the first protocol of the list
  'req.ssl_alpn': helloFetch((h) => {
    const first = h.alpn?.[0];
    return first === undefined ? undefined : { type: 'str', value: first, flags: 0 };
  }),
  'req.ssl_ec_ext': helloFetch((h) => smpBool(h.ecExtension)),
  'req.ssl_st_ext': helloFetch((h) => smpNum(h.sessionTicket)),
  // payload.c smp_fetch_wait_end(): true once the inspection period is over, never "false"
  wait_end: simple((ctx) => (ctx.final ? smpBool(true) : MISS)),
};

registerFetchImpls(LAYER6_FETCH_IMPLS);
