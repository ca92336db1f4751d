/**
 * A set of write sequence numbers kept as ascending runs (`[from, to]` pairs): a ledger's writes are numbered one
 * after another, so a drill of any length holds a few runs, broken only where writes failed.
 */
export class SeqSet {
  /** from0, to0, from1, to1, ...: disjoint, ascending, never adjacent. */
  private readonly runs: number[] = [];
  size = 0;

  add(seq: number): void {
    const runs = this.runs;
    const last = runs.length - 1;
    // The common case: the next number of the ledger, or one after a gap.
    if (last < 0 || seq > (runs[last] as number) + 1) {
      runs.push(seq, seq);
    } else if (seq === (runs[last] as number) + 1) {
      runs[last] = seq;
    } else {
      this.insert(seq);
      return;
    }
    this.size++;
  }

  /** Every number, ascending. */
  *[Symbol.iterator](): IterableIterator<number> {
    for (let i = 0; i < this.runs.length; i += 2) {
      for (let seq = this.runs[i] as number; seq <= (this.runs[i + 1] as number); seq++) yield seq;
    }
  }

  /** A number that came late (writes finishing out of order): into its place, joining the runs it touches. */
  private insert(seq: number): void {
    const runs = this.runs;
    let i = 0;
    while (i < runs.length && (runs[i + 1] as number) < seq - 1) i += 2;
    if (i < runs.length && (runs[i] as number) <= seq && seq <= (runs[i + 1] as number)) return;
    if (i < runs.length && (runs[i] as number) - 1 <= seq) {
      runs[i] = Math.min(runs[i] as number, seq);
      runs[i + 1] = Math.max(runs[i + 1] as number, seq);
      // Filling the one gap between two runs joins them.
      if (i + 2 < runs.length && (runs[i + 2] as number) === (runs[i + 1] as number) + 1) {
        runs.splice(i + 1, 2);
      }
    } else {
      runs.splice(i, 0, seq, seq);
    }
    this.size++;
  }
}
