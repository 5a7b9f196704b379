import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isUuid } from '../config/index.js';
import {
  buildStreamRequest, findHeadEnd, isKnownParam, parseStreamRequest, SYSTEM_FIELDS, type SenderIdentity, type StreamRequest,
} from './request.js';

const identity: SenderIdentity = {
  apiKey: '11111111-2222-3333-4444-555555555555',
  hostname: 'child one',
  registryHostname: 'child one',
  machineGuid: 'd5652b8a-e83d-11f1-a0b1-02fc00000001',
  updateEverySecs: 2,
  os: 'linux',
  timezone: 'Etc/UTC',
  abbrevTimezone: 'UTC',
  utcOffsetSecs: 0,
  hops: 1,
  tags: '',
  version: 1,
  programName: 'tributary',
  programVersion: 'v0.1.0',
};

/** The request line of a real netdata 1.37.1 child (captures/netdata-1.37-child-v1-first200.txt). */
const CAPTURED_1_37 = 'STREAM key=11111111-2222-3333-4444-555555555555&hostname=nd-child-fp&registry_hostname=nd-child-fp' +
  '&machine_guid=d5652b8a-e83d-11f1-a0b1-02fc00000001&update_every=1&os=linux&timezone=Etc/UTC&abbrev_timezone=UTC' +
  '&utc_offset=0&hops=1&ml_capable=0&ml_enabled=0&mc_version=1&tags=&ver=16376&NETDATA_INSTANCE_CLOUD_TYPE=unknown' +
  '&NETDATA_INSTANCE_CLOUD_INSTANCE_TYPE=unknown&NETDATA_INSTANCE_CLOUD_INSTANCE_REGION=unknown' +
  '&NETDATA_SYSTEM_OS_NAME=unknown&NETDATA_SYSTEM_OS_ID=unknown&NETDATA_SYSTEM_OS_ID_LIKE=unknown' +
  '&NETDATA_SYSTEM_OS_VERSION=unknown&NETDATA_SYSTEM_OS_VERSION_ID=unknown&NETDATA_SYSTEM_OS_DETECTION=unknown' +
  '&NETDATA_HOST_IS_K8S_NODE=false&NETDATA_SYSTEM_KERNEL_NAME=Linux&NETDATA_SYSTEM_KERNEL_VERSION=6.18.44-fc-v782' +
  '&NETDATA_SYSTEM_ARCHITECTURE=x86_64&NETDATA_SYSTEM_VIRTUALIZATION=bhyve&NETDATA_SYSTEM_VIRT_DETECTION=systemd-detect-virt' +
  '&NETDATA_SYSTEM_CONTAINER=docker&NETDATA_SYSTEM_CONTAINER_DETECTION=systemd-detect-virt' +
  '&NETDATA_CONTAINER_OS_NAME=Debian GNU/Linux&NETDATA_CONTAINER_OS_ID=debian&NETDATA_CONTAINER_OS_ID_LIKE=unknown' +
  '&NETDATA_CONTAINER_OS_VERSION=12 (bookworm)&NETDATA_CONTAINER_OS_VERSION_ID=12' +
  '&NETDATA_CONTAINER_OS_DETECTION=/etc/os-release&NETDATA_SYSTEM_CPU_LOGICAL_CPU_COUNT=2' +
  '&NETDATA_SYSTEM_CPU_FREQ=2096000000&NETDATA_SYSTEM_TOTAL_RAM=25276026880&NETDATA_SYSTEM_TOTAL_DISK_SIZE=274877906944' +
  '&NETDATA_PROTOCOL_VERSION=1.1 HTTP/1.1\r\nUser-Agent: netdata/v1.37.1\r\nAccept: */*\r\n\r\n';

/** Parameter names of a request line, in order. */
function paramNames(request: string): string[] {
  const line = request.split('\r\n')[0];
  return line.slice('STREAM '.length, line.lastIndexOf(' HTTP/')).split('&').map((p) => p.slice(0, p.indexOf('=')));
}

/** What a proxy sends upstream for a host it received with `r` (identity.ts does this from the host). */
function forwarded(r: StreamRequest, version: number): SenderIdentity {
  return {
    apiKey: r.apiKey, hostname: r.hostname, registryHostname: r.registryHostname, machineGuid: r.machineGuid,
    updateEverySecs: r.updateEverySecs ?? 1, os: r.os, timezone: r.timezone, abbrevTimezone: r.abbrevTimezone,
    utcOffsetSecs: r.utcOffsetSecs, hops: r.hops, tags: r.tags, version, programName: r.programName,
    programVersion: r.programVersion, system: r.system,
  };
}

describe('buildStreamRequest (reference §2.1)', () => {
  it('writes 1.37\'s request line and headers, escaping only what breaks the syntax', () => {
    const empty = SYSTEM_FIELDS.map(([name]) => `&${name}=`).join('');
    assert.equal(
      buildStreamRequest(identity),
      'STREAM key=11111111-2222-3333-4444-555555555555&hostname=child%20one&registry_hostname=child%20one' +
      '&machine_guid=d5652b8a-e83d-11f1-a0b1-02fc00000001&update_every=2&os=linux&timezone=Etc/UTC' +
      `&abbrev_timezone=UTC&utc_offset=0&hops=1&ml_capable=0&ml_enabled=0&mc_version=0&tags=&ver=1${empty}` +
      '&NETDATA_PROTOCOL_VERSION=1.1 HTTP/1.1\r\n' +
      'User-Agent: tributary/v0.1.0\r\nAccept: */*\r\n\r\n',
    );
  });

  it('writes the fields in the order of a real 1.37 child, with ver= as the caller gives it', () => {
    const built = buildStreamRequest(forwarded(parseStreamRequest(CAPTURED_1_37), 1));
    assert.deepEqual(paramNames(built), paramNames(CAPTURED_1_37));
    assert.match(built, /&tags=&ver=1&NETDATA_INSTANCE_CLOUD_TYPE=unknown&/);
    assert.match(built, /&NETDATA_CONTAINER_OS_NAME=Debian%20GNU\/Linux&/);
    assert.match(built, /&NETDATA_CONTAINER_OS_VERSION=12%20\(bookworm\)&/);
    assert.match(built, /&mc_version=1&/);
  });

  it('keeps the captured child\'s facts through a proxy: parse, build, parse gives the same request', () => {
    const first = parseStreamRequest(CAPTURED_1_37);
    const again = parseStreamRequest(buildStreamRequest(forwarded(first, 16376)));
    assert.deepEqual({ ...again, params: undefined }, { ...first, params: undefined });
    assert.deepEqual([...again.params], [...first.params]);
  });

  it('escapes + (a netdata parent decodes it as a space), & and % in values', () => {
    const built = buildStreamRequest({ ...identity, tags: 'a&b', system: { cpuFreq: '2.596e+09', kernelVersion: '5.10+ 100%' } });
    assert.match(built, /&tags=a%26b&/);
    assert.match(built, /&NETDATA_SYSTEM_CPU_FREQ=2\.596e%2B09&/);
    assert.match(built, /&NETDATA_SYSTEM_KERNEL_VERSION=5\.10%2B%20100%25&/);
    const back = parseStreamRequest(built).system!;
    assert.equal(back.cpuFreq, '2.596e+09');
    assert.equal(back.kernelVersion, '5.10+ 100%');
  });

  it('round-trips through the receiver parser', () => {
    const r = parseStreamRequest(buildStreamRequest(identity));
    assert.equal(r.hostname, 'child one');
    assert.equal(r.machineGuid, identity.machineGuid);
    assert.equal(r.updateEverySecs, 2);
    assert.equal(r.hops, 1);
    assert.equal(r.version, 1);
    assert.equal(r.programName, 'tributary');
    assert.equal(r.programVersion, 'v0.1.0');
    assert.equal(r.tags, '', 'an empty value is ignored');
  });
});

describe('the via header', () => {
  it('names the sending node in a header, not a parameter, and round-trips', () => {
    const built = buildStreamRequest({ ...identity, via: 'proxy one' });
    assert.match(built, /\r\nX-Tributary-Via: proxy%20one\r\n\r\n$/);
    assert.deepEqual(paramNames(built), paramNames(buildStreamRequest(identity)), 'the parameters stay 1.37\'s');
    const r = parseStreamRequest(built);
    assert.deepEqual([r.via, r.badVia], ['proxy one', null]);
  });

  it('is null without the header (netdata children), and refused past 255 characters or with control characters', () => {
    assert.deepEqual([parseStreamRequest(CAPTURED_1_37).via, parseStreamRequest(CAPTURED_1_37).badVia], [null, null]);
    const head = (value: string) => CAPTURED_1_37.replace('\r\n\r\n', `\r\nx-tributary-via: ${value}\r\n\r\n`);
    assert.equal(parseStreamRequest(head('p1')).via, 'p1', 'any case of the name');
    const long = parseStreamRequest(head('a'.repeat(256)));
    assert.deepEqual([long.via, long.badVia?.length], [null, 255]);
    const control = parseStreamRequest(head('p%011'));
    assert.deepEqual([control.via, control.badVia], [null, 'p%011']);
  });
});

describe('the spool header', () => {
  const claim = { oldestS: 1_764_661_200, droppedPoints: 5120, droppedUntilS: 1_764_661_199 };

  it('tells a spool\'s state in a header, not a parameter, and round-trips', () => {
    const built = buildStreamRequest({ ...identity, spool: claim });
    assert.match(built, /\r\nX-Tributary-Spool: oldest=1764661200, dropped=5120, until=1764661199\r\n\r\n$/);
    assert.deepEqual(paramNames(built), paramNames(buildStreamRequest(identity)), 'the parameters stay 1.37\'s');
    const r = parseStreamRequest(built);
    assert.deepEqual([r.spool, r.badSpool], [claim, null]);
  });

  it('is null without the header (netdata children), and a bad one is kept, cut, for the log', () => {
    const plain = parseStreamRequest(CAPTURED_1_37);
    assert.deepEqual([plain.spool, plain.badSpool], [null, null]);
    const head = (value: string) => CAPTURED_1_37.replace('\r\n\r\n', `\r\nx-tributary-spool: ${value}\r\n\r\n`);
    assert.deepEqual(parseStreamRequest(head('oldest=0, dropped=0, until=0')).spool, { oldestS: 0, droppedPoints: 0, droppedUntilS: 0 });
    for (const bad of ['oldest=1, dropped=2', 'oldest=-1, dropped=0, until=0', 'oldest=1, dropped=1e3, until=0',
      'oldest=12345678901, dropped=0, until=0', 'oldest=1, dropped=0,  until=0']) {
      const r = parseStreamRequest(head(bad));
      assert.deepEqual([r.spool, r.badSpool], [null, bad], bad);
    }
    const long = parseStreamRequest(head('x'.repeat(500)));
    assert.deepEqual([long.spool, long.badSpool?.length], [null, 96]);
  });
});

describe('parseStreamRequest (reference §2.2, §9)', () => {
  it('reads every system fact of a real 1.37 child\'s request', () => {
    const r = parseStreamRequest(CAPTURED_1_37);
    assert.equal(r.abbrevTimezone, 'UTC');
    assert.equal(r.utcOffsetSecs, 0);
    assert.equal(r.version, 16376);
    assert.deepEqual(r.system, {
      cloudProviderType: 'unknown', cloudInstanceType: 'unknown', cloudInstanceRegion: 'unknown',
      osName: 'unknown', osId: 'unknown', osIdLike: 'unknown', osVersion: 'unknown', osVersionId: 'unknown',
      osDetection: 'unknown', isK8sNode: 'false', kernelName: 'Linux', kernelVersion: '6.18.44-fc-v782',
      architecture: 'x86_64', virtualization: 'bhyve', virtDetection: 'systemd-detect-virt', container: 'docker',
      containerDetection: 'systemd-detect-virt', containerOsName: 'Debian GNU/Linux', containerOsId: 'debian',
      containerOsIdLike: 'unknown', containerOsVersion: '12 (bookworm)', containerOsVersionId: '12',
      containerOsDetection: '/etc/os-release', coresTotal: '2', cpuFreq: '2096000000', ramTotal: '25276026880',
      totalDiskSpace: '274877906944', mlCapable: 0, mlEnabled: 0, mcVersion: 1,
    });
    for (const name of paramNames(CAPTURED_1_37)) assert.ok(isKnownParam(name), name);
    assert.equal(isKnownParam('NETDATA_SOMETHING_NEW'), false, 'netdata logs an unknown NETDATA_ field as not used');
  });

  it('decodes + as a space only in the five fields 1.37 url-encodes', () => {
    const r = parseStreamRequest('STREAM key=k&hostname=h&machine_guid=g&NETDATA_SYSTEM_OS_NAME=Debian+GNU%2fLinux' +
      '&NETDATA_SYSTEM_OS_VERSION=12+(bookworm)&NETDATA_SYSTEM_KERNEL_VERSION=5.10.0-9%2bdeb11' +
      '&NETDATA_SYSTEM_CPU_FREQ=2.596e+09&NETDATA_HOST_OS_ID_LIKE=debian HTTP/1.1\r\n\r\n');
    assert.equal(r.system?.osName, 'Debian GNU/Linux');
    assert.equal(r.system?.osVersion, '12 (bookworm)');
    assert.equal(r.system?.kernelVersion, '5.10.0-9+deb11');
    assert.equal(r.system?.cpuFreq, '2.596e+09', 'sent raw: + is itself');
    assert.equal(r.system?.osIdLike, 'debian', 'NETDATA_HOST_OS_* is read as netdata reads it');
  });

  it('reads a signed utc_offset and gives no system facts for a 1.10 request', () => {
    const r = parseStreamRequest('STREAM key=k&hostname=h&machine_guid=g&abbrev_timezone=EST&utc_offset=-18000 HTTP/1.1\r\n\r\n');
    assert.equal(r.abbrevTimezone, 'EST');
    assert.equal(r.utcOffsetSecs, -18000);
    assert.equal(r.system, undefined);
  });

  it('takes the target up to the last " HTTP/", so raw spaces in values survive', () => {
    const r = parseStreamRequest(
      'STREAM key=k&hostname=h&machine_guid=g&ver=16376&NETDATA_CONTAINER_OS_NAME=Debian GNU/Linux&NETDATA_SYSTEM_OS_NAME=a HTTP/b HTTP/1.1\r\n' +
      'User-Agent: netdata/v1.37.1\r\nAccept: */*\r\n\r\n',
    );
    assert.equal(r.params.get('NETDATA_CONTAINER_OS_NAME'), 'Debian GNU/Linux');
    assert.equal(r.params.get('NETDATA_SYSTEM_OS_NAME'), 'a HTTP/b');
    assert.equal(r.version, 16376);
    assert.equal(r.programName, 'netdata');
    assert.equal(r.programVersion, 'v1.37.1');
  });

  it('fills netdata defaults for absent fields', () => {
    const r = parseStreamRequest('STREAM key=k&hostname=h&machine_guid=g HTTP/1.1\r\n\r\n');
    assert.equal(r.os, 'unknown');
    assert.equal(r.timezone, 'unknown');
    assert.equal(r.hops, 1);
    assert.equal(r.registryHostname, 'h');
    assert.equal(r.updateEverySecs, null);
    assert.equal(r.version, null);
  });

  it('decodes percent-escapes per value after splitting', () => {
    const r = parseStreamRequest('STREAM key=k&hostname=a%26b&os=Debian%20GNU%2FLinux&tags=100% HTTP/1.1\n\n');
    assert.equal(r.hostname, 'a&b');
    assert.equal(r.os, 'Debian GNU/Linux');
    assert.equal(r.tags, '100%', 'a broken escape stays as sent');
  });

  it('refuses what is not a STREAM request', () => {
    assert.throws(() => parseStreamRequest('GET / HTTP/1.1\r\n\r\n'), /not a STREAM request/);
  });

  it('finds the end of the head with CRLF or LF', () => {
    assert.equal(findHeadEnd(Buffer.from('STREAM a HTTP/1.1\r\nX: y\r\n\r\nBEGIN')), 27);
    assert.equal(findHeadEnd(Buffer.from('STREAM a HTTP/1.1\n\nrest')), 19);
    assert.equal(findHeadEnd(Buffer.from('STREAM a HTTP/1.1\r\nX: y\r\n')), -1);
  });

  it('checks UUIDs as uuid_parse does', () => {
    assert.equal(isUuid('11111111-2222-3333-4444-555555555555'), true);
    assert.equal(isUuid('ABCDEFAB-2222-3333-4444-555555555555'), true);
    assert.equal(isUuid('11111111222233334444555555555555'), false);
    assert.equal(isUuid('not-a-key'), false);
  });
});
