import { cleanup, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiResult } from '../../api/client';
import type { Task } from '../../api/endpoints';
import { FakeApiClient, fail, ok } from '../../testing/fake_api_client';
import { TaskStatus } from './task_status';
import { TaskWatcher, type Sleep } from './task_watcher';

afterEach(cleanup);

function task(state: Task['state'], extra: Partial<Task> = {}): Task {
  return {
    id: 41,
    node: 'local',
    node_id: 1,
    revision: 3,
    object_key: 'site:shop.acme.example',
    kind: 'site.ensure',
    spec: {},
    state,
    error: '',
    attempts: 1,
    next_attempt_at: null,
    created_at: '2026-12-06T20:00:00.000Z',
    updated_at: '2026-12-06T20:00:00.000Z',
    applied_at: null,
    duration_ms: null,
    change_id: 9,
    ...extra,
  };
}

// Answers the long polls in order, one scripted answer per call; the test releases each.
function scriptedClient(answers: ApiResult<unknown>[]) {
  const pending: (() => void)[] = [];
  const client = new FakeApiClient(
    () =>
      new Promise((resolve) => {
        const answer = answers.shift();
        if (!answer) return; // never answers: the watcher is stopped by the test
        pending.push(() => resolve(answer));
      }),
  );
  const releaseNext = () => pending.shift()?.();
  return { client, releaseNext };
}

const noSleep: Sleep = async () => {};

describe('TaskStatus', () => {
  it('goes from pending to applied as the long poll answers', async () => {
    const { client, releaseNext } = scriptedClient([ok({ task: task('pending') }), ok({ task: task('applied') })]);
    render(<TaskStatus client={client} id={41} initial={task('pending')} />);
    expect(screen.getByRole('status').textContent).toBe('Pending');
    await waitFor(() => expect(client.calls).toHaveLength(1));
    expect(client.calls[0]).toMatchObject({ method: 'GET', path: '/tasks/41/wait', options: { query: { timeout_ms: 30000 } } });
    releaseNext(); // the poll timed out, still pending: ask again
    await waitFor(() => expect(client.calls).toHaveLength(2));
    expect(screen.getByRole('status').textContent).toBe('Pending');
    releaseNext();
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Applied'));
    expect(screen.getByRole('status').className).toContain('state-applied');
    await new Promise((r) => setTimeout(r, 20));
    expect(client.calls).toHaveLength(2); // final: no more polls
  });

  it('shows the daemon’s own message when the task failed, as text', async () => {
    const message = 'nginx: [emerg] unknown directive "<b>bogus</b>" in /etc/nginx/sites/x.conf:3';
    const { client, releaseNext } = scriptedClient([ok({ task: task('failed', { error: message }) })]);
    render(<TaskStatus client={client} id={41} />);
    expect(screen.getByRole('status').textContent).toBe('State unknown');
    await waitFor(() => expect(client.calls).toHaveLength(1));
    releaseNext();
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe(`FailedThe server said: ${message}`));
    expect(document.querySelector('b')).toBeNull();
  });

  it('says when a task waits for a retry or was replaced', async () => {
    const { client, releaseNext } = scriptedClient([
      ok({ task: task('retry', { attempts: 3 }) }),
      ok({ task: task('superseded') }),
    ]);
    render(<TaskStatus client={client} id={41} />);
    await waitFor(() => expect(client.calls).toHaveLength(1));
    releaseNext();
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Waiting to retry (attempt 3)'));
    releaseNext();
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Replaced by a newer change'));
  });

  it('stops polling when it is removed from the page', async () => {
    const { client } = scriptedClient([]);
    const view = render(<TaskStatus client={client} id={41} initial={task('pending')} />);
    await waitFor(() => expect(client.calls).toHaveLength(1));
    const signal = client.calls[0]?.options.signal;
    expect(signal?.aborted).toBe(false);
    view.unmount();
    await waitFor(() => expect(signal?.aborted).toBe(true));
  });
});

describe('TaskWatcher', () => {
  it('retries after a lost connection or a 5xx, with growing pauses, and says so', async () => {
    const pauses: number[] = [];
    const answers: ApiResult<unknown>[] = [
      fail({ status: 0, code: 'network' }),
      fail({ status: 503, code: 'unavailable', retryAfterSeconds: 7 }),
      fail({ status: 502, code: 'unexpected' }),
      ok({ task: task('applied') }),
    ];
    const client = new FakeApiClient(() => answers.shift() ?? fail({ status: 500, code: 'internal' }));
    const watcher = new TaskWatcher(client, 41, task('pending'), {
      backoffMs: [100, 200],
      sleep: async (ms) => {
        pauses.push(ms);
        expect(watcher.connection.value).toBe('lost');
      },
    });
    await watcher.run();
    expect(pauses).toEqual([100, 7000, 200]);
    expect(watcher.task.value?.state).toBe('applied');
    expect(watcher.connection.value).toBe('ok');
    expect(client.calls).toHaveLength(4);
  });

  it('ends the watch on an answer a retry cannot fix', async () => {
    const client = new FakeApiClient(() => fail({ status: 404, code: 'not_found' }));
    const watcher = new TaskWatcher(client, 41, task('pending'), { sleep: noSleep });
    await watcher.run();
    expect(client.calls).toHaveLength(1);
    expect(watcher.error.value?.code).toBe('not_found');
    expect(watcher.task.value?.state).toBe('pending');
  });

  it('asks nothing for a task that is already final', async () => {
    const client = new FakeApiClient(() => ok({ task: task('applied') }));
    await new TaskWatcher(client, 41, task('failed'), { sleep: noSleep }).run();
    expect(client.calls).toHaveLength(0);
  });
});
