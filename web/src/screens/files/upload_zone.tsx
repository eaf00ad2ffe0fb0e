// Uploads into the open folder: a file input (which is also the drop zone for files dragged from
// the desktop), then one row per file with a progress bar, the API's words when a part is
// refused or the connection is lost, and "Resume" to carry on where the API says it stopped.
import { useId, useState } from 'preact/hooks';
import type { ApiClient } from '../../api/client';
import { t } from '../../i18n/i18n';
import { refusalText } from '../../kit/form/refusal_text';
import { ChunkedUpload } from './chunked_upload';
import { joinPath } from './file_path';

interface UploadZoneProps {
  client: ApiClient;
  login: string;
  folder: string;
  onUploaded: () => void;
}

export function UploadZone({ client, login, folder, onUploaded }: UploadZoneProps) {
  const [uploads, setUploads] = useState<ChunkedUpload[]>([]);
  const [over, setOver] = useState(false);
  const inputId = useId();

  const start = (files: FileList | null) => {
    if (!files || files.length === 0) return;
    const added = [...files].map((f) => new ChunkedUpload(client, login, joinPath(folder, f.name), f));
    setUploads((now) => [...added, ...now.filter((u) => u.phase.value !== 'done')]);
    for (const u of added) void u.run().then((phase) => phase === 'done' && onUploaded());
  };

  return (
    <section class="panel upload" aria-labelledby={`${inputId}-h`}>
      <h2 id={`${inputId}-h`}>{t('files.upload')}</h2>
      <label
        for={inputId}
        class={over ? 'drop-zone over' : 'drop-zone'}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          start(e.dataTransfer?.files ?? null);
        }}
      >
        {t('files.drop_hint')}
      </label>
      <input
        id={inputId}
        type="file"
        multiple
        onChange={(e) => {
          const input = e.currentTarget as HTMLInputElement;
          start(input.files);
          input.value = '';
        }}
      />
      <p class="field-hint">{t('files.upload_replaces')}</p>
      {uploads.length > 0 && (
        <ul class="uploads">
          {uploads.map((u) => (
            <UploadRow key={u.path} upload={u} onUploaded={onUploaded} />
          ))}
        </ul>
      )}
    </section>
  );
}

function UploadRow({ upload, onUploaded }: { upload: ChunkedUpload; onUploaded: () => void }) {
  const phase = upload.phase.value;
  const sent = upload.sent.value;
  const error = upload.error.value;
  const percent = upload.size === 0 ? 100 : Math.floor((sent * 100) / upload.size);
  return (
    <li class={`upload-row upload-${phase}`}>
      <span class="upload-name">{upload.path}</span>
      <progress max={100} value={percent} aria-label={t('files.progress_of', { name: upload.path })}>
        {percent}%
      </progress>
      <span role="status">{t('files.upload_state', { phase, percent })}</span>
      {phase === 'stopped' && error && (
        <>
          <span class="field-error" role="alert">
            {refusalText(error)}
          </span>
          <button type="button" onClick={() => void upload.run().then((p) => p === 'done' && onUploaded())}>
            {t('files.resume')}
          </button>
        </>
      )}
    </li>
  );
}
