// The hosting side of a store node: opens the DuckDB file in this thread or process (so this thread owns it)
// and serves numbered StoreNode calls from the node-proxy over a message channel, in any order they arrive.
import { threadId } from 'node:worker_threads';
import { openDuckDbNode, type StoreNode } from '../../engine/store/index.ts';
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

/**
 * Frees the memory of an appended batch's columns at once by detaching their buffers (`transfer(0)` releases
 * the old backing store), instead of leaving it to this thread's garbage collector. A worker thread's heap is
 * small, so V8 collects its freed typed arrays only when their external memory has grown by tens of MiB; a
 * thread that appends batch after batch held that much garbage per node. Measured on the 2-vCPU VM
 * (2026-12-03, a 1 M-row CSV ingest through one node on a worker thread, the daemon's process settings): peak
 * RSS 445 against 460 MiB, and 592 against 613 MiB through the default 3-node, RF 2 store (before the larger fix
 * in runtime/ask-ref.ts). Only for requests this thread owns outright: a structured clone of the caller's batch.
 */
export function releaseBatchBuffers(batch: unknown): void {
  const columns = (batch as { columns?: unknown } | null)?.columns;
  if (typeof columns !== 'object' || columns === null) return;
  const seen = new Set<ArrayBuffer>();
  const release = (a: unknown): void => {
    if (!ArrayBuffer.isView(a) || !(a.buffer instanceof ArrayBuffer) || seen.has(a.buffer) || a.buffer.detached) return;
    seen.add(a.buffer);
    a.buffer.transfer(0);
  };
  for (const c of Object.values(columns as Record<string, unknown>)) {
    if (ArrayBuffer.isView(c)) { release(c); continue; }
    if (typeof c !== 'object' || c === null || Array.isArray(c)) continue;
    const parts = c as { codes?: unknown; utf8?: unknown; offsets?: unknown; nulls?: unknown; values?: unknown };
    for (const a of [parts.codes, parts.utf8, parts.offsets, parts.nulls, parts.values]) release(a);
  }
}

/**
 * Opens the node, says hello, then serves until `close`; `onClosed` runs after the node is closed. With
 * `ownsRequests`, every request arrived as this thread's own copy (worker threads), so an appended batch's
 * buffers are freed as soon as the append succeeded.
 */
export async function serveStoreNode(config: HostConfig, channel: HostChannel, options: { transfer: boolean; ownsRequests?: boolean; onClosed(): void }): Promise<void> {
  let node: StoreNode;
  try {
    node = await openDuckDbNode({
      path: config.path,
      ...(config.readConnections === undefined ? {} : { readConnections: config.readConnections }),
      ...(config.threads === undefined ? {} : { threads: config.threads }),
      ...(config.memoryLimitMb === undefined ? {} : { memoryLimitMb: config.memoryLimitMb }),
      ...(config.timeoutMs === undefined ? {} : { timeoutMs: config.timeoutMs }),
    });
    await node.ensureSchema();
  } catch (e) {
    channel.send({ hello: true, ok: false, error: toHostError(e) });
    options.onClosed();
    return;
  }
  const inFlight = new Set<Promise<unknown>>();
  let crashing = false;
  channel.onMessage((m) => {
    if ((m as { crash?: unknown })?.crash === true) {
      // An abrupt end with calls unanswered, but only once no DuckDB call is running natively: tearing a thread
      // down under a running call aborts the whole process (a Napi::Error escapes the bindings).
      crashing = true;
      void Promise.allSettled([...inFlight]).then(() => process.exit(70));
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
        if (req.op === 'close') options.onClosed();
      },
      (e: unknown) => { if (!crashing) channel.send({ id: req.id, ok: false, error: toHostError(e) }); },
    );
  });
  channel.send({ hello: true, ok: true, label: node.label, kind: node.kind, pid: process.pid, threadId });
}
