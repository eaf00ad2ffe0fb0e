// Words for what the service lists answer: an object's status, and a kind-specific member of a
// Resource (flattened in by the API: quota_mb, targets, home, …) as text.
import type { Resource } from '../../api/endpoints';
import { t } from '../../i18n/i18n';

export function objectStatusText(status: string): string {
  return t('status.object', { status });
}

// The member `key` of a resource as text: a string or number as it is, a list joined by commas,
// '' when absent or of another shape.
export function resourceText(resource: Resource, key: string): string {
  const value = (resource as Record<string, unknown>)[key];
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.filter((v) => typeof v === 'string' || typeof v === 'number').join(', ');
  return '';
}
