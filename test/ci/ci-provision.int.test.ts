import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { berth, byService, purge, repoRoot, stateDir, uniqueProject, volumes } from '../helpers/engine.js';
import { junitCases } from '../helpers/junit.js';
import { undercloudPorts } from '../helpers/openstack.js';
import { processesWith } from '../helpers/processes.js';

const project = uniqueProject('ci-prov');
const state = stateDir();
afterAll(async () => {
  await berth(['down', '-p', 'undercloud', '--project', project, '--volumes'], { state });
  await purge(project);
});

/**
 * What an undercloud is for, on one machine: berth ci provision deploys the undercloud with the provisioning
 * environment, makes a qemu node behind its own BMC on the project's ctlplane, and nova deploys a server onto it
 * through ironic (IPMI, iPXE, the ramdisk deploy). Nothing is faked: the node boots and answers.
 */
describe('berth ci provision', () => {
  it(
    'enrolls a virtual node, deploys a server onto it that boots and answers, frees it, and leaves nothing',
    async () => {
      const junit = join(state, 'provision.xml');
      const provisioning = join(repoRoot, 'profiles/undercloud/environments/provisioning.yaml');
      const ports = (await undercloudPorts()).args;
      const run = await berth(
        ['ci', 'provision', '-p', 'undercloud', '-e', provisioning, '--project', project, ...ports, '--junit', junit],
        { state },
      );
      expect(run.exitCode, run.all.slice(-4000)).toBe(0);
      const { suite, cases } = junitCases(junit);
      expect(suite.failures).toBe('0');
      const steps = cases.filter((c) => !c.classname.startsWith('provision.tempest.'));
      expect(steps.map((c) => c.name)).toEqual([
        'preflight: the project starts from nothing',
        'deploy undercloud',
        'berth node add: enrolled, inspected, available and offered by nova',
        'server create --flavor baremetal --image berth-ramdisk reaches ACTIVE',
        "the deployed node answers at its neutron port's address with its ironic UUID",
        'server delete returns the node to available',
        'a node add cancelled during inspection leaves no VM, BMC, tap or ironic record',
        "the BMC password is in no service's log",
        'berth verify',
        'tempest',
        'tempest cleanup',
        'teardown',
      ]);
      // Tempest's own server tests, on the real node: the server is made, listed, shown and deleted through nova.
      // Each of Tempest's tests is a case of its class: provision.tempest.<module>.<class>, named by its method.
      const tempest = cases.filter((c) => c.classname.startsWith('provision.tempest.'));
      expect(tempest.length).toBeGreaterThan(0);
      for (const t of tempest)
        expect(t.classname).toBe('provision.tempest.tempest.api.compute.servers.test_create_server.ServersTestJSON');
      expect(tempest.filter((t) => !t.skipped && !t.failure).length).toBeGreaterThanOrEqual(3);
      const output = (name: string) => String(cases.find((c) => c.name === name)!['system-out'] ?? '');
      const uuid = /is ironic node ([0-9a-f-]{36})/.exec(
        output('berth node add: enrolled, inspected, available and offered by nova'),
      );
      expect(uuid).not.toBeNull();
      // The ramdisk's responder says which node it is: ironic's UUID came to it on the kernel command line.
      expect(output("the deployed node answers at its neutron port's address with its ironic UUID")).toMatch(
        new RegExp(`^192\\.168\\.24\\.1\\d\\d: node=${uuid![1]} mac=52:54:00:24:00:01$`),
      );
      // node-2, made and cancelled while ironic inspected it, is gone from berth and from ironic.
      expect(output('a node add cancelled during inspection leaves no VM, BMC, tap or ironic record')).toMatch(
        /^cancelled in ironic's "inspect(ing| wait)": cancelled: node-2 was removed .*; node-2 is in neither berth's nodes nor ironic, and no process names it$/,
      );
      expect(output('teardown')).toContain('no namespace or process left');
      // Checked here as well, apart from the job's own check: no container, volume, namespace, VM or BMC.
      expect(await byService(project)).toEqual({});
      expect(await volumes(project)).toEqual([]);
      expect(existsSync(`/run/netns/berth-${project}`)).toBe(false);
      expect(processesWith(join(state, 'projects', project))).toEqual([]);
      expect(processesWith(`berth-${project}`)).toEqual([]);
    },
    30 * 60_000,
  );
});
