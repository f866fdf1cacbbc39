// The trash: records deleted in the last 30 days, restorable until they are purged.
import { Button, Card, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api.ts';
import { humanize } from './meta.ts';

interface Trashed {
  resource: string;
  id: string;
  title: string;
  deletedAt: string;
  purgeAt: string;
}

export function TrashPage() {
  const queryClient = useQueryClient();
  const trash = useQuery({
    queryKey: ['trash'],
    queryFn: async () => (await api<{ data: Trashed[] }>('/api/v1/trash')).data,
  });
  return (
    <Stack>
      <Title order={2}>Trash</Title>
      <Text c="dimmed" size="sm">
        Deleted records stay here for 30 days, then they are removed for good.
      </Text>
      {!trash.data ? (
        <Loader />
      ) : trash.data.length === 0 ? (
        <Card withBorder padding="xl">
          <Text ta="center" c="dimmed">
            The trash is empty.
          </Text>
        </Card>
      ) : (
        <Table data-testid="trash">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Record</Table.Th>
              <Table.Th>Type</Table.Th>
              <Table.Th>Deleted</Table.Th>
              <Table.Th>Removed for good</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {trash.data.map((r) => (
              <Table.Tr key={r.id}>
                <Table.Td>{r.title}</Table.Td>
                <Table.Td>{humanize(r.resource)}</Table.Td>
                <Table.Td>{new Date(r.deletedAt).toLocaleString()}</Table.Td>
                <Table.Td>{new Date(r.purgeAt).toLocaleDateString()}</Table.Td>
                <Table.Td>
                  <Button
                    size="compact-sm"
                    variant="light"
                    onClick={async () => {
                      await api(`/api/v1/${r.resource}/${r.id}/restore`, { method: 'POST' });
                      notifications.show({ color: 'green', message: `${r.title} restored` });
                      await queryClient.invalidateQueries();
                    }}
                  >
                    Restore
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
