import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { baseImages, readBuildContext } from '../../../lib/runtime/docker/build-context.js';
import { profileTree } from '../../helpers/profile-fixture.js';

describe('build context', () => {
  const t = profileTree({
    'ctx/Dockerfile': 'FROM debian:bookworm-slim\n',
    'ctx/.dockerignore': 'node_modules\n*.log\n!keep.log\n',
    'ctx/src/a.js': 'a',
    'ctx/node_modules/x/index.js': 'x',
    'ctx/debug.log': 'noise',
    'ctx/keep.log': 'kept',
    'ctx/.git/HEAD': 'ref',
  });
  const spec = { context: t.path('ctx'), dockerfile: 'Dockerfile', args: {} };

  it('applies .dockerignore with exceptions and never sends .git', () => {
    expect(readBuildContext(spec).files.sort()).toEqual(['.dockerignore', 'Dockerfile', 'keep.log', 'src/a.js']);
  });

  it('hashes content: an ignored file does not change it, a sent one does', () => {
    const before = readBuildContext(spec).hash;
    writeFileSync(t.path('ctx/debug.log'), 'more noise');
    expect(readBuildContext(spec).hash).toBe(before);
    writeFileSync(t.path('ctx/src/a.js'), 'b');
    expect(readBuildContext(spec).hash).not.toBe(before);
    expect(readBuildContext({ ...spec, args: { X: '1' } }).hash).not.toBe(readBuildContext(spec).hash);
  });

  it('finds base images but not build stages', () => {
    expect(
      baseImages('FROM debian:bookworm-slim AS build\nRUN x\nFROM build\nFROM --platform=linux/amd64 alpine\n'),
    ).toEqual(['debian:bookworm-slim', 'alpine:latest']);
  });
});
