/**
 * Where the gateway may connect on a client's behalf: optional allow-lists for RTMP targets, relay
 * URIs and SIP destinations (`rtmp_target_allow`, `relay_uri_allow`, `sip_destination_allow`), so
 * a REST user cannot turn the server into a port scanner or a dialler for any host. An empty list
 * allows everything (WCS's behaviour). Entries are CIDRs (`10.0.0.0/8`, `2001:db8::/32`), single
 * addresses, host names (`live.example.com`) or name suffixes (`*.example.com`).
 *
 * The check is on the host as written: an address is matched against the CIDRs, a name against the
 * names. A name is not resolved to be matched against CIDRs (what it resolves to at check time
 * need not be what it resolves to at connect time); list the name itself.
 */
import { BlockList, isIP } from "node:net";
import { ConfigError } from "../errors.ts";

export class OutboundPolicy {
  readonly key: string;
  private readonly networks = new BlockList();
  private readonly names: string[] = [];
  private readonly suffixes: string[] = [];
  private readonly empty: boolean;

  /** `key` names the config key in refusals; bad entries throw naming it. */
  constructor(key: string, entries: readonly string[]) {
    this.key = key;
    this.empty = entries.length === 0;
    for (const raw of entries) {
      const entry = raw.trim().toLowerCase();
      const [address, prefix] = entry.split("/");
      const family = isIP(address ?? "");
      if (family !== 0) {
        const bits = prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix);
        if (!Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128)) throw new ConfigError(key, `bad prefix length in ${raw}`);
        this.networks.addSubnet(address!, bits, family === 4 ? "ipv4" : "ipv6");
      } else if (entry.startsWith("*.") && /^[a-z0-9.-]+$/.test(entry.slice(2))) this.suffixes.push(entry.slice(1));
      else if (/^[a-z0-9.-]+$/.test(entry) && prefix === undefined) this.names.push(entry);
      else throw new ConfigError(key, `${JSON.stringify(raw)} is not a CIDR, an address or a host name`);
    }
  }

  /** Undefined when `host` may be connected to, else the reason (naming the key). */
  refusal(host: string): string | undefined {
    if (this.empty) return undefined;
    const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
    const family = isIP(bare);
    if (family !== 0) {
      const mapped = bare.startsWith("::ffff:") && isIP(bare.slice(7)) === 4 ? bare.slice(7) : bare;
      if (this.networks.check(mapped, isIP(mapped) === 4 ? "ipv4" : "ipv6")) return undefined;
    } else if (this.names.includes(bare.replace(/\.$/, "")) || this.suffixes.some((s) => bare.endsWith(s))) return undefined;
    return `${host} is not in ${this.key}`;
  }
}
