// Worker-thread entry of an embedded store node: the DuckDB file is opened and owned by this thread.
import { parentPort, workerData } from 'node:worker_threads';
import type { HostConfig } from './host-protocol.ts';
import { serveStoreNode } from './host-server.ts';
import { flushCompiled } from '../../runtime/compile-cache.ts';

const port = parentPort!;
// what this thread stripped and compiled goes to the compile cache now, so the next thread starts without the stripper
flushCompiled();
await serveStoreNode(workerData as HostConfig, {
  send: (m, transfer) => port.postMessage(m, transfer ?? []),
  onMessage: (h) => port.on('message', h),
}, { transfer: true, ownsRequests: true, onClosed: () => port.close() });
