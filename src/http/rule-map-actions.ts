/**
 * The `set-map`, `del-map`, `add-acl` and `del-acl` actions of http-request
 * and http-response (configuration.txt §4.2 "http-request set-map" and
 * following; haproxy 2.6 http_act.c http_action_set_map()). They change the
 * pattern reference of a file (sample/pattern-refs.ts): every `map*`
 * converter and every ACL `-f` reading that file sees the change at its
 * next lookup, in this stream and the following ones.
 *
 *   add-acl(<file>) <key fmt>              adds the key unless present
 *   del-acl(<file>) <key fmt>              removes every entry with the key
 *   set-map(<file>) <key fmt> <value fmt>  updates the entries with the key, or adds one
 *   del-map(<file>) <key fmt>              removes every entry with the key
 *
 * Keys are compared as strings, exactly (pat_ref_find_elt()). An entry a
 * consumer cannot parse (a non-integer value for `map_str_int`, a bad
 * address for `map_ip`...) is not added, and a value one cannot parse
 * leaves the entry as it was, as pat_ref_add()/pat_ref_set() refuse them.
 * None of them stops the rule set.
 */
import type { RuleConfig } from '../config/model/proxy.js';
import type { CompileEnv } from '../sample/compile.js';
import type { SampleContext } from '../sample/context.js';
import { compileLogFormat } from '../sample/log-format-eval.js';
import type { LogFormat } from '../sample/log-format.js';
import { patternRefsOf, type PatternRef } from '../sample/pattern-refs.js';

type Fn = (s: SampleContext) => undefined;

/** A key or value format, with LOG_OPT_HTTP (a missing sample prints nothing), as parse_http_set_map() compiles it. */
function format(f: LogFormat | undefined, env: CompileEnv): ((s: SampleContext) => string) | undefined {
  if (f === undefined) return undefined;
  const c = compileLogFormat(f, env, { http: true });
  return c.ok ? c.fn : undefined;
}

/**
 * Compiles one of the four actions; undefined when it cannot run (a key or
 * value expression without a run-time implementation: the rule is skipped).
 */
export function compileMapAction(r: RuleConfig, env: CompileEnv): Fn | undefined {
  const d = r.data;
  if (d?.kind !== 'settings') return undefined;
  const file = String(d.values['file'] ?? '');
  const key = format(r.formats?.[0], env);
  if (key === undefined) return undefined;
  const refs = patternRefsOf(env);
  // A map action works on a two-column reference, an ACL one on a one-column
  // reference; it only matters when no converter or ACL has loaded the file yet.
  const twoColumns = r.action.endsWith('-map');
  let ref: PatternRef | null | undefined;
  // http_act.c: pat_ref_lookup() at run time; a file that cannot be read has no reference and the action does nothing.
  const refOf = (): PatternRef | null => {
    if (ref === undefined) {
      const o = refs.lookup(file) ?? refs.open(file, twoColumns, undefined);
      ref = typeof o === 'string' ? null : o;
    }
    return ref;
  };
  switch (r.action) {
    case 'add-acl':
      return (s) => {
        refOf()?.addUnique(key(s));
        return undefined;
      };
    case 'del-acl':
    case 'del-map':
      return (s) => {
        refOf()?.delete(key(s));
        return undefined;
      };
    case 'set-map': {
      const value = format(r.formats?.[1], env);
      if (value === undefined) return undefined;
      return (s) => {
        const k = key(s);
        refOf()?.setOrAdd(k, value(s));
        return undefined;
      };
    }
    default:
      return undefined;
  }
}
