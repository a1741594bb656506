/**
 * Parse-time argument validators of converters (HAProxy's val_args), with
 * HAProxy 2.6's messages as printed by `haproxy -c`. The expression parser
 * wraps them: "invalid args in converter 'X' : <message>".
 */
import { getHashes } from 'node:crypto';
import type { ArgCheckResult, SampleArg } from '../types.js';
import { checkVarName } from '../fetches/checks.js';

function str(a: SampleArg | undefined): string | undefined {
  return a !== undefined && a.type === 'str' ? a.value : undefined;
}
function sint(a: SampleArg | undefined): number | undefined {
  return a !== undefined && a.type === 'sint' ? a.value : undefined;
}
function err(error: string): ArgCheckResult {
  return { error };
}

/** add/sub/mul/div/mod/and/or/xor : sample.c check_operator, "<integer>" or "<scope>.<name>". */
export function checkIntOrVar(args: readonly SampleArg[]): ArgCheckResult {
  const s = str(args[0]) ?? '';
  if (s === '' || /^[+-]?\d+$/.test(s)) return undefined;
  if (checkVarName(s) === undefined) return undefined;
  return err('expects an integer or a variable name');
}

/** field/word : sample.c sample_conv_field_check. */
export function checkFieldWord(args: readonly SampleArg[]): ArgCheckResult {
  const idx = sint(args[0]);
  if (idx === 0) return err('Unexpected value 0 for index');
  if ((str(args[1]) ?? '') === '') return err('Empty separators list');
  return undefined;
}

/** regsub : sample.c sample_conv_regsub_check (the regex itself is compiled at resolution). */
export function checkRegsubFlags(args: readonly SampleArg[]): ArgCheckResult {
  for (const c of str(args[2]) ?? '') {
    if (c !== 'i' && c !== 'g') return err(`invalid regex flag '${c}', only 'i' and 'g' are supported`);
  }
  return undefined;
}

function checkOptionalVar(name: string | undefined): ArgCheckResult {
  if (name === undefined || name === '') return undefined;
  if (checkVarName(name) !== undefined) return err(`failed to register variable name '${name}'`);
  return undefined;
}

/** concat([<start>],[<var>],[<end>]) : sample.c sample_conv_concat_check. */
export function checkConcat(args: readonly SampleArg[]): ArgCheckResult {
  return checkOptionalVar(str(args[1]));
}

/** add_item(<delim>,[<var>][,<suff>]) : sample.c sample_conv_add_item_check. */
export function checkAddItem(args: readonly SampleArg[]): ArgCheckResult {
  return checkOptionalVar(str(args[1]));
}

/** secure_memcmp(<var>) / strcmp(<var>) : sample.c smp_check_strcmp. */
export function checkVarArg(args: readonly SampleArg[]): ArgCheckResult {
  const name = str(args[0]) ?? '';
  if (checkVarName(name) !== undefined) return err(`failed to register variable name '${name}'`);
  return undefined;
}

/** Conditions of set-var (configuration.txt §4.2 "http-request set-var"). */
const SET_VAR_CONDITIONS = ['ifexists', 'ifnotexists', 'ifempty', 'ifnotempty', 'ifset', 'ifnotset', 'ifgt', 'iflt'];

/** set-var(<var>[,<cond>...]) : vars.c conv_check_var. */
export function checkSetVar(args: readonly SampleArg[]): ArgCheckResult {
  const m = checkVarName(str(args[0]) ?? '');
  if (m !== undefined) return err(m);
  for (const a of args.slice(1)) {
    const c = str(a);
    if (c !== undefined && c !== '' && !SET_VAR_CONDITIONS.includes(c)) return err(`unknown condition "${c}"`);
  }
  return undefined;
}

/** unset-var(<var>) : vars.c conv_check_var. */
export function checkUnsetVar(args: readonly SampleArg[]): ArgCheckResult {
  const m = checkVarName(str(args[0]) ?? '');
  return m === undefined ? undefined : err(m);
}

/** be2dec(<separator>,<chunk_size>[,<truncate>]) : sample.c sample_conv_be2dec_check. */
export function checkBe2dec(args: readonly SampleArg[]): ArgCheckResult {
  const n = sint(args[1]);
  if (n !== undefined && (n < 1 || n > 8)) return err(`chunk_size out of [1..8] range (${n})`);
  return undefined;
}

/** configuration.txt §7.3.1 "protobuf": the field types. */
const PROTOBUF_TYPES = ['int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'bool', 'enum', 'fixed32', 'sfixed32', 'float', 'fixed64', 'sfixed64', 'double'];

/** protobuf/ungrpc : sample.c sample_conv_protobuf_check. */
export function checkProtobufType(args: readonly SampleArg[]): ArgCheckResult {
  const t = str(args[1]);
  if (t === undefined || t === '' || PROTOBUF_TYPES.includes(t)) return undefined;
  return err(`Wrong protocol buffer type '${t}'`);
}

/** json([<input-code>]) : sample.c sample_conv_json_check. */
export function checkJsonInput(args: readonly SampleArg[]): ArgCheckResult {
  const t = str(args[0]);
  if (t === undefined || t === '' || ['ascii', 'utf8', 'utf8s', 'utf8p', 'utf8ps'].includes(t)) return undefined;
  return err("Unexpected input code type. Allowed value are 'ascii', 'utf8', 'utf8s', 'utf8p' and 'utf8ps'");
}

/** json_query / jwt_*_query : sample.c sample_check_json_query. */
export function checkOutputTypeInt(args: readonly SampleArg[]): ArgCheckResult {
  const t = str(args[1]);
  if (t === undefined || t === '' || t === 'int') return undefined;
  return err('output_type only supports "int" as argument');
}

/** configuration.txt §7.3.1 "jwt_verify": the supported algorithms. */
const JWT_ALGS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'none'];

/** jwt_verify(<alg>,<key>) : sample.c sample_conv_jwt_verify_check. */
export function checkJwtAlg(args: readonly SampleArg[]): ArgCheckResult {
  const a = str(args[0]) ?? '';
  if (!JWT_ALGS.includes(a)) return err(`unknown JWT algorithm: ${a}`);
  return undefined;
}

/** A base64 string or a variable name (ssl_sample.c check_aes_gcm / sample_conv_hmac args). */
function isB64OrVar(s: string): boolean {
  if (checkVarName(s) === undefined) return true;
  return s.length > 0 && s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s);
}

const B64_HINT = 'argument needs to be base64 encoded, and can either be a string or a variable';

/** aes_gcm_dec(<bits>,<nonce>,<key>,<aead_tag>) : ssl_sample.c check_aes_gcm. */
export function checkAesGcm(args: readonly SampleArg[]): ArgCheckResult {
  const bits = sint(args[0]);
  if (bits !== 128 && bits !== 192 && bits !== 256) return err('key size must be 128, 192 or 256 (bits).');
  const names = ['nonce', 'key', 'aead_tag'];
  for (let i = 0; i < 3; i++) {
    if (!isB64OrVar(str(args[i + 1]) ?? '')) return err(`failed to parse ${names[i]!} : ${B64_HINT}`);
  }
  return undefined;
}

let digestNames: Set<string> | undefined;
/** OpenSSL message digest names, taken from the OpenSSL Node is linked with (HAProxy asks EVP_get_digestbyname). */
function isDigest(name: string): boolean {
  digestNames ??= new Set(getHashes().map((h) => h.toLowerCase()));
  return digestNames.has(name.toLowerCase());
}

/** digest(<algorithm>) : ssl_sample.c check_crypto_digest. */
export function checkDigest(args: readonly SampleArg[]): ArgCheckResult {
  if (!isDigest(str(args[0]) ?? '')) return err('algorithm must be a valid OpenSSL message digest name.');
  return undefined;
}

/** hmac(<algorithm>,<key>) : ssl_sample.c check_crypto_hmac. */
export function checkHmac(args: readonly SampleArg[]): ArgCheckResult {
  if (!isDigest(str(args[0]) ?? '')) return err('algorithm must be a valid OpenSSL message digest name.');
  if (!isB64OrVar(str(args[1]) ?? '')) return err(`failed to parse key : ${B64_HINT}`);
  return undefined;
}

/** sha2([<bits>]) : sample.c smp_check_sha2. */
export function checkSha2(args: readonly SampleArg[]): ArgCheckResult {
  const b = sint(args[0]);
  if (b === undefined || b === 0 || b === 224 || b === 256 || b === 384 || b === 512) return undefined;
  return err(`Unsupported number of bits: '${b}'`);
}

/** The sinks HAProxy 2.6 defines before any "ring" section (sink.c). */
const DEFAULT_SINKS = ['buf0', 'stdout', 'stderr'];

/**
 * debug([<prefix>][,<destination>]) : sample.c smp_check_debug. Rings declared
 * in the configuration are also valid destinations; the caller that knows them
 * may re-check.
 */
export function checkDebugSink(args: readonly SampleArg[]): ArgCheckResult {
  const s = str(args[1]);
  if (s === undefined || s === '' || DEFAULT_SINKS.includes(s)) return undefined;
  return err(`No such sink '${s}'`);
}

/** url_enc([<enc_type>]) : http_conv.c sample_conv_url_enc_check. */
export function checkUrlEnc(args: readonly SampleArg[]): ArgCheckResult {
  const t = str(args[0]);
  if (t === undefined || t === '' || t === 'query') return undefined;
  return err("Unexpected encode type. Allowed value is 'query'");
}

/** http_date([<offset>],[<unit>]) : sample.c smp_check_date_unit (arg 2). */
export function checkHttpDateUnit(args: readonly SampleArg[]): ArgCheckResult {
  const u = str(args[1]);
  if (u === undefined || u === '' || u === 's' || u === 'ms' || u === 'us') return undefined;
  return err(`expects 's', 'ms' or 'us', got '${u}'`);
}

/** configuration.txt §7.3.1 "mqtt_field_value": packet types and their field names. */
const MQTT_FIELDS: Readonly<Record<string, readonly string[]>> = {
  connect: ['protocol_name', 'protocol_version', 'flags', 'keepalive', 'client_identifier', 'will_topic', 'will_payload', 'username', 'password'],
  connack: ['flags', 'reason_code'],
  publish: ['topic', 'payload'],
  puback: [], pubrec: [], pubrel: [], pubcomp: [],
  subscribe: [], suback: [], unsubscribe: [], unsuback: [], pingreq: [], pingresp: [], disconnect: [], auth: [],
};

/** mqtt_field_value(<packettype>,<fieldname_or_property_ID>) : mqtt.c smp_check_mqtt. */
export function checkMqtt(args: readonly SampleArg[]): ArgCheckResult {
  const t = str(args[0]) ?? '';
  const f = str(args[1]) ?? '';
  const key = /^\d+$/.test(t) ? Object.keys(MQTT_FIELDS)[Number(t) - 1] : t.toLowerCase();
  const fields = key === undefined ? undefined : MQTT_FIELDS[key];
  if (fields === undefined) return err(`Unknown MQTT type '${t}'`);
  // Numeric property identifiers are always accepted (MQTT v5 properties).
  if (/^\d+$/.test(f) || fields.includes(f)) return undefined;
  return err(`Unknown MQTT field name '${f}' for packet type '${t}'`);
}

/** FIX tag names HAProxy 2.6 knows (include/haproxy/fix-t.h), besides numeric tags. */
const FIX_TAGS = ['BeginString', 'BodyLength', 'CheckSum', 'MsgType', 'SenderCompID', 'TargetCompID'];

/** fix_tag_value(<tag>) : sample.c sample_conv_fix_value_init. */
export function checkFixTag(args: readonly SampleArg[]): ArgCheckResult {
  const t = str(args[0]) ?? '';
  if (/^\d+$/.test(t) || FIX_TAGS.includes(t)) return undefined;
  return err(`Unknown FIX tag name '${t}'`);
}
