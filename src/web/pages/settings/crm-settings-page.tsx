// Settings for the CRM's shape: custom fields per object, and deal pipelines with their stages.
import {
  ActionIcon,
  Button,
  Card,
  Checkbox,
  Group,
  NumberInput,
  Select,
  Stack,
  Table,
  TagsInput,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api.ts';
import { FormError } from '../../components/form-error.tsx';
import { type CustomField, humanize, type Pipeline, PLURAL, usePipelines } from '../../crm/meta.ts';

const OBJECTS = ['contacts', 'organizations', 'leads', 'deals', 'projects', 'tasks'];
const TYPES = [
  'text',
  'long_text',
  'number',
  'currency',
  'date',
  'boolean',
  'select',
  'multi_select',
  'url',
  'email',
  'phone',
];

export function CustomFieldsPage() {
  const queryClient = useQueryClient();
  const fields = useQuery({
    queryKey: ['custom-fields', 'all'],
    queryFn: async () => (await api<{ data: CustomField[] }>('/api/v1/custom-fields')).data,
  });
  const [objectType, setObjectType] = useState('contacts');
  const [label, setLabel] = useState('');
  const [type, setType] = useState('text');
  const [required, setRequired] = useState(false);
  const [options, setOptions] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['custom-fields'] });
  return (
    <Stack maw={960}>
      <Title order={2}>Custom fields</Title>
      <Card withBorder>
        <Stack>
          <Text fw={600}>Add a field</Text>
          <FormError error={error} />
          <Group align="flex-end" wrap="wrap">
            <Select
              label="Object"
              data={OBJECTS.map((o) => ({ value: o, label: PLURAL[o] ?? o }))}
              value={objectType}
              onChange={(v) => setObjectType(v ?? 'contacts')}
              w={160}
            />
            <TextInput label="Label" value={label} onChange={(e) => setLabel(e.currentTarget.value)} w={200} />
            <Select
              label="Type"
              data={TYPES.map((t) => ({ value: t, label: humanize(t) }))}
              value={type}
              onChange={(v) => setType(v ?? 'text')}
              w={160}
            />
            {type === 'select' || type === 'multi_select' ? (
              <TagsInput label="Options" value={options} onChange={setOptions} w={240} />
            ) : null}
            <Checkbox
              label="Required"
              checked={required}
              onChange={(e) => setRequired(e.currentTarget.checked)}
              mb={8}
            />
            <Button
              onClick={async () => {
                setError(null);
                try {
                  await api('/api/v1/custom-fields', {
                    method: 'POST',
                    body: { objectType, label, type, required, ...(options.length ? { options } : {}) },
                  });
                  setLabel('');
                  setOptions([]);
                  await refresh();
                } catch (err) {
                  setError(err);
                }
              }}
            >
              Add field
            </Button>
          </Group>
        </Stack>
      </Card>
      <Table>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Object</Table.Th>
            <Table.Th>Label</Table.Th>
            <Table.Th>Key</Table.Th>
            <Table.Th>Type</Table.Th>
            <Table.Th>Required</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(fields.data ?? []).map((f) => (
            <Table.Tr key={f.id}>
              <Table.Td>{PLURAL[f.objectType]}</Table.Td>
              <Table.Td>{f.label}</Table.Td>
              <Table.Td>
                <code>{f.key}</code>
              </Table.Td>
              <Table.Td>
                {humanize(f.type)}
                {f.options.length ? ` (${f.options.join(', ')})` : ''}
              </Table.Td>
              <Table.Td>{f.required ? 'Yes' : 'No'}</Table.Td>
              <Table.Td>
                <Button
                  size="compact-sm"
                  variant="subtle"
                  color="red"
                  onClick={async () => {
                    await api(`/api/v1/custom-fields/${f.id}`, { method: 'DELETE' });
                    notifications.show({ message: `${f.label} removed. Values already saved are kept.` });
                    await refresh();
                  }}
                >
                  Remove
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {fields.data?.length === 0 ? <Text c="dimmed">No custom fields yet.</Text> : null}
    </Stack>
  );
}

export function PipelinesPage() {
  const pipelines = usePipelines();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(null);
  return (
    <Stack maw={900}>
      <Title order={2}>Pipelines</Title>
      {(pipelines.data ?? []).map((p) => (
        <PipelineEditor key={p.id} pipeline={p} />
      ))}
      <Card withBorder>
        <FormError error={error} />
        <Group align="flex-end">
          <TextInput label="New pipeline" value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <Button
            onClick={async () => {
              setError(null);
              try {
                await api('/api/v1/pipelines', {
                  method: 'POST',
                  body: {
                    name,
                    stages: [
                      { name: 'New', probability: 10, kind: 'open' },
                      { name: 'Won', probability: 100, kind: 'won' },
                      { name: 'Lost', probability: 0, kind: 'lost' },
                    ],
                  },
                });
                setName('');
                await queryClient.invalidateQueries({ queryKey: ['pipelines'] });
              } catch (err) {
                setError(err);
              }
            }}
          >
            Create
          </Button>
        </Group>
      </Card>
    </Stack>
  );
}

function PipelineEditor({ pipeline }: { pipeline: Pipeline }) {
  const queryClient = useQueryClient();
  const [stages, setStages] = useState(pipeline.stages.map((s) => ({ ...s })));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const update = (i: number, patch: Partial<(typeof stages)[number]>) =>
    setStages((all) => all.map((s, j) => (j === i ? { ...s, ...patch } : s)));
  return (
    <Card withBorder>
      <Group justify="space-between" mb="sm">
        <Title order={4}>
          {pipeline.name}{' '}
          {pipeline.isDefault ? (
            <Text span size="sm" c="dimmed">
              (default)
            </Text>
          ) : null}
        </Title>
        {!pipeline.isDefault ? (
          <Button
            size="compact-sm"
            variant="subtle"
            onClick={async () => {
              await api(`/api/v1/pipelines/${pipeline.id}`, { method: 'PATCH', body: { isDefault: true } });
              await queryClient.invalidateQueries({ queryKey: ['pipelines'] });
            }}
          >
            Make default
          </Button>
        ) : null}
      </Group>
      <FormError error={error} />
      <Stack gap="xs">
        {stages.map((s, i) => (
          <Group key={s.id ?? `new-${i}`} gap="xs" wrap="nowrap">
            <TextInput
              aria-label="Stage name"
              value={s.name}
              onChange={(e) => update(i, { name: e.currentTarget.value })}
              style={{ flex: 1 }}
            />
            <NumberInput
              aria-label="Probability"
              value={s.probability}
              onChange={(v) => update(i, { probability: Number(v) || 0 })}
              min={0}
              max={100}
              suffix="%"
              w={100}
            />
            <Select
              aria-label="Kind"
              data={[
                { value: 'open', label: 'Open' },
                { value: 'won', label: 'Won' },
                { value: 'lost', label: 'Lost' },
              ]}
              value={s.kind}
              onChange={(v) => update(i, { kind: (v ?? 'open') as 'open' })}
              w={110}
            />
            <ActionIcon
              variant="subtle"
              aria-label="Move up"
              disabled={i === 0}
              onClick={() =>
                setStages((all) => {
                  const next = [...all];
                  [next[i - 1], next[i]] = [next[i] as never, next[i - 1] as never];
                  return next;
                })
              }
            >
              ↑
            </ActionIcon>
            <ActionIcon
              variant="subtle"
              color="red"
              aria-label="Remove stage"
              onClick={() => setStages((all) => all.filter((_, j) => j !== i))}
            >
              ✕
            </ActionIcon>
          </Group>
        ))}
      </Stack>
      <Group justify="space-between" mt="sm">
        <Button
          variant="default"
          size="xs"
          onClick={() =>
            setStages((all) => [
              ...all,
              {
                id: undefined as unknown as string,
                name: 'New stage',
                probability: 50,
                kind: 'open',
                position: all.length,
              },
            ])
          }
        >
          Add stage
        </Button>
        <Button
          size="xs"
          loading={busy}
          onClick={async () => {
            setBusy(true);
            setError(null);
            try {
              await api(`/api/v1/pipelines/${pipeline.id}`, {
                method: 'PATCH',
                body: {
                  stages: stages.map((s) => ({
                    ...(s.id ? { id: s.id } : {}),
                    name: s.name,
                    probability: s.probability,
                    kind: s.kind,
                  })),
                },
              });
              await queryClient.invalidateQueries({ queryKey: ['pipelines'] });
              notifications.show({ color: 'green', message: 'Stages saved' });
            } catch (err) {
              setError(err);
            } finally {
              setBusy(false);
            }
          }}
        >
          Save stages
        </Button>
      </Group>
    </Card>
  );
}
