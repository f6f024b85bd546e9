/** DEFAULT_RULES' runtime rows: what interpreters, VMs and plugin-loading libraries open at run time. */
import { ancestorsOf } from '../paths.js';
import {
  C_COMPILER,
  FONTCONFIG,
  JS_FILE,
  JVM_FILE,
  libDirs,
  MAGICK,
  NODE,
  NODE_TREES,
  PERL,
  PERL_HEADERS,
  PHP,
  PYTHON,
  RUBY,
} from './rule-patterns.js';
import type { Rule } from './rule-types.js';

export const RUNTIME_RULES = [
  {
    name: 'perl',
    why: 'perl loads its modules (and their XS libraries) from the @INC directories at run time',
    when: (ctx) => ctx.keptNamed(PERL).length > 0,
    keep: [
      'etc/perl/**',
      'usr/lib/*/perl/**',
      'usr/lib/*/perl5/**',
      'usr/lib/*/perl-base/**',
      'usr/share/perl/**',
      'usr/share/perl5/**',
      'usr/local/lib/site_perl/**',
    ],
    // Read by no program at run time: documentation, and CORE/'s C headers (8 MB), which only a C
    // compiler reads when it builds an XS module or embeds perl (perl-headers keeps them then).
    exclude: ['**/*.pod', 'usr/share/perl/*/pod/**', PERL_HEADERS],
  },
  {
    name: 'perl-headers',
    why: "a C compiler building an XS module (cpan, Inline::C) or a program that embeds perl includes perl's CORE/*.h",
    when: (ctx) => ctx.keptNamed(PERL).length > 0 && ctx.keptMatching(C_COMPILER).length > 0,
    keep: [PERL_HEADERS],
  },
  {
    name: 'python-stdlib',
    why: 'a Python interpreter imports its standard library and dist-packages at run time',
    when: (ctx) => ctx.keptNamed(PYTHON).length > 0,
    keep: (ctx) => {
      const versions = new Set(
        ctx.keptNamed(PYTHON).map((path) => PYTHON.exec(path.slice(path.lastIndexOf('/') + 1))![1]),
      );
      return [...[...versions].sort().map((v) => `usr/lib/python${v}/**`), 'usr/lib/python3/dist-packages/**'];
    },
    exclude: ['usr/lib/python3*/test/**', 'usr/lib/python3*/**/__pycache__/**'],
  },
  {
    name: 'node-runtime',
    why: "Debian's node loads externalised builtins (cjs-module-lexer, undici, acorn) and global modules from its module trees",
    when: (ctx) => ctx.keptNamed(NODE).length > 0,
    keep: NODE_TREES,
    exclude: ['usr/share/nodejs/@types/**'],
  },
  {
    name: 'node-modules',
    why: "node's require() looks for node_modules beside and above the requiring file",
    when: (ctx) => ctx.keptNamed(NODE).length > 0,
    keep: (ctx) => {
      const dirs = new Set<string>(['']);
      for (const path of ctx.keptMatching(JS_FILE)) for (const dir of ancestorsOf(path)) dirs.add(dir);
      return [...dirs]
        .map((dir) => (dir === '' ? 'node_modules' : `${dir}/node_modules`))
        .filter((modules) => !modules.includes('/node_modules/node_modules') && ctx.has(modules))
        .sort()
        .map((modules) => `${modules}/**`);
    },
  },
  {
    name: 'ruby',
    why: 'ruby loads its standard library, extensions and gems from its library trees at run time',
    when: (ctx) => ctx.keptNamed(RUBY).length > 0,
    keep: [
      'usr/lib/ruby/**',
      'usr/lib/*/ruby/**',
      'var/lib/gems/**',
      'usr/share/rubygems-integration/**',
      'usr/local/lib/site_ruby/**',
    ],
  },
  {
    name: 'php',
    why: 'php loads the extensions its ini files name and reads its include path',
    when: (ctx) => ctx.keptNamed(PHP).length > 0,
    keep: ['usr/lib/php/**', 'usr/share/php/**', 'etc/php/**'],
    // Read by no program at run time, only by Debian's maintainer scripts and timers: the php.ini
    // templates postinst copies to /etc/php, phpenmod's SAPI registry, the helpers of those scripts
    // and the session-cleaning cron job.
    exclude: ['usr/lib/php/*/php.ini-*', 'usr/lib/php/*/sapi/**', 'usr/lib/php/php-*', 'usr/lib/php/sessionclean'],
  },
  {
    name: 'imagemagick',
    why: 'ImageMagick reads and writes every image format through a coder module it loads by path, configured by its XML files',
    when: (ctx) => ctx.keptNamed(MAGICK).length > 0,
    keep: ['usr/lib/*/ImageMagick-*/**', 'usr/share/ImageMagick-*/**', 'etc/ImageMagick-*/**'],
  },
  {
    name: 'java',
    why: 'the java launcher loads libjava.so, lib/server/libjvm.so, the modules image, jvm.cfg and the security files from its JVM directory by path',
    when: (ctx) => ctx.keptMatching(JVM_FILE).length > 0,
    keep: (ctx) => {
      const jvms = new Set(ctx.keptMatching(JVM_FILE).map((path) => JVM_FILE.exec(path)![1]!));
      return [...[...jvms].sort().map((jvm) => `usr/lib/jvm/${jvm}/**`), ...libDirs('*/libfontconfig.so.1*')];
    },
    // Man pages: read by no program. classes_nocoops.jsa, absence handled by design: the class
    // data sharing archive for heaps without compressed oops (-Xmx32g and up); without it that JVM
    // starts without sharing (-Xshare:auto, the default; -Xshare:on is "for testing purposes only",
    // java(1)). ct.sym stays: `java --source N Prog.java` compiles against it.
    exclude: ['usr/lib/jvm/*/man/**', 'usr/lib/jvm/*/lib/*/classes_nocoops.jsa'],
  },
  {
    name: 'fonts',
    why: 'fontconfig finds fonts through /etc/fonts and its cache; text drawn without them fails or has no glyphs',
    when: (ctx) => ctx.keptNamed(FONTCONFIG).length > 0,
    keep: ['etc/fonts/**', 'usr/share/fonts/**', 'usr/share/fontconfig/**', 'var/cache/fontconfig/**'],
  },
] satisfies Rule[];
