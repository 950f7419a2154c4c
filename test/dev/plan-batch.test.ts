import { describe, expect, it } from 'vitest';
import { planBatch, watchedSources } from '../../lib/dev/plan-batch.js';
import { service } from '../helpers/service.js';

const nova = '/src/nova';
const services = ['nova-api', 'nova-conductor', 'nova-scheduler'].map((name) =>
  service(name, {
    dev: {
      sources: [{ path: nova, target: '/usr/lib/python3/dist-packages/nova' }],
      rules: [
        { paths: ['**/*.py'], action: 'restart', ignore: ['nova/tests/**'] },
        { paths: ['api-paste.ini'], action: 'exec', ignore: [], command: ['kill', '-HUP', '1'] },
        { paths: ['static/**'], action: 'sync', ignore: [] },
        { paths: ['requirements.txt'], action: 'rebuild', ignore: [] },
      ],
      restartDependents: false,
    },
  }),
);
const sources = watchedSources(services);
const ev = (rel: string) => ({ root: nova, rel, kind: 'change' as const, seenAt: 0 });

describe('planBatch', () => {
  it('one tree feeds several services: one save, one action per service', () => {
    const work = planBatch([ev('compute/api.py')], sources);
    expect(work.map((w) => [w.service, w.action])).toEqual([
      ['nova-api', 'restart'],
      ['nova-conductor', 'restart'],
      ['nova-scheduler', 'restart'],
    ]);
  });
  it('keeps the strongest action per service across a batch, with every file', () => {
    const [w] = planBatch([ev('static/a.css'), ev('compute/api.py'), ev('static/b.css')], sources);
    expect(w!.action).toBe('restart');
    expect(w!.files).toEqual([`${nova}/static/a.css`, `${nova}/compute/api.py`, `${nova}/static/b.css`]);
  });
  it('maps sync files to their path in the container, and collects exec commands', () => {
    const [w] = planBatch([ev('static/a.css')], sources);
    expect(w!.sync).toEqual([
      { hostPath: `${nova}/static/a.css`, target: '/usr/lib/python3/dist-packages/nova/static/a.css' },
    ]);
    expect(planBatch([ev('api-paste.ini')], sources)[0]!.commands).toEqual([['kill', '-HUP', '1']]);
  });
  it('plans nothing for files no rule wants, or that a rule ignores', () => {
    expect(planBatch([ev('nova/tests/test_api.py'), ev('README.rst')], sources)).toEqual([]);
  });
  it('ignores events from trees a service does not watch', () => {
    expect(planBatch([{ ...ev('x.py'), root: '/src/other' }], sources)).toEqual([]);
  });
});
