/**
 * Issue 19's timings: `berth ci provision` on the undercloud with the provisioning environment. Its JUnit steps give
 * each part; printed beside the issue's targets, with the images the run had to build named (the targets assume
 * them cached). One run: under TCG on a 2-core machine the boot dominates, and each run costs minutes.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'dist', 'cli', 'main.js');
const state = mkdtempSync(join(tmpdir(), 'berth-bench-provision-'));
const junit = join(state, 'provision.xml');
const ports = [
  ...['keystone', 'glance', 'placement', 'heat', 'neutron', 'ironic', 'nova', 'inspector'].flatMap((api, i) => [
    '--param',
    `${api}_public_port=${18900 + 2 * i}`,
    '--param',
    `${api}_direct_port=${18901 + 2 * i}`,
  ]),
  ...['haproxy_monitor_port=18930', 'mariadb_port=18931', 'rabbitmq_port=18932', 'memcached_port=18933'].flatMap(
    (p) => ['--param', p],
  ),
];
const provisioning = join(root, 'profiles', 'undercloud', 'environments', 'provisioning.yaml');

// The job builds the ramdisk and Tempest images when they are missing; which ones it had is printed, not assumed.
const missingImages = async () => {
  const r = await execa('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}'], { reject: false });
  return ['berth/ramdisk:bookworm', 'berth/tempest:zed'].filter((i) => !String(r.stdout).split('\n').includes(i));
};
const missing = await missingImages();

const t0 = performance.now();
const run = await execa(
  'node',
  [
    cli,
    'ci',
    'provision',
    '-p',
    'undercloud',
    '-e',
    provisioning,
    '--project',
    'bench-provision',
    ...ports,
    '--junit',
    junit,
  ],
  { env: { ...process.env, BERTH_STATE_DIR: state, CI: 'true' }, reject: false, all: true },
);
const wallS = (performance.now() - t0) / 1000;
if (run.exitCode !== 0) {
  console.log(String(run.all).slice(-3000));
  throw new Error(`berth ci provision failed (exit ${run.exitCode})`);
}
const xml = readFileSync(junit, 'utf8');
const seconds = (name: string) => {
  const m = new RegExp(`name="${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"[^>]*time="([\\d.]+)"`).exec(xml);
  if (!m) throw new Error(`no case "${name}" in ${junit}`);
  return Number(m[1]);
};
const add = seconds('berth node add: enrolled, inspected, available and offered by nova');
const active = seconds('server create --flavor baremetal --image berth-ramdisk reaches ACTIVE');
const answers = seconds("the deployed node answers at its neutron port's address with its ironic UUID");
// The node add case's output lists each of its steps with the milliseconds it took ("inspected +41234 ms").
const addOutput = /name="berth node add[^"]*"[^>]*>\s*<system-out>([^<]*)/.exec(xml)?.[1] ?? '';
const inspectedMs = /inspected \+(\d+) ms/.exec(addOutput)?.[1];
const rows: [string, string, string][] = [
  ['deploy undercloud + provisioning', `${seconds('deploy undercloud').toFixed(1)} s`, ''],
  ['node add: VM, BMC, enrolled, available, offered by nova', `${add.toFixed(1)} s`, ''],
  ['server create → ACTIVE', `${active.toFixed(1)} s`, ''],
  ['ACTIVE → the node answers on the ctlplane', `${answers.toFixed(1)} s`, ''],
  ['node add → server ACTIVE and answering', `${(add + active + answers).toFixed(1)} s`, '≤ 180 s'],
  ['server delete → node available', `${seconds('server delete returns the node to available').toFixed(1)} s`, ''],
  [
    'node add cancelled while inspecting, and undone',
    `${seconds('a node add cancelled during inspection leaves no VM, BMC, tap or ironic record').toFixed(1)} s`,
    '',
  ],
  ["Tempest's ServersTestJSON on the node", `${seconds('tempest').toFixed(1)} s`, ''],
  ['teardown (down --volumes, nodes, ctlplane)', `${seconds('teardown').toFixed(1)} s`, ''],
  ['whole job', `${wallS.toFixed(1)} s`, '≤ 480 s'],
  [
    'inspection (manage → inspected)',
    inspectedMs ? `${(Number(inspectedMs) / 1000).toFixed(1)} s` : 'missing',
    '≤ 60 s',
  ],
];
console.log(
  'berth ci provision -p undercloud -e provisioning.yaml, one run; ' +
    (missing.length ? `built in the run: ${missing.join(', ')}` : 'the ramdisk and Tempest images were cached'),
);
for (const [what, value, target] of rows) console.log(`  ${what.padEnd(58)} ${value.padStart(14)}  ${target}`);
