import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { limiter, mapLimit } from '../../src/concurrency.js';

test('limiter never runs more than its limit, even when tasks arrive as others finish', async () => {
  const gate = limiter(2);
  let running = 0;
  let peak = 0;
  const started: number[] = [];
  const task = (i: number) => async () => {
    started.push(i);
    running++;
    peak = Math.max(peak, running);
    await sleep(i % 3);
    running--;
    // A newcomer arriving while a slot is handed over must wait its turn.
    if (i < 5) void gate(task(100 + i));
    return i;
  };
  const results = await Promise.all(Array.from({ length: 8 }, (_, i) => gate(task(i))));
  await sleep(20);
  assert.deepEqual(results, [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(peak, 2);
  assert.deepEqual(started.slice(0, 8), [0, 1, 2, 3, 4, 5, 6, 7], 'first come, first served');
});

test('limiter passes a failure to its caller and frees the slot', async () => {
  const gate = limiter(1);
  await assert.rejects(
    gate(async () => Promise.reject(new Error('no'))),
    /no/,
  );
  assert.equal(await gate(async () => 'next'), 'next');
});

test('mapLimit keeps the order of items and the bound', async () => {
  let running = 0;
  let peak = 0;
  const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n, i) => {
    running++;
    peak = Math.max(peak, running);
    await sleep(n);
    running--;
    return `${i}:${n}`;
  });
  assert.deepEqual(out, ['0:5', '1:1', '2:4', '3:2', '4:3']);
  assert.equal(peak, 2);
});

test('mapLimit starts nothing new after a failure, lets the running finish, then throws the first error', async () => {
  const started: number[] = [];
  const finished: number[] = [];
  await assert.rejects(
    mapLimit([0, 1, 2, 3, 4], 2, async (n) => {
      started.push(n);
      if (n === 0) throw new Error('item 0 failed');
      await sleep(5);
      finished.push(n);
    }),
    /item 0 failed/,
  );
  assert.deepEqual(started, [0, 1]);
  assert.deepEqual(finished, [1]);
});

test('mapLimit over nothing returns nothing', async () => {
  assert.deepEqual(await mapLimit([], 4, async () => 1), []);
});
