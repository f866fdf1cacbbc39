import { Anchor, Button, Group, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, type SignedIn } from '../../api.ts';
import { useAuth } from '../../auth.tsx';
import { AuthLayout } from '../../components/auth-layout.tsx';
import { FormError } from '../../components/form-error.tsx';
import { useSubmit } from '../../components/use-submit.ts';

type LoginAnswer = { data: SignedIn } | { data: { mfaRequired: true; mfaToken: string } };

export function LoginPage() {
  const auth = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [mfaToken, setMfaToken] = useState<string | null>(null);
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
  const signIn = useSubmit(form, async (values) => {
    const answer = await api<LoginAnswer>('/api/v1/auth/login', { method: 'POST', auth: false, body: values });
    if ('mfaRequired' in answer.data) setMfaToken(answer.data.mfaToken);
    else done(answer.data);
  });
  const verify = useSubmit(codeForm, async ({ code }) => {
    const body = { mfaToken, code };
    done((await api<{ data: SignedIn }>('/api/v1/auth/mfa/verify', { method: 'POST', auth: false, body })).data);
  });

  if (mfaToken) {
    return (
      <AuthLayout
        title="Two-factor authentication"
        subtitle="Enter the code from your authenticator app, or one of your backup codes."
      >
        <form onSubmit={verify.onSubmit}>
          <Stack>
            <FormError error={verify.error} />
            <TextInput
              label="Authentication code"
              autoComplete="one-time-code"
              inputMode="numeric"
              autoFocus
              key={codeForm.key('code')}
              {...codeForm.getInputProps('code')}
            />
            <Button type="submit" loading={verify.busy} fullWidth>
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
      <form onSubmit={signIn.onSubmit}>
        <Stack>
          <FormError error={signIn.error} />
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
          <Button type="submit" loading={signIn.busy} fullWidth>
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
