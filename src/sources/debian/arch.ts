/** OCI architecture names -> Debian's (they differ for arm, 386 and ppc64le). */
export function debArch(arch: string): string {
  const map: Record<string, string> = { arm: 'armhf', '386': 'i386', ppc64le: 'ppc64el' };
  return map[arch] ?? arch;
}
