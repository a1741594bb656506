/**
 * `log-forward <name>` sections (configuration.txt §3.10): syslog listeners
 * (`bind` for TCP, `dgram-bind` for UDP) whose messages are forwarded to the
 * `log` targets. Parsed and checked now; forwarding lands with logs.
 */
import type { LineContext } from '../section-registry.js';
import { registerSection } from '../section-registry.js';
import type { LogForwardSection } from '../model/sections.js';
import { parseAddress } from '../../net/address.js';
import { parseLogLine } from '../../log/log-target.js';
import { parseTime, reportTimeWarning } from '../units.js';
import { cAtoi } from '../global/c-numbers.js';
import { applyModifier } from '../global/keyword-modifier.js';

function parseBindLine(ctx: LineContext, lf: LogForwardSection, words: string[], datagram: boolean): void {
  const kw = words[0]!;
  const text = words[1];
  if (text === undefined) return; // haproxy accepts an empty bind line here and simply adds no listener
  for (const item of text.split(',')) {
    if (item === '') continue;
    const r = parseAddress(item, { purpose: datagram ? 'log' : 'bind', allowRange: !datagram });
    if (!r.ok) {
      ctx.alert('CFG_LOGFWD_ADDRESS', `'${kw} ${text}' : ${r.message}`);
      return;
    }
    (datagram ? lf.dgramBinds : lf.binds).push({ address: r.address, place: ctx.place });
  }
  // Bind options are those of §5.1; an unknown one is refused by name.
  if (words.length > 2) {
    ctx.alert('CFG_LOGFWD_BIND_OPTION', `unknown keyword '${words[2]}' in 'log-forward' section`);
  }
}

registerSection<LogForwardSection>({
  keyword: 'log-forward',
  displayName: 'log-forward',
  open(ctx, words) {
    const name = words[1];
    if (name === undefined) {
      // haproxy 2.6 names the section "ip-forward" in this message, and aborts.
      ctx.alert('CFG_LOGFWD_NO_NAME', 'missing name for ip-forward section.');
      ctx.abort();
      return undefined;
    }
    const model = ctx.model;
    const same = model.logForwards.find((s) => s.name === name);
    if (same !== undefined) {
      ctx.alert('CFG_LOGFWD_DUPLICATE', `log-forward section '${name}' has the same name as another log-forward section declared at ${same.place.file}:${same.place.line}.`, 'Parsing-tight');
    } else {
      const proxy = model.proxies.find((p) => p.name === name);
      if (proxy !== undefined) {
        ctx.alert('CFG_LOGFWD_DUPLICATE', `log forward section '${name}' has the same name as ${proxy.kind} '${name}' declared at ${proxy.place.file}:${proxy.place.line}.`, 'Parsing-tight');
      }
    }
    const section: LogForwardSection = { name, place: ctx.place, directives: [], binds: [], dgramBinds: [], logs: [] };
    model.logForwards.push(section);
    ctx.notEnforced(`'log-forward ${name}' (lands with logs)`);
    return section;
  },
  line(ctx, lf, rawWords) {
    const { words, kwm } = applyModifier(ctx, rawWords);
    const kw = words[0] ?? '';
    switch (kw) {
      case 'bind':
      case 'dgram-bind':
        parseBindLine(ctx, lf, words, kw === 'dgram-bind');
        return;
      case 'log':
        parseLogLine(ctx, kwm === 'no' ? ['no', ...words] : words, lf.logs);
        return;
      case 'maxconn':
      case 'backlog': {
        const v = words[1];
        // haproxy reads these with atol(): only a missing argument is refused.
        if (v === undefined) {
          ctx.alert('CFG_LOGFWD_INTEGER', `'${kw}' expects an integer argument.`);
          return;
        }
        const n = cAtoi(v);
        if (kw === 'maxconn') lf.maxconn = n;
        else lf.backlog = n;
        return;
      }
      case 'timeout': {
        if (words[1] !== 'client') break;
        const v = words[2];
        if (v === undefined) {
          ctx.alert('CFG_LOGFWD_TIMEOUT', 'missing timeout client value.');
          return;
        }
        const r = parseTime(v);
        reportTimeWarning(ctx, r);
        if (!r.ok) {
          ctx.alert('CFG_LOGFWD_TIMEOUT', r.badChar !== undefined ? `unexpected character '${r.badChar}' in 'timeout client'` : `invalid timeout client value '${v}'.`);
          return;
        }
        lf.timeoutClient = r.value;
        return;
      }
      default:
        break;
    }
    const shown = kw === 'timeout' && words[1] !== undefined ? `timeout ${words[1]}` : kw;
    ctx.alert('CFG_UNKNOWN_KEYWORD', `unknown keyword '${shown}' in log-forward section.`);
    ctx.abort();
  },
});
