/**
 * configuration.txt §7.3.1: String converters.
 *
 * Argument lists and input/output types are those HAProxy 2.6 registers (`haproxy -dKcnv`,
 * whose columns print "out => in"); they decide the "cannot be applied" checks.
 */
import type { SampleConverterDef } from '../converter-registry.js';
import { A } from '../types.js';
import * as chk from './checks.js';

export const STRING_CONVERTERS: readonly SampleConverterDef[] = [
  { name: 'add_item', args: A(2, 'str', 'str', 'str'), in: 'str', out: 'str', valArgs: chk.checkAddItem, doc: '7.3.1' },
  { name: 'concat', args: A(1, 'str', 'str', 'str'), in: 'str', out: 'str', valArgs: chk.checkConcat, doc: '7.3.1' },
  { name: 'cut_crlf', args: A(0), in: 'str', out: 'str', doc: '7.3.1' },
  { name: 'field', args: A(2, 'sint', 'str', 'sint'), in: 'str', out: 'str', valArgs: chk.checkFieldWord, doc: '7.3.1' },
  { name: 'host_only', args: A(0), in: 'str', out: 'str', doc: '7.3.1' },
  { name: 'iif', args: A(2, 'str', 'str'), in: 'bool', out: 'str', doc: '7.3.1' },
  { name: 'json', args: A(1, 'str'), in: 'str', out: 'str', valArgs: chk.checkJsonInput, doc: '7.3.1' },
  { name: 'language', args: A(1, 'str', 'str'), in: 'str', out: 'str', doc: '7.3.1' },
  { name: 'length', args: A(0), in: 'str', out: 'sint', doc: '7.3.1' },
  { name: 'lower', args: A(0), in: 'str', out: 'str', doc: '7.3.1' },
  { name: 'ltrim', args: A(1, 'str'), in: 'str', out: 'str', doc: '7.3.1' },
  { name: 'port_only', args: A(0), in: 'str', out: 'sint', doc: '7.3.1' },
  { name: 'regsub', args: A(2, 'reg', 'str', 'str'), in: 'str', out: 'str', valArgs: chk.checkRegsubFlags, doc: '7.3.1' },
  { name: 'rtrim', args: A(1, 'str'), in: 'str', out: 'str', doc: '7.3.1' },
  { name: 'secure_memcmp', args: A(1, 'str'), in: 'bin', out: 'bool', valArgs: chk.checkVarArg, doc: '7.3.1' },
  { name: 'strcmp', args: A(1, 'str'), in: 'str', out: 'sint', valArgs: chk.checkVarArg, doc: '7.3.1' },
  { name: 'upper', args: A(0), in: 'str', out: 'str', doc: '7.3.1' },
  { name: 'url_dec', args: A(0, 'sint'), in: 'str', out: 'str', doc: '7.3.1' },
  { name: 'url_enc', args: A(1, 'str'), in: 'str', out: 'str', valArgs: chk.checkUrlEnc, doc: '7.3.1' },
  { name: 'word', args: A(2, 'sint', 'str', 'sint'), in: 'str', out: 'str', valArgs: chk.checkFieldWord, doc: '7.3.1' },
];
