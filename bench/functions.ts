/**
 * Function calls through the stream next to the same calls made locally, between real agents
 * on 127.0.0.1: a child runs the fixture functions.plugin and streams to a parent. The same
 * `fn-fast` call is made CALLS times one after another, then CALLS times CONCURRENT at once,
 * at the child (`/api/v1/function`) and at the parent (`/host/CHILD/api/v1/function`, down the
 * link and back). Prints the median and 95th percentile latency and calls per second of each,
 * so the stream's cost is the difference between the two rows.
 *
 * Run: npx tsc -p . && node dist/bench/functions.js
 */
import { eventually, removeAllNodes, startNode, type TestNode } from '../test/streaming/nodes.js';

const CALLS = 300;
const CONCURRENT = 16;

async function once(port: number, path: string): Promise<number> {
  const started = process.hrtime.bigint();
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  const body = await res.text();
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

async function measure(label: string, node: TestNode, prefix: string): Promise<void> {
  const path = `${prefix}/api/v1/function?function=fn-fast%20bench`;
  for (let i = 0; i < 20; i++) await once(node.port, path);
  const sequential: number[] = [];
  let started = Date.now();
  for (let i = 0; i < CALLS; i++) sequential.push(await once(node.port, path));
  const sequentialSecs = (Date.now() - started) / 1000;
  started = Date.now();
  const concurrent: number[] = [];
  for (let i = 0; i < CALLS; i += CONCURRENT) {
    concurrent.push(...await Promise.all(Array.from({ length: CONCURRENT }, () => once(node.port, path))));
  }
  const concurrentSecs = (Date.now() - started) / 1000;
  sequential.sort((a, b) => a - b);
  concurrent.sort((a, b) => a - b);
  console.log(`${label.padEnd(24)} one at a time: median ${percentile(sequential, 0.5).toFixed(2)} ms, p95 ` +
    `${percentile(sequential, 0.95).toFixed(2)} ms, ${(CALLS / sequentialSecs).toFixed(0)} calls/s; ` +
    `${CONCURRENT} at once: median ${percentile(concurrent, 0.5).toFixed(2)} ms, ${(CALLS / concurrentSecs).toFixed(0)} calls/s`);
}

async function main(): Promise<void> {
  const parent = await startNode({ hostname: 'bench-fn-parent', plugin: false });
  const child = await startNode({
    hostname: 'bench-fn-child', plugin: false, fixturePlugins: ['functions.plugin'],
    sendTo: { destination: `127.0.0.1:${parent.port}` },
    extraConf: '[plugin:functions]\n\tcommand options = local\n',
  });
  await eventually('the child\'s functions at the parent', async () =>
    (await parent.api('/host/bench-fn-child/api/v1/functions'))['fn-fast'], 20_000);
  console.log(`fn-fast of functions.plugin, ${CALLS} calls each:`);
  await measure('at the child (local)', child, '');
  await measure('at the parent (stream)', parent, '/host/bench-fn-child');
  await child.stop();
  await parent.stop();
}

main().catch((err) => { console.error(err); process.exitCode = 1; }).finally(removeAllNodes);
