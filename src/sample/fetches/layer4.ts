/**
 * configuration.txt §7.3.3 "Fetching samples at Layer 4".
 *
 * Names, argument lists, output types and data sources are those registered by
 * HAProxy 2.6 (checked against `haproxy -dKsmp` and the "extracts information from" messages of
 * `haproxy -c`); the output type is the *declared* one, which is what the parser uses for
 * converter compatibility, even where the doc says otherwise.
 */
import type { SampleFetchDef } from '../fetch-registry.js';
import { A } from '../types.js';
import * as chk from './checks.js';

export const LAYER4_FETCHES: readonly SampleFetchDef[] = [
  { name: 'bc_dst', args: A(0), out: 'sint', use: ['L4SRV'], doc: '7.3.3' },
  { name: 'bc_dst_port', args: A(0), out: 'sint', use: ['L4SRV'], doc: '7.3.3' },
  { name: 'bc_err', args: A(0), out: 'sint', use: ['L4SRV'], doc: '7.3.3' },
  { name: 'bc_err_str', args: A(0), out: 'str', use: ['L4SRV'], doc: '7.3.3' },
  { name: 'bc_http_major', args: A(0), out: 'sint', use: ['L4SRV'], doc: '7.3.3' },
  { name: 'bc_src', args: A(0), out: 'sint', use: ['L4SRV'], doc: '7.3.3' },
  { name: 'bc_src_port', args: A(0), out: 'sint', use: ['L4SRV'], doc: '7.3.3' },
  { name: 'be_id', args: A(0), out: 'sint', use: ['BKEND'], doc: '7.3.3' },
  { name: 'be_name', args: A(0), out: 'str', use: ['BKEND'], doc: '7.3.3' },
  { name: 'be_server_timeout', args: A(0), out: 'sint', use: ['BKEND'], doc: '7.3.3' },
  { name: 'be_tunnel_timeout', args: A(0), out: 'sint', use: ['BKEND'], doc: '7.3.3' },
  { name: 'cur_server_timeout', args: A(0), out: 'sint', use: ['BKEND'], doc: '7.3.3' },
  { name: 'cur_tunnel_timeout', args: A(0), out: 'sint', use: ['BKEND'], doc: '7.3.3' },
  { name: 'dst', args: A(0), out: 'ipv4', use: ['L4CLI'], doc: '7.3.3' },
  { name: 'dst_conn', args: A(0), out: 'sint', use: ['FTEND'], doc: '7.3.3' },
  { name: 'dst_is_local', args: A(0), out: 'bool', use: ['L4CLI'], doc: '7.3.3' },
  { name: 'dst_port', args: A(0), out: 'sint', use: ['L4CLI'], doc: '7.3.3' },
  { name: 'fc_dst', args: A(0), out: 'ipv4', use: ['L4CLI'], doc: '7.3.3' },
  { name: 'fc_dst_is_local', args: A(0), out: 'bool', use: ['L4CLI'], doc: '7.3.3' },
  { name: 'fc_dst_port', args: A(0), out: 'sint', use: ['L4CLI'], doc: '7.3.3' },
  { name: 'fc_err', args: A(0), out: 'sint', use: ['L4CLI'], doc: '7.3.3' },
  { name: 'fc_err_str', args: A(0), out: 'str', use: ['L4CLI'], doc: '7.3.3' },
  { name: 'fc_fackets', args: A(0, 'str'), out: 'sint', use: ['L4CLI'], valArgs: chk.warnFcCounter, doc: '7.3.3' },
  { name: 'fc_http_major', args: A(0), out: 'sint', use: ['L4CLI'], doc: '7.3.3' },
  { name: 'fc_lost', args: A(0, 'str'), out: 'sint', use: ['L4CLI'], valArgs: chk.warnFcCounter, doc: '7.3.3' },
  { name: 'fc_pp_authority', args: A(0), out: 'str', use: ['L4CLI'], doc: '7.3.3' },
  { name: 'fc_pp_unique_id', args: A(0), out: 'str', use: ['L4CLI'], doc: '7.3.3' },
  { name: 'fc_rcvd_proxy', args: A(0), out: 'bool', use: ['L4CLI'], doc: '7.3.3' },
  { name: 'fc_reordering', args: A(0, 'str'), out: 'sint', use: ['L4CLI'], valArgs: chk.warnFcCounter, doc: '7.3.3' },
  { name: 'fc_retrans', args: A(0, 'str'), out: 'sint', use: ['L4CLI'], valArgs: chk.warnFcCounter, doc: '7.3.3' },
  { name: 'fc_rtt', args: A(0, 'str'), out: 'sint', use: ['L4CLI'], valArgs: chk.checkFcTimeUnit, doc: '7.3.3' },
  { name: 'fc_rttvar', args: A(0, 'str'), out: 'sint', use: ['L4CLI'], valArgs: chk.checkFcTimeUnit, doc: '7.3.3' },
  { name: 'fc_sacked', args: A(0, 'str'), out: 'sint', use: ['L4CLI'], valArgs: chk.warnFcCounter, doc: '7.3.3' },
  { name: 'fc_src', args: A(0), out: 'ipv4', use: ['L4CLI'], doc: '7.3.3' },
  { name: 'fc_src_is_local', args: A(0), out: 'bool', use: ['L4CLI'], doc: '7.3.3' },
  { name: 'fc_src_port', args: A(0), out: 'sint', use: ['L4CLI'], doc: '7.3.3' },
  { name: 'fc_unacked', args: A(0, 'str'), out: 'sint', use: ['L4CLI'], valArgs: chk.warnFcCounter, doc: '7.3.3' },
  { name: 'fe_client_timeout', args: A(0), out: 'sint', use: ['FTEND'], doc: '7.3.3' },
  { name: 'fe_defbe', args: A(0), out: 'str', use: ['FTEND'], doc: '7.3.3' },
  { name: 'fe_id', args: A(0), out: 'sint', use: ['FTEND'], doc: '7.3.3' },
  { name: 'fe_name', args: A(0), out: 'str', use: ['FTEND'], doc: '7.3.3' },
  { name: 'so_id', args: A(0), out: 'sint', use: ['FTEND'], doc: '7.3.3' },
  { name: 'so_name', args: A(0), out: 'str', use: ['FTEND'], doc: '7.3.3' },
  { name: 'src', args: A(0), out: 'ipv4', use: ['L4CLI'], doc: '7.3.3' },
  { name: 'src_is_local', args: A(0), out: 'bool', use: ['L4CLI'], doc: '7.3.3' },
  { name: 'src_port', args: A(0), out: 'sint', use: ['L4CLI'], doc: '7.3.3' },
  { name: 'srv_id', args: A(0), out: 'sint', use: ['SERVR'], doc: '7.3.3' },
  { name: 'srv_name', args: A(0), out: 'str', use: ['SERVR'], doc: '7.3.3' },
];
