/**
 * Simulated netdata children for the streaming benchmarks: each connects to a parent on
 * 127.0.0.1, makes the version-1 handshake a netdata child of 1.9 makes (no `ver=`, so a 1.37
 * parent answers with the bare v1 prompt), defines CHARTS x DIMENSIONS absolute dimensions and
 * then sends whole iterations:
 *
 *   BEGIN "feed.c0" 1000000      (always update every in µs: the parent's clock trusts it)
 *   SET "d0" = 0                 (dimension dK of iteration i: K*1000 + i % VARIANTS)
 *   ...
 *   END
 *
 * The VARIANTS iterations are encoded once, so the feed costs the generator little. At a rate
 * each host sends on its own offset inside the period (hosts spread over the second as real
 * children are); flat out, each host writes the next iteration as soon as the socket drains.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { PROMPT_V1 } from '../src/streaming/index.js';

/** Distinct iterations the values cycle through. */
const VARIANTS = 60;
/** How long a handshake may take before the feed gives up. */
const HANDSHAKE_TIMEOUT_MS = 60_000;

export interface FeedShape {
  hosts: number;
  charts: number;
  dimensions: number;
}

/** A running feed: `values()` counts SETs sent in whole iterations so far. */
export interface Feed {
  values(): number;
  /** Resolves when every host has sent the iterations it was started for (or was stopped). */
  sent: Promise<void>;
  /** Stops sending and closes every link; resolves when every writer has stopped. */
  stop(): Promise<void>;
}

/** Starts the iterations of a connected feed (see {@link connectFeed}). */
export type StartFeed = (rate: number | 'max', iterationsPerHost?: number) => Feed;

function definitions(shape: FeedShape): Buffer {
  let text = '';
  for (let c = 0; c < shape.charts; c++) {
    text += `CHART "feed.c${c}" "" "feed chart ${c}" "units" "feed" "feed.ctx" "line" ${100000 + c} 1 "" "feed.plugin" "gen"\n`;
    for (let d = 0; d < shape.dimensions; d++) text += `DIMENSION "d${d}" "" "absolute" 1 1 ""\n`;
  }
  return Buffer.from(text);
}

function iterations(shape: FeedShape): Buffer[] {
  const out: Buffer[] = [];
  for (let v = 0; v < VARIANTS; v++) {
    let text = '';
    for (let c = 0; c < shape.charts; c++) {
      text += `BEGIN "feed.c${c}" 1000000\n`;
      for (let d = 0; d < shape.dimensions; d++) text += `SET "d${d}" = ${d * 1000 + v}\n`;
      text += 'END\n';
    }
    out.push(Buffer.from(text));
  }
  return out;
}

/** Connects as a version-1 child; resolves once the parent answered with the prompt. */
async function connect(port: number, hostname: string): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  socket.setTimeout(HANDSHAKE_TIMEOUT_MS, () => socket.destroy(new Error(`${hostname}: no prompt in ${HANDSHAKE_TIMEOUT_MS} ms`)));
  await once(socket, 'connect');
  socket.write(`STREAM key=${process.env.FEED_KEY ?? '11111111-2222-3333-4444-555555555555'}&hostname=${hostname}` +
    `&registry_hostname=${hostname}&machine_guid=${randomUUID()}&update_every=1&os=linux&tags= HTTP/1.1\r\n` +
    'User-Agent: netdata-push-service/1.9\r\nAccept: */*\r\n\r\n');
  let reply = '';
  while (reply.length < PROMPT_V1.length) {
    const [chunk] = await once(socket, 'data') as [Buffer];
    reply += chunk.toString();
  }
  if (!reply.startsWith(PROMPT_V1)) throw new Error(`${hostname}: parent replied ${JSON.stringify(reply.slice(0, 200))}`);
  socket.setTimeout(0);
  socket.on('data', () => undefined);
  socket.on('error', () => undefined);
  return socket;
}

/** Resolves once the socket takes more, or once it closed (a stopped feed never drains). */
function write(socket: net.Socket, bytes: Buffer): Promise<void> {
  if (socket.write(bytes)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Connects `shape.hosts` children named `<prefix>-<k>` and sends their definitions; resolves
 * with a start function once every child is defined. `start(rate)` sends `rate` iterations per
 * second per host, or as fast as the parent reads with `'max'`; each host stops after
 * `iterationsPerHost` (its link stays open).
 */
export async function connectFeed(port: number, prefix: string, shape: FeedShape): Promise<StartFeed> {
  const defs = definitions(shape);
  const payloads = iterations(shape);
  const perIteration = shape.charts * shape.dimensions;
  const sockets: net.Socket[] = [];
  for (let k = 0; k < shape.hosts; k++) sockets.push(await connect(port, `${prefix}-${k}`));
  await Promise.all(sockets.map((s) => write(s, defs)));
  return (rate, iterationsPerHost = Infinity) => {
    let running = true;
    let sent = 0;
    const t0 = performance.now();
    const one = async (socket: net.Socket, k: number): Promise<void> => {
      const periodMs = rate === 'max' ? 0 : 1000 / rate;
      const offsetMs = (periodMs * k) / shape.hosts;
      for (let i = 0; running && !socket.destroyed && i < iterationsPerHost; i++) {
        if (rate !== 'max') {
          const wait = t0 + offsetMs + i * periodMs - performance.now();
          if (wait > 0) await sleep(wait);
          if (!running) break;
        }
        await write(socket, payloads[i % VARIANTS]);
        sent += perIteration;
      }
    };
    const writers = sockets.map((s, k) => one(s, k).catch(() => undefined));
    return {
      values: () => sent,
      sent: Promise.all(writers).then(() => undefined),
      async stop() {
        running = false;
        for (const s of sockets) s.destroy();
        await Promise.all(writers);
      },
    };
  };
}
