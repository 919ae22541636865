import { describe, it, expect } from 'vitest';
import { forEachEnvelope, toWire, ENVELOPE_VERSION, type Envelope, type EnvelopeExtras } from '../../runtime/envelope.ts';
import { decodeBatch, decodeFrame, encodeBatch, encodeBatchForSocket, encodeBatchForThread, decodeBatchString, FRAME_COPY_MAX_BYTES } from '../../runtime/codec.ts';
import { RemoteRef } from '../../runtime/remote-ref.ts';
import { memberRefWriter } from '../../cluster/transport/link.ts';
import type { Message } from '../../runtime/message.ts';

const env = (t: string, i: number, m: Message, extras: EnvelopeExtras = {}): Envelope => ({ ...extras, v: ENVELOPE_VERSION, t, y: m.type, i, m });

function read(value: unknown) {
  const seen: { t: string; i: number; m: Message; extras: EnvelopeExtras | undefined }[] = [];
  const refused: string[] = [];
  forEachEnvelope(value, { envelope: (t, i, m, extras) => seen.push({ t, i, m, extras }), refused: (e) => refused.push(e.code) });
  return { seen, refused };
}

describe('envelope wire batches', () => {
  it('groups consecutive envelopes per target and keeps every field, id and the order', () => {
    const envelopes = [
      env('/a', 1, { type: 'x' }),
      env('/a', 2, { type: 'y' }),
      env('/b', 3, { type: 'x' }),
      env('/b', 4, { type: 'x' }, { k: 'job-7', n: 2, x: '00-abc-def-01' }),
      env('/b', 5, { type: 'x' }),
      env('/a', 6, { type: 'z' }),
    ];
    const wire = toWire(envelopes);
    expect(wire[1]).toHaveLength(5); // /a×2, /b, /b with extras, /b, /a
    const bytes = encodeBatch(wire, []);
    const { seen, refused } = read(decodeBatch(bytes, () => null as never, []));
    expect(refused).toEqual([]);
    expect(seen.map((s) => [s.t, s.i, s.m.type])).toEqual(envelopes.map((e) => [e.t, e.i, e.y]));
    expect(seen[3]!.extras).toEqual({ k: 'job-7', n: 2, x: '00-abc-def-01' });
    expect(seen[4]!.extras).toBeUndefined();
  });

  it('refuses bad parts with coded errors and still delivers the good ones', () => {
    const { seen, refused } = read([ENVELOPE_VERSION, [['/a', 1, [{ type: 'ok' }, { notype: 1 }, 'str', { type: 'ok2' }]], [42], ['/c', 'x', []], ['/d', 9, [{ type: 'ok3' }], 'not a map']]]);
    expect(seen.map((s) => s.m.type)).toEqual(['ok', 'ok2']);
    expect(refused).toEqual(['STRATA_ENVELOPE_MALFORMED', 'STRATA_ENVELOPE_MALFORMED', 'STRATA_ENVELOPE_MALFORMED', 'STRATA_ENVELOPE_MALFORMED', 'STRATA_ENVELOPE_MALFORMED']);
    expect(read([ENVELOPE_VERSION + 1, [['/a', 1, [{ type: 'x' }, { type: 'y' }]]]]).refused).toEqual(['STRATA_ENVELOPE_VERSION', 'STRATA_ENVELOPE_VERSION']);
    expect(read({ v: 1 }).refused).toEqual(['STRATA_ENVELOPE_MALFORMED']);
    expect(read(['1', []]).refused).toEqual(['STRATA_ENVELOPE_MALFORMED']);
  });

  it('decodes small (plain map) and large (record) batches alike', () => {
    for (const n of [1, 3, 50]) {
      const envelopes = Array.from({ length: n }, (_, i) => env('/t', i + 1, { type: 'n', i } as Message));
      const small = n < 8;
      const { seen } = read(decodeBatch(encodeBatch(toWire(envelopes), [], small), () => null as never, []));
      expect(seen.map((s) => (s.m as unknown as { i: number }).i)).toEqual(envelopes.map((_, i) => i));
    }
  });
  it('a batch encoded for a socket is a view nothing encoded later writes over (no copy per batch)', () => {
    const first = encodeBatchForSocket(toWire([env('/a', 1, { type: 'x', text: 'first' } as Message)]), [], true);
    const firstBytes = Uint8Array.from(first);
    // many more, small and big, past the end of the packer's buffer (it moves on to a new one)
    for (let i = 0; i < 2_000; i++) encodeBatchForSocket(toWire([env('/b', i, { type: 'y', text: 'z'.repeat(i % 300) } as Message)]), [], i % 2 === 0);
    expect([...first]).toEqual([...firstBytes]);
    expect(read(decodeBatch(first, () => null as never, [])).seen[0]!.m).toEqual({ type: 'x', text: 'first' });
  });

  it('a batch for a thread is a latin1 string below the size given and bytes from it, both decoding alike', () => {
    const wire = toWire([env('/a', 1, { type: 'x', text: 'caf\u00e9 \u20ac', n: 1.5, data: Buffer.from([0, 255, 128]) } as Message)]);
    const small = encodeBatchForThread(wire, [], true, 2048);
    const big = encodeBatchForThread(wire, [], true, 8);
    expect(typeof small).toBe('string');
    expect(big).toBeInstanceOf(Uint8Array);
    for (const decoded of [decodeBatchString(small as string, () => null as never, []), decodeBatch(big as Uint8Array, () => null as never, [])]) {
      const m = read(decoded).seen[0]!.m as unknown as { type: string; text: string; n: number; data: Uint8Array };
      expect({ type: m.type, text: m.text, n: m.n }).toEqual({ type: 'x', text: 'caf\u00e9 \u20ac', n: 1.5 });
      expect([...m.data]).toEqual([0, 255, 128]);
    }
  });

  it('a frame from a socket decodes alike copied or not, and what it holds outlives the next frame', () => {
    const frames = [3, 200, 5_000].map((len, k) => {
      const bytes = encodeBatchForSocket(toWire([env('/a', k, { type: 'x', text: 'q'.repeat(len), data: Buffer.from([k, 255, 128]) } as Message)]), [], true);
      // as a socket hands it over: a view into a larger buffer, with other bytes around it
      const chunk = Buffer.alloc(bytes.byteLength + 64, 0xc1);
      chunk.set(bytes, 32);
      return chunk.subarray(32, 32 + bytes.byteLength);
    });
    expect(frames.map((f) => f.byteLength <= FRAME_COPY_MAX_BYTES)).toEqual([true, true, false]);
    const decoded = frames.map((f) => read(decodeFrame(f, () => null as never, [])).seen[0]!.m as unknown as { text: string; data: Uint8Array });
    // the first two went through the same reused buffer: the first one's fields are still its own
    expect(decoded.map((m) => [m.text.length, [...m.data]])).toEqual([[3, [0, 255, 128]], [200, [1, 255, 128]], [5_000, [2, 255, 128]]]);
    // a batch packed with records (8 messages or more) that still fits the reused buffer
    const records = encodeBatchForSocket(toWire(Array.from({ length: 12 }, (_, i) => env('/r', i, { type: 'n', i } as Message))), [], false);
    expect(records.byteLength).toBeLessThanOrEqual(FRAME_COPY_MAX_BYTES);
    expect(read(decodeFrame(records, () => null as never, [])).seen.map((e) => (e.m as unknown as { i: number }).i)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(() => decodeFrame(Buffer.from([0x92, 0x01]), () => null as never, [])).toThrow(expect.objectContaining({ code: 'STRATA_ENVELOPE_MALFORMED' }));
  });

  it('a ref of the sending member crosses as its path alone and resolves against the member the frame came from', () => {
    const transport = { send: () => 'enqueued' as const };
    const self = '127.0.0.1:7101#1733480000123';
    const refs = [new RemoteRef(self, '/temp/$a1', transport as never), new RemoteRef('t2.1', '/user/w', transport as never), new RemoteRef('127.0.0.1:7103#9', '/user/x', transport as never)];
    const bytes = encodeBatchForSocket(toWire([env('/user/echo', 1, { type: 'echo', refs } as Message)]), [], true, memberRefWriter(self));
    // this member's id appears nowhere; the third member's once, in the only ref written as [address, path]
    expect(Buffer.from(bytes).toString('latin1').split('127.0.0.1:7101').length - 1).toBe(0);
    expect(Buffer.from(bytes).toString('latin1').split('127.0.0.1:7103#9').length - 1).toBe(1);
    const resolved: [string, string][] = [];
    const resolve = (address: string, path: string) => (resolved.push([address, path]), new RemoteRef(address, path, transport as never));
    read(decodeFrame(bytes, resolve, [], self));
    expect(resolved).toEqual([[self, '/temp/$a1'], [self, '@t2.1/user/w'], ['127.0.0.1:7103#9', '/user/x']]);
    // outside a frame from a member a path alone names no one: refused, not guessed
    expect(() => decodeFrame(bytes, resolve, [])).toThrow(expect.objectContaining({ code: 'STRATA_ENVELOPE_MALFORMED' }));
  });
});
