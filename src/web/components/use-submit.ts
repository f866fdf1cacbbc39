// The submit cycle every form shares: busy while the request runs, field errors onto their
// fields, anything else (including errors about fields the form does not show) above the form.
import { useState } from 'react';
import { ApiError } from '../api.ts';

interface FormLike<V> {
  onSubmit(handler: (values: V) => unknown): (event?: React.FormEvent<HTMLFormElement>) => void;
  setErrors(errors: Record<string, string>): void;
  getValues(): V;
}

export function useSubmit<V extends object>(form: FormLike<V>, action: (values: V) => Promise<unknown>) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const onSubmit = form.onSubmit(async (values) => {
    setBusy(true);
    setError(null);
    try {
      await action(values);
    } catch (err) {
      if (err instanceof ApiError && err.fields.length) {
        const fields = err.fieldErrors();
        const shown = Object.keys(form.getValues());
        // `scopes.0` is about the `scopes` input.
        const onForm = Object.fromEntries(
          Object.entries(fields)
            .filter(([k]) => shown.includes(k.split('.')[0] as string))
            .map(([k, m]) => [k.split('.')[0] as string, m]),
        );
        const elsewhere = Object.entries(fields).filter(([k]) => !shown.includes(k.split('.')[0] as string));
        form.setErrors(onForm);
        if (elsewhere.length) setError(new Error(elsewhere.map(([, m]) => m).join(' ')));
      } else {
        setError(err);
      }
    } finally {
      setBusy(false);
    }
  });
  return { onSubmit, error, busy, setError };
}
