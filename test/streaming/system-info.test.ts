/**
 * A child's system facts and `_` host labels, end to end: a real netdata 1.37 child streams into
 * a Tributary parent, which shows the child's kernel, cores, RAM, virtualization, container and
 * labels in `/host/CHILD/api/v1/info` as the child shows them itself; through a Tributary proxy a
 * netdata parent two hops up sees the same facts. The request line alone must carry them: on a
 * version-1 link the child sends no LABEL lines. Real agents on 127.0.0.1; the netdata cases
 * are skipped, with the reason, when netdata is not installed.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import * as os from 'node:os';
import { API_KEY, eventually, freePort, killAll, newGuid, startNode, type TestNode } from './nodes.js';
import { netdataMissing, startNetdata, stopAllNetdata } from './netdata.js';

const missing = netdataMissing();

after(async () => {
  killAll();
  await stopAllNetdata();
});

/** `/api/v1/info` fields that carry system facts (netdata 1.37's names). */
const FACT_KEYS = ['os_name', 'os_id', 'os_id_like', 'os_version', 'os_version_id', 'os_detection', 'cores_total',
  'total_disk_space', 'cpu_freq', 'ram_total', 'container_os_name', 'container_os_id', 'container_os_id_like',
  'container_os_version', 'container_os_version_id', 'container_os_detection', 'is_k8s_node', 'kernel_name',
  'kernel_version', 'architecture', 'virtualization', 'virt_detection', 'container', 'container_detection',
  'cloud_provider_type', 'cloud_instance_type', 'cloud_instance_region'];

/** The host labels a 1.37 child derives from its facts; the request line alone gives a parent these. */
const FACT_LABELS = ['_cloud_provider_type', '_cloud_instance_type', '_cloud_instance_region', '_os_name', '_os_version',
  '_kernel_version', '_system_cores', '_system_cpu_freq', '_system_ram_total', '_system_disk_space', '_architecture',
  '_virtualization', '_container', '_container_detection', '_virt_detection', '_is_k8s_node'];

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]]));
}

/**
 * Sends one STREAM request with `extra` parameters, waits for the prompt, defines one chart (a
 * host that never defined one is dropped when its link ends), then closes.
 */
async function streamOnce(port: number, guid: string, extra: string): Promise<void> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(`STREAM key=${API_KEY}&hostname=raw-child&machine_guid=${guid}&update_every=1&ver=1${extra} HTTP/1.1\r\n` +
    'User-Agent: probe/1\r\nAccept: */*\r\n\r\n');
  await once(socket, 'data');
  socket.end('CHART raw.facts \'\' \'facts\' \'n\' raw raw.facts line 1 1\nDIMENSION one \'\' absolute 1 1\n');
  await once(socket, 'close');
}

async function info(node: TestNode, prefix: string): Promise<Record<string, any>> {
  return node.api(`${prefix}/api/v1/info`);
}

describe('system facts and host labels of streamed hosts', { concurrency: true }, () => {
  it('keeps a child\'s facts from its request when it reconnects, and updates what it says again', async () => {
    const parent = await startNode({ hostname: 'p-facts', plugin: false });
    const guid = newGuid();
    await streamOnce(parent.port, guid, '&NETDATA_SYSTEM_KERNEL_VERSION=5.10.0-9%2bdeb11&NETDATA_SYSTEM_CPU_FREQ=2.596e+09' +
      '&NETDATA_CONTAINER_OS_NAME=Debian GNU/Linux&NETDATA_SYSTEM_OS_NAME=Debian+GNU%2fLinux&utc_offset=-18000');
    const first = await eventually('the raw child at the parent', () => info(parent, '/host/raw-child').catch(() => undefined));
    assert.equal(first.kernel_version, '5.10.0-9+deb11');
    assert.equal(first.cpu_freq, '2.596e+09');
    assert.equal(first.os_name, 'Debian GNU/Linux');
    assert.equal(first.container_os_name, 'Debian GNU/Linux');
    assert.equal(first.host_labels._kernel_version, '5.10.0-9+deb11');
    assert.equal(first.host_labels._os_name, 'Debian GNU/Linux');
    // a request without facts (a 1.10 child) keeps them; one with a new kernel changes that one
    await streamOnce(parent.port, guid, '');
    assert.equal((await info(parent, '/host/raw-child')).kernel_version, '5.10.0-9+deb11');
    await streamOnce(parent.port, guid, '&NETDATA_SYSTEM_KERNEL_VERSION=6.1.0');
    const last = await info(parent, '/host/raw-child');
    assert.equal(last.kernel_version, '6.1.0');
    assert.equal(last.host_labels._kernel_version, '6.1.0');
    assert.equal(last.cpu_freq, '', 'the request that said only the kernel replaced the facts it carried');
    assert.equal(last.host_labels._system_cpu_freq, undefined);
    // the parent itself: this machine's facts, and a parent now
    const own = await info(parent, '');
    assert.equal(own.kernel_name, os.type());
    assert.equal(own.kernel_version, os.release());
    assert.equal(own.cores_total, String(os.cpus().length));
    assert.equal(own.host_labels._is_parent, 'true');
    assert.equal(own.host_labels._kernel_version, os.release());
    assert.doesNotMatch(parent.output(), /which is not used/);
  });

  it('a netdata 1.37 child\'s facts and _ labels at a Tributary parent are the child\'s own', { skip: missing ?? false }, async () => {
    const parent = await startNode({ hostname: 'p-nd-facts', plugin: false });
    const nd = startNetdata({
      hostname: 'nd-facts',
      port: await freePort(),
      streamConf: `[stream]\n\tenabled = yes\n\tdestination = 127.0.0.1:${parent.port}\n\tapi key = ${API_KEY}\n`,
    });
    const atParent = await eventually('nd-facts at the parent', () => info(parent, '/host/nd-facts').catch(() => undefined), 40_000);
    const own = await eventually('netdata answering', () => nd.api('/api/v1/info'), 30_000);
    assert.deepEqual(pick(atParent, FACT_KEYS), pick(own, FACT_KEYS));
    for (const key of ['kernel_version', 'cores_total', 'ram_total', 'virtualization', 'container']) {
      assert.notEqual(atParent[key], '', `${key} is known`);
    }
    // from the request line alone (a V1 link) or from LABEL lines (a link with host labels)
    assert.deepEqual(pick(atParent.host_labels, FACT_LABELS), pick(own.host_labels, FACT_LABELS));
    assert.equal(Object.keys(pick(atParent.host_labels, FACT_LABELS)).length, FACT_LABELS.length);
    assert.equal(atParent.version, own.version);
    assert.doesNotMatch(parent.output(), /which is not used/);
  });

  it('a netdata parent two hops up sees the netdata child\'s facts through a Tributary proxy', { skip: missing ?? false }, async () => {
    const top = startNetdata({
      hostname: 'nd-top',
      port: await freePort(),
      streamConf: `[${API_KEY}]\n\tenabled = yes\n\tdefault memory mode = ram\n\thealth enabled by default = no\n`,
    });
    await eventually('netdata top answering', () => top.api('/api/v1/info'), 30_000);
    const proxy = await startNode({ hostname: 'p-proxy-facts', plugin: false, sendTo: { destination: `127.0.0.1:${top.port}` } });
    const nd = startNetdata({
      hostname: 'nd-leaf',
      port: await freePort(),
      streamConf: `[stream]\n\tenabled = yes\n\tdestination = 127.0.0.1:${proxy.port}\n\tapi key = ${API_KEY}\n`,
    });
    const atTop = await eventually('nd-leaf at the top', async () => {
      const i = await top.api('/host/nd-leaf/api/v1/info').catch(() => undefined);
      return i?.kernel_version ? i : undefined;
    }, 60_000);
    const own = await nd.api('/api/v1/info');
    // netdata decodes '+' as a space; the proxy escapes it, so even cpu_freq arrives as the child says it
    assert.deepEqual(pick(atTop, FACT_KEYS), pick(own, FACT_KEYS));
    const status = atTop.mirrored_hosts_status.find((h: { hostname: string }) => h.hostname === 'nd-leaf');
    assert.equal(status.hops, 2);
    // and the proxy itself, one hop up from netdata's child
    const proxyStatus = atTop.mirrored_hosts_status.find((h: { hostname: string }) => h.hostname === 'p-proxy-facts');
    assert.equal(proxyStatus.hops, 1);
    const proxyAtTop = await top.api('/host/p-proxy-facts/api/v1/info');
    assert.equal(proxyAtTop.kernel_version, os.release());
    assert.equal(proxyAtTop.kernel_name, os.type());
  });
});
