import picomatch from 'picomatch';
import type { WatchRule } from '../profile/model.js';

/**
 * Whether any rule could match a path under a directory (relative to the tree): a directory no rule
 * wants (tests/ when every rule ignores `**\/tests/**`, doc/ when the only rules are for `*.py` outside
 * it) costs no watch. A rule wants a directory when its pattern's static base is on the same path as the
 * directory and its ignore does not cover the whole directory.
 */
export function dirWanted(rules: readonly WatchRule[]): (relDir: string) => boolean {
  const compiled = rules.map((rule) => ({
    patterns: rule.paths.map((p) => picomatch.scan(p)),
    ignore: rule.ignore.length ? picomatch(rule.ignore, { dot: true }) : () => false,
  }));
  return (relDir) => {
    // A name no real file has: when the ignore matches it, it matches everything in the directory.
    const probe = `${relDir}/\u0000berth-probe/\u0000berth-probe`;
    return compiled.some(
      (r) => !r.ignore(probe) && r.patterns.some((p) => onSamePath(p.isGlob ? p.base : p.input, relDir, p.isGlob)),
    );
  };
}

function onSamePath(base: string, dir: string, isGlob: boolean): boolean {
  if (base === '') return isGlob;
  if (!isGlob) return base.startsWith(`${dir}/`);
  return base === dir || base.startsWith(`${dir}/`) || dir.startsWith(`${base}/`);
}
