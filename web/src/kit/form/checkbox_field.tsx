// One labelled checkbox of a <Form> (its value in the FormState is "true" or "false"), with its
// hint and its error beside it, like TextField.
import { useFormContext } from './form';

interface CheckboxFieldProps {
  name: string;
  label: string;
  hint?: string;
}

export function CheckboxField({ name, label, hint }: CheckboxFieldProps) {
  const { state, idFor } = useFormContext();
  const id = idFor(name);
  const value = state.values[name];
  if (!value) throw new Error(`the form has no field ${name}`);
  const error = (state.errors.value as Record<string, string | undefined>)[name];
  const described = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ');
  return (
    <div class={error ? 'field checkbox invalid' : 'field checkbox'}>
      <input
        id={id}
        name={name}
        type="checkbox"
        checked={value.value === 'true'}
        onChange={(e) => {
          value.value = (e.currentTarget as HTMLInputElement).checked ? 'true' : 'false';
        }}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={described || undefined}
        disabled={state.submitting.value}
      />
      <label for={id}>{label}</label>
      {hint && (
        <p id={`${id}-hint`} class="field-hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} class="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
