import { Anchor, Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { Link, useNavigate } from 'react-router';
import { api, type SignedIn } from '../../api.ts';
import { useAuth } from '../../auth.tsx';
import { AuthLayout } from '../../components/auth-layout.tsx';
import { FormError } from '../../components/form-error.tsx';
import { useSubmit } from '../../components/use-submit.ts';

export function SignupPage() {
  const auth = useAuth();
  const navigate = useNavigate();
  const form = useForm({
    mode: 'uncontrolled',
    initialValues: { name: '', email: '', password: '', workspaceName: '' },
    validate: {
      name: (v) => (v.trim() ? null : 'Enter your name'),
      email: (v) => (/^\S+@\S+\.\S+$/.test(v) ? null : 'Enter a valid email address'),
      password: (v) => (v.length >= 12 ? null : 'Use at least 12 characters'),
      workspaceName: (v) => (v.trim() ? null : 'Name your workspace, e.g. your company'),
    },
  });
  const submit = useSubmit(form, async (values) => {
    const result = await api<{ data: SignedIn }>('/api/v1/auth/signup', {
      method: 'POST',
      auth: false,
      body: values,
    });
    auth.signedIn(result.data);
    navigate('/', { replace: true });
  });

  return (
    <AuthLayout title="Create your workspace" subtitle="You will be its owner, and can invite your team next.">
      <form onSubmit={submit.onSubmit}>
        <Stack>
          <FormError error={submit.error} />
          <TextInput
            label="Your name"
            autoComplete="name"
            autoFocus
            key={form.key('name')}
            {...form.getInputProps('name')}
          />
          <TextInput
            label="Work email"
            type="email"
            autoComplete="email"
            key={form.key('email')}
            {...form.getInputProps('email')}
          />
          <PasswordInput
            label="Password"
            description="At least 12 characters; not a common password"
            autoComplete="new-password"
            key={form.key('password')}
            {...form.getInputProps('password')}
          />
          <TextInput label="Workspace name" key={form.key('workspaceName')} {...form.getInputProps('workspaceName')} />
          <Button type="submit" loading={submit.busy} fullWidth>
            Create workspace
          </Button>
          <Text size="sm" ta="center">
            Already have an account?{' '}
            <Anchor component={Link} to="/login">
              Sign in
            </Anchor>
          </Text>
        </Stack>
      </form>
    </AuthLayout>
  );
}
