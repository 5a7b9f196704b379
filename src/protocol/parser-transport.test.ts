/**
 * One parser conformance suite, three ways in (STYLE "One interface, one conformance suite"):
 * every case of `parser-cases.ts` is fed in-process, read from a real plugin's stdout pipe (a
 * shell fixture writing the case's writes with pauses between them) and read from a real TCP
 * socket on 127.0.0.1 (a client writing them likewise), with the same expectations. In-process
 * it is also fed in one chunk and a byte at a time, the boundaries a pipe or a socket may give
 * under load but not on demand.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { setLogSink } from '../log.js';
import { PARSER_CASES, startCase, type Outcome, type ParserCase } from './parser-cases.js';

const WRITE_CHUNKS = fileURLToPath(new URL('../../../test/fixtures/protocol/write-chunks.sh', import.meta.url));
const DEFAULT_PAUSE_MS = 20;

/** Feeds a case's bytes to its parser; resolves with how many chunks the parser got. */
type Transport = (c: ParserCase, feed: (chunk: Buffer) => void) => Promise<number>;

const children = new Set<ChildProcess>();
const servers = new Set<net.Server>();
const sockets = new Set<net.Socket>();

async function inProcess(c: ParserCase, feed: (chunk: Buffer) => void): Promise<number> {
  for (const write of c.writes) feed(Buffer.from(write));
  return c.writes.length;
}

/** The writes joined, as a pipe or a socket may hand them over when the reader is late. */
async function inOneChunk(c: ParserCase, feed: (chunk: Buffer) => void): Promise<number> {
  feed(Buffer.from(c.writes.join('')));
  return 1;
}

async function byteByByte(c: ParserCase, feed: (chunk: Buffer) => void): Promise<number> {
  const bytes = Buffer.from(c.writes.join(''));
  for (let i = 0; i < bytes.length; i++) feed(bytes.subarray(i, i + 1));
  return bytes.length;
}

/** The fixture plugin writes the case; its stdout is read to the end, as the supervisor reads it. */
async function throughPipe(c: ParserCase, feed: (chunk: Buffer) => void): Promise<number> {
  const child = spawn(WRITE_CHUNKS, [...c.writes], {
    env: { PATH: process.env.PATH, PAUSE_SECS: String((c.pauseMs ?? DEFAULT_PAUSE_MS) / 1000) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  let chunks = 0;
  child.stdout!.on('data', (chunk: Buffer) => {
    chunks++;
    feed(chunk);
  });
  const [code, signal] = await once(child, 'close') as [number | null, NodeJS.Signals | null];
  children.delete(child);
  assert.deepEqual([code, signal], [0, null], 'the fixture plugin exits 0');
  return chunks;
}

/** A client writes the case into a socket on 127.0.0.1:0; the server side feeds the parser until the client ends. */
async function throughSocket(c: ParserCase, feed: (chunk: Buffer) => void): Promise<number> {
  const server = net.createServer();
  servers.add(server);
  let chunks = 0;
  const received = new Promise<void>((resolve, reject) => {
    server.once('connection', (socket) => {
      sockets.add(socket);
      socket.on('data', (chunk: Buffer) => {
        chunks++;
        feed(chunk);
      });
      socket.once('end', resolve);
      socket.once('error', reject);
    });
  });
  try {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    const client = net.connect(port, '127.0.0.1');
    sockets.add(client);
    client.setNoDelay(true);
    await once(client, 'connect');
    for (const [i, write] of c.writes.entries()) {
      if (i > 0) await sleep(c.pauseMs ?? DEFAULT_PAUSE_MS);
      await new Promise<void>((resolve, reject) => client.write(write, (err) => (err ? reject(err) : resolve())));
    }
    client.end();
    await received;
    return chunks;
  } finally {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    servers.delete(server);
  }
}

/** Runs one case through a transport, with the parser's log lines kept as the outcome's warnings. */
async function run(c: ParserCase, transport: Transport): Promise<{ outcome: Outcome; chunks: number }> {
  const lines: string[] = [];
  const previous = setLogSink((line) => lines.push(line));
  try {
    const caseRun = startCase(c);
    const chunks = await transport(c, (chunk) => caseRun.parser.feed(chunk));
    const outcome = caseRun.finish();
    outcome.warnings = lines.map((line) => line.replace(/^.*? WARN : /, '').trimEnd());
    return { outcome, chunks };
  } finally {
    setLogSink(previous);
  }
}

const TRANSPORTS: [string, Transport][] = [
  ['fed in-process as written', inProcess],
  ['fed in-process in one chunk', inOneChunk],
  ['fed in-process one byte at a time', byteByByte],
  ['read from a plugin\'s stdout pipe', throughPipe],
  ['read from a TCP socket on 127.0.0.1', throughSocket],
];

after(async () => {
  const left = children.size + servers.size + sockets.size;
  for (const child of children) child.kill('SIGKILL');
  for (const socket of sockets) socket.destroy();
  await Promise.all([...servers].map((server) => new Promise((resolve) => server.close(resolve))));
  assert.equal(left, 0, 'every fixture process, server and socket was stopped by its own test');
});

for (const [way, transport] of TRANSPORTS) {
  describe(`the parser, ${way}`, () => {
    for (const c of PARSER_CASES) {
      it(c.name, async (t) => {
        const { outcome, chunks } = await run(c, transport);
        t.diagnostic(`${c.writes.length} writes arrived as ${chunks} chunks`);
        c.check(outcome);
      });
    }
  });
}
