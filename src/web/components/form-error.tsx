import { Alert } from '@mantine/core';
import { ApiError } from '../api.ts';

/** The message of an error that is not about one field, shown above a form. */
export function FormError({ error }: { error: unknown }) {
  if (!error) return null;
  const message =
    error instanceof ApiError
      ? error.status === 429
        ? 'Too many attempts. Wait a minute and try again.'
        : error.message
      : error instanceof TypeError || !(error instanceof Error)
        ? 'Cannot reach the server. Check your connection and try again.'
        : error.message;
  return (
    <Alert color="red" variant="light" role="alert" title="That did not work">
      {message}
    </Alert>
  );
}

/** Applies an API error to a form: field errors go to their fields; the rest is returned. */
export function applyApiError(error: unknown, setErrors: (errors: Record<string, string>) => void): unknown {
  if (error instanceof ApiError && error.fields.length) {
    setErrors(error.fieldErrors());
    return null;
  }
  return error;
}
