/**
 * Runs a corpus entry's smoke steps against its built image. Steps share one bundle (one
 * container filesystem, like restarts of one container): `run` runs to completion, `start` leaves
 * the image's server running detached in its own network namespace, `request` talks to it from
 * the host, `exec` runs a command inside it. The first failing step ends the smoke test; the
 * detached container and the bundle are removed whatever happens.
 */
import { type Bundle, type Detached, firstLines, lastLines } from '../container.js';
import type { RunOutcome } from '../runtime.js';
import type { Expectation, Step } from './corpus.js';

export interface ImageCommand {
  entrypoint: string[];
  cmd: string[];
}

const DEFAULT_TIMEOUT_S = 60;

/** Replaces `{{name}}` with the loopback servers' addresses; an unknown name throws. */
export function fill(text: string, placeholders: Record<string, string>): string {
  return text.replace(/\{\{([a-z_]+)\}\}/g, (_m, name: string) => {
    const value = placeholders[name];
    if (value === undefined) throw new Error(`unknown placeholder {{${name}}}`);
    return value;
  });
}

/** `docker run` semantics: args replace everything, cmd replaces the image's cmd only. */
function argvOf(
  step: { args?: string[]; cmd?: string[] },
  image: ImageCommand,
  placeholders: Record<string, string>,
): string[] | undefined {
  const argv = step.args ?? (step.cmd ? [...image.entrypoint, ...step.cmd] : undefined);
  return argv?.map((a) => fill(a, placeholders));
}

/** Why an outcome does not meet its expectation, or undefined when it does. */
export function mismatch(outcome: RunOutcome, expect: Expectation = {}): string | undefined {
  const code = expect.code ?? 0;
  if (outcome.code !== code)
    return `exit ${outcome.code}${code ? ` (expected ${code})` : ''}: ${firstLines(outcome, 2)}`;
  for (const stream of ['stdout', 'stderr'] as const) {
    const pattern = expect[stream];
    if (pattern !== undefined && !new RegExp(pattern).test(outcome[stream])) {
      return `${stream} does not match /${pattern}/: ${JSON.stringify(outcome[stream].trim().slice(0, 200))}${stream === 'stdout' && outcome.stderr.trim() ? ` (stderr: ${firstLines({ stdout: '', stderr: outcome.stderr }, 1)})` : ''}`;
    }
  }
  return undefined;
}

const short = (argv: string[]) => {
  const text = argv.join(' ');
  return text.length > 48 ? `${text.slice(0, 45)}...` : text;
};

function label(step: Step, image: ImageCommand): string {
  if ('run' in step) return `run ${short(step.run.args ?? [...image.entrypoint, ...(step.run.cmd ?? image.cmd)])}`;
  if ('start' in step)
    return `start ${short(step.start.args ?? [...image.entrypoint, ...(step.start.cmd ?? image.cmd)])}`;
  if ('request' in step) return `request :${step.request.port}`;
  return `exec ${short(step.exec.args)}`;
}

/** Runs the steps; undefined when all pass, else the first failure as one line. */
export async function runSmoke(
  bundle: Bundle,
  steps: Step[],
  image: ImageCommand,
  placeholders: Record<string, string>,
): Promise<string | undefined> {
  let server: Detached | undefined;
  try {
    for (const [i, step] of steps.entries()) {
      const failure = await runStep(bundle, step, image, placeholders, server, (started) => (server = started)).catch(
        (e: unknown) => (e instanceof Error ? e.message : String(e)),
      );
      if (failure !== undefined) return `step ${i + 1} (${label(step, image)}): ${failure}`.split('\n')[0];
    }
    return undefined;
  } finally {
    await server?.stop();
  }
}

async function runStep(
  bundle: Bundle,
  step: Step,
  image: ImageCommand,
  placeholders: Record<string, string>,
  server: Detached | undefined,
  started: (d: Detached) => void,
): Promise<string | undefined> {
  if ('run' in step) {
    const s = step.run;
    const outcome = await bundle.run({
      args: argvOf(s, image, placeholders),
      user: s.user,
      hostNetwork: s.network === 'host',
      timeoutMs: (s.timeout ?? DEFAULT_TIMEOUT_S) * 1000,
    });
    return mismatch(outcome, s.expect);
  }
  if ('start' in step) {
    if (server) return 'a server is already running (one start per smoke test)';
    started(bundle.start({ args: argvOf(step.start, image, placeholders), user: step.start.user }));
    return undefined;
  }
  if (!server) return 'no server started (add a start step first)';
  if ('request' in step) {
    const s = step.request;
    await server.request(s.port, fill(s.send, placeholders), s.expect, (s.timeout ?? DEFAULT_TIMEOUT_S) * 1000);
    return undefined;
  }
  const s = step.exec;
  const outcome = await server.exec(
    s.args.map((a) => fill(a, placeholders)),
    { user: s.user, timeoutMs: (s.timeout ?? DEFAULT_TIMEOUT_S) * 1000 },
  );
  const failed = mismatch(outcome, s.expect);
  return failed && server.state()?.status !== 'running'
    ? `${failed}; the server exited: ${lastLines(server.output())}`
    : failed;
}
