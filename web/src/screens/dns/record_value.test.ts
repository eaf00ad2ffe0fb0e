import { describe, expect, it } from 'vitest';
import { composeValue, isRecordType, partsOf, RECORD_TYPES, valueFieldOf } from './record_value';

describe('the typed record form', () => {
  it('makes each type’s value in the API’s grammar', () => {
    expect(composeValue('A', { address: ' 192.0.2.10 ' })).toEqual({ ok: true, value: '192.0.2.10' });
    expect(composeValue('AAAA', { address: '2001:db8::1' })).toEqual({ ok: true, value: '2001:db8::1' });
    expect(composeValue('CNAME', { target: 'www.example.org.' })).toEqual({ ok: true, value: 'www.example.org.' });
    expect(composeValue('MX', { priority: '10', exchange: 'mail.example.org' })).toEqual({
      ok: true,
      value: '10 mail.example.org',
    });
    expect(composeValue('SRV', { priority: '0', weight: '5', port: '5060', target: 'sip.example.org' })).toEqual({
      ok: true,
      value: '0 5 5060 sip.example.org',
    });
    expect(composeValue('CAA', { flags: '0', tag: 'issue', caa_value: 'letsencrypt.org' })).toEqual({
      ok: true,
      value: '0 issue letsencrypt.org',
    });
  });

  it('keeps TXT text exactly as typed (quotes, semicolons, spaces)', () => {
    const text = ' v=spf1 mx; "quoted" -all ';
    expect(composeValue('TXT', { text })).toEqual({ ok: true, value: text });
  });

  it('allows an empty CAA issue value (nobody may issue) but not an empty tag', () => {
    expect(composeValue('CAA', { flags: '0', tag: 'issue', caa_value: '' })).toEqual({ ok: true, value: '0 issue ' });
    expect(composeValue('CAA', { flags: '0', tag: '', caa_value: 'x' })).toEqual({
      ok: false,
      errors: { tag: 'field.required' },
    });
  });

  it('names each empty or non-numeric input, and only the inputs of the type', () => {
    expect(composeValue('SRV', { priority: '', weight: 'five', port: '-1', target: ' ' })).toEqual({
      ok: false,
      errors: {
        priority: 'field.required',
        weight: 'number.not_integer',
        port: 'number.not_integer',
        target: 'field.required',
      },
    });
    // An address typed before switching to MX is not part of the MX value.
    expect(composeValue('MX', { address: '192.0.2.1', priority: '10', exchange: 'mx.example.org' })).toEqual({
      ok: true,
      value: '10 mx.example.org',
    });
    expect(composeValue('TXT', { text: '   ' })).toEqual({ ok: false, errors: { text: 'field.required' } });
  });

  it('puts the API’s value error beside the input that holds the host or text', () => {
    expect(valueFieldOf('MX')).toBe('exchange');
    expect(valueFieldOf('SRV')).toBe('target');
    expect(valueFieldOf('CAA')).toBe('caa_value');
    expect(valueFieldOf('A')).toBe('address');
    for (const type of RECORD_TYPES) expect(partsOf(type)).toContain(valueFieldOf(type));
  });

  it('knows the record types the API accepts', () => {
    expect(isRecordType('SRV')).toBe(true);
    expect(isRecordType('srv')).toBe(false);
    expect(isRecordType('TLSA')).toBe(false);
  });
});
