import { Badge, Button, Card, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../../api.ts';
import { useAuth } from '../../auth.tsx';
import { FormError } from '../../components/form-error.tsx';
import { useSubmit } from '../../components/use-submit.ts';

export function ProfilePage() {
  const { me } = useAuth();
  const queryClient = useQueryClient();
  const form = useForm({
    mode: 'uncontrolled',
    initialValues: { name: me?.name ?? '' },
    validate: { name: (v) => (v.trim() ? null : 'Enter your name') },
  });
  const submit = useSubmit(form, async (values) => {
    await api('/api/v1/me', { method: 'PATCH', body: { name: values.name.trim() } });
    await queryClient.invalidateQueries({ queryKey: ['me'] });
    notifications.show({ color: 'green', message: 'Profile saved' });
  });
  if (!me) return null;
  return (
    <Stack maw={560} gap="lg">
      <Title order={1}>Profile</Title>
      <Card withBorder padding="lg">
        <form onSubmit={submit.onSubmit}>
          <Stack>
            <FormError error={submit.error} />
            <TextInput label="Name" key={form.key('name')} {...form.getInputProps('name')} />
            <Group>
              <Button type="submit" loading={submit.busy}>
                Save
              </Button>
            </Group>
          </Stack>
        </form>
      </Card>
      <Card withBorder padding="lg">
        <Stack gap="xs">
          <Text fw={600}>Email</Text>
          <Group>
            <Text>{me.email}</Text>
            <Badge color={me.emailVerified ? 'green' : 'yellow'} variant="light">
              {me.emailVerified ? 'Confirmed' : 'Not confirmed'}
            </Badge>
          </Group>
          {!me.emailVerified && (
            <Group>
              <Button
                variant="light"
                size="xs"
                onClick={async () => {
                  await api('/api/v1/me/email/verification', { method: 'POST' });
                  notifications.show({ message: `We sent a new confirmation link to ${me.email}` });
                }}
              >
                Send the confirmation link again
              </Button>
            </Group>
          )}
          <Text size="sm" c="dimmed">
            Workspace: {me.workspace.name} · Role: {me.role}
            {me.department ? ` · Department: ${me.department}` : ''}
          </Text>
        </Stack>
      </Card>
    </Stack>
  );
}
