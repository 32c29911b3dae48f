/**
 * Stable error codes of the capture reader. Only a file whose header (or pcapng block structure)
 * cannot be trusted throws; a packet that is cut short or not IP/UDP/TCP is skipped, because a
 * capture is evidence to read as far as possible, not a peer to reject.
 */
export const PCAP_ERR = {
  /** fewer bytes than a pcap file header or a pcapng section header block */
  TRUNCATED_HEADER: "ERR_PCAP_TRUNCATED_HEADER",
  /** the first four bytes are neither a pcap magic nor a pcapng section header block */
  BAD_MAGIC: "ERR_PCAP_BAD_MAGIC",
  /** a pcap version other than 2.x, or a pcapng section version other than 1.x */
  BAD_VERSION: "ERR_PCAP_BAD_VERSION",
  /** a pcapng block total length that is too small, not a multiple of 4, or disagrees with its trailer */
  BAD_BLOCK_LENGTH: "ERR_PCAP_BAD_BLOCK_LENGTH",
  /** a pcapng packet block names an interface no Interface Description Block declared */
  UNKNOWN_INTERFACE: "ERR_PCAP_UNKNOWN_INTERFACE",
} as const;

export type PcapErrorCode = (typeof PCAP_ERR)[keyof typeof PCAP_ERR];
