import type { Command } from 'commander';
import { BerthError } from '../../lib/errors.js';
import { waitHealthy } from '../../lib/health/probe.js';
import { out, load, makeRuntime, type CommonOptions } from '../context.js';
import { action, common } from './shared.js';

export function registerRestart(program: Command): void {
  common(
    program.command('restart').description('restart one service and wait for its health').argument('<service>'),
  ).action(
    action(async (name: string, opts: CommonOptions) => {
      const profile = load(opts);
      const runtime = makeRuntime(opts);
      const service = profile.services.find((s) => s.name === name);
      const instance = (await runtime.list(profile.project)).find((i) => i.service === name);
      if (!service || !instance)
        throw new BerthError(`service ${name} is not deployed in project ${profile.project}`, 'See "berth status".');
      const t0 = Date.now();
      await runtime.stop(instance.id, { timeoutMs: service.stopTimeoutMs });
      await runtime.start(instance.id);
      const fresh = (await runtime.list(profile.project)).find((i) => i.id === instance.id)!;
      if (service.healthcheck) {
        const r = await waitHealthy(runtime, fresh, service.healthcheck, { initialIntervalMs: 50 });
        if (!r.ok)
          throw new BerthError(`service ${name} did not become healthy: ${r.last.output}`, `See "berth logs ${name}".`);
      }
      out(
        `${name} restarted and ${service.healthcheck ? 'healthy' : 'running'} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
      );
    }),
  );
}
