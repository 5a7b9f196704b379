/**
 * What one iteration archives, on the standard data through the real parser and database:
 * `send hosts matching`, `send charts matching`, `send names instead of ids`, memory mode none,
 * the collection-time filter, and netdata's name sanitising.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSimplePattern } from '../config/index.js';
import type { BackendDataSource } from '../config/index.js';
import { setLogSink, type LogSink } from '../log.js';
import { formatGraphite } from './graphite.js';
import { backendName, RRD_ID_LENGTH_MAX } from './names.js';
import { IterationBuilder } from './iteration.js';
import { Selection } from './selection.js';
import { T0, TestData } from './test-fixture.js';

let logLines: string[] = [];
let previousSink: LogSink;
before(() => { previousSink = setLogSink((line) => { logLines.push(line); }); });
after(() => { setLogSink(previousSink); });

const data = new TestData([
  { hostname: 'child1', memoryMode: 'ram', tags: 'env=test' },
  { hostname: 'child2', memoryMode: 'none' },
]);
data.collectUntil(20);

function lines(options: { hosts?: string; charts?: string; names?: boolean; source?: BackendDataSource; afterS?: number }): string[] {
  const builder = new IterationBuilder({
    format: formatGraphite,
    prefix: 'netdata',
    localHostname: 'my-node',
    dataSource: options.source ?? 'as collected',
    sendNames: options.names ?? true,
    selection: new Selection(
      (name) => createSimplePattern(options.hosts ?? 'localhost *').matches(name),
      (name) => createSimplePattern(options.charts ?? '*').matches(name),
    ),
  });
  return builder.build(data.registry.hosts(), options.afterS ?? T0, T0 + 20).text.trimEnd().split('\n').filter(Boolean);
}

const hostsOf = (ls: string[]): string[] => [...new Set(ls.map((l) => l.split('.')[1]))];

describe('send hosts matching', () => {
  it('tests the local host as the word localhost, mirrored hosts by hostname', () => {
    logLines = [];
    assert.deepEqual(hostsOf(lines({ hosts: 'localhost' })), ['my-node']);
    assert.ok(logLines.some((l) => l.includes("BACKEND: enabled backend for host 'localhost'")));
    assert.ok(logLines.some((l) => l.includes("BACKEND: disabled backend for host 'child1'")));
    assert.deepEqual(hostsOf(lines({ hosts: 'node1 my-node' })), []);
    assert.deepEqual(hostsOf(lines({ hosts: '!localhost *' })), ['child1', 'child2']);
    assert.deepEqual(hostsOf(lines({ hosts: 'child*' })), ['child1', 'child2']);
    assert.deepEqual(hostsOf(lines({ hosts: 'localhost *' })), ['my-node', 'child1', 'child2']);
  });
});

describe('send charts matching', () => {
  it('matches the chart id or its name', () => {
    assert.deepEqual(lines({ hosts: 'localhost', charts: 'test.disk_space' }), [
      'netdata.my-node.test._home.avail 120 1700000020',
      'netdata.my-node.test._home.used_space 40000 1700000020',
    ]);
    assert.deepEqual(lines({ hosts: 'localhost', charts: 'test./home' }).length, 2);
    // netdata asks about the id, then the name: excluding only the id lets the name match `*`
    assert.equal(lines({ hosts: 'localhost', charts: '!test.disk_space *' }).length, 3);
    assert.deepEqual(lines({ hosts: 'localhost', charts: '!test.disk_space !test./home *' }), [
      'netdata.my-node.test.net.received 20000 1700000020',
    ]);
  });
});

describe('send names instead of ids', () => {
  it('sends ids when set to no', () => {
    assert.deepEqual(lines({ hosts: 'localhost', charts: 'test.disk_space', names: false }), [
      'netdata.my-node.test.disk_space.avail 120 1700000020',
      'netdata.my-node.test.disk_space.used 40000 1700000020',
    ]);
  });
});

describe('collection time and memory mode none', () => {
  it('sends only dimensions collected at or after the interval start', () => {
    assert.equal(lines({ afterS: T0 + 20 }).length, 5);
    assert.deepEqual(lines({ afterS: T0 + 21 }), []);
  });

  it('archives a host without a database only as collected', () => {
    assert.deepEqual(lines({ hosts: 'child2' }), ['netdata.child2.child.load.load1 1000 1700000020']);
    assert.deepEqual(lines({ hosts: 'child2', source: 'average' }), []);
    assert.deepEqual(lines({ hosts: 'child2', source: 'sum' }), []);
  });
});

describe('backendName', () => {
  it('keeps letters, digits and dots and turns every other byte into _', () => {
    assert.equal(backendName('disk_space./home'), 'disk_space._home');
    assert.equal(backendName('used space'), 'used_space');
    assert.equal(backendName('a-b:c=d'), 'a_b_c_d');
    // é is two UTF-8 bytes, so two underscores, as netdata's byte loop writes
    assert.equal(backendName('café'), 'caf__');
  });

  it('cuts names at netdata\'s id length', () => {
    assert.equal(backendName('x'.repeat(300)), 'x'.repeat(RRD_ID_LENGTH_MAX));
  });
});
