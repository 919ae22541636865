// Worker-thread entry that hosts several embedded store nodes (hosting 'shared-thread'): each node arrives as
// `{ open: HostConfig, port }` with a MessagePort of its own and is served on it exactly as a node on a thread of
// its own is served on the thread's port. One V8 isolate for all of them instead of one each: three nodes this
// way left `strata up` idle at 168–186 MiB of RSS against 204–222 on a thread each (docs/store.md "Hosting").
// The thread exits once main said `{ shutdown: true }` and its last node closed.
import { parentPort, type MessagePort } from 'node:worker_threads';
import type { HostConfig } from './host-protocol.ts';
import { serveStoreNode, type ServedNode } from './host-server.ts';
import { flushCompiled } from '../../runtime/compile-cache.ts';

const main = parentPort!;
flushCompiled();
let open = 0;
let shuttingDown = false;
const maybeExit = (): void => {
  if (shuttingDown && open === 0) main.close();
};

main.on('message', (m: { open?: HostConfig; port?: MessagePort; shutdown?: boolean }) => {
  if (m.shutdown === true) {
    shuttingDown = true;
    maybeExit();
    return;
  }
  if (m.open === undefined || m.port === undefined) return;
  const port = m.port;
  open++;
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    port.close();
    open--;
    maybeExit();
  };
  // main gave up on this node (its proxy ended the host): close it here too, its calls unanswered
  let served: ServedNode | null = null;
  let gone = false;
  port.once('close', () => {
    gone = true;
    served?.abandon();
  });
  void serveStoreNode(m.open, {
    send: (reply, transfer) => port.postMessage(reply, transfer ?? []),
    onMessage: (h) => port.on('message', h),
  }, { transfer: true, ownsRequests: true, sharedThread: true, onClosed: end }).then((s) => {
    served = s;
    if (gone) s?.abandon();
  });
});
