/**
 * Implementations of the hash, digest and crypto converters of
 * configuration.txt §7.3.1 (sample.c, ssl_sample.c). The non-cryptographic
 * hashes are HAProxy's own (see ../hashes.ts); digests use Node's OpenSSL.
 */
import { createDecipheriv, createHash, createHmac } from 'node:crypto';
import type { SampleContext } from '../context.js';
import { crc32, crc32c, djb2, fullHash, sdbm, wt6, xxh3, xxh32, xxh64 } from '../hashes.js';
import { registerConverterImpls, argBigInt, argInt, argStr, hasArg, type ConverterImpl } from '../impl-registry.js';
import { castSample, type Sample } from '../sample.js';
import type { SampleArg } from '../types.js';
import { base64Decode } from './conv-encoding.js';
import { parseVarRef, readVar } from './util.js';

function bytesIn(s: Sample): Buffer {
  return s.type === 'bin' ? s.value : Buffer.from(s.type === 'str' || s.type === 'meth' ? s.value : '', 'latin1');
}

/** A 32-bit hash with the optional full-avalanche argument (any non-zero value). */
function hash32(h: (b: Uint8Array) => number): ConverterImpl {
  return {
    compile: (args) => {
      const avalanche = argInt(args, 0) !== 0;
      return (s) => {
        const v = h(bytesIn(s));
        return { type: 'sint', value: BigInt(avalanche ? fullHash(v) : v), flags: s.flags };
      };
    },
  };
}

function digest(alg: string): (s: Sample) => Sample {
  return (s) => ({ type: 'bin', value: createHash(alg).update(bytesIn(s)).digest(), flags: s.flags });
}

/**
 * sample.c sample_conv_var2smp_str() on a string-or-variable argument, then
 * base64dec(): the binary value of a key, nonce or tag. A name that parses
 * as a variable is read at run time.
 */
function b64Operand(args: readonly SampleArg[], i: number): (ctx: SampleContext) => Buffer | undefined {
  const text = argStr(args, i);
  const ref = parseVarRef(text);
  if (ref !== undefined && /^[A-Za-z0-9._]+$/.test(ref.name)) {
    return (ctx) => {
      const v = readVar(ctx, ref);
      const c = v === undefined ? undefined : castSample(v, 'str');
      return c === undefined || c.type !== 'str' ? undefined : base64Decode(c.value);
    };
  }
  const k = base64Decode(text);
  return () => k;
}

export const HASH_CONVERTER_IMPLS: Readonly<Record<string, ConverterImpl>> = {
  crc32: hash32(crc32),
  crc32c: hash32(crc32c),
  djb2: hash32(djb2),
  sdbm: hash32(sdbm),
  wt6: hash32(wt6),
  // sample.c sample_conv_xxh32(): unsigned 32-bit, seed truncated to 32 bits
  xxh32: {
    compile: (args) => {
      const seed = argInt(args, 0) >>> 0;
      return (s) => ({ type: 'sint', value: BigInt(xxh32(bytesIn(s), seed)), flags: s.flags });
    },
  },
  // sample.c sample_conv_xxh64() / xxh3(): the 64-bit hash as a signed integer
  xxh64: {
    compile: (args) => {
      const seed = BigInt.asUintN(64, argBigInt(args, 0));
      return (s) => ({ type: 'sint', value: BigInt.asIntN(64, xxh64(bytesIn(s), seed)), flags: s.flags });
    },
  },
  xxh3: {
    compile: (args) => {
      const seed = BigInt.asUintN(64, argBigInt(args, 0));
      return (s) => ({ type: 'sint', value: BigInt.asIntN(64, xxh3(bytesIn(s), seed)), flags: s.flags });
    },
  },
  sha1: { compile: () => digest('sha1') },
  // sample.c sample_conv_sha2(): 256 bits unless told otherwise
  sha2: {
    compile: (args) => {
      const bits = hasArg(args, 0) ? argInt(args, 0) : 256;
      return digest(`sha${bits === 0 ? 256 : bits}`);
    },
  },
  digest: { compile: (args) => digest(argStr(args, 0).toLowerCase()) },
  // ssl_sample.c sample_conv_crypto_hmac(): the key is base64, given or read from a variable
  hmac: {
    compile: (args) => {
      const alg = argStr(args, 0).toLowerCase();
      const key = b64Operand(args, 1);
      return (s, ctx) => {
        const k = key(ctx);
        if (k === undefined) return undefined;
        return { type: 'bin', value: createHmac(alg, k).update(bytesIn(s)).digest(), flags: s.flags };
      };
    },
  },
  // ssl_sample.c sample_conv_aes_gcm_dec(): fails when the tag does not verify
  aes_gcm_dec: {
    compile: (args) => {
      const bits = argInt(args, 0);
      const nonce = b64Operand(args, 1);
      const key = b64Operand(args, 2);
      const tag = b64Operand(args, 3);
      return (s, ctx) => {
        const n = nonce(ctx);
        const k = key(ctx);
        const t = tag(ctx);
        if (n === undefined || k === undefined || t === undefined || k.length * 8 !== bits) return undefined;
        try {
          const d = createDecipheriv(`aes-${bits}-gcm` as 'aes-128-gcm', k, n, { authTagLength: t.length });
          d.setAuthTag(t);
          const out = Buffer.concat([d.update(bytesIn(s)), d.final()]);
          return { type: 'bin', value: out, flags: s.flags };
        } catch {
          return undefined;
        }
      };
    },
  },
};

registerConverterImpls(HASH_CONVERTER_IMPLS);
