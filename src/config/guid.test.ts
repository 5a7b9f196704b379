import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setLogSink, type LogSink } from '../log.js';
import { isUuid, loadOrCreateMachineGuid, MACHINE_GUID_FILE } from './index.js';

describe('loadOrCreateMachineGuid', () => {
  let lib = '';
  let lines: string[] = [];
  let previous: LogSink;
  beforeEach(() => {
    lib = mkdtempSync(join(tmpdir(), 'guid-'));
    lines = [];
    previous = setLogSink((l) => lines.push(l));
  });
  afterEach(() => {
    setLogSink(previous);
    rmSync(lib, { recursive: true, force: true });
  });

  it('creates a UUID once and returns the same one on every later start', () => {
    const first = loadOrCreateMachineGuid(lib);
    assert.ok(isUuid(first));
    assert.equal(readFileSync(join(lib, 'registry', 'netdata.public.unique.id'), 'utf8'), first);
    assert.equal(loadOrCreateMachineGuid(lib), first);
    assert.equal(loadOrCreateMachineGuid(lib), first);
    assert.equal(lines.length, 1);
    assert.match(lines[0], /INFO : machine GUID [0-9a-f-]{36} created in '.*netdata\.public\.unique\.id'\n$/);
  });

  it("keeps netdata's own file (with a newline, upper case) as it is", () => {
    mkdirSync(join(lib, 'registry'));
    writeFileSync(join(lib, MACHINE_GUID_FILE), 'A1B2C3D4-0000-4000-8000-00000000000F\n');
    assert.equal(loadOrCreateMachineGuid(lib), 'a1b2c3d4-0000-4000-8000-00000000000f');
    assert.deepEqual(lines, []);
  });

  it('replaces a broken file with a new UUID and a log line', () => {
    mkdirSync(join(lib, 'registry'));
    writeFileSync(join(lib, MACHINE_GUID_FILE), 'not-a-guid');
    const guid = loadOrCreateMachineGuid(lib);
    assert.ok(isUuid(guid));
    assert.equal(readFileSync(join(lib, MACHINE_GUID_FILE), 'utf8'), guid);
    assert.equal(lines.length, 1);
    assert.ok(lines[0].includes(`WARN : machine GUID file '${join(lib, MACHINE_GUID_FILE)}' did not hold a UUID ("not-a-guid"); replaced it with ${guid}`));
  });
});
