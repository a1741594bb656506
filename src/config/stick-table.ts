/**
 * haproxy 2.6 parse_stick_table() (src/stick_table.c): the options of a
 * proxy's `stick-table` line and of a peers section's `table <name>` line
 * (configuration.txt §4.2 "stick-table", §3.5 "table"), one parser for both
 * as in haproxy. Messages are prefixed with the keyword (`args[0]`).
 *
 * Verified with haproxy 2.6.12:
 *  - `type string len <n>` reads n with atol(); 0 (or a word) is refused by
 *    naming the length ("unknown type 'x'"), as the parser's index is there;
 *  - `store` takes a comma-separated list; within parentheses the last comma
 *    starts the second argument (`gpc_rate(3,10s)`), text after ')' is ignored;
 *  - array types take their size with atoi() (1..100), `gpc_rate` then a delay;
 *  - a delay with a character after its unit only warns (parse_time_err());
 *  - `server_name` is the old name of `server_key`;
 *  - gpt/gpt0, gpc/gpc[01] and gpc_rate/gpc[01]_rate exclude each other.
 */
import { cAtoi, cAtol } from './global/c-numbers.js';
import type { StickTableConfig } from './model/proxy.js';
import type { LineContext } from './section-registry.js';
import { parseSize, parseTimeIn, reportTimeWarning } from './units.js';

/** stktable_data_types[] of haproxy 2.6: whether the type is an array, and its argument (a delay or none). */
const DATA_TYPES: ReadonlyMap<string, { readonly array: boolean; readonly delay: boolean }> = new Map(
  (
    [
      ['server_id', false, false], ['gpt0', false, false], ['gpc0', false, false], ['gpc0_rate', false, true],
      ['conn_cnt', false, false], ['conn_rate', false, true], ['conn_cur', false, false], ['sess_cnt', false, false],
      ['sess_rate', false, true], ['http_req_cnt', false, false], ['http_req_rate', false, true], ['http_err_cnt', false, false],
      ['http_err_rate', false, true], ['bytes_in_cnt', false, false], ['bytes_in_rate', false, true], ['bytes_out_cnt', false, false],
      ['bytes_out_rate', false, true], ['gpc1', false, false], ['gpc1_rate', false, true], ['server_key', false, false],
      ['http_fail_cnt', false, false], ['http_fail_rate', false, true], ['gpt', true, false], ['gpc', true, false],
      ['gpc_rate', true, true],
    ] as const
  ).map(([name, array, delay]) => [name, { array, delay }]),
);

/** STKTABLE_MAX_DT_ARRAY_SIZE. */
const MAX_ARRAY_SIZE = 100;

/** stktable_get_data_type(): the canonical name, "server_name" kept for backwards compatibility. */
function dataTypeName(name: string): string | undefined {
  if (DATA_TYPES.has(name)) return name;
  return name === 'server_name' ? 'server_key' : undefined;
}

/** One `store` item as the C loop cuts it: the name, then the text inside the parentheses split at its last comma. */
interface StoreItem {
  readonly name: string;
  /** Inside the parentheses, as written (kept in the model). */
  readonly raw?: string;
  readonly sa?: string;
  readonly sa2?: string;
  readonly unclosed?: boolean;
}

function splitStore(text: string): StoreItem[] {
  const out: StoreItem[] = [];
  let i = 0;
  while (i < text.length) {
    // the name ends at the first '('; other text after a ')' is skipped, and a
    // further "(...)" replaces the arguments, as the C loop does
    let name = '';
    let named = false;
    let item: StoreItem | undefined;
    while (i < text.length && text[i] !== ',') {
      if (text[i] === '(') {
        named = true;
        const close = text.indexOf(')', i + 1);
        if (close < 0) return [...out, { name, unclosed: true }];
        const raw = text.slice(i + 1, close);
        const comma = raw.lastIndexOf(',');
        item = comma < 0 ? { name, raw, sa: raw } : { name, raw, sa: raw.slice(0, raw.indexOf(',')), sa2: raw.slice(comma + 1) };
        i = close + 1;
        continue;
      }
      if (!named) name += text[i];
      i++;
    }
    i++;
    out.push(item ?? { name });
  }
  return out;
}

/**
 * stktable_alloc_data_type(): the error for `store <item>` of data type
 * `type` (undefined when valid). Delays go through parse_time_err(), whose
 * trailing-character warning is reported on `ctx`.
 */
function storeError(ctx: LineContext, type: string, item: StoreItem): string | undefined {
  const dt = DATA_TYPES.get(type)!;
  let sa = item.sa;
  if (dt.array) {
    if (sa === undefined) return `missing argument to store option '${item.name}'.`;
    const n = cAtoi(sa);
    if (n === 0 || n > MAX_ARRAY_SIZE) return `array size is out of allowed range (1-${MAX_ARRAY_SIZE}) for store option '${item.name}'.`;
    sa = item.sa2;
  }
  if (!dt.delay) return sa === undefined ? undefined : `unexpected argument to store option '${item.name}'.`;
  if (sa === undefined) return `missing argument to store option '${item.name}'.`;
  const r = parseTimeIn(sa, 'ms');
  reportTimeWarning(ctx, r);
  return r.ok ? undefined : `error when processing store option '${item.name}'.`;
}

/**
 * parse_stick_table(): `type`, `size`, `expire`, `nopurge`, `peers` (not in
 * a peers section), `srvkey` and `store`, from `words[1]` (`words[2]` in a
 * peers section, after the table name). Returns the table, or undefined once
 * an alert was reported (haproxy stops at the first error).
 */
export function parseStickTable(ctx: LineContext, words: readonly string[], name: string, inPeers = false): StickTableConfig | undefined {
  const kw = words[0] ?? '';
  const alert = (msg: string, tight = false): undefined => {
    ctx.alert('CFG_STICK_TABLE', `${kw}: ${msg}`, tight ? 'parsing-tight' : 'parsing');
    return undefined;
  };
  const arg = (i: number): string => words[i] ?? '';
  let type: StickTableConfig['type'] | undefined;
  let keyLength: number | undefined;
  let size = 0;
  let expire: number | undefined;
  let nopurge = false;
  let peers: string | undefined;
  let srvkey: StickTableConfig['srvkey'];
  const store: StickTableConfig['store'] = [];
  const stored = new Set<string>();
  let i = inPeers ? 2 : 1;
  while (arg(i) !== '') {
    const w = arg(i);
    if (w === 'size') {
      i++;
      if (arg(i) === '') return alert(`missing argument after '${w}'.`);
      const r = parseSize(arg(i));
      if (!r.ok) return alert(`unexpected character '${r.badChar ?? ''}' in argument of '${w}'.`);
      size = r.value;
      i++;
    } else if (w === 'peers' && !inPeers) {
      i++;
      if (arg(i) === '') return alert(`missing argument after '${w}'.`);
      peers = arg(i++);
    } else if (w === 'expire') {
      i++;
      const v = arg(i);
      if (v === '') return alert(`missing argument after '${w}'.`);
      const r = parseTimeIn(v, 'ms');
      reportTimeWarning(ctx, r);
      if (!r.ok) {
        if (r.overflow === true) return alert(`timer overflow in argument <${v}> to <${w}>, maximum value is 2147483647 ms (~24.8 days).`, true);
        if (r.underflow === true) return alert(`timer underflow in argument <${v}> to <${w}>, minimum non-null value is 1 ms.`, true);
        return alert(`unexpected character '${r.badChar ?? ''}' in argument of '${w}'.`);
      }
      expire = r.value;
      i++;
    } else if (w === 'nopurge') {
      nopurge = true;
      i++;
    } else if (w === 'type') {
      // stktable_parse_type(): on an error the index names the word at fault
      i++;
      const t = arg(i);
      if (t !== 'ip' && t !== 'ipv6' && t !== 'integer' && t !== 'string' && t !== 'binary') return alert(`unknown type '${t}'.`);
      type = t;
      keyLength = t === 'string' || t === 'binary' ? 32 : undefined;
      i++;
      if ((t === 'string' || t === 'binary') && arg(i) === 'len') {
        i++;
        // atol() into a size_t: only 0 is refused
        const n = cAtol(arg(i));
        if (n === 0) return alert(`unknown type '${arg(i)}'.`);
        keyLength = n;
        i++;
      }
    } else if (w === 'store') {
      i++;
      for (const item of splitStore(arg(i))) {
        if (item.unclosed === true) return alert(`missing closing parenthesis after store option '${item.name}'.`);
        const dt = dataTypeName(item.name);
        if (dt === undefined) return alert(`unknown store option '${item.name}'.`);
        if (stored.has(dt)) {
          ctx.warning('CFG_TABLE_STORE_TWICE', `${kw}: store option '${item.name}' already enabled, ignored.`, 'parsing-tight');
          continue;
        }
        const err = storeError(ctx, dt, item);
        if (err !== undefined) return alert(err);
        stored.add(dt);
        store.push({ type: dt, arg: item.raw });
      }
      i++;
      // checked after each `store` word, on everything stored so far
      if (stored.has('gpt') && stored.has('gpt0')) {
        return alert(`simultaneous usage of 'gpt' and 'gpt0' in a same table is not permitted as 'gpt' overrides 'gpt0'.`);
      }
      if (stored.has('gpc') && (stored.has('gpc0') || stored.has('gpc1'))) {
        return alert(`simultaneous usage of 'gpc' and 'gpc[0/1]' in a same table is not permitted as 'gpc' overrides 'gpc[0/1]'.`);
      }
      if (stored.has('gpc_rate') && (stored.has('gpc0_rate') || stored.has('gpc1_rate'))) {
        return alert(`simultaneous usage of 'gpc_rate' and 'gpc[0/1]_rate' in a same table is not permitted as 'gpc_rate' overrides 'gpc[0/1]_rate'.`);
      }
    } else if (w === 'srvkey') {
      i++;
      const v = arg(i);
      if (v !== 'name' && v !== 'addr') {
        ctx.alert('CFG_STICK_TABLE', `${kw} : unknown server key type '${v}'.`);
        return undefined;
      }
      srvkey = v;
      i++;
    } else {
      return alert(`unknown argument '${w}'.`);
    }
  }
  if (size === 0) return alert('missing size.');
  if (type === undefined) return alert('missing type.');
  return { place: ctx.place, name, type, keyLength, size, expire, nopurge, peers, srvkey, store };
}
