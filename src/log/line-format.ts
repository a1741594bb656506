/**
 * Compiles a parsed log-format (src/sample/log-format.ts) into a function
 * that prints one traffic log line from a {@link LogRecord}: haproxy 2.6
 * log.c sess_build_logline().
 *
 * Space handling is log.c's `last_isspace`: a separator (a run of spaces in
 * the format, LOG_OPT_MERGE_SPACES) prints one space only when something
 * was written since the last one, and the line starts as if after a space;
 * the capture variables (%hr %hs %hrl %hsl) write nothing at all when the
 * frontend has no captures, so their separators collapse
 * (`0/0 {x} "GET / HTTP/1.1"` with only request captures).
 *
 * `%[expr]` nodes go through src/sample/log-format-eval.ts with
 * `{ log: true }` (a missing sample prints "-"). Compiled once per proxy.
 */
import { hostname } from 'node:os';
import type { LogFormat, LogFormatNode, LogFormatOptions } from '../sample/log-format.js';
import { compileLogFormat } from '../sample/log-format-eval.js';
import type { CompileEnv } from '../sample/compile.js';
import type { Endpoint } from '../sample/context.js';
import { TIMERS as T, type LogRecord } from './log-record.js';

/** A compiled line: the text for one record. */
export type LineFn = (r: LogRecord) => string;

/** One piece: its text, or null when it writes nothing (the capture variables without captures). */
type Op = (r: LogRecord) => string | null;
const SEP: Op = () => ' ';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => (n < 10 ? `0${n}` : String(n));
const p3 = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n));

/** log.c date formats: `%t` "26/Nov/2026:17:40:28.310" (local time, milliseconds). */
export function logDate(ms: number): string {
  const d = new Date(ms);
  return `${p2(d.getDate())}/${MONTHS[d.getMonth()]!}/${d.getFullYear()}:${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${p3(d.getMilliseconds())}`;
}

/** `%T`/`%trg` (GMT) and `%Tl`/`%trl` (local): "26/Nov/2026:17:40:28 +0000". */
function zonedDate(ms: number, gmt: boolean): string {
  const d = new Date(ms);
  if (gmt) {
    return `${p2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]!}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
  }
  const off = -d.getTimezoneOffset();
  const a = Math.abs(off);
  return `${p2(d.getDate())}/${MONTHS[d.getMonth()]!}/${d.getFullYear()}:${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${off < 0 ? '-' : '+'}${p2(Math.floor(a / 60))}${p2(a % 60)}`;
}

/** log.c lf_text_len(): "-" for nothing ("" with +Q), quoted with +Q, escaped with +E. */
function text(v: string | undefined, o: LogFormatOptions): string {
  if (v === undefined) return o.quote ? '""' : '-';
  let s = v;
  if (o.escape) s = s.replace(/["\\\]]/g, (c) => `\\${c}`);
  return o.quote ? `"${s}"` : s;
}

/** A number, in hexadecimal with +X (log.c ltoa / "%04X" for ports and sizes). */
function num(n: number, o: LogFormatOptions): string {
  return o.hexa ? (n >>> 0).toString(16).toUpperCase() : String(n);
}

/** Node reports IPv4 clients of dual-stack sockets as ::ffff:a.b.c.d; haproxy prints the IPv4 address. */
function addrOf(e: Endpoint | undefined): string | undefined {
  if (e === undefined) return undefined;
  const a = e.address;
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

/** http_ana.c: the encoding maps of logs: '#' then two hex digits for non-printables, '"' and '#' (and '{|}' in headers). */
const URL_ENC = /[\x00-\x1f\x7f-\xff"#]/g;
const HDR_ENC = /[\x00-\x1f\x7f-\xff"#{|}]/g;
const hexEnc = (c: string): string => `#${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;

function captures(list: readonly (string | undefined)[] | undefined, braces: boolean, o: LogFormatOptions): string | null {
  if (list === undefined || list.length === 0) return null;
  let s = braces ? '{' : '';
  for (let i = 0; i < list.length; i++) {
    if (i > 0) s += braces ? '|' : ' ';
    const v = list[i];
    if (v !== undefined) s += o.quote ? `"${v.replace(HDR_ENC, hexEnc)}"` : v.replace(HDR_ENC, hexEnc);
    else if (o.quote) s += '""';
  }
  return braces ? `${s}}` : s;
}

/** The parts of the request line (%HM %HU %HP %HQ %HV), read from `r.requestLine`. */
function requestPart(r: LogRecord, part: 'M' | 'U' | 'P' | 'Q' | 'V'): string | undefined {
  const line = r.requestLine;
  if (line === undefined) return undefined;
  const sp1 = line.indexOf(' ');
  const method = sp1 < 0 ? line : line.slice(0, sp1);
  if (part === 'M') return method;
  const rest = sp1 < 0 ? '' : line.slice(sp1 + 1);
  const sp2 = rest.lastIndexOf(' ');
  const uri = sp2 < 0 ? rest : rest.slice(0, sp2);
  if (part === 'V') return sp2 < 0 ? 'HTTP/0.9' : rest.slice(sp2 + 1);
  if (part === 'U') return uri;
  const q = uri.indexOf('?');
  if (part === 'P') return q < 0 ? uri : uri.slice(0, q);
  return q < 0 ? '' : uri.slice(q);
}

let requestCounter = 0;
/** %rt: haproxy's global request counter (s->uniq_id), one per stream or transaction logged. */
export function nextRequestId(): number {
  return requestCounter++;
}

const HOST = hostname();
const PID = String(process.pid);

/** The `%var` variables of configuration.txt §8.2.6 (log.c sess_build_logline() cases). */
function variable(name: string, o: LogFormatOptions): Op {
  switch (name) {
    case 'ci': return (r) => text(addrOf(r.client), o);
    case 'cp': return (r) => (r.client === undefined ? text(undefined, o) : num(r.client.port, o));
    case 'fi': return (r) => text(addrOf(r.frontAddr), o);
    case 'fp': return (r) => (r.frontAddr === undefined ? text(undefined, o) : num(r.frontAddr.port, o));
    case 'bi': return (r) => text(addrOf(r.backSrc), o);
    case 'bp': return (r) => (r.backSrc === undefined ? text(undefined, o) : num(r.backSrc.port, o));
    case 'si': return (r) => text(addrOf(r.serverAddr), o);
    case 'sp': return (r) => (r.serverAddr === undefined ? text(undefined, o) : num(r.serverAddr.port, o));
    case 't': return (r) => logDate(r.acceptDate);
    case 'tr': return (r) => logDate(r.requestDate);
    case 'trg': return (r) => zonedDate(r.requestDate, true);
    case 'trl': return (r) => zonedDate(r.requestDate, false);
    case 'T': return (r) => zonedDate(r.acceptDate, true);
    case 'Tl': return (r) => zonedDate(r.acceptDate, false);
    case 'Ts': return (r) => num(Math.floor(r.acceptDate / 1000), o);
    case 'ms': return (r) => p3(r.acceptDate % 1000);
    case 'f': return (r) => text(r.feName, o);
    case 'ft': return (r) => text(r.feTransport, o);
    case 'b': return (r) => text(r.beName, o);
    case 's': return (r) => text(r.srvName, o);
    case 'Th': return (r) => String(r.tHandshake);
    case 'Ti': return (r) => String(r.tIdle);
    case 'TR': return (r) => String(T.TR(r));
    case 'Tq': return (r) => String(r.tRequest);
    case 'Tw': return (r) => String(T.Tw(r));
    case 'Tc': return (r) => String(T.Tc(r));
    case 'Tr': return (r) => String(T.Tr(r));
    // log.c: '+' before the total times and %B of a frontend with `option logasap` (they are partial).
    case 'Ta': return (r) => (r.asap ? '+' : '') + String(T.Ta(r));
    case 'Tt': return (r) => (r.asap ? '+' : '') + String(r.tClose);
    case 'Tu': return (r) => (r.asap ? '+' : '') + String(T.Tu(r));
    case 'Td': return (r) => String(T.Td(r));
    case 'B': return (r) => (r.asap ? `+${num(r.bytesOut, o)}` : num(r.bytesOut, o));
    case 'U': return (r) => num(r.bytesIn, o);
    case 'ST': return (r) => num(r.status, o);
    case 'CC': return (r) => text(r.capturedCookieReq, o);
    case 'CS': return (r) => text(r.capturedCookieRes, o);
    case 'ts': return (r) => r.termCause + r.termState;
    case 'tsc': return (r) => r.termCause + r.termState + r.cookieCli + r.cookieSrv;
    case 'ac': return (r) => num(r.actconn, o);
    case 'fc': return (r) => num(r.feconn, o);
    case 'bc': return (r) => num(r.beconn, o);
    case 'sc': return (r) => num(r.srvconn, o);
    case 'rc': return (r) => (r.redispatched ? `+${num(r.retries, o)}` : num(r.retries, o));
    case 'sq': return (r) => num(r.srvQueue, o);
    case 'bq': return (r) => num(r.beQueue, o);
    case 'hr': return (r) => captures(r.reqCaptures, true, o);
    case 'hs': return (r) => captures(r.resCaptures, true, o);
    case 'hrl': return (r) => captures(r.reqCaptures, false, o);
    case 'hsl': return (r) => captures(r.resCaptures, false, o);
    case 'r':
      return (r) => text(r.badRequest ? '<BADREQ>' : r.requestLine?.replace(URL_ENC, hexEnc), o);
    case 'HM': return (r) => text(requestPart(r, 'M'), o);
    case 'HU': return (r) => text(requestPart(r, 'U')?.replace(URL_ENC, hexEnc), o);
    case 'HP':
    case 'HPO': return (r) => text(requestPart(r, 'P')?.replace(URL_ENC, hexEnc), o);
    case 'HQ': return (r) => text(requestPart(r, 'Q')?.replace(URL_ENC, hexEnc), o);
    case 'HV': return (r) => text(requestPart(r, 'V'), o);
    case 'ID': return (r) => text(r.uniqueId, o);
    case 'pid': return () => PID;
    case 'H': return () => text(HOST, o);
    case 'lc': return (r) => num(r.logCount, o);
    case 'rt': return () => num(nextRequestId(), o);
    default:
      // %sslc %sslv %Tl... without TLS information: "-".
      return () => text(undefined, o);
  }
}

function compileOp(node: LogFormatNode, env: CompileEnv): Op | { code: string; message: string } {
  switch (node.kind) {
    case 'text': {
      const t = node.text;
      return () => t;
    }
    case 'separator':
      return SEP;
    case 'var':
      return variable(node.name, node.options);
    case 'expr': {
      const c = compileLogFormat({ text: '', nodes: [node] }, env, { log: true });
      if (!c.ok) return { code: c.code, message: c.message };
      const fn = c.fn;
      return (r) => (r.ctx === undefined ? text(undefined, node.options) : fn(r.ctx));
    }
  }
}

/** Compiles a parsed log-format for log lines; fails only on a sample expression without implementation. */
export function compileLogLine(format: LogFormat, env: CompileEnv = {}): { ok: true; fn: LineFn } | { ok: false; code: string; message: string } {
  const ops: Op[] = [];
  for (const n of format.nodes) {
    const op = compileOp(n, env);
    if (typeof op !== 'function') return { ok: false, code: op.code, message: op.message };
    ops.push(op);
  }
  return {
    ok: true,
    fn: (r) => {
      let out = '';
      // log.c: last_isspace starts true, so leading separators print nothing.
      let sp = true;
      for (let i = 0; i < ops.length; i++) {
        const op = ops[i]!;
        if (op === SEP) {
          if (!sp) {
            out += ' ';
            sp = true;
          }
          continue;
        }
        const v = op(r);
        if (v === null) continue;
        out += v;
        sp = false;
      }
      return out;
    },
  };
}
