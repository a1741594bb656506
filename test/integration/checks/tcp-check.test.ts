/**
 * `option tcp-check`: rules run in order against real servers, with haproxy
 * 2.6's texts for each outcome (verified against haproxy -db).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backend, deadPort, masked, onData, scripted, startChecks } from './check-harness.js';

const pong = onData(() => '+PONG\r\n');

test('send/expect: pass stays UP silently; mismatch, empty response, refused and timeout go DOWN with their texts', async () => {
  const ok = await scripted(pong);
  const silent = await scripted(() => undefined);
  const empty = await scripted((s) => s.once('data', () => s.end()));
  const garbage = await scripted(onData(() => 'garbage\r\n'));
  const dead = await deadPort();
  const r = startChecks(backend(
    'option tcp-check',
    'tcp-check send PING\\r\\n',
    'tcp-check expect string +PONG',
    `server s1 127.0.0.1:${ok.port} check inter 100ms`,
    `server s2 127.0.0.1:${silent.port} check inter 100ms`,
    `server s3 127.0.0.1:${empty.port} check inter 100ms`,
    `server s4 127.0.0.1:${garbage.port} check inter 100ms`,
    `server s5 127.0.0.1:${dead} check inter 100ms`,
  ));
  try {
    await r.until((l) => l.filter((x) => x.includes(' is DOWN')).length === 4);
    const byServer = (name: string): string | undefined => masked(r.lines).find((l) => l.includes(`be/${name} `));
    assert.equal(byServer('s1'), undefined);
    assert.match(byServer('s2') ?? '', /is DOWN, reason: Layer7 timeout, info: " at step 2 of tcp-check \(expect string '\+PONG'\)", check duration: Nms\./);
    assert.match(byServer('s3') ?? '', /reason: Layer7 invalid response, info: "TCPCHK got an empty response at step 2"/);
    assert.match(byServer('s4') ?? '', /reason: Layer7 invalid response, info: "TCPCHK did not match content '\+PONG' at step 2"/);
    assert.match(byServer('s5') ?? '', /reason: Layer4 connection problem, info: "Connection refused at initial connection step of tcp-check"/);
    assert.equal(ok.received[0]?.toString(), 'PING\r\n');
    assert.ok(r.lines.includes("[ALERT] backend 'be' has no server available!") === false, 's1 stays up');
  } finally {
    r.stop();
    await Promise.all([ok.close(), silent.close(), empty.close(), garbage.close()]);
  }
});

test('comments give their text to the next rule; explicit connects report their port and step', async () => {
  const dead = await deadPort();
  const r = startChecks(backend(
    'option tcp-check',
    'tcp-check comment hello',
    `tcp-check connect port ${dead}`,
    'tcp-check send-binary 50494e470d0a',
    'tcp-check expect binary 2b504f4e47 comment pongcheck',
    `server s1 127.0.0.1:${dead} check inter 100ms`,
  ));
  try {
    await r.until((l) => l.length >= 1);
    assert.match(r.lines[0] ?? '', new RegExp(`info: "Connection refused at step 2 of tcp-check \\(connect port ${dead}\\) comment: 'hello'"`));
  } finally {
    r.stop();
  }
});

test('binary expect failure names the step and the comment; multiple connects and ! string', async () => {
  const a = await scripted(() => undefined);
  const b = await scripted(onData(() => 'garbage'));
  const c = await scripted((s) => s.end());
  const r = startChecks(backend(
    'option tcp-check',
    `tcp-check connect port ${b.port}`,
    'tcp-check send-binary 50494e470d0a',
    'tcp-check expect binary 2b504f4e47 comment pongcheck',
    `tcp-check connect port ${c.port}`,
    'tcp-check expect ! string ERR',
    `server s1 127.0.0.1:${a.port} check inter 100ms`,
  ));
  try {
    await r.until((l) => l.length >= 1);
    assert.match(r.lines[0] ?? '', /reason: Layer7 invalid response, info: "TCPCHK did not match content \(binary\) at step 3 comment: pongcheck"/);
    assert.equal(b.received[0]?.toString('hex'), '50494e470d0a');
  } finally {
    r.stop();
    await Promise.all([a.close(), b.close(), c.close()]);
  }
});

test('UP after rise successes with "(tcp-check)", on-success/on-error formats, status-code and ok-status', async () => {
  // The first two connections answer an error, then PONG: DOWN, then UP after rise 2.
  const s = await scripted(onData((i) => (i < 2 ? '-ERR busy\r\n' : '+PONG\r\n')));
  let atUp = 0;
  const r = startChecks(backend(
    'option tcp-check',
    'tcp-check send PING\\r\\n',
    'tcp-check expect string +PONG on-success "all good" on-error "bad %[res.payload(0,0),cut_crlf] x" status-code int(42)',
    `server s1 127.0.0.1:${s.port} check inter 50ms`,
  ), (line) => {
    if (line.includes(' is UP')) atUp = s.count();
  });
  try {
    await r.until((l) => l.some((x) => x.includes(' is UP')));
    assert.deepEqual(masked(r.lines), [
      '[WARNING] Server be/s1 is DOWN, reason: Layer7 invalid response, info: "bad -ERR busy x", check duration: Nms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
      "[ALERT] backend 'be' has no server available!",
      '[WARNING] Server be/s1 is UP, reason: Layer7 check passed, code: 42, info: "all good", check duration: Nms. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
    ]);
    // rise 2: DOWN at the first check, UP at the fourth.
    assert.equal(atUp, 4);
  } finally {
    r.stop();
    await s.close();
  }
});

test('rstring with min-recv and rbinary on the hexadecimal dump; ok-status L6OK', async () => {
  const s = await scripted(onData((i) => (i === 0 ? 'nope' : '+PONG\r\n')));
  const r = startChecks(backend(
    'option tcp-check',
    'tcp-check connect',
    'tcp-check send PING\\r\\n',
    'tcp-check expect rstring ^\\+PO min-recv 3',
    'tcp-check expect rbinary ^2B504F4E ok-status L6OK',
    `server s1 127.0.0.1:${s.port} check inter 50ms`,
  ));
  try {
    await r.until((l) => l.some((x) => x.includes(' is UP')));
    assert.match(r.lines[0] ?? '', /is DOWN, reason: Layer7 invalid response, info: "TCPCHK did not match content \(regex\) at step 3"/);
    assert.match(r.lines[2] ?? '', /is UP, reason: Layer6 check passed, info: "\(tcp-check\)"/);
  } finally {
    r.stop();
    await s.close();
  }
});

test('a plain check (no option) reports "Connection refused" without a step', async () => {
  const dead = await deadPort();
  const r = startChecks(backend(`server s1 127.0.0.1:${dead} check inter 100ms`));
  try {
    await r.until((l) => l.length >= 2);
    assert.deepEqual(masked(r.lines), [
      '[WARNING] Server be/s1 is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: Nms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
      "[ALERT] backend 'be' has no server available!",
    ]);
  } finally {
    r.stop();
  }
});
