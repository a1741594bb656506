/**
 * The timer arithmetic of log lines on fixed marks (log.c
 * sess_build_logline(), haproxy 2.6; configuration.txt §8.4): each printed
 * timer is a difference of two of haproxy's marks, -1 when its end mark is
 * -1, and a missing start mark counts as -1 (the tarpit and TCP quirks seen
 * in haproxy's own lines). Also the '+' of `option logasap`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileLogLine } from '../../../src/log/line-format.js';
import { LogRecord, logTimers, type TimerMarks } from '../../../src/log/log-record.js';
import type { LogFormatNode } from '../../../src/sample/log-format.js';

const marks = (m: Partial<TimerMarks>): TimerMarks => ({ tHandshake: 0, tIdle: -1, tRequest: -1, tQueue: -1, tConnect: -1, tData: -1, tClose: 0, ...m });

describe('log timers', () => {
  it('a served HTTP request: each phase is the difference of its marks', () => {
    // idle 200, head complete at 205, slot at 215, connected at 218, response at 250, end at 300.
    const t = logTimers(marks({ tHandshake: 0, tIdle: 200, tRequest: 205, tQueue: 215, tConnect: 218, tData: 250, tClose: 300 }));
    assert.deepEqual(t, { Th: 0, Ti: 200, TR: 5, Tq: 205, Tw: 10, Tc: 3, Tr: 32, Td: 50, Ta: 100, Tt: 300, Tu: 100 });
    // The sums §8.4 promises.
    assert.equal(t.Tq, t.Th + t.Ti + t.TR);
    assert.equal(t.Ta, t.TR + t.Tw + t.Tc + t.Tr + t.Td);
    assert.equal(t.Tt, t.Th + t.Ti + t.Ta);
  });

  it('phases not reached print -1: a deny (no queue), a refused connection, a server timeout, a <BADREQ>', () => {
    const deny = logTimers(marks({ tIdle: 0, tRequest: 0, tClose: 1 }));
    assert.deepEqual([deny.TR, deny.Tw, deny.Tc, deny.Tr, deny.Td, deny.Ta], [0, -1, -1, -1, -1, 1]);
    const refused = logTimers(marks({ tIdle: 0, tRequest: 0, tQueue: 0, tClose: 3 }));
    assert.deepEqual([refused.Tw, refused.Tc, refused.Tr], [0, -1, -1]);
    const timeout = logTimers(marks({ tIdle: 0, tRequest: 1, tQueue: 1, tConnect: 2, tClose: 2002 }));
    assert.deepEqual([timeout.Tw, timeout.Tc, timeout.Tr, timeout.Td, timeout.Tt], [0, 1, -1, -1, 2002]);
    const bad = logTimers(marks({ tIdle: 0, tClose: 0 }));
    assert.deepEqual([bad.TR, bad.Tq, bad.Tw], [-1, -1, -1]);
  });

  it('a missing start mark counts as -1: tarpit (t_request unset) and TCP streams log Tw = t_queue + 1', () => {
    // haproxy 2.6, `timeout tarpit 100ms`: "-1/102/-1/-1/101".
    const tarpit = logTimers(marks({ tIdle: 0, tQueue: 101, tClose: 101 }));
    assert.deepEqual([tarpit.TR, tarpit.Tw, tarpit.Tc, tarpit.Tr, tarpit.Ta], [-1, 102, -1, -1, 101]);
    // haproxy 2.6 tcplog of a connection established at once: "1/0/498"; Td = Tt - t_connect.
    const tcp = logTimers(marks({ tQueue: 0, tConnect: 0, tData: 0, tClose: 498 }));
    assert.deepEqual([tcp.Tw, tcp.Tc, tcp.Tt, tcp.Td, tcp.Tu], [1, 0, 498, 498, 498]);
  });

  it('prints the marks through the line format, with + before %Ta %Tt %Tu %B under logasap', () => {
    const O = { quote: false, hexa: false, escape: false };
    const nodes: LogFormatNode[] = [];
    for (const n of ['TR', 'Tw', 'Tc', 'Tr', 'Ta', 'Tt', 'Tu', 'Td', 'B']) {
      if (nodes.length > 0) nodes.push({ kind: 'text', text: '/' });
      nodes.push({ kind: 'var', name: n, options: O });
    }
    const c = compileLogLine({ text: '', nodes });
    assert.ok(c.ok);
    const r = new LogRecord();
    Object.assign(r, marks({ tIdle: 0, tRequest: 0, tQueue: 0, tConnect: 0, tData: 0, tClose: 0 }));
    r.bytesOut = 114;
    assert.equal(c.fn(r), '0/0/0/0/0/0/0/0/114');
    r.asap = true;
    assert.equal(c.fn(r), '0/0/0/0/+0/+0/+0/0/+114');
  });
});
