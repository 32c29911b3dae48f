/** Limits of the capture reader (bytes). Anything larger is treated as a corrupt length. */

/** Largest packet record accepted (libpcap's own ceiling for most link types is 256 KiB). */
export const MAX_PACKET_BYTES = 16 * 1024 * 1024;

/** Largest IPv4/IPv6 datagram rebuilt from fragments. */
export const MAX_REASSEMBLED_BYTES = 65_535 + 40;

/** Fragments of one datagram kept while waiting for the rest. */
export const MAX_FRAGMENTS_PER_DATAGRAM = 256;
