/**
 * Process-wide global keywords from haproxy's smaller modules: master-worker
 * reloads (mworker.c), threads (thread.c), memory trimming (pool.c), PROXY v2
 * LOCAL (connection.c), task profiling (activity.c) and process variables
 * (vars.c).
 */
import type { Keyword } from '../keyword-table.js';
import { parseSampleExpression } from '../../sample/expression.js';
import { cAtoi, cStrtol } from './c-numbers.js';
import { nonFatalAlert } from './diagnostic-helpers.js';
import { processNumberError } from './process-number.js';
import { flagKw, globalKeywords, keep, tooMany, TUNING, type GlobalState } from './table.js';

globalKeywords.register(
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
      const v = cAtoi(arg);
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
        if (name === 'nbthread') st.global.nbthread = Number(r.value);
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
      // set-var: run at startup (src/proxy/runtime.ts runProcVars()); set-var-fmt not yet.
      ...(name === 'set-var-fmt' ? { enforced: 'global set-var-fmt is not run at startup yet' } : {}),
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
        if (name === 'set-var') {
          // vars.c vars_parse_global_set_var(): only fetches usable at configuration time.
          const r = parseSampleExpression(words, 2, { place: ctx.place, usage: 'global', usageLabel: `set-var(${v})` });
          if (!r.ok) return ctx.alert('CFG_GLOBAL_SET_VAR', r.message);
          (st.global.procVars ??= []).push({ name: v.slice(5), expr: r.expr, place: ctx.place });
        }
        keep(ctx, st, words);
      },
    }),
  ),
);
