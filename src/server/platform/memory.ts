// Heap sizing for a server whose live data is small but whose bursts (an import, an export, a
// busy minute) allocate fast. V8 lets the old generation grow to up to four times what survived the
// last full collection before it collects again: a 100,000-row import, whose live set stays near
// 70 MB, was left to reach 310 MB of mostly garbage (RSS ~480 MB). A growing factor of 1.6 collects
// sooner. It is a trade: at 1.3 the benchmark's list at 300 req/s had a p95 of 30 ms (RSS 241 MB
// at the import's peak), at 1.6 23 ms (241 MB), at 2 20 ms (287 MB), with V8's own 22 ms (~430 MB).
// docs/benchmarks.md has the figures.
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 60;

/**
 * Applies the growing factor unless the operator set one on the command line. V8 reads the flag at
 * each collection, so setting it after start takes effect from the next one.
 */
export function tuneHeap(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((arg) => arg.startsWith('--heap-growing-percent') || arg.startsWith('--heap_growing_percent')))
    return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
