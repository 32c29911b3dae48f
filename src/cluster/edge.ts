/**
 * Edge pulls (as WCS CDN edges do): a player on this node asks for a stream that lives on another
 * node, so this node pulls it from that node over the relay agent (WebRTC, the node's ws port) and
 * publishes it here under the same name. Every later player of the name shares the one pull; it is
 * stopped `cluster.edge_idle_timeout` ms after its last player left.
 */
import type { RelayRegistry } from "../core/relay/relays.ts";
import { DEFAULT_PLAY_APP } from "../core/ingest/rtmp-ingest.ts";
import type { Relay } from "../core/relay/relay.ts";
import type { StreamHub } from "../core/stream/hub.ts";
import type { Stream } from "../core/stream/stream.ts";
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import { flvCanCarry } from "../flv/frames.ts";
import { callNode, type ClusterNode } from "./node.ts";
import type { NodeInfo } from "./store.ts";

/** How long a player waits for the first pull of a stream to arrive. */
const PULL_WAIT_MS = 15000;
const SWEEP_MS = 500;

interface Edge {
  readonly relay: Relay;
  readonly ready: Promise<Stream | undefined>;
  /** since when the pulled stream has had no player (undefined: it has players, or is starting) */
  idleSince?: number;
  started: boolean;
}

export class EdgePulls {
  private readonly edges = new Map<string, Edge>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly cluster: ClusterNode,
    private readonly hub: StreamHub,
    private readonly relays: RelayRegistry,
    private readonly idleMs: number,
    private readonly log: Logger,
  ) {
    this.timer = setInterval(() => this.sweep(), SWEEP_MS);
    this.timer.unref();
  }

  /** The hub's remote resolver: the stream pulled from the node that has it, or undefined. */
  resolve = async (name: string): Promise<Stream | undefined> => {
    const existing = this.edges.get(name);
    if (existing) return existing.ready;
    const owner = await this.cluster.streamPeer(name);
    const origin = owner && (await this.edgeSource(owner, name));
    if (!origin || this.hub.get(name) || this.edges.has(name)) return this.hub.get(name) ?? this.edges.get(name)?.ready;
    const { uri, rtmpApp } = origin;
    this.cluster.markEdge(name);
    let relay: Relay;
    try {
      relay = this.relays.pull(uri.startsWith("rtmp:") ? { uri, localStreamName: name, rtmpApp } : { uri, localStreamName: name, remoteStreamName: name, rtmpApp });
    } catch (err) {
      this.cluster.unmarkEdge(name);
      this.log.warn("edge pull refused", { stream: name, node: owner.id, error: errorMessage(err) });
      return undefined;
    }
    const edge: Edge = { relay, ready: this.published(name), started: false };
    this.edges.set(name, edge);
    this.log.info("edge pull started", { stream: name, from: owner.id, uri });
    void edge.ready.then(() => (edge.started = true));
    return edge.ready;
  };

  /**
   * RTMP from the owner's embedded server when FLV carries the stream's audio (AAC, G.711, Speex, or
   * none): TCP, no transcoding on either side. Otherwise (Opus from a browser) WebRTC through the
   * owner's WebSocket port, which keeps the Opus. `rtmpApp`: the application the stream plays under
   * there (its RTMP publisher's), which the owner asks of RTMP players and the copy here keeps.
   */
  private async edgeSource(owner: NodeInfo, name: string): Promise<{ uri: string; rtmpApp: string } | undefined> {
    const found = await callNode(owner, "stream/find", { name }, this.cluster.settings.secret).catch(() => undefined);
    const stream = found?.status === 200 ? (found.body as { audioCodec?: unknown; rtmpApp?: unknown }[])[0] : undefined;
    const rtmpApp = typeof stream?.rtmpApp === "string" ? stream.rtmpApp : DEFAULT_PLAY_APP;
    const audioCodec = found?.status === 200 ? String(stream?.audioCodec ?? "") : undefined;
    if (owner.ports.rtmp && audioCodec !== undefined && (audioCodec === "" || flvCanCarry(audioCodec))) {
      return { uri: `rtmp://${owner.address}:${owner.ports.rtmp}/${rtmpApp}/${encodeURIComponent(name)}`, rtmpApp };
    }
    return owner.ports.ws ? { uri: `ws://${owner.address}:${owner.ports.ws}`, rtmpApp } : undefined;
  }

  /** Names pulled here from other nodes, with their relay's state. */
  list(): { stream: string; relay: string; state: string }[] {
    return [...this.edges].map(([stream, e]) => ({ stream, relay: e.relay.options.id, state: e.relay.state }));
  }

  close(): void {
    clearInterval(this.timer);
    for (const name of [...this.edges.keys()]) this.drop(name, "Server shutdown");
  }

  private published(name: string): Promise<Stream | undefined> {
    return new Promise((resolve) => {
      const done = (stream: Stream | undefined) => {
        clearTimeout(timer);
        unlisten();
        resolve(stream);
      };
      const unlisten = this.hub.listen({ published: (stream) => stream.name === name && done(stream) });
      const timer = setTimeout(() => done(undefined), PULL_WAIT_MS);
      const here = this.hub.get(name);
      if (here) done(here);
    });
  }

  private sweep(): void {
    const now = Date.now();
    for (const [name, edge] of this.edges) {
      const players = this.hub.get(name)?.sinkCount ?? 0;
      if (players > 0) edge.idleSince = undefined;
      else if (edge.started || edge.relay.state === "FAILED") edge.idleSince ??= now;
      else edge.idleSince ??= now + PULL_WAIT_MS; // still starting: idle counts from the wait's end
      if (edge.idleSince !== undefined && now - edge.idleSince >= this.idleMs) this.drop(name, "Edge pull idle: no player left");
    }
  }

  private drop(name: string, reason: string): void {
    const edge = this.edges.get(name);
    if (!edge) return;
    this.edges.delete(name);
    edge.relay.stop(reason);
    this.cluster.unmarkEdge(name);
    this.log.info("edge pull stopped", { stream: name, reason });
  }
}
