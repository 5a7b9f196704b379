/**
 * Memory modes save and map: 1,000 charts x 10 dimensions (10,000 dimensions), history 3600,
 * update every 1 s. Prints bytes on disk and in memory per stored sample, the CPU per second that
 * `map` spends persisting (its run minus the same run in `ram`: journal appends and writes, plus
 * one checkpoint a minute), how long a checkpoint and a full `save` stall the event loop, and the
 * journal's bytes per second.
 *
 *   node dist/bench/persist.js [seconds of data, default 120]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { createHostRegistry, DEFAULT_CHECKPOINT_EVERY_SECS } from '../src/database/index.js';
import type { Chart, ManagedHostRegistry, MemoryMode } from '../src/database/index.js';
import { defineBenchCharts } from './bench-charts.js';

const CHARTS = 1000;
const DIMENSIONS = 10;
const HISTORY_ENTRIES = 3600;
const SECONDS = Number(process.argv[2] ?? 120);
const START_S = Math.floor(Date.now() / 1000) - SECONDS - 10;

function setup(mode: MemoryMode, cacheDir: string): { registry: ManagedHostRegistry; charts: Chart[] } {
  const registry = createHostRegistry(
    { hostname: 'bench', machineGuid: 'bench-guid' },
    { memoryMode: mode, historyEntries: HISTORY_ENTRIES, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 },
    { persistence: { cacheDir, checkpointEverySecs: 0 } },
  );
  const charts = defineBenchCharts(registry.localhost, CHARTS, DIMENSIONS);
  return { registry, charts };
}

/** Collects `SECONDS` iterations of every chart, one event-loop turn per second of data. */
async function run(mode: MemoryMode, cacheDir: string): Promise<{ cpuMs: number; checkpointMs: number[]; journalBytes: number[]; registry: ManagedHostRegistry; charts: Chart[] }> {
  const { registry, charts } = setup(mode, cacheDir);
  const checkpointMs: number[] = [];
  const journalBytes: number[] = [];
  const before = process.cpuUsage();
  for (let i = 0; i < SECONDS; i++) {
    const nowUs = (START_S + i) * 1_000_000 + 500_000;
    for (const chart of charts) {
      chart.begin(i === 0 ? 0 : 1_000_000, true, nowUs);
      for (let d = 0; d < DIMENSIONS; d++) chart.set(d, i * 7 + d);
      chart.end(nowUs);
    }
    await tick(); // the journal is written here, as at the end of a real event-loop turn
    if (mode === 'map' && (i + 1) % DEFAULT_CHECKPOINT_EVERY_SECS === 0) {
      journalBytes.push(fs.statSync(path.join(cacheDir, 'bench-guid', 'journal')).size);
      const t = performance.now();
      registry.flush();
      checkpointMs.push(performance.now() - t);
    }
  }
  const used = process.cpuUsage(before);
  return { cpuMs: (used.user + used.system) / 1000, checkpointMs, journalBytes, registry, charts };
}

function du(dir: string): number {
  let bytes = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) bytes += fs.statSync(path.join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name)).size;
  }
  return bytes;
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-persist-'));
  const samples = CHARTS * DIMENSIONS * HISTORY_ENTRIES;
  try {
    const ram = await run('ram', path.join(root, 'ram'));
    const map = await run('map', path.join(root, 'map'));
    const perSecondMs = (map.cpuMs - ram.cpuMs) / SECONDS;
    const memory = map.registry.localhost.memoryBytes();
    map.registry.close();
    const disk = du(path.join(root, 'map'));

    const save = setup('save', path.join(root, 'save'));
    const t = performance.now();
    save.registry.flush();
    const saveMs = performance.now() - t;

    console.log(`${CHARTS * DIMENSIONS} dimensions, history ${HISTORY_ENTRIES}, ${SECONDS} s of data`);
    console.log(`disk per stored sample (map, save): ${(disk / samples).toFixed(3)} bytes (${(disk / 1e6).toFixed(1)} MB)`);
    console.log(`memory per stored sample (rings + per-dimension state): ${(memory / samples).toFixed(3)} bytes`);
    console.log(`CPU: ram ${(ram.cpuMs / SECONDS).toFixed(2)} ms per second of data, map ${(map.cpuMs / SECONDS).toFixed(2)} ms`);
    console.log(`map persisting 10,000 dimensions: ${perSecondMs.toFixed(2)} ms CPU per second (${(perSecondMs / 10).toFixed(2)} % of a core)`);
    console.log(`map checkpoint (every ${DEFAULT_CHECKPOINT_EVERY_SECS} s): ${map.checkpointMs.map((ms) => ms.toFixed(0)).join(', ')} ms each`);
    const journalPerSec = (map.journalBytes[map.journalBytes.length - 1] ?? 0) / DEFAULT_CHECKPOINT_EVERY_SECS;
    console.log(`map journal: ${(journalPerSec / 1024).toFixed(1)} KiB per second (at most ${((journalPerSec * DEFAULT_CHECKPOINT_EVERY_SECS) / 1e6).toFixed(1)} MB between checkpoints)`);
    console.log(`save of the whole database: ${saveMs.toFixed(0)} ms`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

await main();
