/**
 * Log-format strings (configuration.txt §8.2.6 "Custom log format"): used by
 * `log-format`, `unique-id-format`, `http-request set-header`, `use_backend`
 * with `%[...]`, and many actions. Text, `%var` variables with optional
 * `%{+Q,-X}` flags, and `%[expr]` sample expressions.
 *
 * Mirrors HAProxy 2.6 log.c parse_logformat_string() -- a small state
 * machine -- so that errors come out with the same text and positions.
 */
import { fetchCheckpoints } from './fetch-registry.js';
import { parseExpressionCore, type SampleExpression } from './expression.js';
import { sourceNames, usageCheckpoints, type ParseCtx, type SampleUsage } from './types.js';

/** Flags of a node (log.c logformat_options): +Q quote, +X hexadecimal, +E escape. */
export interface LogFormatOptions {
  readonly quote: boolean;
  readonly hexa: boolean;
  readonly escape: boolean;
}

/** One element of a parsed format. */
export type LogFormatNode =
  | { readonly kind: 'text'; readonly text: string }
  /** A run of spaces, merged (only in `log-format`, `log-format-sd` and `unique-id-format`). */
  | { readonly kind: 'separator' }
  | { readonly kind: 'var'; readonly name: string; readonly options: LogFormatOptions }
  | { readonly kind: 'expr'; readonly expr: SampleExpression; readonly options: LogFormatOptions };

/** A parsed format string: a flat list, ready to be compiled into a writer at load time. */
export interface LogFormat {
  readonly text: string;
  readonly nodes: readonly LogFormatNode[];
}

/** How a format variable may be used (log.c logformat_keywords[]: the mode column). */
interface LogVar {
  readonly name: string;
  readonly httpOnly: boolean;
}

/** configuration.txt §8.2.6 table, plus "o"; H = HTTP mode only. */
export const LOG_FORMAT_VARIABLES: readonly LogVar[] = [
  ['o', false], ['B', false], ['CC', true], ['CS', true], ['H', false], ['HM', true], ['HP', true], ['HPO', true],
  ['HQ', true], ['HU', true], ['HV', true], ['ID', false], ['ST', false], ['T', false], ['Ta', true], ['Tc', false],
  ['Td', false], ['Th', false], ['Ti', true], ['Tl', false], ['Tq', true], ['TR', true], ['Tr', true], ['Ts', false],
  ['Tt', false], ['Tu', false], ['Tw', false], ['U', false], ['ac', false], ['b', false], ['bc', false], ['bi', false],
  ['bp', false], ['bq', false], ['ci', false], ['cp', false], ['f', false], ['fc', false], ['fi', false], ['fp', false],
  ['ft', false], ['hr', false], ['hrl', false], ['hs', false], ['hsl', false], ['lc', false], ['ms', false], ['pid', false],
  ['r', true], ['rc', false], ['rt', false], ['s', false], ['sc', false], ['si', false], ['sp', false], ['sq', false],
  ['sslc', false], ['sslv', false], ['t', false], ['tr', true], ['trg', true], ['trl', true], ['ts', false], ['tsc', false],
].map(([name, httpOnly]) => ({ name: name as string, httpOnly: httpOnly as boolean }));

const VARS = new Map(LOG_FORMAT_VARIABLES.map((v) => [v.name, v]));

/** Extra switches the callers of parse_logformat_string() pass. */
export interface LogFormatOpts {
  /** LOG_OPT_MERGE_SPACES: spaces become separators (log-format, unique-id-format). */
  mergeSpaces?: boolean;
  /** LOG_OPT_HTTP: warn about layer-6 fetches (HTTP actions). */
  http?: boolean;
}

const HTTP_ACTIONS: ReadonlySet<SampleUsage> = new Set<SampleUsage>(['http-request', 'http-response', 'http-after-response', 'redirect']);

/** log.c parse_logformat_var_args(): "+Q,-X,..."; unknown flags are ignored. */
function applyFlags(args: string, base: LogFormatOptions): LogFormatOptions {
  const o = { ...base };
  for (const part of args.split(',')) {
    const sign = part[0];
    const name = part.slice(1);
    if (sign !== '+' && sign !== '-') continue;
    const on = sign === '+';
    if (name === 'Q') o.quote = on;
    else if (name === 'X') o.hexa = on;
    else if (name === 'E') o.escape = on;
  }
  return o;
}

const isAlpha = (c: string | undefined): boolean => c !== undefined && /[A-Za-z]/.test(c);
const isAlnum = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9]/.test(c);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

type State = 'INIT' | 'TEXT' | 'SEPARATOR' | 'STARTVAR' | 'STARG' | 'EDARG' | 'STEXPR' | 'EDEXPR' | 'VAR' | 'END';

/**
 * Parses a log-format string. `ctx.usage` decides which fetches `%[...]` may
 * use (error "sample fetch <...> may not be reliably used here because it
 * needs '...' which is not available here") and `ctx.proxyMode` which
 * variables exist ("format variable 'r' is reserved for HTTP mode").
 * Messages are HAProxy's inner text; `warnings` are printed by HAProxy with
 * "parsing [file:line] : ".
 */
export function parseLogFormat(
  text: string,
  ctx: ParseCtx,
  opts: LogFormatOpts = {},
): { ok: true; format: LogFormat; warnings: string[] } | { ok: false; message: string; hint?: string } {
  const mergeSpaces = opts.mergeSpaces ?? (ctx.usage === 'log-format' || ctx.usage === 'unique-id-format');
  const http = opts.http ?? HTTP_ACTIONS.has(ctx.usage);
  const cap = usageCheckpoints(ctx.usage, ctx.proxyCap);
  const httpMode = ctx.proxyMode !== 'tcp';
  const nodes: LogFormatNode[] = [];
  const warnings: string[] = [];
  let options: LogFormatOptions = { quote: false, hexa: false, escape: false };

  // Positions into `text`; `var`/`arg` are HAProxy's pointers (-1 = NULL).
  let sp = 0;
  let arg = -1;
  let argLen = 0;
  let varStart = -1;
  let varLen = 0;
  let cformat: State = 'INIT';
  let pformat: State;
  const at = (i: number): string | undefined => (i < text.length ? text[i] : undefined);
  const argText = (): string => (arg < 0 ? '' : text.slice(arg, arg + argLen));

  for (let str = 0; cformat !== 'END'; str++) {
    pformat = cformat;
    const c = at(str);
    if (c === undefined) cformat = 'END';

    switch (pformat) {
      case 'STARTVAR':
        arg = -1;
        varStart = -1;
        argLen = 0;
        varLen = 0;
        if (c === '{') {
          cformat = 'STARG';
          arg = str + 1;
        } else if (c === '[') {
          cformat = 'STEXPR';
          varStart = str + 1;
        } else if (isAlpha(c)) {
          cformat = 'VAR';
          varStart = str;
        } else if (c === '%') cformat = 'TEXT';
        else if (isDigit(c) || c === ' ' || c === '\t') {
          return { ok: false, message: `unexpected variable name near '${c!}' at position ${str} line : '${text}'. Maybe you want to write a single '%', use the syntax '%%'` };
        } else cformat = 'INIT';
        break;
      case 'STARG':
        if (c === '}') {
          cformat = 'EDARG';
          argLen = str - arg;
        }
        break;
      case 'EDARG':
        if (c === '[') {
          cformat = 'STEXPR';
          varStart = str + 1;
          break;
        } else if (isAlnum(c)) {
          cformat = 'VAR';
          varStart = str;
          break;
        }
        return { ok: false, message: `parse argument modifier without variable name near '%{${argText()}}'` };
      case 'STEXPR': {
        // log.c: "the whole sample expression is parsed at once"
        const rest = text.slice(varStart);
        const r = parseExpressionCore([rest], 0, true);
        if (!r.ok) {
          const m = `failed to parse sample expression <${rest}> : ${r.message}`;
          return r.hint === undefined ? { ok: false, message: m } : { ok: false, message: m, hint: r.hint };
        }
        const nodeOpts = argLen > 0 ? applyFlags(argText(), options) : options;
        if ((fetchCheckpoints(r.expr.fetch) & cap) === 0) {
          return { ok: false, message: `sample fetch <${rest}> may not be reliably used here because it needs '${sourceNames(r.expr.fetch.use)}' which is not available here` };
        }
        warnings.push(...r.warnings);
        if (http && (r.expr.fetch.use.includes('L6REQ') || r.expr.fetch.use.includes('L6RES'))) {
          warnings.push(`L6 sample fetch <${rest}> ignored in HTTP log-format string.`);
        }
        nodes.push({ kind: 'expr', expr: r.expr, options: nodeOpts });
        str = varStart + r.endPos;
        const e = at(str);
        if (e === ']') {
          cformat = pformat = 'EDEXPR';
          sp = str;
        } else {
          const consumed = text.slice(varStart, str);
          if (e !== undefined && e >= ' ' && e <= '~') return { ok: false, message: `expected ']' after '${consumed}', but found '${e}'` };
          return { ok: false, message: `missing ']' after '${consumed}'` };
        }
        break;
      }
      case 'VAR':
        varLen = str - varStart;
        if (!isAlnum(c)) cformat = 'INIT';
        break;
      default:
        cformat = 'INIT';
    }

    if (cformat === 'INIT') {
      if (c === '%') cformat = 'STARTVAR';
      else if (c === undefined) cformat = 'END';
      else if (c === ' ' && mergeSpaces) cformat = 'SEPARATOR';
      else cformat = 'TEXT';
    }

    if (cformat !== pformat || pformat === 'SEPARATOR') {
      if (pformat === 'VAR') {
        const name = text.slice(varStart, varStart + varLen);
        const v = VARS.get(name);
        if (v === undefined) return { ok: false, message: `no such format variable '${name}'. If you wanted to emit the '%' character verbatim, you need to use '%%'` };
        if (v.httpOnly && !httpMode) return { ok: false, message: `format variable '${name}' is reserved for HTTP mode` };
        const nodeOpts = argLen > 0 ? applyFlags(argText(), options) : options;
        // log.c: "%o" only changes the options of the following nodes
        if (name === 'o') options = nodeOpts;
        else nodes.push({ kind: 'var', name, options: nodeOpts });
      } else if (pformat === 'TEXT') {
        const t = text.slice(sp, str);
        const last = nodes[nodes.length - 1];
        if (last !== undefined && last.kind === 'text') nodes[nodes.length - 1] = { kind: 'text', text: last.text + t };
        else if (t !== '') nodes.push({ kind: 'text', text: t });
      } else if (pformat === 'SEPARATOR') {
        const last = nodes[nodes.length - 1];
        if (last === undefined || last.kind !== 'separator') nodes.push({ kind: 'separator' });
      }
      sp = str;
    }
  }

  if (pformat! === 'STARTVAR' || pformat! === 'STARG' || pformat! === 'STEXPR') {
    const what = varStart >= 0 ? text.slice(varStart) : arg >= 0 ? text.slice(arg) : '%';
    return { ok: false, message: `truncated line after '${what}'` };
  }
  return { ok: true, format: { text, nodes }, warnings };
}
