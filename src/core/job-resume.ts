/**
 * A job a cluster node takes over from a lost node: it keeps the id users know it by and counts the
 * move as one more reconnect.
 */
export interface JobResume {
  readonly id: string;
  /** the job's reconnects so far, the move included */
  readonly reconnects: number;
}
