/**
 * How the process stops (close-spread-time, grace, hard-stop-after) and where
 * relative paths start (default-path): the global keywords of haproxy.c and
 * proxy.c.
 */
import { statSync } from 'node:fs';
import type { Keyword } from '../keyword-table.js';
import { parseHaTime } from './c-numbers.js';
import { cString } from '../tokenizer.js';
import { globalKeywords, keep, type GlobalState } from './table.js';

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
      const r = parseHaTime(arg, 'ms', ctx);
      if (r.ok) return set(st, r.value);
      if ('over' in r) {
        return ctx.alert('CFG_GLOBAL_BAD_TIME', `timer overflow in argument '${arg}' to '${name}' (maximum value is 2147483647 ms or ~24.8 days)`);
      }
      if ('under' in r) return ctx.alert('CFG_GLOBAL_BAD_TIME', `timer underflow in argument '${arg}' to '${name}' (minimum non-null value is 1 ms)`);
      ctx.alert('CFG_GLOBAL_BAD_TIME', cString(`unexpected character '${r.ch}' in argument to <${name}>.`));
    },
  };
}

globalKeywords.register(
  // haproxy.c, proxy.c
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
);
