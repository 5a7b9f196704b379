/**
 * Notifications: the `exec` command line exactly as netdata 1.37 builds it (reference §5.4,
 * health.c prepare_command), run through `/bin/sh -c` as netdata's spawn server does, so
 * netdata's own alarm-notify.sh works unchanged. Every argument is single-quoted; string
 * arguments lose their leading dashes and have `'` written as `'\''`; the two values are printed
 * with no decimals (`%0.0f`).
 */
import { spawn } from 'node:child_process';

/** A notification never runs longer than this; then it is killed and counted as failed. */
export const NOTIFY_TIMEOUT_MS = 300_000;

/** The 29 values after the exec path, in netdata 1.37's order. */
export interface NotificationArgs {
  exec: string;
  recipient: string;
  registryHostname: string;
  uniqueId: number;
  alarmId: number;
  alarmEventId: number;
  whenS: number;
  name: string;
  /** `NOCHART` when the alarm has no chart. */
  chart: string;
  /** `NOFAMILY` when unknown. */
  family: string;
  newStatus: string;
  oldStatus: string;
  newValue: number;
  oldValue: number;
  /** `LINE@FILE`, `UNKNOWN` when unknown. */
  source: string;
  durationSecs: number;
  nonClearDurationSecs: number;
  units: string;
  info: string;
  newValueString: string;
  oldValueString: string;
  /** The evaluated expression's source, `NOSOURCE` when none. */
  expressionSource: string;
  /** The evaluation trace (variable values, error), `NOERRMSG` when none. */
  expressionTrace: string;
  warnCount: number;
  critCount: number;
  /** `name=last_status_change,...` of other alarms in WARNING. */
  warnAlarms: string;
  critAlarms: string;
  /** `Unknown` when the alarm has no class. */
  classification: string;
  editCommand: string;
  /** The child's machine GUID for a mirrored host, '' for the local host. */
  childMachineGuid: string;
}

/** netdata's sanitize_command_argument_string: no leading dashes, `'` escaped for sh. */
export function sanitizeArgument(text: string): string {
  return text.replace(/^-+/, '').replace(/'/g, "'\\''");
}

/** `%0.0f` of a double, as glibc prints it (nan, inf, -inf). */
export function formatZeroDecimals(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  return value.toFixed(0);
}

/** The full command line (`exec '<exec>' '<recipient>' ...`). */
export function buildNotifyCommand(a: NotificationArgs): string {
  const s = (text: string): string => ` '${sanitizeArgument(text)}'`;
  const n = (value: number): string => ` '${Math.trunc(value) >>> 0}'`;
  const d = (value: number): string => ` '${Math.trunc(value) | 0}'`;
  return 'exec' + s(a.exec) + s(a.recipient) + s(a.registryHostname) +
    n(a.uniqueId) + n(a.alarmId) + n(a.alarmEventId) + n(a.whenS) +
    s(a.name) + s(a.chart) + s(a.family) + s(a.newStatus) + s(a.oldStatus) +
    ` '${formatZeroDecimals(a.newValue)}'` + ` '${formatZeroDecimals(a.oldValue)}'` +
    s(a.source) + n(a.durationSecs) + n(a.nonClearDurationSecs) +
    s(a.units) + s(a.info) + s(a.newValueString) + s(a.oldValueString) +
    s(a.expressionSource) + s(a.expressionTrace) + d(a.warnCount) + d(a.critCount) +
    s(a.warnAlarms) + s(a.critAlarms) + s(a.classification) + s(a.editCommand) +
    s(a.childMachineGuid);
}

/**
 * netdata's edit command argument, `sudo <user config dir>/edit-config health.d/<file>=<line>=<host>`,
 * from a `LINE@FILE` source; '' when the source names no file.
 */
export function editCommand(source: string, userConfigDir: string, registryHostname: string): string {
  const at = source.indexOf('@');
  const slash = source.lastIndexOf('/');
  if (at < 0 || slash < at) return '';
  return `sudo ${userConfigDir}/edit-config health.d/${source.slice(slash + 1)}=${source.slice(0, at)}=${registryHostname}`;
}

/** How a notification ended. */
export interface NotifyOutcome {
  exitCode: number;
  /** Whatever the command wrote to stderr (alarm-notify.sh logs there), cut to 64 KiB. */
  stderr: string;
}

const MAX_STDERR_CHARS = 65536;

/**
 * Runs `command` with `/bin/sh -c` and the given extra environment; resolves with the exit code
 * (-1 when it could not start or was killed). Never rejects.
 */
export function runNotifyCommand(command: string, env: Record<string, string>,
  timeoutMs = NOTIFY_TIMEOUT_MS): Promise<NotifyOutcome> {
  return new Promise((resolve) => {
    let stderr = '';
    const child = spawn('/bin/sh', ['-c', command], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const timer = setTimeout(() => {
      if (child.pid) process.kill(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < MAX_STDERR_CHARS) stderr += chunk.slice(0, MAX_STDERR_CHARS - stderr.length);
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ exitCode: -1, stderr: err.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? -1, stderr });
    });
  });
}
