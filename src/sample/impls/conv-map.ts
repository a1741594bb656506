/**
 * The map converters of configuration.txt §7.3.1 "map": `map_<match>[_<out>]
 * (<file>[,<default>])` (map.c sample_conv_map). The file is read once at
 * load time into the same lookup structures as ACL patterns (acl/match.ts),
 * with each pattern's value pre-built as a sample, so a lookup allocates
 * nothing. Files are shared between expressions through `env.patternCache`,
 * as HAProxy shares pattern references by file name.
 */
import { compileMatcher, type PatternMatcher } from '../../acl/match.js';
import { mapMatchOf } from '../converters/map-file.js';
import { parsePattern, readPatternFile, type AclPattern } from '../converters/patterns.js';
import { findConverter } from '../converter-registry.js';
import { registerConverterImpls, argInt, argStr, hasArg, type CompileEnv, type ConverterImpl } from '../impl-registry.js';
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

function loadMap(name: string, path: string, out: MapOut, env: CompileEnv): LoadedMap | string {
  const key = `${name}\0${path}`;
  const cached = env.patternCache?.get(key) as LoadedMap | undefined;
  if (cached !== undefined) return cached;
  const match = mapMatchOf(name);
  const file = readPatternFile(path, true);
  if (!file.ok) return file.message;
  const patterns: AclPattern[] = [];
  const values: Sample[] = [];
  const regexes: (RegExp | undefined)[] = [];
  for (const e of file.entries) {
    const p = parsePattern(match, e.key, { ignoreCase: false, noDns: true });
    if (!p.ok) return `${p.message} at line ${e.line} of file '${path}'`;
    // map.c: trailing spaces and tabs of the value are ignored
    const v = parseValue(out, (e.value ?? '').replace(/[ \t]+$/, ''));
    if (v === undefined) return `invalid value at line ${e.line} of file '${path}'`;
    patterns.push(p.pattern);
    values.push(v);
    regexes.push(p.pattern.kind === 'reg' ? p.pattern.compiled : undefined);
  }
  const loaded: LoadedMap = { matcher: compileMatcher(match, patterns), values, regexes };
  env.patternCache?.set(key, loaded);
  return loaded;
}

function mapImpl(name: string): ConverterImpl {
  const parts = name.split('_');
  const out: MapOut = parts[2] === 'int' ? 'int' : parts[2] === 'ip' ? 'ip' : 'str';
  const regm = name === 'map_regm';
  return {
    compile: (args, env) => {
      const path = argStr(args, 0);
      const m = loadMap(name, path, out, env);
      if (typeof m === 'string') return m;
      let def: Sample | undefined;
      if (hasArg(args, 1) || (out === 'int' && args.length > 1)) {
        def = out === 'int' ? { type: 'sint', value: BigInt(argInt(args, 1)), flags: 0 } : parseValue(out, argStr(args, 1));
        if (def === undefined) return `'${argStr(args, 1)}' is not a valid default value for '${name}'`;
      }
      const { matcher, values, regexes } = m;
      if (regm) {
        return (s) => {
          if (s.type !== 'str') return def;
          for (let i = 0; i < regexes.length; i++) {
            const re = regexes[i];
            if (re === undefined) continue;
            const r = re.exec(s.value);
            if (r === null) continue;
            const v = values[i]!;
            return { type: 'str', value: expReplace(v.type === 'str' ? v.value : '', r), flags: 0 };
          }
          return def;
        };
      }
      return (s) => {
        const i = matcher.find(s);
        return i >= 0 ? values[i] : def;
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
