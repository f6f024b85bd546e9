/** dash's echo and printf: the two builtins maintainer scripts print with. */

/** dash's echo: -n, and backslash escapes always interpreted (\c stops output). */
export function echoBuiltin(args: string[]): string {
  let newline = true;
  let words = args;
  if (words[0] === '-n') {
    newline = false;
    words = words.slice(1);
  }
  const { text, stop } = escapes(words.join(' '), true);
  return stop ? text : text + (newline ? '\n' : '');
}

/** printf FORMAT [ARG...]: %s %b %d %i %u %x %o %c %%, with the format reused for extra arguments. */
export function printfBuiltin(args: string[]): string {
  const [format = '', ...rest] = args;
  let out = '';
  let values = rest;
  for (let round = 0; round < 10_000; round++) {
    let used = 0;
    const text = format.replace(/%([-+ #0]*\d*(?:\.\d+)?)([sbdiuxXoc%])/g, (_m, flags: string, conv: string) => {
      if (conv === '%') return '%';
      const value = values[used++] ?? '';
      let body: string;
      if (conv === 's') body = value;
      else if (conv === 'b') body = escapes(value, true).text;
      else if (conv === 'c') body = value.slice(0, 1);
      else {
        const n = Number.parseInt(value, 10) || 0;
        body =
          conv === 'x'
            ? n.toString(16)
            : conv === 'X'
              ? n.toString(16).toUpperCase()
              : conv === 'o'
                ? n.toString(8)
                : String(n);
      }
      const width = Number(/\d+/.exec(flags.replace(/^[-+ #0]*/, ''))?.[0] ?? 0);
      return flags.includes('-')
        ? body.padEnd(width)
        : body.padStart(width, flags.startsWith('0') && conv !== 's' ? '0' : ' ');
    });
    out += escapes(text, false).text;
    values = values.slice(used);
    if (used === 0 || values.length === 0) break;
  }
  return out;
}

function escapes(text: string, echo: boolean): { text: string; stop: boolean } {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '\\' || i + 1 >= text.length) {
      out += c;
      continue;
    }
    const n = text[++i]!;
    const simple: Record<string, string> = {
      n: '\n',
      t: '\t',
      r: '\r',
      a: '\x07',
      b: '\b',
      f: '\f',
      v: '\v',
      '\\': '\\',
      e: '\x1b',
    };
    if (n in simple) out += simple[n];
    else if (n === 'c' && echo) return { text: out, stop: true };
    else if (/[0-7]/.test(n)) {
      const m = /^[0-7]{1,3}/.exec(text.slice(echo && n === '0' ? i + 1 : i))!;
      out += String.fromCharCode(Number.parseInt(m[0] || '0', 8));
      i += m[0].length - (echo && n === '0' ? 0 : 1);
    } else out += `\\${n}`;
  }
  return { text: out, stop: false };
}
