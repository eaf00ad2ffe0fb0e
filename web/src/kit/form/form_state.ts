// The state of one form: a signal per field value, the error shown beside each field (already in
// words, from the catalog), the errors of fields the form has no input for, the form-level
// alert, and whether a submission is under way. Owned by the screen that renders the form; read
// and written on the UI thread only.
import { signal, type Signal } from '@preact/signals';
import type { ApiError } from '../../api/client';
import { fieldErrorText, t } from '../../i18n/i18n';
import { apiErrorText } from './api_error_text';

export class FormState<F extends string> {
  readonly values: Record<F, Signal<string>>;
  readonly errors = signal<Partial<Record<F, string>>>({});
  // "field: words" for field codes the API sent about fields this form does not show.
  readonly otherErrors = signal<string[]>([]);
  readonly alert = signal<string | null>(null);
  readonly submitting = signal(false);

  private readonly initial: Record<F, string>;

  constructor(initial: Record<F, string>) {
    this.initial = { ...initial };
    const values = {} as Record<F, Signal<string>>;
    for (const name of Object.keys(initial) as F[]) values[name] = signal(initial[name]);
    this.values = values;
  }

  has(name: string): name is F {
    return Object.prototype.hasOwnProperty.call(this.values, name);
  }

  value(name: F): string {
    return this.values[name].value;
  }

  // Back to the initial values, without errors (after the API took the form).
  reset(): void {
    for (const name of Object.keys(this.initial) as F[]) this.values[name].value = this.initial[name];
    this.clearErrors();
  }

  clearErrors(): void {
    this.errors.value = {};
    this.otherErrors.value = [];
    this.alert.value = null;
  }

  // Marks each empty field of `required` (after trimming); true when none is empty. The API stays
  // the judge of everything else: the form checks only what needs no rule of the server's.
  checkRequired(required: readonly F[]): boolean {
    const errors: Partial<Record<F, string>> = {};
    for (const name of required) {
      if (this.values[name].value.trim() === '') errors[name] = t('form.required');
    }
    this.errors.value = errors;
    this.otherErrors.value = [];
    const count = Object.keys(errors).length;
    this.alert.value = count > 0 ? t('form.fix_fields', { count }) : null;
    return count === 0;
  }

  // Puts an API refusal on the form: each field code beside its field (`aliases` maps API field
  // paths onto this form's names, e.g. {"limits.sites": "sites"}), the rest in the alert.
  applyApiError(error: ApiError, aliases: Partial<Record<string, F>> = {}): void {
    const errors: Partial<Record<F, string>> = {};
    const others: string[] = [];
    for (const [path, code] of Object.entries(error.fields)) {
      const name = aliases[path] ?? path;
      if (this.has(name)) {
        errors[name] = fieldErrorText(code);
      } else {
        others.push(t('form.other_field', { field: path, message: fieldErrorText(code) }));
      }
    }
    this.errors.value = errors;
    this.otherErrors.value = others;
    this.alert.value = apiErrorText(error);
  }
}
