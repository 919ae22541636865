// HeavyDB connection URLs: heavydb://user:password@host:port/database (HTTP, the transport @heavyai/connector
// uses), heavydbs:// or https:// for TLS, http:// accepted as a synonym of heavydb://.
import { storeError } from './errors.ts';

export interface HeavyDbTarget {
  readonly https: boolean;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** the URL without its password, for logs and inspection */
  readonly label: string;
}

/** HeavyDB's default HTTP port (6274 is its raw-socket Thrift port, which the connector does not use). */
export const HEAVYDB_HTTP_PORT = 6278;

export function parseHeavyDbUrl(url: string): HeavyDbTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw storeError('STRATA_STORE_INVALID_URL', `not a HeavyDB URL: ${JSON.stringify(redact(url))}; expected heavydb://user:password@host:port/database`, { url: redact(url) });
  }
  const scheme = u.protocol.replace(/:$/, '');
  if (!['heavydb', 'heavydbs', 'http', 'https'].includes(scheme)) {
    throw storeError('STRATA_STORE_INVALID_URL', `HeavyDB URL scheme ${JSON.stringify(scheme)} is not heavydb, heavydbs, http or https`, { url: redact(url) });
  }
  const https = scheme === 'heavydbs' || scheme === 'https';
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  const user = decodeURIComponent(u.username);
  const password = decodeURIComponent(u.password);
  if (!u.hostname || !user || !database) {
    throw storeError('STRATA_STORE_INVALID_URL', `HeavyDB URL ${JSON.stringify(redact(url))} needs a user, a host and a database`, { url: redact(url) });
  }
  const port = u.port ? Number(u.port) : https ? 443 : HEAVYDB_HTTP_PORT;
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  return { https, host, port, user, password, database, label: `${https ? 'heavydbs' : 'heavydb'}://${encodeURIComponent(user)}@${u.host}/${encodeURIComponent(database)}` };
}

function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
}
