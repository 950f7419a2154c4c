import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { lanConf, shellArgs } from '../../lib/nodes/bmc.js';

const bmc = { address: '127.0.0.1', port: 16230, username: 'admin', password: 's3cret-Pw' };

describe('lanConf', () => {
  it('puts one LAN channel on the BMC address and the node directory on the chassis-control line', () => {
    const conf = lanConf(bmc, '/state/nodes/node-1', '/opt/berth/chassis-control');
    expect(conf).toContain('    addr 127.0.0.1 16230\n');
    expect(conf).toContain('  chassis_control "/opt/berth/chassis-control /state/nodes/node-1"\n');
    expect(conf).toContain('  user 2 true "admin" "s3cret-Pw" admin 10 none md2 md5 straight\n');
    expect(conf).toContain('name "node-1"\n');
  });

  it('refuses a value that would break out of its quotes or into the shell', () => {
    expect(() => lanConf({ ...bmc, password: 'a"b' }, '/n', '/c')).toThrow(/BMC password "a"b" has characters/);
    expect(() => lanConf(bmc, '/n; rm -rf /', '/c')).toThrow(/node directory/);
    expect(() => lanConf({ ...bmc, password: 'x'.repeat(21) }, '/n', '/c')).toThrow(/longer than 20 bytes/);
  });
});

describe('shellArgs', () => {
  it('gives sh back exactly the arguments, quotes and spaces included', () => {
    const args = ['-append', "console=ttyS0 berth.node=it's", '-name', 'a b'];
    const out = execFileSync('sh', ['-c', `${shellArgs(args)}printf '%s\\n' "$@"`], { encoding: 'utf8' });
    expect(out.split('\n').slice(0, -1)).toEqual(args);
  });
});
