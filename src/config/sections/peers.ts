/**
 * `peers <name>` sections (configuration.txt §3.5): the peers that share
 * stick tables. haproxy 2.6 parses them in peers.c/cfgparse.c
 * cfg_parse_peers(): `peer <name> <addr>` (old style, binds the local peer's
 * address), or `bind` + `server` lines (new style), `default-bind`,
 * `default-server`, `table`, `log`, `disabled`, `enabled`.
 *
 * A peers section without the local peer (`localpeer`, `-L` or the host
 * name) is removed with a warning once everything is parsed, as haproxy does.
 */
import type { PeersSection } from '../model/sections.js';
import { registerPostCheck, registerSection, type LineContext, type SectionParser } from '../section-registry.js';
import { invalidChar, tooManyArgs } from '../proxy/util.js';
import { parseLogLine } from '../../log/log-target.js';
import { parseAddress } from '../../net/address.js';
import { createBind, parseBindOptions } from '../../net/bind-keywords.js';
import { cAtol, parseHaTime } from '../global/c-numbers.js';
import { abortAlert } from '../global/diagnostic-helpers.js';
import { cString } from '../tokenizer.js';
import { applyModifier } from '../global/keyword-modifier.js';
import { checkServerOptions } from './ring.js';


interface PeersState {
  readonly section: PeersSection | undefined;
  /** haproxy's static bind_line / peer_line: which style the section uses. */
  bindLine: boolean;
  peerLine: boolean;
}

/** The local peer name: `localpeer`, else what the loader's environment says (`-L` or the host name). */
export function localPeerName(ctx: LineContext): string {
  return ctx.model.global.localPeer ?? ctx.env.get('HAPROXY_LOCALPEER') ?? '';
}

/** Server options that peers ignore, with haproxy's warning (srv_parse_*: "ignored for peers"). */
const IGNORED_FOR_PEERS = new Set(['init-addr', 'resolvers', 'check', 'agent-check']);

function parsePeerLine(ctx: LineContext, st: PeersState, words: string[]): void {
  const s = st.section;
  const kw = words[0] as 'peer' | 'server';
  const name = words[1] ?? '';
  const local = name === localPeerName(ctx);
  if (kw === 'peer') {
    if (st.bindLine) return ctx.alert('CFG_PEERS_MIXED', 'mixing "peer" and "bind" line is forbidden');
    st.peerLine = true;
  }
  if (s === undefined) return;
  const existingLocal = s.peers.find((p) => p.local);
  if (local && existingLocal !== undefined) {
    return ctx.alert(
      'CFG_PEERS_LOCAL_TWICE',
      `'${kw} ${name}' : local peer name already referenced at ${existingLocal.place.file}:${existingLocal.place.line}. ${name}`,
    );
  }
  // The address is parsed for "peer" lines and for "server" lines of remote peers;
  // haproxy's peers frontend is named after the local peer once that one is seen.
  const parseAddr = kw === 'peer' || !local;
  const proxyName = local || existingLocal !== undefined ? localPeerName(ctx) : '(null)';
  let start = 2;
  let address;
  const text = words[2] ?? '';
  if (parseAddr && text !== '') {
    let r = parseAddress(text, { purpose: 'server' });
    // SRV_PARSE_INITIAL_RESOLVE: a host name is resolved now
    if (r.ok && r.address.unresolved === true) r = parseAddress(text, { purpose: 'check' });
    if (!r.ok) return ctx.alert('CFG_PEERS_BAD_ADDRESS', `'server ${proxyName}/${name}' : ${r.message}`, 'bracket');
    address = r.address;
    start = 3;
  }
  const options = words.slice(start).filter((w) => w !== '');
  const optionsOk = checkServerOptions(ctx, proxyName, name, words, start, false, !parseAddr);
  // parse_server() warns once the options are read, even after a bad one
  if (options.some((o) => IGNORED_FOR_PEERS.has(o))) {
    ctx.warning('CFG_PEERS_IGNORED_OPTION', `'${kw} ${name}' : init_addr, resolvers, check and agent are ignored for peers.`);
  }
  if (!optionsOk) return;
  s.peers.push({ name, address, place: ctx.place, local, keyword: kw, options });
  // A local "peer" line also binds its address.
  if (local && kw === 'peer' && address !== undefined) {
    const r = parseAddress(text, { purpose: 'bind' });
    if (!r.ok) return ctx.alert('CFG_PEERS_BAD_ADDRESS', `'${kw} ${name}' : ${r.message}`);
  }
}

function parseBind(ctx: LineContext, st: PeersState, words: string[]): void {
  const s = st.section;
  if (s === undefined) return;
  const isBind = words[0] === 'bind';
  const text = words[1] ?? '';
  const bind = createBind(ctx, text);
  let start = 1;
  if (isBind) {
    if (st.peerLine) return ctx.alert('CFG_PEERS_MIXED', 'mixing "peer" and "bind" line is forbidden');
    if (s.bind !== undefined) {
      // ERR_FATAL without ERR_ALERT in haproxy: the line is still parsed
      ctx.alert(
        'CFG_PEERS_TWO_LISTENERS',
        `One listener per "peers" section is authorized but another is already configured at [${s.bind.place.file}:${s.bind.place.line}].`,
      );
    }
    const r = parseAddress(text, { purpose: 'bind' });
    if (!r.ok) return ctx.alert('CFG_PEERS_BAD_ADDRESS', `'bind ${text}' : ${r.message}`);
    bind.addresses.push(r.address);
    st.bindLine = true;
    start = 2;
  }
  if (!parseBindOptions(ctx, bind, undefined, words, start, `'${words[0]} ${text}' in section 'peers'`)) return;
  if (isBind && bind.addresses[0] !== undefined) {
    s.bind = { address: bind.addresses[0], options: words.slice(2), place: ctx.place };
  }
  s.directives.push({ keyword: words[0]!, args: words.slice(1), place: ctx.place });
}

// --- stick tables (stick_table.c parse_stick_table(), as used by "table") ---

/** Data types a table can store; the value says what its parenthesis holds. */
const STORE_TYPES: Record<string, 'none' | 'period' | 'array' | 'array-period'> = {
  server_id: 'none', gpt0: 'none', gpc0: 'none', gpc0_rate: 'period', conn_cnt: 'none', conn_rate: 'period',
  conn_cur: 'none', sess_cnt: 'none', sess_rate: 'period', http_req_cnt: 'none', http_req_rate: 'period',
  http_err_cnt: 'none', http_err_rate: 'period', bytes_in_cnt: 'none', bytes_in_rate: 'period',
  bytes_out_cnt: 'none', bytes_out_rate: 'period', gpc1: 'none', gpc1_rate: 'period', server_key: 'none',
  http_fail_cnt: 'none', http_fail_rate: 'period', gpt: 'array', gpc: 'array', gpc_rate: 'array-period',
};

/** haproxy's parse_size_err(): digits, an optional k/m/g, nothing after; returns the bad character. */
function sizeError(text: string): { value: number } | { ch: string } {
  const m = /^(\d*)([kKmMgG]?)/.exec(text)!;
  if (m[1] === '') return { ch: text === '' ? '\0' : text[0]! };
  if (m[0].length < text.length) return { ch: text[m[0].length]! };
  const mult = { '': 1, k: 1024, m: 1048576, g: 1073741824 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return { value: Number(m[1]) * mult };
}

/** Checks a `table <name> type ... size ...` line; returns false after an alert. */
export function checkTableLine(ctx: LineContext, words: readonly string[]): boolean {
  const kw = words[0] ?? 'table';
  const fail = (msg: string, style?: 'parsing-tight'): boolean => {
    ctx.alert('CFG_TABLE_INVALID', cString(`${kw}: ${msg}`), style);
    return false;
  };
  const arg = (i: number): string => words[i] ?? '';
  let size = 0;
  let typed = false;
  const stored = new Set<string>();
  let i = 2;
  while (arg(i) !== '') {
    const a = arg(i);
    if (a === 'size') {
      i++;
      if (arg(i) === '') return fail(`missing argument after 'size'.`);
      const r = sizeError(arg(i));
      if ('ch' in r) return fail(`unexpected character '${r.ch}' in argument of 'size'.`);
      size = r.value;
      i++;
    } else if (a === 'expire') {
      i++;
      if (arg(i) === '') return fail(`missing argument after 'expire'.`);
      const r = parseHaTime(arg(i), 'ms', ctx);
      if (!r.ok) {
        if ('over' in r) return fail(`timer overflow in argument <${arg(i)}> to <expire>, maximum value is 2147483647 ms (~24.8 days).`, 'parsing-tight');
        if ('under' in r) return fail(`timer underflow in argument <${arg(i)}> to <expire>, minimum non-null value is 1 ms.`, 'parsing-tight');
        return fail(`unexpected character '${r.ch}' in argument of 'expire'.`);
      }
      i++;
    } else if (a === 'nopurge') {
      i++;
    } else if (a === 'type') {
      i++;
      const t = arg(i);
      if (t === 'ip' || t === 'ipv6' || t === 'integer') {
        i++;
      } else if (t === 'string' || t === 'binary') {
        i++;
        if (arg(i) === 'len') {
          i++;
          // the key size is atol(): 0 (or a word) is reported as an unknown type
          if (cAtol(arg(i)) <= 0) return fail(`unknown type '${arg(i)}'.`);
          i++;
        }
      } else return fail(`unknown type '${t}'.`);
      typed = true;
    } else if (a === 'store') {
      i++;
      for (const item of arg(i).split(',')) {
        if (item === '') continue;
        const paren = item.indexOf('(');
        const name = paren < 0 ? item : item.slice(0, paren);
        let param: string | undefined;
        if (paren >= 0) {
          const close = item.indexOf(')', paren);
          if (close < 0) return fail(`missing closing parenthesis after store option '${name}'.`);
          param = item.slice(paren + 1, close);
        }
        const kind = STORE_TYPES[name];
        if (kind === undefined) return fail(`unknown store option '${name}'.`);
        if (stored.has(name)) {
          ctx.warning('CFG_TABLE_STORE_TWICE', `${kw}: store option '${name}' already enabled, ignored.`, 'parsing-tight');
          continue;
        }
        if (kind === 'none') {
          if (param !== undefined) return fail(`unexpected argument to store option '${name}'.`);
        } else if (param === undefined) {
          return fail(`missing argument to store option '${name}'.`);
        } else if (kind === 'period') {
          if (!parseHaTime(param, 'ms', ctx).ok) return fail(`error when processing store option '${name}'.`);
        } else {
          const [nb = '', period] = param.split(',');
          const n = cAtol(nb);
          if (!/^\d+$/.test(nb)) return fail(`error when processing store option '${name}'.`);
          if (n < 1 || n > 100) return fail(`array size is out of allowed range (1-100) for store option '${name}'.`);
          if (kind === 'array-period' && (period === undefined || !parseHaTime(period, 'ms', ctx).ok)) {
            return fail(`error when processing store option '${name}'.`);
          }
        }
        stored.add(name);
      }
      i++;
    } else if (a === 'srvkey') {
      i++;
      if (arg(i) !== 'name' && arg(i) !== 'addr') {
        ctx.alert('CFG_TABLE_INVALID', `${kw} : unknown server key type '${arg(i)}'.`);
        return false;
      }
      i++;
    } else {
      return fail(`unknown argument '${a}'.`);
    }
  }
  if (size === 0) return fail('missing size.');
  if (!typed) return fail('missing type.');
  return true;
}

export const peersSection: SectionParser<PeersState> = {
  keyword: 'peers',
  displayName: 'peers',
  open(ctx, words) {
    const name = words[1] ?? '';
    const previous: PeersState = { section: ctx.model.peers[ctx.model.peers.length - 1], bindLine: false, peerLine: false };
    if (name === '') {
      abortAlert(ctx, 'CFG_PEERS_MISSING_NAME', 'missing name for peers section.');
      return previous;
    }
    if (tooManyArgs(ctx, words, 1)) return previous;
    const bad = invalidChar(name);
    if (bad !== undefined) {
      abortAlert(ctx, 'CFG_PEERS_BAD_NAME', `character '${bad}' is not permitted in 'peers' name '${name}'.`);
      return previous;
    }
    for (const p of ctx.model.peers) {
      if (p.name === name) {
        ctx.alert(
          'CFG_PEERS_DUPLICATE',
          `peers section '${name}' has the same name as another peers section declared at ${p.place.file}:${p.place.line}.`,
          'Parsing-tight',
        );
      }
    }
    // haproxy keeps the duplicate too (the alert makes the configuration invalid anyway)
    const section: PeersSection = {
      name, place: ctx.place, directives: [], peers: [], disabled: false, tables: [], logs: [], localPeer: localPeerName(ctx),
    };
    ctx.model.peers.push(section);
    ctx.notEnforced(`'peers ${name}' (lands with peers)`);
    return { section, bindLine: false, peerLine: false };
  },
  line(ctx, st, rawWords) {
    const { words, kwm } = applyModifier(ctx, rawWords);
    const kw = words[0] ?? '';
    const s = st.section;
    switch (kw) {
      case 'bind':
      case 'default-bind':
        return parseBind(ctx, st, words);
      case 'default-server':
        if (s === undefined || !checkServerOptions(ctx, '', '', words, 1, true)) return;
        s.directives.push({ keyword: kw, args: words.slice(1), place: ctx.place });
        return;
      case 'log':
        if (s === undefined) return;
        parseLogLine(ctx, kwm === 'no' ? ['no', ...words] : words, s.logs);
        return;
      case 'peer':
      case 'server':
        return parsePeerLine(ctx, st, words);
      case 'table':
        if (s === undefined || !checkTableLine(ctx, words)) return;
        s.tables.push({ keyword: kw, args: words.slice(1), place: ctx.place });
        return;
      case 'disabled':
        if (s !== undefined) s.disabled = true;
        return;
      case 'enabled':
        if (s !== undefined) s.disabled = false;
        return;
      default:
        // `else if (*args[0] != 0)`: an empty keyword (a lone `no`) is not reported
        if (kw !== '') ctx.alert('CFG_UNKNOWN_KEYWORD', `unknown keyword '${kw}' in 'peers' section`);
    }
  },
};

registerSection(peersSection);

/**
 * check_config_validity(): a peers section that is enabled but does not
 * contain the local peer is removed, with a warning (haproxy walks its list
 * newest first). The local peer name is the one known at the end of parsing.
 */
registerPostCheck('peers-local', (model, diag) => {
  for (const p of [...model.peers].reverse()) {
    if (p.disabled) continue;
    if (!p.peers.some((x) => x.local)) {
      diag.push({ severity: 'warning', code: 'CFG_PEERS_NO_LOCAL', message: `Removing incomplete section 'peers ${p.name}' (no peer named '${p.localPeer}').` });
    }
  }
}, 110);
