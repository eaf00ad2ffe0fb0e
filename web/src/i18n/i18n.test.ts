import { describe, expect, it } from 'vitest';
import { IntlMessageFormat } from 'intl-messageformat';
import { en } from './messages.en';
import { errorCodeText, fieldErrorText, t } from './i18n';

describe('catalog', () => {
  it('parses every message as ICU MessageFormat', () => {
    for (const [id, text] of Object.entries(en)) {
      expect(() => new IntlMessageFormat(text, 'en'), id).not.toThrow();
    }
  });

  it('keeps field-code keys in the shape of API codes', () => {
    for (const id of Object.keys(en).filter((k) => k.startsWith('field.'))) {
      expect(id, id).toMatch(/^field\.(\*|[a-z_]+)\.[a-z0-9_]+$|^field\.unknown_code$/);
    }
  });
});

describe('t', () => {
  it('formats plurals and values', () => {
    expect(t('signin.throttled', { seconds: 1 })).toBe(
      'Too many attempts. Wait 1 second before you try again.',
    );
    expect(t('signin.throttled', { seconds: 90 })).toBe(
      'Too many attempts. Wait 90 seconds before you try again.',
    );
    expect(t('shell.role', { role: 'reseller' })).toBe('Reseller');
    expect(t('shell.role', { role: 'auditor' })).toBe('auditor');
  });
});

describe('fieldErrorText', () => {
  it('uses the exact entry of a code', () => {
    expect(fieldErrorText('domain.label_too_long')).toBe(
      'Each part of a domain name (between dots) has at most 63 characters.',
    );
  });
  it('falls back to the entry of the code’s last part', () => {
    expect(fieldErrorText('zone.taken')).toBe('This is already in use.');
    expect(fieldErrorText('mailbox.quota.too_long')).toBe('This is too long.');
  });
  it('names a code the catalog does not know', () => {
    expect(fieldErrorText('soa.glue_missing')).toBe('This value was refused (soa.glue_missing).');
  });
});

describe('errorCodeText', () => {
  it('knows the API’s top-level codes and not others', () => {
    expect(errorCodeText('limit_reached')).toBe('Your plan does not allow more of these.');
    expect(errorCodeText('something_new')).toBeNull();
  });
});
