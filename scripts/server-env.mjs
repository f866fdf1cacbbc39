// The environment the server process starts with, beyond the operator's own: `npm start` and the
// benchmarks use it, and docs/operations.md asks production deployments to set the same.
//
// MALLOC_MMAP_THRESHOLD_: glibc serves allocations of 128 KB and up with their own mappings, which
// go back to the system when freed, but it raises that threshold to the size of every such block
// freed (up to 32 MB). One 6 MB upload or a few 200 KB protocol buffers later, every buffer below
// that size comes from the main heap, which fragments and never shrinks: a 100,000-row import
// left 85 MB there for good. A fixed threshold keeps large buffers in their own mappings
// (measured: 85 MB -> 6 MB left in the main heap after the import, RSS 430 -> 207 MB). glibc reads
// it only at process start, so the server cannot set it for itself.
//
// Setting the threshold at all turns the raising off; 128 KB is glibc's own starting value, so the
// 64 KB socket read buffers stay on the heap's free lists as before.
export const SERVER_ENV = { MALLOC_MMAP_THRESHOLD_: '131072' };

/** The operator's environment wins over ours. */
export const serverEnv = (env = process.env) => ({ ...SERVER_ENV, ...env });
