// Roles & Teams: the roles (system and custom) with their permissions, and the team hierarchy.
import {
  Accordion,
  Badge,
  Button,
  Card,
  Group,
  Modal,
  MultiSelect,
  Select,
  Stack,
  TagsInput,
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
import { FormError } from '../../components/form-error.tsx';
import { useSubmit } from '../../components/use-submit.ts';
import { useRoles } from './members-page.tsx';

interface Team {
  id: string;
  name: string;
  parentId: string | null;
  members: Array<{ userId: string; name: string; isLeader: boolean }>;
}
interface Member {
  userId: string;
  name: string;
  status: string;
}

function CustomRoleEditor({ role }: { role: { id: string; name: string; permissions: string[] } }) {
  const queryClient = useQueryClient();
  const [permissions, setPermissions] = useState(role.permissions);
  const [error, setError] = useState<unknown>(null);
  return (
    <Stack>
      <FormError error={error} />
      <TagsInput label="Permissions" value={permissions} onChange={setPermissions} />
      <Group>
        <Button
          size="xs"
          onClick={async () => {
            setError(null);
            try {
              await api(`/api/v1/roles/${role.id}`, { method: 'PATCH', body: { permissions } });
              await queryClient.invalidateQueries({ queryKey: ['roles'] });
              notifications.show({ color: 'green', message: `${role.name} saved` });
            } catch (err) {
              setError(err);
            }
          }}
        >
          Save permissions
        </Button>
        <Button
          size="xs"
          variant="subtle"
          color="red"
          onClick={async () => {
            if (!window.confirm(`Delete the role ${role.name}?`)) return;
            setError(null);
            try {
              await api(`/api/v1/roles/${role.id}`, { method: 'DELETE' });
              await queryClient.invalidateQueries({ queryKey: ['roles'] });
            } catch (err) {
              setError(err);
            }
          }}
        >
          Delete role
        </Button>
      </Group>
    </Stack>
  );
}

interface PermissionSet {
  id: string;
  name: string;
  permissions: string[];
}

/** Permission sets: extra permissions granted to a member on top of the role, optionally until a date. */
function PermissionSets() {
  const { can } = useAuth();
  const queryClient = useQueryClient();
  const sets = useQuery({
    queryKey: ['permission-sets'],
    queryFn: async () => (await api<{ data: PermissionSet[] }>('/api/v1/permission-sets')).data,
  });
  const members = useQuery({
    queryKey: ['members'],
    queryFn: async () => (await api<{ data: Array<Member & { id: string }> }>('/api/v1/members')).data,
  });
  const create = useForm({
    mode: 'uncontrolled',
    initialValues: { name: '', permissions: [] as string[] },
    validate: { name: (v) => (v.trim() ? null : 'Name the set') },
  });
  const grant = useForm({
    mode: 'uncontrolled',
    initialValues: { memberId: '', permissionSetId: '', until: '' },
    validate: { memberId: (v) => (v ? null : 'Choose a member'), permissionSetId: (v) => (v ? null : 'Choose a set') },
  });
  const created = useSubmit(create, async (values) => {
    await api('/api/v1/permission-sets', {
      method: 'POST',
      body: { name: values.name.trim(), permissions: values.permissions },
    });
    create.reset();
    await queryClient.invalidateQueries({ queryKey: ['permission-sets'] });
  });
  const granted = useSubmit(grant, async (values) => {
    await api(`/api/v1/members/${values.memberId}/permission-sets`, {
      method: 'POST',
      body: {
        permissionSetId: values.permissionSetId,
        expiresAt: values.until ? new Date(`${values.until}T23:59:59`).toISOString() : null,
      },
    });
    grant.reset();
    notifications.show({ color: 'green', message: 'Permission set granted' });
  });
  if (!can('admin:users:update')) return null;
  return (
    <Stack>
      <Title order={2} size="h3">
        Permission sets
      </Title>
      {sets.data?.map((ps) => (
        <Group key={ps.id} gap={6}>
          <Text fw={600} mr="sm">
            {ps.name}
          </Text>
          {ps.permissions.map((p) => (
            <Badge key={p} variant="outline" tt="none">
              {p}
            </Badge>
          ))}
        </Group>
      ))}
      <Card withBorder padding="lg">
        <form onSubmit={created.onSubmit}>
          <Stack>
            <FormError error={created.error} />
            <Group align="flex-start" wrap="wrap">
              <TextInput label="Set name" w={220} key={create.key('name')} {...create.getInputProps('name')} />
              <TagsInput
                label="Set permissions"
                placeholder="crm:*:export"
                w={380}
                key={create.key('permissions')}
                {...create.getInputProps('permissions')}
              />
            </Group>
            <Group>
              <Button type="submit" loading={created.busy}>
                Create set
              </Button>
            </Group>
          </Stack>
        </form>
      </Card>
      <Card withBorder padding="lg">
        <form onSubmit={granted.onSubmit}>
          <Stack>
            <FormError error={granted.error} />
            <Group align="flex-start" wrap="wrap">
              <Select
                label="Member"
                data={(members.data ?? [])
                  .filter((m) => m.status === 'active')
                  .map((m) => ({ value: m.id, label: m.name }))}
                w={220}
                key={grant.key('memberId')}
                {...grant.getInputProps('memberId')}
              />
              <Select
                label="Set"
                data={(sets.data ?? []).map((ps) => ({ value: ps.id, label: ps.name }))}
                w={220}
                key={grant.key('permissionSetId')}
                {...grant.getInputProps('permissionSetId')}
              />
              <TextInput
                label="Until (optional)"
                type="date"
                w={180}
                key={grant.key('until')}
                {...grant.getInputProps('until')}
              />
            </Group>
            <Group>
              <Button type="submit" loading={granted.busy}>
                Grant
              </Button>
            </Group>
          </Stack>
        </form>
      </Card>
    </Stack>
  );
}

function NewRole() {
  const queryClient = useQueryClient();
  const form = useForm({
    mode: 'uncontrolled',
    initialValues: { name: '', permissions: [] as string[] },
    validate: { name: (v) => (v.trim() ? null : 'Name the role') },
  });
  const submit = useSubmit(form, async (values) => {
    await api('/api/v1/roles', { method: 'POST', body: { name: values.name.trim(), permissions: values.permissions } });
    form.reset();
    await queryClient.invalidateQueries({ queryKey: ['roles'] });
    notifications.show({ color: 'green', message: 'Role created' });
  });
  return (
    <Card withBorder padding="lg">
      <Title order={3} size="h5" mb="sm">
        New custom role
      </Title>
      <form onSubmit={submit.onSubmit}>
        <Stack>
          <FormError error={submit.error} />
          <Group align="flex-start" wrap="wrap">
            <TextInput label="Name" w={220} key={form.key('name')} {...form.getInputProps('name')} />
            <TagsInput
              label="Permissions"
              description="module:resource:action, * for any part"
              placeholder="crm:contacts:read"
              w={420}
              key={form.key('permissions')}
              {...form.getInputProps('permissions')}
            />
          </Group>
          <Group>
            <Button type="submit">Create role</Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

function TeamMembersModal({ team, members, onClose }: { team: Team; members: Member[]; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [inTeam, setInTeam] = useState(team.members.map((m) => m.userId));
  const [leaders, setLeaders] = useState(team.members.filter((m) => m.isLeader).map((m) => m.userId));
  const [error, setError] = useState<unknown>(null);
  const options = members.filter((m) => m.status === 'active').map((m) => ({ value: m.userId, label: m.name }));
  return (
    <Modal opened onClose={onClose} title={`Members of ${team.name}`}>
      <Stack>
        <FormError error={error} />
        <MultiSelect label="Members" data={options} value={inTeam} onChange={setInTeam} searchable />
        <MultiSelect
          label="Leaders"
          description="Leaders see the records of this team's members, and of the teams under it."
          data={options.filter((o) => inTeam.includes(o.value))}
          value={leaders.filter((l) => inTeam.includes(l))}
          onChange={setLeaders}
        />
        <Group justify="flex-end">
          <Button
            onClick={async () => {
              try {
                await api(`/api/v1/teams/${team.id}/members`, {
                  method: 'PUT',
                  body: { members: inTeam.map((userId) => ({ userId, isLeader: leaders.includes(userId) })) },
                });
                await queryClient.invalidateQueries({ queryKey: ['teams'] });
                onClose();
              } catch (err) {
                setError(err);
              }
            }}
          >
            Save
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function Teams() {
  const { can } = useAuth();
  const queryClient = useQueryClient();
  const teams = useQuery({
    queryKey: ['teams'],
    queryFn: async () => (await api<{ data: Team[] }>('/api/v1/teams')).data,
  });
  const members = useQuery({
    queryKey: ['members'],
    queryFn: async () => (await api<{ data: Member[] }>('/api/v1/members')).data,
  });
  const [editing, setEditing] = useState<Team | null>(null);
  const form = useForm({
    mode: 'uncontrolled',
    initialValues: { name: '', parentId: '' },
    validate: { name: (v) => (v.trim() ? null : 'Name the team') },
  });
  const createTeam = useSubmit(form, async (values) => {
    await api('/api/v1/teams', {
      method: 'POST',
      body: { name: values.name.trim(), parentId: values.parentId || null },
    });
    form.reset();
    await queryClient.invalidateQueries({ queryKey: ['teams'] });
  });
  const byId = new Map((teams.data ?? []).map((t) => [t.id, t]));
  const depth = (t: Team): number => (t.parentId && byId.get(t.parentId) ? 1 + depth(byId.get(t.parentId) as Team) : 0);
  const ordered: Team[] = [];
  const visit = (parent: string | null) => {
    for (const t of (teams.data ?? []).filter(
      (x) => (x.parentId && byId.has(x.parentId) ? x.parentId : null) === parent,
    )) {
      ordered.push(t);
      visit(t.id);
    }
  };
  visit(null);
  return (
    <Stack>
      <Title order={2} size="h3">
        Teams
      </Title>
      {can('admin:teams:create') && (
        <Card withBorder padding="lg">
          <form onSubmit={createTeam.onSubmit}>
            <Stack>
              <FormError error={createTeam.error} />
              <Group align="flex-end" wrap="wrap">
                <TextInput label="Team name" w={220} key={form.key('name')} {...form.getInputProps('name')} />
                <Select
                  label="Part of"
                  placeholder="No parent team"
                  clearable
                  data={(teams.data ?? []).map((t) => ({ value: t.id, label: t.name }))}
                  w={220}
                  key={form.key('parentId')}
                  {...form.getInputProps('parentId')}
                />
                <Button type="submit">Create team</Button>
              </Group>
            </Stack>
          </form>
        </Card>
      )}
      {ordered.length === 0 && <Text c="dimmed">No teams yet. Teams let leaders see their people's records.</Text>}
      {ordered.map((t) => (
        <Card key={t.id} withBorder padding="sm" ml={depth(t) * 24} data-testid={`team-${t.name}`}>
          <Group justify="space-between">
            <div>
              <Text fw={600}>{t.name}</Text>
              <Group gap={4} mt={4}>
                {t.members.length === 0 && (
                  <Text size="xs" c="dimmed">
                    No members
                  </Text>
                )}
                {t.members.map((m) => (
                  <Badge key={m.userId} variant={m.isLeader ? 'filled' : 'light'} tt="none">
                    {m.name}
                    {m.isLeader ? ' (leader)' : ''}
                  </Badge>
                ))}
              </Group>
            </div>
            {can('admin:teams:update') && (
              <Group gap="xs">
                <Button size="xs" variant="light" onClick={() => setEditing(t)}>
                  Members
                </Button>
                <Button
                  size="xs"
                  variant="subtle"
                  color="red"
                  onClick={async () => {
                    if (!window.confirm(`Delete the team ${t.name}? Its sub-teams move to the top.`)) return;
                    await api(`/api/v1/teams/${t.id}`, { method: 'DELETE' });
                    await queryClient.invalidateQueries({ queryKey: ['teams'] });
                  }}
                >
                  Delete
                </Button>
              </Group>
            )}
          </Group>
        </Card>
      ))}
      {editing && members.data && (
        <TeamMembersModal team={editing} members={members.data} onClose={() => setEditing(null)} />
      )}
    </Stack>
  );
}

export function RolesTeamsPage() {
  const roles = useRoles();
  const { can } = useAuth();
  return (
    <Stack maw={900} gap="lg">
      <Title order={1}>Roles &amp; Teams</Title>
      <Text c="dimmed">
        Each member has one role. Permissions read <code>module:resource:action</code>; <code>*</code> stands for any.
      </Text>
      <Accordion variant="separated">
        {roles.data?.map((r) => (
          <Accordion.Item key={r.id} value={r.key}>
            <Accordion.Control>
              <Group>
                <Text fw={600}>{r.name}</Text>
                {!r.isSystem && <Badge variant="light">custom</Badge>}
                <Text size="sm" c="dimmed">
                  {r.description}
                </Text>
              </Group>
            </Accordion.Control>
            <Accordion.Panel>
              {!r.isSystem && can('admin:roles:update') ? (
                <CustomRoleEditor role={r} />
              ) : (
                <Group gap={6}>
                  {r.permissions.map((p) => (
                    <Badge key={p} variant="outline" tt="none">
                      {p}
                    </Badge>
                  ))}
                </Group>
              )}
            </Accordion.Panel>
          </Accordion.Item>
        ))}
      </Accordion>
      {can('admin:roles:create') && <NewRole />}
      <PermissionSets />
      <Teams />
    </Stack>
  );
}
