// Public server status: whether this instance is ready, live from /health/ready.
import { Anchor, Badge, Card, Container, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { getJson } from '../api.ts';

interface Readiness {
  status: 'ready' | 'not_ready';
  failing: string[];
  checks: Record<string, { ok: boolean; detail?: string }>;
}

const CHECK_LABELS: Record<string, string> = {
  database: 'Database',
  migrations: 'Migrations',
  jobs: 'Job queue',
};

export function StatusPage() {
  const ready = useQuery({
    queryKey: ['health', 'ready'],
    queryFn: async () => (await getJson<Readiness>('/health/ready')).body,
    refetchInterval: 15_000,
  });
  const health = useQuery({
    queryKey: ['health'],
    queryFn: async () => (await getJson<{ version: string }>('/health')).body,
  });

  return (
    <Container size="sm" py="xl">
      <Stack gap="lg">
        <Group gap="sm">
          <img src="/favicon.svg" alt="" width={40} height={40} />
          <Title order={1}>Albedo</Title>
          {health.data && <Badge variant="light">v{health.data.version}</Badge>}
        </Group>
        <Text size="lg">
          The CRM you run by talking to it: contacts, organizations, deals, projects, tasks and calendar, with an
          assistant that does the work through the same permission-checked services as this app.
        </Text>
        <Card withBorder padding="lg" aria-labelledby="server-status">
          <Group justify="space-between" mb="sm">
            <Title order={2} size="h4" id="server-status">
              Server status
            </Title>
            {ready.data && (
              <Badge color={ready.data.status === 'ready' ? 'green' : 'red'} data-testid="readiness">
                {ready.data.status === 'ready' ? 'Ready' : 'Not ready'}
              </Badge>
            )}
          </Group>
          {ready.isPending && <Loader size="sm" aria-label="Checking the server" />}
          {ready.isError && <Text c="red">Cannot reach the server: {(ready.error as Error).message}</Text>}
          {ready.data && (
            <Table>
              <Table.Tbody>
                {Object.entries(ready.data.checks).map(([name, check]) => (
                  <Table.Tr key={name}>
                    <Table.Td>{CHECK_LABELS[name] ?? name}</Table.Td>
                    <Table.Td>
                      <Badge variant="dot" color={check.ok ? 'green' : 'red'}>
                        {check.ok ? 'OK' : 'Failing'}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c="dimmed">
                        {check.detail ?? ''}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Card>
        <Text c="dimmed" size="sm">
          Developers: the API is documented at <Anchor href="/docs">/docs</Anchor> (OpenAPI at{' '}
          <Anchor href="/api/v1/openapi.json">/api/v1/openapi.json</Anchor>).
        </Text>
      </Stack>
    </Container>
  );
}
