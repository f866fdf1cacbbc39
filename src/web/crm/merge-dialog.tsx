// Merging a duplicate into the record on screen: pick the duplicate, choose per field whose value
// stays where they differ, merge. The server moves the duplicate's notes, tasks, deals, events and
// shares here and puts it in the trash (POST /api/v1/<resource>/:id/merge).
import { Alert, Button, Group, Modal, Radio, Stack, Table, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError, api } from '../api.ts';
import { RecordSelect } from './field-input.tsx';
import { type CrmRecord, type FieldMeta, formatValue, recordTitle } from './meta.ts';

const LISTS = new Set(['emails', 'phones']);
const SKIP = new Set(['id', 'ownerId', 'createdBy', 'createdAt', 'updatedAt', 'deletedAt', 'version']);
/** A value as the choice shows it; a link is named by what it links to, not its id. */
const shown = (f: FieldMeta, v: unknown) =>
  f.type === 'ref' ? `a linked ${f.ref?.replace(/s$/, '') ?? 'record'} (${String(v).slice(0, 8)})` : formatValue(f, v);
const isEmpty = (v: unknown) => v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);

export function MergeDialog({
  resource,
  singular,
  record,
  fields,
  opened,
  onClose,
}: {
  resource: string;
  singular: string;
  record: CrmRecord;
  fields: FieldMeta[];
  opened: boolean;
  onClose: () => void;
}) {
  const queryClient = useQueryClient();
  const [sourceId, setSourceId] = useState<string | null>(null);
  const [keep, setKeep] = useState<Record<string, 'target' | 'source'>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const source = useQuery({
    queryKey: ['detail-plain', resource, sourceId],
    queryFn: async () => (await api<{ data: CrmRecord }>(`/api/v1/${resource}/${sourceId}`)).data,
    enabled: Boolean(sourceId),
  });
  // The fields where both have a value and the values differ: those are the user's choice.
  const conflicts = source.data
    ? fields.filter((f) => {
        if (f.readOnly || SKIP.has(f.name) || LISTS.has(f.type)) return false;
        const a = record[f.name];
        const b = source.data[f.name];
        return !isEmpty(a) && !isEmpty(b) && JSON.stringify(a) !== JSON.stringify(b);
      })
    : [];

  const close = () => {
    setSourceId(null);
    setKeep({});
    setError(null);
    onClose();
  };

  async function merge() {
    if (!sourceId) return;
    setBusy(true);
    setError(null);
    try {
      const res = await api<{ data: CrmRecord; moved: Record<string, number> }>(
        `/api/v1/${resource}/${record.id}/merge`,
        { method: 'POST', body: { sourceId, keep } },
      );
      const moved = Object.entries(res.moved)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => {
          const words = k.replace(/([A-Z])/g, ' $1').toLowerCase();
          return `${n} ${n === 1 ? words.replace(/s$/, '') : words}`;
        });
      notifications.show({
        title: `Merged into ${recordTitle(resource, res.data)}`,
        message: moved.length
          ? `Moved here: ${moved.join(', ')}. The duplicate is in the trash.`
          : 'The duplicate is in the trash.',
      });
      close();
      // Everything the duplicate touched refetches; the dialog does not wait for it.
      void queryClient.invalidateQueries({ predicate: (q) => q.queryKey[0] !== 'detail-plain' });
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal opened={opened} onClose={close} title={`Merge a duplicate into this ${singular}`} size="lg">
      <Stack>
        <RecordSelect
          resource={resource}
          label={`The duplicate ${singular}`}
          value={sourceId}
          onChange={(id) => {
            setSourceId(id === record.id ? null : id);
            setKeep({});
          }}
        />
        {source.data ? (
          <>
            <Text size="sm" c="dimmed">
              “{recordTitle(resource, record)}” stays. Its empty fields take the duplicate’s values; emails, phones and
              tags keep both. The duplicate’s notes, tasks, deals, events and shares move here, and it goes to the
              trash.
            </Text>
            {conflicts.length ? (
              <Table data-testid="merge-choices" withTableBorder>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Field</Table.Th>
                    <Table.Th>This {singular}</Table.Th>
                    <Table.Th>The duplicate</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {conflicts.map((f) => (
                    <Table.Tr key={f.name}>
                      <Table.Td>{f.label}</Table.Td>
                      {(['target', 'source'] as const).map((who) => (
                        <Table.Td key={who}>
                          <Radio
                            name={`keep-${f.name}`}
                            aria-label={`${f.label}: ${who === 'target' ? 'this' : 'the duplicate'}`}
                            label={shown(f, who === 'target' ? record[f.name] : source.data?.[f.name])}
                            checked={(keep[f.name] ?? 'target') === who}
                            onChange={() => setKeep({ ...keep, [f.name]: who })}
                          />
                        </Table.Td>
                      ))}
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            ) : (
              <Text size="sm">No field has two different values: nothing to choose.</Text>
            )}
          </>
        ) : null}
        {error ? (
          <Alert color="red" variant="light">
            {error}
          </Alert>
        ) : null}
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          <Button color="orange" disabled={!source.data} loading={busy} onClick={() => void merge()}>
            Merge
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
