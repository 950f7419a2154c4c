import { describe, expect, it } from 'vitest';
import { qemuArgs } from '../../lib/nodes/qemu.js';

const base = { name: 'n1', memoryMb: 1024, cpus: 1, serial: 'stdio' as const };

describe('qemuArgs', () => {
  it('always uses TCG, with no display or monitor and no default devices', () => {
    const args = qemuArgs({ ...base, nics: [] }).join(' ');
    expect(args).toContain('-accel tcg');
    expect(args).not.toContain('kvm');
    expect(args).toContain('-display none -monitor none -nodefaults');
    expect(args).toContain('-m 1024 -smp 1');
  });

  it('forwards host ports from 127.0.0.1 only, and restricts the user-mode network', () => {
    const args = qemuArgs({
      ...base,
      nics: [
        {
          mac: '52:54:00:00:00:01',
          kind: 'isolated',
          hostForwards: [{ hostPort: 18080, guestPort: 80 }],
          guestForwards: [{ guestAddress: '10.0.2.100', guestPort: 8080, command: 'node stub.mjs out' }],
        },
      ],
    });
    expect(args).toContain('virtio-net-pci,netdev=n0,mac=52:54:00:00:00:01');
    expect(args).toContain(
      'user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:18080-:80,guestfwd=tcp:10.0.2.100:8080-cmd:node stub.mjs out',
    );
  });

  it('puts a tap NIC on the named device without qemu running scripts', () => {
    const args = qemuArgs({ ...base, nics: [{ mac: '52:54:00:00:00:02', kind: 'tap', ifname: 'bt-node1' }] });
    expect(args).toContain('tap,id=n0,ifname=bt-node1,script=no,downscript=no');
  });

  it('boots a kernel directly and attaches the disk as virtio', () => {
    const args = qemuArgs({
      ...base,
      nics: [],
      kernel: { path: '/k', initrd: '/i', append: 'console=ttyS0' },
      disk: '/d.img',
      serial: { file: '/log' },
    });
    expect(args.join(' ')).toContain('-serial file:/log -kernel /k -initrd /i -append console=ttyS0');
    expect(args.join(' ')).toContain('-drive if=virtio,format=raw,file=/d.img');
  });

  it('refuses a bad MAC and a forward command qemu would cut at its comma', () => {
    expect(() => qemuArgs({ ...base, nics: [{ mac: '52:54:00:00:00', kind: 'tap', ifname: 't' }] })).toThrow(
      /NIC 0: "52:54:00:00:00" is not a MAC address/,
    );
    expect(() =>
      qemuArgs({
        ...base,
        nics: [
          {
            mac: '52:54:00:00:00:01',
            kind: 'isolated',
            guestForwards: [{ guestAddress: '10.0.2.100', guestPort: 1, command: 'a,b' }],
          },
        ],
      }),
    ).toThrow(/has a comma/);
  });
});
