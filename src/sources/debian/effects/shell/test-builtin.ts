/**
 * `test` / `[`: string, integer and file tests. File tests ask the host (the image being built),
 * never the machine pith runs on. Returns the exit status: 0 true, 1 false, 2 a usage error.
 */

export type FileTest = (op: string, path: string) => boolean;

const UNARY_FILE = new Set([
  '-e',
  '-f',
  '-d',
  '-L',
  '-h',
  '-x',
  '-r',
  '-w',
  '-s',
  '-b',
  '-c',
  '-p',
  '-S',
  '-u',
  '-g',
  '-k',
  '-O',
  '-G',
]);
const BINARY = new Set(['=', '==', '!=', '-eq', '-ne', '-lt', '-le', '-gt', '-ge', '<', '>', '-nt', '-ot', '-ef']);

export function testBuiltin(argv: string[], fileTest: FileTest): number {
  let args = argv.slice(1);
  if (argv[0] === '[') {
    if (args[args.length - 1] !== ']') return 2;
    args = args.slice(0, -1);
  }
  try {
    return evaluate(args, fileTest) ? 0 : 1;
  } catch {
    return 2;
  }
}

class TestSyntax extends Error {}

function evaluate(args: string[], fileTest: FileTest): boolean {
  // POSIX's rules by argument count keep `[ "$x" = -n ]` and friends unambiguous.
  switch (args.length) {
    case 0:
      return false;
    case 1:
      return args[0] !== '';
    case 2:
      if (args[0] === '!') return !evaluate(args.slice(1), fileTest);
      return unary(args[0]!, args[1]!, fileTest);
    case 3:
      if (BINARY.has(args[1]!)) return binary(args[0]!, args[1]!, args[2]!);
      if (args[0] === '!') return !evaluate(args.slice(1), fileTest);
      if (args[0] === '(' && args[2] === ')') return evaluate([args[1]!], fileTest);
      break;
    case 4:
      if (args[0] === '!') return !evaluate(args.slice(1), fileTest);
      if (args[0] === '(' && args[3] === ')') return evaluate(args.slice(1, 3), fileTest);
      break;
  }
  return new Expression(args, fileTest).parse();
}

function unary(op: string, operand: string, fileTest: FileTest): boolean {
  if (op === '-n') return operand !== '';
  if (op === '-z') return operand === '';
  if (op === '-t') return false;
  if (UNARY_FILE.has(op)) return fileTest(op, operand);
  throw new TestSyntax(`unknown test ${op}`);
}

function binary(a: string, op: string, b: string): boolean {
  switch (op) {
    case '=':
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '>':
      return a > b;
    case '-nt':
    case '-ot':
    case '-ef':
      return false; // every file in an image has the same mtime
  }
  const x = integer(a);
  const y = integer(b);
  switch (op) {
    case '-eq':
      return x === y;
    case '-ne':
      return x !== y;
    case '-lt':
      return x < y;
    case '-le':
      return x <= y;
    case '-gt':
      return x > y;
    default:
      return x >= y;
  }
}

function integer(text: string): number {
  if (!/^\s*[-+]?\d+\s*$/.test(text)) throw new TestSyntax(`${text}: integer expected`);
  return Number(text.trim());
}

/** The general grammar: or := and (-o and)*; and := not (-a not)*; not := ! not | primary. */
class Expression {
  private i = 0;
  constructor(
    private readonly args: string[],
    private readonly fileTest: FileTest,
  ) {}

  parse(): boolean {
    const value = this.or();
    if (this.i !== this.args.length) throw new TestSyntax('extra arguments');
    return value;
  }

  private or(): boolean {
    let value = this.and();
    while (this.args[this.i] === '-o') {
      this.i++;
      value = this.and() || value;
    }
    return value;
  }

  private and(): boolean {
    let value = this.not();
    while (this.args[this.i] === '-a') {
      this.i++;
      value = this.not() && value;
    }
    return value;
  }

  private not(): boolean {
    if (this.args[this.i] === '!') {
      this.i++;
      return !this.not();
    }
    return this.primary();
  }

  private primary(): boolean {
    const a = this.args[this.i];
    if (a === undefined) throw new TestSyntax('argument expected');
    if (a === '(') {
      this.i++;
      const value = this.or();
      if (this.args[this.i++] !== ')') throw new TestSyntax('missing )');
      return value;
    }
    const op = this.args[this.i + 1];
    if (op !== undefined && BINARY.has(op) && this.args[this.i + 2] !== undefined) {
      this.i += 3;
      return binary(a, op, this.args[this.i - 1]!);
    }
    if ((a === '-n' || a === '-z' || UNARY_FILE.has(a)) && this.args[this.i + 1] !== undefined) {
      this.i += 2;
      return unary(a, this.args[this.i - 1]!, this.fileTest);
    }
    this.i++;
    return a !== '';
  }
}
