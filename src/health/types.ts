/**
 * What other parts may ask of health. The web part serves these shapes unchanged
 * (reference §6 `/api/v1/alarms`, `/api/v1/alarm_log`, `/api/v1/alarm_variables`).
 */
import type { Host } from '../database/index.js';

/** How many alarms of a host are in each state (`/api/v1/info` `alarms`). */
export interface AlarmCounts {
  normal: number;
  warning: number;
  critical: number;
}

/** The read-only questions the web part asks health; answers are plain JSON-ready objects. */
export interface HealthApi {
  /** `/api/v1/alarms` body for a host: all alarms, or only raised ones. */
  alarmsJson(host: Host, all: boolean): unknown;
  /** `/api/v1/alarm_log?after=ID` body: entries with unique_id > after, newest first. */
  alarmLogJson(host: Host, after: number): unknown;
  /** `/api/v1/alarm_variables?chart=ID` body; undefined when the chart is unknown. */
  alarmVariablesJson(host: Host, chartId: string): unknown | undefined;
  /** Counts for `/api/v1/info`. */
  alarmCounts(host: Host): AlarmCounts;
  /** The alarm's current value and status for badges; undefined when unknown. */
  alarm(host: Host, chartId: string, alarmName: string):
    { value: number; status: string; units: string } | undefined;
}
