/**
 * Time and size values: ports of HAProxy 2.6 parse_time_err() and
 * parse_size_err() (src/tools.c), configuration.txt §2.5 "Time format".
 *
 * Verified with haproxy 2.6.12 (`timeout client X`, `stick-table ... size X`):
 *  - time units are case-sensitive: us, ms, s, m, h, d ("10MS", "10S" are
 *    refused with the bad character 'M' / 'S'); "10u" refuses 'u';
 *  - no sign, no decimals, no hex: "-1", "1.5s", "0x10" refuse '-', '.', 'x';
 *  - sub-unit values round UP (2147483647001us is already an overflow in ms);
 *  - anything after a valid unit ("10sx") is accepted with a WARNING, printed
 *    even when the value then overflows ("99999999dx": warning, then the
 *    keyword's "timer overflow" alert);
 *  - the maximum is 2^31-1 in the output unit ("timer overflow");
 *  - sizes take k/m/g (either case), 1024-based, unsigned 32-bit: "4g",
 *    "4194304k" and "4294967296" are refused by naming the character where the
 *    overflow was detected ('g', 'k', '6').
 */
import type { PlaceStyle } from './diagnostics.js';

export type ParseResult<T> =
  | { ok: true; value: T; warning?: string }
  /** `warning` only comes with `overflow`/`underflow`: parse_time_err() warns about a trailing character before it checks the range. */
  | { ok: false; badChar?: string; overflow?: boolean; underflow?: boolean; empty?: boolean; warning?: string };

/** The units of configuration.txt §2.5. */
export type TimeUnit = 'us' | 'ms' | 's' | 'm' | 'h' | 'd';

const U64 = (1n << 64n) - 1n;

/** Multiplier (imult/omult) and divisor (idiv/odiv) relative to one second, as tools.c sets them. */
function inputFactors(u: TimeUnit): [bigint, bigint] {
  switch (u) {
    case 'us':
      return [1n, 1000000n];
    case 'ms':
      return [1n, 1000n];
    case 's':
      return [1n, 1n];
    case 'm':
      return [60n, 1n];
    case 'h':
      return [3600n, 1n];
    case 'd':
      return [86400n, 1n];
  }
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** The warning parse_time_err() prints for trailing characters after a unit (no file/line prefix). */
function trailingWarning(c: string, text: string): string {
  return (
    `unexpected character '${c}' after the timer value '${text}', only ` +
    '(us=microseconds,ms=milliseconds,s=seconds,m=minutes,h=hours,d=days) are supported.' +
    ' This will be reported as an error in next versions.'
  );
}

function parseTimeCore(text: string, defaultUnit: TimeUnit, outUnit: TimeUnit): ParseResult<number> {
  if (text.length === 0) return { ok: false, empty: true };
  if (!isDigit(text.charCodeAt(0))) return { ok: false, badChar: text[0] as string };
  let i = 0;
  let value = 0n;
  while (i < text.length && isDigit(text.charCodeAt(i))) {
    // unsigned long long arithmetic: wraps silently like the C code.
    value = (value * 10n + BigInt(text.charCodeAt(i) - 0x30)) & U64;
    i++;
  }
  let unit: TimeUnit;
  let warning: string | undefined;
  const c = text[i];
  if (c === undefined) {
    unit = defaultUnit;
  } else {
    if (c === 's') unit = 's';
    else if (c === 'u') {
      if (text[i + 1] !== 's') return { ok: false, badChar: 'u' };
      unit = 'us';
      i++;
    } else if (c === 'm') {
      if (text[i + 1] === 's') {
        unit = 'ms';
        i++;
      } else unit = 'm';
    } else if (c === 'h') unit = 'h';
    else if (c === 'd') unit = 'd';
    else return { ok: false, badChar: c };
    i++;
    const extra = text[i];
    if (extra !== undefined) warning = trailingWarning(extra, text);
  }
  let [imult, idiv] = inputFactors(unit);
  // The output unit's factors are the inverse of an input unit's.
  let [odiv, omult] = inputFactors(outUnit);
  if (unit === outUnit) imult = idiv = omult = odiv = 1n; // tools.c "no unit = default unit" path
  // tools.c: reduce the fractions before multiplying to limit overflows.
  if (omult % idiv === 0n) {
    omult /= idiv;
    idiv = 1n;
  }
  if (idiv % omult === 0n) {
    idiv /= omult;
    omult = 1n;
  }
  if (imult % odiv === 0n) {
    imult /= odiv;
    odiv = 1n;
  }
  if (odiv % imult === 0n) {
    odiv /= imult;
    imult = 1n;
  }
  const num = (((value * ((imult * omult) & U64)) & U64) + ((idiv * odiv - 1n) & U64)) & U64;
  const result = num / ((idiv * odiv) & U64);
  // tools.c 2.6 prints the trailing-character warning before the range checks.
  const warned = warning === undefined ? {} : { warning };
  if (result >= 0x80000000n) return { ok: false, overflow: true, ...warned };
  if (result === 0n && value !== 0n) return { ok: false, underflow: true, ...warned };
  return warning === undefined ? { ok: true, value: Number(result) } : { ok: true, value: Number(result), warning };
}

/**
 * Parses a time like "10s" or "250" and returns milliseconds.
 * @param defaultUnit unit of a number written without one (haproxy's
 *   TIME_UNIT_* flag of the keyword); the result is still in milliseconds,
 *   rounded up like haproxy. Use {@link parseTimeIn} for keywords whose value
 *   is stored in another unit (haproxy then rounds in that unit).
 */
export function parseTime(text: string, defaultUnit: 'us' | 'ms' | 's' = 'ms'): ParseResult<number> {
  return parseTimeCore(text, defaultUnit, 'ms');
}

/** parse_time_err(text, unit) exactly: the number without a unit is in `unit`, and so is the result (max 2^31-1). */
export function parseTimeIn(text: string, unit: TimeUnit): ParseResult<number> {
  return parseTimeCore(text, unit, unit);
}

/** Parses a size with an optional k/m/g suffix (1024-based), unsigned 32-bit (parse_size_err). */
export function parseSize(text: string): ParseResult<number> {
  if (text.length === 0) return { ok: false, empty: true };
  if (!isDigit(text.charCodeAt(0))) return { ok: false, badChar: text[0] as string };
  let value = 0;
  let i = 0;
  for (; i < text.length && isDigit(text.charCodeAt(i)); i++) {
    const j = text.charCodeAt(i) - 0x30;
    // tools.c returns the digit that would overflow as the "bad" character.
    if (value > Math.floor(0xffffffff / 10)) return { ok: false, badChar: text[i] as string, overflow: true };
    value *= 10;
    if (value + j > 0xffffffff) return { ok: false, badChar: text[i] as string, overflow: true };
    value += j;
  }
  const c = text[i];
  if (c === undefined) return { ok: true, value };
  let shift: number;
  if (c === 'k' || c === 'K') shift = 10;
  else if (c === 'm' || c === 'M') shift = 20;
  else if (c === 'g' || c === 'G') shift = 30;
  else return { ok: false, badChar: c };
  if (value > 0xffffffff / 2 ** shift) return { ok: false, badChar: c, overflow: true };
  value *= 2 ** shift;
  const extra = text[i + 1];
  if (extra !== undefined) return { ok: false, badChar: extra };
  return { ok: true, value };
}

/**
 * The wording `timeout <name>` uses for a failed {@link parseTime} (cfgparse-listen.c
 * via proxy_parse_timeout()), e.g. "unexpected character 'x' in 'timeout client'".
 * Other keywords word their errors differently; check them with haproxy.
 */
export function timeoutErrorMessage(r: Exclude<ParseResult<number>, { ok: true }>, text: string, keyword: string): string {
  if (r.overflow === true) return `timer overflow in argument '${text}' to '${keyword}' (maximum value is 2147483647 ms or ~24.8 days)`;
  if (r.underflow === true) return `timer underflow in argument '${text}' to '${keyword}' (minimum non-null value is 1 ms)`;
  if (r.empty === true) return `'${keyword}' expects an integer value (in milliseconds)`;
  return `unexpected character '${r.badChar ?? ''}' in '${keyword}'`;
}

/** Where parse_time_err() prints its own warning: the context of the line being parsed. */
export interface TimeWarningSink {
  warning(code: string, message: string, style?: PlaceStyle): void;
}

/**
 * Reports the warning parse_time_err() prints itself for a character after
 * the unit ("10sx"). tools.c prints it with ha_warning(), so haproxy shows no
 * place ("[WARNING] (pid) : config : unexpected character 'x' after the
 * timer value '10sx', ..."), before the keyword's own message if any.
 */
export function reportTimeWarning(sink: TimeWarningSink, r: ParseResult<number>): void {
  if (r.warning !== undefined) sink.warning('CFG_TIME_TRAILING_CHAR', r.warning, 'none');
}

/** Formats milliseconds with the largest exact unit (d, h, m, s), else "Nms"; 0 gives "0". */
export function formatTime(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`not a time in milliseconds: ${ms}`);
  if (ms === 0) return '0';
  const units: [number, string][] = [
    [86400000, 'd'],
    [3600000, 'h'],
    [60000, 'm'],
    [1000, 's'],
  ];
  for (const [f, u] of units) if (ms % f === 0) return `${ms / f}${u}`;
  return `${ms}ms`;
}
