// Compile-time protocol checks: `npm test` type-checks this file, so each @ts-expect-error below fails the
// build if the line it marks ever compiles (a ref accepting a message outside its protocol).
import { describe, it, expect, afterEach } from 'vitest';
import { createSystem, type ActorRef, type ActorSystem, type Behaviour } from '../../runtime/index.ts';

type Ping = { type: 'ping'; replyTo: ActorRef<Pong> };
type Pong = { type: 'pong'; n: number };
type Other = { type: 'other' };

const pinger: Behaviour<Ping> = () => ({ receive: (m) => void m.replyTo.tell({ type: 'pong', n: 1 }) });

let system: ActorSystem;
afterEach(async () => {
  await system?.terminate();
});

describe('typed refs', () => {
  it('accept only their protocol at compile time and infer the reply type of an ask', async () => {
    system = createSystem({ name: 'typed' });
    const ref: ActorRef<Ping> = system.spawn(pinger);
    // @ts-expect-error: not part of Ping's protocol
    expect(() => ref.tell({ type: 'other' })).not.toThrow();
    // @ts-expect-error: a ref for Ping is not a ref for Other
    const wrong: ActorRef<Other> = ref;
    expect(wrong.path).toBe(ref.path);
    // a ref to a wider protocol can stand where a narrower one is expected (contravariance)
    const wide: ActorRef<Ping | Other> = system.spawn<Ping | Other>(() => ({ receive: () => {} }));
    const narrow: ActorRef<Ping> = wide;
    expect(narrow.path).toBe(wide.path);
    const pong = await system.ask<Ping, Pong>(ref, (replyTo) => ({ type: 'ping', replyTo }));
    const n: number = pong.n;
    expect(n).toBe(1);
  });
});
