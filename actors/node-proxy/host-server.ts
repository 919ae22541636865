// The hosting side of a store node: opens the DuckDB file in this thread or process (so this thread owns it)
// and serves numbered StoreNode calls from the node-proxy over a message channel, in any order they arrive.
import { threadId } from 'node:worker_threads';
// the DuckDB backend's own modules rather than engine/store's index, which would load the HeavyDB client and
// the placement code into every store thread for nothing
import { releaseBatchBuffers } from '../../engine/store/column-batch.ts';
import { openDuckDbNode } from '../../engine/store/duckdb-node.ts';
import type { StoreNode } from '../../engine/store/store-node.ts';
import { HOST_MEMORY_OP, STORE_OPS, toHostError, type HostConfig, type HostHello, type HostMemory, type HostReply, type HostRequest } from './host-protocol.ts';
import { encodeBatchColumns, encodeResultColumns } from './wire-columns.ts';

export interface HostChannel {
  send(message: HostReply | HostHello, transfer?: ArrayBuffer[]): void;
  onMessage(handler: (message: unknown) => void): void;
}

// Result columns are fresh typed arrays: handing their buffers over avoids a copy on the way back (threads).
function buffersOf(value: unknown): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  const columns = (value as { columns?: unknown })?.columns;
  if (!Array.isArray(columns)) return out;
  for (const c of columns as { values?: unknown; nulls?: unknown }[]) {
    for (const a of [c.values, c.nulls]) {
      if (ArrayBuffer.isView(a) && a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && !out.includes(a.buffer)) out.push(a.buffer);
    }
  }
  return out;
}

/** How a served node ends: `close()` ends it as its owner asked (at most once); a crash drill or a lost channel
 *  uses `abandon()` (calls in flight stay unanswered). */
export interface ServedNode {
  abandon(): void;
}

/**
 * Opens the node, says hello, then serves until `close`; `onClosed` runs after the node is closed. With
 * `ownsRequests`, every request arrived as this thread's own copy (worker threads), so an appended batch's
 * buffers are freed as soon as the append succeeded. A crash drill (`{ crash: true }`) exits the process once
 * no DuckDB call is running, unless `sharedThread`: then only this node ends, closed without answering, and
 * the thread goes on serving the others.
 */
export async function serveStoreNode(config: HostConfig, channel: HostChannel, options: { transfer: boolean; ownsRequests?: boolean; sharedThread?: boolean; onClosed(): void }): Promise<ServedNode | null> {
  let node: StoreNode;
  let opened: StoreNode | null = null;
  try {
    node = opened = await openDuckDbNode({
      path: config.path,
      ...(config.readConnections === undefined ? {} : { readConnections: config.readConnections }),
      ...(config.threads === undefined ? {} : { threads: config.threads }),
      ...(config.memoryLimitMb === undefined ? {} : { memoryLimitMb: config.memoryLimitMb }),
      ...(config.timeoutMs === undefined ? {} : { timeoutMs: config.timeoutMs }),
    });
    await node.ensureSchema();
  } catch (e) {
    // closed when its schema step failed: a shared thread would otherwise keep the file claimed for good
    await opened?.close().catch(() => {});
    channel.send({ hello: true, ok: false, error: toHostError(e) });
    options.onClosed();
    return null;
  }
  const inFlight = new Set<Promise<unknown>>();
  let crashing = false;
  let closed = false;
  const abandon = (): void => {
    if (crashing) return;
    // An abrupt end with calls unanswered, but only once no DuckDB call is running natively: tearing a thread
    // down under a running call aborts the whole process (a Napi::Error escapes the bindings).
    crashing = true;
    void Promise.allSettled([...inFlight]).then(async () => {
      if (!options.sharedThread) process.exit(70);
      if (closed) return;
      closed = true;
      await node.close().catch(() => undefined);
      options.onClosed();
    });
  };
  channel.onMessage((m) => {
    if ((m as { crash?: unknown })?.crash === true) {
      abandon();
      return;
    }
    const req = m as HostRequest;
    if (crashing || typeof req?.id !== 'number') return;
    if (req.op === HOST_MEMORY_OP) {
      const u = process.memoryUsage();
      channel.send({ id: req.id, ok: true, value: { heapBytes: u.heapTotal, externalBytes: u.external } satisfies HostMemory });
      return;
    }
    const op = req.op;
    if (!STORE_OPS.includes(op)) return;
    // Started from a resolved promise, so a synchronous throw becomes a rejection answered like any other.
    const call = Promise.resolve().then(() => (node[op] as (...a: unknown[]) => Promise<unknown>).apply(node, req.args as unknown[]));
    inFlight.add(call);
    const settled = (): void => { inFlight.delete(call); };
    call.then(settled, settled);
    call.then(
      (value) => {
        if (options.ownsRequests && req.op === 'append') releaseBatchBuffers((req.args as unknown[])[1]);
        if (crashing) return;
        const transfer: ArrayBuffer[] = [];
        let v: unknown = value === undefined ? null : value;
        if (req.op === 'query') v = encodeResultColumns(v, transfer);
        else if (req.op === 'exportPartitions') v = encodeBatchColumns(v, transfer);
        if (options.transfer && req.op === 'query') transfer.push(...buffersOf(v).filter((b) => !transfer.includes(b)));
        channel.send({ id: req.id, ok: true, value: v }, options.transfer ? transfer : []);
        if (req.op === 'close' && !closed) {
          closed = true;
          options.onClosed();
        }
      },
      (e: unknown) => { if (!crashing) channel.send({ id: req.id, ok: false, error: toHostError(e) }); },
    );
  });
  channel.send({ hello: true, ok: true, label: node.label, kind: node.kind, pid: process.pid, threadId });
  return { abandon };
}
