import type { ContainerConfig } from '../image/types.js';
import type { Spec } from '../spec/types.js';
import { type Accounts, AccountLookupError, resolveOwner } from '../tree/files/accounts.js';
import { specError } from '../errors.js';
import type { ConfigDefaults } from './debian-selection.js';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The runtime config from the spec. A user name is resolved through the image's own passwd to
 * "uid:gid", so runtimes and admission checks (runAsNonRoot) see numbers.
 */
export function containerConfig(
  spec: Spec,
  accounts: Accounts,
  where: (p: (string | number)[]) => string,
  defaults: ConfigDefaults = { env: {} },
): ContainerConfig {
  const env = new Map<string, string>([['PATH', defaults.pathSuffix ? `${DEFAULT_PATH}:${defaults.pathSuffix}` : DEFAULT_PATH]]);
  for (const [k, v] of Object.entries(defaults.env)) env.set(k, v);
  for (const [k, v] of Object.entries(spec.env)) env.set(k, v);
  const config: ContainerConfig = { Env: [...env].map(([k, v]) => `${k}=${v}`) };
  const user = spec.user ?? defaults.user;
  if (user !== undefined) {
    if (/^\d+(:\d+)?$/.test(user)) config.User = user;
    else {
      try {
        const { uid, gid } = resolveOwner(user, accounts);
        config.User = `${uid}:${gid}`;
      } catch (err) {
        if (err instanceof AccountLookupError) throw specError(`user: ${err.message}`, { where: where(['user']) });
        throw err;
      }
    }
  }
  const entrypoint = spec.entrypoint ?? defaults.entrypoint;
  if (entrypoint) config.Entrypoint = entrypoint;
  if (spec.cmd) config.Cmd = spec.cmd;
  const workdir = spec.workdir ?? defaults.workdir;
  if (workdir) config.WorkingDir = workdir;
  if (spec.ports.length) config.ExposedPorts = Object.fromEntries(spec.ports.map((p) => [p, {}]));
  if (spec.volumes.length) config.Volumes = Object.fromEntries(spec.volumes.map((v) => [v, {}]));
  if (Object.keys(spec.labels).length) config.Labels = spec.labels;
  if (spec.stopSignal) config.StopSignal = spec.stopSignal;
  return config;
}
