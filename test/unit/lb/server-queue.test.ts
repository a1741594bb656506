/** Server slots and queues: FIFO across the server and backend queues, removal, redistribution. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PendingQueue, type Server, type Waiter } from '../../../src/server/server.js';
import { makeServers } from '../../helpers/model-builder.js';

function waiter(log: string[], name: string): Waiter {
  return { queueSeq: 0, queued: false, grant: (s: Server) => log.push(`${name}->${s.name}`) };
}

test('PendingQueue is FIFO and removal is O(1) and lazy', () => {
  const q = new PendingQueue();
  const log: string[] = [];
  const ws = ['a', 'b', 'c'].map((n) => waiter(log, n));
  ws.forEach((w) => q.push(w));
  q.remove(ws[1]!);
  assert.equal(q.length, 2);
  assert.equal(q.shift(), ws[0]);
  assert.equal(q.shift(), ws[2]);
  assert.equal(q.shift(), undefined);
  assert.equal(q.length, 0);
});

test('a released slot goes to the oldest waiter of the server and backend queues', () => {
  const { owner, servers } = makeServers([1], () => ({ maxconn: 1 }));
  const s = servers[0]!;
  const log: string[] = [];
  s.take();
  owner.queue.push(waiter(log, 'backend-1'));
  s.enqueue(waiter(log, 'server-1'));
  owner.queue.push(waiter(log, 'backend-2'));
  s.drop();
  assert.deepEqual(log, ['backend-1->s1']);
  assert.equal(s.served, 1);
  s.drop();
  s.drop();
  assert.deepEqual(log, ['backend-1->s1', 'server-1->s1', 'backend-2->s1']);
  assert.equal(s.counters.cumConns, 4);
  assert.equal(s.counters.maxConns, 1);
});

test('a server going down hands its queue to the backend; coming up grabs from it', () => {
  const { owner, servers } = makeServers([1], () => ({ maxconn: 1 }));
  const s = servers[0]!;
  const log: string[] = [];
  s.take();
  s.enqueue(waiter(log, 'w1'));
  s.enqueue(waiter(log, 'w2'));
  s.setOperational(false);
  assert.equal(s.redistributeQueue(), 2);
  assert.equal(owner.queue.length, 2);
  s.drop();
  assert.deepEqual(log, [], 'a DOWN server takes nobody');
  s.setOperational(true);
  assert.equal(s.grabFromBackend(), 1);
  assert.deepEqual(log, ['w1->s1']);
});
