// What every manager screen (sites, mailboxes, DNS, …) shares: the changes made on it (followed
// live), and a version number that reloads its list after an add or a delete. track() records
// the answer of an add or delete: its tasks go into the change list and the list reloads.
import { useMemo, useState } from 'preact/hooks';
import type { ApiError, ApiResult } from '../../api/client';
import type { ChangeAnswer } from '../../api/endpoints';
import { ChangeListState } from './change_list_state';

export interface Manager {
  version: number;
  changes: ChangeListState;
  // Records an accepted change (its tasks, the list reloaded) and returns null, or returns the
  // refusal untouched. With `note`, the change shows the note instead of following its tasks.
  track(label: string, result: ApiResult<ChangeAnswer>, note?: string): ApiError | null;
}

export function useManager(): Manager {
  const [version, setVersion] = useState(0);
  const changes = useMemo(() => new ChangeListState(), []);
  return {
    version,
    changes,
    track(label, result, note) {
      if (!result.ok) return result.error;
      changes.add(label, result.data.tasks ?? [], note);
      setVersion((v) => v + 1);
      return null;
    },
  };
}
