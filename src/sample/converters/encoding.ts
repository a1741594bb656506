/**
 * configuration.txt §7.3.1: Encodings and type-shaping converters (base64, hex, bytes, dates, ipmask, ...).
 *
 * Argument lists and input/output types are those HAProxy 2.6 registers (`haproxy -dKcnv`,
 * whose columns print "out => in"); they decide the "cannot be applied" checks.
 */
import type { SampleConverterDef } from '../converter-registry.js';
import { A } from '../types.js';
import * as chk from './checks.js';

export const ENCODING_CONVERTERS: readonly SampleConverterDef[] = [
  { name: 'b64dec', args: A(0), in: 'str', out: 'bin', doc: '7.3.1' },
  { name: 'base64', args: A(0), in: 'bin', out: 'str', doc: '7.3.1' },
  { name: 'be2dec', args: A(1, 'str', 'sint', 'sint'), in: 'bin', out: 'str', valArgs: chk.checkBe2dec, doc: '7.3.1' },
  { name: 'be2hex', args: A(1, 'str', 'sint', 'sint'), in: 'bin', out: 'str', doc: '7.3.1' },
  { name: 'bytes', args: A(1, 'sint', 'sint'), in: 'bin', out: 'bin', doc: '7.3.1' },
  { name: 'hex', args: A(0), in: 'bin', out: 'str', doc: '7.3.1' },
  { name: 'hex2i', args: A(0), in: 'str', out: 'sint', doc: '7.3.1' },
  { name: 'htonl', args: A(0), in: 'sint', out: 'bin', doc: '7.3.1' },
  { name: 'http_date', args: A(0, 'sint', 'str'), in: 'sint', out: 'str', valArgs: chk.checkHttpDateUnit, doc: '7.3.1' },
  { name: 'ipmask', args: A(1, 'msk4', 'msk6'), in: 'addr', out: 'ipv4', doc: '7.3.1' },
  { name: 'ltime', args: A(1, 'str', 'sint'), in: 'sint', out: 'str', doc: '7.3.1' },
  { name: 'ub64dec', args: A(0), in: 'str', out: 'bin', doc: '7.3.1' },
  { name: 'ub64enc', args: A(0), in: 'bin', out: 'str', doc: '7.3.1' },
  { name: 'utime', args: A(1, 'str', 'sint'), in: 'sint', out: 'str', doc: '7.3.1' },
];
