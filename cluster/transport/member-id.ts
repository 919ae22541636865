// A member's identity on the wire: `host:port#incarnation`. The endpoint (host:port) is where it listens; the
// incarnation is fixed at start, so a restarted member at the same endpoint is a different member and
// nothing addressed to the old one ever reaches the new one.
import { clusterError } from '../errors.ts';

export interface MemberIdentity {
  readonly host: string;
  readonly port: number;
  readonly incarnation: number;
}

export function memberId(m: MemberIdentity): string {
  return `${m.host}:${m.port}#${m.incarnation}`;
}

export function endpointOf(m: { host: string; port: number }): string {
  return `${m.host}:${m.port}`;
}

export function parseEndpoint(text: string): { host: string; port: number } {
  const i = text.lastIndexOf(':');
  const host = i > 0 ? text.slice(0, i).replace(/^\[|\]$/g, '') : '';
  const port = Number(text.slice(i + 1));
  if (i <= 0 || host === '' || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw clusterError('STRATA_CLUSTER_INVALID_CONFIG', `address ${JSON.stringify(text)} is not host:port`, { option: 'address', value: text });
  }
  return { host, port };
}

export function parseMemberId(id: string): MemberIdentity {
  const hash = id.lastIndexOf('#');
  const incarnation = Number(id.slice(hash + 1));
  if (hash <= 0 || !Number.isSafeInteger(incarnation) || incarnation < 0) {
    throw clusterError('STRATA_CLUSTER_INVALID_CONFIG', `member id ${JSON.stringify(id)} is not host:port#incarnation`, { option: 'memberId', value: id });
  }
  return { ...parseEndpoint(id.slice(0, hash)), incarnation };
}

export function endpointOfId(id: string): string {
  const hash = id.lastIndexOf('#');
  return hash < 0 ? id : id.slice(0, hash);
}
