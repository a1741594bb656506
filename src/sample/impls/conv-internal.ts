/**
 * Implementations of the converters of configuration.txt §7.3.1 that touch
 * internal state: set-var/unset-var (vars.c), debug (sample.c), nbsrv and
 * srv_queue (backend.c). capture-req/capture-res need the HTTP captures and
 * come with the HTTP stream.
 */
import { registerConverterImpls, argStr, type ConverterImpl } from '../impl-registry.js';
import { describeSample, smpNum, type Sample } from '../sample.js';
import { lookupBackend, parseVarRef, usableServers } from './util.js';

/** Values kept beyond the evaluation must not alias a connection buffer. */
function detach(s: Sample): Sample {
  return s.type === 'bin' ? { type: 'bin', value: Buffer.from(s.value), flags: 0 } : s.flags === 0 ? s : ({ ...s, flags: 0 } as Sample);
}

/** vars.c var_set(): whether a sample is "empty" for ifempty/ifnotempty (scalars never are). */
function isEmpty(s: Sample): boolean {
  if (s.type === 'str' || s.type === 'meth') return s.value.length === 0;
  if (s.type === 'bin') return s.value.length === 0;
  return false;
}

export const INTERNAL_CONVERTER_IMPLS: Readonly<Record<string, ConverterImpl>> = {
  // vars.c smp_conv_store(): stores the input and returns it, unless a condition fails
  'set-var': {
    compile: (args) => {
      const ref = parseVarRef(argStr(args, 0));
      if (ref === undefined) return `invalid variable name '${argStr(args, 0)}'`;
      const conds = new Set(args.slice(1).map((a) => (a.type === 'str' ? a.value : '')));
      const ifExists = conds.has('ifexists') || conds.has('ifset');
      const ifNotExists = conds.has('ifnotexists') || conds.has('ifnotset');
      const ifEmpty = conds.has('ifempty');
      const ifNotEmpty = conds.has('ifnotempty');
      const ifGt = conds.has('ifgt');
      const ifLt = conds.has('iflt');
      return (s, ctx) => {
        const store = ctx.vars(ref.scope);
        if (store === undefined) return undefined;
        const cur = store.get(ref.name);
        if (ifExists && cur === undefined) return undefined;
        if (ifNotExists && cur !== undefined) return undefined;
        if (ifEmpty || ifNotEmpty) {
          const e = isEmpty(s);
          if ((e && ifNotEmpty) || (!e && ifEmpty)) return undefined;
        }
        // ifgt/iflt only apply when both the variable and the input are integers
        if ((ifGt || ifLt) && cur !== undefined && cur.type === 'sint' && s.type === 'sint') {
          if (ifGt && !(cur.value > s.value)) return undefined;
          if (ifLt && !(cur.value < s.value)) return undefined;
        }
        store.set(ref.name, detach(s));
        return s;
      };
    },
  },
  // vars.c smp_conv_clear(): removes the variable, passes the input through
  'unset-var': {
    compile: (args) => {
      const ref = parseVarRef(argStr(args, 0));
      if (ref === undefined) return `invalid variable name '${argStr(args, 0)}'`;
      return (s, ctx) => {
        ctx.vars(ref.scope)?.delete(ref.name);
        return s;
      };
    },
  },
  // sample.c sample_conv_debug(): reports the sample to a sink and passes it through unchanged
  debug: {
    compile: (args, env) => {
      const prefix = argStr(args, 0);
      const sink = argStr(args, 1, 'buf0') || 'buf0';
      const write = env.debugSink;
      if (write === undefined) return (s) => s;
      return (s) => {
        write(sink, `[debug] ${prefix}: type=${s.type} ${describeSample(s)}`);
        return s;
      };
    },
  },
  // backend.c sample_conv_nbsrv(): usable servers of the backend named by the input
  nbsrv: {
    compile: (_args, env) => (s, ctx) => {
      if (s.type !== 'str') return undefined;
      const be = lookupBackend(env, ctx, s.value);
      return be === undefined ? undefined : smpNum(usableServers(be));
    },
  },
  // backend.c sample_conv_srv_queue(): "<backend>/<server>" or "<server>" of the current backend
  srv_queue: {
    compile: (_args, env) => (s, ctx) => {
      if (s.type !== 'str') return undefined;
      const slash = s.value.indexOf('/');
      const be = slash < 0 ? (ctx.backend ?? env.backend) : lookupBackend(env, ctx, s.value.slice(0, slash));
      if (be === undefined) return undefined;
      const name = slash < 0 ? s.value : s.value.slice(slash + 1);
      for (const srv of be.servers) if (srv.name === name) return smpNum(srv.queue.length);
      return undefined;
    },
  },
};

registerConverterImpls(INTERNAL_CONVERTER_IMPLS);
