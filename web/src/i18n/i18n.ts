// Looks up and formats the catalog's messages (messages.en.ts). One catalog is active at a time;
// a translation is added by writing another Catalog and passing it to setCatalog. Formatted
// messages are plain strings that Preact renders as text, so nothing here can inject markup.
import { IntlMessageFormat } from 'intl-messageformat';
import { en, type Catalog, type MessageId } from './messages.en';

type Values = Record<string, string | number>;

let catalog: Catalog = en;
let locale = 'en';
const compiled = new Map<string, IntlMessageFormat>();

export function setCatalog(next: Catalog, nextLocale: string): void {
  catalog = next;
  locale = nextLocale;
  compiled.clear();
}

export function hasMessage(id: string): id is MessageId {
  return Object.prototype.hasOwnProperty.call(catalog, id);
}

// The message `id` with `values` filled in.
export function t(id: MessageId, values?: Values): string {
  let format = compiled.get(id);
  if (!format) {
    format = new IntlMessageFormat(catalog[id], locale);
    compiled.set(id, format);
  }
  return String(format.format(values));
}

// The words for one of the API's field codes ("domain.label_too_long"): the exact entry, else the
// entry for its last part ("field.*.too_long"), else a sentence that names the code.
export function fieldErrorText(code: string): string {
  const exact = `field.${code}`;
  if (hasMessage(exact)) return t(exact);
  const dot = code.lastIndexOf('.');
  if (dot >= 0) {
    const bySuffix = `field.*.${code.slice(dot + 1)}`;
    if (hasMessage(bySuffix)) return t(bySuffix);
  }
  return t('field.unknown_code', { code });
}

// The words for one of the API's top-level error codes (Error.code), or null when the catalog
// has none (the caller then shows the server's own sentence).
export function errorCodeText(code: string, values?: Values): string | null {
  const id = `error.${code}`;
  return hasMessage(id) ? t(id, values) : null;
}
