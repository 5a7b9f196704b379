/**
 * The agent's own charts on the local host, in netdata's `netdata.*` style: its CPU, its memory,
 * plugins running and disabled, the lines and values the parsers take per second, and the
 * database's disk (`netdata.db_disk_errors`: writes refused; `netdata.db_disk_failing`: 1 while
 * samples are kept in memory only), and what the agent refused to protect itself
 * (`netdata.refusals`, see refusals.ts), and each streaming link's health (`netdata.streaming_*`,
 * see link-charts.ts).
 */
import type { Chart, Host } from './database/index.js';
import { createLinkCharts, type LinkFigures } from './link-charts.js';
import { error, info } from './log.js';
import { countRefusal, isDescriptorShortage, REFUSAL_DIMENSIONS, refusalCounts } from './refusals.js';
import { chartDef, define } from './self-charts.js';

/** Counters the agent's parts expose, read once per iteration. */
export interface SelfStats {
  pluginsRunning: number;
  pluginsDisabled: number;
  /** Lines parsed since start, by every parser (plugins and stream receivers). */
  linesParsed: number;
  /** SET values parsed since start. */
  valuesParsed: number;
  /** Replication into this node (children's links); absent without streaming. */
  replication?: { pendingCharts: number; secondsToFill: number; pointsReplayed: number };
  /** The local sender's disk spool (a host without a database); absent when it has none. */
  spool?: { bytesOnDisk: number; points: number; droppedPoints: number };
  /** The database's cache directory (memory modes save and map); absent without one. */
  disk?: { writeErrors: number; failing: boolean; recoveries: number };
  /** Every streaming link now (the `netdata.streaming_*` charts); absent without streaming. */
  links?: readonly LinkFigures[];
}

/** The agent's own charts: `start()` collects every interval until `stop()`. */
export interface SelfMonitoring {
  /** Collects at every multiple of `update every` from now on. */
  start(): void;
  stop(): void;
  /** Runs one iteration now (tests). */
  collect(nowUs: number): void;
}

/** Creates the agent's charts on `host`; `start()` collects every `updateEverySecs`, reading `readStats()` once each time. */
export function createSelfMonitoring(host: Host, readStats: () => SelfStats, updateEverySecs: number): SelfMonitoring {
  const ue = updateEverySecs;
  const cpu = define(host, chartDef('server_cpu', 'Tributary CPU usage', 'milliseconds/s', 1, 'stacked', ue),
    [['user', 'incremental', 1000], ['system', 'incremental', 1000]]);
  const memory = define(host, chartDef('memory', 'Tributary memory', 'KiB', 2, 'line', ue),
    [['rss', 'absolute', 1024], ['heap_used', 'absolute', 1024], ['external', 'absolute', 1024]]);
  const plugins = define(host, chartDef('plugins', 'Tributary plugins', 'plugins', 3, 'line', ue),
    [['running', 'absolute', 1], ['disabled', 'absolute', 1]]);
  const parser = define(host, chartDef('parser', 'Tributary parsers', 'lines/s', 4, 'line', ue),
    [['lines', 'incremental', 1], ['values', 'incremental', 1]]);
  const refusals = define(host, chartDef('refusals', 'Tributary refusals to protect itself', 'refusals/s', 11, 'line', ue),
    REFUSAL_DIMENSIONS.map(([, id]) => [id, 'incremental', 1]));
  /** The last memory figures read: reading them opens /proc/self/stat, which fails when descriptors are short. */
  let mem: NodeJS.MemoryUsage = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  let memoryFailing = false;
  let collectFailing = false;
  let replication: [Chart, Chart] | null = null;
  let spool: [Chart, Chart] | null = null;
  let disk: [Chart, Chart] | null = null;
  let timer: NodeJS.Timeout | null = null;
  const links = createLinkCharts(host, ue);

  const write = (chart: Chart, values: number[], nowUs: number): void => {
    chart.begin(0, false, nowUs);
    for (let i = 0; i < values.length; i++) chart.set(i, Math.round(values[i]!));
    chart.end(nowUs);
  };

  const collect = (nowUs: number): void => {
    const usage = process.cpuUsage();
    readMemory();
    write(cpu, [usage.user, usage.system], nowUs);
    write(memory, [mem.rss, mem.heapUsed, mem.external], nowUs);
    const counts = refusalCounts();
    write(refusals, REFUSAL_DIMENSIONS.map(([key]) => counts[key]), nowUs);
    const stats = readStats();
    write(plugins, [stats.pluginsRunning, stats.pluginsDisabled], nowUs);
    write(parser, [stats.linesParsed, stats.valuesParsed], nowUs);
    if (stats.replication) {
      replication ??= [
        define(host, chartDef('replication', 'Tributary replication from children', 'charts', 5, 'line', ue),
          [['pending_charts', 'absolute', 1], ['seconds_to_fill', 'absolute', 1]]),
        define(host, chartDef('replication_points', 'Tributary points replayed from children', 'points/s', 6, 'line', ue),
          [['replayed', 'incremental', 1]]),
      ];
      write(replication[0], [stats.replication.pendingCharts, stats.replication.secondsToFill], nowUs);
      write(replication[1], [stats.replication.pointsReplayed], nowUs);
    }
    if (stats.spool) {
      spool ??= [
        define(host, chartDef('spool', 'Tributary sender spool on disk', 'KiB', 7, 'area', ue), [['on_disk', 'absolute', 1024]]),
        define(host, chartDef('spool_points', 'Tributary sender spool points', 'points', 8, 'line', ue),
          [['held', 'absolute', 1], ['dropped', 'absolute', 1]]),
      ];
      write(spool[0], [stats.spool.bytesOnDisk], nowUs);
      write(spool[1], [stats.spool.points, stats.spool.droppedPoints], nowUs);
    }
    if (stats.disk) {
      disk ??= [
        define(host, chartDef('db_disk_errors', 'Tributary database writes the disk refused', 'errors/s', 9, 'line', ue),
          [['write_errors', 'incremental', 1], ['recoveries', 'incremental', 1]]),
        define(host, chartDef('db_disk_failing', 'Tributary database writes failing (samples in memory only)', 'boolean', 10, 'line', ue),
          [['failing', 'absolute', 1]]),
      ];
      write(disk[0], [stats.disk.writeErrors, stats.disk.recoveries], nowUs);
      write(disk[1], [stats.disk.failing ? 1 : 0], nowUs);
    }
    links.collect(stats.links ?? [], nowUs);
  };

  const readMemory = (): void => {
    try {
      mem = process.memoryUsage();
      if (memoryFailing) info('self-monitoring: reading the memory usage works again');
      memoryFailing = false;
    } catch (err) {
      if (isDescriptorShortage(err)) countRefusal('descriptors');
      if (!memoryFailing) error(`self-monitoring: cannot read the memory usage (/proc/self/stat): ${(err as Error).message}; showing the last figures`);
      memoryFailing = true;
    }
  };

  /** One iteration; an error is logged once until an iteration works again, never thrown into the timer. */
  const collectSafely = (nowUs: number): void => {
    try {
      collect(nowUs);
      if (collectFailing) info('self-monitoring: collecting works again');
      collectFailing = false;
    } catch (err) {
      if (!collectFailing) error(`self-monitoring: an iteration failed: ${(err as Error).message}`);
      collectFailing = true;
    }
  };

  const schedule = (): void => {
    const periodMs = ue * 1000;
    const delayMs = periodMs - (Date.now() % periodMs);
    timer = setTimeout(() => {
      collectSafely(Date.now() * 1000);
      schedule();
    }, delayMs);
    timer.unref();
  };

  return {
    start: schedule,
    stop: () => { if (timer) clearTimeout(timer); timer = null; },
    collect,
  };
}
