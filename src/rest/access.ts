/**
 * Who may use the REST API and HTTP-FLV. With REST users configured, anyone who logs in. Without
 * them, only clients on this machine (loopback), unless the operator opens it as WCS is open
 * (`rest_open_to_network=true`): a fresh `npm start` is not a port scanner and SIP dialler for the
 * whole network.
 */
import { isIP } from "node:net";

export type RestAccess = "users" | "loopback" | "open";

export function restAccess(usersConfigured: boolean, openToNetwork: boolean): RestAccess {
  if (usersConfigured) return "users";
  return openToNetwork ? "open" : "loopback";
}

/** 127.0.0.0/8, ::1 and IPv4-mapped 127.x (a dual-stack socket's view of an IPv4 loopback client). */
export function isLoopbackAddress(address: string): boolean {
  const v4 = address.toLowerCase().startsWith("::ffff:") ? address.slice(7) : address;
  if (isIP(v4) === 4) return v4.split(".")[0] === "127";
  return isIP(address) === 6 && /^(0{0,4}:){1,7}0{0,3}1$|^::1$/.test(address.toLowerCase());
}

export const LOOPBACK_ONLY_MESSAGE =
  "this server answers REST and HTTP-FLV requests from this machine only, because no REST users are configured; set disable_rest_auth=false with rest_users or rest_users_file to open it with authentication, or rest_open_to_network=true to open it without (as WCS is)";

/** The start banner line for the access mode. */
export function accessBanner(access: RestAccess): string {
  switch (access) {
    case "users":
      return "REST API and HTTP-FLV: open to the network, HTTP Basic authentication required";
    case "loopback":
      return "REST API and HTTP-FLV: loopback clients only (no REST users configured; set rest_users, or rest_open_to_network=true)";
    case "open":
      return "REST API and HTTP-FLV: OPEN to the network WITHOUT authentication (rest_open_to_network=true)";
  }
}
