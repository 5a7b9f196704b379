/**
 * Which host labels an exporting instance sends (netdata 1.37's `should_send_label`): those
 * from the config (`[host labels]`) with `send configured labels`, those the agent derives from
 * the host's facts (the `_` ones) with `send automatic labels`.
 */
import type { Host } from '../database/index.js';
import type { HostLabels } from './format.js';

/** netdata's label sources (`RRDLABEL_SRC_AUTO`, `RRDLABEL_SRC_CONFIG`). */
const LABEL_SOURCE_AUTO = 1;
const LABEL_SOURCE_CONFIG = 2;

/** `send configured labels` and `send automatic labels`. */
export interface LabelChoice {
  sendConfiguredLabels: boolean;
  sendAutomaticLabels: boolean;
}

/** Whether any label is sent at all (netdata's `sending_labels_configured`). */
export function sendsLabels(choice: Readonly<LabelChoice>): boolean {
  return choice.sendConfiguredLabels || choice.sendAutomaticLabels;
}

/** The labels of `host` the choice lets through, in the host's order. */
export function sentLabels(host: Host, choice: Readonly<LabelChoice>): HostLabels {
  const out: Array<[string, string]> = [];
  for (const [name, { value, source }] of host.labels) {
    if ((choice.sendConfiguredLabels && (source & LABEL_SOURCE_CONFIG) !== 0)
      || (choice.sendAutomaticLabels && (source & LABEL_SOURCE_AUTO) !== 0)) out.push([name, value]);
  }
  return out;
}
