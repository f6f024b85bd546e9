import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPithError } from '../../../src/errors.js';
import { shellSplit } from '../../../src/spec/shell-split.js';

test('splits on blanks and drops surrounding and repeated ones', () => {
  assert.deepEqual(shellSplit('  /app   --port\t8080\n-v  '), ['/app', '--port', '8080', '-v']);
  assert.deepEqual(shellSplit(''), []);
  assert.deepEqual(shellSplit('   '), []);
});

test('single quotes are literal, including backslashes and double quotes', () => {
  assert.deepEqual(shellSplit(`echo 'a  b' 'c\\d' '"x"'`), ['echo', 'a  b', 'c\\d', '"x"']);
});

test('double quotes: backslash escapes only $ ` " \\ and newline', () => {
  assert.deepEqual(shellSplit('"a \\"b\\" \\$X \\\\ \\n \\` c"'), ['a "b" $X \\ \\n ` c']);
  assert.deepEqual(shellSplit('"one\\\ntwo"'), ['onetwo']);
});

test('outside quotes a backslash makes the next character literal', () => {
  assert.deepEqual(shellSplit('a\\ b c\\"d \\\\'), ['a b', 'c"d', '\\']);
});

test('backslash-newline is a line continuation', () => {
  assert.deepEqual(shellSplit('run \\\n--fast'), ['run', '--fast']);
  assert.deepEqual(shellSplit('ab\\\ncd'), ['abcd']);
  assert.deepEqual(shellSplit("'' \\\n x"), ['', 'x']);
});

test('empty quotes make empty words; adjacent parts join into one word', () => {
  assert.deepEqual(shellSplit(`a '' "" b`), ['a', '', '', 'b']);
  assert.deepEqual(shellSplit(`--name='my app'"s"x`), ['--name=my apps' + 'x']);
});

test('nothing is expanded: $VAR, globs and # stay as written', () => {
  assert.deepEqual(shellSplit('echo $HOME *.txt #comment ~'), ['echo', '$HOME', '*.txt', '#comment', '~']);
});

test('unterminated quotes and a trailing backslash are spec errors', () => {
  const message = (s: string) => {
    try {
      shellSplit(s);
    } catch (err) {
      assert.ok(isPithError(err));
      assert.equal(err.kind, 'spec');
      return err.message;
    }
    assert.fail(`no error for ${s}`);
  };
  assert.equal(
    message(`echo 'abc`),
    'unterminated single quote (opened at character 6; close it, or write a list of strings)',
  );
  assert.equal(
    message('a "b'),
    'unterminated double quote (opened at character 3; close it, or write a list of strings)',
  );
  assert.equal(
    message('a "b\\"'),
    'unterminated double quote (opened at character 3; close it, or write a list of strings)',
  );
  assert.equal(message('a b\\'), 'ends with a lone backslash (escape it as \\\\, or write a list of strings)');
});
