/**
 * Every configuration key, its type, default and meaning. Where WCS has a setting for the same thing
 * the key carries the WCS name, so lines of a `flashphoner.properties` carry over. The README's
 * configuration table is checked against this list by spec/config.test.ts.
 */
export type KeyType =
  | { kind: "int"; min: number; max: number }
  | { kind: "bool" }
  | { kind: "string" }
  | { kind: "list" }
  | { kind: "enum"; values: readonly string[] };

export interface KeyDef<T> {
  readonly type: KeyType;
  readonly default: T;
  readonly doc: string;
}

const int = (value: number, doc: string, min = 0, max = Number.MAX_SAFE_INTEGER): KeyDef<number> => ({ type: { kind: "int", min, max }, default: value, doc });
const port = (value: number, doc: string): KeyDef<number> => int(value, `${doc} (0 turns it off)`, 0, 65535);
const bool = (value: boolean, doc: string): KeyDef<boolean> => ({ type: { kind: "bool" }, default: value, doc });
const str = (value: string, doc: string): KeyDef<string> => ({ type: { kind: "string" }, default: value, doc });
const list = (value: string[], doc: string): KeyDef<readonly string[]> => ({ type: { kind: "list" }, default: value, doc });
const oneOf = <V extends string>(values: readonly V[], value: V, doc: string): KeyDef<V> => ({ type: { kind: "enum", values }, default: value, doc });

/** Audio codecs a transponder can send, by WCS's codec-list names (`codecs=` in flashphoner.properties; WCS spells AAC `mpeg4-generic`). */
export const RTMP_AUDIO_CODECS = ["aac", "alaw", "ulaw", "speex16"] as const;
export type RtmpAudioCodec = (typeof RTMP_AUDIO_CODECS)[number];

export const CONFIG_KEYS = {
  // general
  "log.level": oneOf(["error", "warn", "info", "debug", "trace"], "info", "log level"),
  "log.json": bool(false, "write logs as JSON lines instead of text"),
  bind_address: str("0.0.0.0", "address the listeners (REST, WebSocket, RTMP, SIP on a fixed sip.port) bind to"),
  media_dir: str("./media", "folder sound files (sound_on, inject_sound) are read from; names may not leave it"),
  record_dir: str("./records", "folder FLV recordings are written to"),
  data_dir: str("./data", "folder for generated state (the self-signed TLS certificate)"),

  // REST API
  "http.port": port(8081, "REST API, web pages and HTTP-FLV over HTTP"),
  "https.port": port(8444, "REST API, web pages and HTTP-FLV over HTTPS"),
  "https.cert": str("", "PEM certificate for https and wss; a self-signed one is generated at first start when empty"),
  "https.key": str("", "PEM private key matching https.cert"),
  disable_rest_auth: bool(true, "false turns on HTTP Basic authentication of the REST API and HTTP-FLV (the web pages stay open)"),
  rest_users: list([], "REST Basic-auth users as name:password pairs (never logged)"),
  rest_open_to_network: bool(false, "without REST users, answer REST and HTTP-FLV clients from other hosts too (WCS's open behaviour); by default only loopback clients are answered"),
  rest_users_file: str("", "file of REST users, one name:password per line (# comments), so passwords stay out of ps and shell history"),
  "http.headers_timeout": int(10, "seconds a client has to send the request headers (REST, pages, HTTP-FLV)", 1),
  "http.request_timeout": int(30, "seconds a client has to send a whole request, body included", 1),
  rest_access_control_allow_origin: str("*", "CORS Access-Control-Allow-Origin of REST answers"),
  rest_hook_url: str("", "base URL REST hooks (StreamStatusEvent, CallStatusEvent, ...) are POSTed to; connect, publishStream and playStream wait for it and refuse the WebSocket or RTMP client unless it answers 200; empty turns hooks off"),
  rest_hook_send_hash: bool(false, "sign hook bodies with HMAC-MD5 in an `Authorization: WCS <hex>` header"),
  rest_hook_secret_key: str("", "key for rest_hook_send_hash (never logged)"),

  // WebSocket signaling and WebRTC
  "ws.port": port(8080, "WebSocket signaling (Flashphoner Web SDK) over ws"),
  "wss.port": port(8443, "WebSocket signaling over wss"),
  "keep_alive.server_interval": int(5000, "ms between server pings on the signaling socket", 0),
  "keep_alive.probes": int(10, "missed pongs before a signaling session is closed", 1),
  media_port_from: int(31000, "first UDP port for media (WebRTC, SIP RTP)", 1024, 65535),
  media_port_to: int(32000, "last UDP port for media", 1024, 65535),
  ice_interface_addresses: list([], "local addresses ICE gathers candidates on and WebRTC media sockets bind to (with more than one address of a family, werift binds that family's sockets to all interfaces); empty means bind_address when it names one address, else all interfaces"),
  media_public_address: list([], "extra addresses advertised as ICE candidates (a server behind NAT)"),
  media_receive_buffer: int(1048576, "kernel receive buffer each media UDP socket asks for (WebRTC, SIP RTP), bytes, so bursts are not dropped while the event loop is busy; Linux caps it at net.core.rmem_max (the start banner says so); 0 keeps the kernel's default", 0),

  // RTMP server (ingest, play, HTTP-FLV)
  "rtmp.port": port(1935, "embedded RTMP server"),
  "rtmp.record": bool(false, "record every stream published to the embedded server as FLV in record_dir"),
  "rtmp.max_message_size": int(8 * 1024 * 1024, "largest RTMP message a peer may announce before it is cut off (bytes)", 1024),
  "rtmp.publish_idle_timeout": int(10000, "ms without media after which an RTMP publisher is disconnected and its stream name freed; 0 turns it off", 0),
  "rtmp.play_wait_timeout": int(10000, "ms an RTMP player of a name that is not published waits for it before NetStream.Play.StreamNotFound; 0 waits for ever (nginx-rtmp's idle_streams)", 0),
  "rtmp.handshake_timeout": int(10000, "ms a peer has to finish the RTMP handshake", 100),

  // outbound control and caps
  rtmp_target_allow: list([], "hosts transponders may publish to: CIDRs, addresses, host names, *.suffixes; empty allows any"),
  relay_uri_allow: list([], "hosts relays (/pull/*) may connect to, in the form of rtmp_target_allow; empty allows any"),
  sip_destination_allow: list([], "SIP domains or outbound proxies calls may go to, in the form of rtmp_target_allow; empty allows any"),
  max_transponders: int(200, "transponders at once; more get 429", 1),
  max_connections_per_address: int(200, "open connections one client address may hold on each listener (REST, WebSocket, RTMP); a reverse proxy in front counts as one address", 1),
  max_websocket_sessions: int(1000, "WebSocket signaling sessions at once; more are closed with 1013 (try again later)", 1),
  max_calls: int(100, "SIP calls at once; more get 429", 1),
  max_relays: int(100, "relays (/pull/push and /pull/pull) at once; more get 429", 1),

  // RTMP republishing (transponders)
  rtmp_transponder_stream_name_prefix: str("rtmp_", "prefix put before the stream name on republish; may be empty"),
  rtmp_transponder_full_url: bool(false, "the rtmpUrl already ends with the stream name"),
  rtmp_transponder_audio_codec: oneOf(RTMP_AUDIO_CODECS, "aac", "audio codec of republished streams unless rtmpTransponderAudioCodec is given; alaw and ulaw are G.711, 8 kHz mono (a SIP call's own G.711 passes untouched); speex16 is Speex wideband, 16 kHz mono, quality 6 as Flash sent it (a Speex source passes untouched)"),
  rtmp_flash_version: str("FMLE/3.0 (compatible; FMSc/1.0)", "flashVer sent in RTMP connect unless rtmpFlashVersion is given"),
  rtmp_push_auto_start: bool(false, "republish every published stream to rtmp_push_auto_start_url"),
  rtmp_push_auto_start_url: str("", "target of rtmp_push_auto_start"),
  rtmp_keyframe_request_interval: int(2, "seconds between keyframe requests to the source while republishing", 0),
  rtmp_reconnect_min_delay: int(1000, "ms before the first reconnect of a dropped RTMP target", 0),
  rtmp_reconnect_max_delay: int(30000, "cap of the exponential reconnect delay (ms)", 0),

  // relays between servers (/pull/*)
  wcs_agent_ssl: bool(false, "/pull/* with a uri without scheme connects over wss:// (true) or ws:// (false); a scheme in the uri wins"),
  wcs_agent_ssl_verify: bool(true, "verify the other server's TLS certificate on wss:// and rtmps:// relays; false accepts a self-signed one"),
  wcs_agent_ssl_ca: str("", "PEM file of a CA (or the other server's self-signed certificate) trusted for wss:// and rtmps:// relays"),
  wcs_agent_reconnect_min_delay: int(1000, "ms before the first reconnect of a dropped relay", 0),
  wcs_agent_reconnect_max_delay: int(30000, "cap of the exponential reconnect delay of a relay (ms)", 0),
  rtmp_send_queue_ms: int(3000, "media a slow RTMP target may queue before video is dropped up to the next keyframe (ms)", 100),

  // cluster (Redis / Valkey)
  "cluster.redis_url": str("", "redis:// or rediss:// URL of the Redis (or Valkey) the nodes of a cluster share; empty: one node, everything in memory"),
  "cluster.node_id": str("", "this node's name in the cluster; empty: host name and REST port (host:8081)"),
  "cluster.advertise_address": str("", "host name or address other nodes reach this node's REST and WebSocket ports at; empty: 127.0.0.1"),
  "cluster.secret": str("", "shared secret authenticating node-to-node calls (never logged or returned); required with cluster.redis_url"),
  "cluster.heartbeat_timeout": int(6000, "ms a node's heartbeat and job leases live in Redis without renewal (renewed every third of it); a node silent that long is lost", 1500),
  "cluster.edge_idle_timeout": int(5000, "ms a stream pulled from another node for this node's players (an edge pull) lives on after its last player left", 0),

  // audio
  aac_bitrate_stereo: int(128000, "AAC bitrate of republished audio (48 kHz stereo, bit/s)", 16000, 320000),
  "media.workers": int(-1, "codec worker threads (transcoding, resampling, mixing) beside the event loop; -1: the CPU cores less one, at least 1; 0: codecs run in the event loop", -1, 256),
  opus_bitrate: int(64000, "Opus bitrate of audio transcoded for WebRTC players (AAC, G.711 when the browser takes no G.711; 48 kHz, 20 ms, bit/s)", 6000, 510000),

  // SIP
  "sip.port": int(0, "local SIP port (UDP and TCP) every call shares; 0: each call uses its own port chosen by the OS", 0, 65535),
  rtp_in_buffer: bool(true, "pass incoming RTP through the jitter buffer"),
  rtp_in_buffer_delay: int(200, "largest reordering delay of the jitter buffer (ms)", 0, 5000),
  rtp_activity_timeout: int(60, "seconds without RTP after which a call ends with `Failed by RTP activity`; 0 turns it off", 0),
  generate_av_for_ua: oneOf(["none", "all"], "none", "send silence (and keyframe requests for video) to SIP user agents"),
  generate_av_start_delay: int(0, "ms after a call is established before generate_av_for_ua starts its silence and keyframe requests", 0, 60000),
  rtp_session_init_always: bool(true, "accepted from WCS properties files; a call's stream is always playable, Transpond's default behaviour whatever the value"),
  disable_streaming_proxy: bool(false, "accepted from WCS properties files; Transpond transcodes whenever a sink needs it, its default behaviour whatever the value"),
} as const;

export type ConfigKey = keyof typeof CONFIG_KEYS;
type DefaultOf<K extends ConfigKey> = (typeof CONFIG_KEYS)[K]["default"];
type Widen<T> = T extends boolean ? boolean : T extends number ? number : T extends readonly string[] ? readonly string[] : T;
export type Config = { readonly [K in ConfigKey]: Widen<DefaultOf<K>> };
