import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CATCH_UP_MAX_WAIT_SECS, CATCH_UP_SETTLE_SECS, CatchUpGate } from './catch-up-gate.js';
import { Feeder, T0, TestData } from './test-fixture.js';

/** A chart the plugin of a restarted agent defines again some time after the instance's start. */
const lateChart = (n: number): string => `CHART late.c${n} '' 'Late' things late late.c line 1 1\nDIMENSION d '' absolute 1 1\n`;

describe('catch-up gate', () => {
  it('opens at once when no database keeps samples across a restart, or when nothing is resumed', () => {
    const ram = new TestData();
    assert.equal(new CatchUpGate(ram.registry.hosts(), T0, true).open(ram.registry.hosts(), T0), true);
    const saved = new TestData([{ hostname: 'child', memoryMode: 'save' }]);
    assert.equal(new CatchUpGate(saved.registry.hosts(), T0, false).open(saved.registry.hosts(), T0), true);
  });

  it('with a save or map database, waits until no chart has been added for the settle time', () => {
    const data = new TestData([{ hostname: 'child', memoryMode: 'map' }]);
    const hosts = (): ReturnType<typeof data.registry.hosts> => data.registry.hosts();
    const gate = new CatchUpGate(hosts(), T0, true);
    assert.equal(gate.open(hosts(), T0 + 1), false);
    new Feeder(data.registry.localhost, data.clock).feed(lateChart(1));
    assert.equal(gate.open(hosts(), T0 + 2), false, 'a chart came back: the settle time starts again');
    assert.equal(gate.open(hosts(), T0 + 1 + CATCH_UP_SETTLE_SECS), false);
    assert.equal(gate.isOpen, false);
    assert.equal(gate.open(hosts(), T0 + 2 + CATCH_UP_SETTLE_SECS), true);
    assert.equal(gate.isOpen, true);
  });

  it('opens after the longest wait even while charts keep being added', () => {
    const data = new TestData([{ hostname: 'child', memoryMode: 'save' }]);
    const feeder = new Feeder(data.registry.localhost, data.clock);
    const gate = new CatchUpGate(data.registry.hosts(), T0, true);
    for (let s = 1; s < CATCH_UP_MAX_WAIT_SECS; s++) {
      feeder.feed(lateChart(s));
      assert.equal(gate.open(data.registry.hosts(), T0 + s), false, `second ${s}`);
    }
    feeder.feed(lateChart(CATCH_UP_MAX_WAIT_SECS));
    assert.equal(gate.open(data.registry.hosts(), T0 + CATCH_UP_MAX_WAIT_SECS), true);
  });
});
