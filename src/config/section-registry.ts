/**
 * Section parsers register here, like haproxy's cfg_register_section(): the
 * reader only knows that a line either opens a section or belongs to the
 * current one. Adding a section is one new file plus one import in sections/index.ts.
 */
import type { Diagnostics, Place, PlaceStyle } from './diagnostics.js';
import type { ConfigModel } from './model/index.js';
import type { EnvLookup } from './environment.js';

/** What a keyword parser gets for one line. */
export interface LineContext {
  readonly place: Place;
  readonly diag: Diagnostics;
  readonly model: ConfigModel;
  readonly env: EnvLookup;
  alert(code: string, message: string, style?: PlaceStyle): void;
  /** An [ALERT] haproxy prints without failing the configuration. */
  nonFatalAlert(code: string, message: string, style?: PlaceStyle): void;
  warning(code: string, message: string, style?: PlaceStyle): void;
  /**
   * Reports that a keyword was understood and checked but its effect is not
   * built yet. Nothing is ever silently ignored: `-c` and startup show this.
   */
  notEnforced(what: string): void;
  /**
   * Stops parsing after this line, as haproxy's ERR_ABORT: no further line or
   * file is read (haproxy does this e.g. after an invalid http-request rule).
   */
  abort(): void;
}

export interface SectionParser<S = unknown> {
  /** The word that opens the section: 'global', 'frontend', 'userlist'... */
  readonly keyword: string;
  /** How haproxy names the section in "unknown keyword 'x' in '<name>' section" ('users' for userlist). */
  readonly displayName: string;
  /** Starts a section from its header words; undefined when the header is invalid (already reported). */
  open(ctx: LineContext, words: string[]): S | undefined;
  /** Handles one keyword line inside the section. */
  line(ctx: LineContext, state: S, words: string[]): void;
  /** Called when the next section starts or the last file ends. */
  close?(ctx: LineContext, state: S): void;
}

/**
 * A check run once every file is parsed (references between sections, missing
 * timeouts...). Returning 'stop' ends the post-parse stage there, as haproxy
 * does after some failures (a bad userlist skips every later check).
 */
export type PostCheck = (model: ConfigModel, diag: Diagnostics) => void | 'stop';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each parser owns its own state type
const sections = new Map<string, SectionParser<any>>();
const postChecks: { name: string; order: number; check: PostCheck }[] = [];

export function registerSection<S>(parser: SectionParser<S>): void {
  sections.set(parser.keyword, parser);
}

export function findSection(keyword: string): SectionParser<unknown> | undefined {
  return sections.get(keyword);
}

export function sectionKeywords(): string[] {
  return [...sections.keys()];
}

/** Registers a post-parse check; lower `order` runs first (references before warnings). */
export function registerPostCheck(name: string, check: PostCheck, order = 100): void {
  postChecks.push({ name, order, check });
  postChecks.sort((a, b) => a.order - b.order);
}

export function runPostChecks(model: ConfigModel, diag: Diagnostics): void {
  for (const { check } of postChecks) if (check(model, diag) === 'stop') return;
}
