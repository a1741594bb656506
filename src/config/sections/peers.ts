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
import { abortAlert } from '../global/diagnostic-helpers.js';
import { applyModifier } from '../global/keyword-modifier.js';
import { parseStickTable } from '../stick-table.js';
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
        // stick_table.c parse_stick_table(), shared with the proxies' stick-table
        if (s === undefined || parseStickTable(ctx, words, words[1] ?? '', true) === undefined) return;
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
