/**
 * Implementations of configuration.txt §7.3.2 "Fetching samples from internal
 * states": constants, process facts, variables, and backend/server counters
 * (sample.c, backend.c, vars.c). Declarations are in fetches/internal.ts.
 */
import { randomUUID } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import { parseBinPattern } from '../converters/patterns.js';
import { registerFetchImpls, simple, argBigInt, argInt, argStr, hasArg, type CompileEnv, type FetchImpl } from '../impl-registry.js';
import { parseIpv6, buf2ip, smpBool, smpNum, smpStr, SMP_FALSE, SMP_TRUE, type Sample } from '../sample.js';
import type { SampleArg } from '../types.js';
import type { BackendView, ServerView } from '../context.js';
import { parseVarRef, readVar, resolveBackend, resolveFrontend, resolveServer, totalPending, usableServers } from './util.js';

/** A fetch returning one precomputed sample: no allocation per evaluation. */
function constant(make: (args: readonly SampleArg[]) => Sample | string): FetchImpl {
  return {
    compile: (args) => {
      const s = make(args);
      if (typeof s === 'string') return s;
      return () => s;
    },
  };
}

/** A fetch computing an integer from a backend (argument or current one). */
function backendInt(read: (be: BackendView) => number | undefined): FetchImpl {
  return {
    compile: (args, env, kw) => {
      const get = resolveBackend(args, 0, env, kw);
      if (typeof get === 'string') return get;
      return (ctx) => {
        const be = get(ctx);
        if (be === undefined) return undefined;
        const v = read(be);
        return v === undefined ? undefined : smpNum(v);
      };
    },
  };
}

/** A fetch computing an integer from a `[<backend>/]<server>` argument. */
function serverInt(read: (srv: ServerView) => number | undefined): FetchImpl {
  return {
    compile: (args, env, kw) => {
      const get = resolveServer(args, 0, env, kw);
      if (typeof get === 'string') return get;
      return (ctx) => {
        const srv = get(ctx);
        if (srv === undefined) return undefined;
        const v = read(srv);
        return v === undefined ? undefined : smpNum(v);
      };
    },
  };
}

/** The wall clock split like HAProxy's `date` timeval: seconds and microseconds. */
function clock(env: CompileEnv): () => { sec: number; usec: number } {
  const now = env.now;
  if (now !== undefined) {
    return () => {
      const ms = now();
      return { sec: Math.floor(ms / 1000), usec: Math.floor((ms % 1000) * 1000) };
    };
  }
  return () => {
    const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
    return { sec: Math.floor(us / 1e6), usec: us % 1e6 };
  };
}

export const INTERNAL_FETCH_IMPLS: Readonly<Record<string, FetchImpl>> = {
  always_false: simple(() => SMP_FALSE),
  always_true: simple(() => SMP_TRUE),
  // backend.c smp_fetch_avg_queue_size(): queued connections per usable
  // server, twice the queue when none is left.
  avg_queue: backendInt((be) => {
    const n = usableServers(be);
    const pend = totalPending(be);
    return n > 0 ? Math.floor((pend + n - 1) / n) : pend * 2;
  }),
  be_conn: backendInt((be) => be.counters.curConns),
  // backend.c smp_fetch_be_conn_free(): free slots on usable servers (backups
  // only when used), -1 as soon as one of them is unlimited.
  be_conn_free: backendInt((be) => {
    let total = 0;
    const useBackups = be.activeCount === 0;
    const allBackups = be.config.options.get('allbackups') === true;
    let firstBackupSeen = false;
    for (const s of be.servers) {
      if (s.state !== 'UP' || s.eweight === 0) continue;
      if (s.backup) {
        const isFirst = !firstBackupSeen;
        firstBackupSeen = true;
        if (!useBackups || (!isFirst && !allBackups)) continue;
      }
      if (s.maxconn === 0) return -1;
      if (s.maxconn > s.served) total += s.maxconn - s.served;
    }
    return total;
  }),
  be_sess_rate: backendInt((be) => be.counters.sessRate),
  bin: constant((args) => {
    const hex = argStr(args, 0);
    const p = parseBinPattern(hex);
    if (!p.ok) return p.message;
    return { type: 'bin', value: Buffer.from(hex, 'hex'), flags: 0 };
  }),
  // sample.c smp_check_const_bool(): "true"/"1" (any case) are true
  bool: constant((args) => {
    const v = argStr(args, 0).toLowerCase();
    return smpBool(v === 'true' || v === '1');
  }),
  // backend.c smp_fetch_connslots(): (maxconn - cur) + (maxqueue - queued) over
  // the servers that are not stopped; -1 when one has no maxconn or maxqueue.
  connslots: backendInt((be) => {
    let n = 0;
    for (const s of be.servers) {
      if (s.state !== 'UP') continue;
      if (s.maxconn === 0 || s.maxqueue === 0) return -1;
      n += s.maxconn - s.served + (s.maxqueue - s.queue.length);
    }
    return n;
  }),
  // Task profiling is not measured by Switchyard: HAProxy reports 0 without "profiling.tasks on".
  cpu_calls: simple(() => smpNum(0)),
  cpu_ns_avg: simple(() => smpNum(0)),
  cpu_ns_tot: simple(() => smpNum(0)),
  lat_ns_avg: simple(() => smpNum(0)),
  lat_ns_tot: simple(() => smpNum(0)),
  // sample.c smp_fetch_date(): seconds (or ms/us) since the epoch plus the offset
  date: {
    compile: (args, env) => {
      const offset = argBigInt(args, 0);
      const unit = argStr(args, 1, 's');
      const now = clock(env);
      return () => {
        const t = now();
        let v = BigInt(t.sec);
        if (unit === 'ms') v = v * 1000n + BigInt(Math.floor(t.usec / 1000));
        else if (unit === 'us') v = v * 1000000n + BigInt(t.usec);
        return { type: 'sint', value: BigInt.asIntN(64, v + offset), flags: 0 };
      };
    },
  },
  date_us: {
    compile: (_args, env) => {
      const now = clock(env);
      return () => smpNum(now().usec);
    },
  },
  // sample.c smp_fetch_env(): getenv(); an unset variable is "not found"
  env: {
    compile: (args, env) => {
      const name = argStr(args, 0);
      const vars = env.processEnv ?? process.env;
      return () => {
        const v = vars[name];
        // process.env holds UTF-16 strings; samples are byte strings
        return v === undefined ? undefined : smpStr(Buffer.from(v, 'utf8').toString('latin1'));
      };
    },
  },
  fe_conn: {
    compile: (args, env, kw) => {
      const get = resolveFrontend(args, 0, env, kw);
      if (typeof get === 'string') return get;
      return (ctx) => {
        const fe = get(ctx);
        return fe === undefined ? undefined : smpNum(fe.counters.curConns);
      };
    },
  },
  fe_req_rate: {
    compile: (args, env, kw) => {
      const get = resolveFrontend(args, 0, env, kw);
      if (typeof get === 'string') return get;
      return (ctx) => {
        const r = get(ctx)?.counters.reqRate;
        return r === undefined ? undefined : smpNum(r);
      };
    },
  },
  fe_sess_rate: {
    compile: (args, env, kw) => {
      const get = resolveFrontend(args, 0, env, kw);
      if (typeof get === 'string') return get;
      return (ctx) => {
        const r = get(ctx)?.counters.sessRate;
        return r === undefined ? undefined : smpNum(r);
      };
    },
  },
  hostname: {
    compile: (_args, env) => {
      const s = smpStr(env.hostname ?? osHostname());
      return () => s;
    },
  },
  int: constant((args) => ({ type: 'sint', value: argBigInt(args, 0), flags: 0 })),
  ipv4: constant((args) => {
    const a = args[0];
    const v = buf2ip(a !== undefined && a.type === 'ipv4' ? a.value : argStr(args, 0));
    return v === undefined ? 'invalid IPv4 address' : { type: 'ipv4', value: v, flags: 0 };
  }),
  ipv6: constant((args) => {
    const a = args[0];
    const v = parseIpv6(a !== undefined && a.type === 'ipv6' ? a.value : argStr(args, 0));
    return v === undefined ? 'invalid IPv6 address' : { type: 'ipv6', value: v, flags: 0 };
  }),
  last_rule_file: simple((ctx) => (ctx.lastRule === undefined ? undefined : smpStr(ctx.lastRule.file))),
  last_rule_line: simple((ctx) => (ctx.lastRule === undefined ? undefined : smpNum(ctx.lastRule.line))),
  meth: constant((args) => ({ type: 'meth', value: argStr(args, 0), flags: 0 })),
  // Switchyard runs one process per configuration, like HAProxy 2.6 (nbproc is gone).
  nbproc: constant(() => smpNum(1)),
  nbsrv: backendInt((be) => usableServers(be)),
  prio_class: simple((ctx) => smpNum(ctx.prioClass ?? 0)),
  prio_offset: simple((ctx) => smpNum(ctx.prioOffset ?? 0)),
  proc: constant(() => smpNum(1)),
  queue: backendInt((be) => totalPending(be)),
  // sample.c smp_fetch_rand(): a 32-bit random, scaled to the range when given
  rand: {
    compile: (args, env) => {
      const rnd = env.random ?? Math.random;
      const range = hasArg(args, 0) ? BigInt(argInt(args, 0)) : undefined;
      return () => {
        const r = BigInt(Math.floor(rnd() * 4294967296));
        return { type: 'sint', value: range === undefined ? r : BigInt.asIntN(64, (r * BigInt.asUintN(64, range)) >> 32n), flags: 0 };
      };
    },
  },
  srv_conn: serverInt((s) => s.served),
  srv_conn_free: serverInt((s) => (s.maxconn === 0 ? -1 : Math.max(0, s.maxconn - s.served))),
  srv_is_up: {
    compile: (args, env, kw) => {
      const get = resolveServer(args, 0, env, kw);
      if (typeof get === 'string') return get;
      return (ctx) => {
        const s = get(ctx);
        return s === undefined ? undefined : smpBool(s.state === 'UP');
      };
    },
  },
  srv_iweight: serverInt((s) => s.config.weight ?? 1),
  srv_queue: serverInt((s) => s.queue.length),
  srv_sess_rate: serverInt((s) => s.sessRate),
  srv_uweight: serverInt((s) => s.uweight),
  // backend.c smp_fetch_srv_weight(): the effective weight scaled back to user units
  srv_weight: serverInt((s) => Math.ceil(s.eweight / 16)),
  stopping: {
    compile: (_args, env) => {
      const st = env.stopping;
      return () => smpBool(st !== undefined && st());
    },
  },
  str: constant((args) => smpStr(argStr(args, 0))),
  // Switchyard's event loop is HAProxy's thread 0.
  thread: constant(() => smpNum(0)),
  uuid: simple(() => smpStr(randomUUID())),
  // vars.c smp_fetch_var(): the stored sample, else the default as a string
  var: {
    compile: (args, _env, kw) => {
      const ref = parseVarRef(argStr(args, 0));
      if (ref === undefined) return `invalid variable name '${argStr(args, 0)}' in '${kw}'`;
      const def = args.length > 1 ? smpStr(argStr(args, 1)) : undefined;
      return (ctx) => readVar(ctx, ref) ?? def;
    },
  },
};

registerFetchImpls(INTERNAL_FETCH_IMPLS);
