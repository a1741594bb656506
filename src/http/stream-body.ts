/**
 * The request body as fetches see it (configuration.txt §7.3.6 `req.body`,
 * `req.body_len`, `req.body_size`, `req.body_param`): the bytes an HTTP
 * stream buffered before its rules ran, with `option http-buffer-request`
 * (stream.ts). Without buffering, nothing of the body is in the buffer when
 * the request rules run, so the fetches see an empty body, as haproxy's do.
 */
import type { SampleContext } from '../sample/context.js';
import { argStr, hasArg, registerFetchImpls, type FetchImpl } from '../sample/impl-registry.js';
import { smpBin, smpNum } from '../sample/sample.js';

/** What an HTTP stream exposes of its buffered request body (on `ctx.http`). */
export interface BodySlot {
  /** The de-chunked body bytes received so far (empty when nothing was buffered). */
  readonly reqBodyBytes: Buffer | undefined;
  /** The announced length (Content-Length), or undefined for a chunked or absent body. */
  readonly reqBodyDeclared: number | undefined;
}

function bodyOf(ctx: SampleContext): BodySlot | undefined {
  const h = ctx.http as Partial<BodySlot> | undefined;
  return h !== undefined && 'reqBodyBytes' in h ? (h as BodySlot) : undefined;
}

const EMPTY = Buffer.alloc(0);

/**
 * http_fetch.c smp_fetch_param() on the body: the value of the first
 * `name=value` pair of an `application/x-www-form-urlencoded` body, pairs
 * separated by '&' (the name compared case-sensitively); without a name, the
 * first value.
 */
function bodyParam(body: Buffer, name: string | undefined): Buffer | undefined {
  let start = 0;
  while (start <= body.length) {
    let end = body.indexOf(0x26, start);
    if (end < 0) end = body.length;
    const eq = body.indexOf(0x3d, start);
    const nameEnd = eq >= 0 && eq < end ? eq : end;
    if (name === undefined || (nameEnd - start === name.length && body.toString('latin1', start, nameEnd) === name)) {
      if (eq >= 0 && eq < end) return body.subarray(eq + 1, end);
      if (name !== undefined) return EMPTY;
    }
    start = end + 1;
  }
  return undefined;
}

const TABLE: Record<string, FetchImpl> = {
  'req.body': {
    compile: () => (ctx) => {
      const b = bodyOf(ctx);
      return b === undefined ? undefined : smpBin(b.reqBodyBytes ?? EMPTY);
    },
  },
  'req.body_len': {
    compile: () => (ctx) => {
      const b = bodyOf(ctx);
      return b === undefined ? undefined : smpNum(b.reqBodyBytes?.length ?? 0);
    },
  },
  'req.body_size': {
    compile: () => (ctx) => {
      const b = bodyOf(ctx);
      return b === undefined ? undefined : smpNum(b.reqBodyDeclared ?? b.reqBodyBytes?.length ?? 0);
    },
  },
  'req.body_param': {
    compile: (args) => {
      const name = hasArg(args, 0) ? argStr(args, 0) : undefined;
      return (ctx) => {
        const b = bodyOf(ctx);
        if (b === undefined || b.reqBodyBytes === undefined) return undefined;
        const v = bodyParam(b.reqBodyBytes, name);
        return v === undefined ? undefined : smpBin(v);
      };
    },
  },
};

registerFetchImpls(TABLE);
