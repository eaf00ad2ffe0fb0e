// The sentence a person reads for an ApiError as a whole (the form's alert): the catalog's words
// for its status or code, the server's own sentence when the catalog has none, and a sentence
// that names the HTTP status when the server said nothing usable.
import type { ApiError } from '../../api/client';
import { errorCodeText, t } from '../../i18n/i18n';

export function apiErrorText(error: ApiError): string {
  const seconds = error.retryAfterSeconds ?? 0;
  if (error.status === 429) return t('error.throttled', { seconds });
  if (error.status === 503 && error.retryAfterSeconds !== null) return t('error.busy', { seconds });
  const words = errorCodeText(error.code);
  if (words !== null) return words;
  if (error.message) return error.message;
  return t('error.unexpected', { status: error.status });
}
