/**
 * Pattern references: the in-memory content of the pattern and map files,
 * one per file name, shared by every `map*` converter and every ACL `-f`
 * that loads the same file (HAProxy 2.6 pattern.c `struct pat_ref`).
 *
 * The `set-map`, `del-map`, `add-acl` and `del-acl` actions (http_act.c
 * http_action_set_map()) and, later, the stats socket commands (`add map`,
 * `set map`, `del map`, `clear map`, `prepare map`, `commit map`, and their
 * `acl` twins: management.txt §9.3) change a reference; every consumer sees
 * the change on its next lookup.
 *
 * Consumers do not walk the entries per lookup: each builds its lookup
 * structure (acl/match.ts) once, through a {@link PatternView}, and rebuilds
 * it only when the reference's `version` moved since (one integer compare
 * per lookup, one rebuild per batch of changes).
 *
 * A registry belongs to one loaded configuration (the runtime puts one in
 * the compile environment), so two proxies started in the same process do
 * not share their maps.
 */
import { readPatternFile } from './converters/patterns.js';
import type { CompileEnv } from './impl-registry.js';

/** One entry of a reference (pattern.c struct pat_ref_elt). */
export interface PatternRefEntry {
  /** The key exactly as written (the pattern's text); entries are found by exact comparison. */
  readonly key: string;
  /** The value of a map entry; undefined for ACL entries (add-acl) and one-column files. */
  value: string | undefined;
  /** Line in the file; 0 for entries added at run time. */
  readonly line: number;
  /** Generation (pattern.c elt->gen_id): only the current one is visible. */
  readonly gen: number;
}

/**
 * A consumer's own check of an entry: pattern.c pat_ref_push() parses the key
 * with the expression's match method and the value with its output type;
 * one consumer refusing an entry refuses it for all (pat_ref_add()).
 */
export interface PatternRefUser {
  /** Whether this consumer can parse the key. */
  acceptsKey(key: string): boolean;
  /** Whether this consumer can parse the value (maps; an absent value is always accepted). */
  acceptsValue(value: string): boolean;
}

/** What kind of configuration element loaded a reference (PAT_REF_MAP / PAT_REF_ACL). */
export type PatternRefUse = 'map' | 'acl';

/** pattern.c pattern_read_from_file(): the two column kinds of a file cannot be mixed. */
export function columnMismatchMessage(path: string, twoColumns: boolean): string {
  return twoColumns
    ? `The file "${path}" is already used as one column file and cannot be used by as two column file.`
    : `The file "${path}" is already used as two column file and cannot be used by as one column file.`;
}

/** A lookup structure derived from a reference, rebuilt when the reference changes. */
export class PatternView<T> {
  private builtAt = -1;
  private value: T | undefined;

  constructor(
    private readonly ref: PatternRef,
    private readonly build: (entries: readonly PatternRefEntry[]) => T,
  ) {}

  /** The structure for the reference as it stands now (rebuilt at most once per change). */
  get(): T {
    if (this.builtAt !== this.ref.version) {
      this.value = this.build(this.ref.entries());
      this.builtAt = this.ref.version;
    }
    return this.value as T;
  }
}

/** The content of one pattern or map file (pattern.c struct pat_ref). */
export class PatternRef {
  /** The file name as written in the configuration: the reference's name. */
  readonly path: string;
  /** PAT_REF_SMP: loaded as a map file (key and value per line). */
  twoColumns: boolean;
  /** PAT_REF_MAP / PAT_REF_ACL: what loaded it; empty while only actions touched it. */
  readonly uses = new Set<PatternRefUse>();
  /** Bumped on every visible change; views rebuild when it moves. */
  version = 0;
  /** pattern.c ref->curr_gen / ref->next_gen (`prepare map` / `commit map`). */
  currGen = 0;
  nextGen = 0;
  private list: PatternRefEntry[] = [];
  private visible: PatternRefEntry[] | undefined;
  private readonly users = new Map<string, PatternRefUser>();
  private readonly views = new Map<string, PatternView<unknown>>();

  constructor(path: string, twoColumns: boolean) {
    this.path = path;
    this.twoColumns = twoColumns;
  }

  /** Replaces the content with the file's (first load). Returns an error message when the file cannot be read. */
  load(): string | undefined {
    const f = readPatternFile(this.path, this.twoColumns);
    if (!f.ok) return f.message;
    this.list = f.entries.map((e) => ({ key: e.key, value: this.twoColumns ? (e.value ?? '') : undefined, line: e.line, gen: this.currGen }));
    this.changed();
    return undefined;
  }

  /** The entries of the current generation, in file then insertion order. */
  entries(): readonly PatternRefEntry[] {
    this.visible ??= this.list.filter((e) => e.gen === this.currGen);
    return this.visible;
  }

  /**
   * Registers a consumer's checks under `id` (one per match method and
   * flags). Returns the first entry it refuses, if any (the caller reports it
   * as a configuration error, as HAProxy does when loading the file).
   */
  attach(id: string, user: PatternRefUser): PatternRefEntry | undefined {
    for (const e of this.entries()) {
      if (!user.acceptsKey(e.key) || (e.value !== undefined && !user.acceptsValue(e.value))) return e;
    }
    this.users.set(id, user);
    return undefined;
  }

  /** The view `id` (shared by consumers with the same id), built by `build` from the entries. */
  view<T>(id: string, build: (entries: readonly PatternRefEntry[]) => T): PatternView<T> {
    let v = this.views.get(id) as PatternView<T> | undefined;
    if (v === undefined) {
      v = new PatternView(this, build);
      this.views.set(id, v as PatternView<unknown>);
    }
    return v;
  }

  /** pattern.c pat_ref_find_elt(): the first current entry whose key is exactly `key`. */
  find(key: string): PatternRefEntry | undefined {
    return this.entries().find((e) => e.key === key);
  }

  private accepts(key: string, value: string | undefined): boolean {
    for (const u of this.users.values()) {
      if (!u.acceptsKey(key)) return false;
      if (value !== undefined && !u.acceptsValue(value)) return false;
    }
    return true;
  }

  /**
   * pattern.c pat_ref_add(): appends an entry to the current generation.
   * Refused (false) when a consumer cannot parse the key or the value.
   */
  add(key: string, value: string | undefined): boolean {
    return this.load1(this.currGen, key, value);
  }

  /**
   * pattern.c pat_ref_load(): appends an entry to generation `gen` (the
   * `add map @<ver>` command); it becomes visible when `gen` is committed.
   */
  load1(gen: number, key: string, value: string | undefined): boolean {
    if (!this.accepts(key, value)) return false;
    this.list.push({ key, value, line: 0, gen });
    if (gen === this.currGen) this.changed();
    return true;
  }

  /**
   * pattern.c pat_ref_set(): gives every current entry whose key is `key`
   * the value `value`. False when there is none, or when a consumer cannot
   * parse the value (then nothing changes).
   */
  set(key: string, value: string): boolean {
    // pat_ref_set_elt(): "try all needed converters" on the value first
    for (const u of this.users.values()) if (!u.acceptsValue(value)) return false;
    let found = false;
    for (const e of this.list) {
      if (e.gen === this.currGen && e.key === key) {
        e.value = value;
        found = true;
      }
    }
    if (found) this.changed();
    return found;
  }

  /** pattern.c pat_ref_delete(): removes every current entry whose key is `key`; false when there was none. */
  delete(key: string): boolean {
    const before = this.list.length;
    this.list = this.list.filter((e) => !(e.gen === this.currGen && e.key === key));
    if (this.list.length === before) return false;
    this.changed();
    return true;
  }

  /** http_act.c "add-acl": adds `key` unless an entry already has it. */
  addUnique(key: string): void {
    if (this.find(key) === undefined) this.add(key, undefined);
  }

  /** http_act.c "set-map": updates the entries with `key`, or adds one. */
  setOrAdd(key: string, value: string): void {
    if (this.find(key) !== undefined) this.set(key, value);
    else this.add(key, value);
  }

  /** pattern.c pat_ref_prune() (`clear map` without version): removes every entry, all generations. */
  clear(): void {
    this.list = [];
    this.changed();
  }

  /** `prepare map`: a new generation, emptied, to be filled with {@link load1} then committed. */
  prepare(): number {
    const gen = ++this.nextGen;
    this.purge(gen);
    return gen;
  }

  /** pattern.c pat_ref_commit(): `gen` becomes current, entries of older generations are dropped. */
  commit(gen: number): boolean {
    // an older generation than the current one cannot be committed
    if (gen - this.currGen < 0) return false;
    this.currGen = gen;
    this.list = this.list.filter((e) => e.gen === gen || e.gen - gen > 0);
    this.changed();
    return true;
  }

  /** `clear map @<ver>`: removes the entries of generation `gen`. */
  purge(gen: number): void {
    const before = this.list.length;
    this.list = this.list.filter((e) => e.gen !== gen);
    if (this.list.length !== before && gen === this.currGen) this.changed();
  }

  private changed(): void {
    this.visible = undefined;
    this.version++;
  }
}

/** The pattern references of one loaded configuration, by file name (pattern.c pattern_reference). */
export class PatternRefRegistry {
  private readonly refs = new Map<string, PatternRef>();

  /** pattern.c pat_ref_lookup(): the reference named `path`, if something loaded it. */
  lookup(path: string): PatternRef | undefined {
    return this.refs.get(path);
  }

  /** All references, in creation order (`show map` / `show acl` list those with a use). */
  all(): readonly PatternRef[] {
    return [...this.refs.values()];
  }

  /**
   * pattern.c pattern_read_from_file(): the reference of `path`, read from
   * the file on first use. `use` records who loaded it; a file used as a map
   * and as a one-column ACL is refused with HAProxy's message. A reference
   * that only actions touched so far is re-read in the requested form (its
   * content came from the same file; changes made meanwhile are lost).
   */
  open(path: string, twoColumns: boolean, use: PatternRefUse | undefined): PatternRef | string {
    let ref = this.refs.get(path);
    if (ref !== undefined) {
      if (ref.twoColumns !== twoColumns) {
        if (ref.uses.size > 0 || use === undefined) {
          if (use !== undefined) return columnMismatchMessage(path, twoColumns);
        } else {
          ref.twoColumns = twoColumns;
          const err = ref.load();
          if (err !== undefined) return err;
        }
      }
    } else {
      ref = new PatternRef(path, twoColumns);
      const err = ref.load();
      if (err !== undefined) return err;
      this.refs.set(path, ref);
    }
    if (use !== undefined) ref.uses.add(use);
    return ref;
  }
}

const fallback = new WeakMap<object, PatternRefRegistry>();
const CACHE_KEY = 'pattern-refs';

/**
 * The registry of a compile environment: the runtime's, else one shared by
 * everything compiled with the same `patternCache` (or the same environment
 * object), so files are read once per configuration.
 */
export function patternRefsOf(env: CompileEnv): PatternRefRegistry {
  if (env.patternRefs !== undefined) return env.patternRefs;
  const cache = env.patternCache;
  if (cache !== undefined) {
    const hit = cache.get(CACHE_KEY);
    if (hit instanceof PatternRefRegistry) return hit;
    const r = new PatternRefRegistry();
    cache.set(CACHE_KEY, r);
    return r;
  }
  let r = fallback.get(env);
  if (r === undefined) {
    r = new PatternRefRegistry();
    fallback.set(env, r);
  }
  return r;
}
