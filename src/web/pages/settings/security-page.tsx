// Security: password, two-factor authentication (QR enrolment, backup codes), and sessions.
import {
  Alert,
  Badge,
  Button,
  Card,
  Code,
  Group,
  Image,
  List,
  PasswordInput,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api.ts';
import { useAuth } from '../../auth.tsx';
import { applyApiError, FormError } from '../../components/form-error.tsx';
import { useSubmit } from '../../components/use-submit.ts';
import { TokensCard } from './tokens-card.tsx';

function ChangePassword() {
  const form = useForm({
    mode: 'uncontrolled',
    initialValues: { currentPassword: '', newPassword: '' },
    validate: {
      currentPassword: (v) => (v ? null : 'Enter your current password'),
      newPassword: (v) => (v.length >= 12 ? null : 'Use at least 12 characters'),
    },
  });
  const submit = useSubmit(form, async (values) => {
    await api('/api/v1/me/password', { method: 'POST', body: values });
    form.reset();
    notifications.show({ color: 'green', message: 'Password changed. Your other sessions were signed out.' });
  });
  return (
    <Card withBorder padding="lg">
      <Title order={2} size="h4" mb="sm">
        Password
      </Title>
      <form onSubmit={submit.onSubmit}>
        <Stack>
          <FormError error={submit.error} />
          <PasswordInput
            label="Current password"
            autoComplete="current-password"
            key={form.key('currentPassword')}
            {...form.getInputProps('currentPassword')}
          />
          <PasswordInput
            label="New password"
            autoComplete="new-password"
            key={form.key('newPassword')}
            {...form.getInputProps('newPassword')}
          />
          <Group>
            <Button type="submit" loading={submit.busy}>
              Change password
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

interface Setup {
  secret: string;
  otpauthUri: string;
  qrCodeDataUrl: string;
}

function TwoFactor() {
  const { me } = useAuth();
  const queryClient = useQueryClient();
  const [setup, setSetup] = useState<Setup | null>(null);
  const [backupCodes, setBackupCodes] = useState<string[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const codeForm = useForm({
    mode: 'uncontrolled',
    initialValues: { code: '' },
    validate: { code: (v) => (/^\d{6}$/.test(v.trim()) ? null : 'Enter the 6-digit code from your app') },
  });
  const offForm = useForm({
    mode: 'uncontrolled',
    initialValues: { password: '', code: '' },
    validate: {
      password: (v) => (v ? null : 'Enter your password'),
      code: (v) => (v.trim().length >= 6 ? null : 'Enter a code'),
    },
  });
  const offSubmit = useSubmit(offForm, async (values) => {
    await api('/api/v1/me/mfa/disable', { method: 'POST', body: values });
    offForm.reset();
    await refresh();
    notifications.show({ message: 'Two-factor authentication is off' });
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['me'] });

  if (backupCodes) {
    return (
      <Card withBorder padding="lg">
        <Title order={2} size="h4" mb="sm">
          Two-factor authentication is on
        </Title>
        <Alert color="yellow" mb="md" title="Save your backup codes now">
          Each code signs you in once if you lose your phone. They are shown only this once.
        </Alert>
        <SimpleGrid cols={{ base: 1, xs: 2 }} data-testid="backup-codes" mb="md">
          {backupCodes.map((c) => (
            <Code key={c} fz="md">
              {c}
            </Code>
          ))}
        </SimpleGrid>
        <Button
          onClick={() => {
            setBackupCodes(null);
            void refresh();
          }}
        >
          I have saved them
        </Button>
      </Card>
    );
  }

  return (
    <Card withBorder padding="lg">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4">
          Two-factor authentication
        </Title>
        <Badge color={me?.mfaEnabled ? 'green' : 'gray'} variant="light" data-testid="mfa-status">
          {me?.mfaEnabled ? 'On' : 'Off'}
        </Badge>
      </Group>
      <FormError error={error ?? offSubmit.error} />
      {!me?.mfaEnabled && !setup && (
        <Stack align="flex-start">
          <Text size="sm">
            Sign-in will also ask for a code from an authenticator app (Google Authenticator, Authy, 1Password…).
          </Text>
          <Button
            loading={busy}
            onClick={async () => {
              setBusy(true);
              setError(null);
              try {
                setSetup((await api<{ data: Setup }>('/api/v1/me/mfa/setup', { method: 'POST' })).data);
              } catch (err) {
                setError(err);
              } finally {
                setBusy(false);
              }
            }}
          >
            Set up two-factor authentication
          </Button>
        </Stack>
      )}
      {!me?.mfaEnabled && setup && (
        <form
          onSubmit={codeForm.onSubmit(async ({ code }) => {
            setBusy(true);
            setError(null);
            try {
              setBackupCodes(
                (
                  await api<{ data: { backupCodes: string[] } }>('/api/v1/me/mfa/enable', {
                    method: 'POST',
                    body: { code: code.trim() },
                  })
                ).data.backupCodes,
              );
              setSetup(null);
            } catch (err) {
              setError(applyApiError(err, codeForm.setErrors));
            } finally {
              setBusy(false);
            }
          })}
        >
          <Stack>
            <List type="ordered" size="sm">
              <List.Item>Scan this code with your authenticator app.</List.Item>
              <List.Item>Enter the 6-digit code it shows.</List.Item>
            </List>
            <Image src={setup.qrCodeDataUrl} alt="QR code for your authenticator app" w={200} h={200} />
            <Text size="sm">
              Cannot scan? Enter this key by hand: <Code data-testid="mfa-secret">{setup.secret}</Code>
            </Text>
            <TextInput
              label="Code from the app"
              inputMode="numeric"
              autoComplete="one-time-code"
              w={220}
              key={codeForm.key('code')}
              {...codeForm.getInputProps('code')}
            />
            <Group>
              <Button type="submit" loading={busy}>
                Turn on
              </Button>
              <Button variant="subtle" onClick={() => setSetup(null)}>
                Cancel
              </Button>
            </Group>
          </Stack>
        </form>
      )}
      {me?.mfaEnabled && (
        <form onSubmit={offSubmit.onSubmit}>
          <Stack>
            <Text size="sm">To turn it off, confirm with your password and a current code.</Text>
            <Group align="flex-start">
              <PasswordInput
                label="Password"
                autoComplete="current-password"
                w={240}
                key={offForm.key('password')}
                {...offForm.getInputProps('password')}
              />
              <TextInput
                label="Code"
                autoComplete="one-time-code"
                w={180}
                key={offForm.key('code')}
                {...offForm.getInputProps('code')}
              />
            </Group>
            <Group>
              <Button type="submit" color="red" variant="light" loading={offSubmit.busy}>
                Turn off
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Card>
  );
}

interface SessionRow {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
}

function describeAgent(ua: string | null): string {
  if (!ua) return 'Unknown device';
  const browser = /Firefox\//.test(ua)
    ? 'Firefox'
    : /Edg\//.test(ua)
      ? 'Edge'
      : /Chrome\//.test(ua)
        ? 'Chrome'
        : /Safari\//.test(ua)
          ? 'Safari'
          : 'Browser or app';
  const os = /Windows/.test(ua)
    ? 'Windows'
    : /Mac OS X/.test(ua)
      ? 'macOS'
      : /Android/.test(ua)
        ? 'Android'
        : /iPhone|iPad/.test(ua)
          ? 'iOS'
          : /Linux/.test(ua)
            ? 'Linux'
            : '';
  return os ? `${browser} on ${os}` : browser;
}

function Sessions() {
  const sessions = useQuery({
    queryKey: ['sessions'],
    queryFn: async () => (await api<{ data: SessionRow[] }>('/api/v1/me/sessions')).data,
  });
  return (
    <Card withBorder padding="lg">
      <Title order={2} size="h4" mb="sm">
        Sessions
      </Title>
      <Table.ScrollContainer minWidth={480}>
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Device</Table.Th>
              <Table.Th>IP address</Table.Th>
              <Table.Th>Last active</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {sessions.data?.map((s) => (
              <Table.Tr key={s.id}>
                <Table.Td>
                  {describeAgent(s.userAgent)}{' '}
                  {s.current && (
                    <Badge size="xs" variant="light">
                      This device
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td>{s.ip ?? '—'}</Table.Td>
                <Table.Td>{new Date(s.lastUsedAt).toLocaleString()}</Table.Td>
                <Table.Td>
                  {!s.current && (
                    <Button
                      size="xs"
                      variant="subtle"
                      color="red"
                      onClick={async () => {
                        await api(`/api/v1/me/sessions/${s.id}`, { method: 'DELETE' });
                        await sessions.refetch();
                      }}
                    >
                      Sign out
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Card>
  );
}

export function SecurityPage() {
  return (
    <Stack maw={760} gap="lg">
      <Title order={1}>Security</Title>
      <TwoFactor />
      <ChangePassword />
      <Sessions />
      <TokensCard />
    </Stack>
  );
}
