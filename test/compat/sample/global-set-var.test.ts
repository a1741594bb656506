/**
 * Differential: the global section's `set-var proc.<name> <expr>` through
 * haproxy 2.6 and Switchyard: the lines run once at startup, in order (a
 * later one reads an earlier variable), and the rules of every proxy see
 * the values; expressions that need a stream, unknown fetches or
 * converters and broken syntax get haproxy's alerts (src/proxy/proc-vars.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { haproxyAvailable } from '../../helpers/paths.js';
import { checkConfig, startProxy, type ProxyKind } from '../../helpers/processes.js';
import { rawExchange } from '../../helpers/clients.js';

const skip = haproxyAvailable() ? false : 'haproxy 2.6 is not installed';

const CONFIG = `global
  set-var proc.a int(5)
  set-var proc.b str(hello),upper
  set-var proc.c var(proc.a),add(10)
  set-var proc.d env(SWITCHYARD_TEST_GV)
  set-var proc.e var(proc.nope)
defaults
  mode http
  timeout client 2s
  timeout server 2s
  timeout connect 1s
frontend fe
  bind \${ADDR:fe}
  http-request set-var(proc.a) var(proc.a),add(1) if { path /inc }
  http-request return status 200 hdr x "%[var(proc.a)]|%[var(proc.b)]|%[var(proc.c)]|%[var(proc.d)]|%[var(proc.e)]|"
`;

async function answers(kind: ProxyKind): Promise<string[]> {
  const p = await startProxy(kind, CONFIG, { env: { SWITCHYARD_TEST_GV: 'from-env' } });
  try {
    const out: string[] = [];
    for (const path of ['/', '/inc', '/inc', '/']) {
      const r = await rawExchange(p.ports['fe']!, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      out.push(/\r\nx: ([^\r]*)/.exec(r.data.toString('latin1'))?.[1] ?? 'no x');
    }
    return out;
  } finally {
    await p.stop();
  }
}

test('global set-var: run at startup, in order, seen (and updated) by the rules', { skip }, async () => {
  const h = await answers('haproxy');
  const s = await answers('switchyard');
  assert.deepEqual(s, h);
  assert.deepEqual(h, ['5|HELLO|15|from-env||', '6|HELLO|15|from-env||', '7|HELLO|15|from-env||', '7|HELLO|15|from-env||']);
});

test('global set-var: the same alerts as haproxy -c for expressions it refuses', { skip }, async () => {
  for (const expr of ['src', 'req.hdr(host)', 'nope(1)', 'str(a', 'str(a),upper,nope', 'int(1)']) {
    const text = `global\n  set-var proc.a int(5)\n  set-var proc.e ${expr}\n`;
    const alerts = async (kind: ProxyKind): Promise<string[]> => {
      const r = await checkConfig(kind, text);
      return r.alerts.map((d) => d.message.replace(r.files[0] ?? '', 'F'));
    };
    assert.deepEqual(await alerts('switchyard'), await alerts('haproxy'), expr);
  }
});
