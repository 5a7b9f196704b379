process.env.TZ = 'UTC';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, feedSeconds, START_S, type Fixture } from './test-fixture.js';

/**
 * What a real netdata 1.37.1 parent showed for a real 1.37.1 child (both Debian's package, on
 * this machine's loopback): the child's facts in `/host/nd-child/api/v1/info`, from its STREAM
 * request, and its host labels, from its LABEL lines. Keys in netdata's order.
 */
const OBSERVED_FACTS = {
  os_name: 'unknown', os_id: 'unknown', os_id_like: 'unknown', os_version: 'unknown', os_version_id: 'unknown',
  os_detection: 'unknown', cores_total: '2', total_disk_space: '274877906944',
  // netdata's parent showed '2.596e 09': it decodes the request's raw '+' as a space; the child's
  // own /api/v1/info and its _system_cpu_freq label say 2.596e+09, which is kept here
  cpu_freq: '2.596e+09',
  ram_total: '25276059648',
  container_os_name: 'Debian GNU/Linux', container_os_id: 'debian', container_os_id_like: 'unknown',
  container_os_version: '12 (bookworm)', container_os_version_id: '12', container_os_detection: '/etc/os-release',
  is_k8s_node: 'false', kernel_name: 'Linux', kernel_version: '6.18.44-fc-v857', architecture: 'x86_64',
  virtualization: 'kvm', virt_detection: 'systemd-detect-virt', container: 'docker',
  container_detection: 'systemd-detect-virt', cloud_provider_type: 'unknown', cloud_instance_type: 'unknown',
  cloud_instance_region: 'unknown',
};

const OBSERVED_LABELS: Array<[string, number, string]> = [
  ['_cloud_provider_type', 1, 'unknown'], ['_cloud_instance_type', 1, 'unknown'], ['_cloud_instance_region', 1, 'unknown'],
  ['_os_name', 1, 'unknown'], ['_os_version', 1, 'unknown'], ['_kernel_version', 1, '6.18.44-fc-v857'],
  ['_system_cores', 1, '2'], ['_system_cpu_freq', 1, '2.596e+09'], ['_system_ram_total', 1, '25276059648'],
  ['_system_disk_space', 1, '274877906944'], ['_architecture', 1, 'x86_64'], ['_virtualization', 1, 'kvm'],
  ['_container', 1, 'docker'], ['_container_detection', 1, 'systemd-detect-virt'],
  ['_virt_detection', 1, 'systemd-detect-virt'], ['_is_k8s_node', 1, 'false'], ['_aclk_available', 9, 'false'],
  ['_is_ephemeral', 2, 'false'], ['_has_unstable_connection', 2, 'false'], ['_is_parent', 1, 'false'],
  ['_streams_to', 1, '127.0.0.1:29001'],
];

/** Every key of a 1.37.1 `/api/v1/info` (this build has no ML: no `ml-info`), in its order. */
const OBSERVED_INFO_KEYS = ['version', 'uid', 'mirrored_hosts', 'mirrored_hosts_status', 'alarms',
  ...Object.keys(OBSERVED_FACTS), 'host_labels', 'functions', 'collectors', 'cloud-enabled', 'cloud-available',
  'agent-claimed', 'aclk-available', 'memory-mode', 'multidb-disk-quota', 'page-cache-size', 'stream-enabled',
  'stream-compression', 'hosts-available', 'https-enabled', 'buildinfo', 'release-channel', 'web-enabled',
  'notification-methods', 'exporting-enabled', 'exporting-connectors', 'allmetrics-prometheus-used',
  'allmetrics-shell-used', 'allmetrics-json-used', 'dashboard-used', 'charts-count', 'metrics-count'];

const CHILD_GUID = '68c0f7fc-edec-11f1-9858-02fc00000001';

describe('/api/v1/info system facts and host labels (netdata 1.37)', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture();
    const child = f.registry.findOrCreate({
      hostname: 'nd-child', machineGuid: CHILD_GUID, hops: 1, programVersion: 'v1.37.1',
      system: {
        osName: 'unknown', osId: 'unknown', osIdLike: 'unknown', osVersion: 'unknown', osVersionId: 'unknown',
        osDetection: 'unknown', coresTotal: '2', totalDiskSpace: '274877906944', cpuFreq: '2.596e+09',
        ramTotal: '25276059648', containerOsName: 'Debian GNU/Linux', containerOsId: 'debian',
        containerOsIdLike: 'unknown', containerOsVersion: '12 (bookworm)', containerOsVersionId: '12',
        containerOsDetection: '/etc/os-release', isK8sNode: 'false', kernelName: 'Linux',
        kernelVersion: '6.18.44-fc-v857', architecture: 'x86_64', virtualization: 'kvm',
        virtDetection: 'systemd-detect-virt', container: 'docker', containerDetection: 'systemd-detect-virt',
        cloudProviderType: 'unknown', cloudInstanceType: 'unknown', cloudInstanceRegion: 'unknown',
        mlCapable: 0, mlEnabled: 0, mcVersion: 1,
      },
    }, { memoryMode: 'ram', historyEntries: 60, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 });
    // the labels as the child sent them (capture: LABEL "<name>" = <source> "<value>" ... OVERWRITE)
    f.feed(OBSERVED_LABELS.map(([n, s, v]) => `LABEL "${n}" = ${s} "${v}"\n`).join('') + 'OVERWRITE labels\n', child);
    f.feed('CHART system.cpu "" "Total CPU utilization" "percentage" cpu system.cpu stacked 100 1 "" "proc.plugin" "/proc/stat"\n' +
      'DIMENSION user "" percentage-of-incremental-row 1 1\n' +
      'CLABEL "device" "cpu" 1\nCLABEL_COMMIT\n', child);
    f.feed('CHART t.nomod "" "no module" "x" "" "" line 1 1 "" "t.plugin" ""\nDIMENSION a "" absolute 1 1\n');
    feedSeconds(f, 3, (i) => `BEGIN t.nomod\nSET a = ${i}\nEND\n`);
  });
  after(() => f.stop());

  it('shows a mirrored host\'s facts with netdata\'s names, formats and order', async () => {
    const info = JSON.parse((await f.get('/host/nd-child/api/v1/info')).body);
    assert.deepEqual(Object.keys(info).filter((k) => k !== 'last_data'), OBSERVED_INFO_KEYS);
    for (const [key, value] of Object.entries(OBSERVED_FACTS)) assert.equal(info[key], value, key);
    assert.equal(info.version, 'v1.37.1');
    assert.equal(info.uid, CHILD_GUID);
  });

  it('shows host_labels as a name → value object in the order they came', async () => {
    const info = JSON.parse((await f.get('/host/nd-child/api/v1/info')).body);
    assert.deepEqual(Object.entries(info.host_labels), OBSERVED_LABELS.map(([n, , v]) => [n, v]));
  });

  it('leaves out the container, k8s and cloud fields of a host without them, as netdata does for NULLs', async () => {
    const info = JSON.parse((await f.get('/api/v1/info')).body);
    for (const key of ['container_os_name', 'is_k8s_node', 'cloud_provider_type']) assert.equal(key in info, false, key);
    for (const key of ['os_name', 'cores_total', 'cpu_freq', 'ram_total', 'kernel_name', 'virtualization', 'container']) {
      assert.equal(info[key], '', key);
    }
  });
});

describe('chart_labels in /api/v1/charts and /api/v1/chart (netdata 1.37)', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture();
    f.feed('CHART net.ifb0 "" "Bandwidth" "kilobits/s" ifb0 net.net area 7000 1 "" "proc.plugin" "/proc/net/dev"\n' +
      'DIMENSION received "" incremental 8 1000\n' +
      'CLABEL "interface_type" "virtual" 1\nCLABEL "device" "ifb0" 1\nCLABEL_COMMIT\n' +
      'CHART t.nomod "" "no module" "x" "" "" line 1 1 "" "t.plugin" ""\nDIMENSION a "" absolute 1 1\n');
    feedSeconds(f, 3, (i) => `BEGIN net.ifb0\nSET received = ${i * 1000}\nEND\nBEGIN t.nomod\nSET a = ${i}\nEND\n`);
    f.clock.nowS = START_S + 10;
  });
  after(() => f.stop());

  it('gives _collect_plugin and _collect_module first, then the chart\'s own labels, as seen on 1.37', async () => {
    const charts = JSON.parse((await f.get('/api/v1/charts')).body).charts;
    // a 1.37 child's net_operstate.ifb0: {"_collect_plugin":"proc.plugin","_collect_module":"/proc/net/dev",
    // "interface_type":"virtual","device":"ifb0"}
    assert.deepEqual(Object.entries(charts['net.ifb0'].chart_labels), [
      ['_collect_plugin', 'proc.plugin'], ['_collect_module', '/proc/net/dev'], ['interface_type', 'virtual'], ['device', 'ifb0'],
    ]);
    const keys = Object.keys(charts['net.ifb0']);
    assert.equal(keys[keys.indexOf('alarms') + 1], 'chart_labels', 'right after alarms, as in 1.37');
  });

  it('writes [none] for an empty module, as 1.37 showed for a plugin\'s chart without one', async () => {
    const one = JSON.parse((await f.get('/api/v1/chart?chart=t.nomod')).body);
    assert.deepEqual(one.chart_labels, { _collect_plugin: 't.plugin', _collect_module: '[none]' });
  });
});
