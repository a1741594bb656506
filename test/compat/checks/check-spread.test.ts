/**
 * Differential: haproxy 2.6 spreads the first checks over the smallest
 * interval (check.c start_checks(): check i of n starts after
 * max(mininter, inter) * i / n ms). With `fall 1` against a closed port each
 * server goes DOWN at its first check, so the times of the DOWN lines show
 * the spreading; Switchyard's must follow the same pattern.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { haproxyAvailable } from '../../helpers/paths.js';
import { freePort, startProxy, type ProxyKind } from '../../helpers/processes.js';
import { udpCollector } from '../log/log-helpers.js';

/**
 * When each `Server be/<name> is DOWN` event happened, in ms after the first
 * one, from the microsecond timestamps of the RFC 5424 log lines: the
 * proxy's own clock, so that a test runner slow to read output (a loaded
 * machine) does not move them.
 */
async function downTimes(kind: ProxyKind, config: string, n: number): Promise<Map<string, number>> {
  const udp = await udpCollector();
  const proxy = await startProxy(kind, config, { vars: { UDP: String(udp.port) } });
  const seen = new Map<string, number>();
  try {
    const t0 = Date.now();
    while (seen.size < n && Date.now() - t0 < 5000) {
      for (const line of udp.lines) {
        const m = /^<\d+>1 (\S+) .* Server (b\d\/s\d) is DOWN/.exec(line);
        if (m !== null && !seen.has(m[2]!)) seen.set(m[2]!, Date.parse(m[1]!.replace(/(\.\d{3})\d+/, '$1')));
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    await proxy.stop();
    udp.close();
  }
  const first = Math.min(...seen.values());
  return new Map([...seen].map(([k, v]) => [k, v - first]));
}

test('the first checks are spread over the smallest interval, across backends', { skip: !haproxyAvailable() }, async () => {
  const dead = await freePort();
  const config = [
    'global', '  log 127.0.0.1:${UDP} format rfc5424 local0',
    'defaults', '  log global', '  mode tcp', '  timeout connect 1s', '  timeout client 1s', '  timeout server 1s',
    'listen b1', '  bind ${ADDR:fe}',
    `  server s1 127.0.0.1:${dead} check inter 1s fall 1`,
    `  server s2 127.0.0.1:${dead} check inter 1s fall 1`,
    'backend b2',
    `  server s3 127.0.0.1:${dead} check inter 1s fall 1`,
    // A slower check spreads over its own interval: 2000 * 3 / 4 = 1500 ms.
    `  server s4 127.0.0.1:${dead} check inter 2s fall 1`,
    '',
  ].join('\n');
  const ha = await downTimes('haproxy', config, 4);
  const sy = await downTimes('switchyard', config, 4);
  const expected: Record<string, number> = { 'b1/s1': 0, 'b1/s2': 250, 'b2/s3': 500, 'b2/s4': 1500 };
  for (const [name, at] of Object.entries(expected)) {
    // Generous bounds: both proxies share 2 busy cores with the rest of the suite (their own timers can run late).
    assert.ok(Math.abs((ha.get(name) ?? -1e9) - at) <= 120, `haproxy ${name} at ${ha.get(name)} ms, expected ${at}`);
    assert.ok(Math.abs((sy.get(name) ?? -1e9) - at) <= 120, `switchyard ${name} at ${sy.get(name)} ms, expected ${at} (haproxy: ${ha.get(name)})`);
  }
});
