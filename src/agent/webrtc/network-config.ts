/**
 * The media network settings from the server config (`ice_interface_addresses`,
 * `media_public_address`, `media_port_from..media_port_to`, `media_receive_buffer`), checked once at start. Kept apart from
 * peer-config.ts so that reading them does not load werift. Without `ice_interface_addresses`, a
 * `bind_address` naming one address binds the media sockets there too (an operator who keeps the
 * listeners on one address expects no media socket on the others).
 */
import { isIP } from "node:net";
import { ConfigError } from "../../errors.ts";

export interface MediaNetworkConfig {
  /** addresses to gather on; empty: every interface */
  readonly interfaceAddresses: readonly string[];
  /** addresses advertised besides the gathered ones (server behind NAT) */
  readonly publicAddresses: readonly string[];
  readonly portFrom: number;
  readonly portTo: number;
  /** kernel receive buffer asked for each UDP socket, bytes; 0 or absent: the kernel's default */
  readonly receiveBufferBytes?: number;
}

const ANY_ADDRESS = new Set(["", "0.0.0.0", "::"]);

export function mediaNetworkConfig(config: {
  readonly bind_address?: string;
  readonly ice_interface_addresses: readonly string[];
  readonly media_public_address: readonly string[];
  readonly media_port_from: number;
  readonly media_port_to: number;
  readonly media_receive_buffer?: number;
}): MediaNetworkConfig {
  for (const a of config.ice_interface_addresses) if (isIP(a) === 0) throw new ConfigError("ice_interface_addresses", `"${a}" is not an IP address`);
  for (const a of config.media_public_address) if (isIP(a) === 0) throw new ConfigError("media_public_address", `"${a}" is not an IP address`);
  if (config.media_port_to <= config.media_port_from) {
    throw new ConfigError("media_port_to", `must be above media_port_from (${config.media_port_from})`);
  }
  const bindAddress = config.bind_address ?? "";
  const boundToOne = isIP(bindAddress) !== 0 && !ANY_ADDRESS.has(bindAddress);
  return {
    interfaceAddresses: config.ice_interface_addresses.length === 0 && boundToOne ? [bindAddress] : config.ice_interface_addresses,
    publicAddresses: config.media_public_address,
    portFrom: config.media_port_from,
    portTo: config.media_port_to,
    receiveBufferBytes: config.media_receive_buffer ?? 0,
  };
}
