/**
 * CRC32C (Castagnoli), as the PROXY protocol v2 `PP2_TYPE_CRC32C` TLV uses it.
 *
 * proxy-protocol.txt §2.2.3: "calculate the CRC32c checksum of the PROXY
 * header as described in RFC4960, Appendix B". That is the reflected CRC with
 * polynomial 0x1EDC6F41 (0x82F63B78 reflected), initial value 0xFFFFFFFF and a
 * final XOR with 0xFFFFFFFF — what haproxy's `hash_crc32c()` (src/hash.c)
 * computes. Check value: `crc32c("123456789") === 0xE3069283`.
 */

/** Byte-at-a-time lookup table (256 entries), built once at module load. */
const TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** Initial register value of a running CRC32C (pass it to {@link crc32cUpdate}). */
export const CRC32C_INIT = 0xffffffff;

/**
 * Feeds `buf[start..end)` into a running CRC32C register and returns the new
 * register. Start with {@link CRC32C_INIT}, finish with {@link crc32cFinish}.
 */
export function crc32cUpdate(crc: number, buf: Uint8Array, start = 0, end: number = buf.length): number {
  let c = crc >>> 0;
  for (let i = start; i < end; i++) c = (c >>> 8) ^ (TABLE[(c ^ (buf[i] as number)) & 0xff] as number);
  return c >>> 0;
}

/** Feeds `count` zero bytes into a running CRC32C register (for masked fields). */
export function crc32cUpdateZeros(crc: number, count: number): number {
  let c = crc >>> 0;
  for (let i = 0; i < count; i++) c = (c >>> 8) ^ (TABLE[c & 0xff] as number);
  return c >>> 0;
}

/** Final XOR of a running CRC32C register: the checksum value. */
export function crc32cFinish(crc: number): number {
  return (crc ^ 0xffffffff) >>> 0;
}

/** CRC32C of `buf[start..end)`, as an unsigned 32-bit number. */
export function crc32c(buf: Uint8Array, start = 0, end: number = buf.length): number {
  return crc32cFinish(crc32cUpdate(CRC32C_INIT, buf, start, end));
}
