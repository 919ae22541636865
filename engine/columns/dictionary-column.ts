// A text column as its distinct values plus one Int32 code per row (-1 = null): how repetitive text (strategy
// ids, ISO days, instruments, zones) is built, moved between threads and appended once per distinct value.

export interface DictionaryColumn {
  readonly dictionary: readonly string[];
  readonly codes: Int32Array;
}

export function isDictionaryColumn(x: unknown): x is DictionaryColumn {
  return typeof x === 'object' && x !== null && Array.isArray((x as DictionaryColumn).dictionary) && (x as DictionaryColumn).codes instanceof Int32Array;
}

/** Builds a DictionaryColumn row by row; a value equal to the previous row's costs one comparison. */
export class DictionaryColumnBuilder {
  #dictionary: string[] = [];
  #index = new Map<string, number>();
  #codes: Int32Array;
  #n = 0;
  #last: string | null = null;
  #lastCode = -1;

  constructor(rows = 1024) { this.#codes = new Int32Array(rows); }

  get length(): number { return this.#n; }

  push(s: string | null): void {
    if (this.#n === this.#codes.length) { const g = new Int32Array(this.#codes.length * 2); g.set(this.#codes); this.#codes = g; }
    if (s === null) { this.#codes[this.#n++] = -1; return; }
    if (s !== this.#last) {
      let c = this.#index.get(s);
      if (c === undefined) { c = this.#dictionary.length; this.#dictionary.push(s); this.#index.set(s, c); }
      this.#last = s;
      this.#lastCode = c;
    }
    this.#codes[this.#n++] = this.#lastCode;
  }

  /** The values pushed so far; the builder starts empty again (with a new dictionary). */
  take(): DictionaryColumn {
    const col = { dictionary: this.#dictionary, codes: this.#codes.slice(0, this.#n) };
    this.#dictionary = [];
    this.#index = new Map();
    this.#n = 0;
    this.#last = null;
    this.#lastCode = -1;
    return col;
  }
}

/** Value `i` of a dictionary column, or null. */
export function dictionaryValue(col: DictionaryColumn, i: number): string | null {
  const c = col.codes[i]!;
  return c < 0 ? null : col.dictionary[c]!;
}
