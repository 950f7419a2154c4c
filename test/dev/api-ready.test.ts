import { describe, expect, it } from 'vitest';
import { listedIds, processStartMs, timestampMs } from '../../lib/dev/api-ready.js';
import { heatEngineListed } from '../helpers/fake-profile.js';

const ready = heatEngineListed;

describe('listedIds', () => {
  const body = {
    services: [
      { engine_id: 'old', status: 'up' },
      { engine_id: 'dead', status: 'down' },
      { engine_id: 'new', status: 'up' },
    ],
  };

  it('finds the first entry not listed before that matches where', () => {
    expect(listedIds(body, ready, new Set(['old']))).toEqual({ ids: ['old', 'dead', 'new'], fresh: 'new' });
  });

  it('finds none when every matching entry was listed before, or the new one does not match', () => {
    expect(listedIds(body, ready, new Set(['old', 'new'])).fresh).toBeUndefined();
    expect(listedIds({ services: [{ engine_id: 'dead', status: 'down' }] }, ready, new Set()).fresh).toBeUndefined();
  });

  it('reads an answer without the list as listing nothing', () => {
    expect(listedIds({ error: 'x' }, ready, new Set())).toEqual({ ids: [] });
    expect(listedIds(null, ready, new Set())).toEqual({ ids: [] });
  });
});

describe('listedIds with since (ironic’s conductor list: one hostname, stamped again when it registers)', () => {
  const ready = {
    ...heatEngineListed,
    list: 'conductors',
    id: 'hostname',
    since: 'updated_at',
    where: { alive: 'true' },
  };
  const started = Date.parse('2026-12-07T02:09:42.532Z');
  const listing = (updated_at: string, alive = true) => ({ conductors: [{ hostname: 'c', alive, updated_at }] });

  it('finds the entry stamped after the process started, however often its id was listed', () => {
    expect(listedIds(listing('2026-12-07T02:09:44+00:00'), ready, new Set(['c']), started).fresh).toBe('c');
  });

  it('finds none stamped before the start, or in its second (the database truncated it), or not alive', () => {
    expect(listedIds(listing('2026-12-07T02:09:38+00:00'), ready, new Set(), started).fresh).toBeUndefined();
    expect(listedIds(listing('2026-12-07T02:09:42'), ready, new Set(), started).fresh).toBeUndefined();
    expect(listedIds(listing('2026-12-07T02:09:44', false), ready, new Set(), started).fresh).toBeUndefined();
  });

  it('reads a timestamp without a zone as UTC, and one that is not a string as no time', () => {
    expect(timestampMs('2026-12-07T02:09:44')).toBe(Date.parse('2026-12-07T02:09:44Z'));
    expect(timestampMs('2026-12-07T02:09:44.5+01:00')).toBe(Date.parse('2026-12-07T01:09:44.5Z'));
    expect(timestampMs(undefined)).toBeNaN();
  });
});

describe('processStartMs', () => {
  const began = Date.parse('2026-12-07T02:09:42.000Z');
  it('is the container’s start after a container restart, and the action’s own after a fork or reload in place', () => {
    expect(processStartMs(began, '2026-12-07T02:09:42.532454167Z')).toBe(began + 532);
    expect(processStartMs(began, '2026-12-07T01:00:00Z')).toBe(began);
    expect(processStartMs(began, undefined)).toBe(began);
  });
});
