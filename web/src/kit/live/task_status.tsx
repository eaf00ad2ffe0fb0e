// The live state of one task: pending, being applied, waiting to retry, applied, failed with the
// daemon's own message, or replaced by a newer change. Announced politely to screen readers as it
// changes. Follows the task with a TaskWatcher while mounted.
import { useEffect, useMemo } from 'preact/hooks';
import type { ApiClient } from '../../api/client';
import type { Task } from '../../api/endpoints';
import { t } from '../../i18n/i18n';
import { apiErrorText } from '../form/api_error_text';
import { TaskWatcher, type TaskWatcherOptions } from './task_watcher';

interface TaskStatusProps {
  client: ApiClient;
  id: number;
  initial?: Task | null;
  options?: TaskWatcherOptions;
}

export function taskStateText(task: Task | null): string {
  switch (task?.state) {
    case 'pending':
      return t('task.pending');
    case 'running':
      return t('task.running');
    case 'retry':
      return t('task.retry', { attempts: task.attempts });
    case 'applied':
      return t('task.applied');
    case 'failed':
      return t('task.failed');
    case 'superseded':
      return t('task.superseded');
    default:
      return t('task.unknown');
  }
}

export function TaskStatus({ client, id, initial = null, options }: TaskStatusProps) {
  const watcher = useMemo(() => new TaskWatcher(client, id, initial, options), [client, id]);
  useEffect(() => {
    void watcher.run();
    return () => watcher.stop();
  }, [watcher]);

  const task = watcher.task.value;
  const error = watcher.error.value;
  const state = task?.state ?? 'unknown';
  return (
    <div class={`task-status state-${state}`} role="status" aria-live="polite">
      <span class="task-badge">{taskStateText(task)}</span>
      {state === 'failed' && task?.error && (
        <span class="task-message">{t('task.failed_message', { message: task.error })}</span>
      )}
      {watcher.connection.value === 'lost' && !error && (
        <span class="task-message">{t('task.connection_lost')}</span>
      )}
      {error && <span class="task-message">{apiErrorText(error)}</span>}
    </div>
  );
}
