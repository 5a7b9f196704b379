import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { availableCompressions, LinkCapabilities, OFFERED_CAPABILITIES, offeredCapabilities } from './negotiation.js';
import {
  CAP, ERROR_NOT_PERMITTED, mayBeIncomplete, PROMPT_V1, PROMPT_V2, PROMPT_VN, validateResponse, versionToCapabilities,
} from './prompts.js';
import { zstdMissing } from './zstd-binding.js';

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
  it('carries functions only where both ends have FUNCTIONS: never to a child of version 5 or older', () => {
    assert.equal(LinkCapabilities.forChild(5).functions, false);
    assert.equal(LinkCapabilities.forChild(NETDATA_137_CHILD).functions, true);
    assert.equal(LinkCapabilities.fromParentReply(16376 & ~CAP.FUNCTIONS).functions, false);
  });

  it('gives a netdata 1.37 child the bits both ends share, on the VN prompt, named as netdata names them', () => {
    const link = LinkCapabilities.forChild(NETDATA_137_CHILD);
    const shared = CAP.VCAPS | CAP.HLABELS | CAP.CLAIM | CAP.CLABELS | CAP.COMPRESSION | CAP.FUNCTIONS | CAP.REPLICATION;
    assert.equal(link.bits, shared);
    assert.equal(link.prompt(), `${PROMPT_VN}${shared}`);
    assert.equal(link.toString(), 'VCAPS HLABELS CLAIM CLABELS COMPRESSION FUNCTIONS REPLICATION ');
    assert.ok(link.replication && link.hostLabels && link.chartLabels && link.claim && link.functions);
    assert.equal(link.compression, 'lz4');
    assert.equal(link.has(CAP.BINARY), false, 'binary framing is not offered yet');
  });

  it('drops COMPRESSION where `enable compression` is off, on either side (reference §2.3)', () => {
    const off = offeredCapabilities({ compression: false });
    assert.equal(offeredCapabilities({ compression: true }), OFFERED_CAPABILITIES);
    const child = LinkCapabilities.forChild(NETDATA_137_CHILD, off);
    assert.equal(child.toString(), 'VCAPS HLABELS CLAIM CLABELS FUNCTIONS REPLICATION ');
    assert.equal(child.compression, null);
    // a VN-only child offering version 5 (compression) hears 4 (chart labels), as 1.37 answers
    assert.equal(LinkCapabilities.forChild(5, off).prompt(), `${PROMPT_VN}4`);
    assert.equal(LinkCapabilities.fromParentReply(16320, off).compression, null, 'a sender that did not offer it does not use it');
    assert.equal(LinkCapabilities.fromParentReply(16320 - CAP.COMPRESSION).compression, null, 'a parent that dropped it');
  });

  it('answers older children with the prompt of their version', () => {
    assert.equal(LinkCapabilities.forChild(null).prompt(), PROMPT_V1, 'a 1.10 child sends no ver=');
    assert.equal(LinkCapabilities.forChild(1).prompt(), PROMPT_V1);
    assert.equal(LinkCapabilities.forChild(2).prompt(), PROMPT_V2);
    assert.equal(LinkCapabilities.forChild(3).prompt(), `${PROMPT_VN}3`);
    // version 5 is compression: a VN child offering it hears 5
    assert.equal(LinkCapabilities.forChild(5).prompt(), `${PROMPT_VN}5`);
    assert.equal(LinkCapabilities.forChild(5).compression, 'lz4');
    assert.equal(LinkCapabilities.forChild(4).compression, null);
    assert.equal(LinkCapabilities.forChild(null).replication, false);
    assert.equal(LinkCapabilities.forChild(null).toString(), 'V1 ');
  });

  it('reads a parent reply as a sender: bits, an old version, or the V1 prompt', () => {
    assert.equal(LinkCapabilities.fromParentReply(16320).toString(), 'VCAPS HLABELS CLAIM CLABELS COMPRESSION FUNCTIONS REPLICATION ');
    assert.equal(LinkCapabilities.fromParentReply(5).compression, 'lz4', 'a VN parent saying 5 takes lz4');
    assert.equal(LinkCapabilities.fromParentReply(1), LinkCapabilities.V1);
    assert.equal(LinkCapabilities.fromParentReply(2).hostLabels, true);
    assert.equal(LinkCapabilities.fromParentReply(2).replication, false);
  });

  it('meets itself at everything it offers, with one compression algorithm', () => {
    const parent = LinkCapabilities.forChild(OFFERED_CAPABILITIES);
    const child = LinkCapabilities.fromParentReply(Number(parent.prompt().slice(PROMPT_VN.length)));
    assert.equal(child.bits, parent.bits);
    assert.ok(child.replication);
    assert.equal(child.compression, zstdMissing() ? 'lz4' : 'zstd');
  });
});

/** Everything a later netdata offers of compression: 1.44's four bits. */
const ALL = CAP.ZSTD | CAP.COMPRESSION | CAP.BROTLI | CAP.GZIP;

describe('compression algorithms (netdata 1.44 bits, reference §11)', () => {
  it('has netdata\'s bits and names: ZSTD 19, GZIP 20, BROTLI 21; bit 10 keeps 1.37\'s COMPRESSION', () => {
    assert.equal(CAP.ZSTD, 524288);
    assert.equal(CAP.GZIP, 1048576);
    assert.equal(CAP.BROTLI, 2097152);
    assert.equal(LinkCapabilities.fromParentReply(CAP.VCAPS | ALL, CAP.VCAPS | ALL).toString(), 'VCAPS COMPRESSION ZSTD GZIP BROTLI ');
  });

  it('never offers what it does not implement: lz4 always, zstd only with its package, gzip and brotli not', () => {
    assert.equal(availableCompressions() & (CAP.GZIP | CAP.BROTLI), 0);
    assert.equal(availableCompressions() & CAP.ZSTD, zstdMissing() ? 0 : CAP.ZSTD);
    assert.equal(offeredCapabilities({ compression: false }) & ALL, 0, '`enable compression = no` offers none');
  });

  it('a 1.37 child (ver=16376) gets lz4 whatever the order says', () => {
    const link = LinkCapabilities.forChild(NETDATA_137_CHILD, OFFERED_CAPABILITIES | ALL, ['zstd', 'brotli', 'gzip', 'lz4']);
    assert.equal(link.compression, 'lz4');
    assert.equal(link.toString(), 'VCAPS HLABELS CLAIM CLABELS COMPRESSION FUNCTIONS REPLICATION ');
  });

  it('keeps only the first common algorithm of `compression algorithms order` in its reply', () => {
    const offered = OFFERED_CAPABILITIES | ALL;
    const child = NETDATA_137_CHILD | ALL;
    const bitsOf = (order: Parameters<typeof LinkCapabilities.forChild>[2]) =>
      Number(LinkCapabilities.forChild(child, offered, order).prompt().slice(PROMPT_VN.length)) & ALL;
    assert.equal(bitsOf(['lz4', 'zstd', 'brotli', 'gzip']), CAP.COMPRESSION);
    assert.equal(bitsOf(['gzip', 'lz4', 'zstd', 'brotli']), CAP.GZIP);
    assert.equal(bitsOf(['brotli', 'gzip', 'lz4', 'zstd']), CAP.BROTLI);
    if (!zstdMissing()) assert.equal(bitsOf(['zstd', 'lz4', 'brotli', 'gzip']), CAP.ZSTD);
    // a child that has only lz4 and gzip, with zstd first in the order: lz4 comes before gzip there
    const twoBits = LinkCapabilities.forChild(CAP.VCAPS | CAP.COMPRESSION | CAP.GZIP, offered, ['zstd', 'lz4', 'brotli', 'gzip']);
    assert.equal(twoBits.compression, 'lz4');
    assert.equal(twoBits.has(CAP.GZIP), false);
  });

  it('a peer without zstd gets lz4', () => {
    const parent = LinkCapabilities.forChild(OFFERED_CAPABILITIES & ~CAP.ZSTD);
    assert.equal(parent.compression, 'lz4');
    assert.equal(LinkCapabilities.fromParentReply(16320, OFFERED_CAPABILITIES).compression, 'lz4', 'a parent that replied without ZSTD');
  });

  it('reads a reply that kept more than one bit as netdata does: zstd, lz4, brotli, gzip', () => {
    assert.equal(LinkCapabilities.fromParentReply(CAP.VCAPS | ALL, CAP.VCAPS | ALL).compression, 'zstd');
    assert.equal(LinkCapabilities.fromParentReply(CAP.VCAPS | CAP.GZIP | CAP.BROTLI, CAP.VCAPS | ALL).compression, 'brotli');
    assert.equal(LinkCapabilities.fromParentReply(CAP.VCAPS | CAP.GZIP, CAP.VCAPS | ALL).compression, 'gzip');
  });
});
