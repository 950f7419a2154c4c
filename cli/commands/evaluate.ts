import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { cpus, hostname, totalmem } from 'node:os';
import { BerthError } from '../../lib/errors.js';
import { evaluate, type Evaluation } from '../../lib/evaluate/evaluate.js';
import { markdownTable, plainTable } from '../../lib/evaluate/table.js';
import { clientEngine } from '../../lib/runtime/client-engine.js';
import { HostRuntime } from '../../lib/runtime/host/host-runtime.js';
import { selectSuites } from '../../lib/tempest/selection.js';
import {
  collectList,
  interruptSignal,
  load,
  makeBus,
  makeDockerRuntime,
  out,
  outJson,
  type CommonOptions,
} from '../context.js';
import { action, common } from './shared.js';

interface EvaluateCliOptions extends CommonOptions {
  rounds: string;
  restart?: string;
  report?: string;
  keep?: boolean;
  tempest?: boolean;
  tempestSuite: string[];
}

export function registerEvaluate(program: Command): void {
  common(
    program
      .command('evaluate')
      .description(
        'deploy the same profile as host processes and then in containers, and compare them side by side: deploy times, restart, memory, disk, verify (and Tempest with --tempest)',
      ),
  )
    .option('--rounds <n>', 'deploys from nothing per runtime after the first (the median is reported)', '1')
    .option('--restart <service>', 'the service restarted each round (default: the first with an HTTP check)')
    .option('--report <file>', 'also write the table as Markdown')
    .option('--keep', 'leave the containers running afterwards (the host deployment goes: they share its ports)')
    .option('--tempest', "also run the profile's Tempest selection against each runtime (a row of its own)")
    .option('--tempest-suite <name>', 'with --tempest: only this suite (repeatable)', collectList, [])
    .action(
      action(async (opts: EvaluateCliOptions) => {
        const rounds = Number(opts.rounds);
        if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20)
          throw new BerthError(`--rounds ${opts.rounds} is not a whole number from 1 to 20`, 'Try --rounds 3.');
        // Its own project, removed afterwards: never the one a developer deployed by hand.
        const project = opts.project ?? `${load(opts).name}-evaluate`;
        const docker = makeDockerRuntime();
        const host = new HostRuntime();
        const client = await clientEngine(docker);
        const dockerProfile = load({ ...opts, project, runtime: 'docker' }, { deploying: true });
        if (opts.tempest) {
          if (!dockerProfile.tempest) throw new BerthError(`profile ${dockerProfile.name} selects no Tempest tests`);
          selectSuites(dockerProfile.tempest, opts.tempestSuite);
        }
        const bus = makeBus(opts, { lines: Boolean(opts.verbose) });
        const progress = (text: string) =>
          opts.json ? outJson({ type: 'message', level: 'info', text }) : out(`evaluate: ${text}\n`);
        const result = await evaluate({
          host: { runtime: host, profile: load({ ...opts, project, runtime: 'host' }, { deploying: true }) },
          docker: { runtime: docker, profile: dockerProfile },
          client,
          rounds,
          restart: opts.restart,
          keep: Boolean(opts.keep),
          bus,
          signal: interruptSignal(),
          onProgress: progress,
          tempest: opts.tempest && client ? { engine: client, suites: opts.tempestSuite } : undefined,
        });
        if (opts.json) outJson({ type: 'evaluate', ...result });
        else out(`\n${heading(result)}\n\n${plainTable(result.rows)}`);
        if (opts.report) {
          writeFileSync(opts.report, `${heading(result)}\n\n${markdownTable(result.rows)}\n`);
          if (!opts.json) out(`\nMarkdown table in ${opts.report}\n`);
        }
        return result.figures.some((f) => f.verify.failed || f.tempest?.failed) ? 1 : 0;
      }),
    );
}

/** What was compared, where: a figure means little without the machine it was taken on. */
function heading(result: Evaluation): string {
  const machine = `${hostname()}, ${cpus().length} CPUs, ${(totalmem() / 2 ** 30).toFixed(1)} GiB`;
  const rounds = `${result.rounds} round${result.rounds === 1 ? '' : 's'} (medians)`;
  return `berth evaluate ${result.profile}: host processes vs containers, ${rounds}, on ${machine}, ${new Date().toISOString().slice(0, 10)}`;
}
