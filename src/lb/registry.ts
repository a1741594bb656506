/**
 * Load-balancing algorithms: the small interface every algorithm implements
 * and the table of `balance` keywords (configuration.txt §4.2 "balance").
 * Adding an algorithm is one file plus one line in {@link ALGORITHMS}.
 */
import type { HashTypeConfig, ProxyMode } from '../config/model/proxy.js';
import type { SampleExpression } from '../sample/expression.js';
import type { Server } from '../server/server.js';
import { RoundRobin } from './roundrobin.js';
import { StaticRoundRobin } from './static-rr.js';
import { LeastConn } from './leastconn.js';
import { First } from './first.js';
import { HdrHash, RandomChash, RdpCookieHash, SampleHash, SourceHash, UriHash, UrlParamHash } from './hash-balance.js';

/** What a pick may look at; filled by the stream (later: URI, headers, ...). */
export interface PickContext {
  /** The server to avoid (the one that just failed, when redispatching). */
  avoid?: Server | undefined;
  /** Client address as Node gives it ('127.0.0.1', '::1', '::ffff:1.2.3.4'), for `balance source`. */
  source?: string | undefined;
  /*
   * Keys of the hash-based algorithms (src/lb/hash-balance.ts), given by the
   * stream when it has them. A string is one byte per character (latin1).
   * A missing key makes the algorithm fall back to round robin, as haproxy.
   */
  /** `balance uri`, `url_param`: the request target as received (start line URI). */
  uri?: string | Uint8Array | undefined;
  /** The request method; `url_param` looks for the parameter in the body of a POST. */
  method?: string | undefined;
  /** `url_param` on POST: the buffered request body (its first data block in haproxy). */
  body?: Uint8Array | undefined;
  /**
   * `balance hdr(<name>)`: the header value as haproxy's
   * http_find_header(full=0) gives it: the first comma-separated value of
   * the first occurrence, trimmed; undefined when absent.
   */
  header?(name: string): string | Uint8Array | undefined;
  /** `balance rdp-cookie(<name>)`: the value of the RDP cookie in the request bytes (as the `rdp_cookie` fetch). */
  rdpCookie?(name: string): string | Uint8Array | undefined;
  /** `balance hash <expr>`: the expression's sample, converted to binary (sample_fetch_as_type(SMP_T_BIN)). */
  fetchSample?(expr: SampleExpression): string | Uint8Array | undefined;
}

/**
 * haproxy's BE_LB_KIND_*: 'rr' (round-robin like, deterministic order),
 * 'cb' (connection based: leastconn, first), 'hi' (hash of an input).
 * Retries and redispatch look at it (backend.c: back_handle_st_cer).
 */
export type AlgorithmKind = 'rr' | 'cb' | 'hi';

/** One balance algorithm instance, owned by one backend. */
export interface BalanceAlgorithm {
  readonly name: string;
  readonly kind: AlgorithmKind;
  /**
   * Chooses a server, or undefined when none is usable or all are saturated.
   * May return a saturated server for algorithms that queue on the chosen
   * server (hash based); the caller checks `hasFreeSlot()`.
   */
  pick(ctx: PickContext): Server | undefined;
  /** A server became usable (check UP, out of maintenance, weight from 0). */
  onServerUp(s: Server): void;
  /** A server stopped being usable. */
  onServerDown(s: Server): void;
  /** A usable server changed weight and stays usable. */
  onWeightChange(s: Server): void;
  /** A connection slot was taken on / released from a server. */
  onConnectionStart(s: Server): void;
  onConnectionEnd(s: Server): void;
}

export interface AlgorithmOptions {
  /** `option allbackups`: use every backup server at once instead of the first. */
  readonly allBackups: boolean;
  /** The arguments after the algorithm name (`random(3)` gives ['3'] via `args`). */
  readonly args: readonly string[];
  readonly hashType?: HashTypeConfig | undefined;
  /** `hash-balance-factor` (bounded loads with `hash-type consistent` and `random`). */
  readonly hashBalanceFactor?: number | undefined;
  /** `balance hash <expr>`: the parsed expression. */
  readonly expression?: SampleExpression | undefined;
  /** The proxy's mode: layer 7 hashes (`uri`, `url_param`, `hdr`) become roundrobin in `mode tcp`. */
  readonly mode?: ProxyMode | undefined;
}

export type AlgorithmFactory = (servers: readonly Server[], opts: AlgorithmOptions) => BalanceAlgorithm;

const ALGORITHMS = new Map<string, AlgorithmFactory>([
  ['roundrobin', (s, o) => new RoundRobin(s, o)],
  ['static-rr', (s, o) => new StaticRoundRobin(s, o)],
  ['leastconn', (s, o) => new LeastConn(s, o)],
  ['first', (s, o) => new First(s, o)],
  ['source', (s, o) => new SourceHash(s, o)],
  ['random', (s, o) => new RandomChash(s, o)],
  ['uri', (s, o) => (o.mode === 'tcp' ? new RoundRobin(s, o) : new UriHash(s, o))],
  ['url_param', (s, o) => (o.mode === 'tcp' ? new RoundRobin(s, o) : new UrlParamHash(s, o))],
  ['hdr', (s, o) => (o.mode === 'tcp' ? new RoundRobin(s, o) : new HdrHash(s, o))],
  ['rdp-cookie', (s, o) => new RdpCookieHash(s, o)],
  ['hash', (s, o) => new SampleHash(s, o)],
]);

/** Registers another algorithm by its `balance` keyword. */
export function registerAlgorithm(name: string, factory: AlgorithmFactory): void {
  ALGORITHMS.set(name, factory);
}

/** The names of the known algorithms. */
export function algorithmNames(): string[] {
  return [...ALGORITHMS.keys()];
}

/**
 * Builds the algorithm named by `balance` (default roundrobin, §4.2). A
 * `random(<draws>)` keyword carries its argument in parentheses; the
 * parenthesised part is moved in front of `args`. Returns undefined for an
 * unknown name so the caller can report it.
 */
export function createAlgorithm(
  name: string | undefined,
  servers: readonly Server[],
  opts: AlgorithmOptions,
): BalanceAlgorithm | undefined {
  let key = name ?? 'roundrobin';
  let args = opts.args;
  const paren = /^([a-z_-]+)\(([^)]*)\)$/.exec(key);
  if (paren !== null && paren[1] !== undefined) {
    key = paren[1];
    args = [paren[2] ?? '', ...args];
  }
  const f = ALGORITHMS.get(key);
  return f === undefined ? undefined : f(servers, { ...opts, args });
}
