/**
 * The C library's number conversions as haproxy's parsers call them (strtol(),
 * strtoul(), atol(), atoi(), haproxy's str2uic() and strl2irc(), and
 * parse_time_err() from src/tools.c), so a keyword reads the same value
 * haproxy reads from the same odd text ("12x", " -3", "0x1f",
 * "99999999999999999999"). The one implementation for the whole tree: config
 * sections, bind and server options, rules, conditions and log lines.
 *
 * The families differ on purpose, as in C:
 *  - strtol() saturates at LONG_MIN/LONG_MAX, strtoul() at ULONG_MAX (a '-'
 *    negates modulo 2^64 first); both are exact bigints here;
 *  - atoi(), and atol() stored in an int, narrow that saturated long to 32
 *    bits ({@link cAtoi}: "4294967297" is 1, "99999999999999999999" is -1);
 *  - str2uic() does not saturate: its unsigned int wraps digit by digit
 *    ("18446744073709551617" is 1);
 *  - strl2irc() refuses what does not fit an int.
 */
import { parseTimeIn, reportTimeWarning, type TimeWarningSink } from '../units.js';

/** A strtol()/strtoul() result: the exact value, what follows the number, whether a digit was read. */
export interface CNumber {
  readonly value: bigint;
  /** The text after the number; the whole text when no digit was read (C's end pointer left at the start). */
  readonly rest: string;
  readonly digits: boolean;
}

const LONG_MAX = (1n << 63n) - 1n;
const ULONG_MAX = (1n << 64n) - 1n;

/**
 * The scan strtol() and strtoul() share: C blanks, a sign, then digits of
 * `base`; base 0 reads "0x1f" as hex and "017" as octal, and base 16 accepts
 * a "0x" prefix. "0x" without a hex digit after it reads as "0" (the end stops at 'x').
 */
function scan(text: string, base: 0 | 8 | 10 | 16): { neg: boolean; magnitude: bigint; end: number } | undefined {
  let i = 0;
  while (i < text.length && ' \t\n\v\f\r'.includes(text[i]!)) i++;
  const neg = text[i] === '-';
  if (neg || text[i] === '+') i++;
  let b: number = base;
  if ((base === 0 || base === 16) && text[i] === '0' && (text[i + 1] === 'x' || text[i + 1] === 'X') && /[0-9a-fA-F]/.test(text[i + 2] ?? '')) {
    b = 16;
    i += 2;
  } else if (base === 0) b = text[i] === '0' ? 8 : 10;
  const start = i;
  while (i < text.length) {
    const d = parseInt(text[i]!, 36);
    if (Number.isNaN(d) || d >= b) break;
    i++;
  }
  if (i === start) return undefined;
  const digits = text.slice(start, i);
  const magnitude = b === 10 ? BigInt(digits) : BigInt(`0${b === 16 ? 'x' : 'o'}${digits}`);
  return { neg, magnitude, end: i };
}

/** glibc strtol(text, &end, base): exact, saturating at LONG_MIN/LONG_MAX. */
export function cStrtol(text: string, base: 0 | 8 | 10 | 16 = 10): CNumber {
  const r = scan(text, base);
  if (r === undefined) return { value: 0n, rest: text, digits: false };
  let v = r.neg ? -r.magnitude : r.magnitude;
  if (v > LONG_MAX) v = LONG_MAX;
  else if (v < -LONG_MAX - 1n) v = -LONG_MAX - 1n;
  return { value: v, rest: text.slice(r.end), digits: true };
}

/** glibc strtoul(text, &end, base): saturates at ULONG_MAX, then a leading '-' negates modulo 2^64. */
export function cStrtoul(text: string, base: 0 | 8 | 10 | 16 = 10): CNumber {
  const r = scan(text, base);
  if (r === undefined) return { value: 0n, rest: text, digits: false };
  let v = r.magnitude;
  if (v > ULONG_MAX) v = ULONG_MAX;
  else if (r.neg) v = BigInt.asUintN(64, -v);
  return { value: v, rest: text.slice(r.end), digits: true };
}

/** A C `(int)` cast of a long: the low 32 bits, signed. */
export function cInt(v: bigint): number {
  return Number(BigInt.asIntN(32, v));
}

/** A C `(unsigned int)` cast of a long: the low 32 bits. */
export function cUint(v: bigint): number {
  return Number(BigInt.asUintN(32, v));
}

/**
 * C atoi(), and atol() assigned to an int: `(int)strtol(text, NULL, 10)`,
 * the saturated long narrowed to 32 bits as glibc on a 64-bit host does.
 */
export function cAtoi(text: string): number {
  return cInt(cStrtol(text).value);
}

/**
 * C atol(): leading number or 0, as a JS number: exact up to 2^53 and rounded
 * above. Only for comparing a C long (the rounding keeps the order: `> INT_MAX`
 * and `<= 0` stay right); where haproxy stores atol() in an int, use cAtoi(),
 * which narrows the exact value ("9007199254740993" is 1, not 0).
 */
export function cAtol(text: string): number {
  return Number(cStrtol(text).value);
}

/**
 * haproxy's str2uic() (include/haproxy/tools.h __str2uic()): the leading
 * digits, no blanks nor sign, accumulated in an unsigned int that wraps, so
 * "4294967297" and "18446744073709551617" read 1 where strtol() would
 * saturate. parse_process_number() reads its numbers this way.
 */
export function str2uic(text: string): number {
  const digits = /^\d*/.exec(text)![0];
  return digits === '' ? 0 : cUint(BigInt(digits));
}

/**
 * haproxy's strl2irc() (src/tools.c): the whole text is an optional '-' and
 * digits fitting an int, else undefined ("1 ", "+1", "4294967297" and
 * "9007199254740993" are refused; "-" alone reads 0, as in haproxy).
 */
export function strl2irc(text: string): number | undefined {
  if (text === '' || !/^-?\d*$/.test(text)) return undefined;
  const v = text === '-' ? 0n : BigInt(text);
  return v > 2147483647n || v < -2147483648n ? undefined : Number(v);
}

/** Result of haproxy's parse_time_err(). */
export type TimeResult =
  | { ok: true; value: number }
  | { ok: false; over: true }
  | { ok: false; under: true }
  /** `ch` is the offending character, '\0' when the text ended where a digit was expected. */
  | { ok: false; ch: string };

/**
 * haproxy's parse_time_err() (src/tools.c) for an output unit: digits then an
 * optional unit (us, ms, s, m, h, d), rounded up, limited to 2^31-1 units.
 * The arithmetic is parseTimeIn() of src/config/units.ts. A character after
 * the unit is accepted: haproxy 2.6 only warns ("grace 10sx" is 10 s), and
 * that warning goes to `sink` (also when the value then overflows).
 */
export function parseHaTime(text: string, unit: 'ms' | 's', sink: TimeWarningSink): TimeResult {
  const r = parseTimeIn(text, unit);
  reportTimeWarning(sink, r);
  if (r.ok) return { ok: true, value: r.value };
  if (r.overflow === true) return { ok: false, over: true };
  if (r.underflow === true) return { ok: false, under: true };
  return { ok: false, ch: r.badChar ?? '\0' };
}
