import { describe, it, expect } from 'vitest';
import { forEachEnvelope, toWire, ENVELOPE_VERSION, type Envelope, type EnvelopeExtras } from '../../runtime/envelope.ts';
import { decodeBatch, encodeBatch } from '../../runtime/codec.ts';
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
});
