/**
 * Wall time of each CI job the project runs (issue 6): install, update and upgrade on the demo profile,
 * install and upgrade on undercloud-minimal. One run each, images and host packages already present:
 * what a warm CI machine pays per job. Figures only; the issue sets no target for them.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

const cli = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const state = mkdtempSync(join(tmpdir(), 'berth-bench-ci-'));
const env = { ...process.env, BERTH_STATE_DIR: state, CI: 'true' };
const demoPorts = [
  '--param',
  'demo_api_port=18800',
  '--param',
  'demo_proxy_port=18801',
  '--param',
  'demo_cache_port=18802',
];
const minimalPorts = [
  '--param',
  'keystone_public_port=18805',
  '--param',
  'mariadb_port=18806',
  '--param',
  'rabbitmq_port=18807',
  '--param',
  'memcached_port=18808',
];
const updateTo = join(import.meta.dirname, '..', 'test', 'fixtures', 'update', 'new-greeting.yaml');

const jobs: { profile: string; job: string; extra: string[] }[] = [
  { profile: 'demo', job: 'install', extra: demoPorts },
  { profile: 'demo', job: 'update', extra: [...demoPorts, '--to', updateTo] },
  { profile: 'demo', job: 'upgrade', extra: demoPorts },
  { profile: 'undercloud-minimal', job: 'install', extra: minimalPorts },
  { profile: 'undercloud-minimal', job: 'upgrade', extra: minimalPorts },
];

console.log('berth ci jobs, warm machine (images built, host packages installed), one run each');
for (const { profile, job, extra } of jobs) {
  const t0 = performance.now();
  const run = await execa(
    'node',
    [
      cli,
      'ci',
      job,
      '-p',
      profile,
      '--project',
      `bench-ci-${job}`,
      ...extra,
      '--junit',
      join(state, `${profile}-${job}.xml`),
    ],
    { env, reject: false, all: true },
  );
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `  ${`ci ${job}`.padEnd(11)} ${profile.padEnd(19)} ${seconds.toFixed(1).padStart(6)} s  ${run.exitCode === 0 ? 'passed' : `FAILED (exit ${run.exitCode})`}`,
  );
  if (run.exitCode !== 0) console.log(String(run.all).split('\n').slice(-15).join('\n'));
}
