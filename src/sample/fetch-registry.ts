/**
 * The sample fetch registry (HAProxy's sample_register_fetches /
 * find_sample_fetch). Each table in `fetches/` declares its keywords; this
 * module only stores and finds them, so adding a fetch is one table line.
 */
import type { ArgCheckResult, ArgSpec, EvalContext, SampleArg, SampleSource, SampleType, SampleValue } from './types.js';
import { sourcesCheckpoints } from './types.js';

/** Run-time implementation of a fetch (attached by the evaluation work; unused by the parser). */
export type FetchImpl = (args: readonly SampleArg[], ctx: EvalContext) => SampleValue | undefined;

/** Declaration of one sample fetch keyword. */
export interface SampleFetchDef {
  readonly name: string;
  readonly args: ArgSpec;
  /** Declared output type: what converter compatibility is checked against. */
  readonly out: SampleType;
  /** Data sources (SMP_USE_*): give the "extracts information from" wording. */
  readonly use: readonly SampleSource[];
  /** Checkpoint mask where usable; defaults to the union of the sources' caps. */
  readonly val?: number;
  /** Parse-time argument validation (HAProxy's val_args). */
  readonly valArgs?: (args: readonly SampleArg[]) => ArgCheckResult;
  /** configuration.txt section documenting the keyword. */
  readonly doc: string;
  /**
   * Set on keywords HAProxy documents but that depend on something Switchyard
   * does not build (DeviceAtlas, 51Degrees, WURFL): the parser still answers
   * HAProxy's "unknown fetch method" but attaches this explanation as a hint.
   */
  readonly unavailable?: string;
  readonly impl?: FetchImpl;
}

const fetches = new Map<string, SampleFetchDef>();
const valCache = new Map<SampleFetchDef, number>();

/** Adds declarations to the registry. A later registration of the same name replaces the earlier one. */
export function registerFetches(defs: readonly SampleFetchDef[]): void {
  for (const d of defs) fetches.set(d.name, d);
}

/** Exact-name lookup, as HAProxy's find_sample_fetch() (names are case-sensitive). */
export function findFetch(name: string): SampleFetchDef | undefined {
  return fetches.get(name);
}

/** Every registered fetch, in registration order. */
export function allFetches(): SampleFetchDef[] {
  return [...fetches.values()];
}

/** The checkpoint mask where `f` may be evaluated. */
export function fetchCheckpoints(f: SampleFetchDef): number {
  let v = valCache.get(f);
  if (v === undefined) {
    v = f.val ?? sourcesCheckpoints(f.use);
    valCache.set(f, v);
  }
  return v;
}
