// Follows one task until it is final (applied, failed or superseded) over the API's long poll,
// GET /tasks/{id}/wait: each call answers as soon as the task is final, or with the task as it is
// after timeoutMs, and the watcher asks again. A lost connection or a 5xx is retried after a
// growing pause (connection = 'lost' meanwhile); an answer the retry cannot fix (404, 401, 403)
// ends the watch with `error` set. Server-Sent Events will replace the long poll as the first
// choice when the controller has them (the long poll stays as the fallback).
// Owned by the component that shows the task; UI thread only; stop() ends it for good.
import { signal } from '@preact/signals';
import type { ApiClient, ApiError } from '../../api/client';
import { FINAL_TASK_STATES, type Task, waitTask } from '../../api/endpoints';

export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export interface TaskWatcherOptions {
  timeoutMs?: number; // each long poll's timeout_ms (the API allows up to 60000)
  backoffMs?: readonly number[]; // pauses after failures; the last one repeats
  sleep?: Sleep;
}

const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

export class TaskWatcher {
  readonly task = signal<Task | null>(null);
  readonly connection = signal<'ok' | 'lost'>('ok');
  readonly error = signal<ApiError | null>(null);
  private readonly controller = new AbortController();
  private readonly timeoutMs: number;
  private readonly backoffMs: readonly number[];
  private readonly sleep: Sleep;

  constructor(
    private readonly client: ApiClient,
    readonly id: number,
    initial: Task | null = null,
    options: TaskWatcherOptions = {},
  ) {
    this.task.value = initial;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.backoffMs = options.backoffMs ?? [1_000, 2_000, 5_000, 10_000];
    this.sleep = options.sleep ?? realSleep;
  }

  get final(): boolean {
    const state = this.task.value?.state;
    return state !== undefined && FINAL_TASK_STATES.has(state);
  }

  // Runs until the task is final, an unrecoverable answer arrives, or stop(). Resolves then.
  async run(): Promise<void> {
    let failures = 0;
    const signal = this.controller.signal;
    while (!signal.aborted && !this.final) {
      const result = await waitTask(this.client, this.id, { timeout_ms: this.timeoutMs }, signal);
      if (signal.aborted) return;
      if (result.ok) {
        failures = 0;
        this.connection.value = 'ok';
        this.task.value = result.data.task;
        continue;
      }
      const { error } = result;
      const retryable = error.status === 0 || error.status >= 500 || error.status === 429;
      if (!retryable) {
        this.error.value = error;
        return;
      }
      this.connection.value = 'lost';
      const pause = this.backoffMs[Math.min(failures, this.backoffMs.length - 1)] ?? 1_000;
      failures += 1;
      await this.sleep(Math.max(pause, (error.retryAfterSeconds ?? 0) * 1000), signal);
    }
  }

  stop(): void {
    this.controller.abort();
  }
}
