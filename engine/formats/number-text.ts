// Numbers as the formats write them: quoted text with thousands separators (`"21,711.15"`), a leading `+`,
// the Unicode minus TradingView uses, a trailing `%`. Anything else is not a number (never a silent 0).

/** The parsed value, or NaN when the text is not a number. Blank text is NaN too: callers decide about blanks. */
export function parseNumberText(text: string): number {
  const n = text.length;
  let ok = n > 0;
  let simple = true;
  for (let i = 0; i < n && ok; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 48 && c <= 57) || c === 46 || c === 45) continue;
    simple = false;
    if (c === 44 || c === 32 || c === 43 || c === 37 || c === 0x2212 || c === 101 || c === 69 || c === 0xa0 || c === 9) continue;
    ok = false;
  }
  if (!ok) return NaN;
  if (simple) {
    // Only digits, '.', '-': Number() agrees with the grammar except for '', '-', '.', which it maps to 0/NaN.
    const v = Number(text);
    return text === '-' || text === '.' ? NaN : v;
  }
  let t = text.trim().replace(/\u2212/g, '-');
  if (t.endsWith('%')) t = t.slice(0, -1).trimEnd();
  if (t.includes(',')) {
    // Thousands separators must sit between digit groups of three; `1,2` is a decimal comma we refuse.
    if (!/^[+-]?\d{1,3}(,\d{3})*(\.\d*)?$/.test(t)) return NaN;
    t = t.replace(/,/g, '');
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return NaN;
  return Number(t);
}

/** True for '' and for text made only of spaces, tabs and no-break spaces. */
export function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 0xa0) return false;
  }
  return true;
}
