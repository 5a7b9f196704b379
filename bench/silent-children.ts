/**
 * The silent child alarm on a parent of many children: every mirrored host is looked at once
 * per health tick (one timer for all, no chart per host). 10,000 mirrored hosts with health
 * attached, quiet but not yet silent; prints the CPU time of one tick over all of them (the
 * silence and conflict checks and the notification owner's recheck), per host, and the heap
 * the link alarms take per host.
 *
 *   node dist/bench/silent-children.js [hosts, default 10000] [ticks, default 50]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadNetdataConfig } from '../src/config/index.js';
import { createHostRegistry } from '../src/database/index.js';
import { createHealth } from '../src/health/index.js';

const HOSTS = Number(process.argv[2] ?? 10_000);
const TICKS = Number(process.argv[3] ?? 50);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-bench-silent-'));
const empty = path.join(dir, 'health.d');
fs.mkdirSync(empty);
fs.writeFileSync(path.join(dir, 'netdata.conf'), `[global]\n\tlib directory = ${dir}\n\tcache directory = ${dir}\n` +
  `[directories]\n\tstock health config = ${empty}\n\thealth config = ${empty}\n` +
  '[health]\n\tenabled = yes\n\tscript to execute on alarm = /bin/true\n');
const config = loadNetdataConfig(path.join(dir, 'netdata.conf'));
const registry = createHostRegistry({ hostname: 'bench-parent', machineGuid: 'bench-parent-guid' },
  { memoryMode: 'ram', historyEntries: 5, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 });
let nowMs = Date.now();
const health = createHealth(config, { registry, now: () => nowMs });

const settings = { memoryMode: 'ram' as const, historyEntries: 5, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 };
const hosts = [];
for (let i = 0; i < HOSTS; i++) {
  const host = registry.findOrCreate({ hostname: `child${i}`, machineGuid: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}` }, settings);
  // the child went away a moment ago: health's loop skips it (auto), only the link checks run
  host.setStreamState({ connected: false, connectedSinceS: Math.floor(nowMs / 1000) - 60, lastDataS: Math.floor(nowMs / 1000), disconnectedAtS: Math.floor(nowMs / 1000) });
  health.attachHost(host, { enabled: 'auto', postponeSecs: 0 });
  hosts.push(host);
}
global.gc?.();
const heapBefore = process.memoryUsage().heapUsed;
await health.runOnce(); // the first tick creates each host's link alarms
global.gc?.();
const heapAfter = process.memoryUsage().heapUsed;

const start = process.cpuUsage();
const wallStart = process.hrtime.bigint();
for (let t = 0; t < TICKS; t++) {
  nowMs += 100; // within a second: nothing goes silent
  await health.runOnce();
}
const cpu = process.cpuUsage(start);
const wallMs = Number(process.hrtime.bigint() - wallStart) / 1e6;
const tickMs = (cpu.user + cpu.system) / 1000 / TICKS;
console.log(`hosts ${HOSTS}, ticks ${TICKS}`);
console.log(`cpu per tick: ${tickMs.toFixed(2)} ms (${((tickMs * 1000) / HOSTS).toFixed(3)} us per host), wall per tick ${(wallMs / TICKS).toFixed(2)} ms`);
console.log(`link alarms heap: ${global.gc ? `${Math.round((heapAfter - heapBefore) / HOSTS)} bytes per host` : 'run with --expose-gc'}`);
await health.stop();
fs.rmSync(dir, { recursive: true, force: true });
