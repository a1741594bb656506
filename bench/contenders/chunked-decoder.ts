/**
 * A small incremental decoder of chunked bodies (RFC 9112 §7.1) for the bulk
 * benchmark's origin and client: counts payload bytes, never copies them.
 * It trusts its input (the bytes come from our own client and origin, or from
 * a proxy that re-chunks them); it is not a validating parser.
 */

const enum State { Size, SizeExt, SizeLf, Data, DataCr, DataLf, Trailer, TrailerLf, Done }

/** Counts the payload bytes of one chunked body fed in arbitrary pieces. */
export class ChunkedDecoder {
  /** Payload bytes seen so far. */
  payload = 0;
  private state = State.Size;
  private size = 0;
  private remaining = 0;
  /** Length of the current trailer line (0 on the empty line that ends the body). */
  private lineLen = 0;

  /** `true` once the last chunk and the trailer section have been read. */
  get done(): boolean {
    return this.state === State.Done;
  }

  /**
   * Feeds `buf[start..]`. Returns the offset just past the body when it ends
   * inside `buf` (the rest belongs to the next message), or -1 when more bytes are needed.
   */
  feed(buf: Buffer, start = 0): number {
    let i = start;
    const n = buf.length;
    while (i < n) {
      switch (this.state) {
        case State.Data: {
          const take = Math.min(this.remaining, n - i);
          this.remaining -= take;
          this.payload += take;
          i += take;
          if (this.remaining === 0) this.state = State.DataCr;
          break;
        }
        case State.Size: {
          const c = buf[i++]!;
          const v = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
          if (v >= 0) this.size = this.size * 16 + v;
          else if (c === 0x0d) this.state = State.SizeLf;
          else this.state = State.SizeExt; // ';' chunk extension or whitespace: skip to CR
          break;
        }
        case State.SizeExt:
          if (buf[i++] === 0x0d) this.state = State.SizeLf;
          break;
        case State.SizeLf:
          i++;
          if (this.size === 0) {
            this.state = State.Trailer;
            this.lineLen = 0;
          } else {
            this.remaining = this.size;
            this.size = 0;
            this.state = State.Data;
          }
          break;
        case State.DataCr:
          i++;
          this.state = State.DataLf;
          break;
        case State.DataLf:
          i++;
          this.state = State.Size;
          break;
        case State.Trailer:
          if (buf[i++] === 0x0d) this.state = State.TrailerLf;
          else this.lineLen++;
          break;
        case State.TrailerLf:
          i++;
          if (this.lineLen === 0) {
            this.state = State.Done;
            return i;
          }
          this.lineLen = 0;
          this.state = State.Trailer;
          break;
        case State.Done:
          return i;
      }
    }
    return this.state === State.Done ? i : -1;
  }
}
