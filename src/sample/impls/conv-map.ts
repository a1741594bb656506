/**
 * The map converters of configuration.txt §7.3.1 "map": `map_<match>[_<out>]
 * (<file>[,<default>])` (map.c sample_conv_map). The file is a pattern
 * reference shared with every converter and ACL naming it (pattern-refs.ts,
 * HAProxy's pat_ref), so `set-map`/`del-map` and the stats socket change what
 * all of them see. Each converter reads through a view holding the same
 * lookup structures as ACL patterns (acl/match.ts) with each value
 * pre-built as a sample: a lookup allocates nothing, and the structure is
 * rebuilt only after the reference changed.
 */
import { compileMatcher, type PatternMatcher } from '../../acl/match.js';
import { mapMatchOf } from '../converters/map-file.js';
import { parsePattern, type AclPattern, type MatchMethod } from '../converters/patterns.js';
import { findConverter } from '../converter-registry.js';
import { registerConverterImpls, argInt, argStr, hasArg, type CompileEnv, type ConverterImpl } from '../impl-registry.js';
import { patternRefsOf, type PatternRefEntry } from '../pattern-refs.js';
import { buf2ip, parseIpv6, readInt64, type Sample } from '../sample.js';
import { expReplace } from './conv-string.js';

type MapOut = 'str' | 'int' | 'ip';

/** A loaded map: the matcher and the value of each pattern. */
interface LoadedMap {
  readonly matcher: PatternMatcher;
  readonly values: readonly Sample[];
  /** map_regm: the regexes, to substitute their groups into the value. */
  readonly regexes: readonly (RegExp | undefined)[];
}

/** map.c map_parse_*(): the value of a map line as a sample of the output type. */
function parseValue(out: MapOut, text: string): Sample | undefined {
  if (out === 'str') return { type: 'str', value: text, flags: 0 };
  if (out === 'int') {
    if (!/^[+-]?\d*$/.test(text)) return undefined;
    return { type: 'sint', value: readInt64(text), flags: 0 };
  }
  const v4 = buf2ip(text);
  if (v4 !== undefined) return { type: 'ipv4', value: v4, flags: 0 };
  const v6 = parseIpv6(text);
  return v6 === undefined ? undefined : { type: 'ipv6', value: v6, flags: 0 };
}

const PARSE_FLAGS = { ignoreCase: false, noDns: true } as const;

/** The value text of an entry: file lines lose their trailing blanks (map.c), run-time values are kept as given. */
function valueText(e: PatternRefEntry): string | undefined {
  return e.value === undefined ? undefined : e.line > 0 ? e.value.replace(/[ \t]+$/, '') : e.value;
}

/** sample_conv_map(): an entry without a value (added by add-acl) gives the integer 1. */
const NO_VALUE: Sample = { type: 'sint', value: 1n, flags: 0 };

function buildMap(match: MatchMethod, out: MapOut, entries: readonly PatternRefEntry[]): LoadedMap {
  const patterns: AclPattern[] = [];
  const values: Sample[] = [];
  const regexes: (RegExp | undefined)[] = [];
  for (const e of entries) {
    // Entries were checked when added (PatternRef.attach / add): a failure here is not expected.
    const p = parsePattern(match, e.key, PARSE_FLAGS);
    const t = valueText(e);
    const v = t === undefined ? NO_VALUE : parseValue(out, t);
    if (!p.ok || v === undefined) continue;
    patterns.push(p.pattern);
    values.push(v);
    regexes.push(p.pattern.kind === 'reg' ? p.pattern.compiled : undefined);
  }
  return { matcher: compileMatcher(match, patterns), values, regexes };
}

/** Opens the map file as a pattern reference and registers this converter's checks; a message on error. */
function openMap(name: string, path: string, out: MapOut, env: CompileEnv): (() => LoadedMap) | string {
  const ref = patternRefsOf(env).open(path, true, 'map');
  if (typeof ref === 'string') return ref;
  const match = mapMatchOf(name);
  const bad = ref.attach(name, {
    acceptsKey: (k) => parsePattern(match, k, PARSE_FLAGS).ok,
    acceptsValue: (v) => parseValue(out, v) !== undefined,
  });
  if (bad !== undefined) {
    const p = parsePattern(match, bad.key, PARSE_FLAGS);
    const where = bad.line > 0 ? `at line ${bad.line} of file '${path}'` : `in file '${path}'`;
    return p.ok ? `invalid value ${where}` : `${p.message} ${where}`;
  }
  const view = ref.view(name, (entries) => buildMap(match, out, entries));
  return () => view.get();
}

function mapImpl(name: string): ConverterImpl {
  const parts = name.split('_');
  const out: MapOut = parts[2] === 'int' ? 'int' : parts[2] === 'ip' ? 'ip' : 'str';
  const regm = name === 'map_regm';
  return {
    compile: (args, env) => {
      const path = argStr(args, 0);
      const current = openMap(name, path, out, env);
      if (typeof current === 'string') return current;
      let def: Sample | undefined;
      if (hasArg(args, 1) || (out === 'int' && args.length > 1)) {
        def = out === 'int' ? { type: 'sint', value: BigInt(argInt(args, 1)), flags: 0 } : parseValue(out, argStr(args, 1));
        if (def === undefined) return `'${argStr(args, 1)}' is not a valid default value for '${name}'`;
      }
      if (regm) {
        return (s) => {
          if (s.type !== 'str') return def;
          const { values, regexes } = current();
          for (let i = 0; i < regexes.length; i++) {
            const re = regexes[i];
            if (re === undefined) continue;
            const r = re.exec(s.value);
            if (r === null) continue;
            const v = values[i]!;
            return v.type === 'str' ? { type: 'str', value: expReplace(v.value, r), flags: 0 } : v;
          }
          return def;
        };
      }
      return (s) => {
        const m = current();
        const i = m.matcher.find(s);
        return i >= 0 ? m.values[i] : def;
      };
    },
  };
}

const names = ['map', 'map_regm'];
for (const m of ['str', 'beg', 'sub', 'dir', 'dom', 'end', 'reg', 'int', 'ip']) {
  names.push(`map_${m}`, `map_${m}_int`, `map_${m}_ip`);
}

export const MAP_CONVERTER_IMPLS: Readonly<Record<string, ConverterImpl>> = Object.fromEntries(
  names.filter((n) => findConverter(n) !== undefined).map((n) => [n, mapImpl(n)]),
);

registerConverterImpls(MAP_CONVERTER_IMPLS);
