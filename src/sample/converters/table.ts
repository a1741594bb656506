/**
 * configuration.txt §7.3.1: Stick-table converters (in_table, table_*): the table is resolved after parsing.
 *
 * Argument lists and input/output types are those HAProxy 2.6 registers (`haproxy -dKcnv`,
 * whose columns print "out => in"); they decide the "cannot be applied" checks.
 */
import type { SampleConverterDef } from '../converter-registry.js';
import { A } from '../types.js';

export const TABLE_CONVERTERS: readonly SampleConverterDef[] = [
  { name: 'in_table', args: A(1, 'tab'), in: 'any', out: 'bool', doc: '7.3.1' },
  { name: 'table_bytes_in_rate', args: A(1, 'tab'), in: 'any', out: 'sint', doc: '7.3.1' },
  { name: 'table_bytes_out_rate', args: A(1, 'tab'), in: 'any', out: 'sint', doc: '7.3.1' },
  { name: 'table_conn_cnt', args: A(1, 'tab'), in: 'any', out: 'sint', doc: '7.3.1' },
  { name: 'table_conn_cur', args: A(1, 'tab'), in: 'any', out: 'sint', doc: '7.3.1' },
  { name: 'table_conn_rate', args: A(1, 'tab'), in: 'any', out: 'sint', doc: '7.3.1' },
  { name: 'table_expire', args: A(1, 'tab', 'sint'), in: 'any', out: 'sint', doc: '7.3.1' },
  { name: 'table_gpc', args: A(2, 'sint', 'tab'), in: 'any', out: 'sint', doc: '7.3.1' },
  { name: 'table_gpc0', args: A(1, 'tab'), in: 'any', out: 'sint', doc: '7.3.1' },
  { name: 'table_gpc0_rate', args: A(1, 'tab'), in: 'any', out: 'sint', doc: '7.3.1' },
  { name: 'table_gpc1', args: A(1, 'tab'), in: 'any', out: 'sint', doc: '7.3.1' },
  { name: 'table_gpc1_rate', args: A(1, 'tab'), in: 'any', out: 'sint', doc: '7.3.1' },
  { name: 'table_gpc_rate', args: A(2, 'sint', 'tab'), in: 'any', out: 'sint', doc: '7.3.1' },
  { name: 'table_gpt', args: A(2, 'sint', 'tab'), in: 'any', out: 'sint', doc: '7.3.1' },
  { name: 'table_gpt0', args: A(1, 'tab'), in: 'any', out: 'sint', doc: '7.3.1' },
  { name: 'table_http_err_cnt', args: A(1, 'tab'), in: 'any', out: 'sint', doc: '7.3.1' },
  { name: 'table_http_err_rate', args: A(1, 'tab'), in: 'any', out: 'sint', doc: '7.3.1' },
  { name: 'table_http_fail_cnt', args: A(1, 'tab'), in: 'any', out: 'sint', doc: '7.3.1' },
  { name: 'table_http_fail_rate', args: A(1, 'tab'), in: 'any', out: 'sint', doc: '7.3.1' },
  { name: 'table_http_req_cnt', args: A(1, 'tab'), in: 'any', out: 'sint', doc: '7.3.1' },
  { name: 'table_http_req_rate', args: A(1, 'tab'), in: 'any', out: 'sint', doc: '7.3.1' },
  { name: 'table_idle', args: A(1, 'tab', 'sint'), in: 'any', out: 'sint', doc: '7.3.1' },
  { name: 'table_kbytes_in', args: A(1, 'tab'), in: 'any', out: 'sint', doc: '7.3.1' },
  { name: 'table_kbytes_out', args: A(1, 'tab'), in: 'any', out: 'sint', doc: '7.3.1' },
  { name: 'table_server_id', args: A(1, 'tab'), in: 'any', out: 'sint', doc: '7.3.1' },
  { name: 'table_sess_cnt', args: A(1, 'tab'), in: 'any', out: 'sint', doc: '7.3.1' },
  { name: 'table_sess_rate', args: A(1, 'tab'), in: 'any', out: 'sint', doc: '7.3.1' },
  { name: 'table_trackers', args: A(1, 'tab'), in: 'any', out: 'sint', doc: '7.3.1' },
];
