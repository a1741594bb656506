/**
 * The two HTTP/1 parsers of a `mode http` client connection: requests from
 * the client and responses from the server, with the global tunables
 * (`tune.bufsize`, `tune.maxrewrite`, `tune.http.maxhdr`), `option
 * accept-invalid-http-request` and `h1-accept-payload-with-any-method`
 * resolved once per frontend, and the parser events bound to the stream's
 * own methods (no closure per event).
 */
import type { Frontend, Runtime } from '../proxy/runtime.js';
import type { H1Head } from './h1-head.js';
import { H1Parser, type H1Events, type H1ParserOptions } from './h1-parser.js';
import { writeLastChunk } from './h1-writer.js';
import { acceptPayloadAnyMethod } from './http-misc.js';
import type { HttpStream } from './stream.js';

/** Request parser events: the stream's own methods. */
class ReqEvents implements H1Events {
  constructor(private readonly s: HttpStream) {}
  onHead(head: H1Head): boolean {
    this.s.onReqHead(head);
    return false;
  }
  onData(buf: Buffer, start: number, end: number): void {
    this.s.reqBody(buf, start, end);
  }
  onTrailers(t: H1Head): void {
    this.s.reqTrailers = writeLastChunk(t);
  }
  onEnd(): boolean {
    this.s.onReqEnd();
    return false;
  }
}

class ResEvents implements H1Events {
  constructor(private readonly s: HttpStream) {}
  onHead(head: H1Head): boolean {
    return this.s.onResHead(head);
  }
  onData(buf: Buffer, start: number, end: number): void {
    this.s.resBody(buf, start, end);
  }
  onTrailers(t: H1Head): void {
    this.s.resTrailers = writeLastChunk(t);
  }
  onEnd(): boolean {
    this.s.onResEnd();
    return false;
  }
}

interface ParserOptions {
  readonly req: H1ParserOptions;
  readonly res: H1ParserOptions;
}

const byFrontend = new WeakMap<Frontend, ParserOptions>();

function tuneNum(m: ReadonlyMap<string, number | string | boolean>, k: string): number | undefined {
  const v = m.get(k);
  return typeof v === 'number' ? v : undefined;
}

/** The parsers' options for `fe`, decided on its first connection. */
function optionsFor(runtime: Runtime, fe: Frontend): ParserOptions {
  let o = byFrontend.get(fe);
  if (o !== undefined) return o;
  const g = runtime.model.global;
  // Unset tunables are left out so that the parser's defaults apply.
  const limits: { bufsize?: number; maxrewrite?: number; maxhdr?: number } = {};
  const bufsize = tuneNum(g.tune, 'tune.bufsize');
  const maxrewrite = tuneNum(g.tune, 'tune.maxrewrite');
  const maxhdr = tuneNum(g.tune, 'tune.http.maxhdr');
  if (bufsize !== undefined) limits.bufsize = bufsize;
  if (maxrewrite !== undefined) limits.maxrewrite = maxrewrite;
  if (maxhdr !== undefined) limits.maxhdr = maxhdr;
  o = {
    req: { kind: 'request', ...limits, acceptInvalid: fe.config.options.get('accept-invalid-http-request') === true, acceptPayloadAnyMethod: acceptPayloadAnyMethod(g) },
    res: { kind: 'response', ...limits },
  };
  byFrontend.set(fe, o);
  return o;
}

/** A new request parser for `s`, a connection of `fe`. */
export function requestParser(runtime: Runtime, fe: Frontend, s: HttpStream): H1Parser {
  return new H1Parser(optionsFor(runtime, fe).req, new ReqEvents(s));
}

/** A new response parser for `s`. */
export function responseParser(runtime: Runtime, fe: Frontend, s: HttpStream): H1Parser {
  return new H1Parser(optionsFor(runtime, fe).res, new ResEvents(s));
}
