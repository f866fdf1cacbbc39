// Forgotten password: ask for a link; then choose a new password with it.
import { Alert, Anchor, Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api } from '../../api.ts';
import { AuthLayout } from '../../components/auth-layout.tsx';
import { FormError } from '../../components/form-error.tsx';
import { useSubmit } from '../../components/use-submit.ts';

export function ForgotPasswordPage() {
  const [sent, setSent] = useState(false);
  const form = useForm({
    mode: 'uncontrolled',
    initialValues: { email: '' },
    validate: { email: (v) => (/^\S+@\S+\.\S+$/.test(v) ? null : 'Enter your email address') },
  });
  const submit = useSubmit(form, async (values) => {
    await api('/api/v1/auth/password/forgot', { method: 'POST', auth: false, body: values });
    setSent(true);
  });
  if (sent) {
    return (
      <AuthLayout title="Check your email">
        <Text>
          If an account uses that address, a link to choose a new password is on its way. It works for one hour.
        </Text>
        <Anchor component={Link} to="/login">
          Back to sign in
        </Anchor>
      </AuthLayout>
    );
  }
  return (
    <AuthLayout title="Forgot your password?" subtitle="We will email you a link to choose a new one.">
      <form onSubmit={submit.onSubmit}>
        <Stack>
          <FormError error={submit.error} />
          <TextInput
            label="Email"
            type="email"
            autoComplete="email"
            autoFocus
            key={form.key('email')}
            {...form.getInputProps('email')}
          />
          <Button type="submit" loading={submit.busy} fullWidth>
            Send the link
          </Button>
          <Anchor component={Link} to="/login" size="sm" ta="center">
            Back to sign in
          </Anchor>
        </Stack>
      </form>
    </AuthLayout>
  );
}

export function ResetPasswordPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [done, setDone] = useState(false);
  const form = useForm({
    mode: 'uncontrolled',
    initialValues: { password: '', confirm: '' },
    validate: {
      password: (v) => (v.length >= 12 ? null : 'Use at least 12 characters'),
      confirm: (v, values) => (v === values.password ? null : 'The passwords do not match'),
    },
  });
  // A field error about the token (expired or used link) is not an input here: useSubmit shows it above the form.
  const submit = useSubmit(form, async ({ password }) => {
    await api('/api/v1/auth/password/reset', { method: 'POST', auth: false, body: { token, password } });
    setDone(true);
  });
  if (done) {
    return (
      <AuthLayout title="Password changed">
        <Text>Your new password is set, and every session was signed out.</Text>
        <Button component={Link} to="/login">
          Sign in
        </Button>
      </AuthLayout>
    );
  }
  return (
    <AuthLayout title="Choose a new password">
      {!token && <Alert color="red">This page needs the link from the reset email.</Alert>}
      <form onSubmit={submit.onSubmit}>
        <Stack>
          <FormError error={submit.error} />
          <PasswordInput
            label="New password"
            autoComplete="new-password"
            autoFocus
            key={form.key('password')}
            {...form.getInputProps('password')}
          />
          <PasswordInput
            label="Repeat it"
            autoComplete="new-password"
            key={form.key('confirm')}
            {...form.getInputProps('confirm')}
          />
          <Button type="submit" loading={submit.busy} disabled={!token} fullWidth>
            Set password
          </Button>
        </Stack>
      </form>
    </AuthLayout>
  );
}
