/**
 * `foreach` (one alarm per dimension, netdata 1.37 templates) and `host labels`: the parser reads
 * them, a template makes `<name>_<dimension>` alarms whose lookup covers their own dimension
 * (also for dimensions that come later), a definition applies only to hosts whose labels match,
 * and the stock files of Debian's netdata that use them load and attach.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHealthConfig } from './config-parser.js';
import { createHealth } from './index.js';
import type { Chart } from '../database/index.js';
import { defineChart, feed, tempDir, testConfig, testRegistry } from './test-fixture.js';

const DEBIAN_STOCK_HEALTH = '/usr/lib/netdata/conf.d/health.d';
/** The stock files of netdata 1.37 that use `foreach` or `host labels`. */
const STOCK_FILES = ['adaptec_raid.conf', 'anomalies.conf', 'megacli.conf', 'ram.conf'];

interface AlarmJson { name: string; chart: string; value: number | null; lookup_dimensions?: string }

/** Health on a fresh registry with `conf` as the user health.d, the clock at `nowS`. */
function healthWith(conf: string, labels: Record<string, string> = {}) {
  const root = tempDir();
  const config = testConfig(root, { 'run at least every seconds': '1' });
  writeFileSync(join(root, 'etc', 'health.d', 'test.conf'), `${conf}\n`);
  const registry = testRegistry();
  registry.localhost.replaceLabels(new Map(Object.entries(labels).map(([k, v]) => [k, { value: v, source: 1 }])));
  const clock = { nowS: 1000 };
  const health = createHealth(config, { registry, now: () => clock.nowS * 1000 });
  const alarms = (): Record<string, AlarmJson> =>
    (health.alarmsJson(registry.localhost, true) as { alarms: Record<string, AlarmJson> }).alarms;
  /** Collects one row per second on `chart` from the clock's time on, running health after each. */
  const steps = async (chart: Chart, rows: number[][]): Promise<void> => {
    for (const row of rows) {
      feed(chart, clock.nowS, [row]);
      await health.runOnce();
      clock.nowS++;
    }
  };
  return { root, registry, health, clock, alarms, steps, done: () => rmSync(root, { recursive: true, force: true }) };
}

describe('health.d foreach and host labels: parser', () => {
  it('reads foreach after the lookup or its of list, and host labels without spaces around =', () => {
    const { definitions, errors } = parseHealthConfig([
      'template: t1', 'on: c.one', 'lookup: max -10s foreach *', 'every: 10s', 'crit: $this > 0',
      'template: t2', 'on: c.two', 'lookup: average -1m unaligned of a,b foreach a|b', 'every: 1m', 'warn: $this > 1',
      'host labels: _is_k8s_node = false role=db',
    ].join('\n'), 'x.conf');
    assert.deepEqual(errors, []);
    assert.deepEqual(definitions.map((d) => [d.lookup?.dimensions, d.lookup?.foreach, d.hostLabels]),
      [[null, '*', null], ['a,b', 'a|b', '_is_k8s_node=false role=db']]);
  });

  it('ignores foreach on an alarm, saying so', () => {
    const { definitions, errors } = parseHealthConfig(
      'alarm: a1\non: c.one\nlookup: max -10s foreach *\nevery: 10s\ncrit: $this > 0\n', 'x.conf');
    assert.equal(definitions[0]?.lookup?.foreach, null);
    assert.deepEqual(errors.map((e) => e.message), ["x.conf:3: [alarm a1] 'lookup': 'foreach' applies only to templates, ignoring it"]);
  });
});

describe('health.d foreach and host labels: alarms', () => {
  it('makes one alarm per matching dimension, each on its own dimension, later dimensions too', async () => {
    const h = healthWith('template: per_dim\non: test.multi\nlookup: max -1s foreach alpha|b\nevery: 1s\nwarn: $this > 15\n');
    try {
      h.health.start();
      const chart = defineChart(h.registry.localhost, 'test.multi', ['a:alpha', 'b:beta', 'c']);
      await h.steps(chart, [[10, 20, 30], [10, 20, 30], [10, 20, 30]]);
      const alarms = h.alarms();
      assert.deepEqual(Object.keys(alarms).sort(), ['test.multi.per_dim_alpha', 'test.multi.per_dim_beta'],
        'dimension a by name, b by id; c does not match');
      assert.equal(alarms['test.multi.per_dim_alpha']!.value, 10);
      assert.equal(alarms['test.multi.per_dim_beta']!.value, 20);

      chart.defineDimension({ id: 'b2', name: 'b2', algorithm: 'absolute', multiplier: 1, divisor: 1,
        options: { hidden: false, noReset: false, obsolete: false } });
      await h.steps(chart, [[10, 20, 30, 40]]);
      assert.ok(!('test.multi.per_dim_b2' in h.alarms()), 'b2 does not match alpha|b');
    } finally {
      await h.health.stop();
      h.done();
    }
  });

  it('links a foreach template when the chart gets its first dimension after its definition', async () => {
    const h = healthWith('template: late\non: test.late\nlookup: max -1s foreach *\nevery: 1s\nwarn: $this > 15\n');
    try {
      h.health.start();
      const chart = defineChart(h.registry.localhost, 'test.late', []);
      await h.steps(chart, [[]]);
      assert.deepEqual(Object.keys(h.alarms()), [], 'no dimension, no alarm');
      chart.defineDimension({ id: 'x', name: 'x', algorithm: 'absolute', multiplier: 1, divisor: 1,
        options: { hidden: false, noReset: false, obsolete: false } });
      await h.steps(chart, [[5], [5]]);
      assert.deepEqual(Object.keys(h.alarms()), ['test.late.late_x']);
    } finally {
      await h.health.stop();
      h.done();
    }
  });

  it('applies a definition with host labels only to hosts with a matching label', async () => {
    const conf = 'alarm: labelled\non: test.one\ncalc: 1\nevery: 1s\nhost labels: role = db\n';
    for (const [labels, attached] of [[{ role: 'db' }, true], [{ role: 'web' }, false], [{}, false]] as const) {
      const h = healthWith(conf, labels);
      try {
        h.health.start();
        await h.steps(defineChart(h.registry.localhost, 'test.one', ['a']), [[1]]);
        assert.equal('test.one.labelled' in h.alarms(), attached, JSON.stringify(labels));
      } finally {
        await h.health.stop();
        h.done();
      }
    }
  });
});

describe("Debian netdata's stock files with foreach and host labels", () => {
  const skip = existsSync(DEBIAN_STOCK_HEALTH) ? false : `${DEBIAN_STOCK_HEALTH} is absent (netdata not installed)`;

  it('load without errors, with their foreach and host labels', { skip }, () => {
    let foreach = 0;
    let hostLabels = 0;
    for (const name of STOCK_FILES) {
      const file = join(DEBIAN_STOCK_HEALTH, name);
      const { definitions, errors } = parseHealthConfig(readFileSync(file, 'utf8'), file);
      assert.deepEqual(errors.map((e) => e.message), [], name);
      foreach += definitions.filter((d) => d.lookup?.foreach).length;
      hostLabels += definitions.filter((d) => d.hostLabels).length;
    }
    assert.deepEqual([foreach, hostLabels], [7, 1], '7 foreach templates and the oom_kill alarm');
  });

  it('attach per dimension (anomalies) and by host label (oom_kill)', { skip }, async () => {
    const stock = ['anomalies.conf', 'ram.conf'].map((n) => readFileSync(join(DEBIAN_STOCK_HEALTH, n), 'utf8')).join('\n');
    for (const [k8s, oom] of [['false', true], ['true', false]] as const) {
      const h = healthWith(stock, { _is_k8s_node: k8s });
      try {
        h.health.start();
        const anomalies = defineChart(h.registry.localhost, 'anomalies.probability', ['cpu_anomaly', 'ram_anomaly'],
          { context: 'anomalies.probability' });
        const oomKill = defineChart(h.registry.localhost, 'mem.oom_kill', ['kills'], { context: 'mem.oom_kill' });
        feed(oomKill, h.clock.nowS, [[0]]);
        await h.steps(anomalies, [[1, 2]]);
        const names = Object.values(h.alarms()).map((a) => a.name).sort();
        assert.ok(names.includes('anomalies_anomaly_probabilities_cpu_anomaly'), names.join(' '));
        assert.ok(names.includes('anomalies_anomaly_probabilities_ram_anomaly'), names.join(' '));
        assert.equal(names.includes('oom_kill'), oom, `_is_k8s_node=${k8s}: ${names.join(' ')}`);
      } finally {
        await h.health.stop();
        h.done();
      }
    }
  });
});
