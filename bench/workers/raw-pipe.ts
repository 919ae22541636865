// The raw baselines of the threads benchmark, served on a MessagePort with no actors: what the runtime builds on.
// - reset / batch: msgpack batches in transferred ArrayBuffers, decoded and counted, a report when `expect` is reached
// - ping: plain per-message postMessage echo
// The port lives on the thread that hosts the benchmark's actors (thread-behaviours.ts receives it), so a raw round
// trip crosses between the same two threads as an actor ask does.
import type { MessagePort } from 'node:worker_threads';
import { Packr } from 'msgpackr';

export function serveRawPipe(port: MessagePort): void {
  const packr = new Packr({ useRecords: true, moreTypes: true, bundleStrings: false });
  let count = 0;
  let sum = 0;
  let expect = -1;
  port.on('message', (m: { kind: string; bytes?: Uint8Array; expect?: number; i?: number }) => {
    switch (m.kind) {
      case 'reset':
        count = 0;
        sum = 0;
        expect = m.expect!;
        return;
      case 'batch': {
        const batch = packr.unpack(m.bytes!) as { type: string; i: number }[];
        for (const msg of batch) {
          sum += msg.i;
          count++;
        }
        if (count === expect) port.postMessage({ kind: 'done', count, sum });
        return;
      }
      case 'ping':
        port.postMessage({ kind: 'pong', i: m.i });
    }
  });
}
