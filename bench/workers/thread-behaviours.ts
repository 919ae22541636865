// The behaviour catalogue the threads benchmark places on a worker thread, and on that thread the raw baselines'
// port: the benchmark sends it with postMessageToThread, so raw and actor traffic cross between the same threads.
import { isMainThread, threadId, type MessagePort } from 'node:worker_threads';
import { defineBehaviours, type ActorRef, type AnyActorRef, type Behaviour } from '../../runtime/index.ts';
import { serveRawPipe } from './raw-pipe.ts';

if (!isMainThread) {
  process.on('workerMessage', (value: unknown) => {
    const v = value as { kind?: string; port?: MessagePort } | null;
    if (v?.kind === 'raw-pipe' && v.port) serveRawPipe(v.port);
  });
}

export type SinkMsg =
  | { type: 'n'; i: number }
  | { type: 'reset'; expect: number; replyTo: ActorRef<{ type: 'reset.ok' }> }
  | { type: 'self'; replyTo: ActorRef<{ type: 'self.reply'; self: AnyActorRef }> }
  | { type: 'done?'; replyTo: ActorRef<{ type: 'done'; count: number; sum: number }> };

// replies as the raw baseline's worker does ({ i } back); its own ref only when asked, once, at set-up
export type EchoMsg =
  | { type: 'ping'; i: number; replyTo: ActorRef<{ type: 'pong'; i: number }> }
  | { type: 'self?'; replyTo: ActorRef<{ type: 'self'; self: AnyActorRef; threadId: number }> };

const sink = (): Behaviour<SinkMsg> => (ctx) => {
  let count = 0;
  let sum = 0;
  let expect = -1;
  let waiter: ActorRef<{ type: 'done'; count: number; sum: number }> | null = null;
  return {
    receive(m) {
      switch (m.type) {
        case 'n':
          sum += m.i;
          if (++count === expect && waiter) {
            waiter.tell({ type: 'done', count, sum });
            waiter = null;
          }
          return;
        case 'reset':
          count = 0;
          sum = 0;
          expect = m.expect;
          m.replyTo.tell({ type: 'reset.ok' });
          return;
        case 'self':
          m.replyTo.tell({ type: 'self.reply', self: ctx.self });
          return;
        case 'done?':
          if (count === expect) m.replyTo.tell({ type: 'done', count, sum });
          else waiter = m.replyTo;
      }
    },
  };
};

const echo = (): Behaviour<EchoMsg> => (ctx) => ({
  receive(m) {
    if (m.type === 'self?') m.replyTo.tell({ type: 'self', self: ctx.self, threadId });
    else m.replyTo.tell({ type: 'pong', i: m.i });
  },
});

export const behaviours = defineBehaviours({ sink, echo });
