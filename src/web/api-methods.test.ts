import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { startFixture, type Fixture } from './test-fixture.js';

/** Sends `bytes` in one write and returns everything the server sends until it closes. */
function exchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    let reply = '';
    socket.setTimeout(5000, () => socket.destroy(new Error(`no close after ${JSON.stringify(reply)}`)));
    socket.on('data', (chunk) => { reply += chunk.toString('latin1'); });
    socket.on('close', () => resolve(reply));
    socket.on('error', reject);
  });
}

describe('HTTP methods', () => {
  let f: Fixture;
  before(async () => { f = await startFixture(); });
  after(() => f.stop());

  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
    it(`answers ${method} on a known route 405 with Allow`, async () => {
      for (const path of ['/api/v1/info', '/api/v1/data?chart=x', '/netdata.conf', '/', '/host/web-test/api/v1/charts']) {
        const res = await fetch(f.base + path, { method });
        assert.equal(res.status, 405, `${method} ${path}`);
        assert.equal(res.headers.get('allow'), 'GET, HEAD, OPTIONS');
        assert.equal(res.headers.get('access-control-allow-origin'), '*');
        assert.match(await res.text(), new RegExp(`^Method ${method} is not allowed for /`));
      }
    });
  }

  it('still answers 404 for a POST to an unknown API command', async () => {
    const res = await fetch(`${f.base}/api/v1/nope`, { method: 'POST' });
    assert.deepEqual([res.status, await res.text()], [404, 'Unsupported v1 API command: nope']);
  });

  it('answers OPTIONS with netdata\'s CORS preflight', async () => {
    const res = await fetch(`${f.base}/api/v1/data?chart=x`, { method: 'OPTIONS', headers: { Origin: 'http://example' } });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'OK');
    assert.equal(res.headers.get('access-control-allow-origin'), 'http://example');
    assert.equal(res.headers.get('access-control-allow-methods'), 'GET, OPTIONS');
    assert.equal(res.headers.get('access-control-max-age'), '1209600');
  });

  it('answers GET and HEAD as before', async () => {
    assert.equal((await fetch(`${f.base}/api/v1/info`)).status, 200);
    const head = await fetch(`${f.base}/api/v1/info`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });

  it('answers the first of two HTTP/1.0 requests sent in one write, then closes, as netdata does',
    async () => {
      const reply = await exchange(f.server.ports()[0], 'GET /api/v1/info HTTP/1.0\r\n\r\nGET /api/v1/info HTTP/1.0\r\n\r\n');
      assert.match(reply, /^HTTP\/1\.1 200 OK\r\n/);
      assert.doesNotMatch(reply, /400 Bad Request/);
    });
});
