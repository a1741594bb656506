/**
 * configuration.txt §7.3.5 "Fetching samples from buffer contents (Layer 6)".
 *
 * Names, argument lists, output types and data sources are those registered by
 * HAProxy 2.6 (checked against `haproxy -dKsmp` and the "extracts information from" messages of
 * `haproxy -c`); the output type is the *declared* one, which is what the parser uses for
 * converter compatibility, even where the doc says otherwise.
 */
import type { SampleFetchDef } from '../fetch-registry.js';
import { A } from '../types.js';
import * as chk from './checks.js';

export const LAYER6_FETCHES: readonly SampleFetchDef[] = [
  { name: 'distcc_body', args: A(1, 'str', 'sint'), out: 'bin', use: ['L6REQ', 'L6RES'], valArgs: chk.checkDistcc, doc: '7.3.5' },
  { name: 'distcc_param', args: A(1, 'str', 'sint'), out: 'sint', use: ['L6REQ', 'L6RES'], valArgs: chk.checkDistcc, doc: '7.3.5' },
  { name: 'payload', args: A(2, 'sint', 'sint'), out: 'bin', use: ['L6REQ', 'L6RES'], doc: '7.3.5' },
  { name: 'payload_lv', args: A(2, 'sint', 'sint', 'str'), out: 'bin', use: ['L6REQ', 'L6RES'], valArgs: chk.checkPayloadLv, doc: '7.3.5' },
  { name: 'rdp_cookie', args: A(0, 'str'), out: 'str', use: ['L6REQ'], doc: '7.3.5' },
  { name: 'rdp_cookie_cnt', args: A(0, 'str'), out: 'sint', use: ['L6REQ'], doc: '7.3.5' },
  { name: 'rep_ssl_hello_type', args: A(0), out: 'sint', use: ['L6RES'], doc: '7.3.5' },
  { name: 'req.len', args: A(0), out: 'sint', use: ['L6REQ'], doc: '7.3.5' },
  { name: 'req.payload', args: A(2, 'sint', 'sint'), out: 'bin', use: ['L6REQ'], doc: '7.3.5' },
  { name: 'req.payload_lv', args: A(2, 'sint', 'sint', 'str'), out: 'bin', use: ['L6REQ'], valArgs: chk.checkPayloadLv, doc: '7.3.5' },
  { name: 'req.proto_http', args: A(0), out: 'bool', use: ['HRQHP'], doc: '7.3.5' },
  { name: 'req.rdp_cookie', args: A(0, 'str'), out: 'str', use: ['L6REQ'], doc: '7.3.5' },
  { name: 'req.rdp_cookie_cnt', args: A(0, 'str'), out: 'sint', use: ['L6REQ'], doc: '7.3.5' },
  { name: 'req.ssl_alpn', args: A(0), out: 'str', use: ['L6REQ'], doc: '7.3.5' },
  { name: 'req.ssl_ec_ext', args: A(0), out: 'bool', use: ['L6REQ'], doc: '7.3.5' },
  { name: 'req.ssl_hello_type', args: A(0), out: 'sint', use: ['L6REQ'], doc: '7.3.5' },
  { name: 'req.ssl_sni', args: A(0), out: 'str', use: ['L6REQ'], doc: '7.3.5' },
  { name: 'req.ssl_st_ext', args: A(0), out: 'sint', use: ['L6REQ'], doc: '7.3.5' },
  { name: 'req.ssl_ver', args: A(0), out: 'sint', use: ['L6REQ'], doc: '7.3.5' },
  { name: 'req_len', args: A(0), out: 'sint', use: ['L6REQ'], doc: '7.3.5' },
  { name: 'req_proto_http', args: A(0), out: 'bool', use: ['HRQHP'], doc: '7.3.5' },
  { name: 'req_ssl_hello_type', args: A(0), out: 'sint', use: ['L6REQ'], doc: '7.3.5' },
  { name: 'req_ssl_sni', args: A(0), out: 'str', use: ['L6REQ'], doc: '7.3.5' },
  { name: 'req_ssl_ver', args: A(0), out: 'sint', use: ['L6REQ'], doc: '7.3.5' },
  { name: 'res.len', args: A(0), out: 'sint', use: ['L6RES'], doc: '7.3.5' },
  { name: 'res.payload', args: A(2, 'sint', 'sint'), out: 'bin', use: ['L6RES'], doc: '7.3.5' },
  { name: 'res.payload_lv', args: A(2, 'sint', 'sint', 'str'), out: 'bin', use: ['L6RES'], valArgs: chk.checkPayloadLv, doc: '7.3.5' },
  { name: 'res.ssl_hello_type', args: A(0), out: 'sint', use: ['L6RES'], doc: '7.3.5' },
  { name: 'wait_end', args: A(0), out: 'bool', use: ['INTRN'], doc: '7.3.5' },
];
