/**
 * The `no` and `default` prefixes of a configuration line, as readcfgfile()
 * (src/cfgparse.c) handles them for every section, proxies included (the
 * proxy parser then gives the modifier to `option` and `log`).
 */
import type { LineContext } from '../section-registry.js';

/** The keywords readcfgfile() lets `no`/`default` apply to (src/cfgparse.c). */
const MODIFIABLE = new Set(['option', 'log', 'busy-polling', 'set-dumpable', 'strict-limits', 'insecure-fork-wanted', 'numa-cpu-mapping']);

/** readcfgfile()'s keyword modifier (KWM_STD, KWM_NO, KWM_DEF): plain, `no` or `default`. */
export type KeywordModifier = 'std' | 'no' | 'default';

/**
 * readcfgfile()'s handling of a leading `no` or `default`: the words are
 * shifted (with its quirks: `no` blanks the last word, so a lone `no` leaves
 * the empty keyword '', and `default` leaves the last word duplicated, a
 * lone `default` staying `default`), and keywords outside the short list get
 * an alert but are still parsed.
 */
export function applyModifier(ctx: LineContext, words: readonly string[]): { words: string[]; kwm: KeywordModifier } {
  const first = words[0];
  if (first !== 'no' && first !== 'default') return { words: [...words], kwm: 'std' };
  let out: string[];
  if (first === 'no') out = words.length > 1 ? words.slice(1) : [''];
  else out = words.length > 1 ? [...words.slice(1), words[words.length - 1]!] : [first];
  if (!MODIFIABLE.has(out[0]!)) {
    ctx.alert(
      'CFG_BAD_MODIFIER',
      'negation/default currently supported only for options, log, busy-polling, set-dumpable, strict-limits, insecure-fork-wanted and numa-cpu-mapping.',
      'parsing-tight',
    );
  }
  return { words: out, kwm: first };
}
