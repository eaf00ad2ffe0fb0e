// The changes made on this screen, each with the live state of its tasks (TaskStatus follows each
// task over the long poll until it is final). Nothing is shown before the first change.
import { useId } from 'preact/hooks';
import type { ApiClient } from '../../api/client';
import { t } from '../../i18n/i18n';
import { TaskStatus } from '../live/task_status';
import type { ChangeListState } from './change_list_state';

export function ChangeList({ client, state }: { client: ApiClient; state: ChangeListState }) {
  const id = useId();
  const changes = state.changes.value;
  if (changes.length === 0) return null;
  return (
    <section class="changes" aria-labelledby={id}>
      <h2 id={id}>{t('changes.title')}</h2>
      <ul>
        {changes.map((change) => (
          <li key={change.key} class="change">
            <span class="change-label">{change.label}</span>
            {change.note !== undefined && <span class="task-message">{change.note}</span>}
            {change.note === undefined && change.tasks.length === 0 && (
              <span class="task-message">{t('changes.no_tasks')}</span>
            )}
            {change.tasks.map((task) => (
              <TaskStatus key={task.id} client={client} id={task.id} initial={task} />
            ))}
          </li>
        ))}
      </ul>
    </section>
  );
}
