import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import type { Task } from '../../api/endpoints';
import { useManager } from '../../kit/manager/use_manager';
import { FakeApiClient, fail, ok } from '../../testing/fake_api_client';
import { RecordForm } from './record_form';

afterEach(cleanup);

const task: Task = {
  id: 7,
  node: 'local',
  node_id: 1,
  revision: 3,
  object_key: 'zone:acme.example',
  kind: 'zone.ensure',
  spec: {},
  state: 'applied',
  error: '',
  attempts: 1,
  next_attempt_at: null,
  created_at: '2026-12-07T10:00:00Z',
  updated_at: '2026-12-07T10:00:01Z',
  applied_at: '2026-12-07T10:00:01Z',
  duration_ms: 12,
  change_id: 4,
};

function Harness({ client }: { client: FakeApiClient }) {
  const manager = useManager();
  return (
    <>
      <RecordForm client={client} zone="acme.example" manager={manager} />
      <p data-testid="changes">{manager.changes.changes.value.map((c) => c.label).join('|')}</p>
    </>
  );
}

const input = (label: string) => screen.getByLabelText(label, { exact: true }) as HTMLInputElement;
const type = (label: string, value: string) => fireEvent.input(input(label), { target: { value } });
const describedError = (el: HTMLElement) =>
  (el.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .map((id) => document.getElementById(id))
    .filter((e) => e?.classList.contains('field-error'))
    .map((e) => e?.textContent)
    .join(' ');

describe('the typed record form', () => {
  it('shows the inputs of the chosen type and sends the value they make', async () => {
    const client = new FakeApiClient(() => ok({ record: {}, tasks: [task], change_id: 4 }, 201));
    render(<Harness client={client} />);
    expect(input('IPv4 address')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Type'), { target: { value: 'MX' } });
    expect(screen.queryByLabelText('IPv4 address')).toBeNull();
    type('Name', '@');
    type('Preference', '10');
    type('Mail server', 'mx.acme.example');
    type('TTL in seconds (optional)', '300');
    fireEvent.click(screen.getByRole('button', { name: 'Add record' }));
    await waitFor(() => expect(client.calls).toHaveLength(1));
    expect(client.calls[0]).toMatchObject({
      method: 'POST',
      path: '/zones/acme.example/records',
      options: { body: { name: '@', type: 'MX', value: '10 mx.acme.example', ttl: 300 } },
    });
    await waitFor(() => expect(screen.getByTestId('changes').textContent).toBe('Record @ MX 10 mx.acme.example added'));
    // Taken: the inputs are empty again, the type stays.
    expect(input('Mail server').value).toBe('');
    expect((screen.getByLabelText('Type') as HTMLSelectElement).value).toBe('MX');
  });

  it('names empty and non-numeric inputs beside them without asking the API', async () => {
    const client = new FakeApiClient(() => ok({}));
    render(<Harness client={client} />);
    fireEvent.change(screen.getByLabelText('Type'), { target: { value: 'SRV' } });
    type('Name', '_sip._tcp');
    type('Priority', 'ten');
    type('Port', '5060');
    fireEvent.click(screen.getByRole('button', { name: 'Add record' }));
    await waitFor(() => expect(describedError(input('Priority'))).toBe('Enter a whole number.'));
    expect(describedError(input('Weight'))).toBe('Fill in this field.');
    expect(describedError(input('Target host'))).toBe('Fill in this field.');
    expect(describedError(input('Port'))).toBe('');
    expect(client.calls).toHaveLength(0);
  });

  it('puts the API’s value code beside the input that holds the host', async () => {
    const client = new FakeApiClient(() =>
      fail({ status: 422, code: 'invalid', fields: { value: 'record.value_invalid', ttl: 'record.ttl_range' } }),
    );
    render(<Harness client={client} />);
    fireEvent.change(screen.getByLabelText('Type'), { target: { value: 'MX' } });
    type('Name', '@');
    type('Preference', '10');
    type('Mail server', 'mail');
    type('TTL in seconds (optional)', '5');
    fireEvent.click(screen.getByRole('button', { name: 'Add record' }));
    await waitFor(() => expect(describedError(input('Mail server'))).toBe('This value is not valid for this record type.'));
    expect(describedError(input('TTL in seconds (optional)'))).toBe('The TTL is out of the allowed range.');
    expect(describedError(input('Preference'))).toBe('');
    expect(screen.getByTestId('changes').textContent).toBe('');
  });
});
