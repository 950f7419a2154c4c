import v8 from 'node:v8';
import vm from 'node:vm';

let collect: (() => void) | undefined;

/**
 * One full garbage collection, once berth dev has deployed and walked its trees and is about to wait for saves. The
 * deploy and the walk leave tens of MB of garbage that V8 would free only when its memory reducer runs on an idle
 * process, about a minute later; a watcher that sits for hours should be small from the start. `--expose-gc` set at
 * run time reaches contexts made after it, so the collector comes from a new one; nothing else sees a global `gc`.
 */
export function compactHeap(): void {
  if (!collect) {
    v8.setFlagsFromString('--expose-gc');
    collect = vm.runInNewContext('gc') as () => void;
    v8.setFlagsFromString('--no-expose-gc');
  }
  collect();
  // The first collection's pages go back to the system as its concurrent sweeping ends; a second waits for that.
  collect();
}
