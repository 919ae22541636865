import { describe, it, expect } from 'vitest';
import { forEachEnvelope, toWire, ENVELOPE_VERSION, type Envelope, type EnvelopeExtras } from '../../runtime/envelope.ts';
import { decodeBatch, encodeBatch, encodeBatchForSocket, encodeBatchForThread, decodeBatchString } from '../../runtime/codec.ts';
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
});
