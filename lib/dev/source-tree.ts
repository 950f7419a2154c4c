import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError } from '../errors.js';
import type { ResolvedProfile, ResolvedService } from '../profile/model.js';
import type { ExecResult } from '../runtime/types.js';
import { checkoutVersion } from './checkouts.js';

/** What `berth source` needs of the Docker runtime: the image, a listing inside it, and a copy out. */
export interface SourceImages {
  hasImage(name: string): Promise<boolean>;
  runTool(
    project: string,
    opts: { image: string; command: string[]; files: { target: string; content: string; mode: number }[] },
  ): Promise<ExecResult>;
  copyFromImage(image: string, paths: string[], destDir: string): Promise<void>;
}

/** The service whose image and dev.checkout say where a project's package is installed. */
export function checkoutService(profile: ResolvedProfile, project: string): ResolvedService {
  const service = profile.services.find((s) => s.dev?.checkout?.project === project);
  if (!service) {
    const known = [...new Set(profile.services.flatMap((s) => (s.dev?.checkout ? [s.dev.checkout.project] : [])))];
    throw new BerthError(
      `no service of profile ${profile.name} runs ${project} from a checkout`,
      `Projects it knows: ${known.sort().join(', ') || 'none'}.`,
    );
  }
  return service;
}

/** The package's version as installed in the image (its egg-info), or undefined when it says none. */
export async function installedVersion(images: SourceImages, profile: ResolvedProfile, service: ResolvedService) {
  const info = await installedMetadata(images, profile, service);
  if (!info) return undefined;
  const r = await images.runTool(profile.project, { image: service.image, command: ['cat', info.file], files: [] });
  return /^Version:\s*(\S+)/m.exec(r.output)?.[1];
}

async function installedMetadata(images: SourceImages, profile: ResolvedProfile, service: ResolvedService) {
  const checkout = service.dev!.checkout!;
  const parent = checkout.target.replace(/\/[^/]+\/?$/, '');
  const r = await images.runTool(profile.project, { image: service.image, command: ['ls', parent], files: [] });
  const prefix = `${checkout.package}-`.toLowerCase();
  const dir = r.output
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.toLowerCase().startsWith(prefix) && /\.(egg|dist)-info$/.test(l));
  if (!dir) return undefined;
  return { dir: `${parent}/${dir}`, file: `${parent}/${dir}/${dir.endsWith('.egg-info') ? 'PKG-INFO' : 'METADATA'}` };
}

/**
 * `berth source nova DIR`: the package as the image installed it, copied into a new git repository, so a
 * developer has a tree that matches the running release to edit and diff against.
 */
export async function copyInstalledSource(
  images: SourceImages,
  profile: ResolvedProfile,
  project: string,
  dir: string,
): Promise<{ service: string; image: string; version?: string; files: number }> {
  const service = checkoutService(profile, project);
  const checkout = service.dev!.checkout!;
  if (existsSync(dir) && readdirSync(dir).length)
    throw new BerthError(`${dir} exists and is not empty`, 'Name a new directory: berth source makes it.');
  if (!(await images.hasImage(service.image)))
    throw new BerthError(
      `${service.image} is not built here`,
      `Build it first: berth deploy -p ${profile.name} (or make deploy).`,
    );
  mkdirSync(dir, { recursive: true });
  const info = await installedMetadata(images, profile, service);
  await images.copyFromImage(service.image, [checkout.target, ...(info ? [info.dir] : [])], dir);
  // Bytecode compiled for the image's files would only shadow the developer's edits in a listing.
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true }))
    if (entry.isDirectory() && entry.name === '__pycache__')
      rmSync(join(entry.parentPath, entry.name), { recursive: true, force: true });
  writeFileSync(join(dir, '.gitignore'), '__pycache__/\n*.pyc\n');
  const version = checkoutVersion(dir);
  // execa on first use: berth dev imports this module and should not carry execa for a command it may never run.
  const { execa } = await import('execa');
  const git = (...args: string[]) =>
    execa('git', ['-c', 'user.name=berth', '-c', 'user.email=berth@localhost', ...args], { cwd: dir });
  await git('init', '-q');
  await git('add', '-A');
  await git('commit', '-q', '-m', `${project} ${version ?? ''} as installed in ${service.image}`.replace(/ +/g, ' '));
  const files = (await git('ls-files')).stdout.split('\n').filter(Boolean).length;
  return { service: service.name, image: service.image, version, files };
}
