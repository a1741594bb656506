/**
 * The C library's number conversions as haproxy's parsers call them (strtol(),
 * atol(), atoi(), strtoul(), and parse_time_err() from src/tools.c), so a
 * keyword reads the same value haproxy reads from the same odd text ("12x",
 * " -3", "99999999999999999999"). Shared by the global section and the
 * auxiliary sections (peers, resolvers, ring, cache...).
 */
import { parseTimeIn } from '../units.js';

/**
 * C atoi(): `(int)strtol(text, NULL, 10)`. One implementation for the whole
 * tree, the one the address parser uses (src/net/address.ts); re-exported here
 * with its siblings.
 */
export { cAtoi } from '../../net/address.js';

/** glibc strtol(text, &end, 10) saturating like a C long; `rest` is what follows the number. */
export function cStrtol(text: string, base = 10): { value: number; rest: string; digits: boolean } {
  const re = base === 8 ? /^[\t\n\v\f\r ]*([+-]?)([0-7]*)/ : /^[\t\n\v\f\r ]*([+-]?)(\d*)/;
  const m = re.exec(text)!;
  const digits = m[2]!;
  if (digits === '') return { value: 0, rest: text, digits: false };
  let v = BigInt(base === 8 ? `0o${digits}` : digits);
  if (m[1] === '-') v = -v;
  const MAX = (1n << 63n) - 1n;
  if (v > MAX) v = MAX;
  if (v < -MAX - 1n) v = -MAX - 1n;
  return { value: Number(v), rest: text.slice(m[0].length), digits: true };
}

/** C atol(): leading number or 0. */
export function cAtol(text: string): number {
  return cStrtol(text).value;
}

/** A C long narrowed to an int, as `int x = atol(...)` does. */
export function toInt32(v: number): number {
  return Number(BigInt.asIntN(32, BigInt(Math.trunc(v))));
}

/** glibc strtoul(text, &end, 10): a leading '-' negates modulo 2^64. */
export function cStrtoul(text: string): { value: bigint; rest: string; digits: boolean } {
  const m = /^[\t\n\v\f\r ]*([+-]?)(\d*)/.exec(text)!;
  if (m[2] === '') return { value: 0n, rest: text, digits: false };
  let v = BigInt(m[2]!);
  const MAX = (1n << 64n) - 1n;
  if (v > MAX) v = MAX;
  else if (m[1] === '-') v = BigInt.asUintN(64, -v);
  return { value: v, rest: text.slice(m[0].length), digits: true };
}

/** Result of haproxy's parse_time_err(). */
export type TimeResult =
  | { ok: true; value: number }
  | { ok: false; over: true }
  | { ok: false; under: true }
  /** `ch` is the offending character, '\0' when the text ended where a digit was expected. */
  | { ok: false; ch: string };

/** Where the unit after the leading digits ends (tools.c: us, ms, s, m, h, d), -1 without a unit. */
function unitEnd(text: string): number {
  let i = 0;
  while (text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
  if (i === 0) return -1;
  const two = text.slice(i, i + 2);
  if (two === 'us' || two === 'ms') return i + 2;
  return 'smhd'.includes(text[i] ?? '-') ? i + 1 : -1;
}

/**
 * haproxy's parse_time_err() (src/tools.c) for an output unit: digits then an
 * optional unit (us, ms, s, m, h, d), rounded up, limited to 2^31-1 units.
 * The arithmetic is parseTimeIn() of src/config/units.ts; unlike it, a
 * character after the unit is refused here, as the offending character.
 */
export function parseHaTime(text: string, unit: 'ms' | 's' = 'ms'): TimeResult {
  const end = unitEnd(text);
  if (end >= 0 && end < text.length) return { ok: false, ch: text[end]! };
  const r = parseTimeIn(text, unit);
  if (r.ok) return { ok: true, value: r.value };
  if (r.overflow === true) return { ok: false, over: true };
  if (r.underflow === true) return { ok: false, under: true };
  return { ok: false, ch: r.badChar ?? '\0' };
}
