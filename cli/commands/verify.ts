import type { Command } from 'commander';
import { verify } from '../../lib/ops/verify.js';
import { clientEngine } from '../../lib/runtime/client-engine.js';
import { load, makeRuntime, type CommonOptions } from '../context.js';
import { action, common, printVerify } from './shared.js';

export function registerVerify(program: Command): void {
  common(
    program.command('verify').description("check every service's health and the profile's functional checks"),
  ).action(
    action(async (opts: CommonOptions) => {
      const profile = load(opts);
      const runtime = makeRuntime(opts);
      // Only client checks need the engine's tool containers; a host deployment without them asks for none.
      const tools = profile.verify.some((c) => c.client) ? (await clientEngine(runtime))?.tools : undefined;
      // Checks run four at a time; BERTH_VERIFY_CONCURRENCY=1 runs them one after another.
      const concurrency = Number(process.env.BERTH_VERIFY_CONCURRENCY ?? 4) || 4;
      return printVerify(await verify(runtime, profile, undefined, tools, { concurrency }), opts.json) ? 1 : 0;
    }),
  );
}
