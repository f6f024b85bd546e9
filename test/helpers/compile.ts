import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh } from './cli.js';

/** A C program that prints the line of /etc/passwd for the given user name. */
export const PRINT_PASSWD_LINE_C = `#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
  const char *who = argc > 1 ? argv[1] : "nonroot";
  char line[512];
  FILE *f = fopen("/etc/passwd", "r");
  if (!f) { perror("/etc/passwd"); return 3; }
  size_t n = strlen(who);
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, who, n) == 0 && line[n] == ':') { fputs(line, stdout); return 0; }
  }
  fprintf(stderr, "no %s in /etc/passwd\\n", who);
  return 4;
}
`;

/** Compiles C source with gcc into dir/name; returns the path. */
export function compileC(dir: string, name: string, source: string, flags: string[] = []): string {
  const src = join(dir, `${name}.c`);
  const out = join(dir, name);
  writeFileSync(src, source);
  sh('gcc', ['-O2', '-o', out, src, ...flags]);
  return out;
}
