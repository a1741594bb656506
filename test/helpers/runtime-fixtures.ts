/**
 * The runtime of a configuration without sockets, for unit tests of server
 * states and transitions: the configuration must load without alerts, and
 * the lines the runtime reports are collected as `<severity>: <message>`.
 */
import assert from 'node:assert/strict';
import { buildRuntime, type Runtime } from '../../src/proxy/runtime.js';
import type { Server } from '../../src/server/server.js';
import { loadConfigText } from './load-config.js';

/** Builds the runtime of `text` (no alert allowed); `lines` receives what it reports. */
export function buildTestRuntime(text: string): { runtime: Runtime; lines: string[] } {
  const { model, alerts } = loadConfigText(text);
  assert.deepEqual(alerts, []);
  const lines: string[] = [];
  const { runtime } = buildRuntime(model, { reporter: { report: (sev, m) => lines.push(`${sev}: ${m}`) } });
  return { runtime, lines };
}

/** The server `name` of backend `be` (fails the test when there is none). */
export function serverOf(rt: Runtime, be: string, name: string): Server {
  const s = rt.backends.get(be)?.serverByName.get(name);
  assert.ok(s, `${be}/${name}`);
  return s;
}
