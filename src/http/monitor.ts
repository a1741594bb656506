/**
 * `monitor-uri <uri>` and `monitor fail if|unless <cond>` (configuration.txt
 * §4.2). haproxy 2.6 checks the URI right after the request head is parsed,
 * before any `http-request` rule (http_ana.c http_wait_for_request()), on
 * the frontend only:
 *
 *  - a configured URI starting with '/' is compared with the request's path
 *    *and query* (http_get_path(): `/alive?x=1` does not match `/alive`), so
 *    absolute-form requests match too; any other URI with the whole target;
 *  - the first `monitor fail` condition that holds turns the answer into the
 *    proxy's 503 page, otherwise the proxy's 200 page ("Service ready.") is
 *    sent; both keep the connection alive like any generated reply;
 *  - monitor requests are never logged: {@link isMonitorRequest} tells the
 *    log code (next issue) to skip the transaction.
 * Verified against haproxy 2.6.12 (test/compat/http/auth-monitor.test.ts).
 */
import type { ProxyConfig } from '../config/model/proxy.js';
import { compileCondition, type ConditionFn } from '../acl/evaluate.js';
import type { BackendView, FrontendView, SampleContext } from '../sample/context.js';
import type { CompileEnv } from '../sample/compile.js';
import { errorPageBytes } from './error-pages.js';
import { pathOf, requestTarget, type HttpMessageSlot } from './http-fetches.js';
import type { RuleOutcome } from './rules.js';

interface CompiledMonitor {
  readonly uri: string;
  readonly onPath: boolean;
  readonly fail: readonly ConditionFn[];
}

const compiled = new WeakMap<ProxyConfig, CompiledMonitor | null>();

/** What the stream exposes of its runtime: backends and frontends by name, for `nbsrv(<backend>)`-style conditions. */
interface WithRuntime {
  readonly runtime?: { readonly backends: ReadonlyMap<string, BackendView>; readonly frontends: readonly FrontendView[] } | undefined;
}

/** Compiles the monitor of `p` on first use, resolving backend names through the stream's runtime. */
function monitorOf(p: ProxyConfig, ctx: SampleContext): CompiledMonitor | undefined {
  let m = compiled.get(p);
  if (m === undefined) {
    const uri = p.monitorUri;
    if (uri === undefined) m = null;
    else {
      const rt = (ctx as WithRuntime).runtime;
      const env: CompileEnv = {
        frontend: ctx.frontend,
        findBackend: (n) => rt?.backends.get(n),
        findFrontend: (n) => rt?.frontends.find((f) => f.name === n),
      };
      const fail: ConditionFn[] = [];
      for (const r of p.monitorFail) {
        const c = compileCondition(r.cond, env);
        // A condition the engine cannot compile never fails the monitor.
        if (c.ok) fail.push(c.fn);
      }
      m = { uri, onPath: uri.startsWith('/'), fail };
    }
    compiled.set(p, m);
  }
  return m ?? undefined;
}

const monitored = new WeakMap<object, number>();

/**
 * Hook for a parsed request head, before any rule: the monitor answer when
 * the target is the frontend's `monitor-uri`, else undefined.
 */
export function monitorIntercept(ctx: SampleContext): RuleOutcome | undefined {
  const fe = ctx.frontend?.config as ProxyConfig | undefined;
  if (fe?.monitorUri === undefined) return undefined;
  const m = monitorOf(fe, ctx);
  const slot = ctx.http as HttpMessageSlot | undefined;
  const target = slot === undefined ? undefined : requestTarget(slot);
  if (m === undefined || target === undefined) return undefined;
  if ((m.onPath ? pathOf(target) : target) !== m.uri) return undefined;
  const tx = (ctx as { readonly txCount?: number }).txCount ?? 0;
  monitored.set(ctx, tx);
  const failed = m.fail.some((f) => f(ctx) === 'true');
  return { kind: 'reply', bytes: errorPageBytes(ctx, failed ? 503 : 200), close: false };
}

/** Whether the stream's current transaction was answered by `monitor-uri` (not logged). */
export function isMonitorRequest(ctx: SampleContext): boolean {
  const tx = (ctx as { readonly txCount?: number }).txCount ?? 0;
  return monitored.get(ctx) === tx;
}
