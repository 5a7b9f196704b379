import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DestinationError, parseDestination, parseDestinations, splitDestinations } from './destination.js';

describe('parseDestination (reference §2.5)', () => {
  it('takes a host alone with the default port', () => {
    const d = parseDestination('10.11.12.1', 19999);
    assert.equal(d.protocol, 'tcp');
    assert.equal(d.host, '10.11.12.1');
    assert.equal(d.port, 19999);
    assert.equal(d.label, '10.11.12.1:19999');
  });

  it('reads the protocol prefix, the port and an IPv6 address in brackets', () => {
    assert.deepEqual(
      { ...parseDestination('tcp:127.0.0.1:20001', 19999) },
      { text: 'tcp:127.0.0.1:20001', protocol: 'tcp', host: '127.0.0.1', interface: '', port: 20001, ssl: false, label: '127.0.0.1:20001' },
    );
    const v6 = parseDestination('[fe80::1]%eth0:19998', 19999);
    assert.equal(v6.host, 'fe80::1');
    assert.equal(v6.interface, 'eth0');
    assert.equal(v6.port, 19998);
    assert.equal(v6.label, '[fe80::1]:19998');
    assert.equal(parseDestination('udp:localhost', 5).protocol, 'udp');
  });

  it('reads an interface after an IPv4 host or a name', () => {
    const d = parseDestination('parent%eth1:1234', 19999);
    assert.equal(d.host, 'parent');
    assert.equal(d.interface, 'eth1');
    assert.equal(d.port, 1234);
  });

  it('takes unix sockets as unix:PATH or an absolute path', () => {
    assert.equal(parseDestination('unix:/run/netdata.sock', 19999).host, '/run/netdata.sock');
    const d = parseDestination('/run/netdata.sock', 19999);
    assert.equal(d.protocol, 'unix');
    assert.equal(d.port, 0);
  });

  it('cuts everything from the first :SSL on and marks TLS mandatory (1.37 quirk)', () => {
    const d = parseDestination('10.0.0.1:19999:SSL', 1);
    assert.equal(d.ssl, true);
    assert.equal(d.text, '10.0.0.1:19999');
    assert.equal(d.port, 19999);
  });

  it('refuses a bad port, an empty host and an unclosed bracket, naming the entry', () => {
    assert.throws(() => parseDestination('host:http', 1), DestinationError);
    assert.throws(() => parseDestination('host:70000', 1), /port '70000'/);
    assert.throws(() => parseDestination(':19999', 1), /no host/);
    assert.throws(() => parseDestination('[::1:19999', 1), /missing '\]'/);
  });
});

describe('parseDestinations', () => {
  it('splits at spaces and commas, keeps the order, and reports bad entries without throwing', () => {
    assert.deepEqual(splitDestinations(' a:1,b:2  c '), ['a:1', 'b:2', 'c']);
    const { destinations, errors } = parseDestinations(['127.0.0.1:1 127.0.0.1:bad', '127.0.0.1:3'], 19999);
    assert.deepEqual(destinations.map((d) => d.port), [1, 3]);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /127\.0\.0\.1:bad/);
  });
});
