/**
 * A TCP relay on 127.0.0.1 the fault harness puts on a link: bytes pass both ways unchanged,
 * delayed by `delayMs` while the link is slow, and while it is cut every connection is closed
 * at once (the sender sees its parent go away and reconnects later).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

/** Most bytes held back per direction of a slow connection before reading pauses. */
const MAX_DELAYED_BYTES = 8 << 20;

/** One relay: listen on `port`, forward to the target. */
export interface Relay {
  readonly port: number;
  /** Delays every byte from now on by `ms` (0 = pass at once). */
  slow(ms: number): void;
  /** Closes every connection and refuses new ones until `restore()`. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/** Starts a relay to `127.0.0.1:targetPort`. */
export function startRelay(targetPort: number): Promise<Relay> {
  let delayMs = 0;
  let cut = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    if (cut) { inbound.destroy(); return; }
    const outbound = connect(targetPort, '127.0.0.1');
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('error', () => { inbound.destroy(); outbound.destroy(); });
      s.on('close', () => { sockets.delete(s); inbound.destroy(); outbound.destroy(); });
    }
    pipe(inbound, outbound, () => delayMs);
    pipe(outbound, inbound, () => delayMs);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      ok({
        port,
        slow(ms) { delayMs = Math.max(0, ms); },
        cut() { cut = true; for (const s of sockets) s.destroy(); },
        restore() { cut = false; },
        close() {
          for (const s of sockets) s.destroy();
          return new Promise((done) => server.close(() => done()));
        },
      });
    });
  });
}

/**
 * Copies `from` to `to`, each chunk after the delay of the moment it arrived; a chunk is never
 * due before the one ahead of it, so the bytes stay in order when the delay shrinks.
 */
function pipe(from: Socket, to: Socket, delay: () => number): void {
  let held = 0;
  let lastDueMs = 0;
  const later = (ms: number, then: () => void): void => {
    const now = Date.now();
    lastDueMs = Math.max(now + ms, lastDueMs);
    setTimeout(then, lastDueMs - now);
  };
  from.on('data', (chunk: Buffer) => {
    const ms = delay();
    if (ms === 0 && held === 0) { to.write(chunk); return; }
    held += chunk.length;
    if (held > MAX_DELAYED_BYTES) from.pause();
    later(ms, () => {
      held -= chunk.length;
      if (!to.destroyed) to.write(chunk);
      if (held <= MAX_DELAYED_BYTES) from.resume();
    });
  });
  from.on('end', () => { later(delay(), () => to.end()); });
}
