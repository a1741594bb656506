/**
 * The keyword table shared by `defaults`, `frontend`, `backend` and `listen`.
 * Subsystems register their keywords here from their own folders
 * (src/lb for `balance`, src/server for `server`, src/http for `http-request`...),
 * and src/config/sections/index.ts imports each registering module once.
 *
 * Capabilities: a keyword declares which proxy kinds accept it. HAProxy's
 * behaviour when a keyword is used where the proxy lacks the capability varies
 * by keyword (a warning "'bind' ignored because backend 'be' has no frontend
 * capability." for most), so the check is done by each keyword through
 * `checkCapability()`.
 */
import { KeywordTable } from '../keyword-table.js';
import type { ProxyConfig } from '../model/proxy.js';
import type { LineContext } from '../section-registry.js';

export const proxyKeywords = new KeywordTable<ProxyConfig>('');

/** What a keyword needs from the proxy: a frontend side, a backend side, or either. */
export type Capability = 'frontend' | 'backend';

/** The word haproxy uses for a proxy kind in messages (proxy_type_str(): a listen section is a "proxy"). */
export function proxyTypeName(p: ProxyConfig): string {
  return p.kind === 'listen' ? 'proxy' : p.kind;
}

/**
 * HAProxy's warnif_cap(): when the proxy lacks the capability the keyword is
 * ignored with a warning, and the caller should stop parsing the line.
 * Returns true when the keyword applies.
 */
export function checkCapability(ctx: LineContext, proxy: ProxyConfig, need: Capability, keyword: string): boolean {
  const has = need === 'frontend' ? proxy.cap.frontend : proxy.cap.backend;
  if (has) return true;
  ctx.warning('CFG_CAPABILITY', `'${keyword}' ignored because ${proxyTypeName(proxy)} '${proxy.name}' has no ${need} capability.`);
  return false;
}
