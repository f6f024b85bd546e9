/**
 * Packages that only maintainer scripts use. pith runs no maintainer script (it emulates what they
 * do, src/sources/debian/effects), so a dependency on one of these is not followed unless the spec asks for
 * the package by name. Each entry says why; add one here rather than excluding it per spec.
 */
export const SCRIPT_ONLY_PACKAGES: ReadonlyMap<string, string> = new Map([
  ['adduser', 'is used only by maintainer scripts to create accounts, which pith emulates'],
  ['debconf', 'is used only by maintainer scripts to ask questions, which pith answers with their defaults'],
  ['debconf-2.0', 'is debconf, used only by maintainer scripts'],
  ['cdebconf', 'is debconf, used only by maintainer scripts'],
  ['ucf', 'is used only by maintainer scripts to install configuration files, which pith emulates'],
  [
    'init-system-helpers',
    'is used only by maintainer scripts to register services with an init system an image does not run',
  ],
  ['lsb-base', 'holds only init-script helpers for an init system an image does not run'],
  ['sysvinit-utils', 'holds only init-system tools an image does not run'],
  ['dpkg', 'is the package manager: an image holds no package manager'],
  ['install-info', 'is used only by maintainer scripts to index info manuals, which pith drops'],
]);
