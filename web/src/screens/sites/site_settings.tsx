// One website's settings: its other names, PHP version and folder, and — once it has a
// certificate — whether HTTP is sent to HTTPS and whether browsers are told to keep to HTTPS
// (HSTS). Saved with PATCH /sites/{domain}; the change is followed live; the API's field codes
// are shown beside the fields.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso/router';
import type { ApiError } from '../../api/client';
import { getSite, type Site, type SitePatch, updateSite } from '../../api/endpoints';
import { t } from '../../i18n/i18n';
import { apiErrorText } from '../../kit/form/api_error_text';
import { CheckboxField } from '../../kit/form/checkbox_field';
import { Form } from '../../kit/form/form';
import { FormState } from '../../kit/form/form_state';
import { splitList } from '../../kit/form/split_list';
import { SubmitButton } from '../../kit/form/submit_button';
import { TextField } from '../../kit/form/text_field';
import { ChangeList } from '../../kit/manager/change_list';
import { useManager } from '../../kit/manager/use_manager';
import type { SessionStore } from '../../shell/session_store';
import { useScreen } from '../../shell/use_screen';

type Field = 'aliases' | 'php' | 'docroot' | 'https_redirect' | 'hsts';

export function sitePath(domain: string): string {
  return `/sites/${encodeURIComponent(domain)}`;
}

export function SiteSettings({ store }: { store: SessionStore }) {
  const domain = decodeURIComponent(useRoute().params['domain'] ?? '');
  const heading = useScreen(t('site.title', { domain }));
  const client = store.client;
  const manager = useManager();
  const [site, setSite] = useState<Site | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const form = useMemo(
    () => new FormState<Field>({ aliases: '', php: '', docroot: '', https_redirect: 'true', hsts: 'false' }),
    [],
  );
  useEffect(() => {
    const controller = new AbortController();
    void getSite(client, domain, controller.signal).then((result) => {
      if (controller.signal.aborted) return;
      if (!result.ok) {
        setError(result.error);
        return;
      }
      const s = result.data.site;
      form.values.aliases.value = s.aliases.join(', ');
      form.values.php.value = s.php ?? '';
      form.values.docroot.value = s.docroot;
      form.values.https_redirect.value = String(s.settings?.https_redirect ?? true);
      form.values.hsts.value = String(s.settings?.hsts ?? false);
      setSite(s);
    });
    return () => controller.abort();
  }, [client, domain]);

  const submit = async () => {
    if (!form.checkRequired(['docroot'])) return;
    const aliases = splitList(form.value('aliases'));
    const patch: SitePatch = { aliases, php: form.value('php').trim(), docroot: form.value('docroot').trim() };
    if (site?.https) {
      patch.settings = { https_redirect: form.value('https_redirect') === 'true', hsts: form.value('hsts') === 'true' };
    }
    const result = await updateSite(client, domain, patch);
    const refused = manager.track(t('site.saved', { domain }), result);
    if (refused) {
      const map: Partial<Record<string, Field>> = { 'settings.https_redirect': 'https_redirect', 'settings.hsts': 'hsts' };
      aliases.forEach((_, i) => (map[`aliases[${i}]`] = 'aliases'));
      form.applyApiError(refused, map);
    } else if (result.ok) {
      form.clearErrors();
      setSite(result.data.site);
    }
  };

  return (
    <>
      <h1 ref={heading} tabIndex={-1}>
        {t('site.title', { domain })}
      </h1>
      <p>
        <a href="/sites">{t('site.back')}</a>
      </p>
      {error && (
        <p class="list-status error" role="alert">
          {apiErrorText(error)}
        </p>
      )}
      {!error && !site && <p role="status">{t('list.loading')}</p>}
      {site && (
        <section class="panel" aria-label={t('site.form')}>
          <p>{site.https ? t('site.https_on') : t('site.https_off')}</p>
          <Form state={form} onSubmit={submit} label={t('site.form')}>
            <TextField name="aliases" label={t('sites.aliases')} hint={t('sites.aliases_hint')} autoComplete="off" />
            <TextField name="php" label={t('sites.php')} hint={t('sites.php_hint')} autoComplete="off" />
            <TextField
              name="docroot"
              label={t('site.docroot')}
              hint={t('site.docroot_hint')}
              required
              autoComplete="off"
            />
            {site.https && <CheckboxField name="https_redirect" label={t('site.https_redirect')} />}
            {site.https && <CheckboxField name="hsts" label={t('site.hsts')} hint={t('site.hsts_hint')} />}
            <SubmitButton label={t('site.submit')} busyLabel={t('site.saving')} />
          </Form>
        </section>
      )}
      <ChangeList client={client} state={manager.changes} />
    </>
  );
}
