import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isUuid } from '../config/index.js';
import { buildStreamRequest, findHeadEnd, parseStreamRequest, type SenderIdentity } from './request.js';
import {
  CAP, ERROR_NOT_PERMITTED, mayBeIncomplete, PROMPT_V1, PROMPT_V2, validateResponse, versionToCapabilities,
} from './prompts.js';

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

describe('buildStreamRequest (reference §2.1)', () => {
  it('writes the version-1 request line and headers, escaping only what breaks the syntax', () => {
    assert.equal(
      buildStreamRequest(identity),
      'STREAM key=11111111-2222-3333-4444-555555555555&hostname=child%20one&registry_hostname=child%20one' +
      '&machine_guid=d5652b8a-e83d-11f1-a0b1-02fc00000001&update_every=2&os=linux&timezone=Etc/UTC' +
      '&abbrev_timezone=UTC&utc_offset=0&hops=1&tags=&ver=1&NETDATA_PROTOCOL_VERSION=1.1 HTTP/1.1\r\n' +
      'User-Agent: tributary/v0.1.0\r\nAccept: */*\r\n\r\n',
    );
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

describe('parseStreamRequest (reference §2.2, §9)', () => {
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

describe('prompts and capabilities (reference §2.3)', () => {
  it('converts old version numbers and keeps larger ones as bits', () => {
    assert.equal(versionToCapabilities(0), CAP.V1);
    assert.equal(versionToCapabilities(1), CAP.V1);
    assert.equal(versionToCapabilities(2), CAP.V2 | CAP.HLABELS);
    assert.equal(versionToCapabilities(5), CAP.VN | CAP.HLABELS | CAP.CLAIM | CAP.CLABELS | CAP.COMPRESSION);
    assert.equal(versionToCapabilities(16376), 16376);
  });

  it('accepts the V1 prompt only exactly, with its exact length', () => {
    assert.equal(PROMPT_V1.length, 30);
    assert.deepEqual(validateResponse(PROMPT_V1), { ok: true, capabilities: CAP.V1 });
    assert.equal(validateResponse(`${PROMPT_V1}\n`).ok, false);
    assert.equal(validateResponse(PROMPT_V1.slice(0, 29)).ok, false);
    assert.equal(validateResponse(PROMPT_V2).ok, false);
  });

  it('postpones the destination per refusal as netdata does', () => {
    const r = validateResponse(ERROR_NOT_PERMITTED);
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.postponeSecs, 60);
  });

  it('waits for more bytes only while the reply is a proper prefix of a known one', () => {
    assert.equal(mayBeIncomplete('Hit me baby'), true);
    assert.equal(mayBeIncomplete(PROMPT_V1), false);
    assert.equal(mayBeIncomplete('HTTP/1.1 404'), false);
  });
});
