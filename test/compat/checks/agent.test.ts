/**
 * Differential: an agent answering `drain`, `ready`, `down`, `up`, `50%`,
 * then `up`: same lines as haproxy 2.6.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { haproxyAvailable } from '../../helpers/paths.js';
import { onData, scripted } from '../../integration/checks/check-harness.js';
import { count, listen, runBoth } from './check-compare.js';

const ANSWERS = ['drain\n', 'ready\n', 'down\n', 'up\n', '50%\n', 'up\n'];

test('agent-check: drain, ready, down, up, 50%', { skip: !haproxyAvailable() }, async () => {
  const r = await runBoth({
    config: ([web, agent]) => listen(
      `server s1 127.0.0.1:${web} check inter 2s agent-check agent-port ${agent} agent-inter 100ms weight 4`,
      `server s2 127.0.0.1:${web} check inter 2s`),
    origins: async () => [
      await scripted(onData(() => null)),
      // Without agent-send nothing is sent: the agent speaks first.
      await scripted((s, i) => {
        setTimeout(() => s.end(ANSWERS[Math.min(i, ANSWERS.length - 1)] ?? ''), 2);
      }),
    ],
    done: (l) => count(l, /be\/s1/) === 4 && count(l, /via agent : up/) === 1,
    timeoutMs: 5000,
    settleMs: 400,
  });
  assert.deepEqual(r.switchyard.byServer, r.haproxy.byServer, `haproxy:\n${r.haproxy.output}\nswitchyard:\n${r.switchyard.output}`);
  assert.deepEqual(r.haproxy.byServer['be/s1'], [
    '[WARNING] Server be/s1 enters drain state. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
    '[WARNING] Server be/s1 is UP (leaving forced drain).',
    '[WARNING] Server be/s1 is DOWN, reason: Layer7 wrong status, code: 0, info: "via agent : down", check duration: Nms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    '[WARNING] Server be/s1 is UP, reason: Layer7 check passed, code: 0, info: "via agent : up", check duration: Nms. 2 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
  ]);
});
