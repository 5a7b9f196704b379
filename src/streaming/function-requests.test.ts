import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setLogSink } from '../log.js';
import { functionError, type FunctionResult } from '../collectors/index.js';
import type { HostFunction } from './function-relay.js';
import { answerBytes, FunctionRequests } from './function-requests.js';

const logged: string[] = [];
setLogSink((line) => { logged.push(line); });

function fn(name: string, answer: (text: string, timeoutSecs: number) => Promise<FunctionResult>, running = true): HostFunction {
  return { name, help: '', timeoutSecs: 10, global: false, chartId: 'a.b', chartIds: ['a.b'], running, call: answer };
}

const ok = (body: string): FunctionResult => ({ status: 200, contentType: 'text/plain', body, expiresS: 0 });

/** A FunctionRequests over `functions` whose answers are collected as text. */
function requests(functions: HostFunction[], room = 1 << 20) {
  const sent: string[] = [];
  const link = { up: true };
  const r = new FunctionRequests({
    functions: () => functions, tag: () => 'STREAM c [send to p:1]', write: (b) => { sent.push(b.toString()); }, room: () => room,
    connected: () => link.up,
  });
  return { r, sent, link, settle: () => new Promise((resolve) => setImmediate(resolve)) };
}

describe('answerBytes', () => {
  it('writes 1.37\'s result lines, ending the body with its own newline so it keeps its bytes through hops', () => {
    assert.equal(answerBytes('tx', ok('a\nb\n')).toString(), 'FUNCTION_RESULT_BEGIN "tx" 200 "text/plain" 0\na\nb\nFUNCTION_RESULT_END\n');
    assert.equal(answerBytes('tx', ok('{}')).toString(), 'FUNCTION_RESULT_BEGIN "tx" 200 "text/plain" 0\n{}\nFUNCTION_RESULT_END\n');
    assert.equal(answerBytes('tx', { status: 200, contentType: 'text/plain; version=0.0.4', body: 'm 1\n', expiresS: 1700000000 }).toString(),
      'FUNCTION_RESULT_BEGIN "tx" 200 "prometheus" 1700000000\nm 1\nFUNCTION_RESULT_END\n');
    assert.match(answerBytes('tx', functionError(404, 'x')).toString(), /^FUNCTION_RESULT_BEGIN "tx" 404 "application\/json" 0\n/);
  });
});

describe('FunctionRequests', () => {
  it('calls the function named by the longest leading words, with the timeout given (0 is 10 s)', async () => {
    const calls: Array<[string, number]> = [];
    const { r, sent, settle } = requests([fn('f', async (text, t) => { calls.push([text, t]); return ok(text); })]);
    r.request(['FUNCTION', 'tx1', '3', 'f a  b'], '');
    r.request(['FUNCTION', 'tx2', '0', 'f "quoted"'], '');
    await settle();
    assert.deepEqual(calls, [['f a b', 3], ['f _quoted_', 10]]);
    assert.deepEqual(sent, [
      'FUNCTION_RESULT_BEGIN "tx1" 200 "text/plain" 0\nf a b\nFUNCTION_RESULT_END\n',
      'FUNCTION_RESULT_BEGIN "tx2" 200 "text/plain" 0\nf _quoted_\nFUNCTION_RESULT_END\n',
    ]);
    assert.deepEqual(r.stats, { received: 2, answered: 2 });
  });

  it('answers 404 for an unknown function and 503 for one not running, with 1.37\'s message', async () => {
    const { r, sent, settle } = requests([fn('idle', async () => ok('never'), false)]);
    r.request(['FUNCTION', 'tx1', '5', 'nope'], '');
    r.request(['FUNCTION', 'tx2', '5', 'idle'], '');
    await settle();
    assert.deepEqual(sent, [
      'FUNCTION_RESULT_BEGIN "tx1" 404 "application/json" 0\n{"status":404,"error_message":"Failed to route request to collector"}\nFUNCTION_RESULT_END\n',
      'FUNCTION_RESULT_BEGIN "tx2" 503 "application/json" 0\n{"status":503,"error_message":"Failed to route request to collector"}\nFUNCTION_RESULT_END\n',
    ]);
  });

  it('ignores incomplete commands and unusable transactions, logging each', async () => {
    const { r, sent, settle } = requests([fn('f', async () => ok('x'))]);
    r.request(['FUNCTION', 'tx'], 'FUNCTION tx');
    r.request(['FUNCTION', 'a"b', '5', 'f'], 'FUNCTION \'a"b\' 5 "f"');
    r.request(['FUNCTION', 'x'.repeat(101), '5', 'f'], '');
    await settle();
    assert.deepEqual(sent, []);
    assert.ok(logged.some((l) => l.includes("FUNCTION execution command is incomplete (transaction = 'tx', timeout = '', function = '')")));
    assert.equal(logged.filter((l) => l.includes('FUNCTION with an unusable transaction')).length, 2);
  });

  it('drops the answer of a call made on an earlier connection, or while the link is down', async () => {
    const finish: Array<(r: FunctionResult) => void> = [];
    const { r, sent, link, settle } = requests([fn('slow', () => new Promise((resolve) => { finish.push(resolve); }))]);
    r.request(['FUNCTION', 'tx-old', '5', 'slow'], '');
    r.reset();
    finish[0](ok('late'));
    r.request(['FUNCTION', 'tx-down', '5', 'slow'], '');
    link.up = false;
    finish[1](ok('late too'));
    await settle();
    assert.deepEqual(sent, []);
  });

  it('sends an error in place of an answer that does not fit in the send buffer', async () => {
    const { r, sent, settle } = requests([fn('big', async () => ok('z'.repeat(500)))], 300);
    r.request(['FUNCTION', 'tx', '5', 'big'], '');
    await settle();
    assert.equal(sent.length, 1);
    assert.match(sent[0], /^FUNCTION_RESULT_BEGIN "tx" 591 "application\/json" 0\n\{"status":591,"error_message":"The result of 5\d\d bytes does not fit in the stream's send buffer\."\}\nFUNCTION_RESULT_END\n$/);
  });
});
