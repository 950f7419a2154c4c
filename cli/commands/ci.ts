import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { ciProjectName, runCiJob } from '../../lib/ci/jobs.js';
import { toJUnitXml } from '../../lib/ci/junit.js';
import { BerthError } from '../../lib/errors.js';
import { clientEngine } from '../../lib/runtime/client-engine.js';
import { PROVISION_TEMPEST } from '../../lib/ci/provision-steps.js';
import { selectSuites } from '../../lib/tempest/selection.js';
import { HostRuntime } from '../../lib/runtime/host/host-runtime.js';
import { collectList, out, interruptSignal, load, makeBus, makeDockerRuntime, type CommonOptions } from '../context.js';
import { action, common } from './shared.js';

interface CiOptions extends CommonOptions {
  junit?: string;
  keep?: boolean;
  to: string[];
  tempest: boolean;
  tempestConcurrency?: string;
  tempestSuite: string[];
}

export function registerCi(program: Command): void {
  common(
    program
      .command('ci')
      .description(
        "a headless CI job: install (deploy, verify, the profile's Tempest selection), update (deploy, update, verify) upgrade (deploy on the host, upgrade to containers, verify) or provision (deploy, a virtual node enrolled, a server on it ACTIVE and answering, deleted), then teardown",
      )
      .argument('<job>', 'install | update | upgrade | provision'),
  )
    .option('--junit <file>', 'write JUnit XML: one test case per step and per verification check')
    .option('--keep', 'leave the deployment running afterwards')
    .option('--no-tempest', "install and provision: skip the job's Tempest tests")
    .option(
      '--tempest-suite <name>',
      "install: only this Tempest suite of the selection (repeatable; default: the profile's ci_suites)",
      collectList,
      [],
    )
    .option('--tempest-concurrency <n>', 'Tempest tests run side by side (default: the profile, else one per CPU)')
    .option(
      '--to <file>',
      'update: an environment file the update applies (repeatable); without one, packages are refreshed',
      collectList,
      [],
    )
    .action(
      action(async (job: string, opts: CiOptions) => {
        if (job !== 'install' && job !== 'update' && job !== 'upgrade' && job !== 'provision')
          throw new BerthError(`no CI job named "${job}"`, 'Jobs: install, update, upgrade, provision.');
        // A job owns its project and removes it afterwards: never the one a developer deployed by hand.
        const project = opts.project ?? ciProjectName(opts.profile, job);
        const profile = load({ ...opts, project, runtime: 'docker' }, { deploying: true });
        const runtime = makeDockerRuntime();
        const hostProfile =
          job === 'upgrade' ? load({ ...opts, project, runtime: 'host' }, { deploying: true }) : undefined;
        const updated =
          job === 'update' && opts.to.length
            ? load({ ...opts, project, runtime: 'docker', env: [...opts.env, ...opts.to] }, { deploying: true })
            : undefined;
        const bus = makeBus(opts);
        // A suite name the profile does not have is an error before anything is deployed.
        if (profile.tempest) selectSuites(profile.tempest, opts.tempestSuite);
        const tempestJob = job === 'install' || job === 'provision';
        const engine = tempestJob && opts.tempest && profile.tempest ? await clientEngine(runtime) : undefined;
        const suite = await runCiJob({
          job,
          runtime,
          host: hostProfile && new HostRuntime(),
          hostProfile,
          profile,
          updated,
          refresh: job === 'update' && !opts.to.length,
          bus,
          keep: Boolean(opts.keep),
          signal: interruptSignal(),
          ramdiskBuilder: runtime,
          tempest: engine && {
            engine,
            // One node takes one server at a time.
            concurrency: opts.tempestConcurrency
              ? Number(opts.tempestConcurrency)
              : job === 'provision'
                ? 1
                : undefined,
            // The profile's CI suites unless named here: TripleO trimmed its list to what a job can afford. The
            // provision job runs the compute server tests that fit its one real node.
            ...(job === 'provision' && !opts.tempestSuite.length
              ? PROVISION_TEMPEST
              : { suites: opts.tempestSuite.length ? opts.tempestSuite : profile.tempest!.ciSuites }),
          },
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
