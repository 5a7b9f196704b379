/**
 * Composes the agent from its configuration: config → database → collectors → health →
 * backend → streaming → web. It wires; the parts implement. Parts are started in that order and
 * stopped in reverse, each logged ("Stopping X..." / "X stopped"). Web, streaming, health and
 * backend code is loaded only when configured: a headless collector never loads the web server.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as os from 'node:os';
import {
  loadNetdataConfig, loadStreamConfig, loadExportingConfig, loadOrCreateMachineGuid, effectiveConfigText,
  type NetdataConfig, type StreamConfig,
} from './config/index.js';
import { createHostRegistry, type ManagedHostRegistry } from './database/index.js';
import { createParser } from './protocol/index.js';
import { createPluginsd, localHostLabels, readSystemInfo } from './collectors/index.js';
import { createSelfMonitoring } from './self-monitoring.js';
import type { LinkFigures } from './link-charts.js';
import * as logger from './log.js';

/** The version this agent reports (User-Agent, /api/v1/info, NETDATA_VERSION). */
export const AGENT_VERSION = 'v1.37.1-tributary-0.1.0';

/** The command line's part of the configuration: `-c FILE` and `-W set` overrides. */
export interface AgentOptions {
  configFile: string | null;
  overrides: Array<[string, string, string]>;
}

/** A running part, in the agent's start order. */
interface Part {
  name: string;
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
}

/** The composed agent: `start()` once, then `stop()` once (stops the parts in reverse order). */
export interface Agent {
  readonly config: NetdataConfig;
  readonly stream: StreamConfig;
  readonly registry: ManagedHostRegistry;
  start(): Promise<void>;
  stop(): Promise<void>;
}

function loadStream(config: NetdataConfig): StreamConfig {
  const file = join(config.global.directories.config, 'stream.conf');
  return loadStreamConfig(existsSync(file) ? file : null, config);
}

/** Inbound and outbound links in one list (the self-monitoring charts take both alike). */
function allLinks(links: { inbound: readonly LinkFigures[]; outbound: readonly LinkFigures[] }): LinkFigures[] {
  return [...links.inbound, ...links.outbound];
}

/** Loads the configuration and builds every part; nothing runs until `start()`. */
export async function createAgent(options: AgentOptions): Promise<Agent> {
  const config = loadNetdataConfig(options.configFile, options.overrides);
  const stream = loadStream(config);
  const g = config.global;
  const machineGuid = loadOrCreateMachineGuid(g.directories.lib);
  const system = await readSystemInfo();
  const needsStreaming = stream.sender.enabled || config.web.mode !== 'none';
  const streamingPart = needsStreaming ? await import('./streaming/index.js') : null;
  const registry = createHostRegistry(
    { hostname: g.hostname, machineGuid, registryHostname: g.hostname, os: os.platform(),
      timezone: g.timezone, tags: '',
      programName: 'netdata', programVersion: AGENT_VERSION, hops: 0, system },
    { memoryMode: g.memoryMode, historyEntries: g.historyEntries, updateEverySecs: g.updateEverySecs,
      gapWhenLostIterationsAbove: g.gapWhenLostIterationsAbove,
      recentSlots: streamingPart?.spoolRecentSlots(g.memoryMode, stream.sender.enabled, stream.sender) ?? 0 },
    { persistence: { cacheDir: g.directories.cache, saveEverySecs: g.saveEverySecs },
      maxCharts: g.maxCharts, maxDimensions: g.maxDimensions },
  );
  registry.localhost.replaceLabels(localHostLabels(system, {
    configLabels: config.hostLabels, isParent: false,
    streamsTo: stream.sender.enabled ? stream.sender.destination.join(' ') : null,
  }));

  // The database starts first (mirrored hosts kept in save/map come back, not connected, before
  // any child can reconnect) and stops last (save writes its files, map checkpoints).
  const parts: Part[] = [{
    name: 'database', start: () => { registry.restoreHosts(); }, stop: () => registry.close(),
  }];
  const pluginsd = createPluginsd(config, { host: registry.localhost, createParser, version: AGENT_VERSION });
  parts.push({ name: 'plugins.d', start: () => pluginsd.start(), stop: () => pluginsd.stop() });

  const health = g.memoryMode !== 'none' && config.health.enabled
    ? (await import('./health/index.js')).createHealth(config, {
      registry, version: AGENT_VERSION, upstream: (host) => streaming?.upstreamOf(host) ?? null,
    })
    : null;
  if (health) parts.push({ name: 'health', start: () => health.start(), stop: () => health.stop() });

  // [backend] of netdata.conf (1.10) and exporting.conf's instances (1.37) run in one engine
  const exporting = loadExportingConfig(config);
  if (config.backend.enabled || exporting.instances.some((i) => i.enabled)) {
    const { createExporting } = await import('./exporting/index.js');
    const engine = createExporting(config, exporting, { registry, version: AGENT_VERSION });
    parts.push({ name: 'exporting', start: () => engine.start(), stop: () => engine.stop() });
  }

  const localFunctions = () => pluginsd.plugins().flatMap((p) => p.functions.map((f) => ({ ...f, plugin: p.name })));
  const streaming = streamingPart
    ? await streamingPart.createStreaming(config, stream, {
      registry, version: AGENT_VERSION, createParser, localFunctions,
      onHostConnected: (host, settings) => health?.attachHost(host,
        { enabled: settings.healthEnabled, postponeSecs: settings.postponeAlarmsOnConnectSecs }),
      onHostRemoved: (host) => health?.detachHost(host),
      onIdentityConflict: (host, streamingFrom, refusedFrom) => health?.identityConflict(host, streamingFrom, refusedFrom),
    })
    : null;

  let stopListening = (): Promise<void> => Promise.resolve();
  if (config.web.mode !== 'none') {
    const { createWebServer, openAccessLogFile } = await import('./web/index.js');
    const accessLog = config.web.accessLog === null ? null : openAccessLogFile(config.web.accessLog);
    const web = createWebServer(config, {
      accessLog: accessLog?.sink ?? null,
      registry,
      health: health ?? undefined,
      streamHandler: streaming ? (socket, head) => streaming.handleStreamRequest(socket, head) : undefined,
      version: AGENT_VERSION,
      effectiveConfig: () => effectiveConfigText(config),
      functions: (host) => host.isLocal ? localFunctions() : streaming?.functionsOf(host.machineGuid) ?? [],
      linkStatus: streaming ? (guid) => streaming.hostStatus(guid) : undefined,
      streamLinks: streaming ? (nowMs) => streaming.links(nowMs) : undefined,
      exporting,
      firstRequestTimeoutMs: config.web.timeoutForFirstRequestSecs * 1000,
      maxSockets: config.web.webServerMaxSockets > 0 ? config.web.webServerMaxSockets : undefined,
    });
    stopListening = () => web.stopListening();
    parts.push({
      name: 'web server',
      start: () => web.start(),
      stop: async () => { await web.stop(); accessLog?.close(); },
    });
  }

  // after web: it stops first, closing the sockets web handed over, so web's close completes
  // new connections are refused before the streams close, so children reconnect after their delay
  if (streaming) {
    parts.push({
      name: 'streaming',
      start: () => streaming.start(),
      stop: async () => { await stopListening(); await streaming.stop(); },
    });
  }

  // [plugins] netdata monitoring = no: no netdata.* charts (1.37 starts no global statistics)
  const self = !config.plugins.netdataMonitoring ? null : createSelfMonitoring(registry.localhost, () => {
    const plugins = pluginsd.stats();
    const s = streaming?.stats();
    return {
      pluginsRunning: plugins.running,
      pluginsDisabled: plugins.disabled,
      linesParsed: plugins.lines,
      valuesParsed: plugins.values + (s?.receivers.valuesReceived ?? 0),
      replication: s?.replication,
      spool: s?.sender?.spool ?? undefined,
      disk: registry.diskStats(),
      links: streaming ? allLinks(streaming.links(Date.now())) : undefined,
    };
  }, g.updateEverySecs);
  parts.push({ name: 'self-monitoring', start: () => self?.start(), stop: () => self?.stop() });

  return {
    config, stream, registry,
    async start() {
      logger.info(`Tributary ${AGENT_VERSION} starting: host '${g.hostname}' guid '${machineGuid}', ` +
        `memory mode ${g.memoryMode}, history ${g.historyEntries}, update every ${g.updateEverySecs}, ` +
        `web ${config.web.mode}, streaming ${stream.sender.enabled ? 'enabled' : 'disabled'}`);
      for (const part of parts) {
        await part.start();
        logger.info(`${part.name} started`);
      }
    },
    async stop() {
      for (const part of [...parts].reverse()) {
        logger.info(`Stopping ${part.name}...`);
        try {
          await part.stop();
        } catch (err) {
          logger.error(`${part.name}: error while stopping: ${String(err)}`);
        }
        logger.info(`${part.name} stopped`);
      }
    },
  };
}
