/**
 * Fan-out and active-active parents between real agents on 127.0.0.1: a child streams to two
 * parents at once (`[stream] also send to`), each link on its own, so one parent killed or
 * stalled (SIGSTOP) never holds back the other and is refilled by replication when it is back;
 * two parents that take the same children and proxy to each other are both complete after one
 * of them was killed and restarted, with no operator step, and never send a host back to the
 * node it came from. Outages are seconds long (the mechanism does not depend on their length).
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { API_KEY, freePort, killAll, restartNode, startNode, type TestNode } from './nodes.js';
import { nowS, sameSeconds, untilRow, type Api } from './same-seconds.js';

after(killAll);

const CHART = 'streamtest.values';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const api = (node: TestNode): Api => (path) => node.api(path);
/** A parent that keeps what it stored across a kill (memory mode map). */
const parent = (hostname: string, o: { port?: number; sendTo?: { destination: string }; receive?: string } = {}) =>
  startNode({ hostname, memoryMode: 'map', plugin: o.sendTo !== undefined, ...o });
/** Every second of [fromS, toS] of the test chart of `child` is at each of `parents`, with its value. */
async function completeAt(parents: TestNode[], child: TestNode, fromS: number, toS: number): Promise<void> {
  for (const p of parents) await sameSeconds([api(p), `/host/${child.hostname}`], api(child), CHART, fromS, toS);
}

describe('fan-out: one child, several parents at once', { concurrency: true }, () => {
  it('a parent killed and restarted is refilled, the other never misses a second', async () => {
    const [p1, p2] = await Promise.all([parent('fo-p1'), parent('fo-p2')]);
    const child = await startNode({
      hostname: 'fo-child', sendTo: { destination: `127.0.0.1:${p1.port}`, extra: `\talso send to = 127.0.0.1:${p2.port}\n` },
    });
    const fromS = nowS() + 5;
    await Promise.all([untilRow('p1', api(p1), '/host/fo-child', CHART, fromS), untilRow('p2', api(p2), '/host/fo-child', CHART, fromS)]);
    p1.kill();
    await p1.exited;
    const killedAt = nowS();
    await sleep(5000);
    // while p1 is away, p2 is current
    await untilRow('p2 while p1 is away', api(p2), '/host/fo-child', CHART, nowS());
    const p1back = await restartNode(p1);
    const toS = nowS() + 3;
    await completeAt([p1back, p2], child, fromS, toS);
    assert.ok(toS - killedAt >= 7, 'the outage is inside the window compared');
    // each link is its own: p2's never dropped while p1 was killed
    assert.equal(child.output().match(new RegExp(`\\[send to 127\\.0\\.0\\.1:${p2.port}\\]: established communication`, 'g'))?.length, 1);
    assert.match(child.output(), new RegExp(`\\[send to 127\\.0\\.0\\.1:${p1.port}\\]: established communication[^]*\\[send to 127\\.0\\.0\\.1:${p1.port}\\]: established communication`));
    // each link is shown on its own
    const info = (await child.api('/api/v1/info')).stream;
    assert.deepEqual([info.sent.destination, info.sent.connected], [`127.0.0.1:${p1.port}`, true]);
    assert.deepEqual(info.also_sent.map((l: any) => [l.destination, l.connected, l.connects]), [[`127.0.0.1:${p2.port}`, true, 1]]);
  });

  it('a proxy re-streams a host to two parents at once (proxy also send to), each refilled on its own', async () => {
    const [top1, top2] = await Promise.all([parent('fp-top1'), parent('fp-top2')]);
    const proxy = await startNode({
      hostname: 'fp-proxy', plugin: false,
      receive: `[${API_KEY}]\n\tenabled = yes\n\tdefault proxy enabled = yes\n\tdefault proxy destination = 127.0.0.1:${top1.port}\n` +
        `\tdefault proxy also send to = 127.0.0.1:${top2.port}\n\tdefault proxy api key = ${API_KEY}\n`,
    });
    const child = await startNode({ hostname: 'fp-child', sendTo: { destination: `127.0.0.1:${proxy.port}` } });
    const fromS = nowS() + 5;
    await Promise.all([untilRow('top1', api(top1), '/host/fp-child', CHART, fromS), untilRow('top2', api(top2), '/host/fp-child', CHART, fromS)]);
    await top2.stop();
    await sleep(4000);
    await untilRow('top1 while top2 is away', api(top1), '/host/fp-child', CHART, nowS());
    const top2back = await restartNode(top2);
    const toS = nowS() + 3;
    await completeAt([top1, top2back], child, fromS, toS);
    const sent = (await proxy.api('/host/fp-child/api/v1/info')).stream.sent;
    assert.deepEqual([sent.destination, sent.connects], [`127.0.0.1:${top1.port}`, 1], 'top1\'s link never dropped');
  });

  it('a headless collector spools per link: a parent killed and restarted is refilled from its own link\'s spool', async () => {
    const [p1, p2] = await Promise.all([parent('fh-p1'), parent('fh-p2')]);
    const child = await startNode({
      hostname: 'fh-child', memoryMode: 'none', web: false,
      sendTo: { destination: `127.0.0.1:${p1.port}`, extra: `\talso send to = 127.0.0.1:${p2.port}\n` },
    });
    const fromS = nowS() + 5;
    await Promise.all([untilRow('p1', api(p1), '/host/fh-child', CHART, fromS), untilRow('p2', api(p2), '/host/fh-child', CHART, fromS)]);
    p1.kill();
    await p1.exited;
    await sleep(5000);
    const p1back = await restartNode(p1);
    const toS = nowS() + 3;
    // p2 never missed a second, so p1 must now hold exactly what p2 holds
    const atP2: Api = (path) => p2.api(`/host/fh-child${path}`);
    await sameSeconds([api(p1back), '/host/fh-child'], atP2, CHART, fromS, toS);
    assert.equal(readdirSync(join(child.dir, 'cache', 'stream-spool')).length, 2, 'one spool per link');
    assert.match(child.output(), new RegExp(`STREAM fh-child \\[send to 127\\.0\\.0\\.1:${p1.port}\\]: established communication[^]*STREAM fh-child \\[send to 127\\.0\\.0\\.1:${p1.port}\\]: established communication`));
  });

  it('a stalled parent (SIGSTOP) does not stop the other link\'s data, and is refilled after SIGCONT', async () => {
    const [p1, p2] = await Promise.all([parent('fs-p1'), parent('fs-p2')]);
    const child = await startNode({
      hostname: 'fs-child', sendTo: { destination: `127.0.0.1:${p1.port}`, extra: `\talso send to = 127.0.0.1:${p2.port}\n` },
    });
    const fromS = nowS() + 5;
    await Promise.all([untilRow('p1', api(p1), '/host/fs-child', CHART, fromS), untilRow('p2', api(p2), '/host/fs-child', CHART, fromS)]);
    const stalledAt = nowS();
    p2.child.kill('SIGSTOP');
    try {
      // p1 keeps getting every second, promptly, all through the stall
      for (let t = stalledAt + 2; t <= stalledAt + 8; t += 2) {
        await untilRow('p1 during the stall', api(p1), '/host/fs-child', CHART, t);
        assert.ok(nowS() - t <= 6, `p1 had ${t} by ${nowS()}`);
      }
    } finally {
      p2.child.kill('SIGCONT');
    }
    const toS = nowS() + 3;
    await completeAt([p1, p2], child, fromS, toS);
  });
});

describe('active-active parents', () => {
  it('two parents proxying to each other are both complete after one was killed and restarted, with no loop', async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const peerOf = (port: number): string => `[${API_KEY}]\n\tenabled = yes\n\tdefault proxy enabled = yes\n` +
      `\tdefault proxy destination = 127.0.0.1:${port}\n\tdefault proxy api key = ${API_KEY}\n`;
    const a = await parent('aa-a', { port: portA, sendTo: { destination: `127.0.0.1:${portB}` }, receive: peerOf(portB) });
    const b = await parent('aa-b', { port: portB, sendTo: { destination: `127.0.0.1:${portA}` }, receive: peerOf(portA) });
    // one child sends to both; the other fails over from A to B, as netdata children do
    const both = await startNode({ hostname: 'aa-both', sendTo: { destination: `127.0.0.1:${portA}`, extra: `\talso send to = 127.0.0.1:${portB}\n` } });
    const failover = await startNode({ hostname: 'aa-failover', sendTo: { destination: `127.0.0.1:${portA} 127.0.0.1:${portB}` } });
    const fromS = nowS() + 5;
    for (const [p, host] of [[a, 'aa-both'], [b, 'aa-both'], [a, 'aa-failover'], [b, 'aa-failover'], [a, 'aa-b'], [b, 'aa-a']] as const) {
      await untilRow(`${p.hostname} has ${host}`, api(p), `/host/${host}`, CHART, fromS);
    }
    a.kill();
    await a.exited;
    await sleep(5000);
    const aBack = await restartNode(a);
    const toS = nowS() + 3;
    await completeAt([aBack, b], both, fromS, toS);
    await completeAt([aBack, b], failover, fromS, toS);
    // A filled what it missed of B's own charts from B
    await sameSeconds([api(aBack), '/host/aa-b'], api(b), CHART, fromS, toS);
    // the failover child is at B now: A has it from its peer, by replication
    const atA = await aBack.api('/host/aa-failover/api/v1/info');
    assert.ok(atA.stream.received.replication.points_replayed > 0, JSON.stringify(atA.stream.received));
    // no host went back where it came from, each node holds every host once, over its most
    // direct link: the child sending to both directly at both, the failover child through B at A
    const hops = async (p: TestNode): Promise<Record<string, number>> => Object.fromEntries(
      (await p.api('/api/v1/info')).mirrored_hosts_status.filter((h: any) => h.reachable).map((h: any) => [h.hostname, h.hops]));
    assert.deepEqual(await hops(aBack), { 'aa-a': 0, 'aa-b': 1, 'aa-both': 1, 'aa-failover': 2 });
    assert.deepEqual(await hops(b), { 'aa-a': 1, 'aa-b': 0, 'aa-both': 1, 'aa-failover': 1 });
    const log = a.output() + aBack.output() + b.output();
    assert.match(log, /came through this node already \(a loop of proxies\)/);
    // the pair settled: a second look shows no reconnect storm
    const links = (node: TestNode): number => (node.output().match(/established communication/g) ?? []).length;
    const before = [links(aBack), links(b), links(both), links(failover)];
    await sleep(4000);
    assert.deepEqual([links(aBack), links(b), links(both), links(failover)], before, 'no link was made again once settled');
  });
});
