import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LinkCapabilities, OFFERED_CAPABILITIES, offeredCapabilities } from './negotiation.js';
import {
  CAP, ERROR_NOT_PERMITTED, mayBeIncomplete, PROMPT_V1, PROMPT_V2, PROMPT_VN, validateResponse, versionToCapabilities,
} from './prompts.js';

/** What a netdata 1.37 child offers with compression on (reference §2.1). */
const NETDATA_137_CHILD = 16376;

describe('prompts and capabilities (reference §2.3)', () => {
  it('converts old version numbers and keeps larger ones as bits, the newest style hiding the older', () => {
    assert.equal(versionToCapabilities(0), CAP.V1);
    assert.equal(versionToCapabilities(1), CAP.V1);
    assert.equal(versionToCapabilities(2), CAP.V2 | CAP.HLABELS);
    assert.equal(versionToCapabilities(3), CAP.VN | CAP.HLABELS | CAP.CLAIM);
    assert.equal(versionToCapabilities(5), CAP.VN | CAP.HLABELS | CAP.CLAIM | CAP.CLABELS | CAP.COMPRESSION);
    // 16376 has V1 V2 VN VCAPS ...: VCAPS hides the three version bits (16376 - 8 - 16 - 32)
    assert.equal(versionToCapabilities(NETDATA_137_CHILD), 16320);
  });

  it('accepts the V1 and V2 prompts only exactly, with their exact length, and the VN prompt with its number', () => {
    assert.equal(PROMPT_V1.length, 30);
    assert.deepEqual(validateResponse(PROMPT_V1), { ok: true, version: 1 });
    assert.equal(validateResponse(`${PROMPT_V1}\n`).ok, false);
    assert.equal(validateResponse(PROMPT_V1.slice(0, 29)).ok, false);
    assert.deepEqual(validateResponse(PROMPT_V2), { ok: true, version: 2 });
    assert.deepEqual(validateResponse(`${PROMPT_VN}16320`), { ok: true, version: 16320 });
    assert.deepEqual(validateResponse(`${PROMPT_VN}5`), { ok: true, version: 5 });
    assert.equal(validateResponse(PROMPT_VN).ok, false);
    assert.equal(validateResponse(`${PROMPT_VN}x`).ok, false);
  });

  it('postpones the destination per refusal as netdata does', () => {
    const r = validateResponse(ERROR_NOT_PERMITTED);
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.postponeSecs, 60);
  });

  it('waits for more bytes only while the reply is a proper prefix of a known one', () => {
    assert.equal(mayBeIncomplete('Hit me baby'), true);
    assert.equal(mayBeIncomplete(PROMPT_V1), false);
    assert.equal(mayBeIncomplete(PROMPT_VN), true);
    assert.equal(mayBeIncomplete(`${PROMPT_VN}5056`), false);
    assert.equal(mayBeIncomplete('HTTP/1.1 404'), false);
  });
});

describe('LinkCapabilities', () => {
  it('gives a netdata 1.37 child the bits both ends share, on the VN prompt, named as netdata names them', () => {
    const link = LinkCapabilities.forChild(NETDATA_137_CHILD);
    const shared = CAP.VCAPS | CAP.HLABELS | CAP.CLAIM | CAP.CLABELS | CAP.COMPRESSION | CAP.REPLICATION;
    assert.equal(link.bits, shared);
    assert.equal(link.prompt(), `${PROMPT_VN}${shared}`);
    assert.equal(link.toString(), 'VCAPS HLABELS CLAIM CLABELS COMPRESSION REPLICATION ');
    assert.ok(link.replication && link.hostLabels && link.chartLabels && link.claim && link.compression);
    assert.equal(link.has(CAP.FUNCTIONS) || link.has(CAP.BINARY), false, 'functions and binary are not offered yet');
  });

  it('drops COMPRESSION where `enable compression` is off, on either side (reference §2.3)', () => {
    const off = offeredCapabilities({ compression: false });
    assert.equal(offeredCapabilities({ compression: true }), OFFERED_CAPABILITIES);
    const child = LinkCapabilities.forChild(NETDATA_137_CHILD, off);
    assert.equal(child.toString(), 'VCAPS HLABELS CLAIM CLABELS REPLICATION ');
    assert.equal(child.compression, false);
    // a VN-only child offering version 5 (compression) hears 4 (chart labels), as 1.37 answers
    assert.equal(LinkCapabilities.forChild(5, off).prompt(), `${PROMPT_VN}4`);
    assert.equal(LinkCapabilities.fromParentReply(16320, off).compression, false, 'a sender that did not offer it does not use it');
    assert.equal(LinkCapabilities.fromParentReply(16320 - CAP.COMPRESSION).compression, false, 'a parent that dropped it');
  });

  it('answers older children with the prompt of their version', () => {
    assert.equal(LinkCapabilities.forChild(null).prompt(), PROMPT_V1, 'a 1.10 child sends no ver=');
    assert.equal(LinkCapabilities.forChild(1).prompt(), PROMPT_V1);
    assert.equal(LinkCapabilities.forChild(2).prompt(), PROMPT_V2);
    assert.equal(LinkCapabilities.forChild(3).prompt(), `${PROMPT_VN}3`);
    // version 5 is compression: a VN child offering it hears 5
    assert.equal(LinkCapabilities.forChild(5).prompt(), `${PROMPT_VN}5`);
    assert.equal(LinkCapabilities.forChild(5).compression, true);
    assert.equal(LinkCapabilities.forChild(4).compression, false);
    assert.equal(LinkCapabilities.forChild(null).replication, false);
    assert.equal(LinkCapabilities.forChild(null).toString(), 'V1 ');
  });

  it('reads a parent reply as a sender: bits, an old version, or the V1 prompt', () => {
    assert.equal(LinkCapabilities.fromParentReply(16320).toString(), 'VCAPS HLABELS CLAIM CLABELS COMPRESSION REPLICATION ');
    assert.equal(LinkCapabilities.fromParentReply(5).compression, true, 'a VN parent saying 5 takes lz4');
    assert.equal(LinkCapabilities.fromParentReply(1), LinkCapabilities.V1);
    assert.equal(LinkCapabilities.fromParentReply(2).hostLabels, true);
    assert.equal(LinkCapabilities.fromParentReply(2).replication, false);
  });

  it('meets itself at everything it offers', () => {
    const parent = LinkCapabilities.forChild(OFFERED_CAPABILITIES);
    const child = LinkCapabilities.fromParentReply(Number(parent.prompt().slice(PROMPT_VN.length)));
    assert.equal(child.bits, parent.bits);
    assert.ok(child.replication);
  });
});
