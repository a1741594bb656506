/**
 * The `tune.*` global keywords: those of cfg_parse_global() (cfgparse-global.c)
 * and those pool.c, fd.c, listener.c, task.c, peers.c, mux_h2.c and vars.c
 * register. The tune.ssl.* and tune.lua.* keywords live with their modules
 * (ssl.ts, lua.ts), where haproxy registers them.
 */
import type { Keyword } from '../keyword-table.js';
import { cAtoi, cAtol, cStrtol, parseHaTime } from './c-numbers.js';
import { cString } from '../tokenizer.js';
import { already, COMPRESSION, expectsInt, globalKeywords, intKw, onOffKw, tooMany, TUNING, type GlobalState } from './table.js';
import { tooManyArgs } from '../proxy/util.js';

const H2 = 'lands with HTTP/2';

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

globalKeywords.register(
  // cfgparse-global.c: tuning, with haproxy's "already specified" on the first four
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
      // global.tune.maxaccept is an int: the long is narrowed once checked
      st.set.set('tune.maxaccept', cAtoi(arg));
      st.global.tune.set('tune.maxaccept', cAtoi(arg));
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
    // src/http/h1-parser.ts bounds heads with bufsize - maxrewrite (400 / 502), l7-retry.ts the replay copy.
    enforced: true,
    parse(ctx, st, words) {
      if (tooManyArgs(ctx, words, 1)) return;
      const arg = words[1] ?? '';
      if (arg === '') return expectsInt(ctx, 'tune.bufsize');
      // rounded up to a two-pointer alignment, in an int
      const v = (cAtoi(arg) + 15) & -16;
      if (v <= 0) return ctx.alert('CFG_GLOBAL_RANGE', `'tune.bufsize' expects a positive integer argument.`);
      st.global.tune.set('tune.bufsize', v);
    },
  },
  {
    name: 'tune.maxrewrite',
    // src/http/h1-parser.ts bounds heads with bufsize - maxrewrite (400 / 502), l7-retry.ts the replay copy.
    enforced: true,
    parse(ctx, st, words) {
      if (tooManyArgs(ctx, words, 1)) return;
      const arg = words[1] ?? '';
      if (arg === '') return expectsInt(ctx, 'tune.maxrewrite');
      const v = cAtoi(arg);
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
      const r = parseHaTime(arg, 'ms', ctx);
      if (!r.ok && 'over' in r) {
        return ctx.alert('CFG_GLOBAL_BAD_TIME', `timer overflow in argument <${arg}> to <tune.idletimer>, maximum value is 65535 ms.`, 'parsing-tight');
      }
      if (!r.ok) {
        const ch = 'ch' in r ? r.ch : '\0';
        return ctx.alert('CFG_GLOBAL_BAD_TIME', cString(`unexpected character '${ch}' in argument to <tune.idletimer>.`), 'parsing-tight');
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
  // src/log/http-log.ts: the request line kept for the logs.
  intKw('tune.http.logurilen', true, { tune: true }),
  {
    name: 'tune.http.maxhdr',
    // src/http/h1-parser.ts: at most maxhdr - 1 fields per head (400 for requests, 502 for responses).
    enforced: true,
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
      // src/sample/var-limits.ts; health-check variables live apart (src/server/checks).
      ...(scope === 'check' ? { enforced: 'check variables are not counted yet' } : {}),
      parse(ctx, st, words) {
        // vars_max_size(): strtol() must consume the whole word (an empty one is 0)
        const name = words[0]!;
        const arg = words[1] ?? '';
        const r = cStrtol(arg);
        if (r.rest !== '' && !(arg !== '' && !r.digits && r.rest === '')) {
          if (r.digits || arg !== '') return ctx.alert('CFG_GLOBAL_BAD_VALUE', `${name}: '${arg}' is an invalid size`);
        }
        st.global.tune.set(name, Number(r.value));
      },
    }),
  ),
);
