/** Sizes as inspect and diff print them (B, KiB, MiB), apart so diff loads no layer reader. */
export function formatSize(n: number): string {
  const sign = n < 0 ? '-' : '';
  const a = Math.abs(n);
  if (a < 1024) return `${sign}${a} B`;
  if (a < 1024 * 1024) return `${sign}${(a / 1024).toFixed(1)} KiB`;
  return `${sign}${(a / 1024 / 1024).toFixed(1)} MiB`;
}
