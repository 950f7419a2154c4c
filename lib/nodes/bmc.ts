import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError } from '../errors.js';
import { defaultProfilesRoot } from '../profile/profile-chain.js';
import { qemuArgs, type Machine } from './qemu.js';

/** A virtual node's BMC: openipmi's ipmi_sim on one address and UDP port, driving the node through chassis-control. */
export interface Bmc {
  address: string;
  port: number;
  username: string;
  password: string;
}

/** The chassis-control program berth ships (profiles/nodes), which ipmi_sim runs for power and boot-device commands. */
export function chassisControlPath(): string {
  return join(defaultProfilesRoot(), 'nodes', 'chassis-control');
}

// ipmi_sim's config reader takes a quoted string up to the next quote, and popen()s chassis_control through sh.
const PLAIN = /^[A-Za-z0-9._/@:+-]+$/;

function plain(what: string, value: string): string {
  if (!PLAIN.test(value))
    throw new BerthError(
      `virtual node: ${what} "${value}" has characters ipmi_sim's config cannot carry`,
      'Use letters, digits and . _ / @ : + - only.',
    );
  return value;
}

/**
 * ipmi_sim's lan.conf for one node: one LAN channel on the BMC's address, one admin user, and the node's power and
 * boot device through chassis-control with the node's directory. It holds the BMC password, so it is written 0600.
 */
export function lanConf(bmc: Bmc, nodeDir: string, chassisControl = chassisControlPath()): string {
  // ipmitool refuses a longer one over lanplus ("password is longer than 20 bytes"), so ironic could never log in.
  if (bmc.password.length > 20)
    throw new BerthError('virtual node: the BMC password is longer than 20 bytes', 'IPMI v2 allows 20 at most.');
  const auths = 'none md2 md5 straight';
  return [
    `name "${plain('node directory', nodeDir).split('/').pop()}"`,
    'set_working_mc 0x20',
    '  startlan 1',
    `    addr ${plain('BMC address', bmc.address)} ${bmc.port}`,
    '    priv_limit admin',
    ...['callback', 'user', 'operator', 'admin'].map((level) => `    allowed_auths_${level} ${auths}`),
    '    guid a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5',
    '  endlan',
    `  chassis_control "${plain('chassis-control', chassisControl)} ${nodeDir}"`,
    `  user 1 true "" "" user 10 ${auths}`,
    `  user 2 true "${plain('BMC user', bmc.username)}" "${plain('BMC password', bmc.password)}" admin 10 ${auths}`,
    '',
  ].join('\n');
}

/** The emulated management controller ipmi_sim starts with: a BMC at 0x20 and a SEL, nothing else. */
export const SIM_EMU = [
  'mc_setbmc 0x20',
  'mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr',
  'sel_enable 0x20 1000 0x0a',
  'mc_enable 0x20',
  '',
].join('\n');

/** qemu's arguments as `set -- ...` for chassis-control's shell, each single-quoted. */
export function shellArgs(args: string[]): string {
  return `set -- ${args.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ')}\n`;
}

/**
 * The files a node's BMC works from, in nodeDir: lan.conf (0600), sim.emu and qemu.args. The machine's console goes
 * to console.log there, since chassis-control starts qemu as a daemon with no terminal.
 */
export function writeNodeFiles(nodeDir: string, machine: Omit<Machine, 'serial'>, bmc: Bmc): void {
  mkdirSync(nodeDir, { recursive: true });
  writeFileSync(join(nodeDir, 'lan.conf'), lanConf(bmc, nodeDir), { mode: 0o600 });
  chmodSync(join(nodeDir, 'lan.conf'), 0o600);
  writeFileSync(join(nodeDir, 'sim.emu'), SIM_EMU);
  const args = qemuArgs({ ...machine, serial: { file: join(nodeDir, 'console.log') } });
  writeFileSync(join(nodeDir, 'qemu.args'), shellArgs(args));
}
