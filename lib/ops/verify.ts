import { probeOnce, describeProbe } from '../health/probe.js';
import type { ResolvedProfile } from '../profile/model.js';
import type { Runtime } from '../runtime/types.js';

export interface CheckResult {
  name: string;
  service: string;
  ok: boolean;
  output: string;
  durationMs: number;
  logs?: string[];
}

/** Every service running and healthy, then the profile's own functional checks; each a named result. */
export async function verify(runtime: Runtime, profile: ResolvedProfile): Promise<CheckResult[]> {
  const instances = await runtime.list(profile.project);
  const results: CheckResult[] = [];
  const timed = async (name: string, service: string, fn: () => Promise<{ ok: boolean; output: string }>) => {
    const start = Date.now();
    const r = await fn().catch((e: Error) => ({ ok: false, output: e.message }));
    const result: CheckResult = { name, service, ...r, durationMs: Date.now() - start };
    const instance = instances.find((i) => i.service === service);
    if (!r.ok && instance) result.logs = await runtime.logs(instance.id, { tail: 30 });
    results.push(result);
  };
  for (const service of profile.services) {
    const instance = instances.find((i) => i.service === service.name);
    await timed(`${service.name} is ${service.healthcheck ? 'healthy' : 'running'}`, service.name, async () => {
      if (!instance) return { ok: false, output: 'not deployed' };
      if (!instance.running) return { ok: instance.exitCode === 0 && service.restart === 'no', output: instance.status };
      if (!service.healthcheck) return { ok: true, output: 'running' };
      const r = await probeOnce(runtime, instance, service.healthcheck.probe, service.healthcheck.timeoutMs);
      return { ok: r.ok, output: r.output || describeProbe(service.healthcheck.probe) };
    });
  }
  for (const check of profile.verify) {
    const instance = instances.find((i) => i.service === check.service);
    await timed(check.name, check.service, async () => {
      if (!instance?.running) return { ok: false, output: `${check.service} is not running` };
      if (check.exec) {
        const r = await runtime.exec(instance.id, check.exec);
        return { ok: r.exitCode === 0, output: `exec ${check.exec.join(' ')} -> exit ${r.exitCode} ${r.output.trim().slice(-300)}` };
      }
      const probe = { kind: 'http' as const, port: check.http.port, path: check.http.path, status: check.http.status };
      const r = await probeOnce(runtime, instance, probe, 10_000);
      const contains = check.http.contains;
      if (r.ok && contains && !r.output.includes(contains)) return { ok: false, output: `${r.output} (expected the body to contain ${JSON.stringify(contains)})` };
      return r;
    });
  }
  return results;
}
