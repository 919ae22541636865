// A process that appends numbered records to a journal as fast as it can and reports, over IPC, the highest
// number each acknowledged append covered. The journal test kills it with kill -9 at some point.
import { openJournal } from '../../../engine/jobs/index.ts';

const journal = await openJournal<{ n: number; pad: string }>({ path: process.argv[2]! });
let n = 0;
const pad = 'x'.repeat(200);
for (;;) {
  const batch = [1, 2, 3].map(() => ({ n: ++n, pad }));
  const last = n;
  void journal.append(batch).then(() => process.send?.({ acked: last }));
  if (n % 30 === 0) await new Promise((r) => setImmediate(r));
}
