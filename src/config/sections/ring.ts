/**
 * `ring <name>` sections (configuration.txt §3.9): in-memory log buffers,
 * optionally forwarded to syslog servers over TCP. haproxy 2.6 parses them in
 * sink.c cfg_parse_ring() with its own wording ("unknown statement"), and
 * checks `maxlen` against `size` when the section ends (cfg_post_parse_ring()).
 * A failed header leaves the previous ring current, as in haproxy.
 */
import type { ServerOptions } from '../model/server.js';
import type { RingSection } from '../model/sections.js';
import { LOG_FORMATS, type LogFormatName } from '../model/global.js';
import { createProxy } from '../model/proxy.js';
import { registerPostCheck, registerSection, type LineContext, type SectionParser } from '../section-registry.js';
import { bestMatch } from '../suggest.js';
import { invalidChar } from '../proxy/util.js';
import { parseAddress } from '../../net/address.js';
import { serverOptionsByName, type ServerOptionContext } from '../../server/server-options.js';
import { cAtoi, cAtol, parseHaTime } from '../global/c-numbers.js';
import { markFatal } from '../global/diagnostic-helpers.js';
import { cString } from '../tokenizer.js';
import { applyModifier } from '../global/keyword-modifier.js';

interface RingState {
  readonly section: RingSection | undefined;
}

/** BUFSIZE: a ring starts with the size of a buffer. */
const DEFAULT_RING_SIZE = 16384;
/** The sinks haproxy creates itself (sink.c sink_init()). */
const BUILTIN_SINKS = ['stdout', 'stderr', 'buf0'];

/**
 * Checks the options of a server line that lives outside a proxy section
 * (ring forwarders, peers) with the server option parsers; `label` is
 * haproxy's context, e.g. `'server ring/s1'`. Returns false after an alert.
 */
export function checkServerOptions(
  ctx: LineContext, proxyName: string, srvName: string, words: readonly string[], start: number, isDefault = false, noAddress = false,
): boolean {
  const label = isDefault ? '' : `'server ${proxyName}/${srvName}' : `;
  const hint = isDefault || noAddress ? ' Hint: no address was expected for this server.' : '';
  const proxy = createProxy('backend', proxyName, ctx.place);
  const srv: ServerOptions = { options: [] };
  for (let i = start; (words[i] ?? '') !== '';) {
    const name = words[i]!;
    const opt = serverOptionsByName.get(name);
    if (opt === undefined) {
      const best = bestMatch(name, serverOptionsByName.keys());
      ctx.alert(
        'SRV_UNKNOWN_OPTION',
        `${label}${best !== undefined ? `unknown keyword '${name}'; did you mean '${best}' maybe ?${hint}` : `unknown keyword '${name}'.${hint}`}`,
        'bracket',
      );
      return false;
    }
    const c: ServerOptionContext = {
      ctx, proxy, srv, words, index: i, arg: words[i + 1] ?? '', srvName, isDefault, siblings: [],
      alertWithContext: (code, message) => ctx.alert(code, `${label}${message}`, 'bracket'),
    };
    const r = opt.parse(c);
    if (r?.error !== undefined) {
      ctx.alert('SRV_BAD_OPTION', `${label}${r.noDot === true ? r.error : `${r.error}.`}`, 'bracket');
      if (r.nonFatal !== true) return false;
    } else if (r?.warning !== undefined) {
      ctx.warning('SRV_OPTION_WARNING', `${label}${r.warning}.`, 'bracket');
    }
    i += 1 + (r?.consumed ?? Math.max(opt.skip, 0));
  }
  return true;
}

function parseServer(ctx: LineContext, s: RingSection | undefined, words: string[]): void {
  const name = words[1] ?? '';
  const text = words[2] ?? '';
  if (name === '' || text === '') {
    return ctx.alert('CFG_RING_SERVER_USAGE', `'server' expects <name> and <addr>[:<port>] as arguments.`, 'bracket');
  }
  const bad = invalidChar(name);
  if (bad !== undefined) return ctx.alert('CFG_RING_SERVER_NAME', `character '${bad}' is not permitted in server name '${name}'.`, 'bracket');
  const ringName = s?.name ?? '(null)';
  let r = parseAddress(text, { purpose: 'server' });
  // SRV_PARSE_INITIAL_RESOLVE: the name is resolved now, as a check address would be
  if (r.ok && r.address.unresolved === true) r = parseAddress(text, { purpose: 'check' });
  if (!r.ok) return ctx.alert('CFG_RING_SERVER_ADDRESS', `'server ${ringName}/${name}' : ${r.message}`, 'bracket');
  if (!checkServerOptions(ctx, ringName, name, words, 3)) return;
  s?.servers.push({ keyword: 'server', args: words.slice(1), place: ctx.place });
}

function parseTimeout(ctx: LineContext, s: RingSection | undefined, words: string[]): void {
  const which = words[1] ?? '';
  if (s === undefined) return ctx.alert('CFG_RING_NO_SINK', `unable to set timeout '${which}'.`);
  // other words after "timeout" are silently ignored by haproxy 2.6
  if (which !== 'connect' && which !== 'server') return;
  const arg = words[2] ?? '';
  if (arg === '') return ctx.alert('CFG_RING_USAGE', `'timeout ${which}' expects <time> as argument.`);
  const r = parseHaTime(arg, 'ms', ctx);
  if (!r.ok) {
    if ('over' in r) {
      return ctx.alert('CFG_RING_BAD_TIME', `timer overflow in argument <${arg}> to <timeout ${which}>, maximum value is 2147483647 ms (~24.8 days).`, 'parsing-tight');
    }
    if ('under' in r) {
      return ctx.alert('CFG_RING_BAD_TIME', `timer underflow in argument <${arg}> to <timeout ${which}>, minimum non-null value is 1 ms.`, 'parsing-tight');
    }
    return ctx.alert('CFG_RING_BAD_TIME', cString(`unexpected character '${r.ch}' in argument to <timeout ${which}>.`), 'parsing-tight');
  }
  if (which === 'connect') s.timeoutConnect = r.value;
  else s.timeoutServer = r.value;
}

function parseLine(ctx: LineContext, s: RingSection | undefined, words: string[]): void {
  const kw = words[0] ?? '';
  const arg = words[1] ?? '';
  switch (kw) {
    case 'size': {
      if (s === undefined) return ctx.alert('CFG_RING_NO_SINK', `'size' directive not usable with this type of sink.`);
      const size = cAtol(arg);
      if (size === 0) return ctx.alert('CFG_RING_BAD_SIZE', `invalid size '${arg}' for new sink buffer.`);
      const current = s.size ?? DEFAULT_RING_SIZE;
      // size_t: a negative value is a huge one, which the ring cannot be resized to
      if (size < 0) return ctx.alert('CFG_RING_BAD_SIZE', `fail to set sink buffer size '${current}' for ring '${s.name}'.`);
      if (size < current) {
        // printed as a warning, but the configuration is refused
        ctx.warning('CFG_RING_SMALLER', `ignoring new size '${size}' that is smaller than current size '${current}' for ring '${s.name}'.`);
        return markFatal(ctx);
      }
      s.size = size;
      return;
    }
    case 'server':
      return parseServer(ctx, s, words);
    case 'timeout':
      return parseTimeout(ctx, s, words);
    case 'format':
      if (s === undefined) return ctx.alert('CFG_RING_NO_SINK', `unable to set format '${arg}'.`);
      if (!(LOG_FORMATS as readonly string[]).includes(arg)) return ctx.alert('CFG_RING_BAD_FORMAT', `unknown format '${arg}'.`);
      s.format = arg as LogFormatName;
      return;
    case 'maxlen': {
      if (s === undefined) return ctx.alert('CFG_RING_NO_SINK', `unable to set event max length '${arg}'.`);
      // stored in an unsigned int
      const v = cAtoi(arg) >>> 0;
      if (v === 0) return ctx.alert('CFG_RING_BAD_SIZE', `invalid size '${arg}' for new sink buffer.`);
      s.maxlen = v;
      return;
    }
    case 'description':
      if (s === undefined) return ctx.alert('CFG_RING_NO_SINK', `unable to set description '${arg}'.`);
      if (arg === '') return ctx.alert('CFG_RING_USAGE', 'missing ring description text.');
      s.description = arg;
      return;
    default:
      ctx.alert('CFG_UNKNOWN_KEYWORD', `unknown statement '${kw}'.`);
  }
}

export const ringSection: SectionParser<RingState> = {
  keyword: 'ring',
  displayName: 'ring',
  open(ctx, words) {
    const name = words[1] ?? '';
    const previous = { section: ctx.model.rings[ctx.model.rings.length - 1] };
    if (name === '') {
      ctx.alert('CFG_RING_MISSING_NAME', 'missing ring name.');
      return previous;
    }
    const bad = invalidChar(name);
    if (bad !== undefined) {
      ctx.alert('CFG_RING_BAD_NAME', `invalid ring name '${name}' (character '${bad}' is not permitted).`);
      return previous;
    }
    if (BUILTIN_SINKS.includes(name) || ctx.model.rings.some((r) => r.name === name)) {
      ctx.alert('CFG_RING_DUPLICATE', `sink named '${name}' already exists.`);
      return previous;
    }
    const section: RingSection = { name, place: ctx.place, directives: [], servers: [] };
    ctx.model.rings.push(section);
    ctx.notEnforced(`'ring ${name}' (lands with logs)`);
    return { section };
  },
  line(ctx, st, rawWords) {
    const { words } = applyModifier(ctx, rawWords);
    parseLine(ctx, st.section, words);
  },
  close(ctx, st) {
    const s = st.section;
    if (s === undefined || s.maxlen === undefined) return;
    const size = s.size ?? DEFAULT_RING_SIZE;
    if (s.maxlen > size) {
      ctx.diag.push({
        severity: 'warning',
        code: 'CFG_RING_MAXLEN',
        message: `ring '${s.name}' event max length '${s.maxlen}' exceeds size, forced to size '${size}'.`,
      });
      s.maxlen = size;
    }
  },
};

registerSection(ringSection);

/**
 * check_config_validity() sees a ring's forwarders as a backend: with servers
 * and no connect or server timeout it gets haproxy's "missing timeouts" warning.
 */
registerPostCheck('ring-timeouts', (model, diag) => {
  for (const r of model.rings) {
    if (r.servers.length === 0 || (r.timeoutConnect !== undefined && r.timeoutConnect !== 0 && r.timeoutServer !== undefined && r.timeoutServer !== 0)) continue;
    diag.push({
      severity: 'warning',
      code: 'CFG_RING_MISSING_TIMEOUTS',
      message:
        `missing timeouts for backend '${r.name}'.\n` +
        '   | While not properly invalid, you will certainly encounter various problems\n' +
        '   | with such a configuration. To fix this, please ensure that all following\n' +
        "   | timeouts are set to a non-zero value: 'client', 'connect', 'server'.",
    });
  }
}, 101);
