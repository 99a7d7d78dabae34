/**
 * A FIFO of items in a growable ring buffer (capacity a power of two).
 * O(1) push and shift, no per-item allocation once warm.
 */
export class Queue<T> {
  private items: (T | undefined)[];
  private head = 0;
  private count = 0;
  private mask: number;

  constructor(capacity = 16) {
    let size = 1;
    while (size < capacity) size <<= 1;
    this.items = new Array<T | undefined>(size);
    this.mask = size - 1;
  }

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count > this.mask) this.grow();
    this.items[(this.head + this.count) & this.mask] = item;
    this.count++;
  }

  /** Removes and returns the oldest item, or undefined when empty. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const i = this.head;
    const item = this.items[i];
    this.items[i] = undefined;
    this.head = (i + 1) & this.mask;
    this.count--;
    return item;
  }

  /** The oldest item without removing it. */
  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  /** The newest item without removing it. */
  last(): T | undefined {
    return this.count === 0 ? undefined : this.items[(this.head + this.count - 1) & this.mask];
  }

  /** Removes every item. */
  clear(): void {
    this.items.fill(undefined);
    this.head = 0;
    this.count = 0;
  }

  /** Removes every item matching `predicate`, keeping the others in order. Returns how many went. */
  removeWhere(predicate: (item: T) => boolean): number {
    const n = this.count;
    let removed = 0;
    for (let i = 0; i < n; i++) {
      const item = this.shift() as T;
      if (predicate(item)) removed++;
      else this.push(item);
    }
    return removed;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.count; i++) yield this.items[(this.head + i) & this.mask]!;
  }

  private grow(): void {
    const size = (this.mask + 1) * 2;
    const items = new Array<T | undefined>(size);
    for (let i = 0; i < this.count; i++) items[i] = this.items[(this.head + i) & this.mask];
    this.items = items;
    this.head = 0;
    this.mask = size - 1;
  }
}
