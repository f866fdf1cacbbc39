// A record's page: its fields, related records, the timeline of notes and activities (with a form
// to add one), edit and delete (with undo), lead conversion, and a project's tasks.
import {
  Anchor,
  Badge,
  Button,
  Card,
  Center,
  Drawer,
  Group,
  Loader,
  Modal,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, api } from '../api.ts';
import { useAuth } from '../auth.tsx';
import { FormError } from '../components/form-error.tsx';
import { Markdown } from '../components/markdown.tsx';
import { badge, COLUMNS, useCellContext } from './columns.tsx';
import { MergeDialog } from './merge-dialog.tsx';
import {
  type CrmRecord,
  type FieldMeta,
  formatValue,
  humanize,
  type ListPage,
  PLURAL,
  recordTitle,
  useCustomFields,
  useMembers,
  useObject,
  usePipelines,
} from './meta.ts';
import { RecordForm } from './record-form.tsx';

interface Detail {
  data: CrmRecord;
  related?: Record<string, CrmRecord[]>;
}

export function RecordDetailPage({ resource }: { resource: string }) {
  const { id = '' } = useParams();
  const meta = useObject(resource);
  const auth = useAuth();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [converting, setConverting] = useState(false);
  const [merging, setMerging] = useState(false);
  const detail = useQuery({
    queryKey: ['detail', resource, id],
    queryFn: async () => api<Detail>(`/api/v1/${resource}/${id}?include=related`),
  });
  const members = useMembers();
  const memberName = (uid: unknown) => members.data?.find((m) => m.userId === uid)?.name ?? '';

  if (detail.isError) {
    const notFound = detail.error instanceof ApiError && detail.error.status === 404;
    return (
      <Stack>
        <Title order={2}>{notFound ? 'Not found' : 'Could not load this record'}</Title>
        <Text c="dimmed">
          {notFound ? 'It may have been deleted, or it is not shared with you.' : (detail.error as Error).message}
        </Text>
        <Anchor component={Link} to={`/${resource}`}>
          Back to {PLURAL[resource]?.toLowerCase()}
        </Anchor>
      </Stack>
    );
  }
  if (!detail.data || !meta) {
    return (
      <Center py="xl">
        <Loader />
      </Center>
    );
  }
  const record = detail.data.data;
  const title = recordTitle(resource, record);

  async function remove() {
    await api(`/api/v1/${resource}/${record.id}`, { method: 'DELETE' });
    await queryClient.invalidateQueries({ queryKey: ['list', resource] });
    const note = notifications.show({
      title: `${meta?.label} moved to the trash`,
      message: (
        <Button
          size="compact-sm"
          variant="light"
          onClick={async () => {
            await api(`/api/v1/${resource}/${record.id}/restore`, { method: 'POST' });
            notifications.hide(note);
            await queryClient.invalidateQueries({ queryKey: ['list', resource] });
            navigate(`/${resource}/${record.id}`);
          }}
        >
          Undo
        </Button>
      ),
      autoClose: 8000,
    });
    navigate(`/${resource}`);
  }

  return (
    <Stack>
      <Group justify="space-between" align="flex-start" wrap="wrap">
        <Stack gap={4}>
          <Anchor component={Link} to={`/${resource}`} size="sm">
            ← {PLURAL[resource]}
          </Anchor>
          <Group gap="sm">
            <Title order={2} data-testid="record-title">
              {title}
            </Title>
            {badge(record.status ?? record.lifecycleStage)}
            {(record.tags ?? []).map((t) => (
              <Badge key={t} variant="dot" color="gray" tt="none">
                {t}
              </Badge>
            ))}
          </Group>
          <Text size="xs" c="dimmed" data-testid="record-dates">
            Created {new Date(record.createdAt).toLocaleString()} · Last updated{' '}
            {new Date(record.updatedAt).toLocaleString()} · Owner {memberName(record.ownerId)}
          </Text>
        </Stack>
        <Group gap="xs">
          {resource === 'leads' && !record.convertedAt && auth.can('crm:leads:update') ? (
            <Button variant="light" onClick={() => setConverting(true)}>
              Convert
            </Button>
          ) : null}
          {auth.can(`crm:${resource}:update`) ? (
            <Button variant="default" onClick={() => setEditing(true)}>
              Edit
            </Button>
          ) : null}
          {meta.mergeable && auth.can(`crm:${resource}:update`) && auth.can(`crm:${resource}:delete`) ? (
            <Button variant="default" onClick={() => setMerging(true)}>
              Merge…
            </Button>
          ) : null}
          {auth.can(`crm:${resource}:delete`) ? <DeleteButton label={meta.singular} onConfirm={remove} /> : null}
        </Group>
      </Group>

      <Fields resource={resource} record={record} fields={meta.fields} />

      {resource === 'projects' ? (
        <ProjectTasks project={record} tasks={detail.data.related?.tasks ?? []} />
      ) : (
        Object.entries(detail.data.related ?? {}).map(([name, rows]) => (
          <Related key={name} resource={name} rows={rows} />
        ))
      )}

      {resource !== 'notes' ? <Timeline entityType={resource} entityId={record.id} /> : null}

      <Drawer
        opened={editing}
        onClose={() => setEditing(false)}
        title={`Edit ${meta.singular}`}
        position="right"
        size="lg"
      >
        {editing ? (
          <RecordForm
            resource={resource}
            record={record}
            onCancel={() => setEditing(false)}
            onSaved={async () => {
              setEditing(false);
              await queryClient.invalidateQueries({ queryKey: ['detail', resource, id] });
            }}
          />
        ) : null}
      </Drawer>
      {resource === 'leads' ? (
        <ConvertLead lead={record} opened={converting} onClose={() => setConverting(false)} />
      ) : null}
      {meta.mergeable ? (
        <MergeDialog
          resource={resource}
          singular={meta.singular}
          record={record}
          fields={meta.fields}
          opened={merging}
          onClose={() => setMerging(false)}
        />
      ) : null}
    </Stack>
  );
}

function DeleteButton({ label, onConfirm }: { label: string; onConfirm: () => Promise<void> }) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  return (
    <>
      <Button color="red" variant="light" onClick={() => setOpen(true)}>
        Delete
      </Button>
      <Modal opened={open} onClose={() => setOpen(false)} title={`Delete this ${label}?`}>
        <Stack>
          <Text size="sm">It goes to the trash, where you can restore it for 30 days.</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button
              color="red"
              loading={busy}
              onClick={async () => {
                setBusy(true);
                try {
                  await onConfirm();
                } finally {
                  setBusy(false);
                  setOpen(false);
                }
              }}
            >
              Delete
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

function Fields({ resource, record, fields }: { resource: string; record: CrmRecord; fields: FieldMeta[] }) {
  const custom = useCustomFields(resource);
  const members = useMembers();
  const pipelines = usePipelines();
  const value = (f: FieldMeta): React.ReactNode => {
    const v = record[f.name];
    if (v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0))
      return <Text c="dimmed">—</Text>;
    if (f.type === 'ref' && f.ref === 'stages') {
      for (const p of pipelines.data ?? []) {
        const s = p.stages.find((x) => x.id === v);
        if (s) return s.name;
      }
    }
    if (f.type === 'ref' && f.ref === 'pipelines') return pipelines.data?.find((p) => p.id === v)?.name ?? '';
    if (f.type === 'ref' && f.ref) return <RefLink resource={f.ref} id={String(v)} />;
    if (f.type === 'polyRef' && resource === 'tasks' && record.relatedType) {
      return <RefLink resource={String(record.relatedType)} id={String(v)} />;
    }
    if (f.type === 'userRef') return members.data?.find((m) => m.userId === v)?.name ?? '';
    if (f.type === 'userRefs') {
      return (v as string[]).map((u) => members.data?.find((m) => m.userId === u)?.name ?? '').join(', ');
    }
    if (f.type === 'image') {
      // Pictures imported with a vCard are data: URIs; the page's CSP shows those, not remote images.
      return String(v).startsWith('data:image/') ? (
        <img
          src={String(v)}
          alt={`${f.label} of ${recordTitle(resource, record)}`}
          width={72}
          height={72}
          style={{ objectFit: 'cover', borderRadius: 8 }}
          data-testid="record-photo"
        />
      ) : (
        <Anchor href={String(v)} target="_blank" rel="noopener noreferrer">
          {String(v)}
        </Anchor>
      );
    }
    if (f.type === 'url') {
      return (
        <Anchor href={String(v)} target="_blank" rel="noopener noreferrer">
          {String(v)}
        </Anchor>
      );
    }
    if (f.type === 'email') return <Anchor href={`mailto:${v}`}>{String(v)}</Anchor>;
    if (f.type === 'longText') return <Text style={{ whiteSpace: 'pre-wrap' }}>{String(v)}</Text>;
    return formatValue(f, v);
  };
  const shown = fields.filter((f) => f.name !== 'relatedType');
  return (
    <Card withBorder>
      <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }} spacing="md" verticalSpacing="sm">
        {shown.map((f) => (
          <div key={f.name}>
            <Text size="xs" c="dimmed">
              {f.label}
            </Text>
            <div>{value(f)}</div>
          </div>
        ))}
        {(custom.data ?? []).map((c) => (
          <div key={c.id}>
            <Text size="xs" c="dimmed">
              {c.label}
            </Text>
            <div>
              {formatValue({ type: c.type === 'select' ? 'text' : c.type }, record.custom?.[c.key]) || (
                <Text c="dimmed">—</Text>
              )}
            </div>
          </div>
        ))}
      </SimpleGrid>
    </Card>
  );
}

function RefLink({ resource, id }: { resource: string; id: string }) {
  const q = useQuery({
    queryKey: ['record', resource, id],
    queryFn: async () => (await api<{ data: CrmRecord }>(`/api/v1/${resource}/${id}`)).data,
    retry: false,
  });
  if (q.isError) return <Text c="dimmed">Not visible to you</Text>;
  return (
    <Anchor component={Link} to={`/${resource}/${id}`}>
      {q.data ? recordTitle(resource, q.data) : '…'}
    </Anchor>
  );
}

function Related({ resource, rows }: { resource: string; rows: CrmRecord[] }) {
  const ctx = useCellContext(resource, rows);
  const navigate = useNavigate();
  const columns = (COLUMNS[resource] ?? []).slice(0, 4);
  return (
    <Card withBorder>
      <Title order={4} mb="sm">
        {PLURAL[resource]} ({rows.length})
      </Title>
      {rows.length === 0 ? (
        <Text c="dimmed" size="sm">
          None yet.
        </Text>
      ) : (
        <Table highlightOnHover>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={r.id} style={{ cursor: 'pointer' }} onClick={() => navigate(`/${resource}/${r.id}`)}>
                {columns.map((c) => (
                  <Table.Td key={c.key}>{c.render(r, ctx)}</Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}

function ProjectTasks({ project, tasks }: { project: CrmRecord; tasks: CrmRecord[] }) {
  const auth = useAuth();
  const queryClient = useQueryClient();
  const members = useMembers();
  const [editing, setEditing] = useState<CrmRecord | 'new' | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['detail', 'projects', project.id] });
  return (
    <Card withBorder>
      <Group justify="space-between" mb="sm">
        <Title order={4}>Tasks ({tasks.length})</Title>
        {auth.can('crm:tasks:create') ? (
          <Button size="xs" onClick={() => setEditing('new')}>
            Add task
          </Button>
        ) : null}
      </Group>
      {tasks.length === 0 ? (
        <Text c="dimmed" size="sm">
          No tasks yet. Add the first one.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={560}>
          <Table data-testid="project-tasks">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Title</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Priority</Table.Th>
                <Table.Th>Assignee</Table.Th>
                <Table.Th>Due</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {tasks.map((t) => (
                <Table.Tr key={t.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/tasks/${t.id}`}>
                      {String(t.title)}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{badge(t.status)}</Table.Td>
                  <Table.Td>{badge(t.priority)}</Table.Td>
                  <Table.Td>{members.data?.find((m) => m.userId === t.assigneeId)?.name ?? ''}</Table.Td>
                  <Table.Td>{formatValue({ type: 'datetime' }, t.dueAt)}</Table.Td>
                  <Table.Td>
                    <Group gap={4} justify="flex-end" wrap="nowrap">
                      <Button size="compact-xs" variant="subtle" onClick={() => setEditing(t)}>
                        Edit
                      </Button>
                      <Button
                        size="compact-xs"
                        variant="subtle"
                        color="red"
                        onClick={async () => {
                          await api(`/api/v1/tasks/${t.id}`, { method: 'DELETE' });
                          notifications.show({ message: 'Task moved to the trash' });
                          await refresh();
                        }}
                      >
                        Delete
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Drawer
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={editing === 'new' ? 'Add task' : 'Edit task'}
        position="right"
        size="lg"
      >
        {editing !== null ? (
          <RecordForm
            resource="tasks"
            record={editing === 'new' ? undefined : editing}
            preset={{ projectId: project.id, assigneeId: auth.me?.id }}
            onCancel={() => setEditing(null)}
            onSaved={async () => {
              setEditing(null);
              await refresh();
            }}
          />
        ) : null}
      </Drawer>
    </Card>
  );
}

const NOTE_KINDS = ['note', 'call', 'meeting', 'email', 'message'];

function Timeline({ entityType, entityId }: { entityType: string; entityId: string }) {
  const auth = useAuth();
  const members = useMembers();
  const queryClient = useQueryClient();
  const key = ['list', 'notes', `timeline:${entityId}`];
  const notes = useQuery({
    queryKey: key,
    queryFn: async () => api<ListPage>(`/api/v1/notes?filter[entityId]=${entityId}&sort=-occurredAt&limit=100`),
  });
  const [kind, setKind] = useState<string>('note');
  const [body, setBody] = useState('');
  const [when, setWhen] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function add() {
    if (!body.trim()) {
      setError(new Error('Write something first.'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api('/api/v1/notes', {
        method: 'POST',
        body: { entityType, entityId, kind, body, ...(when ? { occurredAt: new Date(when).toISOString() } : {}) },
      });
      setBody('');
      setWhen('');
      await queryClient.invalidateQueries({ queryKey: key });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card withBorder>
      <Title order={4} mb="sm">
        Timeline
      </Title>
      {auth.can('crm:notes:create') ? (
        <Stack gap="xs" mb="md">
          <FormError error={error} />
          <Group align="flex-end" gap="xs" wrap="wrap">
            <Select
              aria-label="Kind"
              data={NOTE_KINDS.map((k) => ({ value: k, label: humanize(k) }))}
              value={kind}
              onChange={(v) => setKind(v ?? 'note')}
              w={130}
            />
            <TextInput
              aria-label="When"
              type="datetime-local"
              value={when}
              onChange={(e) => setWhen(e.currentTarget.value)}
            />
          </Group>
          <Textarea
            aria-label="Note"
            placeholder="Add a note, or log a call, meeting or email…"
            autosize
            minRows={2}
            value={body}
            onChange={(e) => setBody(e.currentTarget.value)}
          />
          <Group justify="flex-end">
            <Button size="xs" loading={busy} onClick={() => void add()}>
              Add to timeline
            </Button>
          </Group>
        </Stack>
      ) : null}
      {notes.data?.data.length ? (
        <Stack gap="sm" data-testid="timeline">
          {notes.data.data.map((n) => (
            <Card key={n.id} withBorder padding="sm">
              <Group gap="xs" mb={4}>
                <Badge variant="light">{humanize(n.kind)}</Badge>
                <Text size="xs" c="dimmed">
                  {new Date(String(n.occurredAt)).toLocaleString()} ·{' '}
                  {members.data?.find((m) => m.userId === n.ownerId)?.name}
                </Text>
              </Group>
              <Markdown>{String(n.body)}</Markdown>
            </Card>
          ))}
        </Stack>
      ) : (
        <Text c="dimmed" size="sm">
          Nothing here yet.
        </Text>
      )}
    </Card>
  );
}

function ConvertLead({ lead, opened, onClose }: { lead: CrmRecord; opened: boolean; onClose: () => void }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [dealName, setDealName] = useState(`${lead.companyName ?? lead.contactName} deal`);
  const [amount, setAmount] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <Modal opened={opened} onClose={onClose} title="Convert lead">
      <Stack>
        <Text size="sm">
          Creates a contact, an organization (or uses the one with the same email domain) and a deal, in one step.
        </Text>
        <FormError error={error} />
        <TextInput label="Deal name" value={dealName} onChange={(e) => setDealName(e.currentTarget.value)} />
        <TextInput
          label="Amount"
          inputMode="decimal"
          value={amount}
          onChange={(e) => setAmount(e.currentTarget.value)}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button
            loading={busy}
            onClick={async () => {
              setBusy(true);
              setError(null);
              try {
                const res = await api<{ data: { contact: CrmRecord; organizationReused: boolean } }>(
                  `/api/v1/leads/${lead.id}/convert`,
                  { method: 'POST', body: { dealName, ...(amount ? { amount } : {}) } },
                );
                await queryClient.invalidateQueries();
                notifications.show({
                  color: 'green',
                  message: res.data.organizationReused
                    ? 'Converted; linked to the existing organization.'
                    : 'Converted into a contact, organization and deal.',
                });
                navigate(`/contacts/${res.data.contact.id}`);
              } catch (err) {
                setError(err);
              } finally {
                setBusy(false);
              }
            }}
          >
            Convert
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
