import { Anchor, Button, Group, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, type SignedIn } from '../../api.ts';
import { useAuth } from '../../auth.tsx';
import { AuthLayout } from '../../components/auth-layout.tsx';
import { applyApiError, FormError } from '../../components/form-error.tsx';

type LoginAnswer = { data: SignedIn } | { data: { mfaRequired: true; mfaToken: string } };

export function LoginPage() {
  const auth = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [error, setError] = useState<unknown>(null);
  const [mfaToken, setMfaToken] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const next = params.get('next')?.startsWith('/') ? (params.get('next') as string) : '/';

  const form = useForm({
    mode: 'uncontrolled',
    initialValues: { email: '', password: '' },
    validate: {
      email: (v) => (/^\S+@\S+\.\S+$/.test(v) ? null : 'Enter your email address'),
      password: (v) => (v ? null : 'Enter your password'),
    },
  });
  const codeForm = useForm({
    mode: 'uncontrolled',
    initialValues: { code: '' },
    validate: { code: (v) => (v.trim().length >= 6 ? null : 'Enter the 6-digit code, or a backup code') },
  });

  function done(result: SignedIn) {
    auth.signedIn(result);
    navigate(next, { replace: true });
  }

  if (mfaToken) {
    return (
      <AuthLayout
        title="Two-factor authentication"
        subtitle="Enter the code from your authenticator app, or one of your backup codes."
      >
        <form
          onSubmit={codeForm.onSubmit(async ({ code }) => {
            setBusy(true);
            setError(null);
            try {
              done(
                (
                  await api<{ data: SignedIn }>('/api/v1/auth/mfa/verify', {
                    method: 'POST',
                    auth: false,
                    body: { mfaToken, code },
                  })
                ).data,
              );
            } catch (err) {
              setError(applyApiError(err, codeForm.setErrors));
            } finally {
              setBusy(false);
            }
          })}
        >
          <Stack>
            <FormError error={error} />
            <TextInput
              label="Authentication code"
              autoComplete="one-time-code"
              inputMode="numeric"
              autoFocus
              key={codeForm.key('code')}
              {...codeForm.getInputProps('code')}
            />
            <Button type="submit" loading={busy} fullWidth>
              Verify
            </Button>
            <Anchor component="button" type="button" size="sm" onClick={() => setMfaToken(null)}>
              Start again
            </Anchor>
          </Stack>
        </form>
      </AuthLayout>
    );
  }

  return (
    <AuthLayout title="Sign in" subtitle="Welcome back.">
      <form
        onSubmit={form.onSubmit(async (values) => {
          setBusy(true);
          setError(null);
          try {
            const answer = await api<LoginAnswer>('/api/v1/auth/login', { method: 'POST', auth: false, body: values });
            if ('mfaRequired' in answer.data) setMfaToken(answer.data.mfaToken);
            else done(answer.data);
          } catch (err) {
            setError(applyApiError(err, form.setErrors));
          } finally {
            setBusy(false);
          }
        })}
      >
        <Stack>
          <FormError error={error} />
          <TextInput
            label="Email"
            type="email"
            autoComplete="email"
            autoFocus
            key={form.key('email')}
            {...form.getInputProps('email')}
          />
          <PasswordInput
            label="Password"
            autoComplete="current-password"
            key={form.key('password')}
            {...form.getInputProps('password')}
          />
          <Group justify="flex-end">
            <Anchor component={Link} to="/forgot-password" size="sm">
              Forgot your password?
            </Anchor>
          </Group>
          <Button type="submit" loading={busy} fullWidth>
            Sign in
          </Button>
          <Text size="sm" ta="center">
            New to Albedo?{' '}
            <Anchor component={Link} to="/signup">
              Create a workspace
            </Anchor>
          </Text>
        </Stack>
      </form>
    </AuthLayout>
  );
}
