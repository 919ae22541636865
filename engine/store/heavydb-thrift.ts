// One HeavyDB Thrift call over HTTP, binary protocol, with the Client and types generated inside
// @heavyai/connector. We carry the bytes ourselves instead of using thrift's HttpConnection, whose failures go
// to an 'error' event that no pending call hears (a dead server leaves the call pending forever): here every
// call has its own request, our timeout, a response size cap and a coded error.
import { request as httpRequest } from 'node:http';
import type { Agent as HttpAgent, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createRequire } from 'node:module';
import { withDeadline } from './deadline.ts';
import { EngineError } from '../engine-error.ts';
import { storeError } from './errors.ts';
import type { HeavyDbTarget } from './heavydb-url.ts';

// The connector's generated code is CommonJS and requires its own `thrift` (0.14.x); resolving thrift from the
// connector's location guarantees codec and generated classes come from the same package. It is loaded on the
// first HeavyDB call, not on import: the store's index is imported by every store-node thread and by the
// daemon, and the connector's code costs about 14 MiB of RSS per thread that never talks to HeavyDB.
const requireHere = createRequire(import.meta.url);

interface ThriftTransport { readonly __brand?: 'transport' }
interface ThriftProtocol { readMessageBegin(): { fname: string; mtype: number; rseqid: number } }
interface ThriftModule {
  TBufferedTransport: (new (buffer: undefined, onFlush: (msg: Buffer) => void) => ThriftTransport) & {
    receiver(cb: (reader: ThriftTransport) => void): (data: Buffer) => void;
  };
  TBinaryProtocol: new (transport: ThriftTransport) => ThriftProtocol;
  Thrift: { TApplicationException: new (...args: unknown[]) => Error };
}
type ClientCtor = new (transport: ThriftTransport, protocol: ThriftModule['TBinaryProtocol']) => Record<string, (...args: unknown[]) => unknown>;

/** The generated Thrift structs (TColumn, TColumnData, TQueryResult, TDBException, …). */
export type HeavyTypes = Record<string, new (args?: object) => object> & {
  TDBException: new (args?: { error_msg?: string }) => Error & { error_msg: string };
};
export interface CommonTypes {
  TDatumType: Readonly<Record<string, number>>;
  TEncodingType: Readonly<Record<string, number>>;
  TTypeInfo: new (args?: object) => object;
}
interface Connector {
  readonly thrift: ThriftModule;
  readonly Heavy: { Client: ClientCtor; Processor: new (handler: object) => object };
  readonly heavyTypes: HeavyTypes;
  readonly commonTypes: CommonTypes;
}

let loaded: Connector | null = null;

/** The connector's thrift codec, service and generated types, loaded once on first use. */
export function heavyConnector(): Connector {
  if (loaded === null) {
    const requireConnector = createRequire(requireHere.resolve('@heavyai/connector/thrift/Heavy.js'));
    loaded = {
      thrift: requireConnector('thrift') as ThriftModule,
      Heavy: requireHere('@heavyai/connector/thrift/Heavy.js') as Connector['Heavy'],
      heavyTypes: requireHere('@heavyai/connector/thrift/heavy_types.js') as HeavyTypes,
      commonTypes: requireHere('@heavyai/connector/thrift/common_types.js') as CommonTypes,
    };
  }
  return loaded;
}

export interface HeavyDbCallOptions {
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly agent?: HttpAgent;
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED']);

/** Is `e` HeavyDB's own exception (bad SQL, bad session, bad login), as opposed to transport trouble? */
export function isDbException(e: unknown): e is { error_msg: string } {
  return typeof e === 'object' && e !== null && typeof (e as { error_msg?: unknown }).error_msg === 'string';
}

export function callHeavyDb<T>(target: HeavyDbTarget, method: string, args: readonly unknown[], options: HeavyDbCallOptions): Promise<T> {
  return withDeadline(target.label, method, options.timeoutMs, async (signal) => {
    let sent: Buffer | null = null;
    const { Heavy, thrift } = heavyConnector();
    const client = new Heavy.Client(new thrift.TBufferedTransport(undefined, (msg) => { sent = msg; }), thrift.TBinaryProtocol);
    const fn = client[method];
    if (typeof fn !== 'function') throw storeError('STRATA_STORE_PROTOCOL_ERROR', `${target.label}: the HeavyDB service has no method ${method}`, { node: target.label, method });
    // The generated method serialises synchronously into `sent` and settles when recv_<method> runs below.
    const reply = fn.apply(client, args as unknown[]) as Promise<T>;
    reply.catch(() => undefined);
    if (!sent) throw storeError('STRATA_STORE_PROTOCOL_ERROR', `${target.label}: ${method} produced no request bytes`, { node: target.label, method });
    const body = await post(target, sent, signal, options);
    decodeReply(target, method, client, body);
    try {
      return await reply;
    } catch (e) {
      if (isDbException(e) || e instanceof EngineError) throw e;
      throw storeError('STRATA_STORE_PROTOCOL_ERROR', `${target.label}: ${method} failed on the server: ${(e as Error).message ?? String(e)}`, { node: target.label, method });
    }
  });
}

function decodeReply(target: HeavyDbTarget, method: string, client: Record<string, (...a: unknown[]) => unknown>, body: Buffer): void {
  let handled = false;
  let failure: unknown = null;
  const { thrift } = heavyConnector();
  thrift.TBufferedTransport.receiver((reader) => {
    try {
      const proto = new thrift.TBinaryProtocol(reader);
      const header = proto.readMessageBegin();
      if (header.fname !== method) throw new Error(`reply names ${JSON.stringify(header.fname)}`);
      client[`recv_${method}`]!(proto, header.mtype, header.rseqid);
      handled = true;
    } catch (e) {
      failure = e;
    }
  })(body);
  if (!handled) {
    const why = failure instanceof Error ? `${failure.name}: ${failure.message}` : 'no message';
    throw storeError('STRATA_STORE_PROTOCOL_ERROR', `${target.label}: the reply to ${method} is not a valid Thrift message (${body.length} bytes; ${why})`, { node: target.label, method, bytes: body.length });
  }
}

function post(target: HeavyDbTarget, payload: Buffer, signal: AbortSignal, options: HeavyDbCallOptions): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const req = (target.https ? httpsRequest : httpRequest)({
      host: target.host,
      port: target.port,
      path: '/',
      method: 'POST',
      signal,
      ...(options.agent ? { agent: options.agent } : {}),
      headers: {
        'Content-Type': 'application/vnd.apache.thrift.binary',
        'Content-Length': payload.length,
        ...(options.agent ? {} : { Connection: 'close' }),
      },
    }, (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(storeError('STRATA_STORE_PROTOCOL_ERROR', `${target.label}: HTTP status ${res.statusCode} from the HeavyDB server`, { node: target.label, status: res.statusCode }));
        return;
      }
      const parts: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxResponseBytes) {
          res.destroy();
          reject(storeError('STRATA_STORE_RESPONSE_TOO_LARGE', `${target.label}: reply exceeds ${options.maxResponseBytes} bytes`, { node: target.label, maxResponseBytes: options.maxResponseBytes }));
          return;
        }
        parts.push(chunk);
      });
      res.on('end', () => resolve(Buffer.concat(parts, size)));
      res.on('error', (e) => reject(transportError(target, e)));
    });
    req.on('error', (e) => reject(signal.aborted ? (signal.reason as Error) : transportError(target, e)));
    req.end(payload);
  });
}

function transportError(target: HeavyDbTarget, e: Error & { code?: string }): EngineError {
  if (e.code && !UNREACHABLE_CODES.has(e.code) && e.code !== 'ERR_STREAM_PREMATURE_CLOSE') {
    return storeError('STRATA_STORE_PROTOCOL_ERROR', `${target.label}: ${e.code} ${e.message}`, { node: target.label, errno: e.code });
  }
  return storeError('STRATA_STORE_UNREACHABLE', `${target.label} (${target.host}:${target.port}) is unreachable: ${e.code ?? ''} ${e.message}`.trim(), { node: target.label, ...(e.code ? { errno: e.code } : {}) });
}
