/**
 * RTP/RTCP port pairs from the media range (`media_port_from..media_port_to`, RFC 3550 11: RTP on an
 * even port, RTCP on the next odd one). Each allocation starts its search at a random pair, so the
 * next call's ports cannot be guessed from the last one's (an attacker who can guess them can
 * inject media before the far end sends); used pairs and pairs the OS refuses (taken by another
 * program) are skipped. Owns the sockets it binds until the
 * caller takes them; `release(port)` returns a pair to the pool. The RTP socket asks for the
 * receive buffer given (`media_receive_buffer`, receive-buffer.ts).
 */
import { createSocket, type Socket } from "node:dgram";
import { setReceiveBuffer } from "./receive-buffer.ts";

import { PORT_ERR, RtpError } from "./errors.ts";

export interface RtpPortPair {
  /** the even RTP port; RTCP is `port + 1` */
  readonly port: number;
  readonly rtp: Socket;
  readonly rtcp: Socket;
}

export class RtpPortAllocator {
  readonly #first: number;
  readonly #last: number;
  readonly #used = new Set<number>();
  readonly #random: () => number;
  readonly #receiveBufferBytes: number;

  /**
   * `from..to` inclusive; the first even port at or above `from` starts the range. `random` in
   * [0, 1); `receiveBufferBytes` 0 keeps the kernel's default.
   */
  constructor(from: number, to: number, options: { readonly random?: () => number; readonly receiveBufferBytes?: number } = {}) {
    this.#random = options.random ?? Math.random;
    this.#receiveBufferBytes = options.receiveBufferBytes ?? 0;
    this.#first = from % 2 === 0 ? from : from + 1;
    this.#last = to;
    if (this.#first + 1 > this.#last || this.#first < 1024 || this.#last > 65535) {
      throw new RtpError(PORT_ERR.RANGE, `media port range ${from}..${to} holds no RTP/RTCP pair`);
    }
  }

  /** pairs the range holds */
  get capacity(): number {
    return Math.floor((this.#last - this.#first + 1) / 2);
  }

  get inUse(): number {
    return this.#used.size;
  }

  /** Binds the next free even port and the odd one above it on `host`. */
  async allocate(host: string): Promise<RtpPortPair> {
    const start = Math.floor(this.#random() * this.capacity);
    for (let tried = 0; tried < this.capacity; tried++) {
      const port = this.#first + 2 * ((start + tried) % this.capacity);
      if (this.#used.has(port)) continue;
      this.#used.add(port);
      const rtp = await bind(host, port);
      const rtcp = rtp ? await bind(host, port + 1) : undefined;
      if (rtp && rtcp) {
        setReceiveBuffer(rtp, this.#receiveBufferBytes);
        return { port, rtp, rtcp };
      }
      rtp?.close();
      this.#used.delete(port);
    }
    throw new RtpError(PORT_ERR.EXHAUSTED, `no free RTP port pair in ${this.#first}..${this.#last} (${this.#used.size} in use)`);
  }

  release(port: number): void {
    this.#used.delete(port);
  }
}

function bind(host: string, port: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket(host.includes(":") ? "udp6" : "udp4");
    socket.once("error", () => {
      try {
        socket.close();
      } catch {
        // never bound: nothing to close
      }
      resolve(undefined);
    });
    socket.bind(port, host, () => {
      socket.removeAllListeners("error");
      socket.on("error", () => undefined);
      resolve(socket);
    });
  });
}
