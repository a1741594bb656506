/**
 * Load-time argument resolution shared by the implementation tables:
 * variable names, backend/frontend/server references (sample.c
 * smp_resolve_args, with its messages), and run-time variable reads.
 */
import type { BackendView, FrontendView, SampleContext, ServerView, VarScope } from '../context.js';
import type { CompileEnv } from '../impl-registry.js';
import { argRef } from '../impl-registry.js';
import type { Sample } from '../sample.js';
import type { SampleArg } from '../types.js';

/** A variable reference split once at load time: `txn.foo` → scope `txn`, name `foo`. */
export interface VarRef {
  readonly scope: VarScope;
  readonly name: string;
}

const SCOPES: ReadonlySet<string> = new Set(['proc', 'sess', 'txn', 'req', 'res', 'check']);

/** vars.c vars_hash_name(): `<scope>.<name>`; undefined when the scope is unknown. */
export function parseVarRef(full: string): VarRef | undefined {
  const dot = full.indexOf('.');
  if (dot <= 0) return undefined;
  const scope = full.slice(0, dot);
  if (!SCOPES.has(scope) || dot === full.length - 1) return undefined;
  return { scope: scope as VarScope, name: full.slice(dot + 1) };
}

/** Reads a variable (vars.c vars_get_by_desc); undefined when unset or the scope does not exist here. */
export function readVar(ctx: SampleContext, ref: VarRef): Sample | undefined {
  return ctx.vars(ref.scope)?.get(ref.name);
}

/** Where a fetch's backend comes from: fixed at load time, or the stream's backend. */
export type BackendGetter = (ctx: SampleContext) => BackendView | undefined;
export type FrontendGetter = (ctx: SampleContext) => FrontendView | undefined;
export type ServerGetter = (ctx: SampleContext) => ServerView | undefined;

const streamBackend: BackendGetter = (ctx) => ctx.backend;
const streamFrontend: FrontendGetter = (ctx) => ctx.frontend;

/**
 * Resolves an optional backend argument: a name found through `env.findBackend`,
 * else (no name) the rule's backend, else the stream's backend at run time.
 */
export function resolveBackend(args: readonly SampleArg[], i: number, env: CompileEnv, kw: string): BackendGetter | string {
  const name = argRef(args, i) ?? '';
  if (name === '') {
    const be = env.backend;
    return be !== undefined ? () => be : streamBackend;
  }
  if (env.findBackend === undefined) return (ctx) => (ctx.backend?.name === name ? ctx.backend : undefined);
  const be = env.findBackend(name);
  if (be === undefined) return `unable to find backend '${name}' referenced in arg ${i + 1} of sample fetch keyword '${kw}'`;
  return () => be;
}

/** Resolves an optional frontend argument, as resolveBackend(). */
export function resolveFrontend(args: readonly SampleArg[], i: number, env: CompileEnv, kw: string): FrontendGetter | string {
  const name = argRef(args, i) ?? '';
  if (name === '') {
    const fe = env.frontend;
    return fe !== undefined ? () => fe : streamFrontend;
  }
  if (env.findFrontend === undefined) return (ctx) => (ctx.frontend?.name === name ? ctx.frontend : undefined);
  const fe = env.findFrontend(name);
  if (fe === undefined) return `unable to find frontend '${name}' referenced in arg ${i + 1} of sample fetch keyword '${kw}'`;
  return () => fe;
}

function findServer(be: BackendView, name: string): ServerView | undefined {
  for (const s of be.servers) if (s.name === name) return s;
  return undefined;
}

/**
 * Resolves a `[<backend>/]<server>` argument (sample.c smp_resolve_args,
 * ARGT_SRV). Without a backend part the server is looked up in the rule's
 * backend, or in the stream's backend at run time.
 */
export function resolveServer(args: readonly SampleArg[], i: number, env: CompileEnv, kw: string): ServerGetter | string {
  const full = argRef(args, i) ?? '';
  const slash = full.indexOf('/');
  const beName = slash < 0 ? '' : full.slice(0, slash);
  const srvName = slash < 0 ? full : full.slice(slash + 1);
  let be: BackendView | undefined;
  if (beName !== '') {
    be = env.findBackend?.(beName);
    if (be === undefined) {
      if (env.findBackend !== undefined) return `unable to find proxy '${beName}' referenced in arg ${i + 1} of sample fetch keyword '${kw}'`;
      return (ctx) => (ctx.backend?.name === beName ? findServer(ctx.backend, srvName) : undefined);
    }
  } else be = env.backend;
  if (be === undefined) {
    // Resolved per stream: a backend-less rule context, e.g. tests or the CLI.
    return (ctx) => (ctx.backend === undefined ? undefined : findServer(ctx.backend, srvName));
  }
  const srv = findServer(be, srvName);
  if (srv === undefined) return `unable to find server '${srvName}' in proxy '${be.name}', referenced in arg ${i + 1} of sample fetch keyword '${kw}'`;
  return () => srv;
}

/**
 * backend.h be_usable_srv(): usable active servers, else 1 when a backup is
 * used alone (no `option allbackups`), else the usable backups.
 */
export function usableServers(be: BackendView): number {
  if (be.disabled === true) return 0;
  if (be.activeCount > 0) return be.activeCount;
  if (be.backupCount > 0 && be.config.options.get('allbackups') !== true) return 1;
  return be.backupCount;
}

/** backend.c totpend: connections queued on the backend and on its servers. */
export function totalPending(be: BackendView): number {
  let n = be.queue.length;
  for (const s of be.servers) n += s.queue.length;
  return n;
}

/** Finds a backend by name at run time (converters taking a backend name as input). */
export function lookupBackend(env: CompileEnv, ctx: SampleContext, name: string): BackendView | undefined {
  if (env.findBackend !== undefined) return env.findBackend(name);
  if (ctx.backend?.name === name) return ctx.backend;
  if (env.backend?.name === name) return env.backend;
  return undefined;
}
