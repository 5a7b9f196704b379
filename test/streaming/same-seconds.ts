/**
 * Values compared second by second between a parent and its child through their APIs (either
 * side a Tributary or a netdata 1.37): the tests with real netdata peers share these.
 */
import assert from 'node:assert/strict';
import { eventually } from './nodes.js';

export const nowS = (): number => Math.floor(Date.now() / 1000);
/** A node's API: a path in, its JSON out. */
export type Api = (path: string) => Promise<any>;

/** `/api/v1/data` of [fromS, toS] at native resolution: time → values. */
export async function rowsOf(api: Api, prefix: string, chart: string, fromS: number, toS: number): Promise<{ labels: string[]; byTime: Map<number, Array<number | null>> }> {
  const d = await api(`${prefix}/api/v1/data?chart=${chart}&after=${fromS - 1}&before=${toS}&format=json&options=unaligned`);
  return { labels: d.labels, byTime: new Map((d.data as Array<Array<number | null>>).map(([t, ...v]) => [t as number, v])) };
}

/** Waits until `api` has a complete row of `chart` at `t`. */
export function untilRow(what: string, api: Api, prefix: string, chart: string, t: number): Promise<unknown> {
  return eventually(`${what}: ${chart} at ${t}`, async () => {
    const r = (await rowsOf(api, prefix, chart, t, t + 1)).byTime.get(t);
    return r && r.every((v) => v !== null) ? r : undefined;
  }, 40_000);
}

/** Every second of [fromS, toS] is at the parent with the child's value for it. */
export async function sameSeconds(parent: [Api, string], child: Api, chart: string, fromS: number, toS: number): Promise<void> {
  await untilRow('the parent', parent[0], parent[1], chart, toS);
  await untilRow('the child', child, '', chart, toS);
  const [p, c] = await Promise.all([rowsOf(parent[0], parent[1], chart, fromS, toS), rowsOf(child, '', chart, fromS, toS)]);
  assert.deepEqual(p.labels, c.labels, `${chart}: same dimensions`);
  for (let t = fromS; t <= toS; t++) {
    const atChild = c.byTime.get(t);
    const atParent = p.byTime.get(t);
    assert.ok(atChild && atChild.every((v) => v !== null), `${chart}: the child has ${t}`);
    assert.ok(atParent && atParent.every((v) => v !== null), `${chart}: the parent has ${t}`);
    for (let i = 0; i < atChild.length; i++) {
      const a = atParent[i] as number;
      const b = atChild[i] as number;
      assert.ok(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)), `${chart} at ${t}, ${c.labels[i + 1]}: parent ${a}, child ${b}`);
    }
  }
}
