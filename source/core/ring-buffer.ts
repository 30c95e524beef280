/** Keeps the last `capacity` items; O(1) push, so a flood of output costs nothing but the drop. */
export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private start = 0;
  private count = 0;
  /** Items ever pushed, so readers can tell whether anything changed since they last looked. */
  total = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }

  push(item: T): void {
    this.total++;
    if (this.count < this.capacity) {
      this.items[(this.start + this.count++) % this.capacity] = item;
    } else {
      this.items[this.start] = item;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  get size(): number {
    return this.count;
  }

  /** The last `n` items (all by default), oldest first. */
  tail(n = this.count): T[] {
    const take = Math.min(n, this.count);
    const out: T[] = [];
    for (let i = this.count - take; i < this.count; i++) out.push(this.items[(this.start + i) % this.capacity]!);
    return out;
  }
}
