import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { ciProjectName, runCiJob } from '../../lib/ci/jobs.js';
import { toJUnitXml } from '../../lib/ci/junit.js';
import { BerthError } from '../../lib/errors.js';
import { HostRuntime } from '../../lib/runtime/host/host-runtime.js';
import { collectList, out, interruptSignal, load, makeBus, makeDockerRuntime, type CommonOptions } from '../context.js';
import { action, common } from './shared.js';

export function registerCi(program: Command): void {
  common(
    program
      .command('ci')
      .description(
        'a headless CI job: install (deploy, verify), update (deploy, update, verify) or upgrade (deploy on the host, upgrade to containers, verify), then teardown',
      )
      .argument('<job>', 'install | update | upgrade'),
  )
    .option('--junit <file>', 'write JUnit XML: one test case per step and per verification check')
    .option('--keep', 'leave the deployment running afterwards')
    .option(
      '--to <file>',
      'update: an environment file the update applies (repeatable); without one, packages are refreshed',
      collectList,
      [],
    )
    .action(
      action(async (job: string, opts: CommonOptions & { junit?: string; keep?: boolean; to: string[] }) => {
        if (job !== 'install' && job !== 'update' && job !== 'upgrade')
          throw new BerthError(`no CI job named "${job}"`, 'Jobs: install, update, upgrade.');
        // A job owns its project and removes it afterwards: never the one a developer deployed by hand.
        const project = opts.project ?? ciProjectName(opts.profile, job);
        const profile = load({ ...opts, project, runtime: 'docker' }, { deploying: true });
        const hostProfile =
          job === 'upgrade' ? load({ ...opts, project, runtime: 'host' }, { deploying: true }) : undefined;
        const updated =
          job === 'update' && opts.to.length
            ? load({ ...opts, project, runtime: 'docker', env: [...opts.env, ...opts.to] }, { deploying: true })
            : undefined;
        const bus = makeBus(opts);
        const suite = await runCiJob({
          job,
          runtime: makeDockerRuntime(),
          host: hostProfile && new HostRuntime(),
          hostProfile,
          profile,
          updated,
          refresh: job === 'update' && !opts.to.length,
          bus,
          keep: Boolean(opts.keep),
          signal: interruptSignal(),
        });
        if (opts.junit) writeFileSync(opts.junit, toJUnitXml(suite));
        const failures = suite.cases.filter((c) => c.failure);
        if (!opts.json) {
          out(
            `\n${suite.name}: ${suite.cases.length - failures.length} of ${suite.cases.length} cases passed or skipped${opts.junit ? `; JUnit XML in ${opts.junit}` : ''}\n`,
          );
          for (const f of failures) out(`FAILED ${f.classname} ${f.name}: ${f.failure!.message}\n`);
        }
        return failures.length ? 1 : 0;
      }),
    );
}
