// Personal access tokens: create (shown once), list, revoke.
import {
  Alert,
  Button,
  Card,
  Code,
  CopyButton,
  Group,
  Select,
  Stack,
  Table,
  TagsInput,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api.ts';
import { useAuth } from '../../auth.tsx';
import { FormError } from '../../components/form-error.tsx';
import { useSubmit } from '../../components/use-submit.ts';

interface Token {
  id: string;
  name: string;
  scopes: string[];
  expiresAt: string | null;
  lastUsedAt: string | null;
}

export function TokensCard() {
  const { me } = useAuth();
  const tokens = useQuery({
    queryKey: ['tokens'],
    queryFn: async () => (await api<{ data: Token[] }>('/api/v1/me/tokens')).data,
  });
  const [created, setCreated] = useState<string | null>(null);
  const form = useForm({
    mode: 'uncontrolled',
    initialValues: { name: '', scopes: [] as string[], expiresInDays: '90' },
    validate: {
      name: (v) => (v.trim() ? null : 'Name the token after what uses it'),
      scopes: (v) => (v.length ? null : 'Choose at least one permission'),
    },
  });
  const submit = useSubmit(form, async (values) => {
    const res = await api<{ data: { token: string } }>('/api/v1/me/tokens', {
      method: 'POST',
      body: { name: values.name.trim(), scopes: values.scopes, expiresInDays: Number(values.expiresInDays) },
    });
    setCreated(res.data.token);
    form.reset();
    await tokens.refetch();
  });
  return (
    <Card withBorder padding="lg">
      <Title order={2} size="h4" mb="xs">
        Access tokens
      </Title>
      <Text size="sm" c="dimmed" mb="md">
        For scripts, MCP clients and integrations. A token can do only what its scopes allow, and never more than you
        can.
      </Text>
      {created && (
        <Alert color="green" mb="md" title="Copy your new token now: it is shown only once">
          <Group gap="xs" wrap="nowrap">
            <Code data-testid="new-token" style={{ wordBreak: 'break-all' }}>
              {created}
            </Code>
            <CopyButton value={created}>
              {({ copied, copy }) => (
                <Button size="xs" variant="light" onClick={copy}>
                  {copied ? 'Copied' : 'Copy'}
                </Button>
              )}
            </CopyButton>
          </Group>
        </Alert>
      )}
      <form onSubmit={submit.onSubmit}>
        <Stack>
          <FormError error={submit.error} />
          <Group align="flex-start" wrap="wrap">
            <TextInput
              label="Name"
              placeholder="Nightly export"
              w={220}
              key={form.key('name')}
              {...form.getInputProps('name')}
            />
            <TagsInput
              label="Scopes"
              placeholder="e.g. crm:contacts:read"
              data={me?.permissions ?? []}
              w={320}
              key={form.key('scopes')}
              {...form.getInputProps('scopes')}
            />
            <Select
              label="Expires after"
              data={[
                { value: '30', label: '30 days' },
                { value: '90', label: '90 days' },
                { value: '365', label: '1 year' },
              ]}
              allowDeselect={false}
              w={140}
              key={form.key('expiresInDays')}
              {...form.getInputProps('expiresInDays')}
            />
          </Group>
          <Group>
            <Button type="submit" loading={submit.busy}>
              Create token
            </Button>
          </Group>
        </Stack>
      </form>
      {tokens.data && tokens.data.length > 0 && (
        <Table mt="md">
          <Table.Tbody>
            {tokens.data.map((t) => (
              <Table.Tr key={t.id}>
                <Table.Td>{t.name}</Table.Td>
                <Table.Td>
                  <Text size="xs">{t.scopes.join(', ')}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="xs">
                    {t.expiresAt ? `expires ${new Date(t.expiresAt).toLocaleDateString()}` : 'no expiry'}
                    {t.lastUsedAt ? ` · used ${new Date(t.lastUsedAt).toLocaleString()}` : ' · never used'}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Button
                    size="xs"
                    variant="subtle"
                    color="red"
                    onClick={async () => {
                      await api(`/api/v1/me/tokens/${t.id}`, { method: 'DELETE' });
                      await tokens.refetch();
                    }}
                  >
                    Revoke
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}
