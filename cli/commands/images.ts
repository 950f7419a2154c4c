import type { Command } from 'commander';
import { join } from 'node:path';
import { buildRamdisk } from '../../lib/images/ramdisk.js';
import { BASE_IMAGE, seedBaseImage } from '../../lib/images/seed-base.js';
import { stateRoot } from '../../lib/state/paths.js';
import { out, interruptSignal } from '../context.js';
import { DockerRuntime } from '../../lib/runtime/docker/docker-runtime.js';
import { action } from './shared.js';

export function registerImages(program: Command): void {
  const images = program.command('images').description('image helpers');
  images
    .command('ensure-base')
    .description('make sure debian:bookworm-slim exists: pull it if a registry answers, else seed it with debootstrap')
    .action(
      action(async () => {
        const runtime = new DockerRuntime();
        await runtime.info();
        const onLine = (line: string) => !line.startsWith('I: ') && out(line + '\n');
        await runtime.ensureBaseImage(BASE_IMAGE, interruptSignal(), (p) => onLine(p.line));
        // berth's seeds before 2026-12-02 had only the release in their apt sources, so every image built on them
        // missed Debian's security fixes: such a base is seeded again (its images then rebuild, being FROM it).
        const probe = await runtime.runTool('berth', {
          image: BASE_IMAGE,
          command: [
            'sh',
            '-c',
            'grep -rqs -- -security /etc/apt/sources.list /etc/apt/sources.list.d && echo has-security',
          ],
          files: [],
        });
        if (!probe.output.includes('has-security')) {
          out(`${BASE_IMAGE} has no security archive in its apt sources (an older seed): seeding it again\n`);
          await seedBaseImage(runtime.docker, { signal: interruptSignal(), onLine });
        }
        out(`${BASE_IMAGE} present\n`);
      }),
    );
  images
    .command('seed-base')
    .description('build debian:bookworm-slim with debootstrap and import it, for engines that reach no registry')
    .option('--mirror <url>', "Debian mirror (default: the host's apt mirror)")
    .option('--tag <tag>', 'tag to import as', 'debian:bookworm-slim')
    .option('--force', 'seed even if the tag exists')
    .action(
      action(async (opts: { mirror?: string; tag: string; force?: boolean }) => {
        const runtime = new DockerRuntime();
        await runtime.info();
        if (
          !opts.force &&
          (await runtime.docker
            .getImage(opts.tag)
            .inspect()
            .catch(() => undefined))
        ) {
          out(`${opts.tag} already present; nothing to do (--force seeds it again)\n`);
          return;
        }
        await seedBaseImage(runtime.docker, {
          mirror: opts.mirror,
          tag: opts.tag,
          signal: interruptSignal(),
          onLine: (l) => !l.startsWith('I: ') && out(l + '\n'),
        });
      }),
    );
  images
    .command('ramdisk')
    .description(
      'build the kernel and busybox initramfs a virtual node boots (inspection, the ramdisk deploy) from Debian packages',
    )
    .option('--out <dir>', 'where vmlinuz and initramfs.gz go (default: images/ramdisk in the state directory)')
    .option('--force', 'build the image again even if its context is unchanged')
    .action(
      action(async (opts: { out?: string; force?: boolean }) => {
        const runtime = new DockerRuntime();
        await runtime.info();
        const outDir = opts.out ?? join(stateRoot(), 'images', 'ramdisk');
        const ramdisk = await buildRamdisk(runtime, outDir, {
          signal: interruptSignal(),
          force: opts.force,
          // The build's own output is long (apt); its steps say how far it is.
          onProgress: (p) => /^Step \d+\/\d+/.test(p.line) && out(p.line + '\n'),
        });
        out(`kernel ${ramdisk.kernelVersion}: ${ramdisk.kernel}\ninitramfs: ${ramdisk.initramfs}\n`);
      }),
    );
}
