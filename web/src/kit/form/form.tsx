// A form of the panel: no browser validation bubbles (the catalog's words are shown instead), an
// alert region that is announced by screen readers, and focus moved to the first field with an
// error (or to the alert) after a refused submission, so a keyboard user lands where the fix is.
import { createContext, type ComponentChildren } from 'preact';
import { useContext, useEffect, useId, useRef } from 'preact/hooks';
import type { FormState } from './form_state';

interface FormContextValue {
  state: FormState<string>;
  idFor(name: string): string;
}

const FormContext = createContext<FormContextValue | null>(null);

export function useFormContext(): FormContextValue {
  const ctx = useContext(FormContext);
  if (!ctx) throw new Error('a field must be inside <Form>');
  return ctx;
}

interface FormProps<F extends string> {
  state: FormState<F>;
  // Called on submit with the state; resolves when the submission is over.
  onSubmit: (state: FormState<F>) => Promise<void> | void;
  label: string; // the form's accessible name
  children: ComponentChildren;
}

export function Form<F extends string>({ state, onSubmit, label, children }: FormProps<F>) {
  const base = useId();
  const alertRef = useRef<HTMLDivElement>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const attempt = useRef(0);
  const focused = useRef(0);
  const idFor = (name: string) => `${base}-${name}`;

  // After each refused submission, focus the first field in error, else the alert.
  useEffect(() => {
    if (state.submitting.value || attempt.current === focused.current) return;
    focused.current = attempt.current;
    const errors = state.errors.value as Record<string, string | undefined>;
    const first = Object.keys(state.values).find((name) => errors[name]);
    if (first) {
      formRef.current?.ownerDocument.getElementById(idFor(first))?.focus();
    } else if (state.alert.value) {
      alertRef.current?.focus();
    }
  });

  const submit = async (event: Event) => {
    event.preventDefault();
    if (state.submitting.value) return;
    state.submitting.value = true;
    try {
      await onSubmit(state);
    } finally {
      attempt.current += 1;
      state.submitting.value = false;
    }
  };

  const alert = state.alert.value;
  const others = state.otherErrors.value;
  return (
    <FormContext.Provider value={{ state: state as unknown as FormState<string>, idFor }}>
      <form ref={formRef} noValidate aria-label={label} onSubmit={submit} class="form">
        <div ref={alertRef} role="alert" tabIndex={-1} class={alert ? 'form-alert' : 'form-alert empty'}>
          {alert && <p>{alert}</p>}
          {others.length > 0 && (
            <ul>
              {others.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          )}
        </div>
        {children}
      </form>
    </FormContext.Provider>
  );
}
