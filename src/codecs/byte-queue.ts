/**
 * A list of received buffers read from the front (ws receiver.js style): `consume(n)` returns a
 * subarray when the bytes sit in one buffer and copies only when a read crosses buffers.
 */
export class ByteQueue {
  private readonly list: Uint8Array[] = [];
  private head = 0; // read position inside list[0]
  private total = 0;

  get length(): number {
    return this.total;
  }

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.list.push(bytes);
    this.total += bytes.length;
  }

  /** The next `n` bytes without consuming them (n <= length), copied when they cross buffers. */
  peek(n: number): Uint8Array {
    const first = this.list[0];
    if (first !== undefined && first.length - this.head >= n) return first.subarray(this.head, this.head + n);
    const out = new Uint8Array(n);
    let at = 0;
    let pos = this.head;
    for (const buf of this.list) {
      const take = Math.min(buf.length - pos, n - at);
      out.set(buf.subarray(pos, pos + take), at);
      at += take;
      pos = 0;
      if (at === n) break;
    }
    return out;
  }

  /** Removes and returns the next `n` bytes (n <= length). */
  consume(n: number): Uint8Array {
    const out = this.peek(n);
    this.skip(n);
    return out;
  }

  /** Removes up to `n` bytes from the front and returns them as pieces (no copy). */
  consumePieces(n: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    while (n > 0 && this.list.length > 0) {
      const buf = this.list[0]!;
      const take = Math.min(buf.length - this.head, n);
      out.push(buf.subarray(this.head, this.head + take));
      this.advance(take);
      n -= take;
    }
    return out;
  }

  skip(n: number): void {
    while (n > 0 && this.list.length > 0) {
      const take = Math.min(this.list[0]!.length - this.head, n);
      this.advance(take);
      n -= take;
    }
  }

  /** Everything still queued, as one array. */
  drain(): Uint8Array {
    return this.consume(this.total);
  }

  private advance(take: number): void {
    this.head += take;
    this.total -= take;
    if (this.head === this.list[0]!.length) {
      this.list.shift();
      this.head = 0;
    }
  }
}
