/**
 * Run-time implementations of fetches and converters, registered by name
 * next to the parse-time declarations of fetches/ and converters/. An
 * implementation is a *factory*: it receives the parsed arguments once, at
 * configuration load, resolves them (backend names, regexes, map files,
 * variable names) and returns the closure evaluated per stream. That is what
 * makes a compiled expression a chain of closures with no argument decoding
 * or tree walking per request.
 *
 * Adding a fetch: declare it in fetches/<table>.ts (parse side), then add one
 * entry to a table in impls/ and register it there.
 */
import type { BackendView, FrontendView, Miss, SampleContext, SampleResult } from './context.js';
import type { Sample } from './sample.js';
import type { SampleArg } from './types.js';
import type { PatternRefRegistry } from './pattern-refs.js';

/** A compiled fetch. */
export type FetchFn = (ctx: SampleContext) => SampleResult;

/**
 * A compiled multi-valued fetch (HAProxy's SMP_F_NOT_LAST iteration, used by
 * ACLs on `hdr()`, `cook()`...): calls `visit` for each occurrence until it
 * returns true; returns true when stopped by `visit`, MISS when the data is
 * not there yet, false otherwise.
 */
export type EachFn = (ctx: SampleContext, visit: (s: Sample) => boolean) => boolean | Miss;

/** A compiled converter; `input` is already cast to the converter's input type. */
export type ConvFn = (input: Sample, ctx: SampleContext) => Sample | undefined;

/** What implementations may resolve at load time. Every member is optional: tests pass `{}`. */
export interface CompileEnv {
  /** The backend holding the rule: fetches whose backend argument is omitted use it (else the stream's). */
  readonly backend?: BackendView | undefined;
  /** The frontend holding the rule (fe_conn without argument...). */
  readonly frontend?: FrontendView | undefined;
  findBackend?(name: string): BackendView | undefined;
  findFrontend?(name: string): FrontendView | undefined;
  /** Environment for `env()` (default: process.env, read at evaluation like getenv()). */
  readonly processEnv?: Readonly<Record<string, string | undefined>>;
  /** For `hostname` (default: os.hostname()). */
  readonly hostname?: string;
  /** Wall clock in milliseconds since the epoch (default: Date.now). */
  readonly now?: () => number;
  /** Uniform random number in [0, 1) (default: Math.random). */
  readonly random?: () => number;
  /** True while the process is stopping (`stopping` fetch). */
  readonly stopping?: () => boolean;
  /** Where the `debug` converter writes (default: nowhere; HAProxy's buf0 ring is a later piece). */
  readonly debugSink?: (sink: string, line: string) => void;
  /** Map/pattern files already loaded, shared between expressions like HAProxy's pattern references. */
  readonly patternCache?: Map<string, unknown>;
  /** The configuration's pattern references (map and ACL files, changed by set-map & co: pattern-refs.ts). */
  readonly patternRefs?: PatternRefRegistry | undefined;
}

/** A fetch implementation factory; returns the closure, or an error message. */
export interface FetchImpl {
  readonly compile: (args: readonly SampleArg[], env: CompileEnv, kw: string) => FetchFn | string;
  /** Multi-valued variant for ACL matching; when absent, ACLs use `compile`. */
  readonly compileEach?: (args: readonly SampleArg[], env: CompileEnv, kw: string) => EachFn | string;
}

/** A converter implementation factory; returns the closure, or an error message. */
export interface ConverterImpl {
  readonly compile: (args: readonly SampleArg[], env: CompileEnv, kw: string) => ConvFn | string;
}

const fetchImpls = new Map<string, FetchImpl>();
const convImpls = new Map<string, ConverterImpl>();

/** Registers fetch implementations by keyword (a later one replaces an earlier one). */
export function registerFetchImpls(table: Readonly<Record<string, FetchImpl>>): void {
  for (const [k, v] of Object.entries(table)) fetchImpls.set(k, v);
}

/** Registers converter implementations by keyword. */
export function registerConverterImpls(table: Readonly<Record<string, ConverterImpl>>): void {
  for (const [k, v] of Object.entries(table)) convImpls.set(k, v);
}

export function findFetchImpl(name: string): FetchImpl | undefined {
  return fetchImpls.get(name);
}

export function findConverterImpl(name: string): ConverterImpl | undefined {
  return convImpls.get(name);
}

/** Names of the implemented fetches and converters (docs, tests). */
export function implementedKeywords(): { fetches: string[]; converters: string[] } {
  return { fetches: [...fetchImpls.keys()].sort(), converters: [...convImpls.keys()].sort() };
}

// ---------------------------------------------------------------------------
// Small helpers shared by the implementation tables
// ---------------------------------------------------------------------------

/** A fetch whose closure does not depend on its arguments. */
export function simple(fn: FetchFn): FetchImpl {
  return { compile: () => fn };
}

/** A converter whose closure does not depend on its arguments. */
export function conv(fn: ConvFn): ConverterImpl {
  return { compile: () => fn };
}

/** The value of a string argument, or `def` when absent or of another type. */
export function argStr(args: readonly SampleArg[], i: number, def = ''): string {
  const a = args[i];
  return a !== undefined && a.type === 'str' ? a.value : def;
}

/** The value of an integer argument (time and size arguments are integers too), or `def`. */
export function argInt(args: readonly SampleArg[], i: number, def = 0): number {
  const a = args[i];
  return a !== undefined && a.type === 'sint' ? a.value : def;
}

/**
 * An integer argument as a 64-bit bigint, saturated like read_int64(). The
 * parser keeps integer arguments as JS numbers, so values beyond 2^53 are
 * only approximate (see the report on SampleArg).
 */
export function argBigInt(args: readonly SampleArg[], i: number, def = 0n): bigint {
  const a = args[i];
  if (a === undefined || a.type !== 'sint') return def;
  const v = a.value;
  if (v >= 9223372036854775807) return 0x7fffffffffffffffn;
  if (v <= -9223372036854775808) return -0x8000000000000000n;
  return BigInt(Math.trunc(v));
}

/** Whether argument `i` was given (and is not an empty optional string). */
export function hasArg(args: readonly SampleArg[], i: number): boolean {
  const a = args[i];
  if (a === undefined) return false;
  if (a.type === 'str') return a.value !== '';
  return true;
}

/** The name held by a reference argument (backend, server, table, regex...). */
export function argRef(args: readonly SampleArg[], i: number): string | undefined {
  const a = args[i];
  if (a === undefined) return undefined;
  if ('unresolved' in a) return a.name;
  return a.type === 'str' ? a.value : undefined;
}
