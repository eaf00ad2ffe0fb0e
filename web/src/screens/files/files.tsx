// The customer's files (/files?path=<folder>): the home's folders with breadcrumbs and "up", a
// folder's entries as the API sorts and pages them (folders first on each page), uploads in parts
// with progress and resume, download, a new folder, rename or move, delete to the trash, and a
// text file's editor. Every name comes from the API and is rendered as text; links and entries of
// other users are shown as the API reports them, never opened.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso/router';
import type { ApiClient, ApiError } from '../../api/client';
import {
  deleteFile,
  downloadUrl,
  MAX_DOWNLOAD_BYTES,
  makeFolder,
  type FileEntry,
  type FileSort,
  type SortOrder,
} from '../../api/files';
import { t } from '../../i18n/i18n';
import { refusalText } from '../../kit/form/refusal_text';
import { PagedList, type Column } from '../../kit/list/paged_list';
import { ConfirmButton } from '../../kit/manager/confirm_button';
import { customerLogin } from '../../shell/customer_login';
import type { SessionStore } from '../../shell/session_store';
import { useScreen } from '../../shell/use_screen';
import { breadcrumbs, folderUrl, joinPath, modeOctal, modeText, parentPath, splitPath } from './file_path';
import { FileEditor } from './file_editor';
import { folderSource } from './folder_source';
import { RenameButton } from './rename_button';
import { UploadZone } from './upload_zone';

export const EDIT_MAX_BYTES = 1024 * 1024;

export function Files({ store }: { store: SessionStore }) {
  const heading = useScreen(t('files.title'));
  const client = store.client;
  const login = customerLogin(store.session.value);
  const folder = splitPath(useLocation().query['path'] ?? '').join('/');
  const [sort, setSort] = useState<FileSort>('name');
  const [order, setOrder] = useState<SortOrder>('asc');
  const [version, setVersion] = useState(0);
  const [editing, setEditing] = useState<string | null>(null);
  const [said, setSaid] = useState('');
  const reload = () => setVersion((n) => n + 1);
  // Another folder opened (a link, a breadcrumb, "up"): focus to the top of the screen, as on a
  // new screen, so the keyboard and a screen reader start from there; what was said is done.
  const shown = useRef(folder);
  useEffect(() => {
    if (shown.current === folder) return;
    shown.current = folder;
    setSaid('');
    setEditing(null);
    heading.current?.focus();
  }, [folder]);
  const source = useMemo(
    () => folderSource(client, login, folder, sort, order),
    [client, login, folder, sort, order, version],
  );

  const columns: Column<FileEntry>[] = [
    { header: t('files.col_name'), cell: (e) => <EntryName entry={e} folder={folder} /> },
    {
      header: t('files.col_size'),
      cell: (e) => (e.type === 'file' && e.size !== undefined ? sizeText(e.size) : ''),
    },
    { header: t('files.col_modified'), cell: (e) => (e.mtime_ns !== undefined ? timeText(e.mtime_ns) : '') },
    {
      header: t('files.col_permissions'),
      cell: (e) =>
        e.mode !== undefined ? (
          <span class="mode" title={modeOctal(e.mode)}>
            {modeText(e.mode)} <span class="mode-octal">({modeOctal(e.mode)})</span>
          </span>
        ) : (
          ''
        ),
    },
    {
      header: t('list.actions'),
      cell: (e) => (
        <EntryActions
          client={client}
          login={login}
          entry={e}
          path={joinPath(folder, e.name)}
          onEdit={setEditing}
          onChanged={(words) => {
            setSaid(words);
            reload();
          }}
        />
      ),
    },
  ];

  return (
    <>
      <h1 ref={heading} tabIndex={-1}>
        {t('files.title')}
      </h1>
      <p>{t('files.intro')}</p>
      <nav class="breadcrumbs" aria-label={t('files.breadcrumbs')}>
        <ol>
          {breadcrumbs(folder).map((c) => (
            <li key={c.path}>
              {c.path === folder ? (
                <span aria-current="page">{c.name || t('files.home')}</span>
              ) : (
                <a href={folderUrl(c.path)}>{c.name || t('files.home')}</a>
              )}
            </li>
          ))}
        </ol>
      </nav>
      <div class="files-toolbar">
        {folder !== '' && (
          <a class="button-link" href={folderUrl(parentPath(folder))}>
            {t('files.up')}
          </a>
        )}
        <SortControls sort={sort} order={order} onSort={setSort} onOrder={setOrder} />
      </div>
      <p role="status" class="files-said">
        {said}
      </p>
      {editing !== null && (
        <FileEditor
          key={editing}
          client={client}
          login={login}
          path={editing}
          onClose={() => setEditing(null)}
          onSaved={reload}
        />
      )}
      <PagedList
        key={`${folder}\n${sort}\n${order}`}
        source={source}
        columns={columns}
        caption={t('files.list', { folder: folder || t('files.home') })}
        rowKey={(e) => e.name}
        pageSize={50}
      />
      <div class="files-forms">
        <NewFolder
          client={client}
          login={login}
          folder={folder}
          onMade={(name) => {
            setSaid(t('files.folder_made', { name }));
            reload();
          }}
        />
        <UploadZone client={client} login={login} folder={folder} onUploaded={reload} />
      </div>
    </>
  );
}

function EntryName({ entry, folder }: { entry: FileEntry; folder: string }) {
  if (entry.type === 'directory') {
    return (
      <a href={folderUrl(joinPath(folder, entry.name))} class="entry-dir">
        {entry.name}/
      </a>
    );
  }
  return (
    <span class={`entry-${entry.type}`}>
      {entry.name}
      {entry.type !== 'file' && <span class="entry-kind"> {t('files.kind', { type: entry.type })}</span>}
    </span>
  );
}

interface EntryActionsProps {
  client: ApiClient;
  login: string;
  entry: FileEntry;
  path: string;
  onEdit: (path: string) => void;
  onChanged: (words: string) => void;
}

function EntryActions({ client, login, entry, path, onEdit, onChanged }: EntryActionsProps) {
  const own = entry.type === 'file' || entry.type === 'directory' || entry.type === 'symlink';
  const file = entry.type === 'file';
  const size = entry.size ?? 0;
  return (
    <div class="row-actions">
      {file && size <= MAX_DOWNLOAD_BYTES && (
        <a
          class="button-link"
          href={downloadUrl(login, path)}
          download={entry.name}
          aria-label={t('files.download_label', { name: entry.name })}
        >
          {t('files.download')}
        </a>
      )}
      {file && size <= EDIT_MAX_BYTES && (
        <button type="button" aria-label={t('files.edit_label', { name: entry.name })} onClick={() => onEdit(path)}>
          {t('files.edit')}
        </button>
      )}
      {own && (
        <RenameButton
          client={client}
          login={login}
          path={path}
          onMoved={(to) => onChanged(t('files.moved', { name: entry.name, to }))}
        />
      )}
      {own && (
        <ConfirmButton
          words={{
            start: t('delete.start'),
            startLabel: t('delete.start_label', { name: entry.name }),
            question: t('files.delete_question', { name: entry.name }),
            confirm: t('files.delete_confirm'),
            busy: t('delete.busy'),
            cancel: t('delete.cancel'),
          }}
          onConfirm={async () => {
            const done = await deleteFile(client, login, path);
            if (!done.ok) return done.error;
            const name = entry.name;
            onChanged(done.data.trash ? t('files.trashed', { name }) : t('files.deleted', { name }));
            return null;
          }}
        />
      )}
    </div>
  );
}

interface NewFolderProps {
  client: ApiClient;
  login: string;
  folder: string;
  onMade: (name: string) => void;
}

function NewFolder({ client, login, folder, onMade }: NewFolderProps) {
  const [name, setName] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  return (
    <section class="panel" aria-labelledby="new-folder-h">
      <h2 id="new-folder-h">{t('files.new_folder')}</h2>
      <form
        class="inline-form"
        onSubmit={async (e) => {
          e.preventDefault();
          if (name.trim() === '') return;
          const made = await makeFolder(client, login, joinPath(folder, name.trim()));
          if (!made.ok) return setError(made.error);
          setError(null);
          setName('');
          onMade(name.trim());
        }}
      >
        <label for="new-folder-name">{t('files.folder_name')}</label>
        <input
          id="new-folder-name"
          value={name}
          autoComplete="off"
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? 'new-folder-error' : undefined}
          onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)}
        />
        <button type="submit">{t('files.make_folder')}</button>
        {error && (
          <span id="new-folder-error" class="field-error" role="alert">
            {refusalText(error)}
          </span>
        )}
      </form>
    </section>
  );
}

function SortControls(props: {
  sort: FileSort;
  order: SortOrder;
  onSort: (s: FileSort) => void;
  onOrder: (o: SortOrder) => void;
}) {
  return (
    <div class="sort-controls">
      <label for="files-sort">{t('files.sort_by')}</label>
      <select
        id="files-sort"
        value={props.sort}
        onChange={(e) => props.onSort((e.currentTarget as HTMLSelectElement).value as FileSort)}
      >
        <option value="name">{t('files.col_name')}</option>
        <option value="size">{t('files.col_size')}</option>
        <option value="mtime">{t('files.col_modified')}</option>
      </select>
      <label for="files-order">{t('files.order')}</label>
      <select
        id="files-order"
        value={props.order}
        onChange={(e) => props.onOrder((e.currentTarget as HTMLSelectElement).value as SortOrder)}
      >
        <option value="asc">{t('files.ascending')}</option>
        <option value="desc">{t('files.descending')}</option>
      </select>
    </div>
  );
}

function sizeText(bytes: number): string {
  if (bytes < 1024) return t('files.bytes', { n: bytes });
  if (bytes < 1024 * 1024) return t('files.kib', { n: (bytes / 1024).toFixed(1) });
  return t('files.mib', { n: (bytes / (1024 * 1024)).toFixed(1) });
}

function timeText(mtimeNs: number): string {
  return new Date(mtimeNs / 1e6).toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short' });
}
