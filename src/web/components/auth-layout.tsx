// The frame of the signed-out pages: logo, a card, and a title.
import { Anchor, Center, Container, Group, Paper, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link } from 'react-router';

export function AuthLayout({
  title,
  subtitle,
  children,
}: {
  title: string;
  subtitle?: ReactNode;
  children: ReactNode;
}) {
  return (
    <Center mih="100vh" bg="var(--mantine-color-gray-light)" py="xl">
      <Container size={440} w="100%">
        <Stack gap="lg">
          <Group gap="xs" justify="center">
            <img src="/favicon.svg" alt="" width={32} height={32} />
            <Text fw={700} size="xl">
              Albedo
            </Text>
          </Group>
          <Paper withBorder shadow="sm" p="xl" radius="md">
            <Stack gap="md">
              <div>
                <Title order={1} size="h2">
                  {title}
                </Title>
                {subtitle && (
                  <Text c="dimmed" size="sm" mt={4}>
                    {subtitle}
                  </Text>
                )}
              </div>
              {children}
            </Stack>
          </Paper>
          <Text c="dimmed" size="xs" ta="center">
            <Anchor component={Link} to="/status" size="xs" c="dimmed">
              Server status
            </Anchor>
          </Text>
        </Stack>
      </Container>
    </Center>
  );
}
