/**
 * The kernel receive buffer of the media UDP sockets (`media_receive_buffer`). Packets wait there
 * while the event loop works on other streams, and libuv reads at most 32 datagrams per socket per
 * loop turn; a burst (a scene cut at several Mb/s, two dozen publishers at once) then overflows the
 * kernel's default of 208 KiB (about 90 datagrams of 1,200 bytes) and the packets are dropped before
 * anything sees them (bench/README, WebRTC -> RTMP).
 *
 * Linux gives a socket twice the size it asks for (the other half is its bookkeeping), capped at
 * twice net.core.rmem_max, and `getRecvBufferSize()` reports that doubled figure; `receiveBufferSize`
 * halves it back, so it compares with what was asked.
 */
import { createSocket, type Socket } from "node:dgram";

const REPORTED_PER_ASKED = process.platform === "linux" ? 2 : 1;

/** Asks the kernel for a receive buffer of `bytes` on a bound socket; 0 leaves the kernel's default. */
export function setReceiveBuffer(socket: Socket, bytes: number): void {
  if (bytes <= 0) return;
  try {
    socket.setRecvBufferSize(bytes);
  } catch {
    // closed meanwhile: nothing to size
  }
}

/** The receive buffer `socket` has, in the unit `setReceiveBuffer` asks in. */
export function receiveBufferSize(socket: Socket): number {
  return socket.getRecvBufferSize() / REPORTED_PER_ASKED;
}

/** What a media socket that asks for `bytes` gets (a throwaway loopback socket). */
export async function grantedReceiveBuffer(bytes: number): Promise<number> {
  const socket = createSocket("udp4");
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(0, "127.0.0.1", resolve);
    });
    setReceiveBuffer(socket, bytes);
    return receiveBufferSize(socket);
  } finally {
    socket.close();
  }
}
