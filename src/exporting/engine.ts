/**
 * netdata 1.37's exporting engine: every enabled `exporting.conf` instance runs on its own, with
 * its own iteration timer, connection or queues, and self charts; netdata.conf's 1.10 `[backend]`,
 * when enabled, runs beside them as it always did (1.37 ignores it; 1.10 configs keep working).
 * Connector types this agent lacks (kinesis, pubsub, mongodb) are logged and left out, as a
 * netdata built without them does.
 */
import type { BackendConfig, ExportingConfig, ExportingInstanceConfig, NetdataConfig } from '../config/index.js';
import { error, info } from '../log.js';
import { createBackend, createLineInstance } from './backend.js';
import { createHttpLineInstance, isHttpLineType } from './http-line-instance.js';
import { createRemoteWriteInstance, type RemoteWriteDeps } from './remote-write-instance.js';

/** What the engine runs: a backend or a remote write instance alike. */
export interface ExportingInstance {
  /** The instance's name; `backend` for netdata.conf's `[backend]`. */
  readonly name: string;
  start(): void;
  stop(): Promise<void>;
  /** One iteration now (tests that drive the clock). */
  tick(): void;
  /** Whether its receiver is reachable (connection up, or last delivery succeeded). */
  readonly connected: boolean;
}

/** The running engine; `start()` once, `stop()` once. */
export interface ExportingEngine {
  readonly instances: readonly ExportingInstance[];
  start(): void;
  stop(): Promise<void>;
}

/** The name `[backend]` runs under. */
export const LEGACY_BACKEND_NAME = 'backend';

const LINE_TYPES = { graphite: 'graphite', json: 'json', opentsdb: 'opentsdb' } as const;

/** An exporting.conf plaintext instance as the backend code reads its settings. */
function lineConfig(i: Readonly<ExportingInstanceConfig>, type: BackendConfig['type']): BackendConfig {
  return {
    enabled: i.enabled, type, destination: i.destination, dataSource: i.dataSource, prefix: i.prefix,
    hostname: i.hostname, updateEverySecs: i.updateEverySecs, bufferOnFailures: i.bufferOnFailures,
    timeoutMs: i.timeoutMs, sendNamesInsteadOfIds: i.sendNamesInsteadOfIds,
    sendChartsMatching: i.sendChartsMatching, sendHostsMatching: i.sendHostsMatching,
  };
}

function createInstance(i: Readonly<ExportingInstanceConfig>, deps: RemoteWriteDeps): ExportingInstance | null {
  const tag = `EXPORTING [${i.name}]`;
  if (i.type === 'prometheus_remote_write') {
    const instance = createRemoteWriteInstance(i, deps);
    return { name: i.name, start: () => instance.start(), stop: () => instance.stop(), tick: () => instance.tick(), get connected() { return instance.connected; } };
  }
  if (i.type === 'graphite' || i.type === 'json' || i.type === 'opentsdb') {
    if (i.tls) error(`${tag}: TLS is not available for '${i.typeName}'; sending in plain text`);
    const backend = createLineInstance(i, lineConfig(i, LINE_TYPES[i.type]), deps);
    return { name: i.name, start: () => backend.start(), stop: () => backend.stop(), tick: () => backend.tick(), get connected() { return backend.connected; } };
  }
  if (isHttpLineType(i.type)) {
    const instance = createHttpLineInstance(i, deps);
    return { name: i.name, start: () => instance.start(), stop: () => instance.stop(), tick: () => instance.tick(), get connected() { return instance.connected; } };
  }
  error(`${tag}: connector type '${i.typeName}' (${i.file}:${i.line}) is not available in this agent; the instance is not started`);
  return null;
}

/** Builds every enabled instance of `exporting` and netdata.conf's `[backend]`. */
export function createExporting(netdata: NetdataConfig, exporting: ExportingConfig, deps: RemoteWriteDeps): ExportingEngine {
  const instances: ExportingInstance[] = [];
  if (netdata.backend.enabled) {
    const backend = createBackend(netdata, deps);
    instances.push({ name: LEGACY_BACKEND_NAME, start: () => backend.start(), stop: () => backend.stop(), tick: () => backend.tick(), get connected() { return backend.connected; } });
  }
  for (const i of exporting.instances) {
    if (!i.enabled) {
      info(`EXPORTING: instance '${i.name}' on connector '${i.typeName}' is not enabled`);
      continue;
    }
    const instance = createInstance(i, deps);
    if (instance) instances.push(instance);
  }
  return {
    instances,
    start: () => { for (const i of instances) i.start(); },
    stop: async () => { await Promise.all(instances.map((i) => i.stop())); },
  };
}

/** Whether anything would run: `[backend]` or an enabled instance (the agent loads the part only then). */
export function exportingWanted(netdata: NetdataConfig, exporting: ExportingConfig): boolean {
  return netdata.backend.enabled || exporting.instances.some((i) => i.enabled);
}
