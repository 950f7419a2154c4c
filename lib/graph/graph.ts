/** The dependency DAG of a profile: steps, order and dependents are derived, never hand-numbered. */
export interface Node {
  name: string;
  dependsOn: readonly string[];
}

export class CycleError extends Error {
  constructor(readonly path: string[]) {
    super(`dependency cycle: ${path.join(' -> ')}`);
  }
}

/** Returns the first cycle found as a path that starts and ends on the same service, or undefined. */
export function findCycle(nodes: readonly Node[]): string[] | undefined {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    const mark = state.get(name);
    if (mark === 'done') return undefined;
    if (mark === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of byName.get(name)?.dependsOn ?? []) {
      if (!byName.has(dep)) continue;
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const node of [...nodes].sort((a, b) => a.name.localeCompare(b.name))) {
    const cycle = visit(node.name);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Groups services into steps: step n holds services whose longest dependency chain has length n. */
export function steps(nodes: readonly Node[]): string[][] {
  const cycle = findCycle(nodes);
  if (cycle) throw new CycleError(cycle);
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const level = new Map<string, number>();
  const levelOf = (name: string): number => {
    const known = level.get(name);
    if (known !== undefined) return known;
    const deps = (byName.get(name)?.dependsOn ?? []).filter((d) => byName.has(d));
    const value = deps.length === 0 ? 0 : 1 + Math.max(...deps.map(levelOf));
    level.set(name, value);
    return value;
  };
  const out: string[][] = [];
  for (const node of nodes) {
    const l = levelOf(node.name);
    (out[l] ??= []).push(node.name);
  }
  return out.map((step) => step.sort());
}

/** Dependency order: every service after everything it depends on. */
export function topologicalOrder(nodes: readonly Node[]): string[] {
  return steps(nodes).flat();
}

/** Everything that depends on `name`, directly or not, in dependency order. */
export function dependentsOf(
  nodes: readonly Node[],
  name: string,
  only?: (from: string, to: string) => boolean,
): string[] {
  const found = new Set<string>();
  const walk = (target: string) => {
    for (const node of nodes) {
      if (node.dependsOn.includes(target) && !found.has(node.name) && (only?.(node.name, target) ?? true)) {
        found.add(node.name);
        walk(node.name);
      }
    }
  };
  walk(name);
  return topologicalOrder(nodes).filter((n) => found.has(n));
}
