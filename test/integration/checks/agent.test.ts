/**
 * agent-check: the agent's words and haproxy 2.6's lines for them (the
 * sequences below were recorded from haproxy -db with the same answers).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backend, masked, onData, scripted, startChecks, type ScriptedServer } from './check-harness.js';
import { applyAgentReply, parseAgentLine, type AgentTarget } from '../../../src/server/checks/agent.js';

/**
 * An agent answering `answers[i]` to its i-th connection (the last one
 * repeats), as soon as it connects: without `agent-send` nothing is sent.
 */
function agent(answers: readonly string[]): Promise<ScriptedServer> {
  return scripted((s, i) => {
    setTimeout(() => s.end(answers[Math.min(i, answers.length - 1)] ?? ''), 2);
  });
}

async function run(answers: readonly string[], expected: number, extra = ''): Promise<{ lines: string[]; agentReceived: Buffer[]; be: ReturnType<typeof startChecks> }> {
  const web = await scripted(onData(() => 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
  const a = await agent(answers);
  const r = startChecks(backend('option httpchk',
    `server s1 127.0.0.1:${web.port} check inter 1s agent-check agent-port ${a.port} agent-inter 30ms ${extra}`,
    `server s2 127.0.0.1:${web.port} check inter 1s`));
  try {
    await r.until((l) => l.length >= expected);
    await new Promise((res) => setTimeout(res, 80));
    return { lines: masked(r.lines), agentReceived: [...a.received], be: r };
  } finally {
    r.stop();
    await Promise.all([web.close(), a.close()]);
  }
}

test('drain, weight, ready, down, up, maint, ready', async () => {
  const { lines } = await run(['drain\n', 'drain\n', '50%\n', 'ready\n', 'down\n', 'down\n', 'up\n', 'maint\n', 'ready\n', 'up\n'], 7);
  assert.deepEqual(lines, [
    '[WARNING] Server be/s1 enters drain state. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
    '[WARNING] Server be/s1 remains in forced drain mode.',
    '[WARNING] Server be/s1 is UP (leaving forced drain).',
    '[WARNING] Server be/s1 is DOWN, reason: Layer7 wrong status, code: 0, info: "via agent : down", check duration: Nms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    '[WARNING] Server be/s1 is UP, reason: Layer7 check passed, code: 0, info: "via agent : up", check duration: Nms. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
    '[WARNING] Server be/s1 is going DOWN for maintenance. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    '[WARNING] Server be/s1 is UP/READY (leaving forced maintenance).',
  ]);
});

test('down, maint while down, drain while down, up while drained, descriptions', async () => {
  const { lines } = await run(['down\n', 'maint\n', 'ready\n', 'drain\n', 'up\n', 'ready\n', '0%\n', '100%\n', 'up 50% maxconn:5 # hello\n', 'fail # broken\n', 'stopped\n', 'up\n'], 9);
  assert.deepEqual(lines, [
    '[WARNING] Server be/s1 is DOWN, reason: Layer7 wrong status, code: 0, info: "via agent : down", check duration: Nms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    '[WARNING] Server be/s1 was DOWN and now enters maintenance.',
    '[WARNING] Server be/s1 is DOWN/READY (leaving forced maintenance).',
    '[WARNING] Server be/s1 enters drain state. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    '[WARNING] Server be/s1 is UP, reason: Layer7 check passed, code: 0, info: "via agent : up", check duration: Nms. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
    '[WARNING] Server be/s1 remains in forced drain mode.',
    '[WARNING] Server be/s1 is UP (leaving forced drain).',
    '[WARNING] Server be/s1 is DOWN, reason: Layer7 wrong status, code: 0, info: "via agent : fail (broken)", check duration: Nms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    '[WARNING] Server be/s1 is UP, reason: Layer7 check passed, code: 0, info: "via agent : up", check duration: Nms. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
  ]);
});

test('weights and maxconn from the agent; agent-send is sent; an unreachable agent changes nothing', async () => {
  const { lines, agentReceived, be } = await run(['75% maxconn:7\n'], 0, 'weight 4 agent-send "hello\\n"');
  assert.deepEqual(lines, []);
  assert.equal(agentReceived[0]?.toString(), 'hello\n');
  const s1 = be.runtime.backends.get('be')!.servers[0]!;
  assert.equal(s1.uweight, 3);
  assert.equal(s1.maxconn, 7);
  assert.equal(s1.state, 'UP');
  const r = startChecks(backend('server s1 127.0.0.1:1 agent-check agent-port 1 agent-inter 20ms'));
  try {
    await new Promise((res) => setTimeout(res, 100));
    assert.deepEqual(r.lines, []);
  } finally {
    r.stop();
  }
});

test('agent line parsing and messages', () => {
  const calls: string[] = [];
  const target: AgentTarget = {
    setCheckHealth: (up) => void calls.push(`health ${up}`),
    setDrain: () => void calls.push('drain'),
    setMaint: () => void calls.push('maint'),
    setReady: () => void calls.push('ready'),
    requestWeight: (t) => (calls.push(`weight ${t}`), t === '300%' ? 'Backend is using a static LB algorithm' : undefined),
    requestMaxconn: (t) => void calls.push(`maxconn ${t}`),
    previousAgentStatus: () => 'INI',
  };
  assert.deepEqual(applyAgentReply(parseAgentLine('up 50%,maxconn:5 drain # all good'), target), { status: 'L7OK', desc: 'via agent : up (all good)' });
  assert.deepEqual(calls, ['health true', 'drain', 'weight 50%', 'maxconn 5']);
  assert.deepEqual(applyAgentReply(parseAgentLine('DOWN # disk full'), target), { status: 'L7STS', desc: 'via agent : DOWN (disk full)' });
  assert.deepEqual(applyAgentReply(parseAgentLine('xyz'), target), { status: 'CHECKED', desc: 'agent reports an error : xyz' });
  assert.deepEqual(applyAgentReply(parseAgentLine('up xyz'), target), { status: 'L7OK', desc: 'via agent : up (xyz)' });
  assert.deepEqual(applyAgentReply(parseAgentLine('300%'), target), { status: 'CHECKED', desc: 'agent warns : Backend is using a static LB algorithm' });
  assert.deepEqual(parseAgentLine('').healthStatus, 'CHECKED');
});
