/**
 * `log` lines, in the global section and in proxies (configuration.txt §4.2
 * "log"): `log global`, `no log`, and
 * `log <target> [len <n>] [format <fmt>] [sample <ranges>:<size>] <facility> [<level> [<minlevel>]]`.
 *
 * This is haproxy 2.6's parse_logsrv() (src/log.c): the same order of checks
 * (length, format, sample, facility, levels, extra words, and only then the
 * address), so the same message for the same mistake, printed by the caller
 * as `parsing [f:l] : log : <message>`.
 */
import { cAtoi } from '../config/global/c-numbers.js';
import type { LineContext } from '../config/section-registry.js';
import {
  LOG_FACILITIES, LOG_FORMATS, LOG_LEVELS,
  type LogFacility, type LogFormatName, type LogLevel, type LogSampleRange, type LogTarget, type LogTargetConfig,
} from '../config/model/global.js';
import { parseAddress } from '../net/address.js';

/** src/log.c: MAX_SYSLOG_LEN, the default `len`. */
export const DEFAULT_LOG_LENGTH = 1024;
/** The syslog port used when an IP target has none. */
export const SYSLOG_PORT = 514;

export interface LogLineOptions {
  /** True in the global section: `log global` is refused and the usage message does not offer it. */
  readonly inGlobal?: boolean | undefined;
  /** The lines `log global` copies; defaults to the global section's lines parsed so far. */
  readonly globalLogs?: readonly LogTargetConfig[] | undefined;
}

/** The result of parsing one log line without a context (for tools and tests). */
export type LogLineResult =
  | { ok: true; action: 'clear' }
  | { ok: true; action: 'global' }
  | { ok: true; action: 'add'; target: Omit<LogTargetConfig, 'place'> }
  | { ok: false; message: string };

/**
 * C's read_uint() on an unsigned int: leading digits only, wrapping at 2^32
 * like the C code does. Returns the value and how many characters were read.
 */
function readUint(text: string, from: number, end: number): { value: number; next: number } {
  let v = 0;
  let i = from;
  while (i < end) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    v = (Math.imul(v, 10) + c) >>> 0;
    i++;
  }
  return { value: v, next: i };
}

/**
 * `sample <ranges>:<size>` (src/log.c get_logsrv_smp_range()): ranges are
 * `N` or `N-M` with 0 < N < M, comma-separated, not overlapping; the size must
 * cover the highest range end.
 */
function parseSample(arg: string): { ok: true; ranges: LogSampleRange[]; size: number } | { ok: false; message: string } {
  const colon = arg.indexOf(':');
  if (colon < 0) return { ok: false, message: 'Missing sample size' };
  const list = arg.slice(0, colon);
  const sizeText = arg.slice(colon + 1);
  const ranges: LogSampleRange[] = [];
  let maxHigh = 0;
  let p = 0;
  while (p !== list.length) {
    const start = p;
    let end = list.indexOf(',', p);
    if (end < 0) end = list.length;
    const lo = readUint(list, p, end);
    let low = lo.value;
    let high = low;
    let pos = lo.next;
    let bad = low === 0 || pos === start;
    if (!bad && pos < end && list[pos] === '-') {
      const hi = readUint(list, pos + 1, end);
      high = hi.value;
      pos = hi.next;
      if (high === 0 || high <= low) bad = true;
    }
    if (!bad && pos !== end) bad = true;
    // The message quotes the text from the failing range to the end of the list.
    if (bad) return { ok: false, message: `wrong sample range '${list.slice(start)}'` };
    for (const r of ranges) {
      if (low <= r.high && r.low <= high) return { ok: false, message: 'ranges are overlapping' };
    }
    if (low > high) [low, high] = [high, low];
    ranges.push({ low, high });
    if (high > maxHigh) maxHigh = high;
    p = end < list.length ? end + 1 : end;
  }
  if (ranges.length === 0) return { ok: false, message: 'no sampling ranges given' };
  const sz = readUint(sizeText, 0, sizeText.length);
  if (sz.value === 0 || sz.next !== sizeText.length) {
    return { ok: false, message: `wrong sample size '${sizeText}' for sample range '${list}'` };
  }
  if (sz.value < maxHigh) {
    return { ok: false, message: `sample size ${sz.value} should be greater or equal to ${maxHigh} the maximum of the high ranges limits` };
  }
  ranges.sort((a, b) => a.low - b.low);
  return { ok: true, ranges, size: sz.value };
}

/**
 * Parses a log line's words (`words[0]` is `log`, or `no`/`default` then
 * `log`) without touching any model. `log global` and `no log` are returned
 * as actions for the caller to apply.
 */
export function parseLogWords(words: readonly string[], inGlobal: boolean): LogLineResult {
  let args = words;
  let negate = false;
  if (args[0] === 'no' || args[0] === 'default') {
    negate = args[0] === 'no';
    args = args.slice(1);
  }
  const arg = (i: number): string => args[i] ?? '';

  if (negate) {
    if (arg(1) !== '') return { ok: false, message: "'no log' does not expect arguments" };
    return { ok: true, action: 'clear' };
  }
  if (arg(1) !== '' && arg(2) === '' && arg(1) === 'global') {
    if (inGlobal) return { ok: false, message: "'global' is not supported for a global syslog server" };
    return { ok: true, action: 'global' };
  }
  if (arg(1) === '' || arg(2) === '') {
    return { ok: false, message: `expects <address> and <facility> ${inGlobal ? '' : 'or global'} as arguments` };
  }

  let cur = 2;
  let maxLength = DEFAULT_LOG_LENGTH;
  if (arg(cur) === 'len') {
    const len = cAtoi(arg(cur + 1));
    if (len < 80 || len > 65535) return { ok: false, message: `invalid log length '${arg(cur + 1)}', must be between 80 and 65535` };
    maxLength = len;
    cur += 2;
  }
  let format: LogFormatName = 'rfc3164';
  let formatGiven = false;
  if (arg(cur) === 'format') {
    formatGiven = true;
    const f = arg(cur + 1);
    if (!(LOG_FORMATS as readonly string[]).includes(f)) return { ok: false, message: `unknown log format '${f}'` };
    format = f as LogFormatName;
    cur += 2;
  }
  let sample: { ranges: LogSampleRange[]; size: number } | undefined;
  if (arg(cur) === 'sample') {
    const s = parseSample(arg(cur + 1));
    if (!s.ok) return s;
    sample = { ranges: s.ranges, size: s.size };
    cur += 2;
  }
  const facility = arg(cur);
  if (!(LOG_FACILITIES as readonly string[]).includes(facility)) return { ok: false, message: `unknown log facility '${facility}'` };
  cur++;
  let level: LogLevel = 'debug';
  if (arg(cur) !== '') {
    if (!(LOG_LEVELS as readonly string[]).includes(arg(cur))) return { ok: false, message: `unknown optional log level '${arg(cur)}'` };
    level = arg(cur) as LogLevel;
    cur++;
  }
  let minLevel: LogLevel = 'emerg';
  if (arg(cur) !== '') {
    if (!(LOG_LEVELS as readonly string[]).includes(arg(cur))) {
      return { ok: false, message: `unknown optional minimum log level '${arg(cur)}'` };
    }
    minLevel = arg(cur) as LogLevel;
    cur++;
  }
  if (arg(cur) !== '') return { ok: false, message: `cannot handle unexpected argument '${arg(cur)}'` };

  // Now, back to the address, as haproxy does it last.
  const text = arg(1);
  let target: LogTarget;
  if (text.startsWith('ring@')) {
    target = { kind: 'ring', ring: text.slice(5) };
  } else {
    // "stdout" and "stderr" are aliases for fd@1 and fd@2.
    const addrText = text === 'stdout' ? 'fd@1' : text === 'stderr' ? 'fd@2' : text;
    const r = parseAddress(addrText, { purpose: 'log' });
    if (!r.ok) return { ok: false, message: r.message };
    let address = r.address;
    if (address.family === 'fd') {
      target = { kind: 'fd', fd: address.fd ?? Number(address.host) };
    } else {
      const ip = address.family === 'ipv4' || address.family === 'ipv6' || address.family === 'udp4' || address.family === 'udp6';
      if (ip && address.port === 0) address = { ...address, port: SYSLOG_PORT, portEnd: SYSLOG_PORT };
      // A stream address (tcp@, unix@) gets an implicit ring in haproxy; the log sink decides.
      target = address.socketType === 'stream' ? { kind: 'stream', address } : { kind: 'dgram', address };
    }
  }
  return {
    ok: true,
    action: 'add',
    target: {
      target, text, facility: facility as LogFacility, level, minLevel, format, maxLength,
      ...(formatGiven ? { formatGiven } : {}),
      ...(sample !== undefined ? { sample } : {}),
    },
  };
}

/**
 * Why a parsed target sends nothing yet (src/log/sender.ts has no transport
 * for it), or undefined for the targets that work: fd@/stdout/stderr and
 * UDP over IPv4/IPv6.
 */
export function pendingLogTarget(t: Pick<LogTargetConfig, 'target'>): string | undefined {
  const tg = t.target;
  if (tg.kind === 'fd') return undefined;
  if (tg.kind === 'ring') return 'ring log targets land with rings';
  if (tg.kind === 'stream') return 'stream log targets land with rings';
  const f = tg.address.family;
  if (f === 'ipv4' || f === 'ipv6' || f === 'udp4' || f === 'udp6') return undefined;
  return 'unix datagram log targets: no AF_UNIX datagram sockets in Node.js';
}

/**
 * Parses one `log` line into `logs` (the global section's or a proxy's list):
 * `no log` empties it, `log global` appends copies of the global lines known
 * so far (skipping those already copied), anything else appends one target.
 * Errors are reported as haproxy does (`log : <message>`); returns false then.
 */
export function parseLogLine(
  ctx: LineContext,
  words: readonly string[],
  logs: LogTargetConfig[],
  opts: LogLineOptions = {},
): boolean {
  const inGlobal = opts.inGlobal ?? false;
  const r = parseLogWords(words, inGlobal);
  if (!r.ok) {
    ctx.alert('CFG_LOG_INVALID', `log : ${r.message}`);
    return false;
  }
  if (r.action === 'clear') {
    logs.length = 0;
    return true;
  }
  if (r.action === 'global') {
    for (const g of opts.globalLogs ?? ctx.model.global.logs) {
      if (logs.some((l) => l.fromGlobal === g)) continue;
      logs.push({ ...g, place: ctx.place, fromGlobal: g });
    }
    return true;
  }
  logs.push({ ...r.target, place: ctx.place });
  return true;
}
