/**
 * configuration.txt §7.3.1: Converters touching internal state (variables, captures, debug, server state).
 *
 * Argument lists and input/output types are those HAProxy 2.6 registers (`haproxy -dKcnv`,
 * whose columns print "out => in"); they decide the "cannot be applied" checks.
 */
import type { SampleConverterDef } from '../converter-registry.js';
import { A } from '../types.js';
import * as chk from './checks.js';

export const INTERNAL_CONVERTERS: readonly SampleConverterDef[] = [
  { name: 'capture-req', args: A(1, 'sint'), in: 'str', out: 'str', doc: '7.3.1' },
  { name: 'capture-res', args: A(1, 'sint'), in: 'str', out: 'str', doc: '7.3.1' },
  { name: 'debug', args: A(0, 'str', 'str'), in: 'any', out: 'any', valArgs: chk.checkDebugSink, doc: '7.3.1' },
  { name: 'nbsrv', args: A(0), in: 'str', out: 'sint', doc: '7.3.1' },
  { name: 'set-var', args: A(1, 'str', 'str', 'str', 'str', 'str'), in: 'any', out: 'any', valArgs: chk.checkSetVar, doc: '7.3.1' },
  { name: 'srv_queue', args: A(0), in: 'str', out: 'sint', doc: '7.3.1' },
  { name: 'unset-var', args: A(1, 'str'), in: 'any', out: 'any', valArgs: chk.checkUnsetVar, doc: '7.3.1' },
];
