import { mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { defaultProfilesRoot } from '../profile/profile-chain.js';
import type { ImageProgress } from '../runtime/types.js';

export const RAMDISK_IMAGE = 'berth/ramdisk:bookworm';
export const RAMDISK_FILES = ['vmlinuz', 'initramfs.gz', 'kernel-version'] as const;

/** What `berth images ramdisk` needs of the Docker runtime: a build and a copy out of the built image. */
export interface RamdiskBuilder {
  ensureBuiltImage(
    name: string,
    build: { context: string; dockerfile: string; args: Record<string, string> },
    opts: { signal?: AbortSignal; onProgress?: (p: ImageProgress) => void; force?: boolean },
  ): Promise<string>;
  copyFromImage(image: string, paths: string[], destDir: string): Promise<void>;
}

export interface Ramdisk {
  kernel: string;
  initramfs: string;
  kernelVersion: string;
}

/**
 * The kernel and busybox initramfs a virtual node boots for inspection and for ironic's ramdisk deploy, built from
 * Debian packages (profiles/services/images/ramdisk) and copied into outDir. The image is rebuilt only when its
 * context changed; the files are replaced together, so a reader never sees a kernel beside another build's initramfs.
 */
export async function buildRamdisk(
  runtime: RamdiskBuilder,
  outDir: string,
  opts: { signal?: AbortSignal; onProgress?: (p: ImageProgress) => void; force?: boolean } = {},
): Promise<Ramdisk> {
  const context = join(defaultProfilesRoot(), 'services', 'images', 'ramdisk');
  await runtime.ensureBuiltImage(RAMDISK_IMAGE, { context, dockerfile: 'Dockerfile', args: {} }, opts);
  const staging = `${outDir}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  await runtime.copyFromImage(
    RAMDISK_IMAGE,
    RAMDISK_FILES.map((f) => `/out/${f}`),
    staging,
  );
  rmSync(outDir, { recursive: true, force: true });
  renameSync(staging, outDir);
  return {
    kernel: join(outDir, 'vmlinuz'),
    initramfs: join(outDir, 'initramfs.gz'),
    kernelVersion: readFileSync(join(outDir, 'kernel-version'), 'utf8').trim(),
  };
}
