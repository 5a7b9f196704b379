/**
 * One machine GUID, one child: a second connection with the GUID of a child streaming from
 * 127.0.0.1 that comes from 127.0.0.2 is refused, logged and raised as `machine_guid_conflict`
 * naming both addresses, and the first child's data goes on untouched; a child killed (-9) and
 * restarted at once streams again within 2 s; a session that went silent is taken over by a
 * reconnect from its address after two update every intervals, not 30 s, while a connection
 * from another address is still refused.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { ERROR_ALREADY_STREAMING, PROMPT_V1 } from '../../src/streaming/index.js';
import { connect, logLines, request, startParent, type Parent } from './in-process.js';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '../support/agent-process.js';
import { API_KEY, dataRows, eventually, killAll, newGuid, startNode } from './nodes.js';
import { ARG, notificationRecorder } from './notification-recorder.js';

const recorder = notificationRecorder('p-ident');
const parents: Parent[] = [];
const restarted = new Set<RunningAgent>();
/** The nodes' directories, removed when the file ends. */
const dirs: string[] = [];
after(async () => {
  killAll();
  for (const agent of restarted) agent.kill();
  recorder.remove();
  for (const p of parents) await p.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const CONFLICT = 'netdata.streaming.machine_guid_conflict';
/** How soon a restarted child must stream again, counted from its start. */
const RESTREAM_WITHIN_MS = 2000;

/** A version-1 STREAM request for `guid`. */
function streamRequest(guid: string, hostname: string): string {
  return request({ key: API_KEY, hostname, machine_guid: guid, update_every: '1', os: 'linux' });
}

describe('machine GUID identity', () => {
  it('refuses the GUID of a streaming child from another address, raises the conflict, and leaves the child alone', async () => {
    const parent = await startNode({
      hostname: 'p-ident', plugin: false,
      extraConf: `[health]\n\tenabled = yes\n\trun at least every seconds = 1\n\tscript to execute on alarm = ${recorder.script}\n`,
    });
    const child = await startNode({ hostname: 'c-ident', sendTo: { destination: `127.0.0.1:${parent.port}` } });
    dirs.push(parent.dir, child.dir);
    await child.waitFor('established communication - sending metrics...');
    await eventually('data at the parent', async () => ((await dataRows(parent, '/host/c-ident', 'streamtest.values', -5)).rows.length >= 3 ? true : undefined));

    const clone = await connect(parent.port, streamRequest(child.guid, 'c-clone'), '127.0.0.2');
    await clone.closed;
    const refusedS = Math.floor(Date.now() / 1000);
    assert.equal(clone.received(), ERROR_ALREADY_STREAMING, 'the clone gets netdata\'s already-streaming reply');
    await parent.waitFor(new RegExp(`STREAM c-clone \\[receive from \\[127\\.0\\.0\\.2\\]:\\d+\\]: machine GUID '${child.guid}' is already ` +
      'streaming here from 127\\.0\\.0\\.1:\\d+ \\(last data \\d+ seconds ago\\); refusing this connection from 127\\.0\\.0\\.2:\\d+'));

    const alarm = await eventually('the conflict alarm', async () => {
      const body = await parent.api('/host/c-ident/api/v1/alarms');
      return body.alarms?.[CONFLICT];
    });
    assert.equal(alarm.status, 'CRITICAL');
    assert.match(alarm.info, new RegExp(`^machine GUID ${child.guid} of c-ident streams from 127\\.0\\.0\\.1:\\d+; ` +
      'a second connection with it from 127\\.0\\.0\\.2:\\d+ was refused'));
    const call = await eventually('the conflict notification', async () =>
      recorder.calls().find((c) => c[ARG.name] === 'machine_guid_conflict'));
    assert.deepEqual([call[ARG.host], call[ARG.status]], ['c-ident', 'CRITICAL']);
    assert.match(call[ARG.info]!, /from 127\.0\.0\.1:\d+; a second connection with it from 127\.0\.0\.2:\d+ was refused/);

    // the first child's data: every second since before the refusal, counter +1 each, same host
    await new Promise((r) => setTimeout(r, 3000));
    const { labels, rows } = await dataRows(parent, '/host/c-ident', 'streamtest.values', -10);
    const counter = labels.indexOf('counter');
    assert.ok(rows.some((r) => r[0]! < refusedS) && rows.some((r) => r[0]! > refusedS + 1),
      `rows from before and after the refusal at ${refusedS}: ${JSON.stringify(rows)}`);
    for (let i = 1; i < rows.length; i++) {
      assert.equal(rows[i - 1]![0]! - rows[i]![0]!, 1, `a row every second: ${JSON.stringify(rows)}`);
      assert.equal(rows[i - 1]![counter]! - rows[i]![counter]!, 1, `counter steps by one: ${JSON.stringify(rows)}`);
    }
    const info = await parent.api('/api/v1/info');
    assert.deepEqual(info.mirrored_hosts.sort(), ['c-ident', 'p-ident'], 'the clone never became a host');
    assert.match(child.output(), /established communication/);
    assert.doesNotMatch(child.output(), /disconnected|already streaming/, 'the first child\'s link never dropped');
    await child.stop();
    await parent.stop();
  });

  it('streams a child killed -9 and restarted at once again within 2 s', async () => {
    const parent = await startNode({ hostname: 'p-restart', plugin: false });
    const child = await startNode({ hostname: 'c-restart', sendTo: { destination: `127.0.0.1:${parent.port}` } });
    dirs.push(parent.dir, child.dir);
    await child.waitFor('established communication - sending metrics...');
    child.child.kill('SIGKILL');
    await child.exited;
    // the same node again (directory, GUID), watched from its first line: its start-up is not the parent's
    const startedMs = Date.now();
    const again = startAgent(['-c', join(child.dir, 'netdata.conf'), '-D'], 'c-restart again');
    restarted.add(again);
    const seen = (text: string): Promise<number> => again.waitFor(text).then(() => Date.now());
    const [connectingMs, streamingMs] = await Promise.all([seen('connecting...'), seen('established communication - sending metrics...')]);
    console.log(`# restarted child: first connection ${connectingMs - startedMs} ms after its start, streaming ${streamingMs - connectingMs} ms after that`);
    assert.ok(streamingMs - connectingMs <= RESTREAM_WITHIN_MS, `streaming again ${streamingMs - connectingMs} ms after its first connection`);
    assert.doesNotMatch(again.output(), /already streaming/);
    await eventually('new data at the parent', async () => {
      const { rows } = await dataRows(parent, '/host/c-restart', 'streamtest.values', -1);
      return rows.length > 0 && rows[0]![0]! * 1000 >= streamingMs - 1000 ? true : undefined;
    });
    again.child.kill('SIGTERM');
    await again.exited;
    await parent.stop();
  });

  it('takes a silent session over from its own address after two update every intervals, never from another', async () => {
    const p = await startParent(`[${API_KEY}]\n\tenabled = yes\n`);
    parents.push(p);
    const guid = newGuid();
    const first = await connect(p.port, streamRequest(guid, 'c-silent-session'));
    assert.equal(await first.reply(PROMPT_V1.length), PROMPT_V1);
    // two intervals of 1 s without a byte: dead (netdata would refuse for 30 s)
    await new Promise((r) => setTimeout(r, 2200));
    const clone = await connect(p.port, streamRequest(guid, 'c-silent-session'), '127.0.0.2');
    await clone.closed;
    assert.equal(clone.received(), ERROR_ALREADY_STREAMING, 'another address is refused even so');
    assert.ok(logLines().some((l) => l.includes(`machine GUID '${guid}' is already streaming here from 127.0.0.1:`)));
    const again = await connect(p.port, streamRequest(guid, 'c-silent-session'));
    assert.equal(await again.reply(PROMPT_V1.length), PROMPT_V1, 'the same address takes over');
    await first.closed;
    assert.ok(logLines().some((l) => /the previous connection of this host is dead: it sent nothing for 2 seconds/.test(l)));
    assert.equal(p.registry.find(guid)!.stream.connected, true);
    again.socket.destroy();
  });
});
