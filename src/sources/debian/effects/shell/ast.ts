/**
 * The syntax tree of the POSIX sh subset Debian maintainer scripts are written in (dash: no
 * arrays, no `[[`). Built by parser.ts, walked by interpreter.ts; nothing here is ever run on the
 * host.
 */

export type WordPart =
  /** Unquoted text: subject to globbing, never to field splitting. */
  | { k: 'lit'; s: string }
  /** 'single quoted' (or a backslash-escaped character): taken as is. */
  | { k: 'sq'; s: string }
  | { k: 'dq'; parts: WordPart[] }
  /** $name, ${name}, ${name<op><arg>}, ${#name}. */
  | { k: 'param'; name: string; op?: string; arg?: Word; length?: boolean }
  /** $(...) or `...`. */
  | { k: 'cmd'; body: List }
  /** $((...)): the expression text, expanded then evaluated. */
  | { k: 'arith'; expr: Word };

export type Word = WordPart[];

export interface Redirect {
  fd?: number;
  op: '>' | '>>' | '<' | '<<' | '<<-' | '>&' | '<&' | '<>' | '>|' | '&>';
  target: Word;
  /** A here-document's body (expanded unless its delimiter was quoted). */
  heredoc?: Word;
}

export interface Assignment {
  name: string;
  value: Word;
}

export type Command =
  | { t: 'simple'; line: number; assigns: Assignment[]; words: Word[]; redirs: Redirect[] }
  | { t: 'if'; clauses: Array<{ cond: List; body: List }>; otherwise?: List; redirs: Redirect[] }
  | { t: 'case'; word: Word; items: Array<{ patterns: Word[]; body: List }>; redirs: Redirect[] }
  | { t: 'for'; name: string; items?: Word[]; body: List; redirs: Redirect[] }
  | { t: 'while'; until: boolean; cond: List; body: List; redirs: Redirect[] }
  | { t: 'group'; subshell: boolean; body: List; redirs: Redirect[] }
  | { t: 'func'; name: string; body: Command };

export interface Pipeline {
  bang: boolean;
  commands: Command[];
}

export interface AndOr {
  first: Pipeline;
  rest: Array<{ op: '&&' | '||'; pipeline: Pipeline }>;
}

export type List = AndOr[];

/** The literal text of a word when it has no quoting or expansion (reserved words, names). */
export function plainText(word: Word): string | undefined {
  if (word.length !== 1 || word[0]!.k !== 'lit') return undefined;
  return word[0]!.s;
}
