// Home for a signed-in member: the workspace at a glance and what is left to set up.
import { Anchor, Badge, Card, List, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { Link } from 'react-router';
import { useAuth } from '../auth.tsx';

export function HomePage() {
  const { me, can } = useAuth();
  if (!me) return null;
  const steps = [
    { done: me.emailVerified, label: 'Confirm your email address', to: '/settings/profile' },
    { done: me.mfaEnabled, label: 'Turn on two-factor authentication', to: '/settings/security' },
    ...(can('admin:users:create') ? [{ done: false, label: 'Invite your team', to: '/settings/members' }] : []),
  ];
  return (
    <Stack gap="lg" maw={760}>
      <div>
        <Title order={1}>Welcome, {me.name.split(' ')[0]}</Title>
        <Text c="dimmed">
          {me.workspace.name} · <Badge variant="light">{me.role}</Badge>
          {me.department ? ` · ${me.department}` : ''}
        </Text>
      </div>
      <Card withBorder padding="lg">
        <Title order={2} size="h4" mb="sm">
          Getting started
        </Title>
        <List spacing="sm" center>
          {steps.map((s) => (
            <List.Item
              key={s.label}
              icon={
                <ThemeIcon
                  color={s.done ? 'green' : 'gray'}
                  size={20}
                  radius="xl"
                  aria-label={s.done ? 'done' : 'to do'}
                >
                  {s.done ? '✓' : '·'}
                </ThemeIcon>
              }
            >
              {s.done ? (
                <Text td="line-through" c="dimmed">
                  {s.label}
                </Text>
              ) : (
                <Anchor component={Link} to={s.to}>
                  {s.label}
                </Anchor>
              )}
            </List.Item>
          ))}
        </List>
      </Card>
    </Stack>
  );
}
