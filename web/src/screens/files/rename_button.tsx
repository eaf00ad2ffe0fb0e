// "Rename or move" for one entry: a box with its name (a new name keeps it in its folder; a path
// with '/' moves it, from the home), sent as POST /files/move, which never replaces anything.
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import type { ApiClient, ApiError } from '../../api/client';
import { moveFile } from '../../api/files';
import { t } from '../../i18n/i18n';
import { refusalText } from '../../kit/form/refusal_text';
import { baseName, moveTarget } from './file_path';

interface RenameButtonProps {
  client: ApiClient;
  login: string;
  path: string;
  onMoved: (to: string) => void;
}

export function RenameButton({ client, login, path, onMoved }: RenameButtonProps) {
  const name = baseName(path);
  const [open, setOpen] = useState(false);
  const [value, setValue] = useState(name);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const box = useRef<HTMLInputElement>(null);
  const id = useId();
  useEffect(() => {
    if (open) box.current?.select();
  }, [open]);

  if (!open) {
    return (
      <button type="button" aria-label={t('files.rename_label', { name })} onClick={() => setOpen(true)}>
        {t('files.rename')}
      </button>
    );
  }
  return (
    <form
      class="rename"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        const to = moveTarget(path, value);
        const moved = await moveFile(client, login, path, to);
        setBusy(false);
        if (!moved.ok) return setError(moved.error);
        setOpen(false);
        onMoved(to);
      }}
    >
      <label for={id}>{t('files.new_name', { name })}</label>
      <input id={id} ref={box} value={value} onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)} />
      <button type="submit" disabled={busy}>
        {t('files.rename_submit')}
      </button>
      <button type="button" onClick={() => setOpen(false)}>
        {t('files.cancel')}
      </button>
      {error && (
        <span class="field-error" role="alert">
          {refusalText(error)}
        </span>
      )}
    </form>
  );
}
