import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import ini from 'ini';
import { parseConfigText } from './document.js';

/** What each DESIGN case must read as, and what `ini` 5 reads instead. */
const DIALECT_CASES: Array<{ name: string; text: string; netdata: Record<string, Record<string, string>>; ini: unknown }> = [
  {
    name: 'a dot in a section name stays in the name',
    text: '[plugin:python.d]\nupdate every = 5\n',
    netdata: { 'plugin:python.d': { 'update every': '5' } },
    ini: { 'plugin:python': { d: { 'update every': '5' } } },
  },
  {
    name: 'an inline ; is part of the value',
    text: '[plugin:apps]\ncommand options = -v ; debug\n',
    netdata: { 'plugin:apps': { 'command options': '-v ; debug' } },
    ini: { 'plugin:apps': { 'command options': '-v' } },
  },
  {
    name: 'an inline # is part of the value',
    text: '[host labels]\nroom = b12 # floor 2\n',
    netdata: { 'host labels': { room: 'b12 # floor 2' } },
    ini: { 'host labels': { room: 'b12' } },
  },
  {
    name: 'true stays text',
    text: '[backend]\nenabled = true\n',
    netdata: { backend: { enabled: 'true' } },
    ini: { backend: { enabled: true } },
  },
  {
    name: 'key[] is a plain key, the later one wins',
    text: '[x]\nk[] = 1\nk[] = 2\n',
    netdata: { x: { 'k[]': '2' } },
    ini: { x: { k: ['1', '2'] } },
  },
  {
    name: 'everything after the first = is the value',
    text: '[registry]\nregistry to announce = https://h/?a=b\n',
    netdata: { registry: { 'registry to announce': 'https://h/?a=b' } },
    ini: { registry: { 'registry to announce': 'https://h/?a=b' } },
  },
  {
    name: 'a later key overrides an earlier one',
    text: '[global]\nhistory = 1\nhistory = 2\n',
    netdata: { global: { history: '2' } },
    ini: { global: { history: '2' } },
  },
];

function plain(text: string): Record<string, Record<string, string>> {
  const { document, errors } = parseConfigText(text, 't.conf');
  assert.deepEqual(errors, []);
  return Object.fromEntries([...document].map(([s, keys]) => [s, Object.fromEntries([...keys].map(([k, e]) => [k, e.value]))]));
}

describe('parseConfigText against ini 5', () => {
  for (const c of DIALECT_CASES) {
    it(c.name, () => {
      assert.deepEqual(plain(c.text), c.netdata);
      assert.deepEqual(JSON.parse(JSON.stringify(ini.parse(c.text))), c.ini);
    });
  }
  it('ini is wrong for 5 of the 7 cases, so no part of reading uses it', () => {
    const wrong = DIALECT_CASES.filter((c) => JSON.stringify(ini.parse(c.text)) !== JSON.stringify(c.netdata));
    assert.deepEqual(wrong.map((c) => c.name), DIALECT_CASES.slice(0, 5).map((c) => c.name));
  });
});

describe('parseConfigText', () => {
  it('keeps file and line of each entry, the line of the later duplicate', () => {
    const { document } = parseConfigText('# c\n[global]\n\thistory = 1\n\n  # history = 9\nhistory = 2\n', 'a.conf');
    assert.deepEqual(document.get('global')?.get('history'), { value: '2', file: 'a.conf', line: 6 });
  });
  it('continues a section named twice and trims names and values', () => {
    assert.deepEqual(plain('[ web ]\n  mode   =  none  \n[global]\n[web]\nbind to=*\n'), {
      web: { mode: 'none', 'bind to': '*' }, global: {},
    });
  });
  it('keeps an empty value and a value with spaces', () => {
    assert.deepEqual(plain('[stream]\ndestination =\nallow from = 10.* !10.1.*\n'), {
      stream: { destination: '', 'allow from': '10.* !10.1.*' },
    });
  });
  it('reads CRLF files', () => {
    assert.deepEqual(plain('[a]\r\nb = c\r\n'), { a: { b: 'c' } });
  });
  it('reports lines it cannot read with their line numbers', () => {
    const { errors } = parseConfigText('x = 1\n[a\n[b]\njust words\n= v\n', 'f.conf');
    assert.deepEqual(errors.map((e) => e.message), [
      "f.conf:1: [] 'x': key outside of any [section]",
      'f.conf:2: []: bad section header "[a"',
      'f.conf:4: [b]: expected \'name = value\', got "just words"',
      'f.conf:5: [b]: expected \'name = value\', got "= v"',
    ]);
  });
});
