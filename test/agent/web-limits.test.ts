/**
 * `[web] timeout for first request` and `web server max sockets` read from netdata.conf by a
 * real agent: a connection that sends nothing is closed at its deadline, and connections past
 * the socket limit are closed at once while the API still answers once one is free.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { cleanupAfter } from '../support/cleanup.js';
import { agentDirs, freePort, startAgent } from '../support/agent-process.js';

const { children, dirs } = cleanupAfter();

const FIRST_REQUEST_SECS = 2;
const MAX_SOCKETS = 3;

/** Opens a connection and resolves, when it closes, with how long it stayed open (ms). */
function openIdle(port: number): { socket: net.Socket; closed: Promise<number> } {
  const socket = net.connect(port, '127.0.0.1');
  const start = Date.now();
  const closed = new Promise<number>((ok) => socket.once('close', () => ok(Date.now() - start)));
  socket.on('error', () => socket.destroy());
  return { socket, closed };
}

describe('[web] limits from netdata.conf', () => {
  it('closes a silent connection at `timeout for first request` and refuses connections past `web server max sockets`', async () => {
    const port = await freePort();
    const d = agentDirs([], `[web]\n\tbind to = 127.0.0.1\n\tdefault port = ${port}\n` +
      `\ttimeout for first request = ${FIRST_REQUEST_SECS}\n\tweb server max sockets = ${MAX_SOCKETS}\n`);
    dirs.push(d.root);
    const agent = startAgent(['-c', d.config, '-D'], 'web limits agent');
    children.add(agent.child);
    await agent.waitFor(`web: listening on 127.0.0.1:${port}`);

    const held = Array.from({ length: MAX_SOCKETS }, () => openIdle(port));
    await new Promise((r) => setTimeout(r, 300));
    const extra = openIdle(port);
    const extraOpenMs = await extra.closed;
    assert.ok(extraOpenMs < FIRST_REQUEST_SECS * 1000 / 2, `the connection past the limit closed at once (${extraOpenMs} ms)`);

    const openMs = await Promise.all(held.map((h) => h.closed));
    for (const ms of openMs) {
      assert.ok(ms >= FIRST_REQUEST_SECS * 1000 - 300 && ms < FIRST_REQUEST_SECS * 1000 + 2500,
        `a silent connection closed at its ${FIRST_REQUEST_SECS} s deadline (after ${ms} ms)`);
    }
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/info`);
    assert.equal(res.status, 200, 'the API answers once the slots are free');
    agent.child.kill('SIGTERM');
    assert.equal(await agent.exited, 0);
  });
});
