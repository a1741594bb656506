/**
 * haproxy's parse_process_number() (src/cfgparse.c) as the global keywords
 * and the bind options use it: `all`, `odd`, `even`, `N` or `N-M` (an open
 * `N-` runs to the maximum), for cpu-map, thread-group, stats bind-process
 * and the `process`/`thread` bind options.
 */
import { str2uic } from './c-numbers.js';

/**
 * parse_process_number()'s verdict on `arg` for numbers 1..`max`: the error
 * text haproxy builds, or undefined when valid. Numbers are read with
 * str2uic() (wrapping at 2^32: "4294967297" is 1). The range error ends with
 * a line feed as haproxy's does ("It supports numbers from 1 to %d.\n"):
 * `stats bind-process` and cpu-map print it (a blank line follows the alert),
 * `stats socket` quotes it, and `bind` lines drop it (indent_msg()).
 * The maximum is 64 for threads (MAX_THREADS) and 1 for processes: haproxy
 * 2.6 has no nbproc any more, so `bind ... process 2` and
 * `stats bind-process 2` say "numbers from 1 to 1".
 */
export function processNumberError(arg: string, max: number): string | undefined {
  if (arg === 'all' || arg === 'odd' || arg === 'even') return undefined;
  let dash = -1;
  for (let i = 0; i < arg.length; i++) {
    const ch = arg[i]!;
    if (ch === '-' && dash < 0) dash = i;
    else if (ch < '0' || ch > '9') return `'${arg}' is not a valid number/range.`;
  }
  let low = str2uic(arg);
  let high = low;
  if (dash >= 0) high = dash + 1 >= arg.length ? max : str2uic(arg.slice(dash + 1));
  if (high < low) [low, high] = [high, low];
  if (low < 1 || low > max || high > max) return `'${arg}' is not a valid number/range. It supports numbers from 1 to ${max}.\n`;
  return undefined;
}

/** How many processes or threads a valid parse_process_number() argument names. */
export function countProcessNumber(arg: string, max: number): number {
  if (arg === 'all') return max;
  if (arg === 'odd' || arg === 'even') return max / 2;
  const dash = arg.indexOf('-');
  let low = str2uic(arg);
  let high = dash < 0 ? low : dash + 1 >= arg.length ? max : str2uic(arg.slice(dash + 1));
  if (high < low) [low, high] = [high, low];
  return high - low + 1;
}
