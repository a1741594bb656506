/**
 * Implementations of the arithmetic, bitwise and boolean converters of
 * configuration.txt §7.3.1 (sample.c sample_conv_arith_*, sample_conv_binary_*).
 * Integers are signed 64-bit; add/sub/mul saturate instead of wrapping, and
 * the C undefined cases (LLONG_MIN / -1, division by zero) give HAProxy's
 * documented values (verified with haproxy 2.6).
 */
import type { SampleContext } from '../context.js';
import { registerConverterImpls, conv, argStr, type ConverterImpl } from '../impl-registry.js';
import { castSample, readInt64, smpBool, LLONG_MAX, LLONG_MIN, type Sample } from '../sample.js';
import type { SampleArg } from '../types.js';
import { parseVarRef, readVar } from './util.js';

/** The second operand: a constant, or a variable cast to an integer at run time. */
type Operand = (ctx: SampleContext) => bigint | undefined;

/** sample.c check_operator(): a variable name, else read_int64() of the whole text. */
function operand(args: readonly SampleArg[]): Operand | string {
  const text = argStr(args, 0);
  const ref = parseVarRef(text);
  if (ref !== undefined && /^[A-Za-z0-9._]+$/.test(ref.name)) {
    return (ctx) => {
      const v = readVar(ctx, ref);
      if (v === undefined) return undefined;
      const c = castSample(v, 'sint');
      if (c === undefined) return undefined;
      return c.type === 'sint' ? c.value : c.type === 'bool' ? (c.value ? 1n : 0n) : undefined;
    };
  }
  if (!/^[+-]?\d*$/.test(text)) return 'expects an integer or a variable name';
  const k = readInt64(text);
  return () => k;
}

function intOf(s: Sample): bigint {
  return s.type === 'sint' ? s.value : s.type === 'bool' ? (s.value ? 1n : 0n) : 0n;
}

function clamp(v: bigint): bigint {
  return v > LLONG_MAX ? LLONG_MAX : v < LLONG_MIN ? LLONG_MIN : v;
}

function int(v: bigint, flags: number): Sample {
  return { type: 'sint', value: v, flags };
}

/** A binary operation with HAProxy's operand handling. */
function binary(op: (a: bigint, b: bigint) => bigint): ConverterImpl {
  return {
    compile: (args) => {
      const b = operand(args);
      if (typeof b === 'string') return b;
      return (s, ctx) => {
        const v = b(ctx);
        return v === undefined ? undefined : int(op(intOf(s), v), s.flags);
      };
    },
  };
}

/** sample.c arith_add(): saturating addition. */
export function arithAdd(a: bigint, b: bigint): bigint {
  return clamp(a + b);
}

/** sample_conv_arith_sub(): a - b, saturating; LLONG_MIN as operand is handled as LLONG_MAX + 1. */
export function arithSub(a: bigint, b: bigint): bigint {
  return clamp(a - b);
}

/** sample_conv_arith_mul(): saturating product; LLONG_MIN * -1 is LLONG_MAX. */
export function arithMul(a: bigint, b: bigint): bigint {
  return clamp(a * b);
}

/** sample_conv_arith_div(): truncating division; x/0 and LLONG_MIN/-1 are LLONG_MAX. */
export function arithDiv(a: bigint, b: bigint): bigint {
  if (b === 0n) return LLONG_MAX;
  if (a === LLONG_MIN && b === -1n) return LLONG_MAX;
  return a / b;
}

/** sample_conv_arith_mod(): C remainder (sign of the dividend); x%0 and LLONG_MIN%-1 are 0. */
export function arithMod(a: bigint, b: bigint): bigint {
  if (b === 0n) return 0n;
  if (a === LLONG_MIN && b === -1n) return 0n;
  return a % b;
}

export const ARITH_CONVERTER_IMPLS: Readonly<Record<string, ConverterImpl>> = {
  add: binary(arithAdd),
  sub: binary(arithSub),
  mul: binary(arithMul),
  div: binary(arithDiv),
  mod: binary(arithMod),
  and: binary((a, b) => BigInt.asIntN(64, a & b)),
  or: binary((a, b) => BigInt.asIntN(64, a | b)),
  xor: binary((a, b) => BigInt.asIntN(64, a ^ b)),
  // sample_conv_arith_neg(): -LLONG_MIN saturates to LLONG_MAX (verified)
  neg: conv((s) => {
    const v = intOf(s);
    return int(v === LLONG_MIN ? LLONG_MAX : -v, s.flags);
  }),
  cpl: conv((s) => int(BigInt.asIntN(64, ~intOf(s)), s.flags)),
  bool: conv((s) => smpBool(intOf(s) !== 0n)),
  not: conv((s) => smpBool(intOf(s) === 0n)),
  odd: conv((s) => smpBool((intOf(s) & 1n) !== 0n)),
  even: conv((s) => smpBool((intOf(s) & 1n) === 0n)),
};

registerConverterImpls(ARITH_CONVERTER_IMPLS);
