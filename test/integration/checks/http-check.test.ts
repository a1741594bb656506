/**
 * `option httpchk`: the request bytes haproxy 2.6 sends (captured with a
 * recording server) and its verdicts on the responses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backend, masked, onData, scripted, startChecks } from './check-harness.js';
import { parseCheckResponse } from '../../../src/server/checks/http-check.js';

const ok = (body = ''): string => `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

/** Runs one check against a recording server and returns the request it got. */
async function requestOf(lines: string[]): Promise<string> {
  const s = await scripted(onData(() => ok()));
  const r = startChecks(backend(...lines, `server s1 127.0.0.1:${s.port} check inter 1s`));
  try {
    const t0 = Date.now();
    while (s.received[0] === undefined || s.received[0].length === 0 || s.count() === 0) {
      if (Date.now() - t0 > 2000) throw new Error('no request');
      await new Promise((res) => setTimeout(res, 5));
    }
    await new Promise((res) => setTimeout(res, 20));
    return s.received[0].toString('latin1');
  } finally {
    r.stop();
    await s.close();
  }
}

test('request bytes: option httpchk forms, http-check send, hidden headers, send-state', async () => {
  assert.equal(await requestOf(['option httpchk']), 'OPTIONS / HTTP/1.0\r\n\r\n');
  assert.equal(await requestOf(['option httpchk /health']), 'OPTIONS /health HTTP/1.0\r\n\r\n');
  assert.equal(await requestOf(['option httpchk HEAD /h HTTP/1.1']), 'HEAD /h HTTP/1.1\r\nconnection: close\r\n\r\n');
  assert.equal(
    await requestOf(['option httpchk', 'http-check send meth POST uri /chk ver HTTP/1.1 hdr Host example.com hdr X-A b body {"a":1}']),
    // The configuration's quotes are removed by the tokenizer, as in haproxy.
    'POST /chk HTTP/1.1\r\nhost: example.com\r\nx-a: b\r\ncontent-length: 5\r\nconnection: close\r\n\r\n{a:1}',
  );
  assert.equal(
    await requestOf(['option httpchk GET /c HTTP/1.1\\r\\nHost:\\ www']),
    'GET /c HTTP/1.1\r\nhost: www\r\nconnection: close\r\n\r\n',
  );
  const st = await requestOf(['option httpchk POST /x HTTP/1.1', 'http-check send-state', 'http-check send hdr Host h.example hdr Connection keep-alive body hello']);
  assert.match(st, /^POST \/x HTTP\/1\.1\r\nhost: h\.example\r\nx-haproxy-server-state: UP 1\/3; address=127\.0\.0\.1; port=\d+; name=be\/s1; node=[^;]+; weight=1\/1; scur=0\/0; qcur=0\r\ncontent-length: 5\r\n\r\nhello$/);
});

test('verdicts: 2xx/3xx pass, 503 and 404 are wrong statuses with the reason, garbage and truncated heads are invalid', async () => {
  const replies: Record<string, string> = {
    s1: ok(), s2: 'HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n', s3: 'garbage\r\n',
    s4: 'HTTP/1.1 302 Found\r\n\r\n', s5: 'HTTP/1.1 200 OK\r\n', s6: 'HTTP/1.1 404 Not Found\r\n\r\n', s7: 'HTTP/1.1 200\r\n\r\n',
  };
  const servers = await Promise.all(Object.values(replies).map((text) => scripted(onData(() => text))));
  const names = Object.keys(replies);
  const r = startChecks(backend('option httpchk GET /health', ...servers.map((s, i) => `server ${names[i]} 127.0.0.1:${s.port} check inter 100ms`)));
  try {
    await r.until((l) => l.filter((x) => x.includes(' is DOWN')).length === 4);
    await new Promise((res) => setTimeout(res, 150));
    const down = masked(r.lines).filter((l) => l.includes(' is DOWN')).map((l) => l.replace(/, check duration.*/, '')).sort();
    assert.deepEqual(down, [
      '[WARNING] Server be/s2 is DOWN, reason: Layer7 wrong status, code: 503, info: "Service Unavailable"',
      '[WARNING] Server be/s3 is DOWN, reason: Layer7 invalid response',
      '[WARNING] Server be/s5 is DOWN, reason: Layer7 invalid response',
      '[WARNING] Server be/s6 is DOWN, reason: Layer7 wrong status, code: 404, info: "Not Found"',
    ]);
  } finally {
    r.stop();
    await Promise.all(servers.map((s) => s.close()));
  }
});

test('503 then 200: DOWN, then UP after rise with "Layer7 check passed, code: 200"', async () => {
  const s = await scripted(onData((i) => (i < 1 ? 'HTTP/1.1 503 Service Unavailable\r\n\r\n' : ok())));
  const r = startChecks(backend('option httpchk', `server s1 127.0.0.1:${s.port} check inter 50ms`));
  try {
    await r.until((l) => l.some((x) => x.includes(' is UP')));
    assert.deepEqual(masked(r.lines), [
      '[WARNING] Server be/s1 is DOWN, reason: Layer7 wrong status, code: 503, info: "Service Unavailable", check duration: Nms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
      "[ALERT] backend 'be' has no server available!",
      '[WARNING] Server be/s1 is UP, reason: Layer7 check passed, code: 200, check duration: Nms. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
    ]);
  } finally {
    r.stop();
    await s.close();
  }
});

test('http-check expect: string, status, ! rstatus, hdr', async () => {
  const a = await scripted(onData(() => ok('hello world')));
  const b = await scripted(onData(() => ok('nope!')));
  const c = await scripted(onData(() => 'HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n'));
  const r = startChecks(backend('option httpchk', 'http-check expect string world',
    `server s1 127.0.0.1:${a.port} check inter 100ms`, `server s2 127.0.0.1:${b.port} check inter 100ms`, `server s3 127.0.0.1:${c.port} check inter 100ms`));
  try {
    await r.until((l) => l.filter((x) => x.includes(' is DOWN')).length === 2);
    const down = r.lines.filter((l) => l.includes(' is DOWN')).map((l) => l.replace(/, check duration.*/, '')).sort();
    assert.deepEqual(down, [
      '[WARNING] Server be/s2 is DOWN, reason: Layer7 invalid response, info: "HTTP content check did not match"',
      '[WARNING] Server be/s3 is DOWN, reason: Layer7 invalid response, info: "HTTP content check could not find a response body"',
    ]);
  } finally {
    r.stop();
  }
  const h = await scripted(onData(() => 'HTTP/1.1 200 OK\r\nX-Ready: yes\r\nContent-Length: 0\r\n\r\n'));
  const r2 = startChecks(backend('option httpchk', 'http-check expect hdr name x-ready value yes',
    `server s1 127.0.0.1:${h.port} check inter 100ms`, `server s2 127.0.0.1:${a.port} check inter 100ms`));
  const r3 = startChecks(backend('option httpchk', 'http-check expect ! rstatus ^2',
    `server s1 127.0.0.1:${c.port} check inter 100ms`));
  try {
    await r2.until((l) => l.some((x) => x.includes(' is DOWN')));
    await r3.until((l) => l.some((x) => x.includes(' is DOWN')));
    assert.match(r2.lines[0] ?? '', /be\/s2 is DOWN, reason: Layer7 wrong status, code: 200, info: "OK"/);
    assert.match(r3.lines[0] ?? '', /be\/s1 is DOWN, reason: Layer7 wrong status, code: 201, info: "Created"/);
  } finally {
    r2.stop();
    r3.stop();
    await Promise.all([a.close(), b.close(), c.close(), h.close()]);
  }
});

test('disable-on-404: an UP server answering 404 is "stopping" and leaves the load balancing', async () => {
  const s = await scripted(onData(() => 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'));
  const t = await scripted(onData(() => ok()));
  const r = startChecks(backend('option httpchk', 'http-check disable-on-404',
    `server s1 127.0.0.1:${s.port} check inter 100ms`, `server s2 127.0.0.1:${t.port} check inter 100ms`));
  try {
    await r.until((l) => l.length >= 1);
    assert.deepEqual(masked(r.lines), [
      '[WARNING] Server be/s1 is stopping, reason: Layer7 check conditionally passed, code: 404, check duration: Nms. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
    ]);
    const be = r.runtime.backends.get('be')!;
    assert.equal(be.servers[0]!.usable, false);
    assert.equal(be.servers[0]!.state, 'UP');
  } finally {
    r.stop();
    await Promise.all([s.close(), t.close()]);
  }
});

test('response reader: heads, bodies by length, chunked, until close; errors', () => {
  const p = (t: string, eos = false): ReturnType<typeof parseCheckResponse> => parseCheckResponse(Buffer.from(t, 'latin1'), eos);
  assert.deepEqual(p('HTTP/1.1 200 OK\r\nContent'), { state: 'incomplete' });
  assert.deepEqual(p('HTTP/1.1 200 OK\r\nContent', true), { state: 'error' });
  assert.deepEqual(p('FTP 200\r\n\r\n'), { state: 'error' });
  const r = p('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
  assert.equal(r.state, 'ok');
  if (r.state === 'ok') {
    assert.equal(r.res.status, 200);
    assert.equal(r.res.body.toString(), 'hello');
    assert.equal(r.res.complete, true);
  }
  const cl = p('HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\nabc');
  assert.ok(cl.state === 'ok' && !cl.res.complete && cl.res.body.toString() === 'abc');
  const eos = p('HTTP/1.0 200 OK\r\n\r\nall of it', true);
  assert.ok(eos.state === 'ok' && eos.res.complete && eos.res.body.toString() === 'all of it');
});
