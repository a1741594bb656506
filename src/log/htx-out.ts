/**
 * %B of an HTTP transaction, counted the way haproxy 2.6 counts it: the
 * HTX size of what the stream passed to the client (issue 6 audit gap 4),
 * not the bytes read from the server:
 *   - every response head, interim ones (100, 102, 103...) included, at its
 *     HTX size (htx-size.ts);
 *   - the body's payload, without chunk framing;
 *   - for a chunked body, one byte for the end-of-trailers block plus each
 *     trailer's name and value (no ": ", no CRLF);
 *   - after a 101 or a CONNECT 2xx, the tunnel's bytes as read;
 *   - generated replies (counted by http-log.ts);
 *   - nothing of a read that failed to parse: an invalid head or a framing
 *     error read with it logs the 502 page alone.
 * Fields the mux removes while parsing (a Content-Length beside
 * Transfer-Encoding) never reach the HTX and are left out.
 * Checked with haproxy 2.6 (test/compat/http/audit-protocol.test.ts,
 * gaps-chunked.test.ts): 100-continue 126, 103+102+200 161, trailers 81,
 * CL+TE 61.
 */
import { BODY_LENGTH, BODY_TUNNEL, BODY_UNTIL_CLOSE, MSG_SWITCHING, type H1Head } from '../http/h1-head.js';
import { htxHeadSize } from './htx-size.js';

/** haproxy's HTX_BLK_EOT: the end of a chunked message's trailers (even without any). */
const HTX_EOT = 1;

/** The client-bound HTX byte count of one transaction. */
export class HtxOut {
  private bytes = 0;
  /** `bytesOut` of the stream where the tunnel starts, -1 without a tunnel. */
  private tunnelMark = -1;
  /** The last final head, until its body is parsed (replacedResponse()). */
  private last: H1Head | undefined = undefined;

  /**
   * A response head (interim or final); `bytesOut` is the stream's raw
   * server byte count now. `tunnel` false for a head refused after parsing
   * (a 101 nobody asked for: in haproxy's channel, then refused by the stream).
   */
  head(h: H1Head, bytesOut: number, tunnel = true): void {
    this.bytes += htxHeadSize(h) - droppedFields(h);
    this.last = h.isInterim ? undefined : h;
    if (tunnel && ((h.flags & MSG_SWITCHING) !== 0 || h.bodyKind === BODY_TUNNEL)) {
      // The rest of the read holding the head is already tunnel data (counted in bytesOut).
      this.tunnelMark = bytesOut - Math.max(0, h.buf.length - h.end);
    }
  }

  /**
   * An http-response rule answered instead of the server's response: the
   * body bytes read with the head were already in haproxy's channel and
   * count (haproxy 2.6: `http-response deny` logs the page plus those
   * bytes). Content-Length and close-delimited bodies only; a chunked
   * body's payload read with the head is not counted here (left).
   */
  replacedResponse(): void {
    const h = this.last;
    this.last = undefined;
    if (h === undefined) return;
    const avail = Math.max(0, h.buf.length - h.end);
    if (h.bodyKind === BODY_LENGTH) this.bytes += Math.min(avail, h.contentLength);
    else if (h.bodyKind === BODY_UNTIL_CLOSE) this.bytes += avail;
  }

  /** Body payload passed on (de-chunked). */
  data(n: number): void {
    this.last = undefined;
    this.bytes += n;
  }

  /** The end of a chunked body: EOT and the trailers (`raw`: the last-chunk block as written, or undefined). */
  chunkedEnd(raw: Buffer | undefined): void {
    this.bytes += HTX_EOT;
    if (raw === undefined) return;
    const text = raw.toString('latin1');
    // "0\r\n" then "name: value\r\n" lines, then "\r\n".
    for (const l of text.split('\r\n').slice(1)) {
      const c = l.indexOf(':');
      if (c > 0) this.bytes += c + l.slice(c + 1).trim().length;
    }
  }

  /** The count so far; `bytesOut` the stream's raw server byte count now. */
  total(bytesOut: number): number {
    return this.bytes + (this.tunnelMark >= 0 ? Math.max(0, bytesOut - this.tunnelMark) : 0);
  }

  reset(): void {
    this.bytes = 0;
    this.tunnelMark = -1;
    this.last = undefined;
  }
}

/**
 * The HTX bytes of the fields the parser marked as not forwarded (HDR_DROPPED:
 * a Content-Length beside Transfer-Encoding, RFC 9112 §6.3, and the like):
 * haproxy's mux removes them while parsing, so they never reach the HTX
 * (haproxy 2.6: a response with both logs 61, not 78). Connection headers
 * are left to htxHeadSize(), which already skips the close/keep-alive ones.
 */
function droppedFields(h: H1Head): number {
  let n = 0;
  const a = h.hdr;
  for (let i = 0; i < h.count; i++) {
    if (!h.isDropped(i)) continue;
    const ns = a[i * 4]!, ne = a[i * 4 + 1]!;
    if (ne - ns === 10 && h.buf.toString('latin1', ns, ne).toLowerCase() === 'connection') continue;
    n += ne - ns + (a[i * 4 + 3]! - a[i * 4 + 2]!);
  }
  return n;
}
