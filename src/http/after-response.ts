/**
 * The `http-after-response` rule set (configuration.txt §4.2
 * "http-after-response"): rules run on every response sent to the client,
 * the server's as well as those Switchyard generates itself (return, deny,
 * redirect, 502/503/504 pages), after the `http-response` rules.
 *
 * As http_ana.c http_eval_after_res_rules(): the backend's rules first, then
 * the frontend's when it is another proxy; `allow` ends the rules of its own
 * section only. Generated replies are bytes: when rules exist they are read
 * back into a canonical head, rewritten and written again (rare path); a
 * proxy without such rules costs one lookup.
 */
import type { Backend, Frontend } from '../proxy/runtime.js';
import type { CanonicalHead } from './h1-head.js';
import { compileRules, type RuleOutcome, type RuleSubject } from './rules.js';
import { ruleEnvOf } from '../proxy/rule-helpers.js';
import type { HttpStream } from './stream.js';

type RuleFn = (s: RuleSubject) => RuleOutcome | undefined;

const cache = new WeakMap<Frontend | Backend, readonly RuleFn[]>();

/** The compiled after-response rules of a proxy (compiled on first use, then cached). */
function rulesOf(px: Frontend | Backend): readonly RuleFn[] {
  let r = cache.get(px);
  if (r === undefined) {
    r = compileRules(px.config.rules.httpAfterResponse, ruleEnvOf(px), true);
    cache.set(px, r);
  }
  return r;
}

function runSet(rules: readonly RuleFn[], s: RuleSubject): void {
  // hdr() and cookie() read the response here (sample.c SMP_OPT_DIR_RES).
  s.response = true;
  for (let i = 0; i < rules.length; i++) {
    // Only non-final actions and `allow` are accepted by the parser: any outcome stops this section.
    if (rules[i]!(s) !== undefined) break;
  }
  s.response = false;
}

/** The rule lists to run for a stream, backend first; undefined when there are none. */
function setsFor(s: HttpStream): { be: readonly RuleFn[]; fe: readonly RuleFn[] } | undefined {
  const fe = rulesOf(s.fe);
  const be = s.be !== undefined && s.be.config !== s.fe.config ? rulesOf(s.be) : [];
  return fe.length === 0 && be.length === 0 ? undefined : { be, fe };
}

/**
 * Runs the after-response rules on the server's final response head (through
 * the stream's canonical response head, created only when rules exist).
 */
export function afterServerResponse(s: HttpStream): void {
  const sets = setsFor(s);
  if (sets === undefined) return;
  runSet(sets.be, s);
  runSet(sets.fe, s);
}

/**
 * Runs the after-response rules on a response Switchyard generated (`bytes`:
 * head and body). Returns the bytes to send, rewritten when a rule applied.
 */
export function afterGeneratedResponse(s: HttpStream, bytes: Buffer): Buffer {
  const sets = setsFor(s);
  if (sets === undefined) return bytes;
  const parsed = parseReply(bytes);
  if (parsed === undefined) return bytes;
  // The rules read and rewrite the response through the stream's response slots.
  const savedHead = s.resHead;
  const savedCanon = s.resCanon;
  s.resHead = undefined;
  s.resCanon = parsed.head;
  try {
    runSet(sets.be, s);
    runSet(sets.fe, s);
  } finally {
    s.resHead = savedHead;
    s.resCanon = savedCanon;
  }
  return Buffer.concat([serialize(parsed.head), parsed.body]);
}

/** Reads a generated reply back: status line and headers (the replies are well-formed by construction). */
function parseReply(bytes: Buffer): { head: CanonicalHead; body: Buffer } | undefined {
  const end = bytes.indexOf('\r\n\r\n', 0, 'latin1');
  if (end < 0) return undefined;
  const lines = bytes.toString('latin1', 0, end).split('\r\n');
  const m = /^(HTTP\/1\.[01]) (\d{3}) ?(.*)$/.exec(lines[0] ?? '');
  if (m === null) return undefined;
  const headers: Array<[string, string]> = [];
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    const c = l.indexOf(':');
    if (c > 0) headers.push([l.slice(0, c), l.slice(c + 1).trim()]);
  }
  const head: CanonicalHead = {
    isResponse: true, method: '', target: '', version: m[1]!, status: Number(m[2]), statusText: m[2]!, reason: m[3] ?? '', headers,
  };
  return { head, body: bytes.subarray(end + 4) };
}

function serialize(h: CanonicalHead): Buffer {
  let out = `${h.version} ${h.statusText} ${h.reason}\r\n`;
  for (const [n, v] of h.headers) out += `${n.toLowerCase()}: ${v}\r\n`;
  return Buffer.from(`${out}\r\n`, 'latin1');
}
