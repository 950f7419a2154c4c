import { readdirSync, readFileSync } from 'node:fs';

/**
 * Memory a set of processes holds, from /proc: PSS where the kernel has smaps_rollup (shared pages split
 * between the processes sharing them, so forked workers are not counted twice), else RSS.
 */
export function memoryOf(pids: Iterable<number>): { bytes: number; measure: 'PSS' | 'RSS' } {
  let bytes = 0;
  let measure: 'PSS' | 'RSS' = 'PSS';
  for (const pid of pids) {
    const pss = kilobytesIn(`/proc/${pid}/smaps_rollup`, 'Pss:');
    if (pss !== undefined) bytes += pss * 1024;
    else {
      measure = 'RSS';
      bytes += (kilobytesIn(`/proc/${pid}/status`, 'VmRSS:') ?? 0) * 1024;
    }
  }
  return { bytes, measure };
}

function kilobytesIn(file: string, field: string): number | undefined {
  try {
    const line = readFileSync(file, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(field));
    return line ? Number(line.slice(field.length).trim().split(/\s+/)[0]) : undefined;
  } catch {
    return undefined;
  }
}

/** Each process's parent, as the kernel has it now. */
export function parentTable(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name may hold spaces and parentheses: the fields after its last ")" are fixed.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone between readdir and read
    }
  }
  return parents;
}

/** The roots and every process below them. */
export function processTrees(roots: Iterable<number>, parents: Map<number, number> = parentTable()): Set<number> {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const found = new Set<number>();
  const todo = [...roots];
  while (todo.length) {
    const pid = todo.pop()!;
    if (found.has(pid)) continue;
    found.add(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** The first process whose command name is this one (dockerd, containerd), if any runs. */
export function pidByName(name: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) return Number(entry);
    } catch {
      // gone between readdir and read
    }
  }
  return undefined;
}
