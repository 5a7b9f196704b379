/** The fault harness's file: what it accepts, and each bad file's error naming the field. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parsePlan, DEFAULT_SLOW_DELAY_MS } from '../../demo/harness-file.js';
import { DEMO_NODE_NAMES } from '../../demo/topology.js';

const NODES = [
  { name: 'web1', role: 'headless collector', send_to: 'edge' },
  { name: 'central', role: 'central' },
  { name: 'edge', role: 'proxy with db', send_to: 'central' },
];

describe('harness file', () => {
  it('reads the demo topology with faults in time order and the defaults', () => {
    const plan = parsePlan('/x/demo.json', {
      topology: 'demo',
      faults: [{ at: 9, fault: 'slow', node: 'c', seconds: 2 }, { at: 3, fault: 'restart', node: 'h' }, { at: 5, fault: 'kill', node: 'a' }],
    });
    assert.deepEqual(plan.topology.order, DEMO_NODE_NAMES);
    assert.deepEqual(plan.faults.map((f) => [f.atSecs, f.kind, f.node, f.seconds]), [[3, 'restart', 'h', 0], [5, 'kill', 'a', null], [9, 'slow', 'c', 2]]);
    assert.equal(plan.faults[2]!.delayMs, DEFAULT_SLOW_DELAY_MS);
    assert.equal(plan.pluginsDir, null);
    assert.equal(plan.settleSecs, 120);
  });

  it('orders its own nodes receivers first, with roles, hostnames and a plugins directory beside the file', () => {
    const plan = parsePlan('/x/mine.json', { nodes: NODES, plugins: 'p.d' });
    assert.deepEqual(plan.topology.order, ['central', 'edge', 'web1']);
    assert.deepEqual(plan.topology.nodes.web1, {
      name: 'web1', hostname: 'web1', role: 'headless collector', memoryMode: 'none', web: false, sendTo: 'edge', backend: false,
    });
    assert.equal(plan.pluginsDir, '/x/p.d');
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['not an object', [], /^f\.json: the file: expected an object$/],
    ['an unknown key', { topology: 'demo', fault: [] }, /the file: unknown key "fault"/],
    ['another topology', { topology: 'mesh' }, /topology: only "demo" is known/],
    ['a missing parent', { nodes: [{ name: 'a', role: 'central', send_to: 'z' }] }, /"a" sends to "z", which is not a node/],
    ['a loop', { nodes: [{ name: 'a', role: 'central', send_to: 'b' }, { name: 'b', role: 'central', send_to: 'a' }] }, /streams in a loop/],
    ['a headless parent', { nodes: [{ name: 'a', role: 'headless collector', send_to: 'b' }, { name: 'b', role: 'headless collector' }] }, /"b", a headless collector, which takes no streams/],
    ['a bad role', { nodes: [{ name: 'a', role: 'king' }] }, /nodes\[0\]\.role: one of/],
    ['a bad name', { nodes: [{ name: 'A B', role: 'central' }] }, /nodes\[0\]\.name: 1-32 of/],
    ['an unknown fault', { faults: [{ at: 1, fault: 'melt', node: 'h' }] }, /faults\[0\]\.fault: one of "kill"/],
    ['an unknown node', { faults: [{ at: 1, fault: 'kill', node: 'z' }] }, /faults\[0\]\.node: "z" is not a node/],
    ['a pause without seconds', { faults: [{ at: 1, fault: 'pause', node: 'a' }] }, /faults\[0\]\.seconds: how long the pause lasts/],
    ['a slow top node', { faults: [{ at: 1, fault: 'slow', node: 'h', seconds: 1 }] }, /"h" sends to no parent, so it has no link to slow/],
    ['a negative time', { faults: [{ at: -1, fault: 'kill', node: 'a' }] }, /faults\[0\]\.at: an integer from 0 to 86400/],
    ['a missing time', { faults: [{ fault: 'kill', node: 'a' }] }, /faults\[0\]\.at: required/],
    ['delay on a kill', { faults: [{ at: 1, fault: 'kill', node: 'a', delay_ms: 5 }] }, /delay_ms: only for "slow"/],
    ['too many faults', { faults: Array.from({ length: 201 }, () => ({ at: 1, fault: 'kill', node: 'a' })) }, /faults: at most 200/],
  ];
  for (const [what, doc, error] of bad) {
    it(`refuses ${what}, naming the file and the field`, () => {
      assert.throws(() => parsePlan('f.json', doc), (err: Error) => err.name === 'HarnessFileError' && error.test(err.message) && err.message.startsWith('f.json: '));
    });
  }
});
