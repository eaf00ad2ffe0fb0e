// One labelled <select> of a <Form>, with its error beside it (aria-describedby, aria-invalid),
// like TextField. The options' labels are the caller's (from the catalog).
import { useFormContext } from './form';

interface SelectFieldProps {
  name: string;
  label: string;
  options: readonly { value: string; label: string }[];
  onChange?: (value: string) => void;
}

export function SelectField({ name, label, options, onChange }: SelectFieldProps) {
  const { state, idFor } = useFormContext();
  const id = idFor(name);
  const value = state.values[name];
  if (!value) throw new Error(`the form has no field ${name}`);
  const error = (state.errors.value as Record<string, string | undefined>)[name];
  return (
    <div class={error ? 'field invalid' : 'field'}>
      <label for={id}>{label}</label>
      <select
        id={id}
        name={name}
        value={value.value}
        onChange={(e) => {
          value.value = (e.currentTarget as HTMLSelectElement).value;
          onChange?.(value.value);
        }}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        disabled={state.submitting.value}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {error && (
        <p id={`${id}-error`} class="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
