// A customer's home: how many of each service it has (each a link to its manager), the changes
// still being applied and the ones that failed, each followed live with the daemon's own words.
// The plan's limits are not shown: the API lets a customer read neither its plan nor its usage.
import { useEffect, useId, useMemo, useState } from 'preact/hooks';
import type { ApiClient, ApiError } from '../../api/client';
import { listTasks, type Task } from '../../api/endpoints';
import { t } from '../../i18n/i18n';
import { apiErrorText } from '../../kit/form/api_error_text';
import { TaskStatus } from '../../kit/live/task_status';
import { customerLogin } from '../../shell/customer_login';
import type { SessionStore } from '../../shell/session_store';
import { useScreen } from '../../shell/use_screen';
import { countServices, SERVICE_KINDS, type ServiceCounts } from './service_counts';

export function Dashboard({ store }: { store: SessionStore }) {
  const heading = useScreen(t('dashboard.title'));
  const client = store.client;
  const session = store.session.value;
  const customer = customerLogin(session);
  const servicesHeading = useId();
  const [counts, setCounts] = useState<ServiceCounts | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    void countServices(client, customer, controller.signal).then((c) => {
      if (!controller.signal.aborted) setCounts(c);
    });
    return () => controller.abort();
  }, [client, customer]);

  return (
    <>
      <h1 ref={heading} tabIndex={-1}>
        {t('dashboard.title')}
      </h1>
      <p>{t('home.welcome', { name: session?.person.name || session?.person.login || '' })}</p>
      <section aria-labelledby={servicesHeading}>
        <h2 id={servicesHeading}>{t('dashboard.services')}</h2>
        <ul class="service-cards">
          {SERVICE_KINDS.map((kind) => {
            const count = counts?.[kind.key];
            return (
              <li key={kind.key} class="service-card">
                <a href={kind.path}>
                  <span class="service-count">
                    {count === undefined
                      ? t('dashboard.counting')
                      : typeof count === 'number'
                        ? t('dashboard.count', { count })
                        : count.more
                          ? t('dashboard.count_more', { count: count.atLeast })
                          : t('dashboard.count_unknown')}
                  </span>
                  <span class="service-name">{t(kind.label)}</span>
                </a>
              </li>
            );
          })}
        </ul>
      </section>
      <TaskSection
        client={client}
        title={t('dashboard.in_progress')}
        empty={t('dashboard.none_in_progress')}
        states={['pending', 'running', 'retry']}
      />
      <TaskSection client={client} title={t('dashboard.failed')} empty={t('dashboard.none_failed')} states={['failed']} />
    </>
  );
}

interface TaskSectionProps {
  client: ApiClient;
  title: string;
  empty: string;
  states: Task['state'][];
}

// The customer's tasks in `states` (the newest first, at most 20), each followed live.
function TaskSection({ client, title, empty, states }: TaskSectionProps) {
  const id = useId();
  const [tasks, setTasks] = useState<Task[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const key = states.join(',');
  useEffect(() => {
    const controller = new AbortController();
    void Promise.all(states.map((state) => listTasks(client, { state, limit: 1000 }, controller.signal))).then((results) => {
      if (controller.signal.aborted) return;
      const found: Task[] = [];
      for (const result of results) {
        if (!result.ok) {
          setError(result.error);
          return;
        }
        found.push(...result.data.tasks);
      }
      setTasks(newestPerObject(found).slice(0, 20));
    });
    return () => controller.abort();
  }, [client, key]);
  const list = useMemo(() => tasks ?? [], [tasks]);

  return (
    <section aria-labelledby={id} class="task-section">
      <h2 id={id}>{title}</h2>
      {error && <p class="list-status error">{apiErrorText(error)}</p>}
      {!error && tasks === null && <p>{t('list.loading')}</p>}
      {!error && tasks !== null && list.length === 0 && <p>{empty}</p>}
      {list.length > 0 && (
        <ul class="task-list">
          {list.map((task) => (
            <li key={task.id}>
              <span class="task-object">{t('dashboard.task', { kind: task.kind, object: task.object_key })}</span>
              <TaskStatus client={client} id={task.id} initial={task} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

// The newest task of each object, newest first: an object's older failure is not news once a
// newer task for it failed too.
function newestPerObject(tasks: Task[]): Task[] {
  const byObject = new Map<string, Task>();
  for (const task of tasks) {
    const seen = byObject.get(task.object_key);
    if (!seen || seen.id < task.id) byObject.set(task.object_key, task);
  }
  return [...byObject.values()].sort((a, b) => b.id - a.id);
}
