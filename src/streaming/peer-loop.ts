/**
 * Parents that stream to each other (an active-active pair, a ring) must not send a host back
 * where it came from, and a host must settle on its most direct link at each node.
 *
 * - The path: a proxy names the nodes a host came through in a header of its request
 *   ({@link PATH_HEADER}: the forwarding nodes' machine GUIDs, nearest the child first, this
 *   node last). A node that finds its own GUID there refuses the link with {@link ERROR_LOOP}:
 *   the host came from it. The local host's request has no path, and a netdata parent passes
 *   over the header without a word (a parameter it would log as not used, request.ts).
 * - The shorter path wins: a request of a host that is streaming here already over more hops
 *   (through a peer) takes the host over, so a child that comes back directly is never locked
 *   out by the copy its peer forwards; the longer one is refused as netdata refuses any second
 *   connection.
 */
import { ERROR_LOOP } from './prompts.js';

export { ERROR_LOOP };

/** The request header of the path. */
export const PATH_HEADER = 'X-Tributary-Path';
/** The longest path accepted: more hops than any real chain of parents. */
export const MAX_VIA_NODES = 32;

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** A path that cannot be read; the receiver refuses the link with this message. */
export class PathError extends Error {
  override name = 'PathError';
}

/** The path of a request's {@link PATH_HEADER} (empty when absent); throws PathError on a bad one. */
export function pathOf(value: string | null): string[] {
  if (value === null) return [];
  const nodes = value.split(',').map((n) => n.trim());
  if (nodes.length > MAX_VIA_NODES) throw new PathError(`'${PATH_HEADER}' names ${nodes.length} nodes, more than ${MAX_VIA_NODES}`);
  const bad = nodes.find((n) => !GUID.test(n));
  if (bad !== undefined) throw new PathError(`'${PATH_HEADER}' has '${bad.slice(0, 40)}', which is not a machine GUID`);
  return nodes.map((n) => n.toLowerCase());
}

/** The path a proxy on node `ownGuid` sends for a host it received over `received`. */
export function forwardedPath(received: readonly string[], ownGuid: string): string[] {
  return [...received, ownGuid.toLowerCase()].slice(-MAX_VIA_NODES);
}

/** Whether a host with this path came through the node `guid` already. */
export function cameThrough(path: readonly string[], guid: string): boolean {
  return path.includes(guid.toLowerCase());
}

/** Whether a request of `requestHops` takes a host over from the link of `currentHops` now streaming it. */
export function isShorterPath(requestHops: number, currentHops: number): boolean {
  return requestHops < currentHops;
}
