// The raw baselines' worker for the threads benchmark: no actors, just what the runtime builds on.
// - bulk: msgpack batches in transferred ArrayBuffers, decoded and counted, a report when `expect` is reached
// - ping: plain per-message postMessage echo
import { parentPort } from 'node:worker_threads';
import { Packr } from 'msgpackr';

const packr = new Packr({ useRecords: true, moreTypes: true, bundleStrings: false });
let count = 0;
let sum = 0;
let expect = -1;
parentPort!.on('message', (m: { kind: string; bytes?: Uint8Array; expect?: number; i?: number }) => {
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
      if (count === expect) parentPort!.postMessage({ kind: 'done', count, sum });
      return;
    }
    case 'ping':
      parentPort!.postMessage({ kind: 'pong', i: m.i });
  }
});
