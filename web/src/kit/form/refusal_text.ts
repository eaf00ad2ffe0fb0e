// The sentence for a refusal of a step that has no form field to put it beside (a button, a
// screen that could not load): the words of its first field code when it has one — they say
// what is wrong ("you are acting for someone", "no ACME directory is set") where the status
// alone would not — else the words of the error as a whole (apiErrorText).
import type { ApiError } from '../../api/client';
import { fieldErrorText } from '../../i18n/i18n';
import { apiErrorText } from './api_error_text';

export function refusalText(error: ApiError): string {
  const first = Object.values(error.fields)[0];
  if (first !== undefined && error.status !== 429) return fieldErrorText(first);
  return apiErrorText(error);
}
