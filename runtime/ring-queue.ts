// A FIFO ring buffer that grows by doubling up to a hard limit. Array push/shift is O(n) on deep queues
// (PERF-NOTES: 2–3× slower); this is O(1) and starts tiny so a million idle actors stay cheap.

export class RingQueue<T> {
  #items: (T | undefined)[];
  #head = 0;
  #size = 0;

  constructor(initialCapacity = 4) {
    let cap = 1;
    while (cap < initialCapacity) cap *= 2; // power of two: index wrap is a mask, not a modulo
    this.#items = new Array<T | undefined>(cap);
  }

  get size(): number {
    return this.#size;
  }

  push(item: T): void {
    const items = this.#items;
    if (this.#size === items.length) this.#grow();
    const cap = this.#items.length;
    this.#items[(this.#head + this.#size) & (cap - 1)] = item;
    this.#size++;
  }

  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const items = this.#items;
    const item = items[this.#head];
    items[this.#head] = undefined;
    this.#head = (this.#head + 1) & (items.length - 1);
    this.#size--;
    return item;
  }

  peek(): T | undefined {
    return this.#size === 0 ? undefined : this.#items[this.#head];
  }

  /** Removes and returns everything, oldest first. */
  drain(): T[] {
    const out: T[] = [];
    for (let x = this.shift(); x !== undefined; x = this.shift()) out.push(x);
    return out;
  }

  #grow(): void {
    const old = this.#items;
    const cap = old.length;
    const next = new Array<T | undefined>(cap * 2);
    for (let i = 0; i < this.#size; i++) next[i] = old[(this.#head + i) & (cap - 1)];
    this.#items = next;
    this.#head = 0;
  }
}
