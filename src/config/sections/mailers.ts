/**
 * `mailers <name>` sections (configuration.txt §3.6): SMTP servers for
 * `email-alert`. haproxy 2.6 parses them in cfgparse.c cfg_parse_mailers();
 * a section no proxy uses is removed with a warning after parsing.
 */
import type { MailersSection } from '../model/sections.js';
import type { ConfigModel } from '../model/index.js';
import { registerPostCheck, registerSection, type LineContext, type SectionParser } from '../section-registry.js';
import { invalidChar } from '../proxy/util.js';
import { parseAddress } from '../../net/address.js';
import { parseHaTime } from '../global/c-numbers.js';
import { abortAlert } from '../global/diagnostic-helpers.js';
import { cString } from '../tokenizer.js';
import { applyModifier } from '../global/keyword-modifier.js';

interface MailersState {
  readonly section: MailersSection | undefined;
}

function parseMailer(ctx: LineContext, s: MailersSection | undefined, words: string[]): void {
  const name = words[1] ?? '';
  const text = words[2] ?? '';
  if (text === '') return ctx.alert('CFG_MAILERS_USAGE', `'mailer' expects <name> and <addr>[:<port>] as arguments.`);
  const bad = invalidChar(name);
  if (bad !== undefined) return ctx.alert('CFG_MAILERS_BAD_NAME', `character '${bad}' is not permitted in server name '${name}'.`);
  const r = parseAddress(text, { purpose: 'mailer' });
  if (!r.ok) return ctx.alert('CFG_MAILERS_BAD_ADDRESS', `'mailer ${name}' : ${r.message}`);
  // protocol_lookup(family, STREAM): only IPv4/IPv6 can connect() for the SMTP checks
  if (r.address.family !== 'ipv4' && r.address.family !== 'ipv6') {
    return ctx.alert('CFG_MAILERS_BAD_ADDRESS', `'mailer ${name}' : TCP not supported for this address family.`);
  }
  // haproxy 2.6 does not refuse two mailers with the same name
  s?.mailers.push({ name, address: r.address, place: ctx.place });
}

function parseTimeout(ctx: LineContext, s: MailersSection | undefined, words: string[]): void {
  const which = words[1] ?? '';
  if (which === '') return ctx.alert('CFG_MAILERS_USAGE', `'timeout' expects 'mail' and <time> as arguments.`);
  if (which !== 'mail') return ctx.alert('CFG_MAILERS_USAGE', `'timeout' expects 'mail' and <time> as arguments got '${which}'.`);
  const arg = words[2] ?? '';
  if (arg === '') return ctx.alert('CFG_MAILERS_USAGE', `'timeout mail' expects <time> as argument.`);
  const r = parseHaTime(arg, 'ms', ctx);
  if (!r.ok) {
    if ('over' in r) {
      return ctx.alert('CFG_MAILERS_BAD_TIME', `timer overflow in argument <${arg}> to <timeout mail>, maximum value is 2147483647 ms (~24.8 days).`, 'parsing-tight');
    }
    if ('under' in r) {
      return ctx.alert('CFG_MAILERS_BAD_TIME', `timer underflow in argument <${arg}> to <timeout mail>, minimum non-null value is 1 ms.`, 'parsing-tight');
    }
    return ctx.alert('CFG_MAILERS_BAD_TIME', cString(`unexpected character '${r.ch}' in argument to <timeout mail>.`), 'parsing-tight');
  }
  if (s !== undefined) s.timeoutMail = r.value;
}

export const mailersSection: SectionParser<MailersState> = {
  keyword: 'mailers',
  displayName: 'mailers',
  open(ctx, words) {
    const name = words[1] ?? '';
    const previous = { section: ctx.model.mailers[ctx.model.mailers.length - 1] };
    if (name === '') {
      abortAlert(ctx, 'CFG_MAILERS_MISSING_NAME', 'missing name for mailers section.');
      return previous;
    }
    const bad = invalidChar(name);
    if (bad !== undefined) {
      abortAlert(ctx, 'CFG_MAILERS_BAD_NAME', `character '${bad}' is not permitted in 'mailers' name '${name}'.`);
      return previous;
    }
    for (const m of ctx.model.mailers) {
      if (m.name === name) {
        ctx.alert(
          'CFG_MAILERS_DUPLICATE',
          `mailers section '${name}' has the same name as another mailers section declared at ${m.place.file}:${m.place.line}.`,
          'Parsing-tight',
        );
      }
    }
    // extra words after the name are ignored by haproxy 2.6
    const section: MailersSection = { name, place: ctx.place, directives: [], mailers: [] };
    ctx.model.mailers.push(section);
    ctx.notEnforced(`'mailers ${name}' (lands with email alerts)`);
    return { section };
  },
  line(ctx, st, rawWords) {
    const { words } = applyModifier(ctx, rawWords);
    const kw = words[0] ?? '';
    if (kw === 'mailer') return parseMailer(ctx, st.section, words);
    if (kw === 'timeout') return parseTimeout(ctx, st.section, words);
    // `else if (*args[0] != 0)`: an empty keyword (a lone `no`) is not reported
    if (kw !== '') ctx.alert('CFG_UNKNOWN_KEYWORD', `unknown keyword '${kw}' in 'mailers' section`);
  },
};

registerSection(mailersSection);

/**
 * The mailers sections proxies actually use: haproxy ignores `email-alert`
 * unless `mailers`, `from` and `to` are all set (possibly from defaults).
 */
export function usedMailers(model: ConfigModel): Set<string> {
  const used = new Set<string>();
  for (const p of model.proxies) {
    const e = p.emailAlert;
    if (e.mailers !== undefined && e.from !== undefined && e.to !== undefined) used.add(e.mailers);
  }
  return used;
}

/** check_config_validity(): a mailers section no proxy uses is removed (haproxy lists them newest first). */
registerPostCheck('mailers-unused', (model, diag) => {
  const used = usedMailers(model);
  for (const m of [...model.mailers].reverse()) {
    if (!used.has(m.name)) diag.push({ severity: 'warning', code: 'CFG_MAILERS_UNUSED', message: `Removing incomplete section 'mailers ${m.name}'.` });
  }
}, 111);
