/**
 * The 1.5 `reqsetbe <search> <backend>` / `reqisetbe` filters
 * (docs/legacy-directives.md), run with HAProxy 1.5's semantics
 * (proto_http.c apply_filter_to_req_line() / apply_filter_to_req_headers(),
 * ACT_SETBE):
 *
 *  - the regex is matched against the request line (`GET /x HTTP/1.1`),
 *    then against each header line written `Name: value`;
 *  - the first matching line switches the request to the backend, before
 *    the `use_backend` rules (session_set_backend() sets SN_BE_ASSIGNED,
 *    which process_switching_rules() then respects);
 *  - only a frontend (or listen) switches: in a backend the stream already
 *    left its frontend (`if (s->be != s->fe) break;`), and a second match
 *    does not switch again.
 *
 * The choice is remembered on the transaction's canonical head (the legacy
 * filters work on it, src/http/legacy-rules.ts), consulted by the switching
 * rules of frontends that have such a filter only.
 */
import type { ProxyConfig } from '../config/model/proxy.js';
import type { CanonicalHead } from './h1-head.js';
import type { LegacySubject } from './legacy-rules.js';
import { pcreRegExp } from './legacy-rules.js';
import type { LegacyLineData } from './rule-model.js';

const chosen = new WeakMap<CanonicalHead, string>();

/** Compiles one `legacy-set-backend` rule: records the backend of the first matching line. */
export function compileLegacySetBackend(d: LegacyLineData): ((s: LegacySubject) => undefined) | undefined {
  if (d.regex === undefined || d.text === undefined) return undefined;
  const re = pcreRegExp(d.regex, d.caseInsensitive ? 'i' : '');
  const backend = d.text;
  return (s) => {
    const h = s.reqCanonical();
    if (chosen.has(h)) return undefined;
    let hit = re.test(`${h.method} ${h.target} ${h.version}`);
    for (let i = 0; !hit && i < h.headers.length; i++) hit = re.test(`${h.headers[i]![0]}: ${h.headers[i]![1]}`);
    if (hit) chosen.set(h, backend);
    return undefined;
  };
}

/** Whether a proxy has `reqsetbe`/`reqisetbe` filters (its switching then looks for their choice). */
export function hasLegacySetBackend(p: ProxyConfig): boolean {
  return p.rules.httpRequest.some((r) => r.action === 'legacy-set-backend');
}

/** The backend a filter of this transaction chose, if any. */
export function legacyBackendName(s: { reqCanonical(): CanonicalHead }): string | undefined {
  return chosen.get(s.reqCanonical());
}
