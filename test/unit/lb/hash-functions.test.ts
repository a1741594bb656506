/**
 * src/lb/hash-functions.ts against values recorded from haproxy 2.6.12:
 *
 *   http-request return lf-string "%[str(abc),sdbm] %[str(abc),sdbm(1)] ..."
 *
 * where the converters' `(1)` argument applies full_hash() (the avalanche of
 * `hash-type ... avalanche`). Keys given as bytes (`bin(...)`) check bytes
 * above 0x7f; keys of 8 and 9 bytes cross djb2's unrolled loop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  fullHash,
  hashCrc32,
  hashDjb2,
  hashFunction,
  hashNone,
  hashSdbm,
  hashWt6,
  keyHasher,
  sourceAddressHash,
  type HashKey,
} from '../../../src/lb/hash-functions.js';

/** key → [sdbm, sdbm(1), djb2, djb2(1), wt6, wt6(1), crc32, crc32(1)] as haproxy printed them. */
const VECTORS: Array<[HashKey, number[]]> = [
  ['', [0, 2874071335, 5381, 3719394183, 4187620192, 2385687481, 0, 2874071335]],
  ['a', [97, 1830748055, 177670, 3548763807, 1900802597, 1986649387, 3904355907, 1288200982]],
  ['abc', [807794786, 659243622, 193485963, 2235766107, 2483038440, 266135527, 891568578, 930845320]],
  ['abcdefgh', [1869873412, 1612265973, 1722392489, 2124322011, 3741049586, 62348922, 2934909520, 1338786854]],
  ['abcdefghi', [1854947429, 3845691055, 1004377394, 2320145095, 2388623566, 1381316284, 2376698031, 2113729869]],
  ['/images/logo.png?x=1', [113862299, 4165974954, 4174470466, 1439471570, 1725089663, 593561485, 86659036, 3463797093]],
  [Buffer.from('00ff807f10', 'hex'), [2547043858, 2661922356, 143459763, 263569402, 2076513160, 3544807032, 1275240241, 4047459472]],
  ['The quick brown fox jumps over the lazy dog', [2359783795, 4144961173, 885799134, 3419350371, 3840389189, 2386649459, 1095738169, 1090730130]],
  [Buffer.alloc(10, 0xff), [1156939456, 186096002, 2892538779, 949029543, 1163956872, 2120655374, 266646364, 4022724515]],
];

const FNS = [hashSdbm, hashDjb2, hashWt6, hashCrc32];

test('sdbm, djb2, wt6, crc32 and their avalanche give haproxy 2.6 values', () => {
  for (const [key, want] of VECTORS) {
    const label = typeof key === 'string' ? JSON.stringify(key) : Buffer.from(key).toString('hex');
    FNS.forEach((fn, i) => {
      assert.equal(fn(key), want[2 * i], `${fn.name}(${label})`);
      assert.equal(fullHash(fn(key)), want[2 * i + 1], `full_hash(${fn.name}(${label}))`);
    });
  }
});

test('a latin1 string and its bytes hash the same; a sub-range equals the sliced key', () => {
  const s = 'caf\xe9/\xff?x';
  const b = Buffer.from(s, 'latin1');
  for (const fn of [...FNS, hashNone]) {
    assert.equal(fn(s), fn(b), fn.name);
    assert.equal(fn(s, 2, 6), fn(s.slice(2, 6)), `${fn.name} range`);
    assert.equal(fn(b, 2, 6), fn(b.subarray(2, 6)), `${fn.name} bytes range`);
    assert.equal(fn(s, 3, 3), fn(''), `${fn.name} empty range`);
  }
});

test('full_hash: Jenkins avalanche then × 3221225473 (hash.h)', () => {
  assert.equal(fullHash(0), 2874071335);
  assert.equal(fullHash(807794786), 659243622);
  // Inputs are taken modulo 2^32, as the C unsigned int.
  assert.equal(fullHash(-1), fullHash(0xffffffff));
  assert.equal(fullHash(2 ** 32 + 5), fullHash(5));
});

test('keyHasher follows hash-type: function then avalanche; sdbm without avalanche by default', () => {
  assert.equal(keyHasher(undefined)('abc'), 807794786);
  assert.equal(keyHasher({ method: 'map-based', function: 'djb2', avalanche: false })('abc'), 193485963);
  assert.equal(keyHasher({ method: 'consistent', function: 'wt6', avalanche: true })('abc'), 266135527);
  assert.equal(keyHasher({ method: 'consistent', function: 'crc32', avalanche: true })('abc', 0, 3), 930845320);
  assert.equal(hashFunction(undefined), hashSdbm);
});

test('none: the key read as a decimal integer, truncated to 32 bits (read_int64)', () => {
  assert.equal(hashNone('12345'), 12345);
  assert.equal(hashNone('+7x'), 7);
  assert.equal(hashNone('-1'), 0xffffffff);
  assert.equal(hashNone('4294967297'), 1);
  assert.equal(hashNone('abc'), 0);
  assert.equal(hashNone(''), 0);
  // Saturates at 2^64-1 like read_uint64(): low 32 bits all ones.
  assert.equal(hashNone('99999999999999999999999'), 0xffffffff);
});

test('source address fold (get_server_sh): XOR of the big-endian 32-bit words', () => {
  assert.equal(sourceAddressHash('127.0.0.1'), 0x7f000001);
  assert.equal(sourceAddressHash('10.1.2.3'), 0x0a010203);
  assert.equal(sourceAddressHash('255.255.255.255'), 0xffffffff);
  assert.equal(sourceAddressHash('::1'), 1);
  assert.equal(sourceAddressHash('::'), 0);
  assert.equal(sourceAddressHash('::ffff:127.0.0.1'), (0xffff ^ 0x7f000001) >>> 0);
  assert.equal(sourceAddressHash('2001:db8::1'), (0x20010db8 ^ 1) >>> 0);
  assert.equal(sourceAddressHash('2001:db8:1:2:3:4:5:6'), (0x20010db8 ^ 0x00010002 ^ 0x00030004 ^ 0x00050006) >>> 0);
  assert.equal(sourceAddressHash('fe80::1:2%eth0'), (0xfe800000 ^ 0x00010002) >>> 0);
  assert.equal(sourceAddressHash('1::2.3.4.5'), (0x00010000 ^ 0x02030405) >>> 0);
});
