/**
 * Persistence keywords (configuration.txt §4.2): `cookie`,
 * `dynamic-cookie-key`, `persist rdp-cookie`, `force-persist`,
 * `ignore-persist`, `stick-table` and `stick on|match|store-request|store-response`.
 */
import type { CookieConfig, ProxyConfig, StickTableConfig } from '../model/proxy.js';
import type { LineContext } from '../section-registry.js';
import { proxyKeywords } from '../sections/proxy-keywords.js';
import { parseStickTable } from '../stick-table.js';
import { parseTimeIn, reportTimeWarning } from '../units.js';
import { parseSampleExpression } from '../../sample/expression.js';
import { fetchCheckpoints } from '../../sample/fetch-registry.js';
import { ckp, sourceNames } from '../../sample/types.js';
import { proxyTypeStr, warnIfNotCap } from './util.js';
import { parseCtxFor, parseRuleCondition, refuseInDefaults } from './general.js';

const STICK = 'lands with stick tables';

/** invalid_domainchar(): domain names hold letters, digits, '.', '-' and '_'. */
function invalidDomainChar(name: string): string | undefined {
  for (const c of name) if (!/[A-Za-z0-9._-]/.test(c)) return c;
  return undefined;
}

/** `maxidle`/`maxlife`: a time in seconds; returns undefined after the alert. */
function cookieSeconds(ctx: LineContext, opt: string, value: string, what: string): number | undefined {
  if (value === '') {
    ctx.alert('CFG_COOKIE_ARGS', `'${opt}' expects <${what}> in seconds as argument.`, 'parsing-tight');
    return undefined;
  }
  const r = parseTimeIn(value, 's');
  reportTimeWarning(ctx, r);
  if (!r.ok) {
    if (r.overflow === true) {
      ctx.alert('CFG_COOKIE_ARGS', `timer overflow in argument <${value}> to <${opt}>, maximum value is 2147483647 s (~68 years).`, 'parsing-tight');
    } else if (r.underflow === true) {
      ctx.alert('CFG_COOKIE_ARGS', `timer underflow in argument <${value}> to <${opt}>, minimum non-null value is 1 s.`, 'parsing-tight');
    } else {
      ctx.alert('CFG_COOKIE_ARGS', `unexpected character '${r.badChar ?? ''}' in argument to <${opt}>.`, 'parsing-tight');
    }
    return undefined;
  }
  return r.value;
}

function parseCookie(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  warnIfNotCap(ctx, p, 'backend', 'cookie');
  const name = words[1] ?? '';
  if (name === '') {
    ctx.alert('CFG_COOKIE_ARGS', `'cookie' expects <cookie_name> as argument.`);
    return;
  }
  const c: CookieConfig = {
    place: ctx.place, name, indirect: false, nocache: false, postonly: false, preserve: false,
    httponly: false, secure: false, dynamic: false, domains: [], attrs: [],
  };
  const modes = new Set<'rewrite' | 'insert' | 'prefix'>();
  for (let i = 2; (words[i] ?? '') !== ''; i++) {
    const w = words[i] ?? '';
    const next = words[i + 1] ?? '';
    switch (w) {
      case 'rewrite': case 'insert': case 'prefix': modes.add(w); break;
      case 'indirect': c.indirect = true; break;
      case 'nocache': c.nocache = true; break;
      case 'postonly': c.postonly = true; break;
      case 'preserve': c.preserve = true; break;
      case 'httponly': c.httponly = true; break;
      case 'secure': c.secure = true; break;
      case 'domain': {
        if (next === '') {
          ctx.alert('CFG_COOKIE_ARGS', `'domain' expects <domain> as argument.`, 'parsing-tight');
          return;
        }
        if (!next.includes('.')) {
          // RFC 6265 §5.2.3: a domain without an embedded dot is ignored by user agents.
          ctx.warning('CFG_COOKIE_DOMAIN', `domain '${next}' contains no embedded dot, this configuration may not work properly (see RFC6265#5.2.3).`, 'parsing-tight');
        }
        const bad = invalidDomainChar(next);
        if (bad !== undefined) {
          ctx.alert('CFG_COOKIE_ARGS', `character '${bad}' is not permitted in domain name '${next}'.`, 'parsing-tight');
          return;
        }
        c.domains.push(next);
        i++;
        break;
      }
      case 'maxidle': case 'maxlife': {
        const v = cookieSeconds(ctx, w, next, w === 'maxidle' ? 'idletime' : 'lifetime');
        if (v === undefined) return;
        if (w === 'maxidle') c.maxIdle = v;
        else c.maxLife = v;
        i++;
        break;
      }
      case 'dynamic':
        warnIfNotCap(ctx, p, 'backend', 'dynamic');
        c.dynamic = true;
        break;
      case 'attr': {
        if (next === '') {
          ctx.alert('CFG_COOKIE_ARGS', `'attr' expects <value> as argument.`, 'parsing-tight');
          return;
        }
        for (const ch of next) {
          const code = ch.charCodeAt(0);
          if (code < 0x20 || code === 0x7f || ch === ';') {
            const hex = code.toString(16).toUpperCase().padStart(2, '0');
            ctx.alert('CFG_COOKIE_ARGS', `character '%x${hex}' is not permitted in attribute value.`, 'parsing-tight');
            return;
          }
        }
        c.attrs.push(next);
        i++;
        break;
      }
      default:
        ctx.alert(
          'CFG_COOKIE_ARGS',
          `'cookie' supports 'rewrite', 'insert', 'prefix', 'indirect', 'nocache', 'postonly', 'domain', 'maxidle', 'dynamic', 'maxlife' and 'attr' options.`,
        );
        return;
    }
  }
  if (modes.has('rewrite') && c.indirect) {
    ctx.alert('CFG_COOKIE_ARGS', `cookie 'rewrite' and 'indirect' modes are incompatible.`);
    return;
  }
  if (modes.size > 1) {
    ctx.alert('CFG_COOKIE_ARGS', `cookie 'rewrite', 'insert' and 'prefix' modes are incompatible.`);
    return;
  }
  if (c.preserve && !modes.has('insert') && !c.indirect) {
    ctx.alert('CFG_COOKIE_ARGS', `cookie 'preserve' requires at least 'insert' or 'indirect'.`);
    return;
  }
  c.mode = [...modes][0];
  // Enforced by src/http/cookie-persistence.ts.
  p.cookie = c;
}

function parsePersist(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  const m = words[1] ?? '';
  if (m === '') {
    ctx.alert('CFG_PERSIST_ARGS', 'missing persist method.');
    return;
  }
  if (!m.startsWith('rdp-cookie')) {
    ctx.alert('CFG_PERSIST_ARGS', 'unknown persist method.');
    return;
  }
  const rest = m.slice(10);
  let name = 'msts';
  if (rest !== '') {
    const close = rest.indexOf(')', 1);
    if (rest[0] !== '(' || close <= 1) {
      ctx.alert('CFG_PERSIST_ARGS', `persist rdp-cookie(name)' requires an rdp cookie name.`);
      return;
    }
    name = rest.slice(1, close);
  }
  p.persistRdpCookie = name;
  // src/tcp/rdp-persist.ts applies it to mode tcp streams. In mode http there is nothing to
  // apply: the cookie is part of an RDP connection request (after the TPKT/X.224 header), which an
  // HTTP request never is; haproxy 2.6's rdp_cookie fetch reads the HTX buffer and finds nothing.
  if (p.mode === 'http') ctx.notEnforced(`'persist rdp-cookie' (in mode http: an RDP cookie only exists in an RDP connection request, never in an HTTP request, so it has no effect, as in haproxy)`);
}

function persistRule(kind: 'force-persist' | 'ignore-persist') {
  return {
    name: kind,
    parse(ctx: LineContext, p: ProxyConfig, words: string[]): void {
      if (refuseInDefaults(ctx, p, kind)) return;
      warnIfNotCap(ctx, p, 'backend', kind);
      const w = words[1] ?? '';
      if (w !== 'if' && w !== 'unless') {
        ctx.alert('CFG_RULE_CONDITION_REQUIRED', `'${kind}' requires either 'if' or 'unless' followed by a condition.`);
        return;
      }
      // cfgparse-listen.c checks the condition against BE_REQ_CNT, the step after the backend is chosen.
      const r = parseRuleCondition(ctx, p, words, 1, 'tcp-request content', `error detected while parsing a '${kind}' rule`, { frontend: false, backend: true });
      if (!r.ok || r.cond === undefined) return;
      // Enforced by src/tcp/stream.ts and src/http/cookie-persistence.ts.
      (kind === 'force-persist' ? p.forcePersist : p.ignorePersist).push({ place: ctx.place, cond: r.cond });
    },
  };
}

function parseStickTableKw(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  if (p.cap.defaults) {
    ctx.alert('CFG_NOT_IN_DEFAULTS', `'stick-table' is not supported in 'defaults' section.`);
    return;
  }
  const other = ctx.model.proxies.find((o) => o !== p && o.stickTable !== undefined && o.name === p.name);
  if (other?.stickTable !== undefined) {
    const at = other.stickTable.place;
    ctx.alert('CFG_STICK_TABLE_CONFLICT', `stick-table name '${p.name}' conflicts with table declared in ${proxyTypeStr(other)} '${other.name}' at ${at.file}:${at.line}.`);
  }
  const t = parseStickTable(ctx, words, p.name);
  if (t === undefined) return;
  p.stickTable = t;
  ctx.notEnforced(`'stick-table' (${STICK})`);
}

function parseStick(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  if (refuseInDefaults(ctx, p, 'stick')) return;
  if (warnIfNotCap(ctx, p, 'backend', 'stick')) return;
  const sub = words[1] ?? '';
  let kind: 'on' | 'match' | 'store-request' | 'store-response';
  if (sub === 'store' || sub === 'store-request') kind = 'store-request';
  else if (sub === 'store-response') kind = 'store-response';
  else if (sub === 'match') kind = 'match';
  else if (sub === 'on') kind = 'on';
  else {
    ctx.alert('CFG_STICK_ARGS', `'stick' expects 'on', 'match', or 'store'.`);
    return;
  }
  if ((words[2] ?? '') === '') {
    ctx.alert('CFG_STICK_ARGS', `'stick' expects a fetch method.`);
    return;
  }
  const pc = { ...parseCtxFor(ctx, p, kind === 'store-response' ? 'stick store-response' : 'stick on'), skipUsageCheck: true };
  const r = parseSampleExpression(words, 2, pc);
  if (!r.ok) {
    ctx.alert('CFG_STICK_ARGS', `'stick': ${r.message}`);
    return;
  }
  const expr = r.expr;
  const onResponse = kind === 'store-response';
  if ((fetchCheckpoints(expr.fetch) & ckp(onResponse ? 'BE_STO_RUL' : 'BE_SET_SRV')) === 0) {
    ctx.alert(
      'CFG_STICK_ARGS',
      `'stick': fetch method '${expr.fetchName}' extracts information from '${sourceNames(expr.fetch.use)}', none of which is available ${onResponse ? "for 'store-response'" : 'during request'}.`,
    );
    return;
  }
  let i = r.next;
  let table: string | undefined;
  if (words[i] === 'table') {
    table = words[i + 1] ?? '';
    i += 2;
  }
  const w = words[i] ?? '';
  let cond;
  if (w === 'if' || w === 'unless') {
    const c = parseRuleCondition(ctx, p, words, i, onResponse ? 'stick store-response' : 'stick on', `'stick': error detected while parsing sticking condition`);
    if (!c.ok) return;
    cond = c.cond;
  } else if (w !== '') {
    ctx.alert('CFG_STICK_ARGS', `'stick': unknown keyword '${w}'.`);
    return;
  }
  p.stickRules.push({ place: ctx.place, kind, expression: expr, table, cond });
  ctx.notEnforced(`'stick ${sub}' (${STICK})`);
}

proxyKeywords.register(
  { name: 'cookie', parse: parseCookie },
  {
    name: 'dynamic-cookie-key',
    parse(ctx, p, words) {
      warnIfNotCap(ctx, p, 'backend', 'dynamic-cookie-key');
      const key = words[1] ?? '';
      if (key === '') {
        ctx.alert('CFG_COOKIE_ARGS', `'dynamic-cookie-key' expects <secret_key> as argument.`);
        return;
      }
      p.dynamicCookieKey = key;
    },
  },
  { name: 'persist', parse: parsePersist },
  persistRule('force-persist'),
  persistRule('ignore-persist'),
  { name: 'stick-table', parse: parseStickTableKw },
  { name: 'stick', parse: parseStick },
);

