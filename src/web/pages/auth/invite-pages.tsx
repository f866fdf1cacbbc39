// Accepting an invitation, and confirming an email address from its link.
import { Alert, Anchor, Button, Loader, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { ApiError, api, type SignedIn } from '../../api.ts';
import { useAuth } from '../../auth.tsx';
import { AuthLayout } from '../../components/auth-layout.tsx';
import { FormError } from '../../components/form-error.tsx';
import { useSubmit } from '../../components/use-submit.ts';

export function AcceptInvitePage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const auth = useAuth();
  const navigate = useNavigate();
  const form = useForm({
    mode: 'uncontrolled',
    initialValues: { name: '', password: '' },
    validate: { password: (v) => (v ? null : 'Enter a password') },
  });
  const submit = useSubmit(form, async (values) => {
    const body = { token, password: values.password, ...(values.name.trim() ? { name: values.name.trim() } : {}) };
    const result = await api<{ data: SignedIn }>('/api/v1/invites/accept', { method: 'POST', auth: false, body });
    auth.signedIn(result.data);
    navigate('/', { replace: true });
  });
  return (
    <AuthLayout
      title="Join your team"
      subtitle="New to Albedo? Enter your name and choose a password. Already have an account? Leave the name empty and enter your password."
    >
      {!token && <Alert color="red">This page needs the link from the invitation email.</Alert>}
      <form onSubmit={submit.onSubmit}>
        <Stack>
          <FormError error={submit.error} />
          <TextInput label="Your name" autoComplete="name" key={form.key('name')} {...form.getInputProps('name')} />
          <PasswordInput
            label="Password"
            description="At least 12 characters (or your existing password)"
            autoComplete="new-password"
            key={form.key('password')}
            {...form.getInputProps('password')}
          />
          <Button type="submit" loading={submit.busy} disabled={!token} fullWidth>
            Accept invitation
          </Button>
        </Stack>
      </form>
    </AuthLayout>
  );
}

export function VerifyEmailPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [state, setState] = useState<'working' | 'done' | 'failed'>('working');
  const [message, setMessage] = useState('');
  const sent = useRef(false);
  useEffect(() => {
    if (sent.current) return;
    sent.current = true;
    api('/api/v1/auth/email/verify', { method: 'POST', auth: false, body: { token } })
      .then(() => setState('done'))
      .catch((err) => {
        setState('failed');
        setMessage(err instanceof ApiError ? (err.fields[0]?.message ?? err.message) : 'Cannot reach the server.');
      });
  }, [token]);
  return (
    <AuthLayout title="Confirm your email">
      {state === 'working' && <Loader aria-label="Confirming" />}
      {state === 'done' && <Text>Your email address is confirmed. Thank you.</Text>}
      {state === 'failed' && <Alert color="red">{message}</Alert>}
      <Anchor component={Link} to="/">
        Go to Albedo
      </Anchor>
    </AuthLayout>
  );
}
