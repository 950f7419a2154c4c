import { describe, expect, it } from 'vitest';
import { listedIds } from '../../lib/dev/api-ready.js';
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
