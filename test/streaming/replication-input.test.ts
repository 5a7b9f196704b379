/**
 * Bad replication input over real sockets (DESIGN "Bad input", reference §2.8). A raw child
 * negotiates replication with a real Tributary parent (ver=16376, as netdata 1.37 offers) and
 * sends refused points, then R* lines that break the protocol; a raw parent sends bad
 * REPLAY_CHART lines to a real Tributary child. Each side logs a clear error naming its peer,
 * refuses the line or closes the link, and what was stored stays queryable.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { connect, request, until, type RawClient } from './in-process.js';
import { API_KEY, killAll, newGuid, startNode, type TestNode } from './nodes.js';

after(killAll);

const CHART_ID = 'rin.values';
const DEFINITION = `CHART "${CHART_ID}" "" "Replication input" "n" "rin" "${CHART_ID}" "line" 1000 1 "   " "rin.plugin" ""\n` +
  'DIMENSION "a" "a" "absolute" 1 1 "  "\nDIMENSION "b" "b" "absolute" 1 1 "  "\n';

function nowS(): number {
  return Math.floor(Date.now() / 1000);
}

/** A raw child of `parent` on a link with replication; resolves after the prompt. */
async function rawChild(parent: TestNode, hostname: string, guid: string): Promise<{ client: RawClient; tag: RegExp; port: number }> {
  const client = await connect(parent.port, request({ key: API_KEY, hostname, machine_guid: guid, update_every: '1', os: 'linux', ver: '16376' }));
  const prompt = await waitForText(client, /Hit me baby, push them over with the version=\d+/);
  assert.match(prompt, /version=(\d+)/);
  const version = Number(/version=(\d+)/.exec(prompt)![1]);
  assert.ok((version & (1 << 12)) !== 0, `REPLICATION negotiated (${version})`);
  const port = client.socket.localPort!;
  return { client, port, tag: new RegExp(`STREAM ${hostname} \\[receive from \\[127\\.0\\.0\\.1\\]:${port}\\]`) };
}

/** Resolves with what the client received once it matches `pattern` (the server's bytes). */
async function waitForText(client: RawClient, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  await until(`${pattern}`, () => pattern.test(client.received()) || client.socket.destroyed, timeoutMs);
  const text = client.received();
  assert.match(text, pattern);
  return text;
}

/** The definition and CHART_DEFINITION_END; resolves with the REPLAY_CHART it drew. */
async function define(client: RawClient, firstS: number, lastS: number): Promise<{ start: boolean; afterS: number; beforeS: number }> {
  const before = client.received().length;
  client.socket.write(`${DEFINITION}CHART_DEFINITION_END ${firstS} ${lastS} ${nowS()}\n`);
  const pattern = /REPLAY_CHART "rin\.values" "(true|false)" (\d+) (\d+)\n/;
  await until('REPLAY_CHART', () => pattern.test(client.received().slice(before)));
  const m = pattern.exec(client.received().slice(before))!;
  return { start: m[1] === 'true', afterS: Number(m[2]), beforeS: Number(m[3]) };
}

function point(endS: number, a: number, b: number, childNowS: number, startS = endS - 1): string {
  return `RBEGIN '' ${startS} ${endS} ${childNowS}\nRSET "a" ${a.toFixed(7)} ""\nRSET "b" ${b.toFixed(7)} ""\n`;
}

/** `/api/v1/data` of the chart at native resolution: time → [a, b] (null = no value). */
async function stored(parent: TestNode, hostname: string, afterS: number, beforeS: number): Promise<Map<number, Array<number | null>>> {
  const d = await parent.api(`/host/${hostname}/api/v1/data?chart=${CHART_ID}&after=${afterS}&before=${beforeS}&format=json`);
  assert.deepEqual(d.labels, ['time', 'a', 'b']);
  return new Map((d.data as Array<[number, number | null, number | null]>).map(([t, ...v]) => [t, v]));
}

/** Waits for the parent's line that the link of `tag` ended, and returns it. */
async function disconnected(parent: TestNode, tag: RegExp): Promise<string> {
  const line = new RegExp(`ERROR: ${tag.source}: disconnected \\(completed \\d+ updates\\): .*\n`);
  await parent.waitFor(line, 10_000);
  return line.exec(parent.output())![0];
}

describe('a parent taking bad replication input from a raw child', () => {
  it('refuses bad points with a clear error, closes the link on broken R* lines, and keeps what it stored', async () => {
    const parent = await startNode({ hostname: 'p-rin', plugin: false });
    const hostname = 'c-rin';
    const guid = newGuid();
    const base = nowS();

    // 1. a good answer with refused points among its good ones
    const one = await rawChild(parent, hostname, guid);
    const asked = await define(one.client, base - 100, base - 1);
    assert.deepEqual(asked, { start: true, afterS: base - 100, beforeS: base - 1 });
    let answer = `RBEGIN "${CHART_ID}"\n`;
    for (let t = base - 60; t <= base - 51; t++) answer += point(t, t - base + 100, 7, base);
    answer += point(base + 100, 666, 666, base); // in the future of the child's clock
    answer += point(base - 45, 666, 666, base, base - 45); // its end is not after its start
    answer += point(base - 100, 666, 666, base); // at `after`: outside the window asked for
    answer += `REND 1 ${base - 100} ${base - 1} true ${asked.afterS} ${asked.beforeS} ${base}\n`;
    one.client.socket.write(answer);
    await parent.waitFor(/replication finished: 1 charts, 10 points replayed/);
    const log = parent.output();
    assert.match(log, new RegExp(`ERROR: ${one.tag.source}: REPLAY ERROR: chart 'rin\\.values': RBEGIN from ${base + 99} to ${base + 100} is in the future of the child's clock \\(${base}, tolerance 2 s\\); its RSET values are ignored\\.`));
    assert.match(log, new RegExp(`ERROR: ${one.tag.source}: REPLAY ERROR: chart 'rin\\.values': RBEGIN from ${base - 45} to ${base - 45} has invalid timestamps`));
    assert.match(log, new RegExp(`ERROR: ${one.tag.source}: REPLAY ERROR: chart 'rin\\.values': RBEGIN from ${base - 101} to ${base - 100} is outside the window asked for \\(${base - 100} to ${base - 1}\\)`));
    assert.equal(one.client.socket.destroyed, false, 'refused points leave the link up');

    const expectStored = async (when: string): Promise<void> => {
      const rows = await stored(parent, hostname, base - 70, base - 41);
      // /api/v1/data leaves out the chart's oldest slot (base - 60), as netdata's window does
      for (let t = base - 59; t <= base - 51; t++) assert.deepEqual(rows.get(t), [t - base + 100, 7], `${when}: ${t}`);
      for (const t of [base - 45, base - 50]) assert.deepEqual(rows.get(t) ?? [null, null], [null, null], `${when}: nothing at ${t}`);
    };
    await expectStored('after the refusals');

    // 2. an answer for a chart whose replication finished: the link is closed
    one.client.socket.write(`RBEGIN "${CHART_ID}"\n`);
    await one.client.closed;
    assert.match(await disconnected(parent, one.tag),
      /line \d+: RBEGIN for chart "rin\.values", for which no replication was requested while parsing: "RBEGIN \\"rin\.values\\""/);
    await expectStored('after RBEGIN without a request');

    // 3. REND without RBEGIN while a request is in flight
    const two = await rawChild(parent, hostname, guid);
    assert.deepEqual(await define(two.client, base - 100, base - 1), { start: true, afterS: base - 51, beforeS: base - 1 });
    two.client.socket.write(`REND 1 ${base - 100} ${base - 1} true ${base - 51} ${base - 1} ${base}\n`);
    await two.client.closed;
    assert.match(await disconnected(parent, two.tag), /REND for chart "rin\.values" without its RBEGIN "rin\.values" while parsing: "REND 1 /);
    await expectStored('after REND without RBEGIN');

    // 4. RSET after REND
    const three = await rawChild(parent, hostname, guid);
    const third = await define(three.client, base - 100, base - 1);
    three.client.socket.write(`RBEGIN "${CHART_ID}"\nREND 1 ${base - 100} ${base - 1} true ${third.afterS} ${third.beforeS} ${base}\nRSET "a" 1 ""\n`);
    await three.client.closed;
    assert.match(await disconnected(parent, three.tag), /RSET without a chart: RBEGIN must come first while parsing: "RSET \\"a\\" 1 \\"\\""/);

    // 5. REND with no request in flight (no CHART_DEFINITION_END on this link)
    const four = await rawChild(parent, hostname, guid);
    four.client.socket.write(`${DEFINITION}REND 1 ${base - 100} ${base - 1} true ${base - 51} ${base - 1} ${base}\n`);
    await four.client.closed;
    assert.match(await disconnected(parent, four.tag), /REND for chart "rin\.values", for which no replication was requested while parsing: "REND 1 /);
    await expectStored('at the end');
    await parent.stop();
  });
});

/** A raw parent on 127.0.0.1: takes one child, answers 1.37's prompt, and records what comes. */
async function rawParent(): Promise<{ port: number; link: Promise<RawLink>; close(): void }> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const link = new Promise<RawLink>((resolve) => {
    server.once('connection', (socket) => {
      let text = '';
      let prompted = false;
      socket.on('error', () => undefined);
      socket.on('data', (chunk) => {
        text += chunk.toString('latin1');
        if (!prompted && text.includes('\r\n\r\n')) {
          prompted = true;
          // a 1.37 parent's reply to a 1.37 child, less COMPRESSION: this parent reads plain text
          socket.write('Hit me baby, push them over with the version=15296');
        }
      });
      resolve({ socket, received: () => text });
    });
  });
  return { port: (server.address() as net.AddressInfo).port, link, close: () => server.close() };
}

interface RawLink {
  socket: net.Socket;
  received(): string;
}

describe('a child taking bad REPLAY_CHART lines from a raw parent', () => {
  it('logs each with the parent named, ignores it, and keeps the link', async () => {
    const upstream = await rawParent();
    const child = await startNode({
      hostname: 'c-rin-send', web: false,
      sendTo: { destination: `127.0.0.1:${upstream.port}` },
    });
    const link = await upstream.link;
    await until('the definitions', () => /CHART_DEFINITION_END \d+ \d+ \d+\n[^]*CHART_DEFINITION_END/.test(link.received()), 20_000);
    const tag = `STREAM c-rin-send [send to 127.0.0.1:${upstream.port}]`;
    const now = nowS();
    const bad: Array<[string, string]> = [
      ['REPLAY_CHART "nope.chart" "true" 0 0', "the parent asked to replicate chart 'nope.chart', which this node has not sent on this link; ignored."],
      ['REPLAY_CHART "streamtest.values" "false" -5 10', 'after and before must be decimal seconds'],
      ['REPLAY_CHART "streamtest.values" "false" abc 10', 'after and before must be decimal seconds'],
      ['REPLAY_CHART "streamtest.values" "true"', 'the command is incomplete'],
      ['FOO bar', 'not a command this node takes'],
    ];
    link.socket.write(bad.map(([line]) => `${line}\n`).join(''));
    for (const [line, problem] of bad) {
      await child.waitFor(problem);
      const quoted = line.startsWith('REPLAY_CHART "nope') ? '' : JSON.stringify(line);
      assert.ok(child.output().includes(`ERROR: ${tag}: `) && child.output().includes(quoted), `${line} is logged naming the parent`);
    }
    assert.doesNotMatch(link.received(), /RBEGIN/, 'nothing answered');

    // a window in the future is clipped to the last point: the chart starts streaming
    link.socket.write(`REPLAY_CHART "streamtest.other" "false" ${now + 100} ${now + 200}\n`);
    await until('the answer', () => /RBEGIN "streamtest\.other"\n[^]*?REND \d+ \d+ \d+ true \d+ \d+ \d+\n/.test(link.received()));
    assert.match(link.received(), new RegExp(`REND 1 \\d+ \\d+ true ${now + 100} \\d+ \\d+\n`));
    // and the valid request of the bad ones is answered on the same link
    link.socket.write('REPLAY_CHART "streamtest.values" "true" 0 0\n');
    await until('live data', () => /REND 1 \d+ \d+ true 0 0 \d+\n[^]*BEGIN "streamtest\.values"/.test(link.received()), 10_000);
    assert.equal(link.socket.destroyed, false);
    assert.doesNotMatch(child.output(), /connection closed|reconnect/);
    await child.stop();
    link.socket.destroy();
    upstream.close();
  });
});
