/** Limits on SDP text accepted from a peer (a browser offer with many candidates is ~10 KiB). */
export const SDP_LIMITS = {
  /** characters in the whole description */
  maxLength: 256 * 1024,
  /** lines in the whole description */
  maxLines: 4096,
} as const;
