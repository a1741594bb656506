/**
 * The `global` section (configuration.txt §3): process management, tuning,
 * debugging. haproxy 2.6 parses it in two halves, and so do we, with the same
 * messages: the keywords of cfgparse-global.c cfg_parse_global() (their own
 * wording, mostly `parsing [f:l] : '<kw>' expects ...`), then the keywords
 * other modules register (cfg_register_keywords(), whose error text is
 * printed as `parsing [f:l] : <text>`). The table of keywords is exported so
 * a subsystem can register its own global keywords next to its code.
 *
 * Keyword modifiers (`no`/`default`) are handled here the way readcfgfile()
 * does for every section (see applyModifier()).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Diagnostic, PlaceStyle } from '../diagnostics.js';
import { KeywordTable, type Keyword } from '../keyword-table.js';
import type { GlobalConfig } from '../model/global.js';
import { registerPostCheck, registerSection, type LineContext, type SectionParser } from '../section-registry.js';
import { bestMatch } from '../suggest.js';
import { tooManyArgs } from '../proxy/util.js';
import { parseLogLine } from '../../log/log-target.js';
import { parseAddress } from '../../net/address.js';
import { bindOptions, createBind, type BindOption } from '../../net/bind-keywords.js';

// ---------------------------------------------------------------------------
// Helpers shared by the global and auxiliary sections.

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

/** C atoi(). */
export function cAtoi(text: string): number {
  return toInt32(cAtol(text));
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

/**
 * haproxy's parse_time_err() (src/tools.c) for an output unit: digits then an
 * optional unit (us, ms, s, m, h, d), rounded up, limited to 2^31-1 units.
 */
export function parseHaTime(text: string, unit: 'ms' | 's' = 'ms'): TimeResult {
  const first = text.charCodeAt(0);
  if (!(first >= 48 && first <= 57)) return { ok: false, ch: text === '' ? '\0' : text[0]! };
  let i = 0;
  let value = 0n;
  while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) {
    value = BigInt.asUintN(64, value * 10n + BigInt(text.charCodeAt(i) - 48));
    i++;
  }
  let omult = unit === 'ms' ? 1000n : 1n;
  let odiv = 1n;
  let imult = 1n;
  let idiv = 1n;
  const c = text[i];
  if (c === undefined) {
    imult = omult = idiv = odiv = 1n;
  } else {
    if (c === 's') { /* seconds */ } else if (c === 'u') {
      if (text[i + 1] !== 's') return { ok: false, ch: text[i]! };
      idiv = 1000000n;
      i++;
    } else if (c === 'm') {
      if (text[i + 1] === 's') {
        idiv = 1000n;
        i++;
      } else imult = 60n;
    } else if (c === 'h') imult = 3600n;
    else if (c === 'd') imult = 86400n;
    else return { ok: false, ch: c };
    i++;
    if (i < text.length) return { ok: false, ch: text[i]! };
  }
  if (omult % idiv === 0n) { omult /= idiv; idiv = 1n; }
  if (idiv % omult === 0n) { idiv /= omult; omult = 1n; }
  if (imult % odiv === 0n) { imult /= odiv; odiv = 1n; }
  if (odiv % imult === 0n) { odiv /= imult; imult = 1n; }
  const result = BigInt.asUintN(64, value * (imult * omult) + (idiv * odiv - 1n)) / (idiv * odiv);
  if (result >= 0x80000000n) return { ok: false, over: true };
  if (result === 0n && value !== 0n) return { ok: false, under: true };
  return { ok: true, value: Number(result) };
}

/** C strings end at NUL: a message built with a '\0' character is cut there, as printf would. */
export function cText(message: string): string {
  const z = message.indexOf('\0');
  return z < 0 ? message : message.slice(0, z);
}

/**
 * An alert that haproxy reports with ERR_ALERT but without ERR_FATAL ("...
 * already specified. Continuing."): printed, yet the configuration stays valid.
 */
export function nonFatalAlert(ctx: LineContext, code: string, message: string, style?: PlaceStyle): void {
  ctx.nonFatalAlert(code, message, style);
}

/**
 * haproxy's ERR_ABORT on the line just reported: nothing more is read, and
 * haproxy exits after "Error(s) found in configuration file" without its
 * "Fatal errors found" line. The last diagnostic carries that exit, and is
 * made fatal when it is a warning (cache.c reports some aborts as warnings).
 */
export function markAbort(ctx: LineContext): void {
  const list = ctx.diag.list;
  const last = list[list.length - 1];
  if (last !== undefined) list[list.length - 1] = { ...last, exitsImmediately: true, ...(last.severity === 'warning' ? { fatal: true } : {}) };
  ctx.abort();
}

/**
 * Marks the last diagnostic as fatal although it is a warning: haproxy
 * sometimes prints a warning and returns ERR_FATAL (sink.c "ignoring new
 * size"). The loader should count it as an error (see docs/errors/global.md).
 */
export function markFatal(ctx: LineContext): void {
  const list = ctx.diag.list;
  const last = list[list.length - 1];
  if (last !== undefined) list[list.length - 1] = { ...last, fatal: true };
}

/** An alert with ERR_ABORT (see markAbort()). */
export function abortAlert(ctx: LineContext, code: string, message: string, style?: PlaceStyle): void {
  ctx.alert(code, message, style);
  markAbort(ctx);
}

/** A message without a place ("config : <message>"), as haproxy prints from post-parse callbacks. */
export function placeless(ctx: LineContext, severity: 'alert' | 'warning', code: string, message: string): void {
  ctx.diag.push({ severity, code, message });
}

/** The keywords readcfgfile() lets `no`/`default` apply to (src/cfgparse.c). */
const MODIFIABLE = new Set(['option', 'log', 'busy-polling', 'set-dumpable', 'strict-limits', 'insecure-fork-wanted', 'numa-cpu-mapping']);

export type KeywordModifier = 'std' | 'no' | 'default';

/**
 * readcfgfile()'s handling of a leading `no` or `default`: the words are
 * shifted (with its quirks: `no` blanks the last word, `default` leaves it
 * duplicated), and keywords outside the short list get an alert but are still
 * parsed.
 */
export function applyModifier(ctx: LineContext, words: readonly string[]): { words: string[]; kwm: KeywordModifier } {
  const first = words[0];
  if (first !== 'no' && first !== 'default') return { words: [...words], kwm: 'std' };
  let out: string[];
  if (words.length === 1) out = [first];
  else if (first === 'no') out = words.slice(1);
  else out = [...words.slice(1), words[words.length - 1]!];
  if (!MODIFIABLE.has(out[0]!)) {
    ctx.alert(
      'CFG_BAD_MODIFIER',
      'negation/default currently supported only for options, log, busy-polling, set-dumpable, strict-limits, insecure-fork-wanted and numa-cpu-mapping.',
      'parsing-tight',
    );
  }
  return { words: out, kwm: first };
}

/** Entries of /etc/passwd or /etc/group (the "files" source of getpwnam()/getgrnam()), by name. */
const systemIds = new Map<string, Map<string, number>>();
export function systemId(file: '/etc/passwd' | '/etc/group', name: string): number | undefined {
  let m = systemIds.get(file);
  if (m === undefined) {
    m = new Map();
    try {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const f = line.split(':');
        if (f.length >= 3 && f[0] !== '' && !m.has(f[0]!)) m.set(f[0]!, Number(f[2]));
      }
    } catch {
      /* no file: no names */
    }
    systemIds.set(file, m);
  }
  return m.get(name);
}

// ---------------------------------------------------------------------------
// The global section.

/** Per-parse state of the global section (shared by every `global` header). */
export interface GlobalState {
  readonly global: GlobalConfig;
  /** The modifier of the line being parsed. */
  kwm: KeywordModifier;
  /** `expose-experimental-directives` was seen. */
  experimental: boolean;
  /** Values haproxy tests for "already specified" (its globals are 0/NULL until set). */
  readonly set: Map<string, number | string>;
}

export const globalKeywords = new KeywordTable<GlobalState>('global');

/**
 * The words haproxy offers as suggestions for an unknown global keyword
 * besides the registered ones (cfgparse-global.c common_kw_list[]).
 */
const COMMON_KW_LIST = [
  'global', 'daemon', 'master-worker', 'noepoll', 'nokqueue', 'noevports', 'nopoll', 'busy-polling', 'set-dumpable',
  'insecure-fork-wanted', 'insecure-setuid-wanted', 'nosplice', 'nogetaddrinfo', 'noreuseport', 'quiet', 'zero-warning',
  'tune.runqueue-depth', 'tune.maxpollevents', 'tune.maxaccept', 'tune.recv_enough', 'tune.buffers.limit',
  'tune.buffers.reserve', 'tune.bufsize', 'tune.maxrewrite', 'tune.idletimer', 'tune.rcvbuf.client', 'tune.rcvbuf.server',
  'tune.sndbuf.client', 'tune.sndbuf.server', 'tune.pipesize', 'tune.http.cookielen', 'tune.http.logurilen', 'tune.http.maxhdr',
  'tune.comp.maxlevel', 'tune.pattern.cache-size', 'uid', 'gid', 'external-check', 'user', 'group', 'nbproc', 'maxconn',
  'ssl-server-verify', 'maxconnrate', 'maxsessrate', 'maxsslrate', 'maxcomprate', 'maxpipes', 'maxzlibmem', 'maxcompcpuusage',
  'ulimit-n', 'chroot', 'description', 'node', 'pidfile', 'unix-bind', 'log', 'log-send-hostname', 'server-state-base',
  'server-state-file', 'log-tag', 'spread-checks', 'max-spread-checks', 'cpu-map', 'setenv', 'presetenv', 'unsetenv',
  'resetenv', 'strict-limits', 'localpeer', 'numa-cpu-mapping', 'defaults', 'listen', 'frontend', 'backend', 'peers',
  'resolvers', 'cluster-secret',
];

/** Keywords of cfg_parse_global() that are not in common_kw_list (never suggested). */
const NOT_SUGGESTED = new Set(['tune.chksize', 'expose-experimental-directives', 'fd-hard-limit', 'h2-workaround-bogus-websocket-clients']);

/** Keeps the line in the model's directives (for later subsystems). */
export function keep(ctx: LineContext, st: GlobalState, words: readonly string[]): void {
  st.global.directives.push({ keyword: words[0]!, args: words.slice(1), place: ctx.place });
}

const expectsInt = (ctx: LineContext, kw: string): void => ctx.alert('CFG_GLOBAL_EXPECTS_INT', `'${kw}' expects an integer argument.`);
const already = (ctx: LineContext, kw: string): void => nonFatalAlert(ctx, 'CFG_GLOBAL_ALREADY_SET', `'${kw}' already specified. Continuing.`);

type Setter = (g: GlobalConfig, v: number) => void;

/** Flags without arguments (`daemon`, `noepoll`...): only extra words are refused. */
function flagKw(name: string, enforced: boolean | string, apply?: (st: GlobalState) => void): Keyword<GlobalState> {
  return {
    name,
    enforced,
    parse(ctx, st, words) {
      if (tooManyArgs(ctx, words, 0)) return;
      if (apply !== undefined) apply(st);
      else keep(ctx, st, words);
    },
  };
}

/**
 * The common integer pattern of cfg_parse_global(): one argument, "already
 * specified" when the value was already non-zero (when `once`), "expects an
 * integer argument" when missing, then atol() without further check.
 */
function intKw(name: string, enforced: boolean | string, opts: { once?: boolean; set?: Setter; tune?: boolean } = {}): Keyword<GlobalState> {
  return {
    name,
    enforced,
    parse(ctx, st, words) {
      if (tooManyArgs(ctx, words, 1)) return;
      if (opts.once === true && (st.set.get(name) ?? 0) !== 0) return already(ctx, name);
      const arg = words[1] ?? '';
      if (arg === '') return expectsInt(ctx, name);
      const v = toInt32(cAtol(arg));
      st.set.set(name, v);
      if (opts.set !== undefined) opts.set(st.global, v);
      else if (opts.tune === true) st.global.tune.set(name, v);
      else keep(ctx, st, words);
    },
  };
}

const TUNING = 'lands with performance tuning';
const PROCESS = 'lands with process management';
const COMPRESSION = 'lands with compression';

globalKeywords.register(
  // cfgparse-global.c: process management
  { name: 'expose-experimental-directives', enforced: true, parse: (_ctx, st) => void (st.experimental = true) },
  flagKw('daemon', true, (st) => void (st.global.daemon = true)),
  {
    name: 'master-worker',
    enforced: true,
    parse(ctx, st, words) {
      if (tooManyArgs(ctx, words, 1)) return;
      const arg = words[1] ?? '';
      if (arg !== '') {
        if (arg !== 'no-exit-on-failure') return ctx.alert('CFG_GLOBAL_BAD_VALUE', `'master-worker' only supports 'no-exit-on-failure' option.`);
        st.global.masterWorkerNoExitOnFailure = true;
      }
      st.global.masterWorker = true;
    },
  },
  flagKw('noepoll', 'Node picks its poller'),
  flagKw('nokqueue', 'Node picks its poller'),
  flagKw('noevports', 'Node picks its poller'),
  flagKw('nopoll', 'Node picks its poller'),
  flagKw('nosplice', TUNING),
  flagKw('nogetaddrinfo', TUNING),
  flagKw('noreuseport', TUNING),
  flagKw('quiet', true, (st) => void (st.global.quiet = true)),
  flagKw('zero-warning', 'lands with the command line', (st) => void (st.global.zeroWarning = true)),
  flagKw('h2-workaround-bogus-websocket-clients', 'lands with HTTP/2'),
  flagKw('insecure-setuid-wanted', PROCESS),
  flagKw('external-check', 'lands with external checks'),
  ...(['busy-polling', 'set-dumpable', 'insecure-fork-wanted', 'strict-limits'] as const).map(
    (name): Keyword<GlobalState> => ({
      name,
      enforced: name === 'insecure-fork-wanted' ? 'lands with external checks' : name === 'busy-polling' ? TUNING : PROCESS,
      parse(ctx, st, words) {
        if (tooManyArgs(ctx, words, 0)) return;
        st.global.tune.set(name, st.kwm !== 'no');
        keep(ctx, st, st.kwm === 'no' ? ['no', ...words] : words);
      },
    }),
  ),
  {
    // cfgparse-global.c: no argument check at all
    name: 'numa-cpu-mapping',
    enforced: 'lands with thread placement',
    parse: (ctx, st, words) => {
      st.global.tune.set('numa-cpu-mapping', st.kwm !== 'no');
      keep(ctx, st, words);
    },
  },
  // tuning, with haproxy's "already specified" on the first four
  intKw('tune.runqueue-depth', TUNING, { once: true, tune: true }),
  intKw('tune.maxpollevents', TUNING, { once: true, tune: true }),
  {
    name: 'tune.maxaccept',
    enforced: TUNING,
    parse(ctx, st, words) {
      if (tooManyArgs(ctx, words, 1)) return;
      if ((st.set.get('tune.maxaccept') ?? 0) !== 0) return already(ctx, 'tune.maxaccept');
      const arg = words[1] ?? '';
      if (arg === '') return expectsInt(ctx, 'tune.maxaccept');
      const max = cAtol(arg);
      // the lower bound (-1) is commented out in haproxy 2.6, only INT_MAX is checked
      if (max > 2147483647) return ctx.alert('CFG_GLOBAL_RANGE', `'tune.maxaccept' expects -1 or an integer from 0 to INT_MAX.`);
      st.set.set('tune.maxaccept', max);
      st.global.tune.set('tune.maxaccept', max);
    },
  },
  {
    name: 'tune.chksize',
    parse: (ctx) => ctx.alert('CFG_GLOBAL_OBSOLETE', `option 'tune.chksize' is not supported any more (tune.bufsize is used instead).`, 'parsing-tight'),
  },
  intKw('tune.recv_enough', TUNING, { tune: true }),
  intKw('tune.buffers.limit', TUNING, { tune: true }),
  intKw('tune.buffers.reserve', TUNING, { tune: true }),
  {
    name: 'tune.bufsize',
    enforced: TUNING,
    parse(ctx, st, words) {
      if (tooManyArgs(ctx, words, 1)) return;
      const arg = words[1] ?? '';
      if (arg === '') return expectsInt(ctx, 'tune.bufsize');
      // rounded up to a two-pointer alignment, in an int
      const v = toInt32((toInt32(cAtol(arg)) + 15) & -16);
      if (v <= 0) return ctx.alert('CFG_GLOBAL_RANGE', `'tune.bufsize' expects a positive integer argument.`);
      st.global.tune.set('tune.bufsize', v);
    },
  },
  {
    name: 'tune.maxrewrite',
    enforced: TUNING,
    parse(ctx, st, words) {
      if (tooManyArgs(ctx, words, 1)) return;
      const arg = words[1] ?? '';
      if (arg === '') return expectsInt(ctx, 'tune.maxrewrite');
      const v = toInt32(cAtol(arg));
      if (v < 0) return ctx.alert('CFG_GLOBAL_RANGE', `'tune.maxrewrite' expects a positive integer argument.`);
      st.global.tune.set('tune.maxrewrite', v);
    },
  },
  {
    name: 'tune.idletimer',
    enforced: TUNING,
    parse(ctx, st, words) {
      if (tooManyArgs(ctx, words, 1)) return;
      const arg = words[1] ?? '';
      const range = `'tune.idletimer' expects a timer value between 0 and 65535 ms.`;
      if (arg === '') return ctx.alert('CFG_GLOBAL_RANGE', range);
      const r = parseHaTime(arg, 'ms');
      if (!r.ok && 'over' in r) {
        return ctx.alert('CFG_GLOBAL_BAD_TIME', `timer overflow in argument <${arg}> to <tune.idletimer>, maximum value is 65535 ms.`, 'parsing-tight');
      }
      if (!r.ok) {
        const ch = 'ch' in r ? r.ch : '\0';
        return ctx.alert('CFG_GLOBAL_BAD_TIME', cText(`unexpected character '${ch}' in argument to <tune.idletimer>.`), 'parsing-tight');
      }
      if (r.value > 65535) return ctx.alert('CFG_GLOBAL_RANGE', range);
      st.global.tune.set('tune.idletimer', r.value);
    },
  },
  intKw('tune.rcvbuf.client', TUNING, { once: true, tune: true }),
  intKw('tune.rcvbuf.server', TUNING, { once: true, tune: true }),
  intKw('tune.sndbuf.client', TUNING, { once: true, tune: true }),
  intKw('tune.sndbuf.server', TUNING, { once: true, tune: true }),
  intKw('tune.pipesize', TUNING, { tune: true }),
  intKw('tune.http.cookielen', 'lands with captures', { tune: true }),
  intKw('tune.http.logurilen', 'lands with logs', { tune: true }),
  {
    name: 'tune.http.maxhdr',
    enforced: 'lands with the HTTP engine',
    parse(ctx, st, words) {
      if (tooManyArgs(ctx, words, 1)) return;
      const arg = words[1] ?? '';
      if (arg === '') return expectsInt(ctx, 'tune.http.maxhdr');
      const v = cAtoi(arg);
      if (v < 1 || v > 32767) return ctx.alert('CFG_GLOBAL_RANGE', `'tune.http.maxhdr' expects a numeric value between 1 and 32767`);
      st.global.tune.set('tune.http.maxhdr', v);
    },
  },
  {
    name: 'tune.comp.maxlevel',
    enforced: COMPRESSION,
    parse(ctx, st, words) {
      if (tooManyArgs(ctx, words, 1)) return;
      const arg = words[1] ?? '';
      const v = cAtoi(arg);
      if (arg === '' || v < 1 || v > 9) return ctx.alert('CFG_GLOBAL_RANGE', `'tune.comp.maxlevel' expects a numeric value between 1 and 9`);
      st.global.tune.set('tune.comp.maxlevel', v);
    },
  },
  {
    // no check of extra arguments in haproxy 2.6
    name: 'tune.pattern.cache-size',
    enforced: TUNING,
    parse(ctx, st, words) {
      const arg = words[1] ?? '';
      const v = cAtoi(arg);
      if (arg === '' || v < 0) return ctx.alert('CFG_GLOBAL_RANGE', `'tune.pattern.cache-size' expects a positive numeric value`);
      st.global.tune.set('tune.pattern.cache-size', v);
    },
  },
  {
    name: 'cluster-secret',
    enforced: 'lands with QUIC',
    parse(ctx, st, words) {
      if (tooManyArgs(ctx, words, 1)) return;
      if ((words[1] ?? '') === '') return ctx.alert('CFG_GLOBAL_EXPECTS_STRING', 'expects an ASCII string argument.');
      if (st.set.has('cluster-secret')) return already(ctx, 'cluster-secret');
      st.set.set('cluster-secret', 1);
      keep(ctx, st, words);
    },
  },
  ...(['uid', 'gid'] as const).map(
    (name): Keyword<GlobalState> => ({
      name,
      enforced: PROCESS,
      parse(ctx, st, words) {
        if (tooManyArgs(ctx, words, 1)) return;
        const id = name === 'uid' ? st.global.uid : st.global.gid;
        if ((id ?? 0) !== 0) {
          return nonFatalAlert(ctx, 'CFG_GLOBAL_ALREADY_SET', name === 'uid' ? 'user/uid already specified. Continuing.' : 'group/gid already specified. Continuing.');
        }
        const arg = words[1] ?? '';
        if (arg === '') return expectsInt(ctx, name);
        // strl2irc(): the whole word must be a number, else a warning and the id stays unset
        if (!/^-?\d+$/.test(arg)) {
          const hint = name === 'uid' ? "the 'user' parameter to use a system user name" : "the 'group' parameter to use a system group name";
          return ctx.warning('CFG_GLOBAL_NOT_A_NUMBER', ` ${name}: string '${arg}' is not a number.\n   | You might want to use ${hint}.`);
        }
        const v = toInt32(Number(arg));
        if (name === 'uid') st.global.uid = v;
        else st.global.gid = v;
      },
    }),
  ),
  ...(['user', 'group'] as const).map(
    (name): Keyword<GlobalState> => ({
      name,
      enforced: PROCESS,
      parse(ctx, st, words) {
        if (tooManyArgs(ctx, words, 1)) return;
        const id = name === 'user' ? st.global.uid : st.global.gid;
        if ((id ?? 0) !== 0) {
          return nonFatalAlert(ctx, 'CFG_GLOBAL_ALREADY_SET', name === 'user' ? 'user/uid already specified. Continuing.' : 'gid/group was already specified. Continuing.');
        }
        const arg = words[1] ?? '';
        const v = systemId(name === 'user' ? '/etc/passwd' : '/etc/group', arg);
        // getpwnam()/getgrnam() leave errno at 0 for a name that does not exist
        if (v === undefined) return ctx.alert('CFG_GLOBAL_UNKNOWN_ID', `cannot find ${name} id for '${arg}' (0:Success)`);
        if (name === 'user') {
          st.global.user = arg;
          st.global.uid = v;
        } else {
          st.global.group = arg;
          st.global.gid = v;
        }
      },
    }),
  ),
  {
    name: 'nbproc',
    parse: (ctx) =>
      ctx.alert('CFG_GLOBAL_NBPROC', 'nbproc is not supported any more since HAProxy 2.5. Threads will automatically be used on multi-processor machines if available.'),
  },
  intKw('maxconn', true, { once: true, set: (g, v) => void (g.maxconn = v) }),
  {
    name: 'ssl-server-verify',
    enforced: 'lands with TLS',
    parse(ctx, st, words) {
      if (tooManyArgs(ctx, words, 1)) return;
      const arg = words[1] ?? '';
      if (arg === '') return expectsInt(ctx, 'ssl-server-verify');
      if (arg !== 'none' && arg !== 'required') return ctx.alert('CFG_GLOBAL_BAD_VALUE', `'ssl-server-verify' expects 'none' or 'required' as argument.`);
      keep(ctx, st, words);
    },
  },
  intKw('maxconnrate', 'lands with rate limits', { once: true, set: (g, v) => void (g.maxConnRate = v) }),
  intKw('maxsessrate', 'lands with rate limits', { once: true, set: (g, v) => void (g.maxSessRate = v) }),
  intKw('maxsslrate', 'lands with TLS', { once: true, set: (g, v) => void (g.maxSslRate = v) }),
  {
    name: 'maxcomprate',
    enforced: COMPRESSION,
    parse(ctx, st, words) {
      if (tooManyArgs(ctx, words, 1)) return;
      const arg = words[1] ?? '';
      if (arg === '') return ctx.alert('CFG_GLOBAL_EXPECTS_INT', `'maxcomprate' expects an integer argument in kb/s.`);
      st.global.tune.set('maxcomprate', cAtoi(arg) * 1024);
    },
  },
  intKw('maxpipes', TUNING, { once: true, tune: true }),
  intKw('maxzlibmem', COMPRESSION, { set: (g, v) => void g.tune.set('maxzlibmem', v * 1024 * 1024) }),
  {
    name: 'maxcompcpuusage',
    enforced: COMPRESSION,
    parse(ctx, st, words) {
      if (tooManyArgs(ctx, words, 1)) return;
      const arg = words[1] ?? '';
      const v = cAtoi(arg);
      if (arg === '' || v < 0 || v > 100) return ctx.alert('CFG_GLOBAL_RANGE', `'maxcompcpuusage' expects an integer argument between 0 and 100.`);
      st.global.tune.set('maxcompcpuusage', v);
    },
  },
  intKw('fd-hard-limit', PROCESS, { once: true, tune: true }),
  intKw('ulimit-n', PROCESS, { once: true, set: (g, v) => void (g.ulimitN = v) }),
  {
    name: 'chroot',
    enforced: PROCESS,
    parse(ctx, st, words) {
      if (tooManyArgs(ctx, words, 1)) return;
      if (st.global.chroot !== undefined) return already(ctx, 'chroot');
      const arg = words[1] ?? '';
      if (arg === '') return ctx.alert('CFG_GLOBAL_EXPECTS_PATH', `'chroot' expects a directory as an argument.`);
      st.global.chroot = arg;
    },
  },
  {
    // the words are joined with spaces; no limit on their number
    name: 'description',
    enforced: true,
    parse(ctx, st, words) {
      if ((words[1] ?? '') === '') return ctx.alert('CFG_GLOBAL_EXPECTS_STRING', `'description' expects a string argument.`, 'parsing-tight');
      st.global.description = words.slice(1).join(' ');
    },
  },
  {
    name: 'node',
    enforced: true,
    parse(ctx, st, words) {
      if (tooManyArgs(ctx, words, 1)) return;
      const arg = words[1] ?? '';
      if (!/^[A-Za-z0-9_.-]+$/.test(arg)) {
        return ctx.alert(
          'CFG_GLOBAL_BAD_NODE',
          `'node' requires valid node name - non-empty string with digits(0-9), letters(A-Z, a-z), dot(.), hyphen(-) or underscode(_).`,
          'parsing-tight',
        );
      }
      st.global.node = arg;
    },
  },
  {
    name: 'pidfile',
    enforced: true,
    parse(ctx, st, words) {
      if (tooManyArgs(ctx, words, 1)) return;
      if (st.global.pidfile !== undefined) return already(ctx, 'pidfile');
      const arg = words[1] ?? '';
      if (arg === '') return ctx.alert('CFG_GLOBAL_EXPECTS_PATH', `'pidfile' expects a file name as an argument.`);
      st.global.pidfile = arg;
    },
  },
  {
    name: 'unix-bind',
    enforced: 'lands with unix socket ownership',
    parse(ctx, st, words) {
      let i = 1;
      while ((words[i] ?? '') !== '') {
        const opt = words[i]!;
        const arg = words[i + 1] ?? '';
        if (opt === 'prefix') {
          if (st.set.has('unix-bind prefix')) {
            nonFatalAlert(ctx, 'CFG_GLOBAL_ALREADY_SET', `unix-bind 'prefix' already specified. Continuing.`);
            i += 2;
            continue;
          }
          if (arg === '') return ctx.alert('CFG_GLOBAL_EXPECTS_PATH', `unix_bind 'prefix' expects a path as an argument.`);
          st.set.set('unix-bind prefix', arg);
        } else if (opt === 'user' && systemId('/etc/passwd', arg) === undefined) {
          return ctx.alert('CFG_GLOBAL_UNKNOWN_ID', `'unix-bind' : '${arg}' unknown user.`);
        } else if (opt === 'group' && systemId('/etc/group', arg) === undefined) {
          return ctx.alert('CFG_GLOBAL_UNKNOWN_ID', `'unix-bind' : '${arg}' unknown group.`);
        } else if (opt !== 'prefix' && opt !== 'mode' && opt !== 'uid' && opt !== 'gid' && opt !== 'user' && opt !== 'group') {
          return ctx.alert('CFG_GLOBAL_BAD_OPTION', `'unix-bind' only supports the 'prefix', 'mode', 'uid', 'gid', 'user' and 'group' options.`);
        }
        i += 2;
      }
      keep(ctx, st, words);
    },
  },
  {
    name: 'log',
    enforced: 'lands with logs',
    parse(ctx, st, words) {
      parseLogLine(ctx, st.kwm === 'no' ? ['no', ...words] : words, st.global.logs, { inGlobal: true });
    },
  },
  {
    // no check of extra arguments
    name: 'log-send-hostname',
    enforced: 'lands with logs',
    parse(ctx, st, words) {
      if (st.global.logSendHostname !== undefined) return already(ctx, 'log-send-hostname');
      st.global.logSendHostname = (words[1] ?? '') !== '' ? words[1]! : hostname();
    },
  },
  {
    name: 'server-state-base',
    enforced: 'lands with server-state files',
    parse(ctx, st, words) {
      if (st.global.serverStateBase !== undefined) return already(ctx, 'server-state-base');
      const arg = words[1] ?? '';
      if (arg === '') return ctx.alert('CFG_GLOBAL_EXPECTS_PATH', `'server-state-base' expects one argument: a directory path.`);
      st.global.serverStateBase = arg;
    },
  },
  {
    name: 'server-state-file',
    enforced: 'lands with server-state files',
    parse(ctx, st, words) {
      if (st.global.serverStateFile !== undefined) return already(ctx, 'server-state-file');
      const arg = words[1] ?? '';
      if (arg === '') return ctx.alert('CFG_GLOBAL_EXPECTS_PATH', `'server-state-file' expect one argument: a file path.`);
      st.global.serverStateFile = arg;
    },
  },
  {
    name: 'log-tag',
    enforced: 'lands with logs',
    parse(ctx, st, words) {
      if (tooManyArgs(ctx, words, 1)) return;
      const arg = words[1] ?? '';
      if (arg === '') return ctx.alert('CFG_GLOBAL_EXPECTS_STRING', `'log-tag' expects a tag for use in syslog.`);
      st.global.logTag = arg;
    },
  },
  {
    name: 'spread-checks',
    enforced: 'lands with health-check scheduling',
    parse(ctx, st, words) {
      if (tooManyArgs(ctx, words, 1)) return;
      if ((st.global.spreadChecks ?? 0) !== 0) {
        return nonFatalAlert(ctx, 'CFG_GLOBAL_ALREADY_SET', 'spread-checks already specified. Continuing.', 'parsing-tight');
      }
      const arg = words[1] ?? '';
      if (arg === '') return ctx.alert('CFG_GLOBAL_EXPECTS_INT', `'spread-checks' expects an integer argument (0..50).`, 'parsing-tight');
      // the value is stored before the range check, as haproxy does
      st.global.spreadChecks = toInt32(cAtol(arg));
      if (st.global.spreadChecks < 0 || st.global.spreadChecks > 50) {
        ctx.alert('CFG_GLOBAL_RANGE', `'spread-checks' needs a positive value in range 0..50.`, 'parsing-tight');
      }
    },
  },
  {
    name: 'max-spread-checks',
    enforced: 'lands with health-check scheduling',
    parse(ctx, st, words) {
      if (tooManyArgs(ctx, words, 1)) return;
      const arg = words[1] ?? '';
      if (arg === '') return ctx.alert('CFG_GLOBAL_EXPECTS_INT', `'max-spread-checks' expects an integer argument (0..50).`, 'parsing-tight');
      const r = parseHaTime(arg, 'ms');
      if (r.ok) st.global.maxSpreadChecks = r.value;
      else if ('over' in r) {
        ctx.alert('CFG_GLOBAL_BAD_TIME', `timer overflow in argument <${arg}> to <max-spread-checks>, maximum value is 2147483647 ms (~24.8 days).`, 'parsing-tight');
      } else if ('under' in r) {
        ctx.alert('CFG_GLOBAL_BAD_TIME', `timer underflow in argument <${arg}> to <max-spread-checks>, minimum non-null value is 1 ms.`, 'parsing-tight');
      } else {
        ctx.alert('CFG_GLOBAL_BAD_TIME', cText(`unsupported character '${r.ch}' in 'max-spread-checks' (wants an integer delay).`), 'parsing-tight');
      }
    },
  },
  {
    name: 'cpu-map',
    enforced: 'lands with thread placement',
    parse(ctx, st, words) {
      const err = checkCpuMap(words);
      if (err !== undefined) return ctx.alert('CFG_GLOBAL_CPU_MAP', err);
      keep(ctx, st, words);
    },
  },
  ...(['setenv', 'presetenv'] as const).map(
    (name): Keyword<GlobalState> => ({
      name,
      enforced: true,
      parse(ctx, st, words) {
        if (tooManyArgs(ctx, words, 3)) return;
        if ((words[2] ?? '') === '') return ctx.alert('CFG_GLOBAL_ENV', `'${name}' expects a name and a value.`, 'parsing-tight');
        const key = words[1] ?? '';
        // setenv(3) refuses an empty name or one containing '='
        if (key === '' || key.includes('=')) {
          return ctx.alert('CFG_GLOBAL_ENV', `'${name}' failed on variable '${key}' : Invalid argument.`, 'parsing-tight');
        }
        const env = mutableEnv(ctx);
        if (name === 'setenv' || env?.get(key) === undefined) env?.set(key, words[2]!);
        st.global.envChanges.push({ place: ctx.place, op: name, args: words.slice(1) });
      },
    }),
  ),
  {
    name: 'unsetenv',
    enforced: true,
    parse(ctx, st, words) {
      if ((words[1] ?? '') === '') return ctx.alert('CFG_GLOBAL_ENV', `'unsetenv' expects at least one variable name.`, 'parsing-tight');
      const env = mutableEnv(ctx);
      for (const key of words.slice(1)) {
        if (key === '') break;
        if (key.includes('=')) return ctx.alert('CFG_GLOBAL_ENV', `'unsetenv' failed on variable '${key}' : Invalid argument.`, 'parsing-tight');
        env?.unset(key);
      }
      st.global.envChanges.push({ place: ctx.place, op: 'unsetenv', args: words.slice(1) });
    },
  },
  {
    // the arguments are the variables to keep; every other one is removed
    name: 'resetenv',
    enforced: true,
    parse(ctx, st, words) {
      const env = mutableEnv(ctx);
      const keepNames = new Set(words.slice(1).filter((w) => w !== ''));
      if (env !== undefined) for (const n of env.names()) if (!keepNames.has(n)) env.unset(n);
      st.global.envChanges.push({ place: ctx.place, op: 'resetenv', args: words.slice(1) });
    },
  },
  {
    name: 'localpeer',
    enforced: 'lands with peers',
    parse(ctx, st, words) {
      if (tooManyArgs(ctx, words, 1)) return;
      const arg = words[1] ?? '';
      if (arg === '') return ctx.alert('CFG_GLOBAL_EXPECTS_STRING', `'localpeer' expects a name as an argument.`);
      if (ctx.model.peers.length > 0) {
        return ctx.warning('CFG_GLOBAL_LOCALPEER_LATE', `'localpeer' ignored since it is used after 'peers' section.`);
      }
      st.global.localPeer = arg;
      mutableEnv(ctx)?.set('HAPROXY_LOCALPEER', arg);
    },
  },
);

/** The environment when the loader gave a mutable one (src/config/environment.ts). */
interface MutableEnv {
  get(name: string): string | undefined;
  set(name: string, value: string): void;
  unset(name: string): void;
  names(): string[];
}
function mutableEnv(ctx: LineContext): MutableEnv | undefined {
  const e = ctx.env as Partial<MutableEnv>;
  if (typeof e.set === 'function' && typeof e.unset === 'function' && typeof e.names === 'function') return e as MutableEnv;
  return undefined;
}

/** haproxy's parse_process_number() as cpu-map uses it (max 64, `auto:` prefix). */
function processNumberError(arg: string, max: number): string | undefined {
  if (arg === 'all' || arg === 'odd' || arg === 'even') return undefined;
  let dash = -1;
  for (let i = 0; i < arg.length; i++) {
    const ch = arg[i]!;
    if (ch === '-' && dash < 0) dash = i;
    else if (ch < '0' || ch > '9') return `'${arg}' is not a valid number/range.`;
  }
  let low = cAtol(arg) >>> 0;
  let high = low;
  if (dash >= 0) high = dash + 1 >= arg.length ? max : cAtol(arg.slice(dash + 1)) >>> 0;
  if (high < low) [low, high] = [high, low];
  if (low < 1 || low > max || high > max) return `'${arg}' is not a valid number/range. It supports numbers from 1 to ${max}.`;
  return undefined;
}

function countProcessNumber(arg: string, max: number): number {
  if (arg === 'all') return max;
  if (arg === 'odd' || arg === 'even') return max / 2;
  const dash = arg.indexOf('-');
  let low = cAtol(arg);
  let high = dash < 0 ? low : dash + 1 >= arg.length ? max : cAtol(arg.slice(dash + 1));
  if (high < low) [low, high] = [high, low];
  return high - low + 1;
}

/** cfgparse-global.c "cpu-map" with parse_process_number() and parse_cpu_set(); returns the alert text. */
function checkCpuMap(words: readonly string[]): string | undefined {
  const a1 = words[1] ?? '';
  if (a1 === '' || (words[2] ?? '') === '') {
    return "cpu-map expects a process number  ('all', 'odd', 'even', a number from 1 to 64 or a range),  followed by a list of CPU ranges with numbers from 0 to 63.";
  }
  const slash = a1.indexOf('/');
  let proc = slash < 0 ? a1 : a1.slice(0, slash);
  const auto = proc.startsWith('auto:');
  if (auto) proc = proc.slice(5);
  const perr = processNumberError(proc, 64);
  if (perr !== undefined) return `cpu-map : ${perr}`;
  let threads = 64;
  if (slash >= 0) {
    const t = a1.slice(slash + 1);
    const terr = processNumberError(t, 64);
    if (terr !== undefined) return `cpu-map : ${terr}`;
    threads = countProcessNumber(t, 64);
  }
  let cpus = 0;
  for (const w of words.slice(2)) {
    if (w === '') break;
    if (!/^\d/.test(w)) return `cpu-map : '${w}' is not a CPU range.`;
    let low = cAtol(w) >>> 0;
    const dash = w.indexOf('-');
    let high = dash < 0 ? low : dash + 1 < w.length ? cAtol(w.slice(dash + 1)) >>> 0 : 1023;
    if (high < low) [low, high] = [high, low];
    if (high >= 1024) return 'cpu-map : supports CPU numbers from 0 to 1023.';
    cpus += high - low + 1;
  }
  if (auto && countProcessNumber(proc, 64) !== cpus && threads !== cpus) {
    return 'cpu-map : PROC/THREAD range and CPU sets must have the same size to be automatically bound';
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Keywords other haproxy modules register for the global section
// (cfg_register_keywords()): their error text is printed as `parsing [f:l] : <text>`.

const TLS = 'lands with TLS';
const LUA = 'lands with Lua';
const H2 = 'lands with HTTP/2';

/** too_many_args(): the registered keywords' own check, same words as alertif_too_many_args(). */
const tooMany = tooManyArgs;

/** `on`/`off` switches (tune.sched.low-latency, tune.idle-pool.shared...). */
function onOffKw(name: string, enforced: string, experimental = false): Keyword<GlobalState> {
  return {
    name,
    enforced,
    parse(ctx, st, words) {
      if (experimental && !st.experimental) {
        return ctx.alert('CFG_GLOBAL_EXPERIMENTAL', `'${name}' directive is experimental, must be allowed via a global 'expose-experimental-directives'`);
      }
      if (tooMany(ctx, words, 1)) return;
      const arg = words[1] ?? '';
      if (arg !== 'on' && arg !== 'off') return ctx.alert('CFG_GLOBAL_BAD_VALUE', `'${name}' expects either 'on' or 'off' but got '${arg}'.`);
      st.global.tune.set(name, arg === 'on');
    },
  };
}

/** atoi() checked against a range, with the module's own message. */
function rangeKw(name: string, enforced: string, ok: (v: number) => boolean, message: string, emptyMessage?: string): Keyword<GlobalState> {
  return {
    name,
    enforced,
    parse(ctx, st, words) {
      if (tooMany(ctx, words, 1)) return;
      const arg = words[1] ?? '';
      if (arg === '' && emptyMessage !== undefined) return ctx.alert('CFG_GLOBAL_EXPECTS_INT', emptyMessage.replace('%s', name));
      const v = cAtoi(arg);
      if (!ok(v)) return ctx.alert('CFG_GLOBAL_RANGE', message.replace('%s', name));
      st.global.tune.set(name, v);
    },
  };
}

/** A time argument with the wording of the hlua/ssl/global parsers (`<kw>` or `'kw'` quoting). */
function timeKw(
  name: string,
  enforced: boolean | string,
  set: (st: GlobalState, ms: number) => void,
  opts: { infinite?: boolean } = {},
): Keyword<GlobalState> {
  return {
    name,
    enforced,
    parse(ctx, st, words) {
      const arg = words[1] ?? '';
      if (arg === '') return ctx.alert('CFG_GLOBAL_EXPECTS_TIME', `'${name}' expects <time> as argument.`);
      if (opts.infinite === true && arg === 'infinite') return set(st, -1);
      const r = parseHaTime(arg, 'ms');
      if (r.ok) return set(st, r.value);
      if ('over' in r) {
        return ctx.alert('CFG_GLOBAL_BAD_TIME', `timer overflow in argument '${arg}' to '${name}' (maximum value is 2147483647 ms or ~24.8 days)`);
      }
      if ('under' in r) return ctx.alert('CFG_GLOBAL_BAD_TIME', `timer underflow in argument '${arg}' to '${name}' (minimum non-null value is 1 ms)`);
      ctx.alert('CFG_GLOBAL_BAD_TIME', cText(`unexpected character '${r.ch}' in argument to <${name}>.`));
    },
  };
}

/** hlua_read_timeout(). */
function luaTimeoutKw(name: string): Keyword<GlobalState> {
  return {
    name,
    enforced: LUA,
    parse(ctx, st, words) {
      const arg = words[1] ?? '';
      const r = parseHaTime(arg, 'ms');
      if (r.ok) return void st.global.tune.set(name, r.value);
      if ('over' in r) {
        return ctx.alert('CFG_GLOBAL_BAD_TIME', `timer overflow in argument <${arg}> to <${name}> (maximum value is 2147483647 ms or ~24.8 days)`);
      }
      if ('under' in r) return ctx.alert('CFG_GLOBAL_BAD_TIME', `timer underflow in argument <${arg}> to <${name}> (minimum non-null value is 1 ms)`);
      ctx.alert('CFG_GLOBAL_BAD_TIME', `${name}: invalid timeout`);
    },
  };
}

/** The tune.ssl.* sizes: "expects an integer argument." then "expects a positive numeric value.". */
function sslSizeKw(name: string, deprecatedFor?: string): Keyword<GlobalState> {
  return {
    name,
    enforced: TLS,
    parse(ctx, st, words) {
      if (deprecatedFor !== undefined) {
        ctx.warning(
          'CFG_GLOBAL_DEPRECATED',
          `'${name}' is deprecated and will be removed in version 2.7. Please use '${deprecatedFor}' instead.`,
          'parsing-tight',
        );
      }
      if (tooMany(ctx, words, 1)) return;
      const arg = words[1] ?? '';
      if (arg === '') return expectsInt(ctx, name);
      const v = cAtoi(arg);
      if (v < 0) return ctx.alert('CFG_GLOBAL_RANGE', `'${name}' expects a positive numeric value.`);
      st.global.tune.set(name, v);
    },
  };
}

/** A single argument kept as a directive, with the module's message when it is missing. */
function stringKw(name: string, enforced: boolean | string, missingMessage: string, maxArgs = 1): Keyword<GlobalState> {
  return {
    name,
    enforced,
    parse(ctx, st, words) {
      if (tooMany(ctx, words, maxArgs)) return;
      if ((words[1] ?? '') === '') return ctx.alert('CFG_GLOBAL_MISSING_ARG', missingMessage.replace('%s', name));
      keep(ctx, st, words);
    },
  };
}

/** A keyword haproxy accepts with any arguments, kept as a directive. */
function anyArgsKw(name: string, enforced: boolean | string): Keyword<GlobalState> {
  return { name, enforced, parse: (ctx, st, words) => keep(ctx, st, words) };
}

const TLS_METHODS = new Set([
  'no-sslv3', 'no-tlsv10', 'no-tlsv11', 'no-tlsv12', 'no-tlsv13',
  'force-sslv3', 'force-tlsv10', 'force-tlsv11', 'force-tlsv12', 'force-tlsv13',
]);
const TLS_VERSIONS = new Set(['SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);

/** ssl_parse_default_bind_options() / ssl_parse_default_server_options(). */
function sslOptionsKw(name: string, bind: boolean): Keyword<GlobalState> {
  return {
    name,
    enforced: TLS,
    parse(ctx, st, words) {
      if ((words[1] ?? '') === '') return ctx.alert('CFG_GLOBAL_MISSING_ARG', `global statement '${name}' expects an option as an argument.`);
      for (let i = 1; (words[i] ?? '') !== ''; i++) {
        const o = words[i]!;
        if (o === 'no-tls-tickets' || (bind && o === 'prefer-client-ciphers') || TLS_METHODS.has(o)) continue;
        if (o === 'ssl-min-ver' || o === 'ssl-max-ver') {
          const v = words[i + 1] ?? '';
          if (v === '') return ctx.alert('CFG_GLOBAL_BAD_OPTION', `'${o}' : missing the ssl/tls version on global statement '${name}'.`);
          if (!TLS_VERSIONS.has(v)) return ctx.alert('CFG_GLOBAL_BAD_OPTION', `'${v}' : unknown ssl/tls version on global statement '${name}'.`);
          i++;
          continue;
        }
        return ctx.alert('CFG_GLOBAL_BAD_OPTION', `unknown option '${o}' on global statement '${name}'.`);
      }
      keep(ctx, st, words);
    },
  };
}

/** The OpenSSL providers this build can load: the built-in ones and the modules on disk. */
function knownProvider(name: string, path: string | undefined): boolean {
  if (name === 'default' || name === 'base' || name === 'null') return true;
  for (const dir of [path, '/usr/lib/x86_64-linux-gnu/ossl-modules', '/usr/lib/aarch64-linux-gnu/ossl-modules']) {
    if (dir === undefined) continue;
    try {
      if (statSync(`${dir}/${name}.so`).isFile()) return true;
    } catch {
      /* not there */
    }
  }
  return false;
}

/** Lua's own wording for a file it cannot load (luaL_loadfilex). */
function luaFileError(file: string): string | undefined {
  try {
    if (statSync(file).isDirectory()) return `cannot read ${file}: Is a directory`;
    readFileSync(file);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' ? 'Permission denied' : code === 'ENOTDIR' ? 'Not a directory' : 'No such file or directory';
    return `cannot open ${file}: ${why}`;
  }
}

globalKeywords.register(
  // ssl_sock.c / cfgparse-ssl.c
  ...(['ca-base', 'crt-base'] as const).map(
    (name): Keyword<GlobalState> => ({
      name,
      enforced: TLS,
      parse(ctx, st, words) {
        if (tooMany(ctx, words, 1)) return;
        const cur = name === 'ca-base' ? st.global.caBase : st.global.crtBase;
        if (cur !== undefined) return ctx.alert('CFG_GLOBAL_ALREADY_SET', `'${name}' already specified.`);
        const arg = words[1] ?? '';
        if (arg === '') return ctx.alert('CFG_GLOBAL_EXPECTS_PATH', `global statement '${name}' expects a directory path as an argument.`);
        if (name === 'ca-base') st.global.caBase = arg;
        else st.global.crtBase = arg;
        // kept as a directive too: bind and server options read it from there (src/net/bind-keywords.ts globalBase())
        keep(ctx, st, words);
      },
    }),
  ),
  {
    name: 'issuers-chain-path',
    enforced: TLS,
    parse(ctx, st, words) {
      if (tooMany(ctx, words, 1)) return;
      const path = words[1] ?? '';
      let isDir = false;
      try {
        isDir = path !== '' && statSync(path).isDirectory();
        if (path !== '' && !isDir) return ctx.alert('CFG_GLOBAL_EXPECTS_PATH', `global statement 'issuers-chain-path': ${path} is not a directory.`);
      } catch {
        /* reported below */
      }
      if (!isDir) return ctx.alert('CFG_GLOBAL_EXPECTS_PATH', `global statement 'issuers-chain-path' expects a directory path as an argument.`);
      const dir = path.replace(/\/+$/, '');
      // ssl_load_global_issuers_from_path(): every regular file must hold a PEM certificate
      for (const f of listRegularFiles(dir)) {
        let text = '';
        try {
          text = readFileSync(f, 'latin1');
        } catch {
          continue;
        }
        if (!text.includes('-----BEGIN CERTIFICATE-----')) {
          ctx.diag.push({ severity: 'warning', code: 'CFG_GLOBAL_ISSUER', message: `unable to load issuers-chain ${f} : pem certificate not found.` });
        }
      }
      keep(ctx, st, words);
    },
  },
  stringKw('ssl-default-bind-ciphers', TLS, "global statement '%s' expects a cipher suite as an argument."),
  stringKw('ssl-default-bind-ciphersuites', TLS, "global statement '%s' expects a cipher suite as an argument."),
  stringKw('ssl-default-bind-curves', TLS, "global statement '%s' expects a curves suite as an arguments."),
  stringKw('ssl-default-server-ciphers', TLS, "global statement '%s' expects a cipher suite as an argument."),
  stringKw('ssl-default-server-ciphersuites', TLS, "global statement '%s' expects a cipher suite as an argument."),
  sslOptionsKw('ssl-default-bind-options', true),
  sslOptionsKw('ssl-default-server-options', false),
  {
    name: 'ssl-dh-param-file',
    enforced: TLS,
    parse(ctx, st, words) {
      if (tooMany(ctx, words, 1)) return;
      const file = words[1] ?? '';
      if (file === '') return ctx.alert('CFG_GLOBAL_EXPECTS_PATH', `'ssl-dh-param-file' expects a file path as an argument.`);
      let text = '';
      try {
        text = readFileSync(file, 'latin1');
      } catch {
        /* reported below */
      }
      if (!/-----BEGIN (X9\.42 )?DH PARAMETERS-----/.test(text)) {
        return ctx.alert('CFG_GLOBAL_TLS_FILE', `'ssl-dh-param-file': unable to load DH parameters from file <${file}>.`);
      }
      keep(ctx, st, words);
    },
  },
  {
    name: 'ssl-load-extra-files',
    enforced: TLS,
    parse(ctx, st, words) {
      const usage = `'ssl-load-extra-files' expects one or multiple arguments (none, all, bundle, sctl, ocsp, issuer).`;
      const first = words[1] ?? '';
      if (first === '') return ctx.alert('CFG_GLOBAL_BAD_VALUE', usage);
      if (first === 'none' || first === 'all') {
        if ((words[2] ?? '') !== '') return ctx.alert('CFG_GLOBAL_BAD_VALUE', `'ssl-load-extra-files' 'none' and 'all' can be only used alone`);
      } else {
        for (const w of words.slice(1)) {
          if (w === '') break;
          if (!['bundle', 'sctl', 'ocsp', 'issuer', 'key'].includes(w)) return ctx.alert('CFG_GLOBAL_BAD_VALUE', usage);
        }
      }
      keep(ctx, st, words);
    },
  },
  anyArgsKw('ssl-load-extra-del-ext', TLS),
  anyArgsKw('ssl-mode-async', TLS),
  anyArgsKw('ssl-skip-self-issued-ca', TLS),
  {
    // no check of extra words; OpenSSL refuses a malformed query and haproxy then prints an empty error
    name: 'ssl-propquery',
    enforced: TLS,
    parse(ctx, st, words) {
      const q = words[1] ?? '';
      if (q === '') return ctx.alert('CFG_GLOBAL_MISSING_ARG', `global statement 'ssl-propquery' expects a property string as an argument.`);
      const item = /^\s*-?[A-Za-z][A-Za-z0-9_.]*\s*(?:!?=\s*(?:"[^"]*"|'[^']*'|[^,\s]+)\s*)?$/;
      if (!q.split(',').every((x) => item.test(x))) return ctx.alert('CFG_GLOBAL_TLS_PROVIDER', '(null)');
      keep(ctx, st, words);
    },
  },
  {
    name: 'ssl-provider',
    enforced: TLS,
    parse(ctx, st, words) {
      const name = words[1] ?? '';
      if (name === '') return ctx.alert('CFG_GLOBAL_MISSING_ARG', `global statement 'ssl-provider' expects a valid engine provider name as an argument.`);
      let path: string | undefined;
      for (const d of st.global.directives) if (d.keyword === 'ssl-provider-path') path = d.args[0];
      if (!knownProvider(name, path)) {
        // OSSL_PROVIDER_load() fails: haproxy prints its own alert, then an empty error text
        ctx.diag.push({ severity: 'alert', code: 'CFG_GLOBAL_TLS_PROVIDER', message: `ssl-provider ${name}: unknown provider` });
        return ctx.alert('CFG_GLOBAL_TLS_PROVIDER', '(null)');
      }
      keep(ctx, st, words);
    },
  },
  stringKw('ssl-provider-path', TLS, "global statement '%s' expects a directory path as an argument.", 64),
  sslSizeKw('tune.ssl.cachesize'),
  sslSizeKw('tune.ssl.capture-buffer-size'),
  sslSizeKw('tune.ssl.capture-cipherlist-size', 'tune.ssl.capture-buffer-size'),
  sslSizeKw('tune.ssl.hard-maxrecord'),
  sslSizeKw('tune.ssl.maxrecord'),
  sslSizeKw('tune.ssl.ssl-ctx-cache-size'),
  {
    name: 'tune.ssl.default-dh-param',
    enforced: TLS,
    parse(ctx, st, words) {
      if (tooMany(ctx, words, 1)) return;
      const arg = words[1] ?? '';
      if (arg === '') return expectsInt(ctx, 'tune.ssl.default-dh-param');
      const v = cAtoi(arg);
      if (v < 1024) return ctx.alert('CFG_GLOBAL_RANGE', `'tune.ssl.default-dh-param' expects a value >= 1024.`);
      st.global.tune.set('tune.ssl.default-dh-param', v);
    },
  },
  flagKw('tune.ssl.force-private-cache', TLS),
  onOffKw('tune.ssl.keylog', TLS),
  {
    name: 'tune.ssl.lifetime',
    enforced: TLS,
    parse(ctx, st, words) {
      if (tooMany(ctx, words, 1)) return;
      const arg = words[1] ?? '';
      if (arg === '') return ctx.alert('CFG_GLOBAL_EXPECTS_TIME', `'tune.ssl.lifetime' expects ssl sessions <lifetime> in seconds as argument.`);
      const r = parseHaTime(arg, 's');
      if (r.ok) return void st.global.tune.set('tune.ssl.lifetime', r.value);
      if ('over' in r) {
        return ctx.alert('CFG_GLOBAL_BAD_TIME', `timer overflow in argument '${arg}' to <tune.ssl.lifetime> (maximum value is 2147483647 s or ~68 years).`);
      }
      if ('under' in r) return ctx.alert('CFG_GLOBAL_BAD_TIME', `timer underflow in argument '${arg}' to <tune.ssl.lifetime> (minimum value is 1 s).`);
      ctx.alert('CFG_GLOBAL_BAD_TIME', cText(`unexpected character '${r.ch}' in argument to <tune.ssl.lifetime>.`));
    },
  },
  {
    name: 'maxsslconn',
    enforced: TLS,
    parse(ctx, st, words) {
      if (tooMany(ctx, words, 1)) return;
      const arg = words[1] ?? '';
      if (arg === '') return expectsInt(ctx, 'maxsslconn');
      const v = toInt32(cAtol(arg));
      if (v < 0) return ctx.alert('CFG_GLOBAL_RANGE', `'maxsslconn' expects a positive numeric value.`);
      st.global.maxSslConn = v;
    },
  },
  // haproxy.c, proxy.c, mux_h1.c, http_client.c
  timeKw('close-spread-time', 'lands with soft-stop', (st, ms) => void (st.global.closeSpreadTime = ms < 0 ? 'infinite' : ms), { infinite: true }),
  timeKw('grace', true, (st, ms) => void (st.global.gracefulStop = ms)),
  timeKw('hard-stop-after', true, (st, ms) => void (st.global.hardStopAfter = ms)),
  {
    name: 'default-path',
    enforced: 'lands with relative path resolution',
    parse(ctx, st, words) {
      const mode = words[1] ?? '';
      if (mode === 'origin') {
        const dir = words[2] ?? '';
        if (dir === '') return ctx.alert('CFG_GLOBAL_EXPECTS_PATH', `'default-path origin' expects a directory as an argument.`);
        let ok = false;
        try {
          ok = statSync(dir).isDirectory();
        } catch {
          /* reported below */
        }
        if (!ok) {
          return ctx.alert(
            'CFG_GLOBAL_EXPECTS_PATH',
            `couldn't set 'default-path' to origin '${dir}': Impossible to get back to directory '${process.cwd()}': No such file or directory.`,
          );
        }
      } else if (mode !== 'current' && mode !== 'config' && mode !== 'parent') {
        return ctx.alert(
          'CFG_GLOBAL_BAD_VALUE',
          `${mode === '' ? 'missing' : 'unsupported'} default-path mode '${mode}' for 'default-path', supported modes include 'current', 'config', 'parent', and 'origin'.`,
        );
      }
      keep(ctx, st, words);
    },
  },
  flagKw('h1-accept-payload-with-any-method', 'lands with the HTTP engine'),
  {
    name: 'h1-case-adjust',
    enforced: 'lands with the HTTP engine',
    parse(ctx, st, words) {
      if (tooMany(ctx, words, 2)) return;
      const from = words[1] ?? '';
      const to = words[2] ?? '';
      if (to === '') return ctx.alert('CFG_GLOBAL_MISSING_ARG', `'h1-case-adjust' expects <from> and <to> as argument.`);
      if (from.toLowerCase() !== to.toLowerCase()) return ctx.alert('CFG_GLOBAL_BAD_VALUE', '<from> and <to> must not differ execpt the case');
      const key = `h1-case-adjust ${from.toLowerCase()}`;
      if (st.set.has(key)) return ctx.alert('CFG_GLOBAL_DUPLICATE', `duplicate entry '${from.toLowerCase()}'`);
      st.set.set(key, 1);
      keep(ctx, st, words);
    },
  },
  stringKw('h1-case-adjust-file', 'lands with the HTTP engine', "'%s' expects <file> as argument."),
  {
    name: 'httpclient.resolvers.id',
    enforced: 'lands with the HTTP client',
    parse(ctx, st, words) {
      if (tooMany(ctx, words, 1)) return;
      keep(ctx, st, words);
    },
  },
  ...([['httpclient.resolvers.prefer', 'ipv4', 'ipv6'], ['httpclient.ssl.verify', 'none', 'required']] as const).map(
    ([name, a, b]): Keyword<GlobalState> => ({
      name,
      enforced: 'lands with the HTTP client',
      parse(ctx, st, words) {
        if (tooMany(ctx, words, 1)) return;
        const arg = words[1] ?? '';
        if (arg !== a && arg !== b) {
          // http_client.c prints its alert and returns an error without text
          ctx.alert('CFG_GLOBAL_BAD_VALUE', `'${name}' expects '${a}' or '${b}' as argument.`);
          return ctx.alert('CFG_GLOBAL_BAD_VALUE', '(null)');
        }
        keep(ctx, st, words);
      },
    }),
  ),
  {
    name: 'httpclient.ssl.ca-file',
    enforced: 'lands with the HTTP client',
    parse(ctx, st, words) {
      if (tooMany(ctx, words, 1)) return;
      keep(ctx, st, words);
    },
  },
  // hlua.c
  ...(['lua-load', 'lua-load-per-thread'] as const).map(
    (name): Keyword<GlobalState> => ({
      name,
      enforced: LUA,
      parse(ctx, st, words) {
        const file = words[1] ?? '';
        if (file === '') {
          return ctx.alert('CFG_GLOBAL_MISSING_ARG', name === 'lua-load' ? `'lua-load' expects a file name as parameter.` : `'lua-load-per-thread' expects a file as parameter.`);
        }
        const err = luaFileError(file);
        if (err !== undefined) return ctx.alert('CFG_GLOBAL_LUA_FILE', `error in Lua file '${file}': ${err}`);
        st.global.luaLoads.push({ file, perThread: name === 'lua-load-per-thread', place: ctx.place });
      },
    }),
  ),
  {
    name: 'lua-prepend-path',
    enforced: LUA,
    parse(ctx, st, words) {
      if (tooMany(ctx, words, 2)) return;
      if ((words[1] ?? '') === '') return ctx.alert('CFG_GLOBAL_MISSING_ARG', `'lua-prepend-path' expects to receive a <path> as argument`);
      const type = words[2] ?? '';
      if (type !== '' && type !== 'path' && type !== 'cpath') return ctx.alert('CFG_GLOBAL_BAD_VALUE', `'lua-prepend-path' expects <type> to either be 'path' or 'cpath'`);
      keep(ctx, st, words);
    },
  },
  {
    name: 'tune.lua.forced-yield',
    enforced: LUA,
    parse(ctx, st, words) {
      const r = cStrtol(words[1] ?? '');
      if (r.rest !== '' && (r.digits || (words[1] ?? '') !== '')) return ctx.alert('CFG_GLOBAL_BAD_VALUE', 'tune.lua.forced-yield: invalid number');
      st.global.tune.set('tune.lua.forced-yield', r.value);
    },
  },
  {
    name: 'tune.lua.maxmem',
    enforced: LUA,
    parse(ctx, st, words) {
      const arg = words[1] ?? '';
      if (arg === '') return ctx.alert('CFG_GLOBAL_EXPECTS_INT', `'tune.lua.maxmem' expects an integer argument (Lua memory size in MB).`);
      const r = cStrtol(arg);
      if (r.rest !== '') return ctx.alert('CFG_GLOBAL_BAD_VALUE', `tune.lua.maxmem: invalid number ${arg} (error at '${r.rest[0]!}')`);
      st.global.tune.set('tune.lua.maxmem', r.value);
    },
  },
  luaTimeoutKw('tune.lua.service-timeout'),
  luaTimeoutKw('tune.lua.session-timeout'),
  luaTimeoutKw('tune.lua.task-timeout'),
  // mworker.c: the parser returns its error code where a status is expected, so its
  // errors come out as warnings and the configuration stays valid
  {
    name: 'mworker-max-reloads',
    enforced: 'lands with master-worker reloads',
    parse(ctx, st, words) {
      const where = `parsing [${ctx.place.file}:${ctx.place.line}]`;
      const extra = words[2] ?? '';
      if (extra !== '') {
        nonFatalAlert(ctx, 'CFG_TOO_MANY_ARGS', `'mworker-max-reloads' cannot handle unexpected argument '${extra}'.`);
        return ctx.warning('CFG_GLOBAL_QUIRK', '(null)');
      }
      const arg = words[1] ?? '';
      if (arg === '') return ctx.warning('CFG_GLOBAL_QUIRK', `(null)${where} : 'mworker-max-reloads' expects an integer argument.`);
      const v = toInt32(cAtol(arg));
      if (v < 0) return ctx.warning('CFG_GLOBAL_QUIRK', `(null)${where} 'mworker-max-reloads' : invalid value ${v}, must be >= 0`);
      st.global.tune.set('mworker-max-reloads', v);
    },
  },
  ...(['nbthread', 'thread-groups'] as const).map(
    (name): Keyword<GlobalState> => ({
      name,
      enforced: name === 'nbthread' ? true : 'lands with thread groups',
      parse(ctx, st, words) {
        if (tooMany(ctx, words, 1)) return;
        const arg = words[1] ?? '';
        const r = cStrtol(arg);
        if (arg === '' || r.rest !== '' || !r.digits) {
          return ctx.alert('CFG_GLOBAL_EXPECTS_INT', `'${name}' passed a missing or unparsable integer value in '${arg}'`);
        }
        const max = name === 'nbthread' ? 64 : 1;
        if (r.value < 1 || r.value > max) return ctx.alert('CFG_GLOBAL_RANGE', `'${name}' value must be between 1 and ${max} (was ${r.value})`);
        if (name === 'nbthread') st.global.nbthread = r.value;
        else keep(ctx, st, words);
      },
    }),
  ),
  {
    name: 'thread-group',
    enforced: 'lands with thread groups',
    parse(ctx, st, words) {
      const arg = words[1] ?? '';
      const r = cStrtol(arg);
      if (arg === '' || r.rest !== '' || !r.digits) {
        return ctx.alert('CFG_GLOBAL_EXPECTS_INT', `'thread-group' passed a missing or unparsable integer value in '${arg}'`);
      }
      if (r.value < 1 || r.value > 1) return ctx.alert('CFG_GLOBAL_RANGE', `'thread-group' thread-group number must be between 1 and 1 (was ${r.value})`);
      for (const t of words.slice(2)) {
        if (t === '') break;
        if (processNumberError(t, 64) !== undefined || t === 'all' || t === 'odd' || t === 'even') {
          return ctx.alert('CFG_GLOBAL_RANGE', `'thread-group ${arg}' passed an unparsable or invalid thread number '${t}' (valid range is 1 to 64)`);
        }
      }
      keep(ctx, st, words);
    },
  },
  flagKw('no-memory-trimming', TUNING),
  flagKw('pp2-never-send-local', 'lands with the PROXY protocol'),
  {
    name: 'profiling.tasks',
    enforced: 'lands with profiling',
    parse(ctx, st, words) {
      if (tooMany(ctx, words, 1)) return;
      const arg = words[1] ?? '';
      if (arg !== 'on' && arg !== 'auto' && arg !== 'off') {
        return ctx.alert('CFG_GLOBAL_BAD_VALUE', `'profiling.tasks' expects either 'on', 'auto', or 'off' but got '${arg}'.`);
      }
      keep(ctx, st, words);
    },
  },
  ...(['set-var', 'set-var-fmt'] as const).map(
    (name): Keyword<GlobalState> => ({
      name,
      enforced: 'lands with variables',
      parse(ctx, st, words) {
        const what = name === 'set-var' ? 'a sample expression' : 'a format string';
        const v = words[1] ?? '';
        if (v === '' || (words[2] ?? '') === '') {
          return ctx.alert('CFG_GLOBAL_SET_VAR', `'${name}' requires a process-wide variable name ('proc.<name>') and ${what}.`);
        }
        const scope = /^(proc|sess|txn|req|res|check)\./.exec(v);
        if (scope === null) {
          return ctx.alert(
            'CFG_GLOBAL_SET_VAR',
            `invalid variable name '${v}'. A variable name must be start by its scope. The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'`,
          );
        }
        if (scope[1] !== 'proc') {
          return ctx.alert('CFG_GLOBAL_SET_VAR', `'${name}': cannot set variable '${v}', only scope 'proc' is permitted in the global section.`);
        }
        // The expression is checked when the sample engine registers a global hook (see report).
        keep(ctx, st, words);
      },
    }),
  ),
  // stats.c
  {
    name: 'stats',
    enforced: true,
    parse: (ctx, st, words) => parseStats(ctx, st, words),
  },
  // pool.c, fd.c, listener.c, task.c, peers.c, mux_h2.c, vars.c
  rangeKw('tune.fail-alloc', 'lands with debugging', (v) => v >= 0 && v <= 100, "'%s' expects a numeric value between 0 and 100."),
  onOffKw('tune.fd.edge-triggered', TUNING, true),
  rangeKw('tune.h2.header-table-size', H2, (v) => v >= 4096 && v <= 65536, "'%s' expects a numeric value between 4096 and 65536."),
  rangeKw('tune.h2.initial-window-size', H2, (v) => v >= 0, "'%s' expects a positive numeric value."),
  rangeKw('tune.h2.max-concurrent-streams', H2, (v) => v >= 0, "'%s' expects a positive numeric value."),
  rangeKw('tune.h2.max-frame-size', H2, (v) => v >= 16384 && v <= 16777215, "'%s' expects a numeric value between 16384 and 16777215."),
  onOffKw('tune.idle-pool.shared', TUNING),
  onOffKw('tune.listener.multi-queue', TUNING),
  onOffKw('tune.sched.low-latency', TUNING),
  rangeKw('tune.peers.max-updates-at-once', 'lands with peers', (v) => v > 0, "'%s' expects an integer argument greater than 0."),
  rangeKw('tune.pool-high-fd-ratio', TUNING, (v) => v >= 0 && v <= 100, "'%s' expects an integer argument between 0 and 100.",
    "'%s' expects an integer argument between 0 and 100."),
  rangeKw('tune.pool-low-fd-ratio', TUNING, (v) => v >= 0 && v <= 100, "'%s' expects an integer argument between 0 and 100.",
    "'%s' expects an integer argument between 0 and 100."),
  ...['check', 'global', 'proc', 'reqres', 'sess', 'txn'].map(
    (scope): Keyword<GlobalState> => ({
      name: `tune.vars.${scope}-max-size`,
      enforced: 'lands with variables',
      parse(ctx, st, words) {
        // vars_max_size(): strtol() must consume the whole word (an empty one is 0)
        const name = words[0]!;
        const arg = words[1] ?? '';
        const r = cStrtol(arg);
        if (r.rest !== '' && !(arg !== '' && !r.digits && r.rest === '')) {
          if (r.digits || arg !== '') return ctx.alert('CFG_GLOBAL_BAD_VALUE', `${name}: '${arg}' is an invalid size`);
        }
        st.global.tune.set(name, r.value);
      },
    }),
  ),
);

/** The `stats` global keyword: socket, timeout, maxconn, bind-process (src/stats.c stats_parse_global()). */
function parseStats(ctx: LineContext, st: GlobalState, words: string[]): void {
  const sub = words[1] ?? '';
  if (sub === 'socket') return parseStatsSocket(ctx, st, words);
  if (sub === 'timeout') {
    const arg = words[2] ?? '';
    const r = parseHaTime(arg, 'ms');
    if (!r.ok) {
      if ('over' in r) {
        return ctx.alert('CFG_STATS_BAD_TIME', `timer overflow in argument '${arg}' to 'stats timeout' (maximum value is 2147483647 ms or ~24.8 days)`);
      }
      if ('under' in r) return ctx.alert('CFG_STATS_BAD_TIME', `timer underflow in argument '${arg}' to 'stats timeout' (minimum non-null value is 1 ms)`);
      return ctx.alert('CFG_STATS_BAD_TIME', cText(`'stats timeout' : unexpected character '${r.ch}'`));
    }
    if (r.value === 0) return ctx.alert('CFG_STATS_RANGE', `'stats timeout' expects a positive value`);
    st.global.statsTimeout = r.value;
    return ctx.notEnforced(`'stats timeout' (lands with the runtime API)`);
  }
  if (sub === 'maxconn') {
    const v = toInt32(cAtol(words[2] ?? ''));
    if (v <= 0) return ctx.alert('CFG_STATS_RANGE', `'stats maxconn' expects a positive value`);
    st.global.statsMaxconn = v;
    return ctx.notEnforced(`'stats maxconn' (lands with the runtime API)`);
  }
  if (sub === 'bind-process') {
    const arg = words[2] ?? '';
    const err = arg === '' ? undefined : processNumberError(arg, 64);
    if (err !== undefined) return ctx.alert('CFG_STATS_BAD_VALUE', `'stats bind-process' : ${err}`);
    keep(ctx, st, words);
    return;
  }
  ctx.alert('CFG_STATS_UNKNOWN', `'stats' only supports 'socket', 'maxconn', 'bind-process' and 'timeout' (got '${sub}')`);
}

function parseStatsSocket(ctx: LineContext, st: GlobalState, words: string[]): void {
  const text = words[2] ?? '';
  if (text === '') return ctx.alert('CFG_STATS_MISSING_ADDRESS', `'stats socket' in global section expects an address or a path to a UNIX socket`);
  const where = `parsing [${ctx.place.file}:${ctx.place.line}]`;
  const bind = createBind(ctx, text);
  // str2listener(): a comma-separated list, each address resolved now
  for (const item of text.split(',')) {
    if (item === '') continue;
    const r = parseAddress(item, { purpose: 'stats' });
    // the listener error is already prefixed by the keyword, and haproxy prefixes it once more
    if (!r.ok) return ctx.alert('CFG_STATS_BAD_ADDRESS', `${where} : 'stats socket' : ${r.message}`);
    bind.addresses.push(r.address);
  }
  bind.level = 'operator';
  for (let i = 3; (words[i] ?? '') !== '';) {
    const name = words[i]!;
    const opt = bindOptionsByName().get(name);
    if (opt === undefined) {
      const best = bestMatch(name, bindOptionsByName().keys());
      return ctx.alert(
        'CFG_STATS_UNKNOWN_OPTION',
        best !== undefined ? `'stats socket' : unknown keyword '${name}'. Did you mean '${best}' maybe ?` : `'stats socket' : unknown keyword '${name}'.`,
      );
    }
    const r = opt.parse({ ctx, bind, proxy: undefined, words, index: i, arg: words[i + 1] ?? '' });
    if (typeof r === 'string') {
      return ctx.alert(
        'CFG_STATS_BAD_OPTION',
        r === '' ? `'stats socket' : error encountered while processing '${name}'` : `'stats socket' : '${r}'`,
      );
    }
    if (r !== undefined && 'warning' in r) ctx.warning('CFG_STATS_OPTION_WARNING', `'stats socket' : ${r.warning}`);
    bind.options.push({ keyword: name, args: words.slice(i + 1, i + 1 + opt.skip), place: ctx.place });
    i += 1 + opt.skip;
  }
  const first = bind.addresses[0];
  if (first === undefined) return;
  st.global.statsSockets.push({
    place: ctx.place,
    address: first,
    bind,
    level: bind.level ?? 'operator',
    exposeFdListeners: bind.exposeFdListeners ?? false,
    severityOutput: bind.severityOutput ?? 'none',
    options: bind.options,
  });
  ctx.notEnforced(`'stats socket' (lands with the runtime API)`);
}

let bindOptionMap: Map<string, BindOption> | undefined;
function bindOptionsByName(): Map<string, BindOption> {
  bindOptionMap ??= new Map(bindOptions.map((o) => [o.name, o]));
  return bindOptionMap;
}

/** Dispatches one global line as cfg_parse_global() does, suggestions included. */
function dispatchGlobal(ctx: LineContext, st: GlobalState, words: string[]): void {
  const name = words[0] ?? '';
  const kw = globalKeywords.get(name);
  if (kw === undefined) {
    // cfg_find_best_match(): the registered keywords first, then common_kw_list
    const candidates = [...[...globalKeywords.names()].filter((n) => !NOT_SUGGESTED.has(n) && !COMMON_KW_LIST.includes(n)), ...COMMON_KW_LIST];
    const best = bestMatch(name, candidates);
    ctx.alert('CFG_UNKNOWN_KEYWORD', `unknown keyword '${name}' in 'global' section${best !== undefined ? `; did you mean '${best}' maybe ?` : ''}`);
    return;
  }
  const before = ctx.diag.alertCount;
  kw.parse(ctx, st, words);
  if (kw.enforced !== undefined && kw.enforced !== true && ctx.diag.alertCount === before) {
    ctx.notEnforced(typeof kw.enforced === 'string' ? `'${name}' (${kw.enforced})` : `'${name}'`);
  }
}

/** One state for every `global` header of a load: they all fill the same GlobalConfig. */
const states = new WeakMap<GlobalConfig, GlobalState>();

function stateFor(g: GlobalConfig): GlobalState {
  let st = states.get(g);
  if (st === undefined) {
    st = { global: g, kwm: 'std', experimental: false, set: new Map() };
    states.set(g, st);
  }
  return st;
}

/** The global state of a model (for keywords registered elsewhere and tests). */
export function globalState(g: GlobalConfig): GlobalState {
  return stateFor(g);
}

export const globalSection: SectionParser<GlobalState> = {
  keyword: 'global',
  displayName: 'global',
  open(ctx, words) {
    const st = stateFor(ctx.model.global);
    if (ctx.model.global.place === undefined) ctx.model.global.place = ctx.place;
    // cfg_parse_global(): "global" takes no argument; the section opens anyway
    tooManyArgs(ctx, words, 0);
    return st;
  },
  line(ctx, st, words) {
    const m = applyModifier(ctx, words);
    st.kwm = m.kwm;
    dispatchGlobal(ctx, st, m.words);
    st.kwm = 'std';
  },
};

registerSection(globalSection);

// --- checks once everything is parsed --------------------------------------

registerPostCheck('global-httpclient-resolvers', (model, diag) => {
  for (const d of model.global.directives) {
    if (d.keyword !== 'httpclient.resolvers.id') continue;
    const id = d.args[0] ?? '';
    if (!model.resolvers.some((r) => r.name === id)) {
      diag.push({ severity: 'alert', code: 'CFG_GLOBAL_HTTPCLIENT_RESOLVERS', message: `Proxy '<HTTPCLIENT>': Can't find resolvers section '${id}' for do-resolve action.` });
    }
  }
}, 60);

/** mux_h1.c cfg_h1_headers_case_adjust_postparser(): the file is read once parsing is over. */
registerPostCheck('global-h1-case-adjust-file', (model, diag) => {
  for (const d of model.global.directives) {
    if (d.keyword !== 'h1-case-adjust-file') continue;
    const file = d.args[0] ?? '';
    try {
      readFileSync(file);
    } catch {
      diag.push({ severity: 'alert', code: 'CFG_GLOBAL_H1_CASE_FILE', message: `h1-headers-case-adjust-file '${file}': failed to open file.` });
    }
  }
}, 5);

/** The directory entries of issuers-chain-path, as scandir(alphasort) lists them. */
export function listRegularFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    try {
      if (statSync(`${dir}/${name}`).isFile()) out.push(`${dir}/${name}`);
    } catch {
      /* vanished */
    }
  }
  return out;
}
