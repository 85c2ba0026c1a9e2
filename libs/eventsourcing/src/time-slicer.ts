/**
 * Lets a long loop on the event loop's thread give way: `turn()` returns at once until `sliceMs`
 * have passed since the last time it gave way, then waits one turn of the event loop (setImmediate),
 * so that requests and timers waiting meanwhile run. A loop over millions of rows whose reads are
 * synchronous (better-sqlite3) otherwise chains only microtasks and holds the thread to its end.
 */
export class TimeSlicer {
  private last = performance.now();
  /** Times it gave way (for tests and diagnostics). */
  yields = 0;

  constructor(private readonly sliceMs = 10) {}

  async turn(): Promise<void> {
    if (performance.now() - this.last < this.sliceMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.yields += 1;
    this.last = performance.now();
  }
}
