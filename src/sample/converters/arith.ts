/**
 * configuration.txt §7.3.1: Arithmetic, bitwise and boolean converters (add, sub, ..., bool, not, odd, even).
 *
 * Argument lists and input/output types are those HAProxy 2.6 registers (`haproxy -dKcnv`,
 * whose columns print "out => in"); they decide the "cannot be applied" checks.
 */
import type { SampleConverterDef } from '../converter-registry.js';
import { A } from '../types.js';
import * as chk from './checks.js';

export const ARITH_CONVERTERS: readonly SampleConverterDef[] = [
  { name: 'add', args: A(1, 'str'), in: 'sint', out: 'sint', valArgs: chk.checkIntOrVar, doc: '7.3.1' },
  { name: 'and', args: A(1, 'str'), in: 'sint', out: 'sint', valArgs: chk.checkIntOrVar, doc: '7.3.1' },
  { name: 'bool', args: A(0), in: 'sint', out: 'bool', doc: '7.3.1' },
  { name: 'cpl', args: A(0), in: 'sint', out: 'sint', doc: '7.3.1' },
  { name: 'div', args: A(1, 'str'), in: 'sint', out: 'sint', valArgs: chk.checkIntOrVar, doc: '7.3.1' },
  { name: 'even', args: A(0), in: 'sint', out: 'bool', doc: '7.3.1' },
  { name: 'mod', args: A(1, 'str'), in: 'sint', out: 'sint', valArgs: chk.checkIntOrVar, doc: '7.3.1' },
  { name: 'mul', args: A(1, 'str'), in: 'sint', out: 'sint', valArgs: chk.checkIntOrVar, doc: '7.3.1' },
  { name: 'neg', args: A(0), in: 'sint', out: 'sint', doc: '7.3.1' },
  { name: 'not', args: A(0), in: 'sint', out: 'bool', doc: '7.3.1' },
  { name: 'odd', args: A(0), in: 'sint', out: 'bool', doc: '7.3.1' },
  { name: 'or', args: A(1, 'str'), in: 'sint', out: 'sint', valArgs: chk.checkIntOrVar, doc: '7.3.1' },
  { name: 'sub', args: A(1, 'str'), in: 'sint', out: 'sint', valArgs: chk.checkIntOrVar, doc: '7.3.1' },
  { name: 'xor', args: A(1, 'str'), in: 'sint', out: 'sint', valArgs: chk.checkIntOrVar, doc: '7.3.1' },
];
