import { specError } from '../errors.js';

/**
 * Splits a command line into words the way a POSIX shell would, without any expansion: there is no
 * shell in a distroless image, so `$VAR`, globs and `#` are kept literally.
 *
 * - blanks (space, tab, newline) separate words;
 * - `'...'` is literal; `"..."` is literal except that a backslash escapes `$`, `` ` ``, `"`, `\` and
 *   newline (backslash-newline is removed);
 * - outside quotes a backslash makes the next character literal (backslash-newline is removed);
 * - `''` and `""` make an empty word.
 *
 * Throws a spec PithError on an unterminated quote or a trailing lone backslash.
 */
export function shellSplit(s: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
      continue;
    }
    const wasInWord: boolean = inWord;
    inWord = true;
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw unterminated('single', i);
      word += s.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      const open = i;
      i++;
      for (;;) {
        if (i >= s.length) throw unterminated('double', open);
        const d = s[i]!;
        if (d === '"') {
          i++;
          break;
        }
        if (d === '\\' && i + 1 < s.length && '$`"\\\n'.includes(s[i + 1]!)) {
          if (s[i + 1] !== '\n') word += s[i + 1];
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
    } else if (c === '\\') {
      if (i + 1 >= s.length) {
        throw specError(`ends with a lone backslash (escape it as \\\\, or write a list of strings)`);
      }
      if (s[i + 1] === '\n') {
        // A line continuation is removed: it neither starts nor ends a word.
        inWord = wasInWord;
      } else {
        word += s[i + 1];
      }
      i += 2;
    } else {
      word += c;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

function unterminated(kind: 'single' | 'double', at: number) {
  return specError(`unterminated ${kind} quote (opened at character ${at + 1}; close it, or write a list of strings)`);
}
