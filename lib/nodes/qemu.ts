import { BerthError } from '../errors.js';

/**
 * A NIC's other end. `tap`: a tap device berth made on the project's ctlplane bridge. `isolated`: qemu's user-mode
 * network with `restrict=on`, so the guest reaches nothing but what is forwarded: host ports on 127.0.0.1 into the
 * guest, and guest connections to an address of its private 10.0.2.0/24 out to a command qemu runs per connection.
 */
export type NicBackend =
  | { kind: 'tap'; ifname: string }
  | {
      kind: 'isolated';
      hostForwards?: { hostPort: number; guestPort: number }[];
      guestForwards?: { guestAddress: string; guestPort: number; command: string }[];
    };

export interface Machine {
  /** Shown as `berth-node-NAME` in the process list (`-name`), where chassis-control recognises its qemu. */
  name: string;
  memoryMb: number;
  cpus: number;
  nics: ({ mac: string } & NicBackend)[];
  /** Direct kernel boot; without it the machine boots from its NIC (iPXE in qemu's NIC ROM). */
  kernel?: { path: string; initrd: string; append: string };
  /** A raw disk image, as the node's first virtio disk. */
  disk?: string;
  /** UEFI firmware (OVMF) instead of SeaBIOS. */
  uefiFirmware?: string;
  /** Where the serial console goes: the process's stdio, or a file. */
  serial: 'stdio' | { file: string };
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/**
 * qemu-system-x86_64's arguments for a machine. Always TCG: on these hosts /dev/kvm exists but a KVM guest hangs at
 * "Booting from ROM" (measured 2026-12-01), so KVM is never tried.
 */
export function qemuArgs(machine: Machine): string[] {
  const args = [
    '-name',
    `berth-node-${machine.name}`,
    '-accel',
    'tcg',
    '-m',
    String(machine.memoryMb),
    '-smp',
    String(machine.cpus),
  ];
  args.push('-display', 'none', '-monitor', 'none', '-nodefaults', '-no-user-config');
  args.push('-serial', machine.serial === 'stdio' ? 'stdio' : `file:${machine.serial.file}`);
  if (machine.uefiFirmware) args.push('-bios', machine.uefiFirmware);
  if (machine.kernel)
    args.push('-kernel', machine.kernel.path, '-initrd', machine.kernel.initrd, '-append', machine.kernel.append);
  machine.nics.forEach((nic, i) => {
    if (!MAC.test(nic.mac))
      throw new BerthError(
        `NIC ${i}: "${nic.mac}" is not a MAC address`,
        'Give six lower-case hex pairs, e.g. 52:54:00:12:34:56.',
      );
    args.push('-device', `virtio-net-pci,netdev=n${i},mac=${nic.mac}`);
    args.push('-netdev', netdev(`n${i}`, nic));
  });
  if (machine.disk) args.push('-drive', `if=virtio,format=raw,file=${machine.disk}`);
  return args;
}

function netdev(id: string, nic: NicBackend): string {
  if (nic.kind === 'tap') return `tap,id=${id},ifname=${nic.ifname},script=no,downscript=no`;
  const parts = [`user,id=${id},restrict=on`];
  for (const f of nic.hostForwards ?? []) parts.push(`hostfwd=tcp:127.0.0.1:${f.hostPort}-:${f.guestPort}`);
  for (const f of nic.guestForwards ?? []) {
    // qemu splits the netdev option on commas: a command holding one would be cut short, silently.
    if (f.command.includes(','))
      throw new BerthError(
        `guest forward to ${f.guestAddress}:${f.guestPort}: its command has a comma`,
        'Use a script.',
      );
    parts.push(`guestfwd=tcp:${f.guestAddress}:${f.guestPort}-cmd:${f.command}`);
  }
  return parts.join(',');
}
