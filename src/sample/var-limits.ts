/**
 * `tune.vars.{global,proc,sess,txn,reqres}-max-size` (configuration.txt §3.2;
 * vars.c var_accounting_add() and var_accounting_diff() in haproxy 2.6).
 *
 * Every variable costs sizeof(struct var), 80 bytes on haproxy 2.6 x86_64
 * (measured: with `txn-max-size 100` a 20-byte string fits, 21 does not),
 * plus the bytes of a string, binary or non-standard method value. The cost
 * is counted in the variable's scope and in every scope above it: req and
 * res share one `reqres` counter, then `txn`, `sess`, and the process (the
 * `proc` and `global` limits both apply to the process-wide total, which
 * counts the variables of every connection). A limit of 0 is none.
 *
 * haproxy's var_set(): a new variable whose 80 bytes do not fit is not
 * created; a value whose bytes do not fit leaves the variable as a boolean
 * (haproxy then holds an uninitialised value; it is `true` here). Values
 * are given back on unset-var, at the end of a transaction (txn, req, res)
 * and of a connection (sess): stores from {@link accountedStore} are cleared
 * then (src/sample/context.ts StreamVars.release()).
 *
 * Without any limit configured nothing is counted: the stores are plain maps.
 */
import type { Sample } from './sample.js';

/** sizeof(struct var) in haproxy 2.6 on x86_64. */
export const VAR_STRUCT_SIZE = 80;

/** One level of accounting: the bytes held and its limit (0: none). */
export interface VarCounter {
  size: number;
  readonly limit: number;
}

/** The limits of the `tune.vars.*-max-size` keywords, in bytes (0: none). */
export interface VarLimitSettings {
  readonly global: number;
  readonly proc: number;
  readonly sess: number;
  readonly txn: number;
  readonly reqres: number;
}

let settings: VarLimitSettings | undefined;
/** The process-wide total (haproxy's proc_vars.size and global.vars.size). */
let processCounter: VarCounter | undefined;

/** Applies the global section's limits (at startup); none configured turns accounting off. */
export function configureVarLimits(tune: ReadonlyMap<string, number | string | boolean>): void {
  const get = (scope: string): number => {
    const v = tune.get(`tune.vars.${scope}-max-size`);
    return typeof v === 'number' && v > 0 ? v : 0;
  };
  const s: VarLimitSettings = { global: get('global'), proc: get('proc'), sess: get('sess'), txn: get('txn'), reqres: get('reqres') };
  if (s.global + s.proc + s.sess + s.txn + s.reqres === 0) {
    settings = undefined;
    processCounter = undefined;
    return;
  }
  settings = s;
  const both = [s.proc, s.global].filter((x) => x > 0);
  processCounter = { size: processCounter?.size ?? 0, limit: both.length === 0 ? 0 : Math.min(...both) };
}

/** The configured limits, or undefined when variables are not counted. */
export function varLimits(): VarLimitSettings | undefined {
  return settings;
}

/** The process-wide counter (undefined when variables are not counted). */
export function processVarCounter(): VarCounter | undefined {
  return processCounter;
}

/** A new counter for one level (a stream's txn or reqres, a connection's sess). */
export function newCounter(limit: number): VarCounter {
  return { size: 0, limit };
}

const STANDARD_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE']);

/** The bytes a value allocates besides the variable itself. */
function dataBytes(v: Sample): number {
  switch (v.type) {
    case 'str':
      return v.value.length;
    case 'bin':
      return v.value.length;
    case 'meth':
      return STANDARD_METHODS.has(v.value) ? 0 : v.value.length;
    default:
      return 0;
  }
}

function fits(chain: readonly VarCounter[], n: number): boolean {
  for (const c of chain) if (c.limit > 0 && c.size + n > c.limit) return false;
  return true;
}

function diff(chain: readonly VarCounter[], n: number): void {
  for (const c of chain) c.size += n;
}

/** The boolean a value that does not fit leaves (a literal: this module loads early, inside import cycles). */
const TRUE: Sample = Object.freeze({ type: 'bool', value: true, flags: 0 });

/**
 * Sets `name` to `value` in `map` with haproxy's accounting along `chain`
 * (the variable's own level first, the process last).
 */
export function accountedSet(map: Map<string, Sample>, chain: readonly VarCounter[], name: string, value: Sample): void {
  const old = map.get(name);
  if (old !== undefined) diff(chain, -dataBytes(old));
  else {
    if (!fits(chain, VAR_STRUCT_SIZE)) return;
    diff(chain, VAR_STRUCT_SIZE);
  }
  const n = dataBytes(value);
  if (n > 0 && !fits(chain, n)) {
    map.set(name, TRUE);
    return;
  }
  diff(chain, n);
  map.set(name, value);
}

/** Removes `name`, giving its bytes back. */
export function accountedDelete(map: Map<string, Sample>, chain: readonly VarCounter[], name: string): void {
  const old = map.get(name);
  if (old === undefined) return;
  diff(chain, -(VAR_STRUCT_SIZE + dataBytes(old)));
  map.delete(name);
}

/** Removes every variable, giving their bytes back. */
export function accountedClear(map: Map<string, Sample>, chain: readonly VarCounter[]): void {
  let n = 0;
  for (const v of map.values()) n += VAR_STRUCT_SIZE + dataBytes(v);
  if (n > 0) diff(chain, -n);
  map.clear();
}
