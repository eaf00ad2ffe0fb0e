// One labelled input of a <Form>, with its hint and its error beside it. The input is tied to both
// by aria-describedby and marked aria-invalid while it has an error, so a screen reader reads the
// error when the field gets focus.
import { useFormContext } from './form';

interface TextFieldProps {
  name: string;
  label: string;
  type?: 'text' | 'password' | 'email';
  autoComplete?: string;
  inputMode?: 'text' | 'numeric' | 'email';
  required?: boolean;
  hint?: string;
}

export function TextField({ name, label, type = 'text', autoComplete, inputMode, required, hint }: TextFieldProps) {
  const { state, idFor } = useFormContext();
  const id = idFor(name);
  const value = state.values[name];
  if (!value) throw new Error(`the form has no field ${name}`);
  const error = (state.errors.value as Record<string, string | undefined>)[name];
  const described = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ');
  return (
    <div class={error ? 'field invalid' : 'field'}>
      <label for={id}>{label}</label>
      {hint && (
        <p id={`${id}-hint`} class="field-hint">
          {hint}
        </p>
      )}
      <input
        id={id}
        name={name}
        // Preact's types tie each input type to its own attributes; these three share them all.
        type={type as 'text'}
        value={value.value}
        onInput={(e) => {
          value.value = (e.currentTarget as HTMLInputElement).value;
        }}
        autoComplete={autoComplete}
        inputMode={inputMode}
        aria-required={required ? 'true' : undefined}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={described || undefined}
        disabled={state.submitting.value}
      />
      {error && (
        <p id={`${id}-error`} class="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
