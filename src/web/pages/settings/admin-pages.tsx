// Admin pages: workspace settings, the audit log and the mail outbox.
import {
  Accordion,
  Badge,
  Button,
  Card,
  Group,
  Loader,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, download } from '../../api.ts';
import { useAuth } from '../../auth.tsx';
import { FormError } from '../../components/form-error.tsx';
import { useSubmit } from '../../components/use-submit.ts';

interface Workspace {
  id: string;
  name: string;
  requireMfa: boolean;
  timezone: string;
  currency: string;
  locale: string;
}

const TIME_ZONES = Intl.supportedValuesOf('timeZone');
const CURRENCIES = Intl.supportedValuesOf('currency');

export function WorkspacePage() {
  const queryClient = useQueryClient();
  const ws = useQuery({
    queryKey: ['workspace'],
    queryFn: async () => (await api<{ data: Workspace }>('/api/v1/workspace')).data,
  });
  if (!ws.data) return <Loader />;
  return <WorkspaceForm workspace={ws.data} onSaved={() => queryClient.invalidateQueries()} />;
}

function WorkspaceForm({ workspace, onSaved }: { workspace: Workspace; onSaved: () => void }) {
  const form = useForm({
    mode: 'uncontrolled',
    initialValues: {
      name: workspace.name,
      requireMfa: workspace.requireMfa,
      timezone: workspace.timezone,
      currency: workspace.currency,
      locale: workspace.locale,
    },
    validate: { name: (v) => (v.trim() ? null : 'Name the workspace') },
  });
  const submit = useSubmit(form, async (values) => {
    await api('/api/v1/workspace', {
      method: 'PATCH',
      body: { ...values, name: values.name.trim() },
    });
    notifications.show({ color: 'green', message: 'Workspace saved' });
    onSaved();
  });
  return (
    <Stack maw={560} gap="lg">
      <Title order={1}>Workspace</Title>
      <Card withBorder padding="lg">
        <form onSubmit={submit.onSubmit}>
          <Stack>
            <FormError error={submit.error} />
            <TextInput label="Name" key={form.key('name')} {...form.getInputProps('name')} />
            <Select
              label="Time zone"
              data={TIME_ZONES}
              searchable
              allowDeselect={false}
              key={form.key('timezone')}
              {...form.getInputProps('timezone')}
            />
            <Group grow align="flex-end">
              <Select
                label="Currency"
                data={CURRENCIES}
                searchable
                allowDeselect={false}
                key={form.key('currency')}
                {...form.getInputProps('currency')}
              />
              <TextInput
                label="Locale"
                description="e.g. en-GB, de-DE"
                key={form.key('locale')}
                {...form.getInputProps('locale')}
              />
            </Group>
            <Switch
              label="Require two-factor authentication"
              description="Members without it can do nothing but set it up."
              key={form.key('requireMfa')}
              {...form.getInputProps('requireMfa', { type: 'checkbox' })}
            />
            <Group>
              <Button type="submit" loading={submit.busy}>
                Save
              </Button>
            </Group>
          </Stack>
        </form>
      </Card>
    </Stack>
  );
}

interface AuditEntry {
  id: string;
  action: string;
  entityType: string;
  entityId: string | null;
  actor: { name: string | null; email: string | null } | null;
  channel: string;
  changes: Record<string, { old: unknown; new: unknown }> | null;
  ip: string | null;
  createdAt: string;
}

export function AuditPage() {
  const [action, setAction] = useState('');
  const query = useInfiniteQuery({
    queryKey: ['audit', action],
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam }) => {
      const params = new URLSearchParams({ limit: '50' });
      if (action.trim()) params.set('action', action.trim());
      if (pageParam) params.set('cursor', pageParam);
      return api<{ data: AuditEntry[]; page: { nextCursor: string | null } }>(`/api/v1/audit?${params}`);
    },
    getNextPageParam: (last) => last.page.nextCursor,
  });
  const entries = query.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <Stack gap="lg" maw={1100}>
      <Title order={1}>Audit log</Title>
      <Group align="flex-end">
        <TextInput
          label="Action"
          placeholder="e.g. auth.login or member.role_changed"
          w={320}
          value={action}
          onChange={(e) => setAction(e.currentTarget.value)}
        />
        <Button
          variant="light"
          onClick={() =>
            download(
              `/api/v1/audit/export${action.trim() ? `?action=${encodeURIComponent(action.trim())}` : ''}`,
              'audit.csv',
            )
          }
        >
          Export CSV
        </Button>
      </Group>
      <Card withBorder padding="lg">
        {query.isPending && <Loader />}
        {!query.isPending && entries.length === 0 && <Text c="dimmed">No entries match.</Text>}
        {entries.length > 0 && (
          <Table.ScrollContainer minWidth={800}>
            <Table verticalSpacing="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>When</Table.Th>
                  <Table.Th>Who</Table.Th>
                  <Table.Th>Action</Table.Th>
                  <Table.Th>Changes</Table.Th>
                  <Table.Th>Via</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {entries.map((e) => (
                  <Table.Tr key={e.id}>
                    <Table.Td>{new Date(e.createdAt).toLocaleString()}</Table.Td>
                    <Table.Td>{e.actor?.name ?? e.actor?.email ?? 'System'}</Table.Td>
                    <Table.Td>
                      <code>{e.action}</code>
                    </Table.Td>
                    <Table.Td>
                      {e.changes
                        ? Object.entries(e.changes).map(([field, c]) => (
                            <Text key={field} size="xs">
                              {field}: {JSON.stringify(c.old)} → {JSON.stringify(c.new)}
                            </Text>
                          ))
                        : '—'}
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs">
                        {e.channel}
                        {e.ip ? ` · ${e.ip}` : ''}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {query.hasNextPage && (
          <Button variant="light" mt="md" loading={query.isFetchingNextPage} onClick={() => query.fetchNextPage()}>
            Load older entries
          </Button>
        )}
      </Card>
    </Stack>
  );
}

interface Mail {
  id: string;
  to: string;
  subject: string;
  text: string;
  status: string;
  createdAt: string;
}

export function OutboxPage() {
  const { can } = useAuth();
  const mails = useQuery({
    queryKey: ['outbox'],
    queryFn: async () => (await api<{ data: Mail[] }>('/api/v1/admin/outbox?limit=100')).data,
    enabled: can('admin:users:read'),
  });
  return (
    <Stack gap="lg" maw={900}>
      <Title order={1}>Mail outbox</Title>
      <Text c="dimmed">
        Mail this workspace sent. Without SMTP configured, mail waits here (status "outbox"): share a link from here by
        hand.
      </Text>
      {mails.data?.length === 0 && <Text c="dimmed">No mail yet.</Text>}
      <Accordion variant="separated">
        {mails.data?.map((m) => (
          <Accordion.Item key={m.id} value={m.id}>
            <Accordion.Control>
              <Group justify="space-between" wrap="nowrap">
                <div>
                  <Text fw={500}>{m.subject}</Text>
                  <Text size="xs" c="dimmed">
                    to {m.to} · {new Date(m.createdAt).toLocaleString()}
                  </Text>
                </div>
                <Badge variant="light" color={m.status === 'sent' ? 'green' : m.status === 'failed' ? 'red' : 'gray'}>
                  {m.status}
                </Badge>
              </Group>
            </Accordion.Control>
            <Accordion.Panel>
              <Text size="sm" style={{ whiteSpace: 'pre-wrap' }} data-testid="mail-body">
                {m.text}
              </Text>
            </Accordion.Panel>
          </Accordion.Item>
        ))}
      </Accordion>
    </Stack>
  );
}
