/**
 * Differential: `slowstart` ramps a server's weight after it comes back UP.
 * haproxy 2.6 (server.c server_recalc_eweight(), re-run every second by
 * server_warmup()) gives the server uweight × (16 × elapsed + ss) / ss out of
 * 16 × uweight, elapsed in whole seconds since the state change: with
 * `slowstart 2s` and a peer of the same weight, s2 gets 1/17 of the requests
 * during its first second UP, 9/25 during the second, then half.
 * Both proxies run at once against the same origins; requests alternate
 * between them and each is placed on its proxy's own clock (since its "is
 * UP" line). Shares are compared per second, coarsely (±0.12).
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { httpOrigin } from '../../helpers/origins.js';
import { freePort, startProxy, type RunningProxy } from '../../helpers/processes.js';
import { haproxyAvailable } from '../../helpers/paths.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function get(port: number): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    const c = net.connect(port, '127.0.0.1', () => c.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    c.on('data', (d: Buffer) => (out += d.toString('latin1')));
    c.on('close', () => resolve(out.slice(out.indexOf('\r\n\r\n') + 4)));
    c.on('error', () => resolve('error'));
  });
}

/** s2's share of the requests sent between `from` and `to` ms after its proxy saw it UP. */
function share(log: Array<{ t: number; who: string }>, from: number, to: number): number {
  const inside = log.filter((r) => r.t >= from && r.t < to);
  return inside.filter((r) => r.who === 's2').length / Math.max(1, inside.length);
}

it('slowstart: weight shares during the ramp-up match haproxy', { skip: haproxyAvailable() ? false : 'haproxy 2.6 is not installed', timeout: 15_000 }, async () => {
  const a = await httpOrigin({ name: 's1' });
  const port = await freePort();
  const config = `
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
  server s1 ${a.addr}
  server s2 127.0.0.1:${port} check inter 100ms fall 1 rise 1 slowstart 2s
`;
  const procs: RunningProxy[] = [];
  const sockets = new Set<net.Socket>();
  const b = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.on('data', () => s.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\ns2'));
  });
  try {
    procs.push(await startProxy('haproxy', config));
    procs.push(await startProxy('switchyard', config));
    const seen = async (re: RegExp): Promise<void> => {
      const end = Date.now() + 3000;
      while (!procs.every((p) => re.test(p.output()))) {
        assert.ok(Date.now() < end, procs.map((p) => p.output()).join('\n----\n'));
        await sleep(5);
      }
    };
    await seen(/fe\/s2 is DOWN/);
    await new Promise<void>((resolve) => b.listen(port, '127.0.0.1', () => resolve()));
    // Each proxy's clock starts when its UP line shows up.
    const upAt: number[] = procs.map(() => 0);
    const end = Date.now() + 3000;
    while (upAt.some((t) => t === 0)) {
      procs.forEach((p, i) => {
        if (upAt[i] === 0 && /fe\/s2 is UP/.test(p.output())) upAt[i] = Date.now();
      });
      assert.ok(Date.now() < end, 'both saw s2 UP');
      await sleep(5);
    }
    const logs: Array<Array<{ t: number; who: string }>> = procs.map(() => []);
    const stop = Math.max(...upAt) + 2600;
    while (Date.now() < stop) {
      for (let i = 0; i < procs.length; i++) {
        const sent = Date.now();
        const who = await get(procs[i]!.ports['fe']!);
        logs[i]!.push({ t: sent - upAt[i]!, who });
      }
      await sleep(4);
    }
    const phases: Array<[number, number, number]> = [[100, 900, 1 / 17], [1100, 1900, 9 / 25], [2150, 2550, 1 / 2]];
    const shares = logs.map((log) => phases.map(([from, to]) => share(log, from, to)));
    const msg = `haproxy ${shares[0]!.map((x) => x.toFixed(2))} switchyard ${shares[1]!.map((x) => x.toFixed(2))}`;
    if (process.env.SHOW_SHARES) console.log(msg);
    phases.forEach(([, , expected], i) => {
      for (const s of shares) assert.ok(Math.abs(s[i]! - expected) <= 0.12, `phase ${i}: ${msg}`);
      assert.ok(Math.abs(shares[0]![i]! - shares[1]![i]!) <= 0.12, `phase ${i}: ${msg}`);
    });
  } finally {
    for (const p of procs) await p.stop();
    for (const s of sockets) s.destroy();
    b.close();
    await a.close();
  }
});
