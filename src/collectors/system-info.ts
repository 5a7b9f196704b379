/**
 * This machine's system facts, found once at start-up the way netdata 1.37's `system-info.sh`
 * finds them (kernel, virtualization and container, OS of the host and of the container, CPUs,
 * CPU frequency, RAM, disk size, Kubernetes), and the `_` host labels netdata derives from them
 * (`rrdhost_load_auto_labels`, `database/rrdhost.c@1.37`). Files are read directly; the only
 * program run is `systemd-detect-virt`, when it is installed. No cloud metadata is fetched:
 * the three cloud facts stay `unknown`.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import { delimiter, join } from 'node:path';
import type { HostIdentity } from '../database/index.js';

/** A host's system facts (netdata's `rrdhost_system_info`). */
export type SystemInfo = NonNullable<HostIdentity['system']>;
type Labels = Map<string, { value: string; source: number }>;

/** netdata's label sources (reference §1.4): AUTO, CONFIG, ACLK. */
const LABEL_AUTO = 1;
const LABEL_CONFIG = 2;
const LABEL_ACLK = 8;

/** What the facts are read from; tests give a fake machine. */
export interface SystemProbe {
  /** A file's text, null when it cannot be read. */
  read(path: string): string | null;
  exists(path: string): boolean;
  /** Entry names of a directory, [] when it cannot be read. */
  list(path: string): string[];
  /** What `program` printed and its exit code; null when it is not installed or did not start. */
  run(program: string, args: string[]): Promise<{ stdout: string; exitCode: number } | null>;
  env: Readonly<Record<string, string | undefined>>;
  /** `uname -s`, `uname -r`, `uname -m`. */
  uname: { sysname: string; release: string; machine: string };
  /** Logical CPUs online; RAM in bytes (fallbacks where /proc says nothing). */
  cpuCount(): number;
  totalMemBytes(): number;
}

const RUN_TIMEOUT_MS = 3000;

function findProgram(program: string, path: string | undefined): string | null {
  if (program.startsWith('/')) return existsSync(program) ? program : null;
  const dirs = [...(path ?? '').split(delimiter), '/usr/bin', '/bin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) if (dir && existsSync(join(dir, program))) return join(dir, program);
  return null;
}

/** This machine. */
export function localProbe(): SystemProbe {
  return {
    read: (path) => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return null;
      }
    },
    exists: existsSync,
    list: (path) => {
      try {
        return readdirSync(path);
      } catch {
        return [];
      }
    },
    run: (program, args) => {
      const file = findProgram(program, process.env.PATH);
      if (file === null) return Promise.resolve(null);
      return new Promise((resolve) => {
        execFile(file, args, { timeout: RUN_TIMEOUT_MS, encoding: 'utf8' }, (err, stdout) => {
          if (!err) resolve({ stdout, exitCode: 0 });
          else resolve(typeof err.code === 'number' && !err.killed ? { stdout, exitCode: err.code } : null);
        });
      });
    },
    env: process.env,
    uname: { sysname: os.type(), release: os.release(), machine: os.machine() },
    cpuCount: () => os.cpus().length,
    totalMemBytes: () => os.totalmem(),
  };
}

/** `KEY=value` lines of an os-release style file, values unquoted as the shell would. */
function shellAssignments(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (!m) continue;
    const raw = m[2];
    const quoted = /^"(.*)"$/.exec(raw) ?? /^'(.*)'$/.exec(raw);
    values.set(m[1], quoted ? quoted[1].replace(/\\(["$`\\])/g, '$1') : raw);
  }
  return values;
}

interface OsFacts { name: string; id: string; idLike: string; version: string; versionId: string; detection: string }

function unknownOs(): OsFacts {
  return { name: 'unknown', id: 'unknown', idLike: 'unknown', version: 'unknown', versionId: 'unknown', detection: 'unknown' };
}

/** NAME, ID, ID_LIKE, VERSION, VERSION_ID of an os-release file over `into` (absent keys stay). */
function readOsRelease(probe: SystemProbe, path: string, into: OsFacts): boolean {
  const text = probe.read(path);
  if (text === null) return false;
  const v = shellAssignments(text);
  into.name = v.get('NAME') ?? into.name;
  into.id = v.get('ID') ?? into.id;
  into.idLike = v.get('ID_LIKE') ?? into.idLike;
  into.version = v.get('VERSION') ?? into.version;
  into.versionId = v.get('VERSION_ID') ?? into.versionId;
  into.detection = path;
  return true;
}

/** The OS netdata runs on: /etc/os-release, then /etc/lsb-release for what it lacks. */
function runningOs(probe: SystemProbe): OsFacts {
  const facts = unknownOs();
  if (probe.uname.sysname === 'FreeBSD') {
    return { ...facts, name: 'FreeBSD', id: 'FreeBSD', idLike: 'FreeBSD', version: probe.uname.release, detection: 'uname' };
  }
  readOsRelease(probe, '/etc/os-release', facts);
  if (facts.name !== 'unknown' && facts.version !== 'unknown' && facts.id !== 'unknown') return facts;
  const lsb = probe.read('/etc/lsb-release');
  if (lsb === null) return facts;
  facts.detection = facts.detection === 'unknown' ? '/etc/lsb-release' : 'Mixed';
  const v = shellAssignments(lsb);
  if (facts.name === 'unknown') facts.name = v.get('DISTRIB_ID') ?? 'unknown';
  if (facts.version === 'unknown') facts.version = v.get('DISTRIB_RELEASE') ?? 'unknown';
  if (facts.id === 'unknown') facts.id = v.get('DISTRIB_CODENAME') ?? 'unknown';
  return facts;
}

/** DMI vendor strings and the names systemd-detect-virt gives them. */
const DMI_VENDORS: ReadonlyArray<readonly [string, string]> = [
  ['KVM', 'kvm'], ['Amazon EC2', 'amazon'], ['QEMU', 'qemu'], ['VMware', 'vmware'], ['VMW', 'vmware'],
  ['innotek GmbH', 'oracle'], ['VirtualBox', 'oracle'], ['Oracle Corporation', 'oracle'], ['Xen', 'xen'],
  ['Bochs', 'bochs'], ['Parallels', 'parallels'], ['BHYVE', 'bhyve'], ['Hyper-V', 'microsoft'],
  ['Apple Virtualization', 'apple'], ['Google Compute Engine', 'google'],
];

/** Without systemd-detect-virt: DMI, Xen's files, and the CPU's `hypervisor` flag. */
function virtualizationFromFiles(probe: SystemProbe): { name: string; detection: string } {
  for (const file of ['product_name', 'sys_vendor', 'board_vendor', 'bios_vendor']) {
    const text = probe.read(`/sys/class/dmi/id/${file}`)?.trim();
    const hit = text ? DMI_VENDORS.find(([vendor]) => text.startsWith(vendor)) : undefined;
    if (hit) return { name: hit[1], detection: 'dmi' };
  }
  if (probe.read('/sys/hypervisor/type')?.trim() === 'xen' || probe.exists('/proc/xen')) return { name: 'xen', detection: 'sysfs' };
  const cpuinfo = probe.read('/proc/cpuinfo');
  const flags = cpuinfo ? /^flags\s*:(.*)$/m.exec(cpuinfo) : null;
  if (flags && !flags[1].split(/\s+/).includes('hypervisor')) return { name: 'none', detection: '/proc/cpuinfo' };
  return { name: 'unknown', detection: 'none' };
}

function normalizeVirtualization(name: string): string {
  const renamed = name === 'User-mode Linux' ? 'uml' : name === 'Windows Subsystem for Linux' ? 'wsl' : name;
  return renamed.toLowerCase().replace(/ /g, '-');
}

interface VirtFacts { virtualization: string; virtDetection: string; container: string; containerDetection: string }

async function virtualization(probe: SystemProbe): Promise<VirtFacts> {
  const facts: VirtFacts = { virtualization: 'unknown', virtDetection: 'none', container: 'unknown', containerDetection: 'none' };
  const given = probe.env.VIRTUALIZATION;
  if (given) {
    facts.virtualization = given;
    facts.virtDetection = 'provided';
  } else {
    const [virt, container] = await Promise.all([
      probe.run('systemd-detect-virt', ['-v']), probe.run('systemd-detect-virt', ['-c']),
    ]);
    if (virt !== null) {
      facts.virtualization = virt.stdout.trim();
      facts.virtDetection = 'systemd-detect-virt';
      if (container?.stdout.trim()) facts.container = container.stdout.trim();
      facts.containerDetection = 'systemd-detect-virt';
    } else {
      const found = virtualizationFromFiles(probe);
      facts.virtualization = found.name;
      facts.virtDetection = found.detection;
    }
    if (!facts.virtualization) {
      facts.virtualization = 'unknown';
      facts.virtDetection = 'none';
    } else if (facts.virtualization !== 'none' && facts.virtualization !== 'unknown') {
      facts.virtualization = normalizeVirtualization(facts.virtualization);
    }
  }
  if (facts.container === 'unknown') await containerHeuristics(probe, facts);
  return facts;
}

/** system-info.sh's container heuristics, later ones winning. */
async function containerHeuristics(probe: SystemProbe, facts: VirtFacts): Promise<void> {
  const init = probe.read('/proc/1/sched')?.split(/[(, ]/)[0];
  // system-info.sh looks for netdata as PID 1; here the agent runs under node
  if (init === 'netdata' || init === 'node') { facts.container = 'container'; facts.containerDetection = 'process'; }
  if (probe.exists('/bin/running-in-container') && (await probe.run('/bin/running-in-container', []))?.exitCode === 0) {
    facts.container = 'container';
    facts.containerDetection = '/bin/running-in-container';
  }
  if (probe.env.container) { facts.container = 'lxc'; facts.containerDetection = 'containerenv'; }
  if (probe.exists('/.dockerenv')) { facts.container = 'docker'; facts.containerDetection = 'dockerenv'; }
}

/** CPU frequency in Hz as system-info.sh finds it; `unknown` when nothing says. */
function cpuFrequency(probe: SystemProbe): string {
  const khz = (file: string) => {
    const n = Number.parseInt(probe.read(`/sys/devices/system/cpu/cpu0/cpufreq/${file}`)?.trim() ?? '', 10);
    return Number.isFinite(n) && n > 0 ? n : null;
  };
  const base = khz('base_frequency');
  if (base !== null) return String(base * 1000);
  // lscpu's "CPU max MHz" is cpuinfo_max_freq; system-info.sh keeps its whole MHz
  const max = khz('cpuinfo_max_freq');
  if (max !== null) return String(Math.floor(max / 1000) * 1_000_000);
  const cpuinfo = probe.read('/proc/cpuinfo') ?? '';
  const ghz = /^model name\s*:.*?([0-9.]+)GHz/m.exec(cpuinfo);
  if (ghz) return String(Math.floor(Number(ghz[1]) * 1000) * 1_000_000);
  const mhz = /^cpu MHz\s*:\s*(\d+)/m.exec(cpuinfo);
  return mhz ? String(Number(mhz[1]) * 1_000_000) : 'unknown';
}

function ramBytes(probe: SystemProbe): string {
  const m = /^MemTotal:\s*(\d+)\s*kB/m.exec(probe.read('/proc/meminfo') ?? '');
  if (m) return String(Number(m[1]) * 1024);
  const bytes = probe.totalMemBytes();
  return bytes > 0 ? String(bytes) : 'unknown';
}

/** Block device names system-info.sh counts as storage (their majors in /proc/devices). */
const DISK_DEVICE_NAMES = new Set(['hd', 'sd', 'mfm', 'ad', 'ftl', 'pd', 'nftl', 'dasd', 'intfl', 'mmcblk', 'ub', 'xvd',
  'rfd', 'vbd', 'nvme', 'virtblk', 'blkext']);

/** Sum of the sizes of /sys/block's non-removable storage disks (bytes), `unknown` without sysfs. */
function diskBytes(probe: SystemProbe): string {
  const devices = probe.read('/proc/devices');
  const disks = probe.list('/sys/block');
  if (devices === null || disks.length === 0) return 'unknown';
  const majors = new Set<string>();
  const block = devices.slice(Math.max(0, devices.indexOf('Block devices:')));
  for (const line of block.split('\n')) {
    const m = /^\s*(\d+)\s+(\S+)$/.exec(line);
    if (m && DISK_DEVICE_NAMES.has(m[2])) majors.add(m[1]);
  }
  let total = 0;
  for (const disk of disks) {
    const base = `/sys/block/${disk}`;
    const major = probe.read(`${base}/dev`)?.split(':')[0]?.trim();
    const sectors = Number.parseInt(probe.read(`${base}/size`)?.trim() ?? '', 10);
    const removable = probe.read(`${base}/removable`)?.trim();
    if (major && majors.has(major) && Number.isFinite(sectors) && removable !== undefined && removable !== '1') total += sectors * 512;
  }
  return String(total);
}

function isK8sNode(probe: SystemProbe): string {
  if (probe.env.KUBERNETES_SERVICE_HOST && probe.env.KUBERNETES_SERVICE_PORT) return 'true';
  for (const pid of probe.list('/proc')) {
    if (/^\d+$/.test(pid) && probe.read(`/proc/${pid}/comm`)?.includes('kubelet')) return 'true';
  }
  return 'false';
}

/**
 * This machine's facts, as netdata's system-info.sh reports them. Meant to be called once at
 * start-up: it reads a few dozen small files and may run systemd-detect-virt twice.
 */
export async function readSystemInfo(probe: SystemProbe = localProbe()): Promise<SystemInfo> {
  const virt = await virtualization(probe);
  const running = runningOs(probe);
  // on bare metal (no container) the OS found is the host's; in a container it is the container's
  const inContainer = virt.container !== 'unknown' && virt.container !== 'none';
  const hostOs = inContainer ? unknownOs() : running;
  if (inContainer) readOsRelease(probe, '/host/etc/os-release', hostOs);
  const containerOs: OsFacts = inContainer ? running
    : { name: 'none', id: 'none', idLike: 'none', version: 'none', versionId: 'none', detection: 'none' };
  const cores = probe.cpuCount();
  return Object.freeze({
    osName: hostOs.name, osId: hostOs.id, osIdLike: hostOs.idLike, osVersion: hostOs.version,
    osVersionId: hostOs.versionId, osDetection: hostOs.detection,
    coresTotal: cores > 0 ? String(cores) : 'unknown',
    cpuFreq: cpuFrequency(probe),
    ramTotal: ramBytes(probe),
    totalDiskSpace: diskBytes(probe),
    containerOsName: containerOs.name, containerOsId: containerOs.id, containerOsIdLike: containerOs.idLike,
    containerOsVersion: containerOs.version, containerOsVersionId: containerOs.versionId,
    containerOsDetection: containerOs.detection,
    isK8sNode: isK8sNode(probe),
    kernelName: probe.uname.sysname, kernelVersion: probe.uname.release, architecture: probe.uname.machine,
    ...virt,
    cloudProviderType: 'unknown', cloudInstanceType: 'unknown', cloudInstanceRegion: 'unknown',
    mlCapable: 0, mlEnabled: 0, mcVersion: 0,
  });
}

/** The facts behind each automatic host label, in the order netdata adds them. */
const AUTO_LABELS: ReadonlyArray<readonly [string, keyof SystemInfo]> = [
  ['_cloud_provider_type', 'cloudProviderType'],
  ['_cloud_instance_type', 'cloudInstanceType'],
  ['_cloud_instance_region', 'cloudInstanceRegion'],
  ['_os_name', 'osName'],
  ['_os_version', 'osVersion'],
  ['_kernel_version', 'kernelVersion'],
  ['_system_cores', 'coresTotal'],
  ['_system_cpu_freq', 'cpuFreq'],
  ['_system_ram_total', 'ramTotal'],
  ['_system_disk_space', 'totalDiskSpace'],
  ['_architecture', 'architecture'],
  ['_virtualization', 'virtualization'],
  ['_container', 'container'],
  ['_container_detection', 'containerDetection'],
  ['_virt_detection', 'virtDetection'],
  ['_is_k8s_node', 'isK8sNode'],
];

const AUTO_LABEL_NAMES: ReadonlySet<string> = new Set(AUTO_LABELS.map(([name]) => name));

/**
 * The `_` host labels netdata 1.37 derives from a host's system facts (source AUTO), one per
 * fact present, in netdata's order. netdata builds them for its own host only and a parent
 * learns a child's through LABEL/OVERWRITE; applied to the facts of a child's request they
 * are the labels that child would have sent.
 */
export function systemLabels(info: SystemInfo | undefined): Labels {
  const labels: Labels = new Map();
  if (!info) return labels;
  for (const [name, key] of AUTO_LABELS) {
    const value = info[key];
    if (value !== undefined && value !== '') labels.set(name, { value: String(value), source: LABEL_AUTO });
  }
  return labels;
}

/**
 * `labels` with the automatic labels of `info` in place of those of earlier facts (a fact no
 * longer given loses its label), other labels kept, in their order.
 */
export function withSystemLabels(labels: Labels, info: SystemInfo): Labels {
  const derived = systemLabels(info);
  const next: Labels = new Map();
  for (const [name, label] of labels) {
    if (!AUTO_LABEL_NAMES.has(name)) next.set(name, label);
    else if (derived.has(name)) next.set(name, derived.get(name)!);
  }
  for (const [name, label] of derived) next.set(name, label);
  return next;
}

/** What the local host's labels depend on besides its facts. */
export interface LocalLabelOptions {
  /** `[host labels]` of netdata.conf. */
  configLabels: ReadonlyMap<string, string>;
  /** Whether children stream to this node now (`_is_parent`). */
  isParent: boolean;
  /** `[stream] destination` as written when this node streams, else null (`_streams_to`). */
  streamsTo: string | null;
}

/**
 * The local host's labels in netdata 1.37's order (`reload_host_labels`): `[host labels]`
 * (CONFIG), then the automatic ones, `_aclk_available` (this agent has no cloud link),
 * `_is_parent` and `_streams_to`. An automatic label replaces a configured one of its name.
 */
export function localHostLabels(info: SystemInfo, o: LocalLabelOptions): Labels {
  const labels: Labels = new Map();
  for (const [name, value] of o.configLabels) labels.set(name, { value, source: LABEL_CONFIG });
  for (const [name, label] of systemLabels(info)) labels.set(name, label);
  labels.set('_aclk_available', { value: 'false', source: LABEL_AUTO | LABEL_ACLK });
  labels.set('_is_parent', { value: o.isParent ? 'true' : 'false', source: LABEL_AUTO });
  if (o.streamsTo) labels.set('_streams_to', { value: o.streamsTo, source: LABEL_AUTO });
  return labels;
}

/** Sets `_is_parent` on the local host's labels (netdata updates it as children come and go). */
export function withIsParent(labels: Labels, isParent: boolean): Labels {
  const next: Labels = new Map(labels);
  next.set('_is_parent', { value: isParent ? 'true' : 'false', source: LABEL_AUTO });
  return next;
}
