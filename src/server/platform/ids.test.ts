import { validate, version } from 'uuid';
import { describe, expect, it } from 'vitest';
import { newId } from './ids.ts';

describe('newId', () => {
  it('makes valid, distinct version 7 UUIDs across many pool refills', () => {
    const ids = Array.from({ length: 5000 }, () => newId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 300)) {
      expect(validate(id)).toBe(true);
      expect(version(id)).toBe(7);
    }
  });

  it('sorts in the order made, within one millisecond and when the clock steps back', () => {
    const at = Date.now() + 60_000;
    const sameMs = Array.from({ length: 1000 }, () => newId(at));
    const clockBack = [newId(at - 5), newId(at - 10)];
    const all = [...sameMs, ...clockBack];
    expect([...all].sort()).toEqual(all);
    // The time in the first 48 bits is the millisecond asked for.
    expect(Number.parseInt(sameMs[0]?.replace(/-/g, '').slice(0, 12) ?? '', 16)).toBe(at);
  });
});
