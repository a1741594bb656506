/**
 * The table of `global` keywords, the state they share, and the builders for
 * the argument patterns that recur across haproxy's parsers. The section
 * parser (src/config/sections/global.ts) dispatches through the table; the
 * keywords haproxy registers from its other modules (cfg_register_keywords())
 * are registered by the files of this folder, one per module family.
 */
import { KeywordTable, type Keyword } from '../keyword-table.js';
import type { GlobalConfig } from '../model/global.js';
import { tooManyArgs } from '../proxy/util.js';
import type { LineContext } from '../section-registry.js';
import { cAtoi } from './c-numbers.js';
import { nonFatalAlert } from './diagnostic-helpers.js';
import type { KeywordModifier } from './keyword-modifier.js';

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

/**
 * Every `global` keyword. Registration order matters: an unknown keyword is
 * matched against the registered names in that order before common_kw_list
 * (cfg_find_best_match()), so src/config/sections/index.ts imports the module
 * files in the order haproxy's suggestions should try them.
 */
export const globalKeywords = new KeywordTable<GlobalState>('global');

/** Keeps the line in the model's directives (for later subsystems). */
export function keep(ctx: LineContext, st: GlobalState, words: readonly string[]): void {
  st.global.directives.push({ keyword: words[0]!, args: words.slice(1), place: ctx.place });
}

/** "'<kw>' expects an integer argument." */
export const expectsInt = (ctx: LineContext, kw: string): void => ctx.alert('CFG_GLOBAL_EXPECTS_INT', `'${kw}' expects an integer argument.`);
/** "'<kw>' already specified. Continuing." (a non-fatal alert). */
export const already = (ctx: LineContext, kw: string): void => nonFatalAlert(ctx, 'CFG_GLOBAL_ALREADY_SET', `'${kw}' already specified. Continuing.`);

type Setter = (g: GlobalConfig, v: number) => void;

/** Flags without arguments (`daemon`, `noepoll`...): only extra words are refused. */
export function flagKw(name: string, enforced: boolean | string, apply?: (st: GlobalState) => void): Keyword<GlobalState> {
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
export function intKw(name: string, enforced: boolean | string, opts: { once?: boolean; set?: Setter; tune?: boolean } = {}): Keyword<GlobalState> {
  return {
    name,
    enforced,
    parse(ctx, st, words) {
      if (tooManyArgs(ctx, words, 1)) return;
      if (opts.once === true && (st.set.get(name) ?? 0) !== 0) return already(ctx, name);
      const arg = words[1] ?? '';
      if (arg === '') return expectsInt(ctx, name);
      const v = cAtoi(arg);
      st.set.set(name, v);
      if (opts.set !== undefined) opts.set(st.global, v);
      else if (opts.tune === true) st.global.tune.set(name, v);
      else keep(ctx, st, words);
    },
  };
}

/** What the not-enforced warnings say a keyword waits for. */
export const TUNING = 'lands with performance tuning';
export const PROCESS = 'lands with process management';
export const COMPRESSION = 'lands with compression';

/** too_many_args(): the registered keywords' own check, same words as alertif_too_many_args(). */
export const tooMany = tooManyArgs;

/** `on`/`off` switches (tune.sched.low-latency, tune.idle-pool.shared...). */
export function onOffKw(name: string, enforced: string, experimental = false): Keyword<GlobalState> {
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

/** A single argument kept as a directive, with the module's message when it is missing. */
export function stringKw(name: string, enforced: boolean | string, missingMessage: string, maxArgs = 1): Keyword<GlobalState> {
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
