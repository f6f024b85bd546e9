import type { ContainerConfig } from '../image/types.js';
import type { Spec } from '../spec/types.js';
import { type Accounts, AccountLookupError, resolveOwner } from '../sources/system/accounts.js';
import { specError } from '../errors.js';
import type { ConfigDefaults } from '../sources/source.js';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The runtime config from the spec. A user name is resolved through the image's own passwd to
 * "uid:gid", so runtimes and admission checks (runAsNonRoot) see numbers.
 */
export function containerConfig(
  spec: Spec,
  accounts: Accounts | undefined,
  where: (p: (string | number)[]) => string,
  defaults: ConfigDefaults = { env: {} },
  base?: ContainerConfig,
): ContainerConfig {
  // A base image's config is inherited the way a Dockerfile's FROM does: the spec (then the
  // preset) overrides field by field; ports and volumes add up.
  const env = new Map<string, string>();
  for (const kv of base?.Env ?? []) {
    const i = kv.indexOf('=');
    if (i > 0) env.set(kv.slice(0, i), kv.slice(i + 1));
  }
  const path = env.get('PATH') ?? DEFAULT_PATH;
  env.set(
    'PATH',
    defaults.pathSuffix && !path.split(':').includes(defaults.pathSuffix) ? `${path}:${defaults.pathSuffix}` : path,
  );
  for (const [k, v] of Object.entries(defaults.env)) env.set(k, v);
  for (const [k, v] of Object.entries(spec.env)) env.set(k, v);
  const config: ContainerConfig = { Env: [...env].map(([k, v]) => `${k}=${v}`) };
  const user = spec.user ?? defaults.user ?? base?.User;
  if (user !== undefined && user !== '') {
    // Without accounts of its own (on a base image) a name is left for the runtime to resolve.
    if (/^\d+(:\d+)?$/.test(user) || !accounts) config.User = user;
    else {
      try {
        const { uid, gid } = resolveOwner(user, accounts!);
        config.User = `${uid}:${gid}`;
      } catch (err) {
        if (err instanceof AccountLookupError) throw specError(`user: ${err.message}`, { where: where(['user']) });
        throw err;
      }
    }
  }
  // A new entrypoint drops the base's Cmd (it was written for the old entrypoint); a cmd alone
  // keeps the base's entrypoint.
  const ownEntrypoint = spec.entrypoint ?? defaults.entrypoint;
  const entrypoint = ownEntrypoint ?? base?.Entrypoint;
  const cmd = spec.cmd ?? (ownEntrypoint ? undefined : base?.Cmd);
  if (entrypoint) config.Entrypoint = entrypoint;
  if (cmd) config.Cmd = cmd;
  const workdir = spec.workdir ?? defaults.workdir ?? base?.WorkingDir;
  if (workdir) config.WorkingDir = workdir;
  const ports = { ...(base?.ExposedPorts ?? {}), ...Object.fromEntries(spec.ports.map((p) => [p, {}])) };
  if (Object.keys(ports).length) config.ExposedPorts = ports;
  const volumes = { ...(base?.Volumes ?? {}), ...Object.fromEntries(spec.volumes.map((v) => [v, {}])) };
  if (Object.keys(volumes).length) config.Volumes = volumes;
  const labels = { ...(base?.Labels ?? {}), ...spec.labels };
  if (Object.keys(labels).length) config.Labels = labels;
  const stopSignal = spec.stopSignal ?? base?.StopSignal;
  if (stopSignal) config.StopSignal = stopSignal;
  return config;
}
