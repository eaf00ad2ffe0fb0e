// One's own browser sessions: where and when each began, when it was last used, its browser; the
// session of this browser marked. Any other can be ended, one by one or all at once (the person
// who sees a session they do not know ends it, then changes the password).
import { useMemo, useState } from 'preact/hooks';
import { type AccountSession, endSession, listSessions } from '../../api/account';
import type { ApiError } from '../../api/client';
import { t } from '../../i18n/i18n';
import { refusalText } from '../../kit/form/refusal_text';
import type { PageSource } from '../../kit/list/page_source';
import { PagedList, type Column } from '../../kit/list/paged_list';
import type { SessionStore } from '../../shell/session_store';
import { useScreen } from '../../shell/use_screen';
import { SettingsFrame } from '../settings/settings_frame';

function when(iso: string | undefined): string {
  return iso ? new Date(iso).toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short' }) : '';
}

// GET /sessions as one page, this browser's session first.
function sessionSource(store: SessionStore, seen: (all: AccountSession[]) => void): PageSource<AccountSession> {
  return {
    searchable: false,
    async fetch(_request, signal) {
      const result = await listSessions(store.client, signal);
      if (!result.ok) return result;
      const all = [...(result.data.sessions ?? [])].sort((a, b) => Number(b.current ?? false) - Number(a.current ?? false));
      seen(all);
      return { ...result, data: { items: all, next: null } };
    },
  };
}

export function Sessions({ store }: { store: SessionStore }) {
  const heading = useScreen(t('sessions.title'));
  const client = store.client;
  const [version, setVersion] = useState(0);
  const [others, setOthers] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [ended, setEnded] = useState<number | null>(null);
  const source = useMemo(
    () => sessionSource(store, (all) => setOthers(all.filter((s) => !s.current).map((s) => s.id ?? ''))),
    [store, version],
  );

  // Ends the sessions `ids`, one request each; stops at the first refusal.
  const end = async (ids: string[]) => {
    setBusy(true);
    setError(null);
    let count = 0;
    for (const id of ids) {
      const result = await endSession(client, id);
      // Gone already (it expired, or another tab ended it): what was asked for is true.
      if (!result.ok && result.error.status !== 404) {
        setError(result.error);
        break;
      }
      count += 1;
    }
    setBusy(false);
    setEnded(count);
    setVersion((v) => v + 1);
  };

  const columns: Column<AccountSession>[] = [
    {
      header: t('sessions.col_session'),
      cell: (s) => (s.current ? <strong>{t('sessions.this_one')}</strong> : t('sessions.other')),
    },
    { header: t('sessions.col_started'), cell: (s) => when(s.created_at) },
    { header: t('sessions.col_last_seen'), cell: (s) => when(s.last_seen) },
    { header: t('sessions.col_source'), cell: (s) => s.source ?? '' },
    { header: t('sessions.col_browser'), cell: (s) => <span class="user-agent">{s.user_agent ?? ''}</span> },
    {
      header: t('list.actions'),
      cell: (s) =>
        s.current ? (
          ''
        ) : (
          <button
            type="button"
            disabled={busy}
            aria-label={t('sessions.end_label', { started: when(s.created_at), source: s.source ?? '' })}
            onClick={() => void end([s.id ?? ''])}
          >
            {t('sessions.end')}
          </button>
        ),
    },
  ];

  return (
    <SettingsFrame heading={heading} title={t('sessions.title')}>
      <section class="panel" aria-label={t('sessions.end_others')}>
        <p>{t('sessions.intro')}</p>
        <button type="button" class="primary-inline" disabled={busy || others.length === 0} onClick={() => void end(others)}>
          {t('sessions.end_others')}
        </button>
        <p role="status" class="list-status">
          {ended !== null && !error ? t('sessions.ended', { count: ended }) : ''}
        </p>
        {error && (
          <p class="field-error" role="alert">
            {refusalText(error)}
          </p>
        )}
      </section>
      <PagedList source={source} columns={columns} caption={t('sessions.list')} rowKey={(s) => s.id ?? ''} />
    </SettingsFrame>
  );
}
