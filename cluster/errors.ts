// The cluster layer's error catalogue: links (handshake, frames, backpressure), membership (joining, downing)
// and remote actors (spawn, ask, singleton fencing). Errors are the runtime's StrataError with these codes, so
// they cross sockets as { code, message, data } like every other coded error.
import { StrataError, type ErrorSpec } from '../runtime/errors.ts';

export const catalogue = {
  STRATA_CLUSTER_AUTH_FAILED: { retryable: false, summary: 'A cluster link handshake failed HMAC verification (wrong shared secret on one side, or a peer that does not know it); the link is closed.' },
  STRATA_CLUSTER_NAME_MISMATCH: { retryable: false, summary: 'A peer announced another cluster name in the handshake; the message names both clusters and the link is refused.' },
  STRATA_CLUSTER_PROTOCOL_VERSION: { retryable: false, summary: 'A peer speaks a cluster link protocol version this member does not; the message names both versions.' },
  STRATA_CLUSTER_HANDSHAKE_MALFORMED: { retryable: false, summary: 'A handshake frame was not valid msgpack of the expected shape (garbage bytes, text frame, missing field, too large).' },
  STRATA_CLUSTER_HANDSHAKE_TIMEOUT: { retryable: true, summary: 'A peer did not complete the handshake within the handshake timeout; the connection is closed.' },
  STRATA_CLUSTER_RATE_LIMITED: { retryable: true, summary: 'Too many failed handshakes from one remote host inside the window; its connections are refused until the block expires.' },
  STRATA_CLUSTER_FRAME_TOO_LARGE: { retryable: false, summary: 'A frame (or a single envelope) is over the configured maximum frame size; it is refused, never truncated.' },
  STRATA_CLUSTER_LINK_FULL: { retryable: true, summary: 'The outbound queue of a link is full (the peer or the network is slower than the sender): the message is refused, the sender should slow down.' },
  STRATA_CLUSTER_LINK_CLOSED: { retryable: true, summary: 'A message could not be sent because the link to its member is closed (transport stopped or member removed).' },
  STRATA_CLUSTER_MEMBER_DOWN: { retryable: true, summary: 'The member hosting the target is down (or was removed): remote asks, spawns and watches on it fail with this code.' },
  STRATA_CLUSTER_SELF_DOWNED: { retryable: false, summary: 'This member was downed by the cluster (or downed itself on the minority side of a partition) and shut down; restart it to rejoin as a new incarnation.' },
  STRATA_CLUSTER_JOIN_FAILED: { retryable: true, summary: 'No seed accepted the join within the join timeout; the message lists the seeds tried.' },
  STRATA_CLUSTER_INVALID_CONFIG: { retryable: false, summary: 'A cluster option is invalid (address, port, seed list, secret too short, timings, TLS files); the message names the option and the value.' },
  STRATA_CLUSTER_UNKNOWN_BEHAVIOUR: { retryable: false, summary: 'A remote spawn named a behaviour that is not registered on the target member.' },
  STRATA_CLUSTER_SPAWN_FAILED: { retryable: false, summary: 'A remote spawn reached the target member but building the actor there failed; carries the remote error.' },
  STRATA_CLUSTER_SINGLETON_FENCED: { retryable: false, summary: 'A message from a singleton instance carries an older fencing epoch than one already seen: it comes from a stale instance and is rejected.' },
} as const satisfies Record<string, ErrorSpec>;

export type ClusterErrorCode = keyof typeof catalogue;

export function clusterError(code: ClusterErrorCode, message: string, data: Readonly<Record<string, unknown>> = {}): StrataError {
  return new StrataError(code, message, data, catalogue[code].retryable);
}
