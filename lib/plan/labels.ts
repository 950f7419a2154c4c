import type { ResolvedService } from '../profile/model.js';
import { LABEL } from '../runtime/types.js';
import { configHash } from './hash.js';

/** What berth records on an instance it creates: the config hash plans compare, and the removal tasks. */
export function instanceLabels(service: ResolvedService): Record<string, string> {
  const labels: Record<string, string> = { [LABEL.configHash]: configHash(service) };
  if (service.onRemove) labels[LABEL.onRemove] = JSON.stringify(service.onRemove);
  if (service.ctlplane) labels[LABEL.ctlplane] = JSON.stringify(service.ctlplane);
  return labels;
}
