import { describe, expect, it } from 'vitest';
import { serverEnv } from '../../../scripts/server-env.mjs';
import { tuneHeap } from './memory.ts';

describe('memory tuning', () => {
  it('leaves a growing factor set on the command line alone', () => {
    expect(tuneHeap(['--heap-growing-percent=80'])).toBe(false);
    expect(tuneHeap(['--inspect', '--heap_growing_percent=80'])).toBe(false);
  });

  it('sets the growing factor otherwise', () => {
    expect(tuneHeap([])).toBe(true);
    expect(tuneHeap(['--max-old-space-size=512'])).toBe(true);
  });

  it('starts the server with a fixed malloc threshold unless the operator chose one', () => {
    expect(serverEnv({}).MALLOC_MMAP_THRESHOLD_).toBe('131072');
    expect(serverEnv({ MALLOC_MMAP_THRESHOLD_: '65536', PORT: '1' })).toMatchObject({
      MALLOC_MMAP_THRESHOLD_: '65536',
      PORT: '1',
    });
  });
});
