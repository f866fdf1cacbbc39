// Feedback: every member can send it; admins see what was sent and mark it reviewed.
import {
  Badge,
  Button,
  Card,
  Group,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api.ts';
import { useAuth } from '../auth.tsx';
import { FormError } from '../components/form-error.tsx';

interface Feedback {
  id: string;
  category: string;
  message: string;
  page: string | null;
  status: string;
  createdAt: string;
  userName: string | null;
}

export function FeedbackPage() {
  const auth = useAuth();
  const queryClient = useQueryClient();
  const [category, setCategory] = useState('idea');
  const [message, setMessage] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <Stack maw={900}>
      <Title order={2}>Feedback</Title>
      <Card withBorder>
        <Stack>
          <Text size="sm">Tell us what works, what does not, and what you miss. Your admins read every message.</Text>
          <FormError error={error} />
          <SegmentedControl
            value={category}
            onChange={setCategory}
            data={[
              { value: 'idea', label: 'Idea' },
              { value: 'problem', label: 'Problem' },
              { value: 'question', label: 'Question' },
              { value: 'praise', label: 'Praise' },
            ]}
          />
          <Textarea
            label="Your message"
            autosize
            minRows={3}
            value={message}
            onChange={(e) => setMessage(e.currentTarget.value)}
          />
          <Group justify="flex-end">
            <Button
              loading={busy}
              onClick={async () => {
                if (!message.trim()) {
                  setError(new Error('Write a few words first.'));
                  return;
                }
                setBusy(true);
                setError(null);
                try {
                  await api('/api/v1/feedback', {
                    method: 'POST',
                    body: {
                      message,
                      category,
                      page: document.referrer ? new URL(document.referrer).pathname : undefined,
                    },
                  });
                  setMessage('');
                  await queryClient.invalidateQueries({ queryKey: ['feedback'] });
                  notifications.show({ color: 'green', message: 'Thank you! Your feedback was sent.' });
                } catch (err) {
                  setError(err);
                } finally {
                  setBusy(false);
                }
              }}
            >
              Send feedback
            </Button>
          </Group>
        </Stack>
      </Card>
      {auth.can('admin:feedback:read') ? <FeedbackReview /> : null}
    </Stack>
  );
}

function FeedbackReview() {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<string | null>('new');
  const list = useQuery({
    queryKey: ['feedback', status],
    queryFn: async () => (await api<{ data: Feedback[] }>(`/api/v1/feedback${status ? `?status=${status}` : ''}`)).data,
  });
  return (
    <Card withBorder>
      <Group justify="space-between" mb="sm">
        <Title order={4}>Sent by members</Title>
        <Select
          aria-label="Status"
          data={[
            { value: 'new', label: 'New' },
            { value: 'reviewed', label: 'Reviewed' },
          ]}
          value={status}
          onChange={setStatus}
          placeholder="All"
          clearable
          w={140}
        />
      </Group>
      {list.data?.length ? (
        <Table>
          <Table.Tbody>
            {list.data.map((f) => (
              <Table.Tr key={f.id}>
                <Table.Td>
                  <Badge variant="light">{f.category}</Badge>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                    {f.message}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {f.userName ?? 'Former member'} · {new Date(f.createdAt).toLocaleString()}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Button
                    size="compact-sm"
                    variant="light"
                    onClick={async () => {
                      await api(`/api/v1/feedback/${f.id}`, {
                        method: 'PATCH',
                        body: { status: f.status === 'new' ? 'reviewed' : 'new' },
                      });
                      await queryClient.invalidateQueries({ queryKey: ['feedback'] });
                    }}
                  >
                    {f.status === 'new' ? 'Mark reviewed' : 'Mark new'}
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : (
        <Text c="dimmed" size="sm">
          Nothing here.
        </Text>
      )}
    </Card>
  );
}
