/**
 * lz4 with Debian's netdata 1.37 on 127.0.0.1, both ways (reference §11): with netdata's
 * default `enable compression = yes` the link negotiates COMPRESSION (each side's log says so),
 * the child's bytes go as netdata's lz4 frames, and the parent stores every second with the
 * child's own value: a netdata child into a Tributary parent, a Tributary child into a netdata
 * parent, and a netdata child through a Tributary proxy into a netdata parent. Skipped, with
 * the reason, when netdata is not installed.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { API_KEY, eventually, freePort, killAll, startNode } from './nodes.js';
import { netdataMissing, startNetdata, stopAllNetdata } from './netdata.js';
import { nowS, sameSeconds } from './same-seconds.js';

const missing = netdataMissing();

after(async () => {
  killAll();
  await stopAllNetdata();
});

const COMPRESSED = 'VCAPS HLABELS CLAIM CLABELS COMPRESSION FUNCTIONS REPLICATION ';

describe('lz4 with netdata 1.37', { skip: missing ?? false, concurrency: true }, () => {
  it('a netdata child streams lz4 into a Tributary parent, which stores its exact values', async () => {
    const parent = await startNode({ hostname: 'p-nd-lz4', plugin: false });
    const nd = startNetdata({
      hostname: 'nd-lz4',
      port: await freePort(),
      streamConf: `[stream]\n\tenabled = yes\n\tdestination = 127.0.0.1:${parent.port}\n\tapi key = ${API_KEY}\n` +
        '\treconnect delay seconds = 1\n\ttimeout seconds = 10\n',
    });
    await parent.waitFor(/STREAM nd-lz4 \[receive from \[127\.0\.0\.1\]:\d+\]: receiving metrics\.\.\./, 30_000);
    assert.match(parent.output(), new RegExp(`STREAM nd-lz4 \\[receive from \\[127\\.0\\.0\\.1\\]:\\d+\\]: established link with negotiated capabilities: ${COMPRESSED}\n`));
    await eventually('the child\'s log', async () => (/established link/.test(nd.log()) ? true : undefined), 10_000);
    assert.match(nd.log(), new RegExp(`STREAM nd-lz4 \\[send to 127\\.0\\.0\\.1:\\d+\\]: established link with negotiated capabilities: ${COMPRESSED}`));
    const from = nowS() + 2;
    for (const chart of ['system.uptime', 'system.cpu', 'system.ram']) {
      await sameSeconds([(p) => parent.api(p), '/host/nd-lz4'], (p) => nd.api(p), chart, from, from + 6);
    }
    assert.doesNotMatch(parent.output(), /corrupt compressed stream|disconnected/);
  });

  it('a Tributary child streams lz4 into a netdata parent (dbengine), which stores its exact values', async () => {
    const port = await freePort();
    const nd = startNetdata({
      hostname: 'nd-lz4-parent',
      port,
      memoryMode: 'dbengine',
      streamConf: `[${API_KEY}]\n\tenabled = yes\n\tdefault memory mode = dbengine\n\thealth enabled by default = no\n`,
    });
    await eventually('netdata answering', () => nd.api('/api/v1/info'), 30_000);
    const child = await startNode({ hostname: 'c-lz4-nd', sendTo: { destination: `127.0.0.1:${port}` } });
    await child.waitFor(new RegExp(`STREAM c-lz4-nd \\[send to 127\\.0\\.0\\.1:\\d+\\]: established link with negotiated capabilities: ${COMPRESSED}\n`), 20_000);
    // a netdata parent's first seconds of a new chart interpolate the incremental dimension
    const from = nowS() + 5;
    await sameSeconds([(p) => nd.api(p), '/host/c-lz4-nd'], (p) => child.api(p), 'streamtest.values', from, from + 6);
    assert.match(nd.log(), new RegExp(`STREAM c-lz4-nd \\[receive from \\[localhost\\]:\\d+\\]: established link with negotiated capabilities: ${COMPRESSED}`));
    assert.doesNotMatch(nd.log(), /STREAM_COMPRESSION|decompressor|compressed message/i);
    const sent = (await child.api('/api/v1/info')).stream.sent;
    assert.ok(sent.bytes_sent < sent.bytes_queued, `bytes on the wire ${sent.bytes_sent} < bytes queued ${sent.bytes_queued}`);
  });

  it('a netdata child streams lz4 through a Tributary proxy into a netdata parent, compressed on both links', async () => {
    const parentPort = await freePort();
    const nd = startNetdata({
      hostname: 'nd-lz4-top',
      port: parentPort,
      memoryMode: 'dbengine',
      streamConf: `[${API_KEY}]\n\tenabled = yes\n\tdefault memory mode = dbengine\n\thealth enabled by default = no\n`,
    });
    await eventually('netdata answering', () => nd.api('/api/v1/info'), 30_000);
    const proxy = await startNode({
      hostname: 'p-lz4-proxy',
      plugin: false,
      receive: `[${API_KEY}]\n\tenabled = yes\n\tdefault proxy enabled = yes\n\tdefault proxy destination = 127.0.0.1:${parentPort}\n` +
        `\tdefault proxy api key = ${API_KEY}\n`,
    });
    const source = startNetdata({
      hostname: 'nd-lz4-source',
      port: await freePort(),
      streamConf: `[stream]\n\tenabled = yes\n\tdestination = 127.0.0.1:${proxy.port}\n\tapi key = ${API_KEY}\n` +
        '\treconnect delay seconds = 1\n\ttimeout seconds = 10\n',
    });
    await proxy.waitFor(new RegExp(`STREAM nd-lz4-source \\[receive from \\[127\\.0\\.0\\.1\\]:\\d+\\]: established link with negotiated capabilities: ${COMPRESSED}\n`), 30_000);
    await proxy.waitFor(new RegExp(`STREAM nd-lz4-source \\[send to 127\\.0\\.0\\.1:${parentPort}\\]: established link with negotiated capabilities: ${COMPRESSED}\n`), 30_000);
    const from = nowS() + 3;
    await sameSeconds([(p) => nd.api(p), '/host/nd-lz4-source'], (p) => source.api(p), 'system.uptime', from, from + 6);
    assert.match(nd.log(), new RegExp(`STREAM nd-lz4-source \\[receive from \\[localhost\\]:\\d+\\]: established link with negotiated capabilities: ${COMPRESSED}`));
  });
});
