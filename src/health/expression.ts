/**
 * netdata's expression language for `calc`, `warn` and `crit` (reference §5.3): parsed once into a
 * tree, evaluated many times against a variable resolver.
 *
 * Facts kept from netdata 1.37 so the same health.d files give the same values:
 * - Precedence numbers: `&&` `||` 2, comparisons 3, `+ -` 4, `* /` 5, unary `! + - abs()` 6,
 *   `? :` 7. They are applied by one rotation per operator, not by precedence climbing: a new
 *   operator of higher precedence than the binary node on its left takes that node's right
 *   operand. So `1 + 2 * 3` is `1 + (2 * 3)`, but `1 < 2 + 3 * 4` is `1 < ((2 + 3) * 4)` and
 *   `$a > 1 ? 2 : 3` is `$a > (1 ? 2 : 3)`; stock alarms parenthesise for this reason.
 * - `+ - * /` give NaN when an operand is NaN, else +inf when an operand is infinite; unary minus
 *   and abs() of an infinity are +inf. Division by zero follows IEEE (1/0 = inf).
 * - Comparisons with NaN are false; `==` holds for two NaNs, for two infinities, and for numbers
 *   closer than 1e-7. `&&` and `||` short-circuit; NaN is false, an infinity true.
 * - An evaluation fails when the result is NaN (`value is unset`, or `undefined variable` when an
 *   unknown variable was read) or infinite. An unknown variable whose NaN did not reach the result
 *   (`$nosuch > 1` is 0) does not fail the evaluation: netdata counts it as evaluated.
 */

/** Parse error codes and evaluation error codes, netdata's numbers (`eval.h`). */
export const EVAL_ERROR = Object.freeze({
  OK: 0,
  MISSING_CLOSE_SUBEXPRESSION: 1,
  UNKNOWN_OPERAND: 2,
  MISSING_OPERAND: 3,
  MISSING_OPERATOR: 4,
  REMAINING_GARBAGE: 5,
  IF_THEN_ELSE_MISSING_ELSE: 6,
  VALUE_IS_NAN: 103,
  VALUE_IS_INFINITE: 104,
  UNKNOWN_VARIABLE: 105,
});

const ERROR_TEXT: Readonly<Record<number, string>> = Object.freeze({
  0: 'success',
  1: 'missing closing parenthesis',
  2: 'unknown operand',
  3: 'expected operand',
  4: 'expected operator',
  5: 'remaining characters after expression',
  6: 'missing second sub-expression of inline conditional',
  103: 'value is unset',
  104: 'computed value is infinite',
  105: 'undefined variable',
});

/** netdata's text for an error code. */
function expressionStrerror(code: number): string {
  return ERROR_TEXT[code] ?? 'unknown error';
}

/** Longest variable name read (netdata's `EVAL_MAX_VARIABLE_NAME_LENGTH`). */
export const MAX_VARIABLE_NAME_LENGTH = 300;

type BinaryOp = '&&' | '||' | '>=' | '<=' | '!=' | '==' | '<' | '>' | '+' | '-' | '*' | '/';
type UnaryOp = '!' | 'sign+' | 'sign-' | 'abs' | '(' | 'nop';

/** A parsed node. `precedence` is netdata's, used only while parsing. */
export type ExpressionNode =
  | { kind: 'number'; value: number; precedence: number }
  | { kind: 'variable'; name: string; precedence: number }
  | { kind: 'unary'; op: UnaryOp; operand: ExpressionNode; precedence: number }
  | { kind: 'binary'; op: BinaryOp; left: ExpressionNode; right: ExpressionNode; precedence: number }
  | { kind: 'ternary'; condition: ExpressionNode; then: ExpressionNode; otherwise: ExpressionNode;
    precedence: number };

const PRECEDENCE: Readonly<Record<string, number>> = Object.freeze({
  '&&': 2, '||': 2, '>=': 3, '<=': 3, '!=': 3, '==': 3, '<': 3, '>': 3,
  '+': 4, '-': 4, '*': 5, '/': 5, '!': 6, 'sign+': 6, 'sign-': 6, abs: 6, '?': 7, nop: 8, '(': 8,
});

/** Looks a variable up; undefined when it does not exist. */
export type VariableResolver = (name: string) => number | undefined;

/** One evaluation's outcome. `trace` is netdata's error_msg buffer (variable values, error). */
export interface Evaluation {
  ok: boolean;
  /** NaN when the evaluation failed. */
  value: number;
  error: number;
  trace: string;
}

/** Thrown by `parseExpression`; `position` is the 1-based character where parsing stopped. */
export class ExpressionError extends Error {
  constructor(readonly source: string, readonly code: number, readonly position: number,
    readonly rest: string) {
    super(`failed to parse expression '${source}': ${expressionStrerror(code)} at character ` +
      `${position} (i.e.: '${rest}')`);
    this.name = 'ExpressionError';
  }
}

/** A parsed expression: evaluate it as often as needed. */
export class Expression {
  /** The expression re-printed with every operation parenthesised (netdata's `parsed_as`). */
  readonly parsedAs: string;

  constructor(readonly source: string, readonly root: ExpressionNode) {
    this.parsedAs = printNode(root);
  }

  /** Evaluates against `resolve`; never throws. */
  evaluate(resolve: VariableResolver): Evaluation {
    const state: EvalState = { error: EVAL_ERROR.OK, trace: '', resolve };
    let value = evalNode(this.root, state);
    let error = state.error;
    if (Number.isNaN(value)) {
      if (error === EVAL_ERROR.OK) error = EVAL_ERROR.VALUE_IS_NAN;
    } else if (!Number.isFinite(value)) {
      if (error === EVAL_ERROR.OK) error = EVAL_ERROR.VALUE_IS_INFINITE;
    } else if (error === EVAL_ERROR.UNKNOWN_VARIABLE) {
      // netdata 1.37 expression_evaluate() (libnetdata/eval/eval.c): an unknown variable whose
      // NaN did not reach a finite result counts as evaluated, although reference §5.3 says
      // "evaluation error"; eval_value() there flags no NaN operand either.
      error = EVAL_ERROR.OK;
    }
    let trace = state.trace;
    if (error !== EVAL_ERROR.OK) {
      value = NaN;
      if (trace) trace += '; ';
      trace += `failed to evaluate expression with error ${error} (${expressionStrerror(error)})`;
    }
    return { ok: error === EVAL_ERROR.OK, value, error, trace };
  }
}

/** Parses `source`; throws ExpressionError naming the code and where parsing stopped. */
export function parseExpression(source: string): Expression {
  const parser = new Parser(source);
  const node = parser.fullExpression();
  if (parser.pos < source.length) parser.fail(EVAL_ERROR.REMAINING_GARBAGE);
  if (!node) parser.fail(parser.error || EVAL_ERROR.MISSING_OPERAND);
  return new Expression(source, node!);
}

// ---------------------------------------------------------------------------------------------
// parsing

const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r' ||
  c === '\v' || c === '\f';
const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isAlpha = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
/** What may follow a word operator (AND, OR, NOT). */
const isWordTerm = (c: string): boolean => c === '' || isSpace(c) || c === '(' || c === '$' ||
  c === '!' || c === '-' || c === '+' || isDigit(c);
/** What may follow a symbol operator. */
const isSymbolTerm = (c: string): boolean => isWordTerm(c) || isAlpha(c);
const isVariableChar = (c: string): boolean => isAlpha(c) || isDigit(c) || c === '.' || c === '_';

const NUMBER = /^(?:nan|inf|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)/;

class Parser {
  pos = 0;
  error = EVAL_ERROR.OK as number;

  constructor(readonly s: string) {}

  fail(code: number): never {
    throw new ExpressionError(this.s, code, this.pos + 1, this.s.slice(this.pos));
  }

  at(offset = 0): string {
    return this.s.charAt(this.pos + offset);
  }

  skipSpaces(): void {
    while (isSpace(this.at())) this.pos++;
  }

  fullExpression(): ExpressionNode {
    const first = this.operand();
    return this.rest(first);
  }

  /** An operand with its unary operators (netdata's parse_one_full_operand). */
  operand(): ExpressionNode {
    this.skipSpaces();
    if (this.pos >= this.s.length) this.fail(EVAL_ERROR.MISSING_OPERAND);
    const unary = this.unaryOperator();
    if (unary) {
      const operand = this.operand();
      return { kind: 'unary', op: unary, operand, precedence: PRECEDENCE[unary] };
    }
    if (this.at() === '(') {
      this.pos++;
      const inner = this.fullExpression();
      if (this.at() !== ')') this.fail(EVAL_ERROR.MISSING_CLOSE_SUBEXPRESSION);
      this.pos++;
      return { kind: 'unary', op: '(', operand: inner, precedence: PRECEDENCE['('] };
    }
    const name = this.variable();
    if (name !== undefined) return { kind: 'variable', name, precedence: PRECEDENCE.nop };
    const number = NUMBER.exec(this.s.slice(this.pos));
    if (number) {
      this.pos += number[0].length;
      const text = number[0];
      const value = text === 'nan' ? NaN : text === 'inf' ? Infinity : Number(text);
      return { kind: 'number', value, precedence: PRECEDENCE.nop };
    }
    return this.fail(EVAL_ERROR.UNKNOWN_OPERAND);
  }

  unaryOperator(): UnaryOp | undefined {
    const s = this.s.slice(this.pos, this.pos + 3).toLowerCase();
    if (s === 'not' && isWordTerm(this.at(3))) { this.pos += 3; return '!'; }
    const c = this.at();
    if (c === '!') { this.pos++; return '!'; }
    if (c === '+' && isSymbolTerm(this.at(1))) { this.pos++; return 'sign+'; }
    if (c === '-' && isSymbolTerm(this.at(1))) { this.pos++; return 'sign-'; }
    // `abs(`: the parenthesis stays, it opens the operand
    if (s === 'abs' && this.at(3) === '(') { this.pos += 3; return 'abs'; }
    return undefined;
  }

  variable(): string | undefined {
    if (this.at() !== '$') return undefined;
    let i = this.pos + 1;
    let name = '';
    if (this.s.charAt(i) === '{') {
      i++;
      while (i < this.s.length && this.s.charAt(i) !== '}' && name.length < MAX_VARIABLE_NAME_LENGTH) {
        name += this.s.charAt(i++);
      }
      if (this.s.charAt(i) === '}') i++;
    } else {
      while (isVariableChar(this.s.charAt(i)) && name.length < MAX_VARIABLE_NAME_LENGTH) {
        name += this.s.charAt(i++);
      }
    }
    if (!name) return undefined;
    this.pos = i;
    return name;
  }

  /** A binary or ternary operator at the cursor (netdata's operator_parsers, in order). */
  binaryOperator(): BinaryOp | '?' | undefined {
    const c = this.at();
    const c1 = this.at(1);
    const word = this.s.slice(this.pos, this.pos + 3).toLowerCase();
    const take = (n: number, op: BinaryOp | '?'): BinaryOp | '?' => { this.pos += n; return op; };
    if (word === 'and' && isWordTerm(this.at(3))) return take(3, '&&');
    if (c === '&' && c1 === '&' && isSymbolTerm(this.at(2))) return take(2, '&&');
    if (word.slice(0, 2) === 'or' && isWordTerm(this.at(2))) return take(2, '||');
    if (c === '|' && c1 === '|' && isSymbolTerm(this.at(2))) return take(2, '||');
    if (c === '>' && c1 === '=' && isSymbolTerm(this.at(2))) return take(2, '>=');
    if (c === '<' && c1 === '=' && isSymbolTerm(this.at(2))) return take(2, '<=');
    if (c === '!' && c1 === '=' && isSymbolTerm(this.at(2))) return take(2, '!=');
    if (c === '<' && c1 === '>' && isSymbolTerm(this.at(2))) return take(2, '!=');
    if (c === '=' && c1 === '=' && isSymbolTerm(this.at(2))) return take(2, '==');
    if (c === '=' && isSymbolTerm(c1)) return take(1, '==');
    if (c === '<' && isSymbolTerm(c1)) return take(1, '<');
    if (c === '>' && isSymbolTerm(c1)) return take(1, '>');
    if (c === '+' && isSymbolTerm(c1)) return take(1, '+');
    if (c === '-' && isSymbolTerm(c1)) return take(1, '-');
    if (c === '*' && isSymbolTerm(c1)) return take(1, '*');
    if (c === '/' && isSymbolTerm(c1)) return take(1, '/');
    if (c === '?') return take(1, '?');
    return undefined;
  }

  /** The operators after `left`, with netdata's one-rotation precedence rule. */
  rest(left: ExpressionNode): ExpressionNode {
    for (;;) {
      this.skipSpaces();
      const op = this.binaryOperator();
      this.skipSpaces();
      if (!op) {
        if (this.pos < this.s.length && this.at() !== ')') this.fail(EVAL_ERROR.MISSING_OPERATOR);
        return left;
      }
      const right = this.operand();
      const node = op === '?' ? this.ternary(right) : {
        kind: 'binary' as const, op, left, right, precedence: PRECEDENCE[op],
      };
      if (node.precedence > left.precedence && left.kind === 'binary') {
        setLeft(node, left.right);
        left.right = node;
      } else {
        setLeft(node, left);
        left = node;
      }
    }
  }

  ternary(then: ExpressionNode): ExpressionNode {
    this.skipSpaces();
    if (this.at() !== ':') this.fail(EVAL_ERROR.IF_THEN_ELSE_MISSING_ELSE);
    this.pos++;
    this.skipSpaces();
    const otherwise = this.operand();
    const placeholder: ExpressionNode = { kind: 'number', value: NaN, precedence: PRECEDENCE.nop };
    return { kind: 'ternary', condition: placeholder, then, otherwise, precedence: PRECEDENCE['?'] };
  }
}

function setLeft(node: ExpressionNode, left: ExpressionNode): void {
  if (node.kind === 'binary') node.left = left;
  else if (node.kind === 'ternary') node.condition = left;
}

// ---------------------------------------------------------------------------------------------
// printing (netdata's parsed_as)

/** A number as netdata prints constants: `%0.7f` with trailing zeros and dot removed. */
function formatConstant(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return 'inf';
  let text = n.toFixed(7);
  if (text.includes('.')) text = text.replace(/0+$/, '').replace(/\.$/, '');
  return text;
}

const PRINT_UNARY: Readonly<Record<UnaryOp, string>> = Object.freeze({
  '!': '!', 'sign+': '+', 'sign-': '-', abs: 'abs(', '(': '', nop: '',
});

function printNode(node: ExpressionNode): string {
  switch (node.kind) {
    case 'number': return formatConstant(node.value);
    case 'variable': return `\${${node.name}}`;
    case 'unary':
      return PRINT_UNARY[node.op] + printNode(node.operand) + (node.op === 'abs' ? ')' : '');
    case 'binary': return `(${printNode(node.left)} ${node.op} ${printNode(node.right)})`;
    case 'ternary':
      return `(${printNode(node.condition)} ? ${printNode(node.then)} : ${printNode(node.otherwise)})`;
  }
}

// ---------------------------------------------------------------------------------------------
// evaluation

interface EvalState {
  error: number;
  trace: string;
  resolve: VariableResolver;
}

const EPSILON = 0.0000001;

/** Variables netdata resolves itself; its trace shows them as `$name`, the others as `${name}`. */
const SPECIAL_VARIABLES: ReadonlySet<string> = new Set(['this', 'after', 'before', 'now', 'status',
  'REMOVED', 'UNINITIALIZED', 'UNDEFINED', 'CLEAR', 'WARNING', 'CRITICAL']);

const isTrue = (n: number): boolean => !Number.isNaN(n) && n !== 0;

function arithmetic(a: number, b: number, op: BinaryOp): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Infinity;
  switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    default: return a / b;
  }
}

function equal(a: number, b: number): boolean {
  const aNaN = Number.isNaN(a);
  const bNaN = Number.isNaN(b);
  if (aNaN && bNaN) return true;
  const aInf = !aNaN && !Number.isFinite(a);
  const bInf = !bNaN && !Number.isFinite(b);
  if (aInf && bInf) return true;
  if (aNaN || bNaN || aInf || bInf) return false;
  return Math.abs(a - b) < EPSILON;
}

function evalVariable(name: string, state: EvalState): number {
  const value = state.resolve(name);
  if (value === undefined) {
    state.error = EVAL_ERROR.UNKNOWN_VARIABLE;
    state.trace += `[ undefined variable '${name}' ] `;
    return NaN;
  }
  const shown = SPECIAL_VARIABLES.has(name) ? `$${name}` : `\${${name}}`;
  state.trace += `[ ${shown} = ${formatConstant(value)} ] `;
  return value;
}

function evalBinary(node: Extract<ExpressionNode, { kind: 'binary' }>, state: EvalState): number {
  if (node.op === '&&') return isTrue(evalNode(node.left, state)) && isTrue(evalNode(node.right, state)) ? 1 : 0;
  if (node.op === '||') return isTrue(evalNode(node.left, state)) || isTrue(evalNode(node.right, state)) ? 1 : 0;
  const a = evalNode(node.left, state);
  const b = evalNode(node.right, state);
  switch (node.op) {
    case '>=': return a >= b ? 1 : 0;
    case '<=': return a <= b ? 1 : 0;
    case '<': return a < b ? 1 : 0;
    case '>': return a > b ? 1 : 0;
    case '==': return equal(a, b) ? 1 : 0;
    case '!=': return equal(a, b) ? 0 : 1;
    default: return arithmetic(a, b, node.op);
  }
}

function evalUnary(node: Extract<ExpressionNode, { kind: 'unary' }>, state: EvalState): number {
  const n = evalNode(node.operand, state);
  switch (node.op) {
    case '!': return isTrue(n) ? 0 : 1;
    case 'sign-': return Number.isNaN(n) ? NaN : Number.isFinite(n) ? -n : Infinity;
    case 'abs': return Number.isNaN(n) ? NaN : Number.isFinite(n) ? Math.abs(n) : Infinity;
    default: return n;
  }
}

function evalNode(node: ExpressionNode, state: EvalState): number {
  switch (node.kind) {
    case 'number': return node.value;
    case 'variable': return evalVariable(node.name, state);
    case 'unary': return evalUnary(node, state);
    case 'binary': return evalBinary(node, state);
    case 'ternary':
      return isTrue(evalNode(node.condition, state)) ? evalNode(node.then, state)
        : evalNode(node.otherwise, state);
  }
}
