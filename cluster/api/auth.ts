// API tokens with roles. Tokens are compared as sha-256 digests in constant time, so neither a token's
// value nor its length leaks through timing; the table can be swapped at run time (config hot reload).
import { hash, timingSafeEqual } from 'node:crypto';
import type { ApiToken } from '../config/index.ts';
import type { Role } from '../config/index.ts';
import { apiError } from './errors.ts';

export interface Principal {
  readonly name: string;
  readonly role: Role;
}

// crypto.hash: the one-shot form, several times cheaper per call than createHash().update().digest()
const digest = (text: string): Buffer => hash('sha256', text, 'buffer');

export interface TokenTable {
  /** the principal for a presented token, or null */
  lookup(presented: string | null | undefined): Principal | null;
  replace(tokens: readonly ApiToken[]): void;
  readonly size: number;
  /** grows at every replace(): a principal remembered before is void after it */
  readonly generation: number;
}

export function createTokenTable(tokens: readonly ApiToken[]): TokenTable {
  let entries: { digest: Buffer; principal: Principal }[] = [];
  let generation = 0;
  const table: TokenTable = {
    lookup(presented) {
      if (!presented) return null;
      const d = digest(presented);
      let found: Principal | null = null;
      for (const e of entries) if (timingSafeEqual(e.digest, d)) found = e.principal; // no early exit
      return found;
    },
    replace(next) {
      entries = next.map((t) => ({ digest: digest(t.token), principal: { name: t.name, role: t.role } }));
      generation++;
    },
    get size() { return entries.length; },
    get generation() { return generation; },
  };
  table.replace(tokens);
  return table;
}

/** The token of a request: `Authorization: Bearer …`, else the `token` query parameter (WebSocket, browsers). */
export function presentedToken(authorization: string | undefined, query: unknown): string | null {
  if (authorization) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return m ? m[1]! : null;
  }
  const q = (query as Record<string, unknown> | undefined)?.['token'];
  return typeof q === 'string' && q !== '' ? q : null;
}

export function authorise(principal: Principal | null, need: Role): Principal {
  if (!principal) throw apiError('STRATA_API_UNAUTHENTICATED', 'an API token is required: send "Authorization: Bearer <token>" (or ?token= on WebSocket upgrades)');
  if (need === 'operator' && principal.role !== 'operator') {
    throw apiError('STRATA_API_FORBIDDEN', `token "${principal.name}" has role ${principal.role}; this needs an operator token`, { role: principal.role, needs: need });
  }
  return principal;
}

const REMEMBERED = Symbol('strata.auth');

interface Remembered { readonly header: Buffer; readonly scratch: Buffer; readonly principal: Principal; readonly generation: number }

/**
 * The principal of a request's Authorization header, remembered per connection: a keep-alive connection that
 * sends the same header again is compared (constant time) with what it sent before, instead of hashing the
 * token for every request. Only the client's own earlier header is compared, never a configured secret.
 */
export function principalOf(table: TokenTable, socket: object, authorization: string | undefined, query: unknown): Principal | null {
  const holder = socket as { [REMEMBERED]?: Remembered };
  const seen = holder[REMEMBERED];
  if (authorization !== undefined && seen && seen.generation === table.generation && Buffer.byteLength(authorization) === seen.header.length) {
    // encoded into the connection's own scratch buffer, not a new one per request; requests on one connection
    // pass through here one at a time
    if (seen.scratch.write(authorization) === seen.header.length && timingSafeEqual(seen.scratch, seen.header)) return seen.principal;
  }
  const principal = table.lookup(presentedToken(authorization, query));
  if (principal && authorization !== undefined) {
    const header = Buffer.from(authorization);
    holder[REMEMBERED] = { header, scratch: Buffer.alloc(header.length), principal, generation: table.generation };
  }
  return principal;
}
