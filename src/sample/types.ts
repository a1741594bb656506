/**
 * The type system of the expression language: sample types and their casts,
 * argument types, and the "where may a fetch be used" matrix (HAProxy's
 * SMP_USE_* sources and SMP_VAL_* checkpoints).
 *
 * configuration.txt §7.3 and HAProxy 2.6 `include/haproxy/sample-t.h`,
 * `src/sample.c` (sample_casts[], fetch_cap[], fetch_src_names[],
 * fetch_ckp_names[]) and `src/arg.c` (arg_type_names[]). The tables below were
 * checked against `haproxy -dKsmp` (which prints the checkpoint matrix of every
 * fetch) and against the error messages of `haproxy -c`.
 */
import type { Place } from '../config/diagnostics.js';

// ---------------------------------------------------------------------------
// Sample types
// ---------------------------------------------------------------------------

/** The type of a sample (HAProxy's SMP_T_*; `same` is internal and not exposed). */
export type SampleType = 'any' | 'bool' | 'sint' | 'addr' | 'ipv4' | 'ipv6' | 'str' | 'bin' | 'meth';

export const SAMPLE_TYPES: readonly SampleType[] = ['any', 'bool', 'sint', 'addr', 'ipv4', 'ipv6', 'str', 'bin', 'meth'];

/**
 * sample.c sample_casts[from][to]: whether a value of type `from` can be turned
 * into `to`. `any` as a source (e.g. `var()`) is accepted everywhere at parse
 * time: its real type is only known at run time (c_pseudo in HAProxy).
 */
const CASTS: Readonly<Record<SampleType, readonly SampleType[]>> = {
  any: ['any', 'bool', 'sint', 'addr', 'ipv4', 'ipv6', 'str', 'bin', 'meth'],
  bool: ['any', 'bool', 'sint', 'str', 'bin'],
  sint: ['any', 'bool', 'sint', 'addr', 'ipv4', 'ipv6', 'str', 'bin'],
  addr: ['any'],
  ipv4: ['any', 'sint', 'addr', 'ipv4', 'ipv6', 'str', 'bin'],
  ipv6: ['any', 'addr', 'ipv4', 'ipv6', 'str', 'bin'],
  str: ['any', 'bool', 'sint', 'addr', 'ipv4', 'ipv6', 'str', 'bin', 'meth'],
  bin: ['any', 'str', 'bin', 'meth'],
  meth: ['any', 'str', 'bin', 'meth'],
};

/** True when sample.c has a cast from `from` to `to` (what "converter 'x' cannot be applied" checks). */
export function canCast(from: SampleType, to: SampleType): boolean {
  return CASTS[from].includes(to);
}

// ---------------------------------------------------------------------------
// Argument types
// ---------------------------------------------------------------------------

/** Argument types of fetches and converters (HAProxy's ARGT_*). */
export type ArgType =
  | 'sint' | 'str' | 'ipv4' | 'msk4' | 'ipv6' | 'msk6' | 'time' | 'size'
  | 'fe' | 'be' | 'tab' | 'srv' | 'usr' | 'map' | 'reg' | 'var' | 'pbuf_fnum';

/** arg.c arg_type_names[]: the words used in "failed to parse 'x' as type '...'". */
export const ARG_TYPE_NAMES: Readonly<Record<ArgType, string>> = {
  sint: 'integer',
  str: 'string',
  ipv4: 'IPv4 address',
  msk4: 'IPv4 mask',
  ipv6: 'IPv6 address',
  msk6: 'IPv6 mask',
  time: 'delay',
  size: 'size',
  fe: 'frontend',
  be: 'backend',
  tab: 'table',
  srv: 'server',
  usr: 'user list',
  map: 'map',
  reg: 'regex',
  var: 'variable',
  pbuf_fnum: 'Protocol buffers field number',
};

/** The argument list a keyword accepts: the first `min` are mandatory (HAProxy's ARGn(min, ...)). */
export interface ArgSpec {
  readonly min: number;
  readonly types: readonly ArgType[];
}

/** Shorthand used by the declaration tables: `A(1, 'str', 'sint')` is ARG2(1,STR,SINT). */
export function A(min: number, ...types: ArgType[]): ArgSpec {
  return { min, types };
}

/** Types whose value names another configuration object, resolved once the whole file is read. */
export type RefArgType = 'fe' | 'be' | 'tab' | 'srv' | 'usr' | 'reg';

/** A parsed argument. References (backend, table, regex, ...) stay names until resolution. */
export type SampleArg =
  | { readonly type: 'sint'; readonly value: number }
  | { readonly type: 'str'; readonly value: string }
  | { readonly type: 'ipv4'; readonly value: string }
  | { readonly type: 'ipv6'; readonly value: string }
  /** An IPv4 mask given as a prefix length or a dotted mask; `bits` is its prefix length when contiguous. */
  | { readonly type: 'msk4'; readonly value: string; readonly mask: number }
  | { readonly type: 'msk6'; readonly value: string; readonly bits: number }
  | { readonly type: 'pbuf_fnum'; readonly value: string; readonly path: readonly number[] }
  | { readonly type: RefArgType; readonly name: string; readonly unresolved: true };

// ---------------------------------------------------------------------------
// Where samples come from and where they may be used
// ---------------------------------------------------------------------------

/** Data sources (HAProxy's SMP_SRC_*), in bit order. */
export const SAMPLE_SOURCES = [
  'CONST', 'INTRN', 'LISTN', 'FTEND', 'L4CLI', 'L5CLI', 'TRACK', 'L6REQ', 'HRQHV', 'HRQHP', 'HRQBO',
  'BKEND', 'SERVR', 'L4SRV', 'L5SRV', 'L6RES', 'HRSHV', 'HRSHP', 'HRSBO', 'RQFIN', 'RSFIN', 'TXFIN', 'SSFIN',
] as const;
export type SampleSource = (typeof SAMPLE_SOURCES)[number];

/** sample.c fetch_src_names[]: used in "extracts information from '...'". */
export const SOURCE_NAMES: Readonly<Record<SampleSource, string>> = {
  CONST: 'constant',
  INTRN: 'internal state',
  LISTN: 'listener',
  FTEND: 'frontend',
  L4CLI: 'client address',
  L5CLI: 'client-side connection',
  TRACK: 'track counters',
  L6REQ: 'request buffer',
  HRQHV: 'HTTP request headers',
  HRQHP: 'HTTP request',
  HRQBO: 'HTTP request body',
  BKEND: 'backend',
  SERVR: 'server',
  L4SRV: 'server address',
  L5SRV: 'server-side connection',
  L6RES: 'response buffer',
  HRSHV: 'HTTP response headers',
  HRSHP: 'HTTP response',
  HRSBO: 'HTTP response body',
  RQFIN: 'request buffer statistics',
  RSFIN: 'response buffer statistics',
  TXFIN: 'transaction statistics',
  SSFIN: 'session statistics',
};

/** Evaluation points (HAProxy's SMP_CKP_*), in bit order, with fetch_ckp_names[]. */
export const CHECKPOINTS = [
  ['FE_CON_ACC', 'frontend tcp-request connection rule'],
  ['FE_SES_ACC', 'frontend tcp-request session rule'],
  ['FE_REQ_CNT', 'frontend tcp-request content rule'],
  ['FE_HRQ_HDR', 'frontend http-request header rule'],
  ['FE_HRQ_BDY', 'frontend http-request body rule'],
  ['FE_SET_BCK', 'frontend use-backend rule'],
  ['BE_REQ_CNT', 'backend tcp-request content rule'],
  ['BE_HRQ_HDR', 'backend http-request header rule'],
  ['BE_HRQ_BDY', 'backend http-request body rule'],
  ['BE_SET_SRV', 'backend use-server, balance or stick-match rule'],
  ['BE_SRV_CON', 'server source selection'],
  ['BE_RES_CNT', 'backend tcp-response content rule'],
  ['BE_HRS_HDR', 'backend http-response header rule'],
  ['BE_HRS_BDY', 'backend http-response body rule'],
  ['BE_STO_RUL', 'backend stick-store rule'],
  ['FE_RES_CNT', 'frontend tcp-response content rule'],
  ['FE_HRS_HDR', 'frontend http-response header rule'],
  ['FE_HRS_BDY', 'frontend http-response body rule'],
  ['FE_LOG_END', 'logs'],
  ['BE_CHK_RUL', 'backend tcp-check rule'],
  ['CFG_PARSER', 'configuration parser'],
  ['CLI_PARSER', 'CLI parser'],
] as const;
export type Checkpoint = (typeof CHECKPOINTS)[number][0];

/** Bit of one checkpoint. */
export function ckp(name: Checkpoint): number {
  return 1 << CHECKPOINTS.findIndex((c) => c[0] === name);
}

/**
 * Parses a 22-character matrix row as printed by `haproxy -dKsmp` ('Y' = usable
 * at that checkpoint, in CHECKPOINTS order) into a bit mask. Keeping the rows in
 * this form makes them easy to compare with the real haproxy.
 */
export function checkpoints(row: string): number {
  let m = 0;
  for (let i = 0; i < row.length && i < CHECKPOINTS.length; i++) if (row[i] === 'Y') m |= 1 << i;
  return m;
}

/**
 * sample.c fetch_cap[]: where the data of each source is available. Rows checked
 * against `haproxy -dKsmp` for every source used by a 2.6 fetch; the unused
 * ones (LISTN, TRACK, *BO, *FIN) follow the HAProxy source.
 */
const SOURCE_CAPS: Readonly<Record<SampleSource, string>> = {
  CONST: 'YYYYYYYYYYYYYYYYYYYYYY',
  INTRN: 'YYYYYYYYYYYYYYYYYYYY.Y',
  LISTN: 'YYYYYYYYYYYYYYYYYYY...',
  FTEND: 'YYYYYYYYYYYYYYYYYYY...',
  L4CLI: 'YYYYYYYYYYYYYYYYYYYY..',
  L5CLI: '.YYYYYYYYYYYYYYYYYY...',
  TRACK: 'YYYYYYYYYYYYYYYYYYY...',
  L6REQ: '..YYYYYYYYY...........',
  HRQHV: '..YYYYYYYYY...........',
  HRQHP: '..YYYYYYYYYYYYYYYYY...',
  HRQBO: '....Y...Y.Y...........',
  BKEND: '......YYYYYYYYYYYYYY..',
  SERVR: '..........YYYYYYYYYY..',
  L4SRV: '...........YYYYYYYYY..',
  L5SRV: '...........YYYYYYYYY..',
  L6RES: '...........YYYYYYY.Y..',
  HRSHV: '...........YYYYYYY.Y..',
  HRSHP: '...........YYYYYYYYY..',
  HRSBO: '.............Y...Y....',
  RQFIN: '..................Y...',
  RSFIN: '..................Y...',
  TXFIN: '..................Y...',
  SSFIN: '..................Y...',
};

const SOURCE_MASKS: Readonly<Record<SampleSource, number>> = Object.fromEntries(
  SAMPLE_SOURCES.map((s) => [s, checkpoints(SOURCE_CAPS[s])]),
) as Record<SampleSource, number>;

/** Union of the checkpoints where data from any of `sources` is available (what HAProxy stores in kw->val). */
export function sourcesCheckpoints(sources: readonly SampleSource[]): number {
  let m = 0;
  for (const s of sources) m |= SOURCE_MASKS[s];
  return m;
}

/** sample_src_names(): the source names joined with ',' (no space), as HAProxy prints them. */
export function sourceNames(sources: readonly SampleSource[]): string {
  const sorted = [...sources].sort((a, b) => SAMPLE_SOURCES.indexOf(a) - SAMPLE_SOURCES.indexOf(b));
  return sorted.map((s) => SOURCE_NAMES[s]).join(',');
}

/** sample_ckp_names(): the name of the lowest checkpoint in `mask` (HAProxy prints only that one). */
export function checkpointName(mask: number): string {
  for (let i = 0; i < CHECKPOINTS.length; i++) if (mask & (1 << i)) return CHECKPOINTS[i]![1];
  return '';
}

/**
 * Where an expression or condition is being parsed. Decides which checkpoints
 * apply (together with the proxy's frontend/backend capabilities).
 * `acl` is a named `acl` line: its usability is only checked where it is used.
 */
export type SampleUsage =
  | 'acl'
  | 'tcp-request connection'
  | 'tcp-request session'
  | 'tcp-request content'
  | 'tcp-response content'
  | 'http-request'
  | 'http-response'
  | 'http-after-response'
  | 'redirect'
  | 'monitor fail'
  | 'use_backend'
  | 'use-server'
  | 'stick on'
  | 'stick match'
  | 'stick store-request'
  | 'stick store-response'
  | 'log-format'
  | 'unique-id-format'
  | 'server source'
  | 'tcp-check'
  | 'http-check'
  | 'global'
  | 'cli';

/** Frontend/backend capabilities of the proxy being parsed (a `listen` has both). */
export interface ProxyCap {
  readonly frontend: boolean;
  readonly backend: boolean;
}

/**
 * The checkpoint mask a rule kind evaluates at, as the HAProxy 2.6 rule parsers
 * compute it (tcp_rules.c, http_rules.c, cfgparse-listen.c, log.c callers).
 * Verified with `haproxy -c`: e.g. `http-request` in a `listen` accepts both
 * frontend and backend fetches; `http-after-response` uses the http-response
 * checkpoints.
 */
export function usageCheckpoints(usage: SampleUsage, cap: ProxyCap = { frontend: true, backend: true }): number {
  const fb = (fe: Checkpoint, be: Checkpoint): number => (cap.frontend ? ckp(fe) : 0) | (cap.backend ? ckp(be) : 0);
  switch (usage) {
    case 'acl':
      return checkpoints('YYYYYYYYYYYYYYYYYYYYYY');
    case 'tcp-request connection':
      return ckp('FE_CON_ACC');
    case 'tcp-request session':
      return ckp('FE_SES_ACC');
    case 'tcp-request content':
      return fb('FE_REQ_CNT', 'BE_REQ_CNT');
    case 'tcp-response content':
      return fb('FE_RES_CNT', 'BE_RES_CNT');
    case 'http-request':
    case 'redirect':
      return fb('FE_HRQ_HDR', 'BE_HRQ_HDR');
    case 'monitor fail':
      return ckp('FE_HRQ_HDR');
    case 'http-response':
    case 'http-after-response':
      return fb('FE_HRS_HDR', 'BE_HRS_HDR');
    case 'use_backend':
      return ckp('FE_SET_BCK');
    case 'use-server':
    case 'stick on':
    case 'stick match':
      return ckp('BE_SET_SRV');
    case 'stick store-request':
    case 'stick store-response':
      return ckp('BE_STO_RUL');
    case 'log-format':
      return ckp('FE_LOG_END');
    // cfgparse.c check_config_validity(): the unique-id is built from the request
    // headers, `(cap & PR_CAP_FE) ? SMP_VAL_FE_HRQ_HDR : SMP_VAL_BE_HRQ_HDR`.
    case 'unique-id-format':
      return ckp(cap.frontend ? 'FE_HRQ_HDR' : 'BE_HRQ_HDR');
    case 'server source':
      return ckp('BE_SRV_CON');
    case 'tcp-check':
    case 'http-check':
      return ckp('BE_CHK_RUL');
    case 'global':
      return ckp('CFG_PARSER');
    case 'cli':
      return ckp('CLI_PARSER');
  }
}

// ---------------------------------------------------------------------------
// Evaluation-time shapes (used by the later evaluation work; declared here so
// declarations can carry a typed, optional implementation without changing callers)
// ---------------------------------------------------------------------------

/** A sample value flowing through an expression at run time. */
export type SampleValue =
  | { type: 'bool'; value: boolean }
  | { type: 'sint'; value: number }
  | { type: 'ipv4'; value: string }
  | { type: 'ipv6'; value: string }
  | { type: 'str'; value: string }
  | { type: 'bin'; value: Uint8Array }
  | { type: 'meth'; value: string };

/** Opaque per-stream evaluation context; the stream/session modules will define it. */
export interface EvalContext {
  readonly [key: string]: unknown;
}

/** What the caller knows about the place an expression is parsed in. */
export interface ParseCtx {
  place: Place;
  /** which rule set is asking: decides which fetches are usable */
  usage: SampleUsage;
  proxyMode?: 'tcp' | 'http';
  proxyCap?: { frontend: boolean; backend: boolean };
  /**
   * Name printed in the "fetch method '<label>' extracts information from ..."
   * error. HAProxy prints the expression word for track-sc rules and
   * "set-var(<name>)" for set-var actions; defaults to the expression word.
   */
  usageLabel?: string;
  /** Skip the usability check (ACL lines, log-format strings do their own). */
  skipUsageCheck?: boolean;
}

/** Outcome of an argument validator: an error stops the parse, a warning is reported and parsing goes on. */
export type ArgCheckResult = undefined | { readonly error: string } | { readonly warning: string };
