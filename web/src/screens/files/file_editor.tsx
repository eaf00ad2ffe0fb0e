// A text file opened in a <textarea>: saved with the modification time it was read at as the
// precondition (if_mtime_ns), so a save over someone else's change is refused (file.changed):
// the editor then says so and offers to reload the file (losing the edits here, which stay on
// screen until then so they can be copied).
import { useEffect, useId, useState } from 'preact/hooks';
import type { ApiClient, ApiError } from '../../api/client';
import { putFilePart, readTextFile } from '../../api/files';
import { t } from '../../i18n/i18n';
import { refusalText } from '../../kit/form/refusal_text';
import { baseName } from './file_path';

interface FileEditorProps {
  client: ApiClient;
  login: string;
  path: string;
  onClose: () => void;
  onSaved: () => void;
}

type EditorState = 'loading' | 'editing' | 'saving' | 'saved' | 'conflict' | 'failed';

export function FileEditor({ client, login, path, onClose, onSaved }: FileEditorProps) {
  const [state, setState] = useState<EditorState>('loading');
  const [text, setText] = useState('');
  const [mtime, setMtime] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [loads, setLoads] = useState(0);
  const id = useId();
  const name = baseName(path);

  useEffect(() => {
    const abort = new AbortController();
    setState('loading');
    void readTextFile(client, login, path, abort.signal).then((r) => {
      if (abort.signal.aborted) return;
      if (!r.ok) {
        setError(r.error);
        setState('failed');
        return;
      }
      setText(r.data.text);
      setMtime(r.data.mtimeNs);
      setError(null);
      setState('editing');
    });
    return () => abort.abort();
  }, [client, login, path, loads]);

  const save = async () => {
    setState('saving');
    const saved = await putFilePart(
      client,
      login,
      { path, offset: 0, last: true, if_mtime_ns: mtime },
      new Blob([text], { type: 'application/octet-stream' }),
    );
    if (!saved.ok) {
      setError(saved.error);
      setState(saved.error.fields['if_mtime'] === 'file.changed' ? 'conflict' : 'failed');
      return;
    }
    // The answer's mtime_ns is a JSON number, not exact to the nanosecond: read the time again
    // from the header, with the contents, which must be what was saved.
    const again = await readTextFile(client, login, path);
    if (again.ok && again.data.text === text) {
      setMtime(again.data.mtimeNs);
      setState('saved');
    } else {
      setState('conflict');
    }
    onSaved();
  };

  return (
    <section class="panel editor" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{t('files.editing', { name })}</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <label for={id}>{t('files.contents_of', { name })}</label>
        <textarea
          id={id}
          rows={18}
          spellcheck={false}
          value={text}
          disabled={state === 'loading'}
          onInput={(e) => {
            setText((e.currentTarget as HTMLTextAreaElement).value);
            if (state === 'saved') setState('editing');
          }}
        />
        <p role="status" class="editor-status">
          {state === 'loading' && t('files.loading_file')}
          {state === 'saved' && t('files.saved', { name })}
        </p>
        {state === 'conflict' && (
          <div class="form-alert" role="alert">
            <p>{t('files.conflict', { name })}</p>
            <button type="button" onClick={() => setLoads((n) => n + 1)}>
              {t('files.reload')}
            </button>
          </div>
        )}
        {state === 'failed' && error && (
          <p class="form-alert" role="alert">
            {refusalText(error)}
          </p>
        )}
        <div class="row-actions">
          <button type="submit" class="primary" disabled={state === 'loading' || state === 'saving'}>
            {state === 'saving' ? t('files.saving') : t('files.save')}
          </button>
          <button type="button" onClick={onClose}>
            {t('files.close')}
          </button>
        </div>
      </form>
    </section>
  );
}
