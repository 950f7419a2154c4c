import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ctlplaneFor, namespaceExists, removeCtlplane } from '../../lib/nodes/ctlplane.js';
import { ipmi, type NodeStatus } from '../../lib/nodes/nodes.js';
import { berth, freePort, stateDir, uniqueProject } from '../helpers/engine.js';
import { processesWith } from '../helpers/processes.js';

describe('berth node add, list, remove, and down', () => {
  const state = stateDir();
  const project = uniqueProject('nodes');
  const projectDir = join(state, 'projects', project);
  const args = ['--project', project];
  afterAll(() => removeCtlplane(ctlplaneFor(project, projectDir)));
  const list = async () => {
    const r = await berth(['node', 'list', '--json', ...args], { state });
    expect(r.exitCode, r.all).toBe(0);
    return (JSON.parse(r.stdout) as { nodes: NodeStatus[] }).nodes;
  };

  it('makes nodes behind BMCs on the ctlplane, powers one through IPMI, and down leaves no process', async () => {
    const added = await berth(['node', 'add', '--memory', '256', ...args], { state });
    expect(added.exitCode, added.all).toBe(0);
    expect(added.stdout).toMatch(/^added node-1: MAC 52:54:00:24:00:01, 256 MB, 1 CPU, BMC 192\.168\.24\.11:623 /);
    const uefi = await berth(['node', 'add', '--memory', '256', '--uefi', ...args], { state });
    expect(uefi.exitCode, uefi.all).toBe(0);
    expect(uefi.stdout).toMatch(/^added node-2: MAC 52:54:00:24:00:02/);

    let nodes = await list();
    expect(nodes.map((n) => [n.name, n.power, n.bmcRunning, n.uefi])).toEqual([
      ['node-1', 'off', true, false],
      ['node-2', 'off', true, true],
    ]);
    // The password is in a file only its owner reads, never in a command line.
    const node1 = nodes[0]!;
    expect(readFileSync(node1.passwordFile, 'utf8')).toMatch(/^[0-9a-f]{16}$/);
    expect(execFileSync('stat', ['-c', '%a', node1.passwordFile], { encoding: 'utf8' }).trim()).toBe('600');
    const password = readFileSync(node1.passwordFile, 'utf8');
    expect(processesWith(password)).toEqual([]);

    // Powered on through its BMC from inside the ctlplane, as ironic-conductor will.
    const net = ctlplaneFor(project, projectDir);
    const on = (await ipmi(net, node1, 'power', 'on')).stdout;
    expect(on.trim()).toBe('Chassis Power Control: Up/On');
    nodes = await list();
    expect(nodes.map((n) => n.power)).toEqual(['on', 'off']);
    const vm = processesWith('berth-node-node-1');
    expect(vm).toHaveLength(1);
    const inNamespace = execFileSync('ip', ['netns', 'pids', net.namespace], { encoding: 'utf8' }).split('\n');
    expect(inNamespace).toContain(String(vm[0]));

    // A project whose undercloud is down but whose clouds.yaml is kept: the node goes, and berth says ironic was not
    // asked, so a record of the node there stays.
    const clouds = join(projectDir, 'clouds.yaml');
    const closed = await freePort();
    writeFileSync(
      clouds,
      `clouds:\n  undercloud:\n    auth: { auth_url: 'http://127.0.0.1:${closed}/v3', username: admin, password: x, ` +
        `project_name: admin, user_domain_name: Default, project_domain_name: Default }\n`,
      { mode: 0o600 },
    );
    const removed = await berth(['node', 'remove', 'node-2', ...args], { state });
    rmSync(clouds);
    expect(removed.exitCode, removed.all).toBe(0);
    expect(removed.stdout).toMatch(/^removed node-2\nironic was not asked \(.+\): a record of node-2 there stays\./);
    expect((await list()).map((n) => n.name)).toEqual(['node-1']);
    expect(processesWith(join(projectDir, 'nodes', 'node-2'))).toEqual([]);
    const unknown = await berth(['node', 'remove', 'node-9', ...args], { state });
    expect(unknown.exitCode).not.toBe(0);
    expect(unknown.stderr).toContain(`project ${project} has no virtual node "node-9"`);

    const down = await berth(['down', ...args], { state });
    expect(down.exitCode, down.all).toBe(0);
    expect(down.stdout).toContain('removed the ctlplane namespace and every process in it');
    expect(down.stdout).toContain("kept virtual nodes' disks: node-1");
    expect(namespaceExists(net)).toBe(false);
    expect(processesWith('berth-node-node-1')).toEqual([]);
    expect(processesWith(join(projectDir, 'nodes'))).toEqual([]);
    expect(processesWith(net.stateDir)).toEqual([]);
    expect(existsSync(join(projectDir, 'nodes', 'node-1', 'disk.img'))).toBe(true);

    const downVolumes = await berth(['down', '--volumes', ...args], { state });
    expect(downVolumes.exitCode, downVolumes.all).toBe(0);
    expect(downVolumes.stdout).toContain('removed virtual nodes: node-1');
    expect(existsSync(join(projectDir, 'nodes'))).toBe(false);
  }, 600_000);
});
