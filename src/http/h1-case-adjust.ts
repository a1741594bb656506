/**
 * HTTP/1 header-name case adjustment (mux_h1.c h1_adjust_case_outgoing_hdr(),
 * configuration.txt §3.2 "h1-case-adjust", "h1-case-adjust-file", §4.2
 * "option h1-case-adjust-bogus-client/-server").
 *
 * haproxy 2.6 sends every header name in lower case, to servers and to
 * clients alike (checked against it: `Content-Length` from a server reaches
 * the client as `content-length`, `Host` reaches the server as `host`), and
 * so does Switchyard's writer (h1-writer.ts). With one of the options, the
 * names listed by the global directives are given their configured case
 * on the way out to that side; other names stay in lower case.
 *
 * <from> and <to> differ only by case (checked at parse time), so the
 * adjustment rewrites the serialized head in place, byte for byte.
 */
import { readFileSync } from 'node:fs';
import type { ConfigModel } from '../config/model/index.js';

/** Lower-case name → the name as it must be sent. */
export type CaseMap = ReadonlyMap<string, string>;

const maps = new WeakMap<ConfigModel, CaseMap>();

/**
 * The global case map: `h1-case-adjust` lines, then the last
 * `h1-case-adjust-file` (haproxy processes only the last one; lines starting
 * with '#' and empty lines ignored, blanks stripped, two names per line).
 * Computed once per configuration.
 */
export function caseMapOf(model: ConfigModel): CaseMap {
  let m = maps.get(model);
  if (m !== undefined) return m;
  const out = new Map<string, string>();
  let file: string | undefined;
  for (const d of model.global.directives) {
    if (d.keyword === 'h1-case-adjust') {
      const from = d.args[0] ?? '';
      const to = d.args[1] ?? '';
      if (from !== '' && to !== '' && from.toLowerCase() === to.toLowerCase()) out.set(from.toLowerCase(), to);
    } else if (d.keyword === 'h1-case-adjust-file') file = d.args[0];
  }
  if (file !== undefined) {
    let text = '';
    try {
      text = readFileSync(file, 'latin1');
    } catch {
      // Reported at configuration time (src/config/global/http.ts).
    }
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const [from = '', to = ''] = line.split(/[ \t]+/);
      if (to !== '' && from.toLowerCase() === to.toLowerCase() && !out.has(from.toLowerCase())) out.set(from.toLowerCase(), to);
    }
  }
  m = out;
  maps.set(model, m);
  return m;
}

/**
 * Gives the header names of a serialized head (start line, fields, empty
 * line) the case of `map`, in place; returns `head`. Only names found in the
 * map change, and each keeps its length.
 */
export function adjustHeadCase(head: Buffer, map: CaseMap): Buffer {
  if (map.size === 0) return head;
  let p = head.indexOf(0x0a) + 1;
  while (p > 0 && p < head.length) {
    const eol = head.indexOf(0x0a, p);
    if (eol < 0 || eol <= p + 1) break;
    const colon = head.indexOf(0x3a, p);
    if (colon > p && colon < eol) {
      const to = map.get(head.toString('latin1', p, colon).toLowerCase());
      if (to !== undefined && to.length === colon - p) head.write(to, p, 'latin1');
    }
    p = eol + 1;
  }
  return head;
}
