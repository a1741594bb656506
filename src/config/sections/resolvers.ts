/**
 * `resolvers <name>` sections (configuration.txt §5.3.2): DNS servers used to
 * resolve server addresses at run time. haproxy 2.6 parses them in
 * resolvers.c cfg_parse_resolvers(); this file keeps its checks and wording,
 * its quirks included (`hold` reports the event, not the time, on overflow).
 */
import { readFileSync } from 'node:fs';
import type { ResolverHoldEvent, ResolversSection } from '../model/sections.js';
import { registerPostCheck, registerSection, type LineContext, type SectionParser } from '../section-registry.js';
import { invalidChar } from '../proxy/util.js';
import { parseAddress } from '../../net/address.js';
import { cAtoi, parseHaTime } from '../global/c-numbers.js';
import { abortAlert } from '../global/diagnostic-helpers.js';
import { cString } from '../tokenizer.js';
import { applyModifier } from '../global/keyword-modifier.js';

interface ResolversState {
  readonly section: ResolversSection | undefined;
}

/** DNS_HEADER_SIZE and DNS_MAX_UDP_MESSAGE (include/haproxy/dns-t.h). */
const DNS_HEADER_SIZE = 12;
const DNS_MAX_UDP_MESSAGE = 65535;

const HOLD_EVENTS: readonly ResolverHoldEvent[] = ['nx', 'other', 'refused', 'timeout', 'valid', 'obsolete'];

/** parse_time_err() reported with the resolvers parser's wording. */
function timeArg(ctx: LineContext, arg: string, label: string, quoted: string): number | undefined {
  const r = parseHaTime(arg, 'ms', ctx);
  if (r.ok) return r.value;
  if ('over' in r) {
    ctx.alert('CFG_RESOLVERS_BAD_TIME', `timer overflow in argument <${quoted}> to <${label}>, maximum value is 2147483647 ms (~24.8 days).`, 'parsing-tight');
  } else if ('under' in r) {
    ctx.alert('CFG_RESOLVERS_BAD_TIME', `timer underflow in argument <${quoted}> to <${label}>, minimum non-null value is 1 ms.`, 'parsing-tight');
  } else {
    ctx.alert('CFG_RESOLVERS_BAD_TIME', cString(`unexpected character '${r.ch}' in argument to <${label}>.`), 'parsing-tight');
  }
  return undefined;
}

function parseNameserver(ctx: LineContext, s: ResolversSection | undefined, words: string[]): void {
  const name = words[1] ?? '';
  const text = words[2] ?? '';
  if (text === '') return ctx.alert('CFG_RESOLVERS_USAGE', `'nameserver' expects <name> and <addr>[:<port>] as arguments.`);
  const bad = invalidChar(name);
  if (bad !== undefined) return ctx.alert('CFG_RESOLVERS_BAD_NAME', `character '${bad}' is not permitted in server name '${name}'.`);
  if (s === undefined) return;
  for (const ns of s.nameservers) {
    if (ns.name === name) {
      ctx.alert(
        'CFG_RESOLVERS_DUPLICATE',
        `nameserver '${name}' has same name as another nameserver (declared at ${ns.place.file}:${ns.place.line}).`,
        'Parsing-tight',
      );
    }
  }
  const r = parseAddress(text, { purpose: 'nameserver' });
  if (!r.ok) return ctx.alert('CFG_RESOLVERS_BAD_ADDRESS', `'nameserver ${name}' : ${r.message}`);
  s.nameservers.push({ name, address: r.address, place: ctx.place });
}

/** parse_resolve_conf(): the `nameserver` lines of /etc/resolv.conf, named after their address. */
function parseResolvConf(ctx: LineContext, s: ResolversSection | undefined): void {
  let text = '';
  try {
    text = readFileSync('/etc/resolv.conf', 'latin1');
  } catch {
    return ctx.alert('CFG_RESOLVERS_RESOLV_CONF', 'failed to open /etc/resolv.conf.', 'parsing-tight');
  }
  if (s === undefined) return;
  s.parseResolvConf = true;
  const warnings: string[] = [];
  text.split('\n').forEach((line, i) => {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m === null) return;
    const ip = m[1]!;
    const where = { file: '/etc/resolv.conf', line: i + 1 };
    const dup = s.nameservers.find((n) => n.name === ip);
    if (dup !== undefined) {
      warnings.push(
        `Parsing [${where.file}:${where.line}] : generated name for /etc/resolv.conf nameserver '${ip}' conflicts with another nameserver (declared at ${dup.place.file}:${dup.place.line}), it appears to be a duplicate and will be excluded.`,
      );
      return;
    }
    const r = parseAddress(ip.includes(':') && !ip.startsWith('[') ? `[${ip}]:53` : `${ip}:53`, { purpose: 'nameserver' });
    if (r.ok) s.nameservers.push({ name: ip, address: r.address, place: where });
  });
  if (warnings.length > 0) ctx.warning('CFG_RESOLVERS_RESOLV_CONF', warnings.join('\n        '), 'parsing-tight');
}

function parseHold(ctx: LineContext, s: ResolversSection | undefined, words: string[]): void {
  const event = words[1] ?? '';
  if ((words[2] ?? '') === '') {
    ctx.alert('CFG_RESOLVERS_USAGE', `'hold' expects an <event> and a <time> as arguments.`);
    ctx.diag.push({ severity: 'alert', code: 'CFG_RESOLVERS_USAGE', message: "<event> can be either 'valid', 'nx', 'refused', 'timeout', or 'other'" });
    return;
  }
  // haproxy names the event, not the time, in its overflow messages
  const ms = timeArg(ctx, words[2]!, 'hold', event);
  if (ms === undefined) return;
  if (!(HOLD_EVENTS as readonly string[]).includes(event)) {
    return ctx.alert('CFG_RESOLVERS_BAD_EVENT', `'hold' unknown <event>: '${event}', expects either 'nx', 'timeout', 'valid', 'obsolete' or 'other'.`);
  }
  if (s !== undefined) s.hold[event as ResolverHoldEvent] = ms;
}

function parseTimeout(ctx: LineContext, s: ResolversSection | undefined, words: string[]): void {
  const which = words[1] ?? '';
  if (which === '') return ctx.alert('CFG_RESOLVERS_USAGE', `'timeout' expects 'retry' or 'resolve' and <time> as arguments.`);
  if (which !== 'retry' && which !== 'resolve') {
    return ctx.alert('CFG_RESOLVERS_USAGE', `'timeout' expects 'retry' or 'resolve' and <time> as arguments got '${which}'.`);
  }
  const arg = words[2] ?? '';
  if (arg === '') return ctx.alert('CFG_RESOLVERS_USAGE', `'timeout ${which}' expects <time> as argument.`);
  const ms = timeArg(ctx, arg, `timeout ${which}`, arg);
  if (ms === undefined || s === undefined) return;
  if (which === 'retry') s.timeoutRetry = ms;
  else s.timeoutResolve = ms;
}

export const resolversSection: SectionParser<ResolversState> = {
  keyword: 'resolvers',
  displayName: 'resolvers',
  open(ctx, words) {
    const name = words[1] ?? '';
    const previous = { section: ctx.model.resolvers[ctx.model.resolvers.length - 1] };
    if (name === '') {
      abortAlert(ctx, 'CFG_RESOLVERS_MISSING_NAME', 'missing name for resolvers section.');
      return previous;
    }
    const bad = invalidChar(name);
    if (bad !== undefined) {
      abortAlert(ctx, 'CFG_RESOLVERS_BAD_NAME', `character '${bad}' is not permitted in 'resolvers' name '${name}'.`);
      return previous;
    }
    const dup = ctx.model.resolvers.find((r) => r.name === name);
    if (dup !== undefined) {
      abortAlert(
        ctx,
        'CFG_RESOLVERS_DUPLICATE',
        `resolvers '${name}' has same name as another resolvers (declared at ${dup.place.file}:${dup.place.line}).`,
        'Parsing-tight',
      );
      // resolvers_new() is skipped by the error code, which haproxy then reports as an allocation failure
      abortAlert(ctx, 'CFG_RESOLVERS_DUPLICATE', 'out of memory.');
      return previous;
    }
    // extra words after the name are ignored by haproxy 2.6
    const section: ResolversSection = { name, place: ctx.place, directives: [], nameservers: [], parseResolvConf: false, hold: {} };
    ctx.model.resolvers.push(section);
    ctx.notEnforced(`'resolvers ${name}' (lands with DNS resolution)`);
    return { section };
  },
  line(ctx, st, rawWords) {
    const { words } = applyModifier(ctx, rawWords);
    const kw = words[0] ?? '';
    const s = st.section;
    switch (kw) {
      case 'nameserver':
        return parseNameserver(ctx, s, words);
      case 'parse-resolv-conf':
        return parseResolvConf(ctx, s);
      case 'hold':
        return parseHold(ctx, s, words);
      case 'accepted_payload_size': {
        const arg = words[1] ?? '';
        if (arg === '') return ctx.alert('CFG_RESOLVERS_USAGE', `'accepted_payload_size' expects <nb> as argument.`);
        const v = cAtoi(arg);
        if (v < DNS_HEADER_SIZE || v > DNS_MAX_UDP_MESSAGE) {
          return ctx.alert(
            'CFG_RESOLVERS_RANGE',
            `'accepted_payload_size' must be between ${DNS_HEADER_SIZE} and ${DNS_MAX_UDP_MESSAGE} inclusive (was ${arg}).`,
          );
        }
        if (s !== undefined) s.acceptedPayloadSize = v;
        return;
      }
      case 'resolution_pool_size':
        return ctx.alert('CFG_RESOLVERS_OBSOLETE', `'resolution_pool_size' directive is not supported anymore (it never appeared in a stable release).`);
      case 'resolve_retries': {
        const arg = words[1] ?? '';
        if (arg === '') return ctx.alert('CFG_RESOLVERS_USAGE', `'resolve_retries' expects <nb> as argument.`);
        if (s !== undefined) s.resolveRetries = cAtoi(arg);
        return;
      }
      case 'timeout':
        return parseTimeout(ctx, s, words);
      default:
        // `else if (*args[0] != 0)`: an empty keyword (a lone `no`) is not reported
        if (kw !== '') ctx.alert('CFG_UNKNOWN_KEYWORD', `unknown keyword '${kw}' in 'resolvers' section`);
        return;
    }
  },
};

registerSection(resolversSection);

/** resolvers_finalize(): a section with no nameserver is kept with a warning; unix sockets cannot be used. */
registerPostCheck('resolvers-nameservers', (model, diag) => {
  for (const r of model.resolvers) {
    for (const ns of r.nameservers) {
      if (ns.address.family === 'unix' || ns.address.family === 'abns') {
        diag.push({ severity: 'alert', code: 'CFG_RESOLVERS_SOCKET', message: `resolvers '${r.name}': can't create socket for nameserver '${ns.name}'.` });
      }
    }
    if (r.nameservers.length === 0) {
      diag.push({
        severity: 'warning',
        code: 'CFG_RESOLVERS_EMPTY',
        message: `resolvers '${r.name}' [${r.place.file}:${r.place.line}] has no nameservers configured!`,
      });
    }
  }
}, 112);
