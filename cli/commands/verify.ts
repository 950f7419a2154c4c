import type { Command } from 'commander';
import { verify } from '../../lib/ops/verify.js';
import { clientEngine } from '../../lib/runtime/client-engine.js';
import { runTempest } from '../../lib/tempest/run.js';
import { selectSuites } from '../../lib/tempest/selection.js';
import { collectList, interruptSignal, load, makeRuntime, type CommonOptions } from '../context.js';
import { action, common, printVerify } from './shared.js';
import { printTempest, printTempestProgress, printTempestStage } from './tempest-report.js';

interface VerifyOptions extends CommonOptions {
  tempest?: boolean;
  tempestConcurrency?: string;
  tempestSuite: string[];
  tempestRegex?: string;
}

export function registerVerify(program: Command): void {
  common(program.command('verify').description("check every service's health and the profile's functional checks"))
    .option('--tempest', "then run the profile's selection of OpenStack's own API tests (Tempest)")
    .option('--tempest-suite <name>', 'only this suite of the selection (repeatable)', collectList, [])
    .option('--tempest-regex <re>', 'only the selected tests whose ID this regular expression finds (Python re)')
    .option('--tempest-concurrency <n>', 'Tempest tests run side by side (default: the profile, else one per CPU)')
    .action(
      action(async (opts: VerifyOptions) => {
        const profile = load(opts);
        const runtime = makeRuntime(opts);
        if (opts.tempest && !profile.tempest)
          throw new Error(`profile ${profile.name} selects no Tempest tests: it has no tempest: key`);
        if (opts.tempest) selectSuites(profile.tempest!, opts.tempestSuite);
        // Only client checks need the engine's tool containers; a host deployment without them asks for none.
        const engine = profile.verify.some((c) => c.client) || opts.tempest ? await clientEngine(runtime) : undefined;
        // Checks run four at a time; BERTH_VERIFY_CONCURRENCY=1 runs them one after another.
        const concurrency = Number(process.env.BERTH_VERIFY_CONCURRENCY ?? 4) || 4;
        const checksFailed = printVerify(
          await verify(runtime, profile, undefined, engine?.tools, { concurrency }),
          opts.json,
        );
        // Tempest against a cloud that failed its own checks would only bury those failures under hundreds more.
        if (!opts.tempest || checksFailed) return checksFailed ? 1 : 0;
        if (!engine) throw new Error('Tempest runs in a container: no Docker engine answers');
        const run = await runTempest(engine, profile, {
          signal: interruptSignal(),
          concurrency: opts.tempestConcurrency ? Number(opts.tempestConcurrency) : undefined,
          suites: opts.tempestSuite,
          regex: opts.tempestRegex,
          onStage: (stage) => printTempestStage(stage, opts.json),
          onProgress: (done, failed) => printTempestProgress(done, failed, opts.json),
        });
        return printTempest(run, { json: opts.json, verbose: opts.verbose }) ? 1 : 0;
      }),
    );
}
