/**
 * Test support for the web part: a real host registry fed with plugins.d text through the real
 * parser on a fixed clock, and a real web server on 127.0.0.1:0. Not exported from index.ts.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHostRegistry, type Host, type HostRegistry } from '../database/index.js';
import { createParser } from '../protocol/index.js';
import { loadNetdataConfig, type ConfigOverride, type NetdataConfig } from '../config/index.js';
import type { HealthApi } from '../health/index.js';
import { createPluginsd, type Pluginsd } from '../collectors/index.js';
import { createWebServer, type WebServer } from './server.js';

/** 2023-01-01 00:00:00 UTC: every slot time is a whole second from here. */
export const START_S = 1_672_531_200;
/** The local host's machine GUID. */
export const LOCAL_GUID = '11111111-2222-3333-4444-555555555555';

/** The repository root (dist/src/web → ../../..). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** A running registry and web server; `stop()` ends the server. */
export interface Fixture {
  registry: HostRegistry;
  host: Host;
  config: NetdataConfig;
  server: WebServer;
  base: string;
  accessLines: string[];
  /** Feeds plugins.d text to a host's parser at the clock's time. */
  feed(text: string, host?: Host): void;
  clock: { nowS: number };
  get(urlPath: string, headers?: Record<string, string>): Promise<{ status: number; type: string; body: string; headers: Headers }>;
  stop(): Promise<void>;
}

/** Extra config lines, a health API and a stream handler for the fixture. */
export interface FixtureOptions {
  overrides?: ConfigOverride[];
  health?: HealthApi;
  streamHandler?: Parameters<typeof createWebServer>[1]['streamHandler'];
}

/** Starts a registry and a web server on 127.0.0.1:0. */
export async function startFixture(options: FixtureOptions = {}): Promise<Fixture> {
  const clock = { nowS: START_S };
  const registry = createHostRegistry(
    { hostname: 'web-test', machineGuid: LOCAL_GUID, os: 'linux', timezone: 'UTC' },
    { memoryMode: 'ram', historyEntries: 120, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 },
    { nowS: () => START_S },
  );
  const config = loadNetdataConfig(null, [
    ['global', 'hostname', 'web-test'],
    ['web', 'bind to', '127.0.0.1:0'],
    ['directories', 'web', path.join(REPO_ROOT, 'web')],
    ...(options.overrides ?? []),
  ]);
  const parsers = new Map<Host, ReturnType<typeof createParser>>();
  const parserFor = (host: Host) => {
    let parser = parsers.get(host);
    if (!parser) {
      parser = createParser({
        source: `plugin web-test ${host.hostname}`, host, trustedDurations: false,
        defaultUpdateEverySecs: 1, defaultPluginName: 'web-test.plugin', nowUs: () => clock.nowS * 1e6,
      });
      parsers.set(host, parser);
    }
    return parser;
  };
  const accessLines: string[] = [];
  const server = createWebServer(config, {
    registry, health: options.health, version: 'v1.37.1-tributary', streamHandler: options.streamHandler,
    effectiveConfig: () => '[global]\n\thostname = web-test\n', accessLog: (l) => accessLines.push(l),
    nowMs: () => clock.nowS * 1000,
  });
  await server.start();
  const base = `http://127.0.0.1:${server.ports()[0]}`;
  return {
    registry, host: registry.localhost, config, server, base, accessLines, clock,
    feed: (text, host = registry.localhost) => parserFor(host).feed(Buffer.from(text)),
    async get(urlPath, headers = {}) {
      const res = await fetch(base + urlPath, { headers, redirect: 'manual' });
      return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text(), headers: res.headers };
    },
    stop: () => server.stop(),
  };
}

/** Feeds `seconds` iterations of a chart, one per second, moving the clock. */
export function feedSeconds(f: Fixture, seconds: number, lines: (i: number) => string, host?: Host): void {
  for (let i = 0; i < seconds; i++) {
    f.feed(lines(i), host);
    f.clock.nowS += 1;
  }
}

/** Real plugins under `config` on a local host named `hostname`, behind a started web server that lists their functions. */
export async function startPluginsWeb(config: NetdataConfig, hostname: string, pluginsVersion: string): Promise<{ pluginsd: Pluginsd; server: WebServer; base: string }> {
  const registry = createHostRegistry(
    { hostname, machineGuid: '11111111-2222-3333-4444-555555555555' },
    { memoryMode: 'ram', historyEntries: 120, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 },
  );
  const pluginsd = createPluginsd(config, { host: registry.localhost, createParser, version: pluginsVersion, killGraceMs: 300 });
  await pluginsd.start();
  const server = createWebServer(config, {
    registry, version: 'v1.37.1-tributary', effectiveConfig: () => '', accessLog: () => {},
    functions: (host) => !host.isLocal ? [] : pluginsd.plugins().flatMap((p) => p.functions.map((f) => ({ ...f, plugin: p.name }))),
  });
  await server.start();
  return { pluginsd, server, base: `http://127.0.0.1:${server.ports()[0]}` };
}
