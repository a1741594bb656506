/**
 * configuration.txt §7.3.1: Protocol decoders (JSON, JWT, FIX, MQTT, protobuf/gRPC).
 *
 * Argument lists and input/output types are those HAProxy 2.6 registers (`haproxy -dKcnv`,
 * whose columns print "out => in"); they decide the "cannot be applied" checks.
 */
import type { SampleConverterDef } from '../converter-registry.js';
import { A } from '../types.js';
import * as chk from './checks.js';

export const PROTOCOL_CONVERTERS: readonly SampleConverterDef[] = [
  { name: 'fix_is_valid', args: A(0), in: 'bin', out: 'bool', doc: '7.3.1' },
  { name: 'fix_tag_value', args: A(1, 'str'), in: 'bin', out: 'bin', valArgs: chk.checkFixTag, doc: '7.3.1' },
  { name: 'json_query', args: A(1, 'str', 'str'), in: 'str', out: 'any', valArgs: chk.checkOutputTypeInt, doc: '7.3.1' },
  { name: 'jwt_header_query', args: A(0, 'str', 'str'), in: 'bin', out: 'any', valArgs: chk.checkOutputTypeInt, doc: '7.3.1' },
  { name: 'jwt_payload_query', args: A(0, 'str', 'str'), in: 'bin', out: 'any', valArgs: chk.checkOutputTypeInt, doc: '7.3.1' },
  { name: 'jwt_verify', args: A(2, 'str', 'str'), in: 'bin', out: 'sint', valArgs: chk.checkJwtAlg, doc: '7.3.1' },
  { name: 'mqtt_field_value', args: A(2, 'str', 'str'), in: 'bin', out: 'str', valArgs: chk.checkMqtt, doc: '7.3.1' },
  { name: 'mqtt_is_valid', args: A(0), in: 'bin', out: 'bool', doc: '7.3.1' },
  { name: 'protobuf', args: A(1, 'pbuf_fnum', 'str'), in: 'bin', out: 'bin', valArgs: chk.checkProtobufType, doc: '7.3.1' },
  { name: 'ungrpc', args: A(1, 'pbuf_fnum', 'str'), in: 'bin', out: 'bin', valArgs: chk.checkProtobufType, doc: '7.3.1' },
];
