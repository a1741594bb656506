/**
 * Parse-time argument validators of fetches (HAProxy's val_args callbacks),
 * with HAProxy 2.6's messages as printed by `haproxy -c`. The caller wraps
 * them: "invalid args in fetch method 'X' : <message>".
 */
import type { ArgCheckResult, SampleArg } from '../types.js';

function str(a: SampleArg | undefined): string | undefined {
  return a !== undefined && a.type === 'str' ? a.value : undefined;
}
function sint(a: SampleArg | undefined): number | undefined {
  return a !== undefined && a.type === 'sint' ? a.value : undefined;
}
function err(error: string): ArgCheckResult {
  return { error };
}

/** Variable scopes of vars.c (configuration.txt "set-var"). */
export const VAR_SCOPES = ['proc', 'sess', 'txn', 'req', 'res', 'check'] as const;

/**
 * vars.c register_name(): checks `<scope>.<name>`; returns undefined when valid
 * or HAProxy's message. Names may only hold [a-zA-Z0-9._] (configuration.txt
 * §7.3.1 "add").
 */
export function checkVarName(name: string): string | undefined {
  if (name === '') return 'Empty variable name cannot be accepted';
  const dot = name.indexOf('.');
  const scope = dot < 0 ? '' : name.slice(0, dot);
  const rest = dot < 0 ? '' : name.slice(dot + 1);
  if (!(VAR_SCOPES as readonly string[]).includes(scope) || rest === '') {
    return `invalid variable name '${name}'. A variable name must be start by its scope. The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'`;
  }
  for (let i = 0; i < rest.length; i++) {
    if (!/[A-Za-z0-9._]/.test(rest[i]!)) return `invalid syntax at char '${rest.slice(i)}'`;
  }
  return undefined;
}

/** "bin(<hex>)" : sample.c smp_check_const_bin. */
export function checkBin(args: readonly SampleArg[]): ArgCheckResult {
  const s = str(args[0]) ?? '';
  // An empty string makes HAProxy print a NULL error message, literally "(null)".
  if (s === '') return err('(null)');
  for (const c of s) if (!/[0-9a-fA-F]/.test(c)) return err(`an hex digit is expected (found '${c}')`);
  if (s.length % 2 !== 0) return err('an even number of hex digit is expected');
  return undefined;
}

/** "bool(<bool>)" : sample.c smp_check_const_bool. */
export function checkBool(args: readonly SampleArg[]): ArgCheckResult {
  const s = str(args[0]) ?? '';
  if (['true', 'false', '0', '1'].includes(s.toLowerCase())) return undefined;
  return err("Expects 'true', 'false', '0' or '1'");
}

/** distcc_body / distcc_param: payload.c val_distcc. */
export function checkDistcc(args: readonly SampleArg[]): ArgCheckResult {
  if ((str(args[0]) ?? '').length !== 4) return err('token name must be exactly 4 characters');
  return undefined;
}

/** date([<offset>,<unit>]) : sample.c smp_check_date_unit. */
export function checkDateUnit(args: readonly SampleArg[]): ArgCheckResult {
  const u = str(args[1]);
  if (u === undefined || u === '' || u === 's' || u === 'ms' || u === 'us') return undefined;
  return err(`expects 's', 'ms' or 'us', got '${u}'`);
}

/** fc_rtt / fc_rttvar : tcp_sample.c val_fc_time_value. */
export function checkFcTimeUnit(args: readonly SampleArg[]): ArgCheckResult {
  const u = str(args[0]);
  if (u === undefined || u === '' || u === 'us' || u === 'ms') return undefined;
  return err(`expects 'us' or 'ms', got '${u}'`);
}

/** fc_unacked and other counters : tcp_sample.c var_fc_counter (only a warning). */
export function warnFcCounter(args: readonly SampleArg[]): ArgCheckResult {
  const u = str(args[0]);
  if (u !== undefined && u !== '') return { warning: "no argument supported for 'fc_*' sample expressions returning counters." };
  return undefined;
}

/** payload_lv(<offset1>,<length>[,<offset2>]) : payload.c val_payload_lv (offset2 may be signed). */
export function checkPayloadLv(args: readonly SampleArg[]): ArgCheckResult {
  const o = str(args[2]);
  if (o !== undefined && !/^[+-]?\d+$/.test(o) && o !== '') return err('payload offset2 is not a number');
  return undefined;
}

/** var(<name>[,<default>]) : vars.c smp_check_var. */
export function checkVarFetch(args: readonly SampleArg[]): ArgCheckResult {
  const m = checkVarName(str(args[0]) ?? '');
  return m === undefined ? undefined : err(m);
}

/** uuid([<version>]) : sample.c smp_check_uuid; only version 4 exists. */
export function checkUuid(args: readonly SampleArg[]): ArgCheckResult {
  const v = sint(args[0]);
  if (v === undefined || v === 4) return undefined;
  return err(`Unsupported UUID version: '${v}'`);
}

/** internal.htx_blk.*(<pos>) : http_fetch.c, "head", "tail", "first" or a block index. */
export function checkHtxBlkPos(args: readonly SampleArg[]): ArgCheckResult {
  const s = str(args[0]) ?? '';
  if (s === 'head' || s === 'tail' || s === 'first' || /^\d+$/.test(s)) return undefined;
  return err('invalid block position');
}

/** ssl_*_dn([<entry>[,<occ>[,<format>]]]) : ssl_sample.c val_dnfmt. */
export function checkDnFormat(args: readonly SampleArg[]): ArgCheckResult {
  const f = str(args[2]);
  if (f === undefined || f === '' || f === 'rfc2253') return undefined;
  return err('only rfc2253 or a blank value are currently supported as the format argument.');
}

/** hdr-like fetches with an occurrence argument : http_fetch.c val_hdr. */
export function checkHdrOccurrence(args: readonly SampleArg[]): ArgCheckResult {
  const occ = sint(args[1]);
  if (occ !== undefined && occ < -10) return err('header occurrence must be >= -10');
  return undefined;
}
