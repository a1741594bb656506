/**
 * haproxy's parse_process_number() (src/cfgparse.c) as the global keywords
 * use it: `all`, `odd`, `even`, `N` or `N-M` (an open `N-` runs to the
 * maximum), for cpu-map, thread-group and stats bind-process.
 */
import { cAtol } from './c-numbers.js';

/** haproxy's parse_process_number() as cpu-map uses it (max 64, `auto:` prefix). */
export function processNumberError(arg: string, max: number): string | undefined {
  if (arg === 'all' || arg === 'odd' || arg === 'even') return undefined;
  let dash = -1;
  for (let i = 0; i < arg.length; i++) {
    const ch = arg[i]!;
    if (ch === '-' && dash < 0) dash = i;
    else if (ch < '0' || ch > '9') return `'${arg}' is not a valid number/range.`;
  }
  let low = cAtol(arg) >>> 0;
  let high = low;
  if (dash >= 0) high = dash + 1 >= arg.length ? max : cAtol(arg.slice(dash + 1)) >>> 0;
  if (high < low) [low, high] = [high, low];
  if (low < 1 || low > max || high > max) return `'${arg}' is not a valid number/range. It supports numbers from 1 to ${max}.`;
  return undefined;
}

/** How many processes or threads a valid parse_process_number() argument names. */
export function countProcessNumber(arg: string, max: number): number {
  if (arg === 'all') return max;
  if (arg === 'odd' || arg === 'even') return max / 2;
  const dash = arg.indexOf('-');
  let low = cAtol(arg);
  let high = dash < 0 ? low : dash + 1 >= arg.length ? max : cAtol(arg.slice(dash + 1));
  if (high < low) [low, high] = [high, low];
  return high - low + 1;
}
