// Members: who is in the workspace, their role and department; invite, change, deactivate.
import { Badge, Button, Card, Group, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api.ts';
import { useAuth } from '../../auth.tsx';
import { FormError } from '../../components/form-error.tsx';
import { useSubmit } from '../../components/use-submit.ts';

export const DEPARTMENTS = ['sales', 'marketing', 'operations', 'finance', 'management'];

interface Role {
  id: string;
  key: string;
  name: string;
  description: string;
  permissions: string[];
  isSystem: boolean;
}
interface Member {
  id: string;
  userId: string;
  name: string;
  email: string;
  role: { id: string; key: string; name: string };
  department: string | null;
  status: 'active' | 'deactivated';
  lastSignedInAt: string | null;
}
interface Invitation {
  id: string;
  email: string;
  role: { key: string; name: string };
  department: string | null;
  expiresAt: string;
}

export function useRoles() {
  return useQuery({ queryKey: ['roles'], queryFn: async () => (await api<{ data: Role[] }>('/api/v1/roles')).data });
}

function InviteForm({ roles, onInvited }: { roles: Role[]; onInvited: () => void }) {
  const { me } = useAuth();
  const form = useForm({
    mode: 'uncontrolled',
    initialValues: { email: '', roleKey: 'member', department: '' },
    validate: { email: (v) => (/^\S+@\S+\.\S+$/.test(v) ? null : 'Enter an email address') },
  });
  const submit = useSubmit(form, async (values) => {
    await api('/api/v1/invites', {
      method: 'POST',
      body: { email: values.email.trim(), roleKey: values.roleKey, department: values.department || null },
    });
    notifications.show({ color: 'green', message: `Invitation sent to ${values.email.trim()}` });
    form.reset();
    onInvited();
  });
  const choices = roles
    .filter((r) => r.key !== 'owner' || me?.role === 'owner')
    .map((r) => ({ value: r.key, label: r.name }));
  return (
    <Card withBorder padding="lg">
      <Title order={2} size="h4" mb="sm">
        Invite someone
      </Title>
      <form onSubmit={submit.onSubmit}>
        <Stack>
          <FormError error={submit.error} />
          <Group align="flex-end" wrap="wrap">
            <TextInput label="Email" type="email" w={260} key={form.key('email')} {...form.getInputProps('email')} />
            <Select
              label="Role"
              data={choices}
              allowDeselect={false}
              w={200}
              key={form.key('roleKey')}
              {...form.getInputProps('roleKey')}
            />
            <Select
              label="Department"
              data={DEPARTMENTS}
              clearable
              w={170}
              key={form.key('department')}
              {...form.getInputProps('department')}
            />
            <Button type="submit" loading={submit.busy}>
              Send invitation
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

export function MembersPage() {
  const { me, can } = useAuth();
  const queryClient = useQueryClient();
  const roles = useRoles();
  const members = useQuery({
    queryKey: ['members'],
    queryFn: async () => (await api<{ data: Member[] }>('/api/v1/members')).data,
  });
  const invites = useQuery({
    queryKey: ['invites'],
    queryFn: async () => (await api<{ data: Invitation[] }>('/api/v1/invites')).data,
  });
  const [error, setError] = useState<unknown>(null);
  const canEdit = can('admin:users:update');
  const roleOptions = (roles.data ?? []).filter((r) => r.key !== 'owner').map((r) => ({ value: r.key, label: r.name }));

  async function change(member: Member, body: Record<string, unknown>) {
    setError(null);
    try {
      await api(`/api/v1/members/${member.id}`, { method: 'PATCH', body });
      await queryClient.invalidateQueries({ queryKey: ['members'] });
      notifications.show({ color: 'green', message: `${member.name} updated` });
    } catch (err) {
      setError(err);
    }
  }

  return (
    <Stack gap="lg" maw={1000}>
      <Title order={1}>Members</Title>
      {can('admin:users:create') && roles.data && (
        <InviteForm roles={roles.data} onInvited={() => queryClient.invalidateQueries({ queryKey: ['invites'] })} />
      )}
      <FormError error={error} />
      <Card withBorder padding="lg">
        <Table.ScrollContainer minWidth={720}>
          <Table verticalSpacing="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Role</Table.Th>
                <Table.Th>Department</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {members.data?.map((m) => {
                const editable = canEdit && m.role.key !== 'owner' && m.userId !== me?.id && m.status === 'active';
                return (
                  <Table.Tr key={m.id} data-testid={`member-${m.email}`}>
                    <Table.Td>
                      <Text fw={500}>{m.name}</Text>
                      <Text size="xs" c="dimmed">
                        {m.email}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {editable ? (
                        <Select
                          aria-label={`Role of ${m.name}`}
                          data={roleOptions}
                          value={m.role.key}
                          allowDeselect={false}
                          w={190}
                          onChange={(v) => v && change(m, { roleKey: v })}
                        />
                      ) : (
                        m.role.name
                      )}
                    </Table.Td>
                    <Table.Td>
                      {editable ? (
                        <Select
                          aria-label={`Department of ${m.name}`}
                          data={DEPARTMENTS}
                          value={m.department}
                          clearable
                          w={150}
                          onChange={(v) => change(m, { department: v ?? null })}
                        />
                      ) : (
                        (m.department ?? '—')
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Badge color={m.status === 'active' ? 'green' : 'gray'} variant="light">
                        {m.status}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      {me?.role === 'owner' && m.userId !== me.id && m.status === 'active' && (
                        <Button
                          size="xs"
                          variant="subtle"
                          onClick={async () => {
                            if (!window.confirm(`Make ${m.name} the owner? You will become an admin.`)) return;
                            try {
                              await api('/api/v1/workspace/transfer-ownership', {
                                method: 'POST',
                                body: { memberId: m.id },
                              });
                              await queryClient.invalidateQueries();
                            } catch (err) {
                              setError(err);
                            }
                          }}
                        >
                          Make owner
                        </Button>
                      )}
                      {editable && can('admin:users:delete') && (
                        <Button
                          size="xs"
                          color="red"
                          variant="subtle"
                          onClick={async () => {
                            if (
                              !window.confirm(`Deactivate ${m.name}? Their records stay; they are signed out at once.`)
                            )
                              return;
                            try {
                              await api(`/api/v1/members/${m.id}`, { method: 'DELETE' });
                              await queryClient.invalidateQueries({ queryKey: ['members'] });
                            } catch (err) {
                              setError(err);
                            }
                          }}
                        >
                          Deactivate
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Card>
      <Card withBorder padding="lg">
        <Title order={2} size="h4" mb="sm">
          Pending invitations
        </Title>
        {invites.data?.length === 0 && <Text c="dimmed">No invitations waiting. Invite someone above.</Text>}
        {invites.data && invites.data.length > 0 && (
          <Table>
            <Table.Tbody>
              {invites.data.map((i) => (
                <Table.Tr key={i.id} data-testid={`invite-${i.email}`}>
                  <Table.Td>{i.email}</Table.Td>
                  <Table.Td>{i.role.name}</Table.Td>
                  <Table.Td>{i.department ?? '—'}</Table.Td>
                  <Table.Td>expires {new Date(i.expiresAt).toLocaleDateString()}</Table.Td>
                  <Table.Td>
                    {can('admin:users:create') && (
                      <Button
                        size="xs"
                        variant="subtle"
                        onClick={async () => {
                          await api(`/api/v1/invites/${i.id}`, { method: 'DELETE' });
                          await invites.refetch();
                        }}
                      >
                        Withdraw
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Card>
    </Stack>
  );
}
