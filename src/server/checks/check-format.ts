/**
 * The log-format strings and sample expressions a check rule may carry
 * (`on-success`, `on-error`, `status-code`, `send-lf`, `string-lf`...,
 * configuration.txt §4.2 "tcp-check expect").
 *
 * The check engine evaluates them on its own small context (the bytes read
 * from the server and the `check.*` variables) with the subset of the sample
 * language haproxy's built-in checks use: `res.payload(<off>,<len>)`,
 * `var(<name>)`, `str(<s>)`, `int(<n>)` and the converters `cut_crlf`,
 * `ltrim`, `rtrim`, `lower`, `upper`, `hex`, `htonl`. Anything else is kept as
 * literal text. TODO(sample): evaluate through src/sample/ once it exposes a
 * check context (haproxy runs them in the check's session).
 */

/** What a check format is evaluated against. */
export interface CheckFormatContext {
  /** The bytes received from the server since the last send (haproxy's check->bi). */
  readonly payload: Buffer;
  /** `check.*` variables (name without the scope, as `smtp_cmd`). */
  readonly vars: ReadonlyMap<string, string>;
}

type Value = string | number | Buffer | undefined;

interface Call {
  readonly name: string;
  readonly args: readonly string[];
}

/** A compiled format: literal pieces and expressions, in order. */
export type CheckFormat = readonly (string | readonly Call[])[];

/** Splits `name(a,b)` calls separated by commas at depth 0. */
function parseCalls(expr: string): Call[] | undefined {
  const calls: Call[] = [];
  let i = 0;
  while (i < expr.length) {
    const m = /^([a-zA-Z_][a-zA-Z0-9_.]*)/.exec(expr.slice(i));
    if (m === null) return undefined;
    const name = m[1] ?? '';
    i += name.length;
    const args: string[] = [];
    if (expr[i] === '(') {
      let depth = 1;
      let cur = '';
      let quote = '';
      i++;
      for (; i < expr.length && depth > 0; i++) {
        const ch = expr[i] ?? '';
        if (quote !== '') {
          if (ch === quote) quote = '';
          else cur += ch;
          continue;
        }
        if (ch === "'" || ch === '"') quote = ch;
        else if (ch === '(') { depth++; cur += ch; }
        else if (ch === ')') { depth--; if (depth > 0) cur += ch; }
        else if (ch === ',' && depth === 1) { args.push(cur); cur = ''; }
        else cur += ch;
      }
      if (depth !== 0) return undefined;
      args.push(cur);
    }
    calls.push({ name, args });
    if (i < expr.length) {
      if (expr[i] !== ',') return undefined;
      i++;
    }
  }
  return calls.length > 0 ? calls : undefined;
}

/** Compiles a log-format string: `%[expr]` parts become expressions, the rest stays text. */
export function compileCheckFormat(text: string): CheckFormat {
  const out: (string | readonly Call[])[] = [];
  let lit = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('%[', i)) {
      const end = text.indexOf(']', i + 2);
      const calls = end < 0 ? undefined : parseCalls(text.slice(i + 2, end));
      if (calls !== undefined) {
        if (lit !== '') out.push(lit);
        lit = '';
        out.push(calls);
        i = end + 1;
        continue;
      }
    }
    // log.c: "%%" is a literal percent sign.
    if (text.startsWith('%%', i)) {
      lit += '%';
      i += 2;
      continue;
    }
    lit += text[i];
    i++;
  }
  if (lit !== '') out.push(lit);
  return out;
}

/** Compiles a sample expression (`status-code res.payload(0,3)`); undefined when not supported. */
export function compileCheckExpr(text: string): readonly Call[] | undefined {
  return parseCalls(text);
}

function toBuffer(v: Value): Buffer | undefined {
  if (v === undefined) return undefined;
  if (Buffer.isBuffer(v)) return v;
  return Buffer.from(String(v), 'latin1');
}

function toText(v: Value): string | undefined {
  if (v === undefined) return undefined;
  return Buffer.isBuffer(v) ? v.toString('latin1') : String(v);
}

function trimSet(arg: string | undefined): string {
  return arg ?? ' ';
}

function evalCalls(calls: readonly Call[], ctx: CheckFormatContext): Value {
  const [fetch, ...convs] = calls;
  if (fetch === undefined) return undefined;
  let v: Value;
  switch (fetch.name) {
    case 'res.payload':
    case 'req.payload': {
      // payload(<offset>,<length>): a length of 0 means "up to the end" (payload.c smp_fetch_payload()).
      const off = Number(fetch.args[0] ?? 0);
      const len = Number(fetch.args[1] ?? 0);
      if (!Number.isInteger(off) || !Number.isInteger(len) || off > ctx.payload.length) return undefined;
      const end = len === 0 ? ctx.payload.length : off + len;
      if (end > ctx.payload.length) return undefined;
      v = ctx.payload.subarray(off, end);
      break;
    }
    case 'var': {
      const name = (fetch.args[0] ?? '').replace(/^check\./, '');
      v = ctx.vars.get(name);
      break;
    }
    case 'str':
      v = fetch.args.join(',');
      break;
    case 'int':
      v = Number(fetch.args[0] ?? 0);
      break;
    default:
      return undefined;
  }
  for (const c of convs) {
    if (v === undefined) return undefined;
    switch (c.name) {
      case 'cut_crlf': {
        // sample.c sample_conv_cut_crlf(): cut at the first CR or LF.
        const t = toText(v) ?? '';
        const at = t.search(/[\r\n]/);
        v = at < 0 ? t : t.slice(0, at);
        break;
      }
      case 'ltrim': {
        const set = trimSet(c.args[0]);
        const t = toText(v) ?? '';
        let k = 0;
        while (k < t.length && set.includes(t[k] ?? '')) k++;
        v = t.slice(k);
        break;
      }
      case 'rtrim': {
        const set = trimSet(c.args[0]);
        const t = toText(v) ?? '';
        let k = t.length;
        while (k > 0 && set.includes(t[k - 1] ?? '')) k--;
        v = t.slice(0, k);
        break;
      }
      case 'lower':
        v = (toText(v) ?? '').toLowerCase();
        break;
      case 'upper':
        v = (toText(v) ?? '').toUpperCase();
        break;
      case 'hex':
        v = (toBuffer(v) ?? Buffer.alloc(0)).toString('hex').toUpperCase();
        break;
      case 'htonl': {
        const b = Buffer.alloc(4);
        b.writeUInt32BE(Number(toText(v)) >>> 0);
        v = b;
        break;
      }
      default:
        return undefined;
    }
  }
  return v;
}

/** Evaluates a compiled format to a latin1 string (a missing sample writes nothing, as in logs without `%{+Q}`). */
export function evalCheckFormat(fmt: CheckFormat, ctx: CheckFormatContext): string {
  let out = '';
  for (const part of fmt) {
    if (typeof part === 'string') out += part;
    else out += toText(evalCalls(part, ctx)) ?? '';
  }
  return out;
}

/** Evaluates an expression to a latin1 string (`set-var`); undefined when the sample cannot be fetched. */
export function evalCheckExpr(calls: readonly Call[], ctx: CheckFormatContext): string | undefined {
  return toText(evalCalls(calls, ctx));
}

/** Evaluates an expression to an integer (sample cast to SINT); undefined when it yields nothing numeric. */
export function evalCheckInt(calls: readonly Call[], ctx: CheckFormatContext): number | undefined {
  const v = evalCalls(calls, ctx);
  if (v === undefined) return undefined;
  if (typeof v === 'number') return Math.trunc(v);
  // sample.c c_str2int(): leading digits, optional sign; no digits gives 0... haproxy fails the cast on garbage.
  const m = /^[+-]?\d+/.exec(toText(v) ?? '');
  return m === null ? undefined : Number(m[0]);
}
