import picomatch from 'picomatch';
import type { WatchRule } from '../profile/model.js';

/** What a batch can do to a service; a `warn` rule only says something. */
export type DevAction = Exclude<WatchRule['action'], 'warn'>;

/** When several rules match, the strongest action wins: a rebuild includes a restart, a restart an exec. */
export const STRENGTH: Record<WatchRule['action'], number> = { warn: 0, sync: 1, exec: 2, restart: 3, rebuild: 4 };

export function strongest(a: DevAction | undefined, b: DevAction | undefined): DevAction | undefined {
  if (!a) return b;
  if (!b) return a;
  return STRENGTH[a] >= STRENGTH[b] ? a : b;
}

export interface CompiledRule {
  rule: WatchRule;
  matches: (rel: string) => boolean;
}

export function compileRules(rules: readonly WatchRule[]): CompiledRule[] {
  return rules.map((rule) => {
    const include = picomatch(rule.paths, { dot: true });
    const exclude = rule.ignore.length ? picomatch(rule.ignore, { dot: true }) : () => false;
    return { rule, matches: (rel: string) => include(rel) && !exclude(rel) };
  });
}

/** The strongest rule a changed path (relative to its source tree) triggers, or undefined. */
export function matchRules(rules: readonly CompiledRule[], rel: string): CompiledRule | undefined {
  let best: CompiledRule | undefined;
  for (const r of rules) {
    if (r.matches(rel) && (!best || STRENGTH[r.rule.action] > STRENGTH[best.rule.action])) best = r;
  }
  return best;
}
