// Worker-thread entry of an embedded store node: the DuckDB file is opened and owned by this thread.
import { parentPort, workerData } from 'node:worker_threads';
import type { HostConfig } from './host-protocol.ts';
import { serveStoreNode } from './host-server.ts';

const port = parentPort!;
await serveStoreNode(workerData as HostConfig, {
  send: (m, transfer) => port.postMessage(m, transfer ?? []),
  onMessage: (h) => port.on('message', h),
}, { transfer: true, ownsRequests: true, onClosed: () => port.close() });
