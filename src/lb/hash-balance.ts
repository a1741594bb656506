/**
 * The hash-based balance algorithms (configuration.txt §4.2 "balance"):
 * `source`, `uri`, `url_param`, `hdr(<name>)`, `rdp-cookie[(<name>)]`,
 * `hash <expr>`, and `random[(<draws>)]`, which draws random keys on the
 * same consistent-hashing ring.
 *
 * Each one extracts a key from the {@link PickContext} exactly as haproxy's
 * backend.c does (get_server_sh/uh/ph/ph_post/hh/rch/expr), hashes it with
 * the backend's `hash-type` function (backend.c gen_hash(); `source` only
 * folds the address) and looks it up in the weighted map (`hash-type
 * map-based`, the default, src/lb/map-based.ts) or on the ring (`hash-type
 * consistent`, src/lb/chash.ts). When the key is missing (no such
 * parameter, header or cookie) the request goes round robin over the same
 * map or ring, as in assign_server(). With a single server in use most of
 * them do not even look at the key ("we won't hash if there's only one
 * server left") and use hash 0.
 *
 * The keys come from whoever fills the PickContext: `source` from the
 * client address; `uri`, `url_param`, `hdr` from the HTTP stream; `rdp-cookie`
 * and `hash` from the sample engine (see the fields of PickContext).
 */
import type { AlgorithmOptions, BalanceAlgorithm, PickContext } from './registry.js';
import type { Server } from '../server/server.js';
import type { SampleExpression } from '../sample/expression.js';
import { fullHash, keyHasher, sourceAddressHash, type HashKey, type KeyHasher } from './hash-functions.js';
import { ServerHashMap } from './map-based.js';
import { ChashTree } from './chash.js';

function byteAt(key: HashKey, i: number): number {
  return typeof key === 'string' ? key.charCodeAt(i) & 0xff : key[i]!;
}

/** Index of byte `c` in `key[from, end)`, or -1 (memchr). */
function indexOfByte(key: HashKey, c: number, from: number, end: number): number {
  for (let i = from; i < end; i++) if (byteAt(key, i) === c) return i;
  return -1;
}

/** `key[a, a + n)` equals the latin1 string `name` (memcmp). */
function bytesEqual(key: HashKey, a: number, name: string): boolean {
  for (let i = 0; i < name.length; i++) if (byteAt(key, a + i) !== (name.charCodeAt(i) & 0xff)) return false;
  return true;
}

const SLASH = 0x2f;
const QMARK = 0x3f;
const AMP = 0x26;
const EQ = 0x3d;
const DOT = 0x2e;

/**
 * The lookup every hash algorithm shares: haproxy's map or ring, chosen by
 * `hash-type`, plus the round-robin fallback over the same structure.
 */
export abstract class HashBalance implements BalanceAlgorithm {
  abstract readonly name: string;
  readonly kind: 'hi' | 'rr' = 'hi';
  protected readonly map: ServerHashMap | undefined;
  protected readonly ring: ChashTree | undefined;
  /** gen_hash(): the `hash-type` function, with `avalanche` applied. */
  protected readonly hash: KeyHasher;
  protected readonly avalanche: boolean;

  constructor(servers: readonly Server[], opts: AlgorithmOptions, forceRing = false) {
    this.hash = keyHasher(opts.hashType);
    this.avalanche = opts.hashType?.avalanche === true;
    // cfgparse.c: BE_LB_HASH_CONS selects the ring, anything else the map.
    if (forceRing || opts.hashType?.method === 'consistent') {
      this.ring = new ChashTree(servers, { allBackups: opts.allBackups, hashBalanceFactor: opts.hashBalanceFactor });
    } else {
      this.map = new ServerHashMap(servers, opts.allBackups);
    }
  }

  /** lbprm.tot_weight: 0 when no server is usable. */
  protected get totWeight(): number {
    return this.ring !== undefined ? this.ring.totWeight : this.map!.totWeight;
  }

  /** lbprm.tot_used: the number of servers in use. */
  protected get totUsed(): number {
    return this.ring !== undefined ? this.ring.totUsed : this.map!.totUsed;
  }

  /** The server for a hash: chash_get_server_hash() or map_get_server_hash(). */
  lookup(hash: number, avoid: Server | undefined): Server | undefined {
    return this.ring !== undefined ? this.ring.byHash(hash, avoid) : this.map!.byHash(hash);
  }

  /** No key: chash_get_next_server() or map_get_server_rr(). */
  protected fallback(avoid: Server | undefined): Server | undefined {
    return this.ring !== undefined ? this.ring.nextRoundRobin(avoid) : this.map!.nextRoundRobin(avoid);
  }

  /** The server chosen from the request's key, or undefined when there is no key (round robin then). */
  protected abstract byKey(ctx: PickContext): Server | undefined;

  pick(ctx: PickContext): Server | undefined {
    return this.byKey(ctx) ?? this.fallback(ctx.avoid);
  }

  onServerUp(s: Server): void {
    if (this.ring !== undefined) this.ring.onServerUp(s);
    else this.map!.rebuild();
  }

  onServerDown(s: Server): void {
    if (this.ring !== undefined) this.ring.onServerDown(s);
    else this.map!.rebuild();
  }

  /** lb_map.c has no weight update: a change rebuilds the map (only 0% and 100% are allowed there). */
  onWeightChange(s: Server): void {
    if (this.ring !== undefined) this.ring.onWeightChange(s);
    else this.map!.rebuild();
  }

  onConnectionStart(s: Server): void {
    this.ring?.onConnectionStart(s);
  }

  onConnectionEnd(s: Server): void {
    this.ring?.onConnectionEnd(s);
  }
}

/**
 * `balance source`: backend.c get_server_sh(). The address words are XORed;
 * the `hash-type` function is not used, only `avalanche`. A client without
 * an IP address (unix socket) goes round robin.
 */
export class SourceHash extends HashBalance {
  readonly name = 'source';

  protected byKey(ctx: PickContext): Server | undefined {
    const addr = ctx.source;
    if (addr === undefined || addr === '') return undefined;
    if (this.totWeight === 0) return undefined;
    let h = 0;
    if (this.totUsed !== 1) {
      h = sourceAddressHash(addr);
      if (this.avalanche) h = fullHash(h);
    }
    return this.lookup(h, ctx.avoid);
  }
}

/**
 * The path of a request target, as http.c http_parse_path(): the target
 * itself in origin form, the part from the first '/' after the authority in
 * absolute form; [0, 0) for `*`, authority form, or no path.
 */
export function uriPathRange(uri: HashKey): [number, number] {
  const end = uri.length;
  if (end === 0) return [0, 0];
  const c0 = byteAt(uri, 0);
  if (c0 === SLASH) return [0, end];
  if (c0 === 0x2a) return [0, 0];
  // http_parse_scheme(): ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) "://"
  const isAlpha = (c: number): boolean => (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
  if (!isAlpha(c0)) return [0, 0];
  let p = 1;
  while (p < end) {
    const c = byteAt(uri, p);
    if (isAlpha(c) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) p++;
    else break;
  }
  if (p + 3 > end || byteAt(uri, p) !== 0x3a || byteAt(uri, p + 1) !== SLASH || byteAt(uri, p + 2) !== SLASH) return [0, 0];
  // http_parse_authority(): up to the first '/'.
  p += 3;
  while (p < end && byteAt(uri, p) !== SLASH) p++;
  return p === end ? [0, 0] : [p, end];
}

/**
 * `balance uri [len <n>] [depth <n>] [whole] [path-only]`: backend.c
 * get_server_uh(). The hash covers the URI up to the '?' (unless `whole`),
 * at most `len` characters and up to the `depth`-th slash excluded.
 */
export class UriHash extends HashBalance {
  readonly name = 'uri';
  /** arg_opt1: 1 = whole, 2 = path-only. */
  readonly whole: boolean;
  readonly pathOnly: boolean;
  /** arg_opt2: `len`, 0 for no limit. */
  readonly len: number;
  /** arg_opt3: `depth` + 1 ("we store the position of the ending '/'"), 0 for no limit. */
  readonly depthSlash: number;

  constructor(servers: readonly Server[], opts: AlgorithmOptions) {
    super(servers, opts);
    let whole = false;
    let pathOnly = false;
    let len = 0;
    let depth = 0;
    const a = opts.args;
    for (let i = 0; i < a.length; i++) {
      const w = a[i];
      if (w === 'whole') whole = true;
      else if (w === 'path-only') pathOnly = true;
      else if (w === 'len') len = Math.max(0, parseInt(a[++i] ?? '', 10) || 0);
      else if (w === 'depth') depth = Math.max(0, parseInt(a[++i] ?? '', 10) || 0) + 1;
    }
    this.whole = whole;
    this.pathOnly = pathOnly;
    this.len = len;
    this.depthSlash = depth;
  }

  protected byKey(ctx: PickContext): Server | undefined {
    const uri = ctx.uri;
    if (uri === undefined) return undefined;
    if (this.totWeight === 0) return undefined;
    let h = 0;
    if (this.totUsed !== 1) {
      let [start, stop] = this.pathOnly ? uriPathRange(uri) : [0, uri.length];
      if (this.len > 0 && stop - start > this.len) stop = start + this.len;
      let end = start;
      let slashes = 0;
      for (; end < stop; end++) {
        const c = byteAt(uri, end);
        if (c === SLASH) {
          slashes++;
          if (slashes === this.depthSlash) break;
        } else if (c === QMARK && !this.whole) {
          break;
        }
      }
      h = this.hash(uri, start, end);
    }
    return this.lookup(h, ctx.avoid);
  }
}

/** http.h HTTP_IS_TOKEN(): RFC 7230 tchar. */
function isToken(c: number): boolean {
  if ((c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a)) return true;
  return c === 0x21 || (c >= 0x23 && c <= 0x27) || c === 0x2a || c === 0x2b || c === 0x2d || c === 0x2e || c === 0x5e || c === 0x5f || c === 0x60 || c === 0x7c || c === 0x7e;
}

/** http.h HTTP_IS_LWS(): SP, HT, CR, LF. */
function isLws(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

/**
 * `balance url_param <param> [check_post]`: backend.c get_server_ph(), then
 * get_server_ph_post() on the body of a POST when the query string did not
 * have the parameter. haproxy 2.6 parses `check_post` but looks into every
 * POST body whatever it says.
 */
export class UrlParamHash extends HashBalance {
  readonly name = 'url_param';
  readonly param: string;
  readonly checkPost: boolean;

  constructor(servers: readonly Server[], opts: AlgorithmOptions) {
    super(servers, opts);
    this.param = opts.args[0] ?? '';
    this.checkPost = opts.args[1] === 'check_post';
  }

  /** Finds `<param>=` at the start of a `&`-separated field of `key[from, end)`; returns the value's start or -1. */
  private findValue(key: HashKey, from: number, end: number): number {
    const plen = this.param.length;
    let params = from;
    while (end - params > plen) {
      if (byteAt(key, params + plen) === EQ && bytesEqual(key, params, this.param)) return params + plen + 1;
      const amp = indexOfByte(key, AMP, params, end);
      if (amp < 0) return -1;
      params = amp + 1;
    }
    return -1;
  }

  protected byKey(ctx: PickContext): Server | undefined {
    if (this.totWeight === 0) return undefined;
    const uri = ctx.uri;
    if (uri !== undefined) {
      const q = indexOfByte(uri, QMARK, 0, uri.length);
      if (q >= 0) {
        const v = this.findValue(uri, q + 1, uri.length);
        if (v >= 0) {
          let e = v;
          while (e < uri.length && byteAt(uri, e) !== AMP) e++;
          return this.lookup(this.hash(uri, v, e), ctx.avoid);
        }
      }
    }
    const body = ctx.body;
    if (ctx.method === 'POST' && body !== undefined) return this.fromBody(body, ctx.avoid);
    return undefined;
  }

  /** get_server_ph_post(): the body must look URL-encoded. */
  private fromBody(body: Uint8Array, avoid: Server | undefined): Server | undefined {
    const v = this.findValue(body, 0, body.length);
    if (v < 0) return undefined;
    let e = v;
    // haproxy tests the value's first byte on every step (`*p`, not `*end`).
    const first = v < body.length ? body[v]! : 0;
    while (e < body.length && body[e] !== AMP) {
      if (!isToken(first)) {
        if (isLws(first)) break; // "eol, uncertain uri len"
        return undefined; // "this is not uri-encoded"
      }
      e++;
    }
    return this.lookup(this.hash(body, v, e), avoid);
  }
}

/**
 * `balance hdr(<name>) [use_domain_only]`: backend.c get_server_hh(). An
 * absent or empty header goes round robin; `use_domain_only` hashes the
 * label before the last dot ("example" in "www.example.com").
 */
export class HdrHash extends HashBalance {
  readonly name = 'hdr';
  readonly header: string;
  readonly domainOnly: boolean;

  constructor(servers: readonly Server[], opts: AlgorithmOptions) {
    super(servers, opts);
    this.header = opts.args[0] ?? '';
    this.domainOnly = opts.args[1] === 'use_domain_only';
  }

  protected byKey(ctx: PickContext): Server | undefined {
    if (this.totWeight === 0) return undefined;
    let h = 0;
    // "we won't hash if there's only one server left", before the header is even looked up.
    if (this.totUsed !== 1) {
      const v = ctx.header?.(this.header);
      if (v === undefined || v.length === 0) return undefined;
      if (!this.domainOnly) {
        h = this.hash(v);
      } else {
        // Walk back from one past the end: the first dot found marks the end
        // of the domain, the dot before it its start.
        let len = v.length;
        let p = len;
        let end = p;
        let dohash = false;
        while (len > 0) {
          if (dohash) {
            if (byteAt(v, p - 1) === DOT) break;
          } else if (p < v.length && byteAt(v, p) === DOT) {
            end = p;
            dohash = true;
          }
          p--;
          len--;
        }
        h = this.hash(v, p, end);
      }
    }
    return this.lookup(h, ctx.avoid);
  }
}

/** `balance rdp-cookie[(<name>)]`: backend.c get_server_rch(); the cookie defaults to `mstshash`. */
export class RdpCookieHash extends HashBalance {
  readonly name = 'rdp-cookie';
  readonly cookie: string;

  constructor(servers: readonly Server[], opts: AlgorithmOptions) {
    super(servers, opts);
    const n = opts.args[0];
    this.cookie = n === undefined || n === '' ? 'mstshash' : n;
  }

  protected byKey(ctx: PickContext): Server | undefined {
    if (this.totWeight === 0) return undefined;
    const v = ctx.rdpCookie?.(this.cookie);
    if (v === undefined || v.length === 0) return undefined;
    const h = this.totUsed === 1 ? 0 : this.hash(v);
    return this.lookup(h, ctx.avoid);
  }
}

/** `balance hash <expr>`: backend.c get_server_expr(), the sample taken as binary. */
export class SampleHash extends HashBalance {
  readonly name = 'hash';
  readonly expression: SampleExpression | undefined;

  constructor(servers: readonly Server[], opts: AlgorithmOptions) {
    super(servers, opts);
    this.expression = opts.expression;
  }

  protected byKey(ctx: PickContext): Server | undefined {
    if (this.totWeight === 0) return undefined;
    let h = 0;
    if (this.totUsed !== 1) {
      const expr = this.expression;
      if (expr === undefined) return undefined;
      const v = ctx.fetchSample?.(expr);
      if (v === undefined) return undefined;
      h = this.hash(v);
    }
    return this.lookup(h, ctx.avoid);
  }
}

/**
 * `balance random[(<draws>)]`: backend.c get_server_rnd(). Each draw is a
 * random 32-bit key on the consistent-hashing ring (whatever `hash-type`
 * says, cfgparse.c), so weights and `hash-balance-factor` apply; of the
 * draws, the server with the fewest connections relative to its weight
 * wins ("power of two choices", 2 draws by default). A saturated winner
 * means no server, so the request waits in the backend queue.
 */
export class RandomChash extends HashBalance {
  readonly name = 'random';
  override readonly kind = 'rr' as const;
  readonly draws: number;
  /** Injectable for tests; returns [0, 1). */
  random: () => number = Math.random;

  constructor(servers: readonly Server[], opts: AlgorithmOptions) {
    super(servers, opts, true);
    const n = Number(opts.args[0]);
    this.draws = opts.args[0] !== undefined && opts.args[0] !== '' && Number.isInteger(n) && n > 0 ? n : 2;
  }

  protected byKey(_ctx: PickContext): Server | undefined {
    return undefined;
  }

  override pick(ctx: PickContext): Server | undefined {
    let curr: Server | undefined;
    let draws = this.draws;
    do {
      const prev = curr;
      curr = this.lookup(Math.floor(this.random() * 0x100000000) >>> 0, ctx.avoid);
      if (curr === undefined) break;
      // Keep the previous choice when the new one serves more relative to its weight.
      if (prev !== undefined && prev !== curr && curr.served * prev.lb.weight > prev.served * curr.lb.weight) curr = prev;
    } while (--draws > 0);
    if (curr !== undefined && (curr.queue.length > 0 || (curr.maxconn > 0 && curr.served >= curr.maxconn))) return undefined;
    return curr;
  }
}
