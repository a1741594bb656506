/**
 * The agent check (`agent-check`, `agent-port`, `agent-addr`, `agent-inter`,
 * `agent-send`; configuration.txt §5.2 "agent-check"): connect to the agent,
 * send `agent-send` (or nothing), read one line and obey it, as haproxy 2.6's
 * tcpcheck_agent_expect_reply() (src/tcpcheck.c).
 *
 * The line ends at the first CR or LF; words are separated by spaces, tabs or
 * commas; a `#` starts a description. Words, the last of each kind winning:
 *   up | down | stopped | fail          health (sets the main check's health too)
 *   ready | drain | maint               administrative state
 *   <n>%                                weight relative to the configured one
 *   maxconn:<n>                         maximum connections
 * Verified lines (haproxy 2.6 -db):
 *   Server be/s1 is DOWN, reason: Layer7 wrong status, code: 0, info: "via agent : down", ...
 *   Server be/s1 is UP, reason: Layer7 check passed, code: 0, info: "via agent : up", ...
 *   Server be/s1 is DOWN, ..., info: "via agent : fail (broken)", ...     (answer "fail # broken")
 *   Server be/s1 enters drain state. 1 active and 0 backup servers online. ...
 *   Server be/s1 is UP (leaving forced drain).
 *   Server be/s1 is going DOWN for maintenance. ...
 *   Server be/s1 is UP/READY (leaving forced maintenance).
 * Failing to reach the agent changes nothing (server-health.ts).
 */
import { compileCheckFormat, evalCheckFormat } from './check-format.js';
import { customExpect, type CheckRule, type ExpectVerdict, type Ruleset } from './rules.js';
import type { CheckStatus } from './status.js';
import { linkExpectHeads } from './tcp-check.js';

/** What the agent's words act on (implemented by ServerHealth). */
export interface AgentTarget {
  setCheckHealth(up: boolean): void;
  setDrain(): void;
  setMaint(): void;
  setReady(): void;
  requestWeight(text: string): string | undefined;
  requestMaxconn(text: string): string | undefined;
  /** The agent's previous status, reported again for an incomplete line. */
  previousAgentStatus(): CheckStatus;
}

/** One parsed agent line. */
export interface AgentReply {
  readonly health?: string | undefined;
  readonly healthStatus: CheckStatus;
  readonly admin?: string | undefined;
  readonly weight?: string | undefined;
  readonly maxconn?: string | undefined;
  /** The first word that was not understood. */
  readonly error?: string | undefined;
  /** The description after `#`. */
  readonly description: string;
}

const SEPARATORS = new Set([' ', '\t', ',']);

/** Parses one line (without its CR/LF) as tcpcheck_agent_expect_reply() does. */
export function parseAgentLine(line: string): AgentReply {
  let health: string | undefined;
  let healthStatus: CheckStatus = 'CHECKED';
  let admin: string | undefined;
  let weight: string | undefined;
  let maxconn: string | undefined;
  let error: string | undefined;
  let description = '';
  let i = 0;
  while (i < line.length) {
    const ch = line[i] ?? '';
    if (SEPARATORS.has(ch)) {
      i++;
      continue;
    }
    if (ch === '#') {
      i++;
      while (line[i] === '\t' || line[i] === ' ') i++;
      description = line.slice(i);
      break;
    }
    let j = i + 1;
    while (j < line.length && !SEPARATORS.has(line[j] ?? '') && line[j] !== '\n') j++;
    const word = line.slice(i, j);
    const lower = word.toLowerCase();
    if (lower === 'up') { health = word; healthStatus = 'L7OK'; }
    else if (lower === 'down' || lower === 'stopped' || lower === 'fail') { health = word; healthStatus = 'L7STS'; }
    else if (lower === 'ready' || lower === 'drain' || lower === 'maint') admin = lower;
    else if (/^[0-9]/.test(word) && word.includes('%')) weight = word;
    else if (lower.startsWith('maxconn:')) maxconn = word.slice('maxconn:'.length);
    else error ??= word;
    i = j + 1;
  }
  description = description.replace(/^[ \n]+/, '');
  return { health, healthStatus, admin, weight, maxconn, error, description };
}

/** Applies a parsed line to the server and returns the agent's status and info text. */
export function applyAgentReply(r: AgentReply, target: AgentTarget): { status: CheckStatus; desc: string } {
  // The health words set the agent's own health (haproxy 2.6 leaves the main check's alone), before anything else.
  if (r.health !== undefined) target.setCheckHealth(r.healthStatus === 'L7OK');
  if (r.admin === 'drain') target.setDrain();
  else if (r.admin === 'maint') target.setMaint();
  else if (r.admin === 'ready') target.setReady();
  let warning: string | undefined;
  if (r.weight !== undefined) warning = target.requestWeight(r.weight);
  if (r.maxconn !== undefined) {
    const w = target.requestMaxconn(r.maxconn);
    if (warning === undefined || warning === '') warning = w;
  }
  if (r.health !== undefined) {
    let msg = r.description;
    if (msg === '' || r.healthStatus === 'L7OK') {
      if (r.error !== undefined && r.error !== '') msg = r.error;
      else if (warning !== undefined && warning !== '') msg = warning;
    }
    return { status: r.healthStatus, desc: `via agent : ${r.health}${msg !== '' ? ` (${msg})` : ''}` };
  }
  if (r.error !== undefined && r.error !== '') return { status: 'CHECKED', desc: `agent reports an error : ${r.error}` };
  if (warning !== undefined && warning !== '') return { status: 'CHECKED', desc: `agent warns : ${warning}` };
  return { status: 'CHECKED', desc: '' };
}

/**
 * The agent's rule set: connect to the agent (no TLS, no PROXY header), send
 * `agent-send`, read one line.
 */
export function agentRuleset(agentSend: string | undefined, target: AgentTarget): Ruleset {
  const send = compileCheckFormat('%[var(check.agent_string)]');
  const rules: CheckRule[] = [
    { action: 'connect', index: 0, implicit: true, useDefault: true, ssl: false, sendProxy: false },
    { action: 'send', index: 0, http: false, data: (ctx) => Buffer.from(evalCheckFormat(send, ctx), 'latin1') },
    customExpect(1, {}, (_rule, ctx): ExpectVerdict => {
      const text = ctx.payload.toString('latin1');
      const eol = text.search(/[\r\n]/);
      if (eol < 0) {
        if (!ctx.lastRead) return { verdict: 'wait' };
        // At least inform the admin that the agent is misbehaving.
        return { verdict: 'stop', status: target.previousAgentStatus(), desc: 'Ignoring incomplete line from agent' };
      }
      const { status, desc } = applyAgentReply(parseAgentLine(text.slice(0, eol)), target);
      return { verdict: 'stop', status, desc };
    }),
  ];
  linkExpectHeads(rules);
  return { kind: 'agent', rules, vars: new Map([['agent_string', agentSend ?? '']]) };
}
