import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { BerthError, CancelledError, throwIfAborted } from '../../errors.js';
import { BASE_IMAGE, seedBaseImage } from '../../images/seed-base.js';
import type { BuildSpec, ResolvedService } from '../../profile/model.js';
import { LABEL, type EnsureImageOptions, type ImageProgress } from '../types.js';
import { baseImages, readBuildContext } from './build-context.js';
import { errorText } from './engine-errors.js';
import { limitFromEnv } from './engine-requests.js';
import { toLines } from './streams.js';

/**
 * Images on the engine: built when their context (or a base they build FROM) changed, pulled when
 * they have no build, and the debian base seeded with debootstrap when no registry answers.
 */
export class DockerImages {
  private seeding?: Promise<unknown>;

  constructor(
    private readonly docker: Docker,
    private readonly opts: { pullTimeoutMs?: number } = {},
  ) {}

  async imageStatus(service: ResolvedService): Promise<{ id?: string; stale: boolean }> {
    const image = await this.docker
      .getImage(service.image)
      .inspect()
      .catch(() => undefined);
    if (!image) return { stale: true };
    const stale = service.build
      ? image.Config?.Labels?.[LABEL.contextHash] !== (await this.buildHash(service.build)).hash
      : false;
    return { id: image.Id, stale };
  }

  async tagImage(imageId: string, name: string): Promise<void> {
    const at = name.lastIndexOf(':');
    const [repo, tag] = at > name.lastIndexOf('/') ? [name.slice(0, at), name.slice(at + 1)] : [name, 'latest'];
    await this.docker.getImage(imageId).tag({ repo, tag });
  }

  async ensureBuiltImage(name: string, build: BuildSpec, opts: EnsureImageOptions): Promise<string> {
    // A base image is built the way a service image is: same context hashing, same failure reporting.
    return this.ensureImage(
      { name, file: join(build.context, build.dockerfile), image: name, build } as ResolvedService,
      opts,
    );
  }

  async ensureImage(
    service: ResolvedService,
    { signal, onProgress, onWork, force, noCache }: EnsureImageOptions,
  ): Promise<string> {
    const existing = await this.docker
      .getImage(service.image)
      .inspect()
      .catch(() => undefined);
    if (!service.build) {
      if (existing) return existing.Id;
      onWork?.('pulling');
      onProgress?.({ line: `pulling ${service.image}` });
      await this.pull(service.image, signal, onProgress).catch((cause) => {
        throw new BerthError(
          `service ${service.name}: image ${service.image} is not on the engine and could not be pulled (${errorText(cause)})`,
          `Build it, "docker load" it, or give the service a "build:" section.`,
        );
      });
      return (await this.docker.getImage(service.image).inspect()).Id;
    }
    const context = readBuildContext(service.build);
    if (!context.files.includes(service.build.dockerfile)) {
      throw new BerthError(
        `service ${service.name}: no ${service.build.dockerfile} in build context ${service.build.context}`,
        'Check build.context and build.dockerfile in the service file.',
      );
    }
    const dockerfile = readFileSync(join(service.build.context, service.build.dockerfile), 'utf8');
    const bases = baseImages(dockerfile);
    for (const base of bases) await this.ensureBaseImage(base, signal, onProgress);
    const { hash } = await this.buildHash(service.build, context);
    if (!force && !noCache && existing?.Config?.Labels?.[LABEL.contextHash] === hash) return existing.Id;
    onWork?.('building');
    throwIfAborted(signal);
    return this.build(service, { ...context, hash }, signal, onProgress, noCache);
  }

  /**
   * What an image is built from: its context and the IDs of the images it builds FROM, so that an
   * image on top of a rebuilt shared base is rebuilt too.
   */
  private async buildHash(build: BuildSpec, context = readBuildContext(build)): Promise<{ hash: string }> {
    const dockerfile = join(build.context, build.dockerfile);
    const bases = existsSync(dockerfile) ? baseImages(readFileSync(dockerfile, 'utf8')) : [];
    const ids = await Promise.all(
      bases.map(
        async (b) =>
          (
            await this.docker
              .getImage(b)
              .inspect()
              .catch(() => undefined)
          )?.Id ?? 'missing',
      ),
    );
    return {
      hash: createHash('sha256')
        .update(`${context.hash}:${ids.join(',')}`)
        .digest('hex')
        .slice(0, 32),
    };
  }

  /** A build bounded in time: a step waiting on a mirror that stopped answering must not wait forever. */
  private async build(
    service: ResolvedService,
    context: ReturnType<typeof readBuildContext>,
    signal: AbortSignal | undefined,
    onProgress?: (p: ImageProgress) => void,
    noCache = false,
  ): Promise<string> {
    const limitMs = buildTimeoutMs();
    const deadline = new AbortController();
    const handle = setTimeout(() => deadline.abort(), limitMs);
    const tail: string[] = [];
    try {
      return await this.buildOnce(
        service,
        context,
        AbortSignal.any([deadline.signal, ...(signal ? [signal] : [])]),
        tail,
        onProgress,
        noCache,
      );
    } catch (err) {
      if (!deadline.signal.aborted || signal?.aborted) throw err;
      throw new BerthError(
        `service ${service.name}: image build still running after ${limitMs / 1000} s; it was stopped\n${tail
          .slice(-10)
          .map((l) => `    | ${l}`)
          .join('\n')}`,
        'A step may be waiting on a mirror that stopped answering (its last lines are above). BERTH_BUILD_TIMEOUT=SECONDS allows longer builds.',
      );
    } finally {
      clearTimeout(handle);
    }
  }

  private async buildOnce(
    service: ResolvedService,
    context: ReturnType<typeof readBuildContext>,
    signal: AbortSignal,
    tail: string[],
    onProgress?: (p: ImageProgress) => void,
    noCache = false,
  ): Promise<string> {
    const build = service.build!;
    let step: number | undefined;
    let totalSteps: number | undefined;
    const stream = await this.docker.buildImage(context.pack(), {
      t: service.image,
      dockerfile: build.dockerfile,
      buildargs: build.args,
      labels: { [LABEL.contextHash]: context.hash },
      rm: true,
      forcerm: true,
      // A forced rebuild is for refreshed packages: reusing the cached apt layers would refresh nothing.
      nocache: noCache,
      abortSignal: signal,
    } as Docker.ImageBuildOptions);
    if (signal?.aborted) {
      (stream as unknown as { destroy(): void }).destroy();
      throw new CancelledError();
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        (stream as unknown as { destroy?: () => void }).destroy?.();
        reject(new CancelledError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.docker.modem.followProgress(
        stream,
        (err) => {
          signal?.removeEventListener('abort', onAbort);
          if (err) reject(buildFailed(service, tail, errorText(err)));
          else resolve();
        },
        (event: { stream?: string; error?: string; errorDetail?: { message?: string } }) => {
          if (event.error) {
            tail.push(event.error);
            return reject(buildFailed(service, tail, event.errorDetail?.message ?? event.error));
          }
          for (const line of toLines(event.stream ?? '')) {
            const m = /^Step (\d+)\/(\d+) :/.exec(line);
            if (m) [step, totalSteps] = [Number(m[1]), Number(m[2])];
            tail.push(line);
            if (tail.length > 40) tail.shift();
            onProgress?.({ step, totalSteps, line });
          }
        },
      );
    });
    return (await this.docker.getImage(service.image).inspect()).Id;
  }

  /** A missing base image is pulled if a registry answers, else seeded locally (air-gapped labs). */
  async ensureBaseImage(
    image: string,
    signal: AbortSignal | undefined,
    onProgress?: (p: ImageProgress) => void,
  ): Promise<void> {
    if (
      await this.docker
        .getImage(image)
        .inspect()
        .catch(() => undefined)
    )
      return;
    try {
      onProgress?.({ line: `base image ${image} missing: trying to pull it` });
      await this.pull(
        image,
        AbortSignal.any([AbortSignal.timeout(this.opts.pullTimeoutMs ?? 20_000), ...(signal ? [signal] : [])]),
        onProgress,
      );
      return;
    } catch (cause) {
      throwIfAborted(signal);
      if (image !== BASE_IMAGE)
        throw new BerthError(
          `base image ${image} is missing and could not be pulled (${errorText(cause)})`,
          'Load it with "docker load", or build FROM debian:bookworm-slim, which berth can seed without a registry.',
        );
      onProgress?.({ line: `no registry answered; seeding ${image} with debootstrap` });
    }
    // Several services may need the base at once: seed it once.
    this.seeding ??= seedBaseImage(this.docker, { signal, onLine: (line) => onProgress?.({ line }) }).finally(
      () => (this.seeding = undefined),
    );
    await this.seeding;
  }

  private async pull(
    image: string,
    signal: AbortSignal | undefined,
    onProgress?: (p: ImageProgress) => void,
  ): Promise<void> {
    const stream = (await this.docker.pull(image, { abortSignal: signal } as object)) as NodeJS.ReadableStream & {
      destroy(): void;
    };
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        stream.destroy();
        reject(new CancelledError());
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.docker.modem.followProgress(
        stream,
        (err) => {
          signal?.removeEventListener('abort', onAbort);
          if (err) reject(err);
          else resolve();
        },
        (e: { status?: string }) => e.status && onProgress?.({ line: e.status }),
      );
    });
  }
}

/** How long one image build may take; BERTH_BUILD_TIMEOUT (seconds) changes it. */
export const buildTimeoutMs = () => limitFromEnv('BERTH_BUILD_TIMEOUT', 60 * 60_000);

function buildFailed(service: ResolvedService, tail: string[], message: string): BerthError {
  return new BerthError(
    `service ${service.name}: image build failed: ${message.trim()}\n${tail
      .slice(-25)
      .map((l) => `    | ${l}`)
      .join('\n')}`,
    `Fix ${join(service.build!.context, service.build!.dockerfile)} (the failing step's output is above), then deploy again.`,
  );
}
