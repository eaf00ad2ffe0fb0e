// Recovery codes, shown once (after turning the second factor on, or after asking for new ones):
// a warning that they will not be shown again, the codes, "Copy" (to the clipboard, when the
// browser allows it), "Download" (a text file made in the browser) and "I have saved them",
// which closes the list for good. Focus lands on the heading so that the warning is read first.
import { useEffect, useId, useMemo, useRef, useState } from 'preact/hooks';
import { t } from '../../i18n/i18n';

type CopyState = 'idle' | 'copied' | 'failed';

interface RecoveryCodesProps {
  codes: string[];
  onDone: () => void;
}

export function RecoveryCodes({ codes, onDone }: RecoveryCodesProps) {
  const id = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const [copy, setCopy] = useState<CopyState>('idle');
  const text = `${codes.join('\n')}\n`;
  const download = useMemo(() => URL.createObjectURL(new Blob([text], { type: 'text/plain' })), [text]);
  useEffect(() => () => URL.revokeObjectURL(download), [download]);
  useEffect(() => heading.current?.focus(), []);

  return (
    <section class="panel recovery-codes" aria-labelledby={id}>
      <h2 id={id} ref={heading} tabIndex={-1}>
        {t('recovery.title')}
      </h2>
      <p class="warning">{t('recovery.warning')}</p>
      <ul class="code-list" aria-label={t('recovery.list')}>
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ul>
      <div class="row-actions">
        <button
          type="button"
          onClick={async () => {
            try {
              await navigator.clipboard.writeText(text);
              setCopy('copied');
            } catch {
              setCopy('failed');
            }
          }}
        >
          {t('recovery.copy')}
        </button>
        <a class="button" href={download} download="hostplane-recovery-codes.txt">
          {t('recovery.download')}
        </a>
        <button type="button" class="primary-inline" onClick={onDone}>
          {t('recovery.done')}
        </button>
      </div>
      <p role="status" class="list-status">
        {copy === 'copied' ? t('recovery.copied') : copy === 'failed' ? t('recovery.copy_failed') : ''}
      </p>
    </section>
  );
}
