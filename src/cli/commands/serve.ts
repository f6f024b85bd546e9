import { parseArgs } from 'node:util';
import { defaultCacheDir } from '../../index.js';
import { CONNECTION_DEFAULTS, RegistryStorage, SERVE_DEFAULTS, startServe } from '../../server/index.js';
import { usageError } from '../../errors.js';
import { type Command, parseOrUsage } from './command.js';

const ARCHS = ['amd64', 'arm64', 'arm', '386', 'ppc64le', 's390x', 'riscv64'];

export const serveCommand: Command = {
  name: 'serve',
  summary: 'a registry that builds images of Debian packages on first pull',
  usage: `pith serve --listen HOST:PORT [--cache-dir DIR] [--max-packages N] [--build-timeout S]
           [--max-concurrent-builds N] [--archs amd64,arm64] [--suites bookworm,trixie]
           [--storage REGISTRY/REPO] [--max-connections-per-client N]

A pull-only OCI registry: the repository path names Debian packages, one per segment, and the
tag the suite. The image is built on the first pull, then pinned (its lockfile is kept) and
served from storage:

  skopeo copy docker://HOST:PORT/curl/jq:bookworm oci:out:latest    preset static + curl + jq
  podman pull HOST:PORT/cc/nonroot/libstdc__6:latest                latest = bookworm; _ stands for +

Meta names: static, base-nossl, base, cc, python3 (a preset; the largest named wins; default
static), nonroot (user 65532, /home/nonroot), debug or shell (busybox shell at /busybox/sh).

  --listen                 address to listen on, e.g. 127.0.0.1:5000 or :5000 (port 0: any free port)
  --cache-dir              cache root (default: $PITH_CACHE_DIR, $XDG_CACHE_HOME/pith, ~/.cache/pith);
                           images are stored in <cache>/serve
  --max-packages           most packages one name may list (default ${SERVE_DEFAULTS.maxPackages})
  --build-timeout          seconds a build may run before it is stopped (default ${SERVE_DEFAULTS.buildTimeoutMs / 1000})
  --max-concurrent-builds  new builds at once; more get 429 + Retry-After (default ${SERVE_DEFAULTS.maxConcurrentBuilds})
  --archs                  architectures of every image; several give an index (default: the host's)
  --suites                 suites a tag may name (default ${SERVE_DEFAULTS.suites.join(',')})
  --storage REGISTRY/REPO  keep images in a registry instead of <cache>/serve/store: blobs and
                           manifests are pushed there (image keys are tags k-<id>) and blob GETs
                           are redirected (307) to it, so replicas can share it; clients must be
                           able to pull from it anonymously
  --max-connections-per-client  connections one address may hold at once; more are answered 429
                           and closed (default ${CONNECTION_DEFAULTS.maxConnectionsPerClient})

Logs one JSON line per request and per build event on stdout. GET /healthz reports status and
build counters. SIGINT or SIGTERM shut it down gracefully.
`,
  async run(args) {
    const { values, positionals } = parseOrUsage('serve', () =>
      parseArgs({
        args,
        allowPositionals: false,
        strict: true,
        options: {
          listen: { type: 'string' },
          'cache-dir': { type: 'string' },
          'max-packages': { type: 'string' },
          'build-timeout': { type: 'string' },
          'max-concurrent-builds': { type: 'string' },
          archs: { type: 'string' },
          suites: { type: 'string' },
          storage: { type: 'string' },
          'max-connections-per-client': { type: 'string' },
        },
      }),
    );
    if (positionals.length > 0) throw usageError('serve: takes no positional arguments (see pith help serve)');
    if (!values.listen) throw usageError('serve: --listen HOST:PORT is required (see pith help serve)');
    const { host, port, ...limits } = serveSettings(values, values.listen);

    const log = (event: Record<string, unknown>) =>
      process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`);
    const cacheDir = values['cache-dir'] ?? defaultCacheDir();
    const storage = values.storage !== undefined ? await connectStorage(values.storage) : undefined;
    const server = await startServe({
      ...(storage ? { storage } : {}),
      host,
      port,
      cacheDir,
      log,
      ...limits,
    }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL')
        throw usageError(`serve: cannot listen on ${values.listen}: ${err.code}`);
      throw err;
    });
    log({ event: 'listening', url: server.url, cacheDir, storage: server.images.storage.description });
    await untilSignalled(server, log);
    log({ event: 'stopped' });
    return 0;
  },
};

type ServeOptions = Parameters<typeof startServe>[0];

/** The flags' settings for startServe, each checked (in the order the usage lists them). */
function serveSettings(
  values: Partial<
    Record<
      'max-packages' | 'build-timeout' | 'max-concurrent-builds' | 'archs' | 'suites' | 'max-connections-per-client',
      string
    >
  >,
  listen: string,
): Omit<ServeOptions, 'cacheDir' | 'log' | 'storage'> {
  const { host, port } = parseListen(listen);
  const whole = (flag: string, value: string | undefined, min: number): number | undefined => {
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value) || Number(value) < min)
      throw usageError(`serve: --${flag} must be a whole number >= ${min}, not "${value}"`);
    return Number(value);
  };
  const list = (value: string | undefined) =>
    value
      ?.split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  const archs = list(values.archs);
  for (const a of archs ?? [])
    if (!ARCHS.includes(a)) throw usageError(`serve: unknown arch "${a}" in --archs (use ${ARCHS.join(', ')})`);
  const suites = list(values.suites);
  if (suites && !suites.includes('bookworm'))
    throw usageError('serve: --suites must include bookworm (the suite latest names)');
  for (const s of suites ?? [])
    if (!/^[a-z][a-z0-9-]*$/.test(s)) throw usageError(`serve: "${s}" in --suites is not a Debian suite name`);
  const timeout = whole('build-timeout', values['build-timeout'], 1);
  const maxPackages = whole('max-packages', values['max-packages'], 1);
  const maxBuilds = whole('max-concurrent-builds', values['max-concurrent-builds'], 1);
  const perClient = whole('max-connections-per-client', values['max-connections-per-client'], 1);
  return {
    host,
    port,
    ...(archs ? { archs: [...new Set(archs)] } : {}),
    ...(suites ? { suites } : {}),
    ...(timeout !== undefined ? { buildTimeoutMs: timeout * 1000 } : {}),
    ...(maxPackages !== undefined ? { maxPackages } : {}),
    ...(maxBuilds !== undefined ? { maxConcurrentBuilds: maxBuilds } : {}),
    ...(perClient !== undefined ? { connections: { maxConnectionsPerClient: perClient } } : {}),
  };
}

/** --storage: a registry repository, reachable before the server starts listening. */
async function connectStorage(reference: string): Promise<RegistryStorage> {
  const storage = new RegistryStorage(reference);
  await storage.connect().catch((err: unknown) => {
    throw usageError(`serve: --storage ${reference}: ${err instanceof Error ? err.message : String(err)}`);
  });
  return storage;
}

/** Serve until SIGINT or SIGTERM, then close the server (letting running builds finish). */
function untilSignalled(
  server: Awaited<ReturnType<typeof startServe>>,
  log: (event: Record<string, unknown>) => void,
): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      log({ event: 'shutdown', signal, activeBuilds: server.images.counters.running });
      void server.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function parseListen(value: string): { host: string; port: number } {
  const m = value.match(/^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535)
    throw usageError(`serve: --listen expects HOST:PORT (e.g. 127.0.0.1:5000, [::1]:5000 or :5000), not "${value}"`);
  const host = m[1] ?? (m[2] === '' ? '0.0.0.0' : m[2]!);
  return { host, port };
}
