// The typed record form's logic: which inputs each record type has, how they make the record's
// value (RDATA in the API's canonical grammar, src/protocol/zone_spec.h), and which input the
// API's "value" error belongs beside. The form checks only what needs no rule of the server's
// (a filled-in field, a whole number); the API judges the rest and its field codes are shown
// beside the inputs.
import type { RecordType } from '../../api/endpoints';

export type PartName =
  | 'address'
  | 'target'
  | 'priority'
  | 'exchange'
  | 'text'
  | 'weight'
  | 'port'
  | 'flags'
  | 'tag'
  | 'caa_value';

export const PART_NAMES: readonly PartName[] = [
  'address',
  'target',
  'priority',
  'exchange',
  'text',
  'weight',
  'port',
  'flags',
  'tag',
  'caa_value',
];

export const RECORD_TYPES: readonly RecordType[] = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'SRV', 'CAA', 'NS'];

export const CAA_TAGS = ['issue', 'issuewild', 'iodef'] as const;

interface TypeShape {
  parts: readonly PartName[]; // in the order they make the value
  numeric: readonly PartName[]; // whole numbers
  optional: readonly PartName[]; // may be empty (CAA issue "": nobody may issue)
  valueField: PartName; // where the API's "value" error is shown
}

const SHAPES: Record<RecordType, TypeShape> = {
  A: { parts: ['address'], numeric: [], optional: [], valueField: 'address' },
  AAAA: { parts: ['address'], numeric: [], optional: [], valueField: 'address' },
  CNAME: { parts: ['target'], numeric: [], optional: [], valueField: 'target' },
  NS: { parts: ['target'], numeric: [], optional: [], valueField: 'target' },
  MX: { parts: ['priority', 'exchange'], numeric: ['priority'], optional: [], valueField: 'exchange' },
  TXT: { parts: ['text'], numeric: [], optional: [], valueField: 'text' },
  SRV: {
    parts: ['priority', 'weight', 'port', 'target'],
    numeric: ['priority', 'weight', 'port'],
    optional: [],
    valueField: 'target',
  },
  CAA: { parts: ['flags', 'tag', 'caa_value'], numeric: ['flags'], optional: ['caa_value'], valueField: 'caa_value' },
};

export function partsOf(type: RecordType): readonly PartName[] {
  return SHAPES[type].parts;
}

export function valueFieldOf(type: RecordType): PartName {
  return SHAPES[type].valueField;
}

export function isRecordType(value: string): value is RecordType {
  return (RECORD_TYPES as readonly string[]).includes(value);
}

export type ComposedValue =
  | { ok: true; value: string }
  // Field codes in the API's vocabulary (field.required, number.not_integer), per input.
  | { ok: false; errors: Partial<Record<PartName, string>> };

// The record's value from the inputs of its type. TXT is taken as typed (the API wants the raw
// text, quotes and semicolons included); the other parts are trimmed and joined by one space.
export function composeValue(type: RecordType, parts: Partial<Record<PartName, string>>): ComposedValue {
  const shape = SHAPES[type];
  const errors: Partial<Record<PartName, string>> = {};
  const out: string[] = [];
  for (const name of shape.parts) {
    const raw = parts[name] ?? '';
    const value = name === 'text' ? raw : raw.trim();
    if (value.trim() === '' && !shape.optional.includes(name)) {
      errors[name] = 'field.required';
      continue;
    }
    if (shape.numeric.includes(name) && !/^\d+$/.test(value)) {
      errors[name] = 'number.not_integer';
      continue;
    }
    out.push(value);
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: out.join(' ') };
}
