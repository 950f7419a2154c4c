import { afterAll, describe, expect, it } from 'vitest';
import { demuxBuffer } from '../../lib/runtime/docker/streams.js';
import { berth, docker, stateDir } from '../helpers/engine.js';

const TAG = 'berth-test/seed:bookworm';
const BAD_TAG = 'berth-test/seed:bad-mirror';

describe('berth images seed-base', () => {
  const state = stateDir();
  afterAll(async () => {
    for (const tag of [TAG, BAD_TAG])
      await docker
        .getImage(tag)
        .remove({ force: true })
        .catch(() => undefined);
  });

  it('builds a Debian base image with debootstrap and imports it under the tag', async () => {
    await docker
      .getImage(TAG)
      .remove({ force: true })
      .catch(() => undefined);
    const run = await berth(['images', 'seed-base', '--tag', TAG], { state });
    expect(run.exitCode, run.all).toBe(0);
    expect(run.stdout).toContain(`importing as ${TAG}`);
    // The release's version, then its apt sources: images built on it must get Debian's security fixes.
    const container = await docker.createContainer({
      Image: TAG,
      Cmd: ['sh', '-c', 'cat /etc/debian_version; cat /etc/apt/sources.list.d/debian.sources'],
    });
    try {
      await container.start();
      expect((await container.wait()).StatusCode).toBe(0);
      const out = await demuxBuffer(
        docker.modem,
        (await container.logs({ stdout: true, stderr: true })) as unknown as Buffer,
      );
      const [version, ...sources] = out.trim().split('\n');
      expect(version).toMatch(/^12\.\d+$/);
      expect(sources.join('\n')).toMatch(/^Suites: bookworm bookworm-updates$/m);
      expect(sources.join('\n')).toMatch(/^URIs: \S+\/debian-security\nSuites: bookworm-security$/m);
    } finally {
      await container.remove({ force: true });
    }
    // An existing tag is left alone without --force.
    const again = await berth(['images', 'seed-base', '--tag', TAG], { state });
    expect(again.stdout).toContain('already present');
  });

  it('says which mirror failed and what to do, and imports nothing', async () => {
    const run = await berth(['images', 'seed-base', '--tag', BAD_TAG, '--mirror', 'http://127.0.0.1:9/debian'], {
      state,
    });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('berth: debootstrap of bookworm from http://127.0.0.1:9/debian failed');
    expect(run.stderr).toContain('next: Check that the mirror answers');
    expect(
      await docker
        .getImage(BAD_TAG)
        .inspect()
        .catch(() => undefined),
    ).toBeUndefined();
  });
});
