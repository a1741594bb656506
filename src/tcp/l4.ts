/**
 * What a frontend and a backend do at layer 4 beyond forwarding, compiled
 * once when the runtime is built (src/proxy/runtime.ts): the tcp-request /
 * tcp-response rule sets with their inspect delays, `use-server`,
 * `force-persist`/`ignore-persist`, `persist rdp-cookie` and the PROXY
 * header each server is sent.
 *
 * A proxy with none of these gets `undefined`, and its streams take the
 * plain forwarding path of src/tcp/stream.ts without allocating a sample
 * context or an inspection buffer (the benchmarked hot path).
 */
import type { ConfigModel } from '../config/model/index.js';
import type { ProxyConfig } from '../config/model/proxy.js';
import type { ConditionFn } from '../acl/evaluate.js';
import type { CompileEnv } from '../sample/compile.js';
import { findFetchImpl, type FetchFn } from '../sample/impl-registry.js';
import { proxyHeaderWriter, type ProxyHeaderWriter } from '../net/proxy-header.js';
import type { Server } from '../server/server.js';
import { compileRuleCondition, compileTcpRuleSet, inspectDelayOf, type CompileReporter, type TcpRule } from './rules.js';

/** The layer-4 work of a frontend (or of the frontend side of a listen section). */
export interface FrontendL4 {
  readonly connection: readonly TcpRule[];
  readonly session: readonly TcpRule[];
  readonly content: readonly TcpRule[];
  /** `tcp-request inspect-delay` in ms (0: content rules evaluate at once, finally). */
  readonly inspectDelay: number;
}

/** A `use-server` rule. */
export interface ServerRule {
  readonly cond: ConditionFn;
  readonly server: Server;
}

/** The layer-4 work of a backend (or of the backend side of a listen section). */
export interface BackendL4 {
  readonly content: readonly TcpRule[];
  readonly inspectDelay: number;
  readonly response: readonly TcpRule[];
  readonly responseDelay: number;
  readonly serverRules: readonly ServerRule[];
  /** `force-persist` (true) and `ignore-persist` (false) rules, in order: the first matching one applies. */
  readonly persistRules: readonly { readonly cond: ConditionFn; readonly force: boolean }[];
  /** `option persist`: use-server and RDP persistence may pick a server that is down. */
  readonly persistDown: boolean;
  /** `persist rdp-cookie[(name)]`: the compiled `req.rdp_cookie(<name>)` fetch. */
  readonly rdpCookie: FetchFn | undefined;
  /** PROXY headers to send, by server. */
  readonly headers: ReadonlyMap<Server, ProxyHeaderWriter>;
}

/** Compiles the frontend side; undefined when the plain forwarding path suffices. */
export function compileFrontendL4(p: ProxyConfig, model: ConfigModel, env: CompileEnv, report: CompileReporter): FrontendL4 | undefined {
  const connection = compileTcpRuleSet(p, 'tcp-request connection', env, report);
  const session = compileTcpRuleSet(p, 'tcp-request session', env, report);
  const content = compileTcpRuleSet(p, 'tcp-request content', env, report);
  const acceptProxy = p.binds.some((b) => b.acceptProxy);
  const switching = p.useBackends.some((r) => r.cond !== undefined || r.dynamic !== undefined);
  if (connection.length + session.length + content.length === 0 && !acceptProxy && !switching) return undefined;
  return { connection, session, content, inspectDelay: inspectDelayOf(p, model, 'tcp-request') };
}

const rdpFetches = new Map<string, FetchFn>();

/** `req.rdp_cookie(<name>)`, compiled once per cookie name (used by persist and by `balance rdp-cookie`). */
export function rdpCookieFetch(name: string): FetchFn | undefined {
  let f = rdpFetches.get(name);
  if (f === undefined) {
    const c = findFetchImpl('req.rdp_cookie')?.compile([{ type: 'str', value: name }], {}, 'req.rdp_cookie');
    if (c === undefined || typeof c === 'string') return undefined;
    f = c;
    rdpFetches.set(name, f);
  }
  return f;
}

/** Compiles the backend side; undefined when the plain forwarding path suffices. */
export function compileBackendL4(
  p: ProxyConfig,
  servers: readonly Server[],
  model: ConfigModel,
  env: CompileEnv,
  report: CompileReporter,
): BackendL4 | undefined {
  // A listen section's content rules run once, as the frontend's (haproxy
  // adds AN_REQ_INSPECT_BE only when the backend is another proxy).
  const content = p.cap.frontend ? [] : compileTcpRuleSet(p, 'tcp-request content', env, report);
  const response = compileTcpRuleSet(p, 'tcp-response content', env, report);
  const byName = new Map(servers.map((s) => [s.name, s]));
  const serverRules: ServerRule[] = [];
  for (const r of p.useServers) {
    const server = byName.get(r.server);
    if (server === undefined || r.cond === undefined) continue;
    serverRules.push({ cond: compileRuleCondition(r.cond, env, `'use-server ${r.server}'`, r.place, report), server });
  }
  const persistRules: { cond: ConditionFn; force: boolean }[] = [];
  // proxy.c keeps one list of persist rules, in declaration order.
  const all = [...p.forcePersist.map((r) => ({ r, force: true })), ...p.ignorePersist.map((r) => ({ r, force: false }))];
  all.sort((a, b) => a.r.place.line - b.r.place.line);
  for (const { r, force } of all) {
    persistRules.push({ cond: compileRuleCondition(r.cond, env, force ? "'force-persist'" : "'ignore-persist'", r.place, report), force });
  }
  const headers = new Map<Server, ProxyHeaderWriter>();
  for (const s of servers) {
    const w = proxyHeaderWriter(s.config);
    if (w !== undefined) headers.set(s, w);
  }
  const rdpCookie = p.persistRdpCookie === undefined ? undefined : rdpCookieFetch(p.persistRdpCookie);
  if (content.length + response.length + serverRules.length + headers.size === 0 && rdpCookie === undefined) return undefined;
  return {
    content,
    inspectDelay: inspectDelayOf(p, model, 'tcp-request'),
    response,
    responseDelay: inspectDelayOf(p, model, 'tcp-response'),
    serverRules,
    persistRules,
    persistDown: p.options.get('persist') === true,
    rdpCookie,
    headers,
  };
}
