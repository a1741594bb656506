/**
 * A table of keywords for one section kind. Each subsystem registers the
 * keywords it implements next to its code (haproxy's cfg_register_keywords()),
 * and the section parser dispatches through the table.
 */
import type { LineContext } from './section-registry.js';
import { suggestionSuffix } from './suggest.js';

export interface Keyword<S> {
  readonly name: string;
  /**
   * Parses and checks one line. `words[0]` is the keyword itself (as in
   * haproxy, so messages can quote it). Report problems through `ctx`.
   */
  parse(ctx: LineContext, state: S, words: string[]): void;
  /**
   * False while the runtime does not act on this keyword yet: the dispatcher
   * then warns "parsed but not enforced yet" after a successful parse. A string
   * says what it waits for ("lands with stick tables").
   */
  readonly enforced?: boolean | string;
}

export class KeywordTable<S> {
  private readonly byName = new Map<string, Keyword<S>>();

  constructor(readonly sectionName: string) {}

  register(...keywords: Keyword<S>[]): this {
    for (const k of keywords) this.byName.set(k.name, k);
    return this;
  }

  get(name: string): Keyword<S> | undefined {
    return this.byName.get(name);
  }

  names(): IterableIterator<string> {
    return this.byName.keys();
  }

  /**
   * Dispatches one line. Unknown keywords give haproxy's message and its
   * suggestion; keywords not enforced yet get a warning once parsed cleanly.
   */
  dispatch(ctx: LineContext, state: S, words: string[]): void {
    const name = words[0] ?? '';
    const kw = this.byName.get(name);
    if (kw === undefined) {
      ctx.alert(
        'CFG_UNKNOWN_KEYWORD',
        `unknown keyword '${name}' in '${this.sectionName}' section${suggestionSuffix(name, this.byName.keys())}`,
      );
      return;
    }
    const before = ctx.diag.alertCount;
    kw.parse(ctx, state, words);
    if (kw.enforced !== undefined && kw.enforced !== true && ctx.diag.alertCount === before) {
      ctx.notEnforced(typeof kw.enforced === 'string' ? `'${name}' (${kw.enforced})` : `'${name}'`);
    }
  }
}
