/**
 * src/sample/var-limits.ts through StreamVars: what each scope costs, where
 * it is counted, and that a stream gives every byte back (a leak here would
 * make every later set-var of the process fail under a global limit).
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamVars } from '../../../src/sample/context.js';
import { configureVarLimits, processVarCounter, VAR_STRUCT_SIZE } from '../../../src/sample/var-limits.js';
import { smpBin, smpInt, smpStr } from '../../../src/sample/sample.js';

const tune = (o: Record<string, number>): Map<string, number> => new Map(Object.entries(o).map(([k, v]) => [`tune.vars.${k}-max-size`, v]));

afterEach(() => configureVarLimits(new Map()));

test('without limits nothing is counted', () => {
  configureVarLimits(new Map());
  assert.equal(processVarCounter(), undefined);
  const v = new StreamVars();
  v.scope('txn').set('a', smpStr('x'.repeat(10_000)));
  assert.equal(v.scope('txn').get('a')?.value, 'x'.repeat(10_000));
});

test('costs: 80 bytes a variable plus string and binary bytes, counted up to the process', () => {
  configureVarLimits(tune({ global: 100_000 }));
  const proc = processVarCounter()!;
  const v = new StreamVars();
  v.scope('req').set('r', smpStr('abc'));
  v.scope('txn').set('t', smpInt(5n));
  v.scope('sess').set('s', smpBin(Buffer.alloc(7)));
  assert.equal(proc.size, 3 * VAR_STRUCT_SIZE + 3 + 7);
  v.scope('txn').set('t', smpStr('12345'));
  assert.equal(proc.size, 3 * VAR_STRUCT_SIZE + 3 + 7 + 5, 'an overwrite costs only the new bytes');
  v.scope('req').delete('r');
  assert.equal(proc.size, 2 * VAR_STRUCT_SIZE + 7 + 5);
  v.endTransaction();
  assert.equal(proc.size, VAR_STRUCT_SIZE + 7, 'txn, req and res go with the transaction');
  v.release();
  assert.equal(proc.size, 0, 'the connection gives the rest back');
});

test('a variable that does not fit is not created; a value that does not fit leaves a boolean', () => {
  configureVarLimits(tune({ txn: 100 }));
  const v = new StreamVars();
  const txn = v.scope('txn');
  txn.set('a', smpStr('x'.repeat(21)));
  assert.deepEqual(txn.get('a'), { type: 'bool', value: true, flags: txn.get('a')!.flags });
  txn.delete('a');
  txn.set('a', smpStr('x'.repeat(20)));
  assert.equal(txn.get('a')?.value, 'x'.repeat(20));
  txn.set('b', smpInt(1n));
  assert.equal(txn.get('b'), undefined);
  v.release();
  assert.equal(processVarCounter()!.size, 0);
});

test('req and res share one reqres level, which counts in txn', () => {
  configureVarLimits(tune({ reqres: 170, txn: 250 }));
  const v = new StreamVars();
  v.scope('req').set('a', smpInt(1n));
  v.scope('res').set('b', smpInt(1n));
  v.scope('res').set('c', smpInt(1n));
  assert.equal(v.scope('res').get('c'), undefined, 'reqres: 160 + 80 > 170');
  v.scope('txn').set('t', smpInt(1n));
  assert.notEqual(v.scope('txn').get('t'), undefined, 'txn: 240');
  v.scope('txn').set('u', smpInt(1n));
  assert.equal(v.scope('txn').get('u'), undefined, 'txn: 320 > 250');
  v.release();
  assert.equal(processVarCounter()!.size, 0);
});
