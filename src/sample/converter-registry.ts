/**
 * The converter registry (HAProxy's sample_register_convs / find_sample_conv).
 * Each table in `converters/` declares its keywords.
 */
import type { ArgCheckResult, ArgSpec, EvalContext, SampleArg, SampleType, SampleValue } from './types.js';

/** Run-time implementation of a converter (attached by the evaluation work; unused by the parser). */
export type ConverterImpl = (input: SampleValue, args: readonly SampleArg[], ctx: EvalContext) => SampleValue | undefined;

/** What a converter validator may read besides its arguments (for map files relative paths etc.). */
export interface ConverterCheckCtx {
  readonly file: string;
  readonly line: number;
}

/** Declaration of one converter keyword. */
export interface SampleConverterDef {
  readonly name: string;
  readonly args: ArgSpec;
  readonly in: SampleType;
  readonly out: SampleType;
  readonly valArgs?: (args: readonly SampleArg[], ctx: ConverterCheckCtx) => ArgCheckResult;
  readonly doc: string;
  /** See SampleFetchDef.unavailable. */
  readonly unavailable?: string;
  readonly impl?: ConverterImpl;
}

const converters = new Map<string, SampleConverterDef>();

/** Adds declarations to the registry. */
export function registerConverters(defs: readonly SampleConverterDef[]): void {
  for (const d of defs) converters.set(d.name, d);
}

/** Exact-name lookup, as HAProxy's find_sample_conv(). */
export function findConverter(name: string): SampleConverterDef | undefined {
  return converters.get(name);
}

/** Every registered converter, in registration order. */
export function allConverters(): SampleConverterDef[] {
  return [...converters.values()];
}
