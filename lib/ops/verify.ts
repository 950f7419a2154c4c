import pLimit from 'p-limit';
import { abortableSleep, describeProbe, probeOnce } from '../health/probe.js';
import type { ResolvedProfile, VerifyCheck } from '../profile/model.js';
import type { Instance, Runtime, ToolRunner } from '../runtime/types.js';
import { isOneShot } from '../services/operations.js';

export interface CheckResult {
  name: string;
  service: string;
  ok: boolean;
  output: string;
  durationMs: number;
  logs?: string[];
}

interface Outcome {
  ok: boolean;
  output: string;
}

/** Every service running and healthy, then the profile's own functional checks; each a named result. */
export async function verify(
  runtime: Runtime,
  profile: ResolvedProfile,
  onResult?: (r: CheckResult) => void,
  /** Where client checks run when the runtime has no tool containers (the host): see client-engine.ts. */
  tools: ToolRunner | undefined = runtime.capabilities.tools,
  opts: { concurrency?: number } = {},
): Promise<CheckResult[]> {
  const instances = await runtime.list(profile.project);
  const results: CheckResult[] = [];
  const client = clientRunner(profile, tools);
  // Side by side, within a small limit: each check is its own short process (an openstack client start
  // costs ~2 s of Python), and the engine and two cores are shared with the services being checked.
  const limit = pLimit(opts.concurrency ?? 4);
  const timed = async (position: number, name: string, service: string, fn: () => Promise<Outcome>) => {
    const start = Date.now();
    const r = await fn().catch((e: Error) => ({ ok: false, output: e.message }));
    const result: CheckResult = { name, service, ...r, durationMs: Date.now() - start };
    const instance = instances.find((i) => i.service === service);
    if (!r.ok && instance) result.logs = await runtime.logs(instance.id, { tail: 30 });
    results[position] = result;
    onResult?.(result);
  };
  await Promise.all(
    profile.services.map((service, position) =>
      limit(() => {
        const instance = instances.find((i) => i.service === service.name);
        const name = `${service.name} is ${service.healthcheck ? 'healthy' : 'running'}`;
        return timed(position, name, service.name, async () => {
          if (!instance) return { ok: false, output: 'not deployed' };
          if (!instance.running) return { ok: instance.exitCode === 0 && isOneShot(service), output: instance.status };
          if (!service.healthcheck) return { ok: true, output: 'running' };
          const r = await probeOnce(runtime, instance, service.healthcheck.probe, service.healthcheck.timeoutMs);
          return { ok: r.ok, output: r.output || describeProbe(service.healthcheck.probe) };
        });
      }),
    ),
  );
  const finished = new Map<string, Promise<void>>();
  for (const [n, check] of profile.verify.entries()) {
    // A check waits for the ones it names (declared before it, so the order cannot cycle) outside the limit.
    const before = check.after.map((name) => finished.get(name) ?? Promise.resolve());
    const run = Promise.all(before).then(() =>
      limit(() =>
        timed(profile.services.length + n, check.name, check.service, async () => {
          let last: Outcome = { ok: false, output: 'not run' };
          for (let attempt = 0; attempt <= check.retries; attempt++) {
            if (attempt > 0) await abortableSleep(1000);
            last = await runCheck(
              runtime,
              client,
              profile,
              check,
              instances.find((i) => i.service === check.service),
            );
            if (last.ok) break;
          }
          return last;
        }),
      ),
    );
    finished.set(check.name, run);
  }
  await Promise.all(finished.values()).finally(() => client?.close());
  // Reported as they finish; returned in the order the profile declares them.
  return results;
}

interface ClientRunner {
  run(command: string[]): Promise<{ exitCode: number; output: string }>;
  close(): Promise<void>;
}

/**
 * Where client checks run: one container of the client image serving them all when the profile gives it a
 * `serve` process (opened at the first check, removed after the last), otherwise a container per check.
 */
function clientRunner(profile: ResolvedProfile, tools: ToolRunner | undefined): ClientRunner | undefined {
  const client = profile.client;
  if (!client || !tools) return undefined;
  const { serve } = client;
  if (!serve || !tools.openToolSession) {
    return {
      run: (command) => tools.runTool(profile.project, { image: client.image, command, files: client.files }),
      close: async () => undefined,
    };
  }
  let session: ReturnType<NonNullable<ToolRunner['openToolSession']>> | undefined;
  const open = () =>
    (session ??= tools.openToolSession!(profile.project, { image: client.image, serve, files: client.files }));
  return {
    run: async (command) => (await open()).run(command),
    close: async () => {
      if (session) await (await session.catch(() => undefined))?.close();
    },
  };
}

async function runCheck(
  runtime: Runtime,
  client: ClientRunner | undefined,
  profile: ResolvedProfile,
  check: VerifyCheck,
  instance: Instance | undefined,
): Promise<Outcome> {
  const expect = (r: Outcome, what: string): Outcome =>
    r.ok && check.contains && !r.output.includes(check.contains)
      ? { ok: false, output: `${r.output}\n(expected ${what} to contain ${JSON.stringify(check.contains)})` }
      : r;
  if (check.client) {
    if (!profile.client) return { ok: false, output: 'the profile declares no client image for client checks' };
    if (!client) {
      return {
        ok: false,
        output:
          'client checks run in a container of the client image, and no Docker engine answers: start one ("make engine")',
      };
    }
    const r = await client.run(check.client);
    return expect(
      {
        ok: r.exitCode === 0,
        output: `$ ${check.client.join(' ')}\n${r.output.trim().slice(-2000)}${r.exitCode ? `\n(exit ${r.exitCode})` : ''}`,
      },
      'the output',
    );
  }
  if (!instance?.running) return { ok: false, output: `${check.service} is not running` };
  if (check.exec) {
    const r = await runtime.exec(instance.id, check.exec);
    return expect(
      {
        ok: r.exitCode === 0,
        output: `exec ${check.exec.join(' ')} -> exit ${r.exitCode} ${r.output.trim().slice(-300)}`,
      },
      'the output',
    );
  }
  const http = check.http!;
  const r = await probeOnce(
    runtime,
    instance,
    { kind: 'http', port: http.port, path: http.path, status: http.status },
    10_000,
  );
  if (r.ok && http.contains && !r.output.includes(http.contains))
    return { ok: false, output: `${r.output} (expected the body to contain ${JSON.stringify(http.contains)})` };
  return r;
}
