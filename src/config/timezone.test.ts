import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { posixAbbreviations, systemTimezone, timezoneAbbreviation } from './timezone.js';

describe('systemTimezone', () => {
  it('takes TZ first, without its leading colon', () => {
    assert.equal(systemTimezone({ TZ: ':Europe/Berlin' }), 'Europe/Berlin');
    assert.equal(systemTimezone({ TZ: 'America/New_York' }), 'America/New_York');
  });

  it('without TZ reads /etc/timezone, then the /etc/localtime link, as netdata does', (t) => {
    const file = existsSync('/etc/timezone') ? readFileSync('/etc/timezone', 'utf8').trim() : '';
    if (file) {
      assert.equal(systemTimezone({}), file);
      return;
    }
    if (!existsSync('/etc/localtime')) return t.skip('neither /etc/timezone nor /etc/localtime here');
    const target = readlinkSync('/etc/localtime');
    assert.equal(systemTimezone({}), target.slice(target.indexOf('zoneinfo/') + 'zoneinfo/'.length));
  });

  it('ignores a TZ that is a file path', () => {
    assert.notEqual(systemTimezone({ TZ: ':/etc/localtime' }), '/etc/localtime');
  });
});

describe('timezone abbreviations', () => {
  it('reads the standard and daylight names of a POSIX TZ string', () => {
    assert.deepEqual(posixAbbreviations('CET-1CEST,M3.5.0,M10.5.0/3'), { standard: 'CET', daylight: 'CEST' });
    assert.deepEqual(posixAbbreviations('EST5EDT,M3.2.0,M11.1.0'), { standard: 'EST', daylight: 'EDT' });
    assert.deepEqual(posixAbbreviations('UTC0'), { standard: 'UTC', daylight: null });
    assert.deepEqual(posixAbbreviations('<+0530>-5:30'), { standard: '+0530', daylight: null });
    assert.deepEqual(posixAbbreviations(''), { standard: '', daylight: null });
  });

  it('gives UTC for Etc/UTC from the zone file', (t) => {
    if (!existsSync('/usr/share/zoneinfo/Etc/UTC')) return t.skip('no /usr/share/zoneinfo/Etc/UTC here');
    assert.equal(timezoneAbbreviation('Etc/UTC'), 'UTC');
  });
});
