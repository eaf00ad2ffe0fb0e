// The changes a person made on one screen, newest first, each with the tasks it queued: what the
// screen follows live (pending → applied, or failed with the daemon's words) after "add" or
// "delete". Keeps the last few only. Owned by the screen; UI thread only.
import { signal } from '@preact/signals';
import type { Task } from '../../api/endpoints';

export interface TrackedChange {
  key: number;
  label: string; // what the person did, in words ("Added site shop.example")
  tasks: Task[];
  // Instead of following the tasks: what the person should know (e.g. a deleted customer's tasks
  // are no longer the reseller's to read).
  note?: string;
}

export class ChangeListState {
  readonly changes = signal<TrackedChange[]>([]);
  private nextKey = 1;

  constructor(private readonly keep = 8) {}

  add(label: string, tasks: Task[], note?: string): void {
    const change = note === undefined ? { key: this.nextKey++, label, tasks } : { key: this.nextKey++, label, tasks: [], note };
    this.changes.value = [change, ...this.changes.value].slice(0, this.keep);
  }
}
