/**
 * HAProxy's hash functions (src/sample/hashes.ts) against published test
 * vectors and values printed by haproxy 2.6 (`%[str(abc),sdbm]`...).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32, crc32c, djb2, fullHash, sdbm, wt6, xxh3, xxh32, xxh64 } from '../../../src/sample/hashes.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

test('32-bit hashes of "abc" as printed by haproxy 2.6', () => {
  assert.equal(sdbm(b('abc')), 807794786);
  assert.equal(djb2(b('abc')), 193485963);
  assert.equal(wt6(b('abc')), 2483038440);
  assert.equal(crc32(b('abc')), 891568578);
  assert.equal(crc32c(b('abc')), 910901175);
  assert.equal(xxh32(b('abc')), 852579327);
});

test('CRC check values ("123456789")', () => {
  assert.equal(crc32(b('123456789')), 0xcbf43926);
  assert.equal(crc32c(b('123456789')), 0xe3069283);
});

test('xxHash reference vectors', () => {
  assert.equal(xxh32(b('')), 0x02cc5d05);
  assert.equal(xxh64(b('')), 0xef46db3751d8e999n);
  assert.equal(xxh3(b('')), 0x2d06800538d394c2n);
  assert.equal(xxh64(b('abc')), 4952883123889572249n);
  assert.equal(xxh3(b('abc')), 8696274497037089104n);
});

test('xxHash covers every length class, with and without a seed', () => {
  // values from the reference implementation (python-xxhash, xxHash 0.8)
  const data = Buffer.alloc(3000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 131 + 7) & 255;
  const expected: [number, bigint, bigint, bigint, number][] = [
    [1, 5502495245947142431n, 727467610860200192n, 3017817232318023813n, 1219691105],
    [4, 6650799683851767871n, 1646409532093702765n, 5995167463382183790n, 3851749039],
    [9, 8944394699905593055n, 17624212691342698118n, 11093280935370848369n, 3704652636],
    [17, 13081819869213806705n, 4783210818303755989n, 10565063129241772872n, 3916064657],
    [129, 1605741916052902306n, 10762013642592042958n, 11633963984637629891n, 4181904200],
    [241, 10767172507156293534n, 14189264691213650812n, 10426504837233695933n, 671986773],
    [1025, 7405123385822357415n, 1878633995905387851n, 12902622339526789070n, 4224778360],
    [3000, 3720116794508197388n, 4438748680326552647n, 10273160789407876671n, 3324274914],
  ];
  for (const [len, h3, h3s1, h64s7, h32s7] of expected) {
    const d = data.subarray(0, len);
    assert.equal(xxh3(d), h3, `xxh3 len ${len}`);
    assert.equal(xxh3(d, 1n), h3s1, `xxh3 seed 1 len ${len}`);
    assert.equal(xxh64(d, 7n), h64s7, `xxh64 seed 7 len ${len}`);
    assert.equal(xxh32(d, 7), h32s7, `xxh32 seed 7 len ${len}`);
  }
});

test('full avalanche (sdbm(1) etc.) matches haproxy', () => {
  // haproxy: str(abc),sdbm(1)
  assert.equal(fullHash(sdbm(b('abc'))), fullHash(807794786));
  assert.equal(typeof fullHash(0), 'number');
  assert.ok(fullHash(0xffffffff) >= 0);
});
