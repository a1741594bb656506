/**
 * Differential: which server gets each request when some are out of the
 * rotation, through haproxy 2.6 and Switchyard with the same origins: a
 * server DOWN by its check, `weight 0`, `disabled`, `default-server
 * disabled` + `enabled`, a tracker of a disabled server, and `backup` with
 * and without `option allbackups` once every active server is unusable.
 * Requests are sent one by one (roundrobin is deterministic) and the
 * sequence of answering origins must be the same.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { httpOrigin, type HttpOrigin } from '../../helpers/origins.js';
import { freePort, startProxy, type ProxyKind } from '../../helpers/processes.js';
import { haproxyAvailable } from '../../helpers/paths.js';

const skip = haproxyAvailable() ? false : 'haproxy 2.6 is not installed';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One request on its own connection; the body is the origin's name ('503' when none answered). */
function get(port: number): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    const c = net.connect(port, '127.0.0.1', () => c.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    c.on('data', (d: Buffer) => (out += d.toString('latin1')));
    c.on('close', () => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(out)?.[1] ?? 'none';
      resolve(status === '200' ? out.slice(out.indexOf('\r\n\r\n') + 4) : status);
    });
    c.on('error', () => undefined);
  });
}

/** Starts `kind` on `servers`, waits for `downLines` DOWN lines, sends `n` requests; returns who answered. */
async function sequence(kind: ProxyKind, servers: string, options: string, downLines: number, n: number): Promise<string[]> {
  const p = await startProxy(kind, `
global
  nbthread 1
defaults
  mode http
  timeout connect 500ms
  timeout client 2s
  timeout server 2s
  timeout check 1s
listen fe
  bind \${ADDR:fe}
  balance roundrobin
${options}
${servers}
`);
  try {
    const end = Date.now() + 3000;
    while ((p.output().match(/ is DOWN/g) ?? []).length < downLines && Date.now() < end) await sleep(20);
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(await get(p.ports['fe']!));
    return out;
  } finally {
    await p.stop();
  }
}

describe('server selection with servers out of the rotation, against haproxy', { skip }, () => {
  const origins: HttpOrigin[] = [];
  const names = ['a', 'b', 'c', 'd', 'e', 'f'];
  let dead = 0;
  const at = (name: string): string => origins[names.indexOf(name)]!.addr;

  it('starts origins', async () => {
    for (const name of names) origins.push(await httpOrigin({ name }));
    dead = await freePort();
  });

  const cases: Array<{ title: string; servers: () => string; options?: string; down: number; expect?: (seq: string[]) => void }> = [
    {
      title: 'DOWN, weight 0, disabled and a tracker of a disabled server get nothing',
      servers: () => `
  server a 127.0.0.1:${dead} check inter 100ms
  server b ${at('b')} weight 0
  server c ${at('c')} disabled check inter 5s
  server t ${at('a')} track c
  server d ${at('d')} weight 2
  server e ${at('e')}
  server f ${at('f')} backup`,
      down: 1,
      expect: (seq) => assert.deepEqual([...new Set(seq)].sort(), ['d', 'e']),
    },
    {
      title: 'default-server disabled, then enabled on one server',
      servers: () => `
  default-server disabled
  server a ${at('a')}
  server b ${at('b')} enabled
  server c ${at('c')} enabled weight 3
  server f ${at('f')} backup enabled`,
      down: 0,
      expect: (seq) => assert.deepEqual([...new Set(seq)].sort(), ['b', 'c']),
    },
    {
      title: 'no usable active server: the first backup alone',
      servers: () => `
  server a 127.0.0.1:${dead} check inter 100ms
  server b ${at('b')} weight 0
  server c ${at('c')} disabled
  server d ${at('d')} backup weight 0
  server e ${at('e')} backup
  server f ${at('f')} backup weight 3`,
      down: 1,
      expect: (seq) => assert.deepEqual([...new Set(seq)], ['e']),
    },
    {
      title: 'option allbackups: every usable backup by weight',
      servers: () => `
  server a 127.0.0.1:${dead} check inter 100ms
  server b ${at('b')} weight 0
  server d ${at('d')} backup weight 0
  server e ${at('e')} backup
  server f ${at('f')} backup weight 3`,
      options: '  option allbackups',
      down: 1,
      expect: (seq) => assert.deepEqual([...new Set(seq)].sort(), ['e', 'f']),
    },
    {
      title: 'option allbackups with a DOWN backup',
      servers: () => `
  server a 127.0.0.1:${dead} check inter 100ms
  server d 127.0.0.1:${dead} backup check inter 100ms
  server e ${at('e')} backup
  server f ${at('f')} backup weight 2`,
      options: '  option allbackups',
      down: 2,
    },
    {
      title: 'nothing usable at all: 503',
      servers: () => `
  server a 127.0.0.1:${dead} check inter 100ms
  server b ${at('b')} weight 0
  server d ${at('d')} backup weight 0`,
      down: 1,
      expect: (seq) => assert.deepEqual([...new Set(seq)], ['503']),
    },
  ];

  for (const c of cases) {
    it(c.title, { timeout: 10_000 }, async () => {
      const n = 12;
      const h = await sequence('haproxy', c.servers(), c.options ?? '', c.down, n);
      const s = await sequence('switchyard', c.servers(), c.options ?? '', c.down, n);
      assert.deepEqual(s, h);
      c.expect?.(h);
    });
  }

  it('stops origins', async () => {
    for (const o of origins) await o.close();
  });
});
