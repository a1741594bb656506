/**
 * Binary addresses to text exactly as glibc's inet_ntop() prints them, which is
 * what haproxy shows in logs, fetches and PROXY headers (one implementation for
 * the PROXY protocol parser and the sample engine).
 */

/** Dotted quad of the 4 bytes at `at`. */
export function formatIPv4Bytes(b: Uint8Array, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

/**
 * glibc `inet_ntop(AF_INET6)`: lowercase hex, the first longest run of two or
 * more zero groups becomes "::", and `::a.b.c.d` / `::ffff:a.b.c.d` keep the
 * dotted IPv4 tail (exactly six leading zero groups, or five and 0xffff).
 */
export function formatIPv6(b: Uint8Array, at: number): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(((b[at + 2 * i] as number) << 8) | (b[at + 2 * i + 1] as number));
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      if (curBase < 0) {
        curBase = i;
        curLen = 1;
      } else curLen++;
    } else if (curBase >= 0) {
      if (curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
      curBase = -1;
    }
  }
  if (curBase >= 0 && curLen > bestLen) {
    bestBase = curBase;
    bestLen = curLen;
  }
  if (bestLen < 2) bestBase = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      out += formatIPv4Bytes(b, at + 12);
      break;
    }
    out += (words[i] as number).toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) out += ':';
  return out;
}
