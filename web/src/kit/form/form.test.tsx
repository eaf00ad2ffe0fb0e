import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../api/client';
import { FakeApiClient, fail, ok } from '../../testing/fake_api_client';
import { Form } from './form';
import { FormState } from './form_state';
import { SubmitButton } from './submit_button';
import { TextField } from './text_field';

afterEach(cleanup);

type Field = 'domain' | 'docroot';

// A form as a screen writes one: fields, a submit calling the API, the API's refusal on the form.
function SiteForm({ client, state }: { client: ApiClient; state: FormState<Field> }) {
  const submit = async () => {
    if (!state.checkRequired(['domain'])) return;
    const result = await client.request('POST', '/sites', {
      body: { domain: state.value('domain'), docroot: state.value('docroot') },
    });
    if (result.ok) state.clearErrors();
    else state.applyApiError(result.error, { 'spec.docroot': 'docroot' });
  };
  return (
    <Form state={state} onSubmit={submit} label="Add a site">
      <TextField name="domain" label="Domain" required />
      <TextField name="docroot" label="Document root" hint="Relative to your home." />
      <SubmitButton label="Add" busyLabel="Adding…" />
    </Form>
  );
}

function setup(respond: ConstructorParameters<typeof FakeApiClient>[0]) {
  const client = new FakeApiClient(respond);
  const state = new FormState<Field>({ domain: '', docroot: '' });
  render(<SiteForm client={client} state={state} />);
  return { client, state };
}

const errorOf = (input: HTMLElement) => {
  const ids = (input.getAttribute('aria-describedby') ?? '').split(' ');
  return ids.map((id) => document.getElementById(id)?.textContent ?? '').join(' | ');
};

describe('the form kit', () => {
  it('shows each field’s API error beside the field in the catalog’s words', async () => {
    const { client } = setup(() =>
      fail({
        status: 422,
        code: 'invalid',
        message: 'The request has invalid fields.',
        fields: { domain: 'domain.label_too_long', 'spec.docroot': 'path.dot_dot' },
      }),
    );
    fireEvent.input(screen.getByLabelText('Domain'), { target: { value: `${'a'.repeat(64)}.example` } });
    fireEvent.input(screen.getByLabelText('Document root'), { target: { value: '../etc' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add' }));

    const domain = screen.getByLabelText('Domain');
    await waitFor(() => expect(domain.getAttribute('aria-invalid')).toBe('true'));
    expect(errorOf(domain)).toBe('Each part of a domain name (between dots) has at most 63 characters.');
    const docroot = screen.getByLabelText('Document root');
    expect(docroot.getAttribute('aria-invalid')).toBe('true');
    expect(errorOf(docroot)).toBe('Relative to your home. | A path cannot go up with “..”.');
    expect(screen.getByRole('alert').textContent).toBe('Some of what you entered was refused.');
    expect(client.calls).toHaveLength(1);
    expect(client.calls[0]?.options.body).toEqual({ domain: `${'a'.repeat(64)}.example`, docroot: '../etc' });
    // Focus goes to the first field in error.
    await waitFor(() => expect(document.activeElement).toBe(domain));
  });

  it('lists the codes of fields the form does not show in the alert', async () => {
    setup(() =>
      fail({ status: 409, code: 'limit_reached', message: 'Plan limit.', fields: { 'limits.sites': 'plan.sites_limit' } }),
    );
    fireEvent.input(screen.getByLabelText('Domain'), { target: { value: 'shop.example' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('Your plan does not allow more of these.'));
    expect(screen.getByRole('alert').textContent).toContain('limits.sites: This value was refused (plan.sites_limit).');
    expect(screen.getByLabelText('Domain').getAttribute('aria-invalid')).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('alert')));
  });

  it('checks required fields without asking the API', async () => {
    const { client } = setup(() => ok({}));
    fireEvent.input(screen.getByLabelText('Domain'), { target: { value: '   ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    await waitFor(() => expect(errorOf(screen.getByLabelText('Domain'))).toBe('Fill in this field.'));
    expect(screen.getByRole('alert').textContent).toBe('1 field needs your attention.');
    expect(client.calls).toHaveLength(0);
  });

  it('clears the errors once the API accepts, and says it is busy meanwhile', async () => {
    let release: (v: unknown) => void = () => {};
    let first = true;
    const { state } = setup(async () => {
      if (first) {
        first = false;
        return fail({ status: 409, code: 'conflict', message: '', fields: { domain: 'domain.taken' } });
      }
      await new Promise((resolve) => (release = resolve));
      return ok({ site: {} }, 201);
    });
    fireEvent.input(screen.getByLabelText('Domain'), { target: { value: 'shop.example' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    await waitFor(() => expect(errorOf(screen.getByLabelText('Domain'))).toBe('This domain is already in use.'));
    fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Adding…' }).hasAttribute('disabled')).toBe(true));
    release(undefined);
    await waitFor(() => expect(screen.getByRole('button', { name: 'Add' })).toBeTruthy());
    expect(state.errors.value).toEqual({});
    expect(screen.getByRole('alert').textContent).toBe('');
  });

  it('renders hostile text from the API as text', async () => {
    setup(() =>
      fail({ status: 422, code: 'brand_new_code', message: '<img src=x onerror=alert(1)>', fields: {} }),
    );
    fireEvent.input(screen.getByLabelText('Domain'), { target: { value: 'x.example' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('<img src=x onerror=alert(1)>'));
    expect(document.querySelector('img')).toBeNull();
  });
});
