// The tasks a person may see (staff: all; a reseller: its customers'), filtered by state on the
// server — failed ones first, with the daemon's own message — paged; a failed task is retried
// with a click (POST /tasks/{id}/retry).
import { useId, useMemo, useState } from 'preact/hooks';
import { retryTask, type Task, type TaskState } from '../../api/endpoints';
import { t } from '../../i18n/i18n';
import { taskStateText } from '../../kit/live/task_status';
import { afterIdSource } from '../../kit/list/page_source';
import { PagedList, type Column } from '../../kit/list/paged_list';
import { ChangeList } from '../../kit/manager/change_list';
import { ConfirmButton } from '../../kit/manager/confirm_button';
import { useManager } from '../../kit/manager/use_manager';
import type { SessionStore } from '../../shell/session_store';
import { useScreen } from '../../shell/use_screen';

const STATES: readonly TaskState[] = ['failed', 'retry', 'pending', 'running', 'applied', 'superseded'];

export function Tasks({ store }: { store: SessionStore }) {
  const heading = useScreen(t('tasks.title'));
  const client = store.client;
  const manager = useManager();
  const filterId = useId();
  const [state, setState] = useState<TaskState | ''>('failed');
  const source = useMemo(
    () => afterIdSource<Task>(client, '/tasks', 'tasks', { state: state || undefined }, 'object'),
    [client, state, manager.version],
  );

  const columns: Column<Task>[] = [
    { header: t('tasks.id'), cell: (task) => String(task.id) },
    { header: t('tasks.what'), cell: (task) => t('dashboard.task', { kind: task.kind, object: task.object_key }) },
    { header: t('tasks.node'), cell: (task) => task.node },
    {
      header: t('tasks.state'),
      cell: (task) => (
        <span class={`task-status state-${task.state}`}>
          <span class="task-badge">{taskStateText(task)}</span>
        </span>
      ),
    },
    { header: t('tasks.message'), cell: (task) => <span class="task-message">{task.error}</span> },
    {
      header: t('tasks.updated'),
      cell: (task) => new Date(task.updated_at).toLocaleString('en', { dateStyle: 'medium', timeStyle: 'medium' }),
    },
  ];
  columns.push({
    header: t('list.actions'),
    cell: (task) =>
      task.state === 'failed' ? (
        <ConfirmButton
          danger={false}
          words={{
            start: t('tasks.retry'),
            startLabel: t('tasks.retry_label', { id: task.id }),
            question: t('tasks.retry_question', { id: task.id }),
            confirm: t('tasks.retry_confirm'),
            busy: t('tasks.retrying'),
            cancel: t('delete.cancel'),
          }}
          onConfirm={async () => manager.track(t('tasks.retried', { id: task.id }), await retryTask(client, task.id))}
        />
      ) : null,
});

  return (
    <>
      <h1 ref={heading} tabIndex={-1}>
        {t('tasks.title')}
      </h1>
      <div class="field list-filter">
        <label for={filterId}>{t('tasks.filter')}</label>
        <select
          id={filterId}
          value={state}
          onChange={(e) => setState((e.currentTarget as HTMLSelectElement).value as TaskState | '')}
        >
          {STATES.map((s) => (
            <option key={s} value={s}>
              {t('tasks.state_option', { state: s })}
            </option>
          ))}
          <option value="">{t('tasks.state_all')}</option>
        </select>
      </div>
      <ChangeList client={client} state={manager.changes} />
      <PagedList source={source} columns={columns} caption={t('tasks.list')} rowKey={(task) => task.id} />
    </>
  );
}
