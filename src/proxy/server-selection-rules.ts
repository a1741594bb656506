/**
 * The backend's server-selection rules that run before the balancer
 * (configuration.txt §4.2): `force-persist` / `ignore-persist` (proxy.c
 * process_switching_rules(), once the backend is known) and `use-server`
 * (stream.c process_server_rules()), with `option persist`.
 *
 * Compiled once per backend; the HTTP stream evaluates them through
 * src/http/cookie-persistence.ts. The TCP stream keeps its own copy of the
 * same loop in src/tcp/stream.ts (compiled by src/tcp/l4.ts) and may move
 * to this module later: the semantics are the same.
 */
import { compileCondition, type ConditionFn } from '../acl/evaluate.js';
import type { ProxyConfig } from '../config/model/proxy.js';
import type { SampleContext } from '../sample/context.js';
import { parseLogFormat } from '../sample/log-format.js';
import { compileLogFormat } from '../sample/log-format-eval.js';
import type { Server } from '../server/server.js';

/** A `use-server` rule: a fixed server, or a log-format naming one. */
export interface UseServerRule {
  readonly cond: ConditionFn;
  readonly server: Server | undefined;
  readonly name: ((ctx: SampleContext) => string) | undefined;
}

/** A `force-persist` (force) or `ignore-persist` (!force) rule. */
export interface PersistRule {
  readonly cond: ConditionFn;
  readonly force: boolean;
}

/** The compiled selection rules of one backend. */
export interface ServerSelectionRules {
  readonly persist: readonly PersistRule[];
  readonly useServer: readonly UseServerRule[];
  /** `option persist`: a server that is down may still be chosen by a rule or a cookie. */
  readonly persistDown: boolean;
}

/** The persistence verdict of the persist rules (proxy.c: SF_FORCE_PRST / SF_IGNORE_PRST). */
export const PERSIST_NONE = 0;
export const PERSIST_FORCE = 1;
export const PERSIST_IGNORE = 2;
export type PersistVerdict = typeof PERSIST_NONE | typeof PERSIST_FORCE | typeof PERSIST_IGNORE;

const NEVER: ConditionFn = () => 'false';

/**
 * Compiles `force-persist`, `ignore-persist` and `use-server` of `p` against
 * its runtime servers. A condition that cannot be compiled never matches
 * (the configuration check has reported it already).
 */
export function compileServerSelection(p: ProxyConfig, servers: readonly Server[]): ServerSelectionRules {
  const env = {};
  const cond = (c: Parameters<typeof compileCondition>[0]): ConditionFn => {
    const r = compileCondition(c, env);
    return r.ok ? r.fn : NEVER;
  };
  // proxy.c keeps one list of persist rules, in declaration order.
  const all = [...p.forcePersist.map((r) => ({ r, force: true })), ...p.ignorePersist.map((r) => ({ r, force: false }))];
  all.sort((a, b) => a.r.place.line - b.r.place.line);
  const persist = all.map(({ r, force }) => ({ cond: cond(r.cond), force }));
  const byName = new Map(servers.map((s) => [s.name, s]));
  const useServer: UseServerRule[] = [];
  for (const r of p.useServers) {
    if (r.cond === undefined) continue;
    const c = cond(r.cond);
    if (!r.server.includes('%')) {
      useServer.push({ cond: c, server: byName.get(r.server), name: undefined });
      continue;
    }
    // cfgparse.c: a name holding '%' is a log-format resolved per stream (findserver()).
    const f = parseLogFormat(r.server, {
      place: r.place,
      usage: 'use-server',
      proxyMode: p.mode === 'http' ? 'http' : 'tcp',
      proxyCap: { frontend: p.cap.frontend, backend: p.cap.backend },
    });
    if (!f.ok) continue;
    const only = f.format.nodes.length === 1 ? f.format.nodes[0] : undefined;
    if (only?.kind === 'text') {
      useServer.push({ cond: c, server: byName.get(only.text), name: undefined });
      continue;
    }
    const fmt = compileLogFormat(f.format, {});
    if (!fmt.ok) continue;
    useServer.push({ cond: c, server: undefined, name: fmt.fn });
  }
  return { persist, useServer, persistDown: p.options.get('persist') === true };
}

/** The first matching persist rule's verdict (proxy.c process_switching_rules()). */
export function persistVerdict(rules: ServerSelectionRules, ctx: SampleContext): PersistVerdict {
  const list = rules.persist;
  for (let i = 0; i < list.length; i++) {
    const r = list[i]!;
    if (r.cond(ctx) === 'true') return r.force ? PERSIST_FORCE : PERSIST_IGNORE;
  }
  return PERSIST_NONE;
}

/**
 * stream.c process_server_rules(): the server of the first matching
 * `use-server` rule that may be used: up, or whatever its state with
 * `option persist` or a matching `force-persist`. A rule whose server is
 * down (or whose dynamic name matches no server) lets the next rules try.
 */
export function useServerTarget(
  rules: ServerSelectionRules,
  ctx: SampleContext,
  byName: ReadonlyMap<string, Server>,
  force: boolean,
): Server | undefined {
  const list = rules.useServer;
  for (let i = 0; i < list.length; i++) {
    const r = list[i]!;
    if (r.cond(ctx) !== 'true') continue;
    const s = r.server ?? (r.name === undefined ? undefined : byName.get(r.name(ctx)));
    if (s === undefined) continue;
    // "if the server is not UP, let's go on with next rules just in case another one is suited"
    if (s.state === 'UP' || rules.persistDown || force) return s;
  }
  return undefined;
}
