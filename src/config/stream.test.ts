import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { setLogSink } from '../log.js';
import { loadNetdataConfig, loadStreamConfig, readStreamConfig } from './index.js';
import { DEFAULT_ENABLE_COMPRESSION } from './stream.js';
import type { StreamConfig } from './types.js';

const TESTDATA = fileURLToPath(new URL('../../../src/config/testdata/', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const at = (name: string): string => join(TESTDATA, name);

const KEY = '11111111-2222-3333-4444-555555555555';
const MACHINE = '22222222-3333-4444-5555-666666666666';
const DISABLED = '33333333-4444-5555-6666-777777777777';
const UNTYPED = '44444444-5555-6666-7777-888888888888';
const UNLISTED = '99999999-0000-0000-0000-000000000000';

const netdata = loadNetdataConfig(null, [['global', 'history', '3600'], ['global', 'memory mode', 'ram']]);
const stream = loadStreamConfig(at('stream-good.conf'), netdata);

describe('loadStreamConfig [stream]', () => {
  it('reads the sender, destinations split on spaces and commas', () => {
    assert.deepEqual(stream.sender, {
      enabled: true, destination: ['10.0.0.1:19999', 'tcp:parent2', '[::1]:19998'], alsoSendTo: [], apiKey: KEY,
      timeoutSecs: 60, defaultPort: 19999, bufferSizeBytes: 10485760, reconnectDelaySecs: 5,
      initialClockResyncIterations: 60, sendChartsMatching: '!apps.* *',
      enableSpool: true, spoolDirectory: join(netdata.global.directories.cache, 'stream-spool'), spoolSizeBytes: 16777216,
      enableCompression: true, sslSkipCertificateVerification: false, caPath: null, caFile: null,
      compressionLevels: { zstd: 1, lz4: 1, brotli: 3, gzip: 1 },
    });
  });
  it('disables sending without a destination, with netdata\'s message', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stream-conf-'));
    const lines: string[] = [];
    const previous = setLogSink((l) => lines.push(l));
    try {
      writeFileSync(join(dir, 'stream.conf'), `[stream]\n\tenabled = yes\n\tapi key = ${KEY}\n`);
      const { config, errors } = readStreamConfig(join(dir, 'stream.conf'), netdata);
      assert.equal(config.sender.enabled, false);
      assert.deepEqual(errors, []);
      assert.deepEqual(lines.map((l) => l.replace(/^.*?: tributary /, '')),
        ['ERROR: STREAM [send]: cannot enable sending thread - information is missing.\n']);
    } finally {
      setLogSink(previous);
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('reads `also send to`, at most 16 parents, beside the failover list', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stream-conf-'));
    try {
      const file = join(dir, 'stream.conf');
      writeFileSync(file, `[stream]\n\tenabled = yes\n\tdestination = a b\n\talso send to = c:1 d\n\tapi key = ${KEY}\n`);
      const { config, errors } = readStreamConfig(file, netdata);
      assert.deepEqual(errors, []);
      assert.deepEqual([config.sender.destination, config.sender.alsoSendTo], [['a', 'b'], ['c:1', 'd']]);
      const many = Array.from({ length: 17 }, (_, i) => `p${i}`).join(' ');
      writeFileSync(file, `[stream]\n\tenabled = yes\n\tdestination = a\n\talso send to = ${many}\n\tapi key = ${KEY}\n`);
      const bad = readStreamConfig(file, netdata).errors;
      assert.equal(bad.length, 1);
      assert.match(bad[0]!.message, /at most 16 entries are allowed, got 17/);
      assert.equal(bad[0]!.key, 'also send to');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('defaults when the file does not exist', () => {
    const c = loadStreamConfig(at('no-stream.conf'), netdata);
    assert.equal(c.sender.enabled, false);
    assert.equal(c.apiKey(KEY), undefined);
    assert.equal(c.sender.timeoutSecs, 60);
  });
});

describe('StreamConfig.apiKey and machine', () => {
  it('finds an API key section by its name and type', () => {
    assert.deepEqual(stream.apiKey(KEY), { key: KEY, enabled: true, allowFrom: '10.* !10.1.2.3' });
    assert.equal(stream.apiKey(MACHINE), undefined, 'a type = machine section is not a key');
    assert.equal(stream.apiKey(UNLISTED), undefined);
  });
  it('finds a machine section by its name and type, enabled by default', () => {
    assert.deepEqual(stream.machine(MACHINE), { enabled: true, allowFrom: '*' });
    assert.deepEqual(stream.machine(DISABLED), { enabled: false, allowFrom: '192.168.*' });
    assert.equal(stream.machine(KEY), undefined, 'a type = api section is not a machine');
  });
  it('uses an untyped (1.10) section in either role, with each role\'s enabled default', () => {
    assert.deepEqual(stream.apiKey(UNTYPED), { key: UNTYPED, enabled: true, allowFrom: '*' });
    assert.deepEqual(stream.machine(UNTYPED), { enabled: true, allowFrom: '*' });
  });
});

describe('StreamConfig.mayProxy', () => {
  const confWith = (text: string): StreamConfig => {
    const dir = mkdtempSync(join(tmpdir(), 'stream-conf-'));
    try {
      writeFileSync(join(dir, 'stream.conf'), text);
      return loadStreamConfig(join(dir, 'stream.conf'), netdata);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  it('is true when [stream] is enabled, the proxy default of every host', () => {
    assert.equal(stream.mayProxy, true);
  });
  it('is false for a parent that only receives, and true when a key or a machine turns proxying on', () => {
    assert.equal(confWith(`[${KEY}]\n\tenabled = yes\n\tdefault proxy enabled = no\n`).mayProxy, false);
    assert.equal(confWith(`[${KEY}]\n\tenabled = yes\n\tdefault proxy enabled = yes\n`).mayProxy, true);
    assert.equal(confWith(`[${KEY}]\n\tenabled = yes\n[${MACHINE}]\n\tproxy enabled = yes\n`).mayProxy, true);
    for (const conf of [confWith(`[${KEY}]\n\tenabled = yes\n`), confWith(`[${KEY}]\n\tenabled = yes\n[${MACHINE}]\n\tproxy enabled = yes\n`)]) {
      // what resolveHost gives every host agrees with it
      assert.equal(conf.resolveHost(KEY, UNLISTED).proxyEnabled || conf.resolveHost(KEY, MACHINE).proxyEnabled, conf.mayProxy);
    }
  });
});

describe('StreamConfig.resolveHost', () => {
  it('takes the GUID section over the key defaults over netdata.conf', () => {
    assert.deepEqual(stream.resolveHost(KEY, MACHINE), {
      enabled: true, allowFrom: '*', historyEntries: 120, memoryMode: 'none', healthEnabled: 'yes',
      postponeAlarmsOnConnectSecs: 5, updateEverySecs: 2, proxyEnabled: false,
      proxyDestination: ['10.9.9.9'], proxyAlsoSendTo: [], proxyApiKey: KEY, proxySendChartsMatching: '!apps.* *',
      multipleConnections: 'deny', enableReplication: true, secondsToReplicate: 86400, secondsPerReplicationStep: 600,
      enableCompression: true, compressionAlgorithmsOrder: ['zstd', 'lz4', 'brotli', 'gzip'],
    });
  });
  it('uses the key defaults for an unlisted machine', () => {
    const s = stream.resolveHost(KEY, UNLISTED);
    assert.deepEqual([s.historyEntries, s.memoryMode, s.healthEnabled, s.updateEverySecs, s.multipleConnections],
      [600, 'none', 'no', null, 'allow']);
  });
  it("falls back to netdata.conf and [stream] for an unlisted key and machine", () => {
    assert.deepEqual(stream.resolveHost(UNLISTED, UNLISTED), {
      enabled: true, allowFrom: '*', historyEntries: 3600, memoryMode: 'ram', healthEnabled: 'auto',
      postponeAlarmsOnConnectSecs: 60, updateEverySecs: null, proxyEnabled: true,
      proxyDestination: ['10.0.0.1:19999', 'tcp:parent2', '[::1]:19998'], proxyAlsoSendTo: [], proxyApiKey: KEY,
      proxySendChartsMatching: '!apps.* *', multipleConnections: 'allow',
      enableReplication: true, secondsToReplicate: 86400, secondsPerReplicationStep: 600,
      enableCompression: true, compressionAlgorithmsOrder: ['zstd', 'lz4', 'brotli', 'gzip'],
    });
  });
  it('reads an untyped section\'s `default` keys as a key and its own keys as a machine', () => {
    assert.equal(stream.resolveHost(UNTYPED, UNLISTED).historyEntries, 900);
    const own = stream.resolveHost(UNLISTED, UNTYPED);
    assert.deepEqual([own.historyEntries, own.memoryMode], [300, 'map']);
  });
  it('reads compression algorithms order per key and machine (1.44), filling in the algorithms left out', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stream-conf-'));
    try {
      writeFileSync(join(dir, 'stream.conf'), `[stream]\n\tzstd compression level = 9\n\tssl skip certificate verification = yes\n\tCAfile = /etc/ca.pem\n` +
        `[${KEY}]\n\tenabled = yes\n\tcompression algorithms order = gzip LZ4\n` +
        `[${MACHINE}]\n\ttype = machine\n\tcompression algorithms order = brotli\n`);
      const conf = loadStreamConfig(join(dir, 'stream.conf'), netdata);
      assert.deepEqual(conf.resolveHost(KEY, UNLISTED).compressionAlgorithmsOrder, ['gzip', 'lz4', 'zstd', 'brotli']);
      assert.deepEqual(conf.resolveHost(KEY, MACHINE).compressionAlgorithmsOrder, ['brotli', 'zstd', 'lz4', 'gzip']);
      assert.equal(conf.sender.compressionLevels.zstd, 9);
      assert.deepEqual([conf.sender.sslSkipCertificateVerification, conf.sender.caFile, conf.sender.caPath], [true, '/etc/ca.pem', null]);
      writeFileSync(join(dir, 'stream.conf'), `[${KEY}]\n\ttype = api\n\tenabled = yes\n\tcompression algorithms order = zstd lzma\n`);
      const { errors } = readStreamConfig(join(dir, 'stream.conf'), netdata);
      assert.deepEqual(errors.map((e) => e.message),
        [`${join(dir, 'stream.conf')}:4: [${KEY}] 'compression algorithms order': expected some of zstd lz4 brotli gzip, got 'lzma'`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('reads replication per key and machine over [db] (1.37)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stream-conf-'));
    try {
      const db = loadNetdataConfig(null, [['db', 'seconds to replicate', '7200'], ['db', 'seconds per replication step', '60']]);
      writeFileSync(join(dir, 'stream.conf'), `[${KEY}]\n\tenabled = yes\n\tseconds to replicate = 3600\n` +
        `[${MACHINE}]\n\ttype = machine\n\tenable replication = no\n`);
      const conf = loadStreamConfig(join(dir, 'stream.conf'), db);
      const viaKey = conf.resolveHost(KEY, UNLISTED);
      assert.deepEqual([viaKey.enableReplication, viaKey.secondsToReplicate, viaKey.secondsPerReplicationStep], [true, 3600, 60]);
      const machine = conf.resolveHost(KEY, MACHINE);
      assert.deepEqual([machine.enableReplication, machine.secondsToReplicate], [false, 3600]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('reads enable compression as 1.37: [stream] (default yes), then the key, then the machine, and [stream] off wins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stream-conf-'));
    try {
      const write = (text: string): StreamConfig => {
        writeFileSync(join(dir, 'stream.conf'), text);
        return loadStreamConfig(join(dir, 'stream.conf'), netdata);
      };
      const sections = `[${KEY}]\n\tenabled = yes\n\tenable compression = no\n[${MACHINE}]\n\ttype = machine\n\tenable compression = yes\n` +
        `[${UNTYPED}]\n\tenabled = yes\n`;
      const on = write(sections);
      assert.equal(on.sender.enableCompression, DEFAULT_ENABLE_COMPRESSION);
      assert.equal(on.resolveHost(KEY, UNLISTED).enableCompression, false, 'the key turns it off for its hosts');
      assert.equal(on.resolveHost(KEY, MACHINE).enableCompression, true, 'the machine turns it back on');
      assert.equal(on.resolveHost(UNTYPED, UNLISTED).enableCompression, true, '[stream] is the default');
      const off = write(`[stream]\n\tenable compression = no\n${sections}`);
      assert.equal(off.sender.enableCompression, false);
      assert.equal(off.resolveHost(KEY, MACHINE).enableCompression, false, '[stream] off turns it off for every child');
      assert.equal(off.resolveHost(UNTYPED, UNLISTED).enableCompression, false);
      assert.deepEqual(readStreamConfig(join(dir, 'stream.conf'), netdata).errors, []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('reports a disabled machine as not enabled', () => {
    assert.deepEqual([stream.resolveHost(KEY, DISABLED).enabled, stream.resolveHost(KEY, DISABLED).allowFrom], [false, '192.168.*']);
  });
  it('turns health off by default when netdata.conf turns it off', () => {
    const off = loadNetdataConfig(null, [['health', 'enabled', 'no']]);
    assert.equal(loadStreamConfig(null, off).resolveHost(UNLISTED, UNLISTED).healthEnabled, 'no');
  });
});

describe('loadStreamConfig [stream] spool keys', () => {
  it('takes a relative spool directory under the cache directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stream-conf-'));
    try {
      writeFileSync(join(dir, 'stream.conf'), '[stream]\n\tenable spool = no\n\tspool directory = spool/here\n\tspool size bytes = 2097152\n');
      const { sender } = loadStreamConfig(join(dir, 'stream.conf'), netdata);
      assert.deepEqual([sender.enableSpool, sender.spoolDirectory, sender.spoolSizeBytes],
        [false, join(netdata.global.directories.cache, 'spool/here'), 2097152]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const BAD_STREAM_FILES: Array<[file: string, errors: Array<[number, string, string, string]>]> = [
  ['stream-spool.bad.conf', [
    [2, 'stream', 'enable spool', "expected yes or no, got 'perhaps'"],
    [3, 'stream', 'spool directory', 'expected a path, got an empty value'],
    [4, 'stream', 'spool size bytes', 'must be at least 16384, got 1000'],
  ]],
  ['stream-sender.bad.conf', [
    [2, 'stream', 'enabled', "expected yes or no, got 'sometimes'"],
    [3, 'stream', 'destinaton', 'unknown key in stream.conf'],
  ]],
  ['stream-compression.bad.conf', [
    [2, 'stream', 'enable compression', "expected yes or no, got 'maybe'"],
    [6, KEY, 'enable compression', "expected yes or no, got 'lz4'"],
  ]],
  ['stream-type.bad.conf', [[2, KEY, 'type', "unknown section type 'apikey' (expected one of: api, machine)"]]],
  ['stream-api-key.bad.conf', [
    [4, KEY, 'history', 'unknown key in stream.conf'],
    [5, KEY, 'default history', 'must be at least 5, got 3'],
  ]],
  ['stream-machine.bad.conf', [
    [3, MACHINE, 'default memory mode', 'unknown key in stream.conf'],
    [4, MACHINE, 'multiple connections',
      "unknown multiple connections 'maybe' (expected one of: allow, permit, accept, deny, reject, block)"],
  ]],
];

describe('readStreamConfig on testdata/stream-*.bad.conf', () => {
  for (const [name, expected] of BAD_STREAM_FILES) {
    it(`${name} yields exactly its errors`, () => {
      const file = at(name);
      const { errors } = readStreamConfig(file, netdata);
      assert.deepEqual(errors.map((e) => [e.line, e.section, e.key, e.message]), expected.map(([line, section, key, text]) =>
        [line, section, key, `${file}:${line}: [${section}]${key ? ` '${key}'` : ''}: ${text}`]));
    });
  }
  it('loadStreamConfig throws them as one AggregateError', () => {
    assert.throws(() => loadStreamConfig(at('stream-machine.bad.conf'), netdata), AggregateError);
  });
});

describe('stream.conf files that must load', () => {
  it('the bundled stream.conf loads with zero errors, sending off', () => {
    const { config, errors } = readStreamConfig(join(REPO, 'stream.conf'), netdata);
    assert.deepEqual(errors, []);
    assert.equal(config.sender.enabled, false);
  });
  it("netdata 1.37's shipped stream.conf loads with zero errors", (t) => {
    const shipped = '/usr/lib/netdata/conf.d/stream.conf';
    if (!existsSync(shipped)) return t.skip(`${shipped} is not installed here`);
    const { config, errors } = readStreamConfig(shipped, netdata);
    assert.deepEqual(errors, []);
    assert.deepEqual(config.apiKey('API_KEY'), { key: 'API_KEY', enabled: false, allowFrom: '*' });
    assert.deepEqual(config.machine('MACHINE_GUID'), { enabled: false, allowFrom: '*' });
  });
});
