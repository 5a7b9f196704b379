/**
 * Which node notifies for a host (`[health] notification owner`). Every node that holds a host
 * evaluates its alarms; with `top connected node` a node stays silent for a host while it
 * forwards that host upstream over an established link, because the node there evaluates it
 * too, and notifies again as soon as that link is down. So of a chain child → proxy → parent,
 * the parent notifies; stopping it moves the notifications to the proxy. No protocol carries
 * this: each node decides from its own links.
 */
import type { NotificationOwnerRule } from '../config/index.js';
import type { Host } from '../database/index.js';
import { info } from '../log.js';

/** A host's upstream link as streaming sees it now. */
export interface UpstreamLink {
  /** Where the host is sent (`ip:port`), '' before the first connection. */
  destination: string;
  /** The link is up and metrics go out on it. */
  established: boolean;
}

/** The upstream link of `host` now; null when this node does not forward it. */
export type UpstreamProbe = (host: Host) => UpstreamLink | null;

/** Whether this node notifies for a host, and why (shown in `/api/v1/alarms`). */
export interface OwnerVerdict {
  rule: NotificationOwnerRule;
  notifies: boolean;
  reason: string;
}

/** Decides, per host, whether this node sends its notifications. */
export class NotificationOwner {
  readonly #last = new WeakMap<Host, boolean>();

  constructor(readonly rule: NotificationOwnerRule, readonly upstream: UpstreamProbe | undefined) {}

  /** The verdict for `host` now. */
  verdict(host: Host): OwnerVerdict {
    return this.#decide(host);
  }

  /**
   * Compares the verdict for `host` with the last recheck's and logs a change (INFO); true
   * when this node has just become the one that notifies (held events can go out now).
   */
  recheck(host: Host): boolean {
    const verdict = this.#decide(host);
    const last = this.#last.get(host);
    this.#last.set(host, verdict.notifies);
    if (last === undefined || last === verdict.notifies) return false;
    info(`[${host.hostname}]: HEALTH notifications ${verdict.notifies ? 'are sent' : 'are held'} by this node: ${verdict.reason}.`);
    return verdict.notifies;
  }

  #decide(host: Host): OwnerVerdict {
    const rule = this.rule;
    if (rule === 'every node') return { rule, notifies: true, reason: 'every node notifies' };
    const link = this.upstream?.(host) ?? null;
    if (!link) return { rule, notifies: true, reason: 'this node does not forward the host' };
    const to = link.destination || 'its parent';
    if (link.established) return { rule, notifies: false, reason: `forwarded to ${to} over an established link; the node there notifies` };
    return { rule, notifies: true, reason: `the link to ${to} is down` };
  }
}
