import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EVAL_ERROR, ExpressionError, parseExpression, type VariableResolver } from './expression.js';

const noVariables: VariableResolver = () => undefined;

function value(source: string, resolve: VariableResolver = noVariables): number {
  return parseExpression(source).evaluate(resolve).value;
}

function vars(table: Record<string, number>): VariableResolver {
  return (name) => table[name];
}

describe('parseExpression / evaluate', () => {
  it('computes arithmetic with netdata precedence', () => {
    const table: Array<[string, number, string]> = [
      ['1 + 2 * 3', 7, '(1 + (2 * 3))'],
      ['2 * 3 + 1', 7, '((2 * 3) + 1)'],
      ['10 - 2 - 3', 5, '((10 - 2) - 3)'],
      ['1 * 2 + 3 * 4', 14, '((1 * 2) + (3 * 4))'],
      ['(1 + 2) * 3', 9, '(1 + 2) * 3'.replace('(1 + 2) * 3', '((1 + 2) * 3)')],
      ['8 / 4 / 2', 1, '((8 / 4) / 2)'],
      ['-2 * 3', -6, '(-2 * 3)'],
      ['- 2 * 3', -6, '(-2 * 3)'],
      ['abs(-5) + 1', 6, '(abs(-5) + 1)'],
      ['abs(2 - 7)', 5, 'abs((2 - 7))'],
      ['1 + 2 > 2', 1, '((1 + 2) > 2)'],
      ['3 > 2 && 2 > 1', 1, '((3 > 2) && (2 > 1))'],
      ['1 > 2 || 2 > 1', 1, '((1 > 2) || (2 > 1))'],
      ['!0', 1, '!0'],
      ['NOT 1', 0, '!1'],
      ['1 AND 0', 0, '(1 && 0)'],
      ['0 or 1', 1, '(0 || 1)'],
      ['(1 > 0) ? 10 : 20', 10, '((1 > 0) ? 10 : 20)'],
      ['(0) ? 10 : 20', 20, '(0 ? 10 : 20)'],
      ['1.5 * 2', 3, '(1.5 * 2)'],
      ['1e3 + 1', 1001, '(1000 + 1)'],
    ];
    for (const [source, expected, parsedAs] of table) {
      const expression = parseExpression(source);
      assert.equal(expression.evaluate(noVariables).value, expected, source);
      assert.equal(expression.parsedAs, parsedAs, source);
    }
  });

  it('keeps netdata 1.37 one-rotation precedence where it differs from mathematics', () => {
    // netdata rotates once: `1 < 2 + 3 * 4` becomes `1 < ((2 + 3) * 4)`
    assert.equal(parseExpression('1 < 2 + 3 * 4').parsedAs, '(1 < ((2 + 3) * 4))');
    assert.equal(value('25 > 2 + 3 * 4'), 1);
    assert.equal(value('15 > 2 + 3 * 4'), 0);
    // `?` has precedence 7: an unparenthesised condition loses its comparison
    assert.equal(parseExpression('$a > 1 ? 2 : 3').parsedAs, '(${a} > (1 ? 2 : 3))');
    assert.equal(value('$a > 1 ? 2 : 3', vars({ a: 5 })), 1);
  });

  it('compares with every comparison operator', () => {
    const table: Array<[string, number]> = [
      ['1 == 1', 1], ['1 = 1', 1], ['1 != 1', 0], ['1 <> 2', 1], ['1 < 2', 1], ['2 < 1', 0],
      ['1 > 2', 0], ['2 >= 2', 1], ['2 <= 1', 0], ['0.1 + 0.2 == 0.3', 1], ['1 == 1.0000002', 0],
    ];
    for (const [source, expected] of table) assert.equal(value(source), expected, source);
  });

  it('handles nan and inf as netdata does', () => {
    const results: Array<[string, boolean, number, number]> = [
      // source, ok, value, error
      ['nan', false, NaN, EVAL_ERROR.VALUE_IS_NAN],
      ['inf', false, NaN, EVAL_ERROR.VALUE_IS_INFINITE],
      ['1 / 0', false, NaN, EVAL_ERROR.VALUE_IS_INFINITE],
      ['nan + 1', false, NaN, EVAL_ERROR.VALUE_IS_NAN],
      ['nan == nan', true, 1, 0],
      ['inf == inf', true, 1, 0],
      ['nan > 1', true, 0, 0],
      ['nan < 1', true, 0, 0],
      ['nan != 1', true, 1, 0],
      ['inf > 1000', true, 1, 0],
      ['(inf - inf) > 0', true, 1, 0],
      ['(-inf) > 0', true, 1, 0],
      ['!nan', true, 1, 0],
      ['inf && 1', true, 1, 0],
      ['(nan) ? 1 : 2', true, 2, 0],
    ];
    for (const [source, ok, expected, error] of results) {
      const r = parseExpression(source).evaluate(noVariables);
      assert.equal(r.ok, ok, source);
      assert.equal(r.error, error, source);
      assert.ok(Object.is(r.value, expected), `${source}: ${r.value}`);
    }
  });

  it('reads $var and ${var}, and traces their values', () => {
    const resolve = vars({ this: 95.5, 'disk.used': 12, 'a b': 3, status: 1 });
    const r = parseExpression('$this > 90 && ${disk.used} + ${a b} == 15 && $status == $status').evaluate(resolve);
    assert.equal(r.ok, true);
    assert.equal(r.value, 1);
    assert.equal(r.trace,
      '[ $this = 95.5 ] [ ${disk.used} = 12 ] [ ${a b} = 3 ] [ $status = 1 ] [ $status = 1 ] ');
    // a variable name ends at a character that cannot be in one
    assert.equal(parseExpression('$a-1').parsedAs, '(${a} - 1)');
  });

  it('fails on an unknown variable whose NaN reaches the result', () => {
    const r = parseExpression('$nosuch + 1').evaluate(noVariables);
    assert.equal(r.ok, false);
    assert.equal(r.error, EVAL_ERROR.UNKNOWN_VARIABLE);
    assert.ok(Number.isNaN(r.value));
    assert.equal(r.trace,
      "[ undefined variable 'nosuch' ] ; failed to evaluate expression with error 105 (undefined variable)");
    // netdata counts `$nosuch > 1` as evaluated (0): the NaN did not reach the result
    const compared = parseExpression('$nosuch > 1').evaluate(noVariables);
    assert.equal(compared.ok, true);
    assert.equal(compared.value, 0);
  });

  it('short-circuits && and || like C', () => {
    assert.equal(parseExpression('0 && $nosuch').evaluate(noVariables).trace, '');
    assert.equal(value('1 || $nosuch'), 1);
  });

  it('parses once and evaluates many times', () => {
    const expression = parseExpression('$this * 2');
    assert.deepEqual([1, 2, 3].map((n) => expression.evaluate(vars({ this: n })).value), [2, 4, 6]);
  });

  it('rejects bad input naming the error and the position', () => {
    const table: Array<[string, number, number]> = [
      ['', EVAL_ERROR.MISSING_OPERAND, 1],
      ['1 +', EVAL_ERROR.MISSING_OPERAND, 4],
      ['(1 + 2', EVAL_ERROR.MISSING_CLOSE_SUBEXPRESSION, 7],
      ['1 2', EVAL_ERROR.MISSING_OPERATOR, 3],
      ['1 + 2)', EVAL_ERROR.REMAINING_GARBAGE, 6],
      ['1 ? 2', EVAL_ERROR.IF_THEN_ELSE_MISSING_ELSE, 6],
      ['1 + #', EVAL_ERROR.UNKNOWN_OPERAND, 5],
      ['$', EVAL_ERROR.UNKNOWN_OPERAND, 1],
    ];
    for (const [source, code, position] of table) {
      assert.throws(() => parseExpression(source), (err: unknown) => {
        assert.ok(err instanceof ExpressionError, source);
        assert.equal(err.code, code, source);
        assert.equal(err.position, position, source);
        return true;
      });
    }
    assert.throws(() => parseExpression('1 2'),
      { message: "failed to parse expression '1 2': expected operator at character 3 (i.e.: '2')" });
  });
});
