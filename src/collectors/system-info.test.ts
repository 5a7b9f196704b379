import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { localHostLabels, readSystemInfo, systemLabels, withSystemLabels, type SystemProbe } from './system-info.js';

interface FakeMachine {
  files: Record<string, string>;
  /** program → [stdout, exit code] for each argument list joined by spaces. */
  programs?: Record<string, [string, number]>;
  env?: Record<string, string>;
  uname?: SystemProbe['uname'];
}

function fake(m: FakeMachine): SystemProbe & { ran: string[] } {
  const ran: string[] = [];
  return {
    ran,
    read: (path) => m.files[path] ?? null,
    exists: (path) => path in m.files || Object.keys(m.files).some((f) => f.startsWith(`${path}/`)),
    list: (path) => [...new Set(Object.keys(m.files).filter((f) => f.startsWith(`${path}/`))
      .map((f) => f.slice(path.length + 1).split('/')[0]))],
    run: async (program, args) => {
      const key = [program, ...args].join(' ');
      ran.push(key);
      const out = m.programs?.[key];
      return out ? { stdout: out[0], exitCode: out[1] } : null;
    },
    env: m.env ?? {},
    uname: m.uname ?? { sysname: 'Linux', release: '6.1.0-18-amd64', machine: 'x86_64' },
    cpuCount: () => 8,
    totalMemBytes: () => 1,
  };
}

const DEBIAN_OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\n' +
  'VERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n';
const PROC_DEVICES = 'Character devices:\n  1 mem\n  4 tty\n\nBlock devices:\n  7 loop\n  8 sd\n259 blkext\n254 virtblk\n';

/** This test machine as system-info.sh saw it: a Docker container in a KVM guest. */
const CONTAINER_IN_KVM: FakeMachine = {
  files: {
    '/etc/os-release': DEBIAN_OS_RELEASE,
    '/.dockerenv': '',
    '/proc/cpuinfo': 'processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC\ncpu MHz\t\t: 2596.000\n' +
      'flags\t\t: fpu vme hypervisor\n',
    '/proc/meminfo': 'MemTotal:       24683652 kB\nMemFree:        1000 kB\n',
    '/proc/devices': PROC_DEVICES,
    '/sys/block/loop0/dev': '7:0\n', '/sys/block/loop0/size': '0\n', '/sys/block/loop0/removable': '0\n',
    '/sys/block/vda/dev': '254:0\n', '/sys/block/vda/size': '536870912\n', '/sys/block/vda/removable': '0\n',
    '/proc/1/sched': 'process_api (1, #threads: 13)\n',
    '/proc/1/comm': 'process_api\n',
  },
  programs: { 'systemd-detect-virt -v': ['kvm\n', 0], 'systemd-detect-virt -c': ['docker\n', 0] },
  uname: { sysname: 'Linux', release: '6.18.44-fc-v857', machine: 'x86_64' },
};

describe('readSystemInfo (netdata 1.37 system-info.sh)', () => {
  it('finds what system-info.sh printed on this Docker-in-KVM machine', async () => {
    const info = await readSystemInfo(fake(CONTAINER_IN_KVM));
    assert.deepEqual(info, {
      // in a container the OS found is the container's; the host's stays unknown without /host/etc/os-release
      osName: 'unknown', osId: 'unknown', osIdLike: 'unknown', osVersion: 'unknown', osVersionId: 'unknown',
      osDetection: 'unknown',
      coresTotal: '8',
      // system-info.sh printed 2.596e+09 (mawk's print of 2596 * 1000000); the same number in full
      cpuFreq: '2596000000',
      ramTotal: '25276059648',
      totalDiskSpace: '274877906944',
      containerOsName: 'Debian GNU/Linux', containerOsId: 'debian', containerOsIdLike: 'unknown',
      containerOsVersion: '12 (bookworm)', containerOsVersionId: '12', containerOsDetection: '/etc/os-release',
      isK8sNode: 'false',
      kernelName: 'Linux', kernelVersion: '6.18.44-fc-v857', architecture: 'x86_64',
      virtualization: 'kvm', virtDetection: 'systemd-detect-virt', container: 'docker', containerDetection: 'systemd-detect-virt',
      cloudProviderType: 'unknown', cloudInstanceType: 'unknown', cloudInstanceRegion: 'unknown',
      mlCapable: 0, mlEnabled: 0, mcVersion: 0,
    });
  });

  it('on bare metal reports the OS as the host\'s and the container fields as none', async () => {
    const probe = fake({
      files: {
        '/etc/os-release': DEBIAN_OS_RELEASE,
        '/sys/devices/system/cpu/cpu0/cpufreq/base_frequency': '2100000\n',
        '/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq': '4000000\n',
        '/proc/meminfo': 'MemTotal:       16000000 kB\n',
        '/proc/devices': PROC_DEVICES,
        '/sys/block/sda/dev': '8:0', '/sys/block/sda/size': '1000', '/sys/block/sda/removable': '0',
        '/sys/block/sdb/dev': '8:16', '/sys/block/sdb/size': '2000', '/sys/block/sdb/removable': '1',
        '/proc/77/comm': 'kubelet\n',
      },
      programs: { 'systemd-detect-virt -v': ['none\n', 1], 'systemd-detect-virt -c': ['none\n', 1] },
    });
    const info = await readSystemInfo(probe);
    assert.equal(info.osName, 'Debian GNU/Linux');
    assert.equal(info.osId, 'debian');
    assert.equal(info.osVersion, '12 (bookworm)');
    assert.equal(info.osDetection, '/etc/os-release');
    assert.equal(info.containerOsName, 'none');
    assert.equal(info.containerOsDetection, 'none');
    assert.equal(info.virtualization, 'none');
    assert.equal(info.container, 'none');
    assert.equal(info.cpuFreq, '2100000000', 'base_frequency (kHz) comes first');
    assert.equal(info.totalDiskSpace, String(1000 * 512), 'a removable disk is not counted');
    assert.equal(info.isK8sNode, 'true', 'a kubelet process makes a Kubernetes node');
  });

  it('without systemd-detect-virt reads DMI and the container heuristics, and runs nothing else', async () => {
    const probe = fake({
      files: {
        '/etc/os-release': 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\n',
        '/sys/class/dmi/id/product_name': 'VirtualBox\n',
        '/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq': '3400500\n',
      },
      env: { container: 'podman' },
    });
    const info = await readSystemInfo(probe);
    assert.deepEqual([info.virtualization, info.virtDetection], ['oracle', 'dmi']);
    assert.deepEqual([info.container, info.containerDetection], ['lxc', 'containerenv']);
    assert.equal(info.containerOsName, 'Alpine Linux');
    assert.equal(info.containerOsVersion, 'unknown', 'no VERSION= in os-release');
    assert.equal(info.cpuFreq, '3400000000', 'whole MHz of cpuinfo_max_freq, as lscpu\'s CPU max MHz');
    assert.equal(info.totalDiskSpace, 'unknown');
    assert.equal(info.ramTotal, '1', 'without /proc/meminfo, the total Node reports');
    assert.deepEqual(probe.ran, ['systemd-detect-virt -v', 'systemd-detect-virt -c']);
  });

  it('takes VIRTUALIZATION from the environment as provided', async () => {
    const info = await readSystemInfo(fake({ files: {}, env: { VIRTUALIZATION: 'Windows Subsystem for Linux' } }));
    assert.deepEqual([info.virtualization, info.virtDetection], ['Windows Subsystem for Linux', 'provided']);
  });
});

describe('host labels from system facts (rrdhost_load_auto_labels)', () => {
  it('derives the automatic labels in netdata\'s order, only for facts present', () => {
    const labels = systemLabels({ kernelVersion: '6.1', coresTotal: '4', architecture: 'x86_64', isK8sNode: 'false', osName: '' });
    assert.deepEqual([...labels], [
      ['_kernel_version', { value: '6.1', source: 1 }],
      ['_system_cores', { value: '4', source: 1 }],
      ['_architecture', { value: 'x86_64', source: 1 }],
      ['_is_k8s_node', { value: 'false', source: 1 }],
    ]);
    assert.equal(systemLabels(undefined).size, 0);
  });

  it('replaces the automatic labels of earlier facts and keeps the others in place', () => {
    const before = new Map([
      ['room', { value: 'b12', source: 2 }], ['_kernel_version', { value: '5.10', source: 1 }],
      ['_system_cpu_freq', { value: '2e9', source: 1 }], ['_is_parent', { value: 'false', source: 1 }],
    ]);
    const after = withSystemLabels(before, { kernelVersion: '6.1', architecture: 'arm64' });
    assert.deepEqual([...after], [
      ['room', { value: 'b12', source: 2 }], ['_kernel_version', { value: '6.1', source: 1 }],
      ['_is_parent', { value: 'false', source: 1 }], ['_architecture', { value: 'arm64', source: 1 }],
    ]);
  });

  it('gives the local host the 1.37 child\'s label names and order, after [host labels]', async () => {
    const info = await readSystemInfo(fake(CONTAINER_IN_KVM));
    const labels = localHostLabels(info, {
      configLabels: new Map([['room', 'b12'], ['_os_name', 'mine']]), isParent: false, streamsTo: '127.0.0.1:29001',
    });
    // the names a real netdata 1.37 child sent (LABEL lines) and showed in host_labels, except the two
    // [health] labels (_is_ephemeral, _has_unstable_connection) this agent does not read
    assert.deepEqual([...labels.keys()], ['room', '_os_name', '_cloud_provider_type', '_cloud_instance_type',
      '_cloud_instance_region', '_os_version', '_kernel_version', '_system_cores', '_system_cpu_freq',
      '_system_ram_total', '_system_disk_space', '_architecture', '_virtualization', '_container',
      '_container_detection', '_virt_detection', '_is_k8s_node', '_aclk_available', '_is_parent', '_streams_to']);
    assert.deepEqual(labels.get('_os_name'), { value: 'unknown', source: 1 }, 'an automatic label wins over a configured one');
    assert.deepEqual(labels.get('room'), { value: 'b12', source: 2 });
    assert.deepEqual(labels.get('_aclk_available'), { value: 'false', source: 9 });
    assert.equal(labels.get('_streams_to')?.value, '127.0.0.1:29001');
    assert.equal(localHostLabels(info, { configLabels: new Map(), isParent: true, streamsTo: null }).has('_streams_to'), false);
  });
});
