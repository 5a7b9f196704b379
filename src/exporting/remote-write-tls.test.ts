/**
 * `[prometheus_remote_write:https:NAME]` through a real agent (`src/main.js`, a fixture plugin
 * collecting every second, memory mode ram) to a real VictoriaMetrics serving TLS with a test
 * certificate made by openssl for 127.0.0.1. The agent verifies the receiver's certificate with
 * Node's CAs; the test CA is trusted only through Node's `NODE_EXTRA_CA_CERTS` in the
 * agent's environment. A first run without it cannot deliver (the log names the destination and
 * the certificate problem) and keeps its batches in the disk queue; a second run with it delivers
 * them and its own, and the values VictoriaMetrics holds are the agent's own. Skipped, with the
 * reason, without openssl or VictoriaMetrics.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { agentDirs, eventually, startAgent, type RunningAgent } from '../../test/support/agent-process.js';
import { makeTestCerts, opensslMissing, type TestCerts } from '../../test/support/tls-certs.js';
import { freePort, missing, Receiver, VICTORIA_METRICS, type ExportedSeries } from './test-receivers.js';

/** How long the run without the CA goes on failing. */
const UNTRUSTED_RUN_MS = 5000;
/** The series the fixture plugin's counter is exported as (average, names, prefix netdata). */
const SERIES = 'netdata_fixture_good_things_average';
/** Seconds of the trusted run whose values are compared with the agent's own. */
const COMPARED_SECS = 4;

const agents: RunningAgent[] = [];
const dirs: string[] = [];
let certs: TestCerts | null = null;
after(() => {
  for (const a of agents) a.kill();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  certs?.remove();
});

/** VictoriaMetrics serving its HTTP API (remote write and queries) over TLS only. */
class TlsVictoriaMetrics extends Receiver {
  constructor(dir: string, readonly port: number, readonly caFile: string, key: string, cert: string) {
    super('victoria-metrics (tls)', VICTORIA_METRICS, [
      `-storageDataPath=${dir}`, `-httpListenAddr=127.0.0.1:${port}`,
      '-tls', `-tlsCertFile=${cert}`, `-tlsKeyFile=${key}`,
    ], dir);
  }

  /** A GET of `urlPath` trusting the test CA; the body as text. */
  get(urlPath: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const request = https.get({ host: '127.0.0.1', port: this.port, path: urlPath, ca: readFileSync(this.caFile) }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => { body += chunk; });
        response.on('end', () => resolve(body));
      });
      request.on('error', reject);
    });
  }

  /** Every series matching `match`, through `/api/v1/export` after a flush. */
  async export(match: string): Promise<ExportedSeries[]> {
    await this.get('/internal/force_flush');
    const text = await this.get(`/api/v1/export?${new URLSearchParams({ 'match[]': match })}`);
    return text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as ExportedSeries);
  }
}

/** The agent's own stored values of fixture.good's counter, second → value, from its `/api/v1/data`. */
async function ownValues(webPort: number): Promise<Map<number, number>> {
  const response = await fetch(`http://127.0.0.1:${webPort}/api/v1/data?chart=fixture.good&after=-60&points=60&group=average&format=json&options=seconds`);
  const body = await response.json() as { labels: string[]; data: Array<Array<number | null>> };
  const column = body.labels.indexOf('counter');
  return new Map(body.data.filter((row) => row[column] !== null).map((row) => [row[0]!, row[column]!]));
}

/** Starts the agent, with the CA trusted through NODE_EXTRA_CA_CERTS when `caFile` is given. */
function runAgent(config: string, caFile: string | null): RunningAgent {
  const previous = process.env.NODE_EXTRA_CA_CERTS;
  if (caFile) process.env.NODE_EXTRA_CA_CERTS = caFile;
  else delete process.env.NODE_EXTRA_CA_CERTS;
  try {
    const agent = startAgent(['-c', config, '-D'], 'exporting agent');
    agents.push(agent);
    return agent;
  } finally {
    if (previous === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
    else process.env.NODE_EXTRA_CA_CERTS = previous;
  }
}

async function stopAgent(agent: RunningAgent): Promise<void> {
  agent.child.kill('SIGTERM');
  assert.equal(await agent.exited, 0, agent.output().slice(-2000));
}

describe('prometheus remote write over https', () => {
  it('verifies the receiver, keeps the batches while it is not trusted, delivers the agent own values once it is', async (t) => {
    const reason = opensslMissing() ?? (missing(VICTORIA_METRICS) || null);
    if (reason) {
      console.log(`skipped: ${reason}`);
      return t.skip(reason);
    }
    certs = makeTestCerts();
    const webPort = await freePort();
    const d = agentDirs(['good'], `[global]\n\tmemory mode = ram\n\thostname = rw-tls\n[web]\n\tbind to = 127.0.0.1:${webPort}\n`);
    dirs.push(d.root);
    const vmDir = path.join(d.root, 'vm');
    mkdirSync(vmDir);
    const vm = new TlsVictoriaMetrics(vmDir, await freePort(), certs.caFile, certs.leaf.key, certs.leaf.cert);
    t.after(() => vm.stop());
    await vm.waitForPort(vm.port);
    const destination = `https://127.0.0.1:${vm.port}/api/v1/write`;
    writeFileSync(path.join(d.root, 'exporting.conf'), [
      '[prometheus_remote_write:https:vm]',
      '  enabled = yes',
      `  destination = 127.0.0.1:${vm.port}`,
      '  remote write URL path = /api/v1/write',
      '  update every = 1',
      '  send charts matching = fixture.good',
      '',
    ].join('\n'));

    // not trusted: every attempt fails on the certificate, nothing is rejected or dropped
    const untrustedStartS = Math.floor(Date.now() / 1000);
    const untrusted = runAgent(d.config, null);
    await untrusted.waitFor('EXPORTING [vm] configured');
    await untrusted.waitFor(`cannot deliver to '${destination}' (TLS: the certificate of the destination is not trusted`);
    await new Promise((resolve) => setTimeout(resolve, UNTRUSTED_RUN_MS));
    await stopAgent(untrusted);
    const untrustedStopS = Math.floor(Date.now() / 1000);
    const log = untrusted.output();
    assert.doesNotMatch(log, /dropped|rejected a batch|accepts batches again/, log.slice(-3000));
    assert.match(log, /UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
    assert.deepEqual(await vm.export(`{__name__="${SERIES}"}`), [], 'nothing reached the receiver');

    // trusted: the queued batches go first, then the new ones
    const trusted = runAgent(d.config, certs.caFile);
    await trusted.waitFor('EXPORTING [vm] configured');
    const firstTrustedS = Math.floor(Date.now() / 1000);
    const series = await eventually('the trusted run own seconds in VictoriaMetrics', async () => {
      const [s] = await vm.export(`{__name__="${SERIES}"}`);
      const latest = s ? Math.max(...s.timestamps) / 1000 : 0;
      return latest >= firstTrustedS + COMPARED_SECS + 4 ? s : undefined;
    }, 25_000);
    const own = await ownValues(webPort);
    await stopAgent(trusted);
    assert.doesNotMatch(trusted.output(), /cannot deliver|dropped/, trusted.output().slice(-3000));

    assert.deepEqual(series!.metric, {
      __name__: SERIES, chart: 'fixture.good', dimension: 'counter', family: 'good', instance: 'rw-tls',
    });
    const stored = new Map(series!.timestamps.map((ms, i) => [ms / 1000, series!.values[i]!]));
    const kept = [...stored.keys()].filter((s) => s >= untrustedStartS && s <= untrustedStopS);
    assert.ok(kept.length >= 2, `the untrusted run's batches were delivered later: ${kept.join(' ')}`);
    const compared = [...own.keys()].filter((s) => stored.has(s)).sort((a, b) => a - b);
    assert.ok(compared.length >= COMPARED_SECS, `seconds both hold: ${compared.join(' ')}; own ${[...own.keys()].join(' ')}`);
    // the API prints netdata's 7 decimals where the receiver keeps the whole float (a late plugin
    // line leaves a fraction after interpolation)
    for (const s of compared) {
      const [sent, kept] = [stored.get(s)!, own.get(s)!];
      assert.ok(Math.abs(sent - kept) <= 1e-6 * Math.max(1, Math.abs(kept)), `second ${s}: receiver ${sent}, agent ${kept}`);
    }
  });
});
