/**
 * Fake relay links for relay and REST tests: each attempt starts, fails or drops as scripted and
 * records what it was sent.
 */
import type { Frame, TrackConfig } from "../../../src/codecs/frame.ts";
import { StreamHub } from "../../../src/core/stream/hub.ts";
import type { LinkDelegate, RelayLink, RelaySpec } from "../../../src/core/relay/link.ts";
import { TranspondError } from "../../../src/errors.ts";
import { RelayRegistry, type RelayRegistryDeps } from "../../../src/core/relay/relays.ts";
import type { MediaSink } from "../../../src/core/stream/media-sink.ts";

/** A failed attempt as the protocols report one: with a `retry` flag. */
class LinkError extends TranspondError {
  constructor(code: string, message: string, readonly retry: boolean) {
    super(code, message);
  }
}

/** "media-first": the link hands over an A-law config and two frames before its start resolves (the RTMP form does) */
export type LinkOutcome = "ok" | "unreachable" | "refused" | "media-first";

export class FakeLink implements RelayLink {
  readonly sent: string[] = [];
  stopped = false;
  keyframeRequests = 0;
  readonly remoteMediaSessionId = "remote-1";
  readonly sink: MediaSink;
  constructor(
    readonly spec: RelaySpec,
    readonly delegate: LinkDelegate,
    private readonly outcome: LinkOutcome,
  ) {
    this.sink = {
      config: (c: TrackConfig) => this.sent.push(`config ${c.codec}`),
      frame: (f: Frame) => this.sent.push(`${f.kind}${f.kind === "video" && f.key ? "K" : ""}@${f.dts}`),
      end: () => this.sent.push("end"),
    };
  }
  async start(): Promise<void> {
    if (this.outcome === "unreachable") throw new LinkError("ERR_AGENT_CONNECT", "connect ECONNREFUSED", true);
    if (this.outcome === "refused") throw new LinkError("ERR_AGENT_REFUSED", "Stream name is already in use", false);
    if (this.outcome === "media-first") {
      this.delegate.config({ codec: "PCMA", sampleRate: 8000, channels: 1 });
      for (const dts of [0, 20]) this.delegate.frame({ kind: "audio", codec: "PCMA", dts, pts: dts, key: true, data: new Uint8Array(160) });
    }
  }
  requestKeyframe(): void {
    this.keyframeRequests++;
  }
  stop(): void {
    this.stopped = true;
  }
}

export function relaySetup(outcomes: LinkOutcome[], deps: Partial<RelayRegistryDeps> = {}) {
  const hub = new StreamHub();
  const links: FakeLink[] = [];
  const registry = new RelayRegistry({
    hub,
    config: { wcs_agent_ssl: false, wcs_agent_reconnect_min_delay: 5, wcs_agent_reconnect_max_delay: 20, max_relays: 100 },
    connect: (spec, delegate) => {
      const link = new FakeLink(spec, delegate, outcomes[Math.min(links.length, outcomes.length - 1)]!);
      links.push(link);
      return link;
    },
    ...deps,
  });
  return { hub, registry, links };
}
