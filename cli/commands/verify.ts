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
      const tools = (await clientEngine(runtime))?.tools;
      return printVerify(await verify(runtime, profile, undefined, tools), opts.json) ? 1 : 0;
    }),
  );
}
