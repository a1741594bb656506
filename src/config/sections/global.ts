/**
 * The `global` section (configuration.txt §3): process management, tuning,
 * debugging. haproxy 2.6 parses it in two halves, and so do we, with the same
 * messages: the keywords of cfgparse-global.c cfg_parse_global() (their own
 * wording, mostly `parsing [f:l] : '<kw>' expects ...`), then the keywords
 * other modules register (cfg_register_keywords(), whose error text is
 * printed as `parsing [f:l] : <text>`).
 *
 * This file holds the section parser and the process keywords of
 * cfg_parse_global(). The table of keywords (src/config/global/table.ts) is
 * exported so a subsystem can register its own global keywords next to its
 * code; src/config/global/ holds the tune.*, TLS, Lua, HTTP, stats and other
 * module keywords, each registered once from src/config/sections/index.ts.
 *
 * Keyword modifiers (`no`/`default`) are handled here the way readcfgfile()
 * does for every section (see applyModifier()).
 */
import { hostname } from 'node:os';
import type { Keyword } from '../keyword-table.js';
import type { GlobalConfig } from '../model/global.js';
import { registerSection, type LineContext, type SectionParser } from '../section-registry.js';
import { bestMatch } from '../suggest.js';
import { tooManyArgs } from '../proxy/util.js';
import { parseLogLine, pendingLogTarget } from '../../log/log-target.js';
import { cAtoi, parseHaTime, str2uic, strl2irc } from '../global/c-numbers.js';
import { nonFatalAlert } from '../global/diagnostic-helpers.js';
import { cString } from '../tokenizer.js';
import { applyModifier } from '../global/keyword-modifier.js';
import { countProcessNumber, processNumberError } from '../global/process-number.js';
import { systemId } from '../global/system-ids.js';
import { already, COMPRESSION, expectsInt, flagKw, globalKeywords, intKw, keep, PROCESS, TUNING, type GlobalState } from '../global/table.js';

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

globalKeywords.register(
  // cfgparse-global.c: process management
  { name: 'expose-experimental-directives', enforced: true, parse: (_ctx, st) => {
    st.experimental = true;
    st.global.experimentalDirectives = true;
  } },
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
  flagKw('zero-warning', true, (st) => void (st.global.zeroWarning = true)),
  flagKw('h2-workaround-bogus-websocket-clients', 'lands with HTTP/2'),
  flagKw('insecure-setuid-wanted', PROCESS),
  flagKw('external-check', true),
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
        // strl2irc(): the whole word must be an int, else a warning and the id stays unset
        const v = strl2irc(arg);
        if (v === undefined) {
          const hint = name === 'uid' ? "the 'user' parameter to use a system user name" : "the 'group' parameter to use a system group name";
          return ctx.warning('CFG_GLOBAL_NOT_A_NUMBER', ` ${name}: string '${arg}' is not a number.\n   | You might want to use ${hint}.`);
        }
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
    parse(ctx, st, words) {
      const before = st.global.logs.length;
      if (!parseLogLine(ctx, st.kwm === 'no' ? ['no', ...words] : words, st.global.logs, { inGlobal: true })) return;
      // Traffic logs are sent (src/log/); only the targets without a transport are pending.
      for (const t of st.global.logs.slice(before)) {
        const why = pendingLogTarget(t);
        if (why !== undefined) ctx.notEnforced(`'log ${t.text}' (${why})`);
      }
    },
  },
  {
    // no check of extra arguments
    name: 'log-send-hostname',
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
    parse(ctx, st, words) {
      if (tooManyArgs(ctx, words, 1)) return;
      const arg = words[1] ?? '';
      if (arg === '') return ctx.alert('CFG_GLOBAL_EXPECTS_STRING', `'log-tag' expects a tag for use in syslog.`);
      st.global.logTag = arg;
    },
  },
  {
    name: 'spread-checks',
    enforced: true,
    parse(ctx, st, words) {
      if (tooManyArgs(ctx, words, 1)) return;
      if ((st.global.spreadChecks ?? 0) !== 0) {
        return nonFatalAlert(ctx, 'CFG_GLOBAL_ALREADY_SET', 'spread-checks already specified. Continuing.', 'parsing-tight');
      }
      const arg = words[1] ?? '';
      if (arg === '') return ctx.alert('CFG_GLOBAL_EXPECTS_INT', `'spread-checks' expects an integer argument (0..50).`, 'parsing-tight');
      // the value is stored before the range check, as haproxy does
      st.global.spreadChecks = cAtoi(arg);
      if (st.global.spreadChecks < 0 || st.global.spreadChecks > 50) {
        ctx.alert('CFG_GLOBAL_RANGE', `'spread-checks' needs a positive value in range 0..50.`, 'parsing-tight');
      }
    },
  },
  {
    name: 'max-spread-checks',
    enforced: true,
    parse(ctx, st, words) {
      if (tooManyArgs(ctx, words, 1)) return;
      const arg = words[1] ?? '';
      if (arg === '') return ctx.alert('CFG_GLOBAL_EXPECTS_INT', `'max-spread-checks' expects an integer argument (0..50).`, 'parsing-tight');
      const r = parseHaTime(arg, 'ms', ctx);
      if (r.ok) st.global.maxSpreadChecks = r.value;
      else if ('over' in r) {
        ctx.alert('CFG_GLOBAL_BAD_TIME', `timer overflow in argument <${arg}> to <max-spread-checks>, maximum value is 2147483647 ms (~24.8 days).`, 'parsing-tight');
      } else if ('under' in r) {
        ctx.alert('CFG_GLOBAL_BAD_TIME', `timer underflow in argument <${arg}> to <max-spread-checks>, minimum non-null value is 1 ms.`, 'parsing-tight');
      } else {
        ctx.alert('CFG_GLOBAL_BAD_TIME', cString(`unsupported character '${r.ch}' in 'max-spread-checks' (wants an integer delay).`), 'parsing-tight');
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
    let low = str2uic(w);
    const dash = w.indexOf('-');
    let high = dash < 0 ? low : dash + 1 < w.length ? str2uic(w.slice(dash + 1)) : 1023;
    if (high < low) [low, high] = [high, low];
    if (high >= 1024) return 'cpu-map : supports CPU numbers from 0 to 1023.';
    cpus += high - low + 1;
  }
  if (auto && countProcessNumber(proc, 64) !== cpus && threads !== cpus) {
    return 'cpu-map : PROC/THREAD range and CPU sets must have the same size to be automatically bound';
  }
  return undefined;
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
