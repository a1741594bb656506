/**
 * Pieces shared by the layer-4 rules (src/tcp/rules.ts) and the HTTP rules
 * (src/http/rules.ts): variable conditions, the copy of a stored sample, the
 * address of set-src/set-dst, and the compile environment each proxy's rules
 * use (so fetch arguments naming a backend, `nbsrv(be)`, resolve the same in
 * both).
 */
import type { CompileEnv } from '../sample/compile.js';
import type { Endpoint, VarStore } from '../sample/context.js';
import { castSample, ipv4ToString, ipv6ToString, type Sample } from '../sample/sample.js';

/** A sample as stored in a variable: views into received buffers are copied (vars.c smp_dup). */
export function detach(s: Sample): Sample {
  if (s.type === 'bin') return { type: 'bin', value: Buffer.from(s.value), flags: 0 };
  return s.flags === 0 ? s : ({ ...s, flags: 0 } as Sample);
}

function isEmptySample(s: Sample): boolean {
  return s.type === 'str' || s.type === 'meth' || s.type === 'bin' ? s.value.length === 0 : false;
}

/** vars.c var_set() conditions (configuration.txt §7.3.1 "set-var"): ifgt/iflt compare the variable to the input. */
export function conditionsAllow(conds: readonly string[], store: VarStore, name: string, value: Sample): boolean {
  if (conds.length === 0) return true;
  const prev = store.get(name);
  for (const c of conds) {
    if ((c === 'ifexists' || c === 'ifset') && prev === undefined) return false;
    if ((c === 'ifnotexists' || c === 'ifnotset') && prev !== undefined) return false;
    if (c === 'ifempty' && !isEmptySample(value)) return false;
    if (c === 'ifnotempty' && isEmptySample(value)) return false;
    // Only checked when both are integers; otherwise the condition holds.
    if (c === 'ifgt' && prev?.type === 'sint' && value.type === 'sint' && !(prev.value > value.value)) return false;
    if (c === 'iflt' && prev?.type === 'sint' && value.type === 'sint' && !(prev.value < value.value)) return false;
  }
  return true;
}

/** An address sample as an endpoint keeping `port` (tcp_act.c: set-src/set-dst keep the port). */
export function endpointFrom(s: Sample | undefined, port: number): Endpoint | undefined {
  if (s === undefined) return undefined;
  const a = castSample(s, 'addr');
  if (a?.type === 'ipv4') return { address: ipv4ToString(a.value), port };
  if (a?.type === 'ipv6') return { address: ipv6ToString(a.value), port };
  return undefined;
}

const ruleEnvs = new WeakMap<object, CompileEnv>();

/**
 * Records the compile environment of a runtime proxy (a Frontend or a
 * Backend object): the runtime calls it once per proxy when it is built.
 */
export function setRuleEnv(proxy: object, env: CompileEnv): void {
  ruleEnvs.set(proxy, env);
}

/** The compile environment recorded for `proxy`, or an empty one (no backend resolvable by name). */
export function ruleEnvOf(proxy: object): CompileEnv {
  let env = ruleEnvs.get(proxy);
  if (env === undefined) {
    env = {};
    ruleEnvs.set(proxy, env);
  }
  return env;
}
