/**
 * The UDP sockets werift opened for a peer connection, to size their receive buffers
 * (rtp/receive-buffer.ts). werift creates them itself, without options, inside its ICE objects
 * (RTCIceTransport.connection.protocols[].transport.socket, werift 0.24); call this once gathering
 * is complete, when they all exist.
 */
import type { Socket } from "node:dgram";
import type { RTCPeerConnection } from "werift";
import { setReceiveBuffer } from "../../rtp/receive-buffer.ts";

/** The field of werift's ICE connection this uses (private in werift's types). */
interface WeriftIceConnection {
  readonly protocols?: readonly { readonly transport?: { readonly socket?: unknown } }[];
}

function isUdpSocket(value: unknown): value is Socket {
  return typeof (value as Partial<Socket> | undefined)?.setRecvBufferSize === "function";
}

export function peerUdpSockets(pc: RTCPeerConnection): Socket[] {
  const sockets: Socket[] = [];
  for (const transport of pc.iceTransports) {
    for (const protocol of (transport.connection as unknown as WeriftIceConnection).protocols ?? []) {
      const socket = protocol.transport?.socket;
      if (isUdpSocket(socket)) sockets.push(socket);
    }
  }
  return sockets;
}

/** Asks for a receive buffer of `bytes` on every UDP socket of `pc` (0 or absent: the kernel's default). */
export function setPeerReceiveBuffers(pc: RTCPeerConnection, bytes = 0): void {
  for (const socket of peerUdpSockets(pc)) setReceiveBuffer(socket, bytes);
}
