// Settings → Notifications (channels per kind) and Settings → Integrations (the private ICS
// subscription URL: create, copy, regenerate, turn off).
import { Alert, Button, Card, CopyButton, Group, Stack, Switch, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api.ts';
import { FormError } from '../../components/form-error.tsx';

interface Preference {
  kind: 'event.reminder' | 'task.reminder';
  inApp: boolean;
  email: boolean;
}

const KIND_LABELS: Record<string, string> = {
  'event.reminder': 'Event reminders',
  'task.reminder': 'Task reminders',
};

export function NotificationSettingsPage() {
  const queryClient = useQueryClient();
  const prefs = useQuery({
    queryKey: ['notification-preferences'],
    queryFn: () => api<{ data: Preference[] }>('/api/v1/notifications/preferences').then((r) => r.data),
  });
  const [error, setError] = useState<unknown>(null);
  async function set(p: Preference) {
    setError(null);
    try {
      await api('/api/v1/notifications/preferences', { method: 'PUT', body: p });
      await queryClient.invalidateQueries({ queryKey: ['notification-preferences'] });
    } catch (e) {
      setError(e);
    }
  }
  return (
    <Stack maw={700}>
      <Title order={2}>Notifications</Title>
      <Text size="sm" c="dimmed">
        Where each kind of notification reaches you. In the app means the bell (live while Albedo is open); email goes
        to your sign-in address.
      </Text>
      <FormError error={error} />
      <Table>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Kind</Table.Th>
            <Table.Th>In the app</Table.Th>
            <Table.Th>Email</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {prefs.data?.map((p) => (
            <Table.Tr key={p.kind}>
              <Table.Td>{KIND_LABELS[p.kind] ?? p.kind}</Table.Td>
              <Table.Td>
                <Switch
                  aria-label={`${KIND_LABELS[p.kind]} in the app`}
                  checked={p.inApp}
                  onChange={(e) => set({ ...p, inApp: e.currentTarget.checked })}
                />
              </Table.Td>
              <Table.Td>
                <Switch
                  aria-label={`${KIND_LABELS[p.kind]} by email`}
                  checked={p.email}
                  onChange={(e) => set({ ...p, email: e.currentTarget.checked })}
                />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

export function IntegrationsPage() {
  const queryClient = useQueryClient();
  const status = useQuery({
    queryKey: ['calendar-feed'],
    queryFn: () =>
      api<{ data: { active: boolean; createdAt: string | null } }>('/api/v1/calendar/feed').then((r) => r.data),
  });
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function regenerate() {
    setError(null);
    try {
      const res = await api<{ data: { url: string } }>('/api/v1/calendar/feed', { method: 'POST' });
      setUrl(res.data.url);
      await queryClient.invalidateQueries({ queryKey: ['calendar-feed'] });
    } catch (e) {
      setError(e);
    }
  }
  async function turnOff() {
    await api('/api/v1/calendar/feed', { method: 'DELETE' });
    setUrl(null);
    await queryClient.invalidateQueries({ queryKey: ['calendar-feed'] });
  }
  return (
    <Stack maw={760}>
      <Title order={2}>Integrations</Title>
      <Card withBorder>
        <Stack gap="sm">
          <Title order={4}>Calendar subscription (ICS)</Title>
          <Text size="sm">
            Subscribe to your Albedo calendar from Google Calendar ("Other calendars → From URL") or Outlook ("Add
            calendar → Subscribe from web"). The address is private: anyone who has it can read your events, so
            regenerate it if it leaks.
          </Text>
          <FormError error={error} />
          {url ? (
            <Group gap="xs" wrap="nowrap">
              <TextInput
                readOnly
                value={url}
                style={{ flex: 1 }}
                aria-label="Subscription URL"
                data-testid="feed-url"
              />
              <CopyButton value={url}>
                {({ copied, copy }) => (
                  <Button variant="default" onClick={copy}>
                    {copied ? 'Copied' : 'Copy'}
                  </Button>
                )}
              </CopyButton>
            </Group>
          ) : status.data?.active ? (
            <Alert variant="light">
              Your feed is on (since {new Date(status.data.createdAt as string).toLocaleDateString()}). Its address was
              shown once; regenerate to see a new one (the old one stops working).
            </Alert>
          ) : (
            <Text size="sm" c="dimmed">
              The feed is off.
            </Text>
          )}
          <Group>
            <Button onClick={regenerate}>{status.data?.active ? 'Regenerate URL' : 'Create subscription URL'}</Button>
            {status.data?.active && (
              <Button variant="subtle" color="red" onClick={turnOff}>
                Turn off
              </Button>
            )}
          </Group>
        </Stack>
      </Card>
      <Text size="sm" c="dimmed">
        Two-way sync with Google Calendar and Microsoft 365 comes later.
      </Text>
    </Stack>
  );
}
