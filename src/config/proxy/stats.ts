/**
 * The stats page keywords of a proxy, `stats admin|uri|realm|auth|scope|
 * refresh|enable|hide-version|show-legends|show-modules|show-node|show-desc|
 * http-request` (configuration.txt §4.2 "stats ..."), as cfgparse-listen.c.
 */
import type { ProxyConfig } from '../model/proxy.js';
import type { LineContext } from '../section-registry.js';
import { proxyKeywords } from '../sections/proxy-keywords.js';
import { parseTimeIn, reportTimeWarning } from '../units.js';
import { buildHttpRule } from '../../http/rule-keywords.js';
import { parseRuleCondition } from './general.js';
import { abortParsing } from './util.js';

const STATS = 'lands with the stats page';

/** A proxy shares its defaults' stats settings until it sets one itself (haproxy's uri_auth). */
const detached = new WeakSet<ProxyConfig>();

function detach(p: ProxyConfig): void {
  if (p.cap.defaults || detached.has(p)) return;
  detached.add(p);
  // cfgparse-listen.c: "we must detach from the default config", i.e. start from scratch.
  p.stats = {
    enabled: false, auths: [], scopes: [], hideVersion: false, showLegends: false, showModules: false, admin: [], httpRequest: [],
  };
}

function parseStats(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  detach(p);
  const s = p.stats;
  const sub = words[1] ?? '';
  const arg = words[2] ?? '';
  const mark = (): void => {
    s.place ??= ctx.place;
  };
  switch (sub) {
    case 'admin': {
      if (p.cap.defaults) {
        ctx.alert('CFG_NOT_IN_DEFAULTS', `'stats admin' not allowed in 'defaults' section.`, 'parsing-tight');
        return;
      }
      if (arg !== 'if' && arg !== 'unless') {
        ctx.alert('CFG_RULE_CONDITION_REQUIRED', `'stats admin' requires either 'if' or 'unless' followed by a condition.`);
        return;
      }
      const r = parseRuleCondition(ctx, p, words, 2, 'http-request', `error detected while parsing a 'stats admin' rule`);
      if (!r.ok || r.cond === undefined) return;
      s.admin.push({ place: ctx.place, cond: r.cond });
      break;
    }
    case 'uri':
      if (arg === '') {
        ctx.alert('CFG_STATS_ARGS', `'uri' needs an URI prefix.`);
        return;
      }
      s.uri = arg;
      s.enabled = true;
      break;
    case 'realm':
      if (arg === '') {
        ctx.alert('CFG_STATS_ARGS', `'realm' needs an realm name.`);
        return;
      }
      s.realm = arg;
      s.enabled = true;
      break;
    case 'refresh': {
      if (arg === '') {
        // parse_time_err() stops on the terminating NUL, which haproxy prints and which ends its line.
        ctx.alert('CFG_STATS_ARGS', `unexpected character '`, 'parsing-tight');
        return;
      }
      const r = parseTimeIn(arg, 's');
      reportTimeWarning(ctx, r);
      if (!r.ok) {
        if (r.overflow === true) {
          ctx.alert('CFG_STATS_ARGS', `timer overflow in argument <${arg}> to stats refresh interval, maximum value is 2147483647 s (~68 years).`, 'parsing-tight');
        } else if (r.underflow === true) {
          ctx.alert('CFG_STATS_ARGS', `timer underflow in argument <${arg}> to stats refresh interval, minimum non-null value is 1 s.`, 'parsing-tight');
        } else {
          ctx.alert('CFG_STATS_ARGS', `unexpected character '${r.badChar ?? ''}' in argument to stats refresh interval.`, 'parsing-tight');
        }
        return;
      }
      s.refresh = r.ok ? r.value * 1000 : 0;
      s.enabled = true;
      break;
    }
    case 'http-request': {
      if (p.cap.defaults) {
        ctx.alert('CFG_NOT_IN_DEFAULTS', `'stats' not allowed in 'defaults' section.`, 'parsing-tight');
        return;
      }
      const last = s.httpRequest[s.httpRequest.length - 1];
      if (last !== undefined && !last.args.includes('if') && !last.args.includes('unless')) {
        ctx.warning('CFG_RULE_AFTER_FINAL', `previous 'stats' action has no condition attached, further entries are NOOP.`, 'parsing-tight');
      }
      const r = buildHttpRule(ctx, p, 'http-request', words, 2);
      if (!r.ok) {
        ctx.alert('CFG_STATS_HTTP_REQUEST', r.message, r.style);
        // cfgparse-listen.c: ERR_ALERT | ERR_ABORT.
        abortParsing(ctx);
        return;
      }
      for (const w of r.warnings) ctx.warning('CFG_RULE_CONDITION_CONFLICT', w);
      s.httpRequest.push({ keyword: 'stats http-request', args: words.slice(2), place: ctx.place });
      break;
    }
    case 'auth':
      if (arg === '') {
        ctx.alert('CFG_STATS_ARGS', `'auth' needs a user:password account.`);
        return;
      }
      s.auths.push(arg);
      s.enabled = true;
      break;
    case 'scope':
      if (arg === '') {
        ctx.alert('CFG_STATS_ARGS', `'scope' needs a proxy name.`);
        return;
      }
      s.scopes.push(arg);
      s.enabled = true;
      break;
    case 'enable':
      s.enabled = true;
      break;
    case 'hide-version':
      s.hideVersion = true;
      s.enabled = true;
      break;
    case 'show-legends':
      s.showLegends = true;
      s.enabled = true;
      break;
    case 'show-modules':
      s.showModules = true;
      s.enabled = true;
      break;
    case 'show-node':
      if (arg !== '' && !/^[A-Za-z0-9_.-]+$/.test(arg)) {
        ctx.alert(
          'CFG_STATS_ARGS',
          `'stats show-node' invalid node name - should be a stringwith digits(0-9), letters(A-Z, a-z), hyphen(-) or underscode(_).`,
          'parsing-tight',
        );
        return;
      }
      s.showNode = arg === '' ? true : arg;
      s.enabled = true;
      break;
    case 'show-desc':
      if (arg === '' && ctx.model.global.description === undefined) {
        ctx.warning('CFG_STATS_SHOW_DESC', `'show-desc' requires a parameter or 'desc' to be set in the global section.`, 'parsing-tight');
        return;
      }
      s.showDesc = arg === '' ? true : words.slice(2).join(' ');
      s.enabled = true;
      break;
    default:
      ctx.alert(
        'CFG_STATS_ARGS',
        `${sub !== '' ? 'unknown stats parameter' : 'missing keyword in'} '${sub !== '' ? sub : 'stats'}', expects 'admin', 'uri', 'realm', 'auth', 'scope', 'enable', 'hide-version', 'show-node', 'show-desc' or 'show-legends'.`,
        'parsing-tight',
      );
      return;
  }
  mark();
  ctx.notEnforced(`'stats ${sub}' (${STATS})`);
}

proxyKeywords.register({ name: 'stats', parse: parseStats });
