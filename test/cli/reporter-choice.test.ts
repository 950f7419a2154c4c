import { describe, expect, it } from 'vitest';
import { wantsTui } from '../../cli/context.js';

describe('which reporter', () => {
  const term = { TERM: 'xterm-256color' };
  it('uses the terminal UI only on an interactive terminal', () => {
    expect(wantsTui({}, term, true)).toBe(true);
    expect(wantsTui({}, term, false)).toBe(false);
  });
  it('falls back to plain lines under CI, NO_COLOR, a dumb terminal, --plain, or --json', () => {
    expect(wantsTui({}, { ...term, CI: 'true' }, true)).toBe(false);
    expect(wantsTui({}, { ...term, NO_COLOR: '1' }, true)).toBe(false);
    expect(wantsTui({}, { TERM: 'dumb' }, true)).toBe(false);
    expect(wantsTui({ plain: true }, term, true)).toBe(false);
    expect(wantsTui({ json: true }, term, true)).toBe(false);
  });
});
