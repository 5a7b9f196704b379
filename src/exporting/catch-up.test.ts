import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { finalBeforeS, MAX_STEPS_PER_ITERATION, resumeAfterS, stepsUntil } from './catch-up.js';
import { MemoryQueue } from './batch-queue.js';
import { storedWindow } from './stored-value.js';
import { T0, TestData } from './test-fixture.js';

/** Collections of the standard data set (T0 + 0 … T0 + LAST_K). */
const LAST_K = 40;

/** The seconds the windows of `steps` read for the local disk chart, in order. */
function coveredSeconds(data: TestData, steps: ReturnType<typeof stepsUntil>): number[] {
  const chart = data.registry.localhost.charts.get('test.disk_space')!;
  const out: number[] = [];
  for (const step of steps) {
    const w = storedWindow(chart, step.afterS, step.beforeS);
    if (w) for (let s = w.firstS; s <= w.lastS; s++) out.push(s);
  }
  return out;
}

describe('catch-up steps', () => {
  it('cover every stored second once, from the oldest entry to the newest at a final iteration', () => {
    const data = new TestData();
    data.collectUntil(LAST_K);
    const chart = data.registry.localhost.charts.get('test.disk_space')!;
    const hosts = data.registry.hosts();
    // resumed long before the database's oldest entry: the steps start at that entry
    const steps = stepsUntil(hosts, T0 - 10_000, finalBeforeS(hosts, T0 + LAST_K), 1);
    assert.equal(steps[0]!.afterS, chart.firstEntryS());
    steps.slice(1).forEach((s, i) => assert.equal(s.afterS, steps[i]!.beforeS, 'consecutive steps meet'));
    const expected: number[] = [];
    for (let s = chart.firstEntryS(); s <= chart.lastEntryS(); s++) expected.push(s);
    assert.deepEqual(coveredSeconds(data, steps), expected);
  });

  it('runs at most MAX_STEPS_PER_ITERATION steps at a time and goes on from there', () => {
    const data = new TestData();
    data.collectUntil(LAST_K);
    const hosts = data.registry.hosts();
    const untilS = T0 + Math.floor(MAX_STEPS_PER_ITERATION * 1.5);
    const first = stepsUntil(hosts, T0, untilS, 1);
    assert.equal(first.length, MAX_STEPS_PER_ITERATION);
    const rest = stepsUntil(hosts, first.at(-1)!.beforeS, untilS, 1);
    assert.equal(rest[0]!.afterS, first.at(-1)!.beforeS);
    assert.equal(rest.at(-1)!.beforeS, untilS);
  });

  it('resumes where every queue recorded, else from now', () => {
    const memory = new MemoryQueue(10, () => {});
    assert.equal(resumeAfterS([memory], T0), T0);
    const recorded = (s: number): { resumeAfterS: number } => ({ resumeAfterS: s });
    assert.equal(resumeAfterS([recorded(T0 - 50), recorded(T0 - 20)], T0), T0 - 50);
    assert.equal(resumeAfterS([recorded(T0 - 50), memory], T0), T0);
  });
});
