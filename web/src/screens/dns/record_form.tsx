// The typed form of a DNS record: the name, the type, then the inputs of that type (an address for
// A and AAAA, a preference and a mail server for MX, four inputs for SRV, …) and the TTL. The
// value is made from the inputs (record_value.ts); the API's field codes are shown beside the
// inputs, its "value" code beside the input that holds the host or text.
import { useMemo, useState } from 'preact/hooks';
import type { ApiClient } from '../../api/client';
import { addRecord, type RecordType } from '../../api/endpoints';
import { fieldErrorText, t } from '../../i18n/i18n';
import type { MessageId } from '../../i18n/messages.en';
import { Form } from '../../kit/form/form';
import { FormState } from '../../kit/form/form_state';
import { SelectField } from '../../kit/form/select_field';
import { wholeNumber } from '../../kit/form/split_list';
import { SubmitButton } from '../../kit/form/submit_button';
import { TextField } from '../../kit/form/text_field';
import type { Manager } from '../../kit/manager/use_manager';
import {
  CAA_TAGS,
  composeValue,
  isRecordType,
  PART_NAMES,
  type PartName,
  partsOf,
  RECORD_TYPES,
  valueFieldOf,
} from './record_value';

type Field = 'name' | 'type' | 'ttl' | PartName;

const NUMERIC: ReadonlySet<PartName> = new Set(['priority', 'weight', 'port', 'flags']);

function initialValues(): Record<Field, string> {
  const values = { name: '', type: 'A', ttl: '' } as Record<Field, string>;
  for (const part of PART_NAMES) values[part] = '';
  values.flags = '0';
  values.tag = 'issue';
  return values;
}

interface RecordFormProps {
  client: ApiClient;
  zone: string;
  manager: Manager;
}

export function RecordForm({ client, zone, manager }: RecordFormProps) {
  const form = useMemo(() => new FormState<Field>(initialValues()), []);
  const [type, setType] = useState<RecordType>('A');

  const submit = async () => {
    const required = form.checkRequired(['name']);
    const composed = composeValue(type, readParts(form));
    const ttl = wholeNumber(form.value('ttl'));
    if (!required || !composed.ok || ttl === null) {
      const errors = { ...form.errors.value };
      if (!composed.ok) {
        for (const [part, code] of Object.entries(composed.errors)) errors[part as Field] = fieldErrorText(code);
      }
      if (ttl === null) errors.ttl = fieldErrorText('number.not_integer');
      form.errors.value = errors;
      form.alert.value = t('form.fix_fields', { count: Object.keys(errors).length });
      return;
    }
    const name = form.value('name').trim();
    const result = await addRecord(client, zone, {
      name,
      type,
      value: composed.value,
      ...(ttl !== undefined ? { ttl } : {}),
    });
    const refused = manager.track(t('records.added', { name, type, value: composed.value }), result);
    if (refused) {
      form.applyApiError(refused, { value: valueFieldOf(type) });
    } else {
      form.reset();
      form.values.type.value = type;
    }
  };

  return (
    <Form state={form} onSubmit={submit} label={t('records.add')}>
      <TextField name="name" label={t('records.name')} hint={t('records.name_hint', { zone })} required autoComplete="off" />
      <SelectField
        name="type"
        label={t('records.type')}
        options={RECORD_TYPES.map((r) => ({ value: r, label: t('records.type_option', { type: r }) }))}
        onChange={(value) => {
          if (isRecordType(value)) setType(value);
          form.clearErrors();
        }}
      />
      <fieldset class="record-parts">
        <legend>{t('records.value_legend', { type })}</legend>
        {partsOf(type).map((part) =>
          part === 'tag' ? (
            <SelectField
              key={part}
              name="tag"
              label={t('records.part.tag')}
              options={CAA_TAGS.map((tag) => ({ value: tag, label: tag }))}
            />
          ) : (
            <TextField
              key={`${type}-${part}`}
              name={part}
              label={partLabel(type, part)}
              hint={partHint(type, part)}
              inputMode={NUMERIC.has(part) ? 'numeric' : undefined}
              required={part !== 'caa_value'}
              autoComplete="off"
            />
          ),
        )}
      </fieldset>
      <TextField name="ttl" label={t('records.ttl')} hint={t('records.ttl_hint')} inputMode="numeric" autoComplete="off" />
      <SubmitButton label={t('records.submit')} busyLabel={t('form.adding')} />
    </Form>
  );
}

function readParts(form: FormState<Field>): Partial<Record<PartName, string>> {
  const parts: Partial<Record<PartName, string>> = {};
  for (const part of PART_NAMES) parts[part] = form.value(part);
  return parts;
}

function partLabel(type: RecordType, part: PartName): string {
  if (part === 'address') return t(type === 'AAAA' ? 'records.part.address6' : 'records.part.address4');
  if (part === 'priority') return t(type === 'MX' ? 'records.part.preference' : 'records.part.priority');
  if (part === 'target') return t(type === 'SRV' ? 'records.part.srv_target' : 'records.part.target');
  return t(PART_LABELS[part]);
}

const PART_LABELS: Record<PartName, MessageId> = {
  address: 'records.part.address4',
  target: 'records.part.target',
  priority: 'records.part.priority',
  exchange: 'records.part.exchange',
  text: 'records.part.text',
  weight: 'records.part.weight',
  port: 'records.part.port',
  flags: 'records.part.flags',
  tag: 'records.part.tag',
  caa_value: 'records.part.caa_value',
};

function partHint(type: RecordType, part: PartName): string | undefined {
  if (part === 'text') return t('records.hint.text');
  if (part === 'exchange' || part === 'target') return t('records.hint.host');
  if (part === 'caa_value') return t('records.hint.caa_value');
  if (part === 'address') return t(type === 'AAAA' ? 'records.hint.address6' : 'records.hint.address4');
  return undefined;
}
