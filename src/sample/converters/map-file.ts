/**
 * Parse-time loading of map files for the map_* converters (configuration.txt
 * §7.3.1 "map"): the file is read when the configuration is parsed and each
 * key is checked with the converter's match method, like HAProxy's
 * sample_load_map().
 */
import type { ConverterCheckCtx } from '../converter-registry.js';
import type { ArgCheckResult, SampleArg } from '../types.js';
import { parsePattern, readPatternFile, type MatchMethod } from './patterns.js';

/** map_<match>[_<output>]: the match method encoded in a converter name. */
export function mapMatchOf(convName: string): MatchMethod {
  const m = /^map(?:_([a-z]+))?/.exec(convName);
  const k = m?.[1];
  switch (k) {
    case undefined: return 'str';
    case 'beg': case 'sub': case 'dir': case 'dom': case 'end': case 'reg': case 'regm': case 'int': case 'ip': case 'str':
      return k;
    default: return 'str';
  }
}

/** Output type of a map converter's values ("_int", "_ip" suffix, else strings). */
function mapOutputOf(convName: string): 'str' | 'int' | 'ip' {
  const parts = convName.split('_');
  if (parts.length === 3) return parts[2] === 'int' ? 'int' : parts[2] === 'ip' ? 'ip' : 'str';
  return 'str';
}

/**
 * val_args of every map_* converter. It cannot know the converter's name from
 * its arguments, so the declaration tables bind it per name (see map.ts).
 */
export function checkMapFileFor(convName: string): (args: readonly SampleArg[], ctx: ConverterCheckCtx) => ArgCheckResult {
  const match = mapMatchOf(convName);
  const out = mapOutputOf(convName);
  return (args) => {
    const a = args[0];
    const path = a !== undefined && a.type === 'str' ? a.value : '';
    const file = readPatternFile(path, true);
    if (!file.ok) return { error: file.message };
    for (const e of file.entries) {
      const r = parsePattern(match, e.key, { ignoreCase: false, noDns: true });
      if (!r.ok) return { error: `${r.message} at line ${e.line} of file '${path}'` };
      const v = e.value ?? '';
      if (out === 'int' && !/^[+-]?\d+$/.test(v)) return { error: `'${v}' is not a number at line ${e.line} of file '${path}'` };
      if (out === 'ip' && !parsePattern('ip', v, { ignoreCase: false, noDns: true }).ok) return { error: `'${v}' is not a valid IPv4 or IPv6 address at line ${e.line} of file '${path}'` };
    }
    return undefined;
  };
}
