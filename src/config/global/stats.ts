/**
 * The `stats` global keyword (src/stats.c stats_parse_global()): the stats
 * socket with its bind options, and its timeout, maxconn and bind-process.
 */
import { bestMatch } from '../suggest.js';
import type { LineContext } from '../section-registry.js';
import { parseAddress } from '../../net/address.js';
import { bindOptions, createBind, type BindOption } from '../../net/bind-keywords.js';
import { cAtoi, parseHaTime } from './c-numbers.js';
import { cString } from '../tokenizer.js';
import { processNumberError } from './process-number.js';
import { globalKeywords, keep, type GlobalState } from './table.js';

globalKeywords.register(
  // stats.c
  {
    name: 'stats',
    enforced: true,
    parse: (ctx, st, words) => parseStats(ctx, st, words),
  },
);

/** The `stats` global keyword: socket, timeout, maxconn, bind-process (src/stats.c stats_parse_global()). */
function parseStats(ctx: LineContext, st: GlobalState, words: string[]): void {
  const sub = words[1] ?? '';
  if (sub === 'socket') return parseStatsSocket(ctx, st, words);
  if (sub === 'timeout') {
    const arg = words[2] ?? '';
    const r = parseHaTime(arg, 'ms', ctx);
    if (!r.ok) {
      if ('over' in r) {
        return ctx.alert('CFG_STATS_BAD_TIME', `timer overflow in argument '${arg}' to 'stats timeout' (maximum value is 2147483647 ms or ~24.8 days)`);
      }
      if ('under' in r) return ctx.alert('CFG_STATS_BAD_TIME', `timer underflow in argument '${arg}' to 'stats timeout' (minimum non-null value is 1 ms)`);
      return ctx.alert('CFG_STATS_BAD_TIME', cString(`'stats timeout' : unexpected character '${r.ch}'`));
    }
    if (r.value === 0) return ctx.alert('CFG_STATS_RANGE', `'stats timeout' expects a positive value`);
    st.global.statsTimeout = r.value;
    return ctx.notEnforced(`'stats timeout' (lands with the runtime API)`);
  }
  if (sub === 'maxconn') {
    const v = cAtoi(words[2] ?? '');
    if (v <= 0) return ctx.alert('CFG_STATS_RANGE', `'stats maxconn' expects a positive value`);
    st.global.statsMaxconn = v;
    return ctx.notEnforced(`'stats maxconn' (lands with the runtime API)`);
  }
  if (sub === 'bind-process') {
    // stats.c: every word up to the first empty one, "all" ends the list; the
    // maximum is 1 process since 2.6 has no nbproc ("numbers from 1 to 1").
    for (let i = 2; (words[i] ?? '') !== ''; i++) {
      const arg = words[i]!;
      if (arg === 'all') break;
      const err = processNumberError(arg, 1);
      if (err !== undefined) return ctx.alert('CFG_STATS_BAD_VALUE', `'stats bind-process' : ${err}`);
    }
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
