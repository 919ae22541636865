// Checkpoints as plain data: a deep copy in which the numbers JSON cannot carry (Infinity, -Infinity, NaN,
// -0) become marker strings, so a state survives JSON as well as msgpack and resumes bit for bit.

const markers: Readonly<Record<string, number>> = { '#Infinity': Infinity, '#-Infinity': -Infinity, '#NaN': NaN, '#-0': -0 };

export function toPlain(value: unknown): unknown {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return '#NaN';
    if (value === Infinity) return '#Infinity';
    if (value === -Infinity) return '#-Infinity';
    if (Object.is(value, -0)) return '#-0';
    return value;
  }
  if (Array.isArray(value)) return value.map(toPlain);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toPlain(v);
    return out;
  }
  return value;
}

export function fromPlain(value: unknown): unknown {
  if (typeof value === 'string' && value in markers) return markers[value];
  if (Array.isArray(value)) return value.map(fromPlain);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = fromPlain(v);
    return out;
  }
  return value;
}
