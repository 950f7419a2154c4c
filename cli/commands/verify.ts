import type { Command } from 'commander';
import { verify } from '../../lib/ops/verify.js';
import { load, makeRuntime, type CommonOptions } from '../context.js';
import { action, common, printVerify } from './shared.js';

export function registerVerify(program: Command): void {
  common(
    program.command('verify').description("check every service's health and the profile's functional checks"),
  ).action(
    action(async (opts: CommonOptions) => {
      const profile = load(opts);
      return printVerify(await verify(makeRuntime(opts), profile), opts.json) ? 1 : 0;
    }),
  );
}
