/**
 * configuration.txt §7.3.1: Hashes, digests and crypto converters.
 *
 * Argument lists and input/output types are those HAProxy 2.6 registers (`haproxy -dKcnv`,
 * whose columns print "out => in"); they decide the "cannot be applied" checks.
 */
import type { SampleConverterDef } from '../converter-registry.js';
import { A } from '../types.js';
import * as chk from './checks.js';

export const HASH_CONVERTERS: readonly SampleConverterDef[] = [
  { name: 'aes_gcm_dec', args: A(4, 'sint', 'str', 'str', 'str'), in: 'bin', out: 'bin', valArgs: chk.checkAesGcm, doc: '7.3.1' },
  { name: 'crc32', args: A(0, 'sint'), in: 'bin', out: 'sint', doc: '7.3.1' },
  { name: 'crc32c', args: A(0, 'sint'), in: 'bin', out: 'sint', doc: '7.3.1' },
  { name: 'digest', args: A(1, 'str'), in: 'bin', out: 'bin', valArgs: chk.checkDigest, doc: '7.3.1' },
  { name: 'djb2', args: A(0, 'sint'), in: 'bin', out: 'sint', doc: '7.3.1' },
  { name: 'hmac', args: A(2, 'str', 'str'), in: 'bin', out: 'bin', valArgs: chk.checkHmac, doc: '7.3.1' },
  { name: 'sdbm', args: A(0, 'sint'), in: 'bin', out: 'sint', doc: '7.3.1' },
  { name: 'sha1', args: A(0), in: 'bin', out: 'bin', doc: '7.3.1' },
  { name: 'sha2', args: A(0, 'sint'), in: 'bin', out: 'bin', valArgs: chk.checkSha2, doc: '7.3.1' },
  { name: 'wt6', args: A(0, 'sint'), in: 'bin', out: 'sint', doc: '7.3.1' },
  { name: 'xxh3', args: A(0, 'sint'), in: 'bin', out: 'sint', doc: '7.3.1' },
  { name: 'xxh32', args: A(0, 'sint'), in: 'bin', out: 'sint', doc: '7.3.1' },
  { name: 'xxh64', args: A(0, 'sint'), in: 'bin', out: 'sint', doc: '7.3.1' },
];
