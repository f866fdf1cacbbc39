// What can be done to the records selected in a list, all at once: assign an owner, set a status
// (or a deal's stage), add a tag, move to the trash. One bulk call each; the answer has a result
// per record, and the notification says how many changed and why the others did not.
import { Button, Group, Menu, Modal, Select, Stack, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api.ts';
import { useAuth } from '../auth.tsx';
import { type CrmRecord, humanize, type ObjectMeta, useMembers, usePipelines } from './meta.ts';

type BulkResult = Array<{ index: number; ok: boolean; error?: { message: string } }>;
type Action = 'owner' | 'status' | 'stage' | 'tag';

/** The enum a list's records are usually moved along: status, or a contact's lifecycle stage. */
const STATUS_FIELD: Record<string, string> = { contacts: 'lifecycleStage' };

export function BulkActions({
  resource,
  meta,
  selected,
  rows,
  onDone,
}: {
  resource: string;
  meta: ObjectMeta;
  selected: string[];
  rows: CrmRecord[];
  onDone: () => void;
}) {
  const auth = useAuth();
  const queryClient = useQueryClient();
  const members = useMembers();
  const pipelines = usePipelines();
  const [action, setAction] = useState<Action | null>(null);
  const [value, setValue] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const statusField = meta.fields.find((f) => f.name === (STATUS_FIELD[resource] ?? 'status') && f.values);
  const canUpdate = auth.can(`crm:${resource}:update`);
  const canDelete = auth.can(`crm:${resource}:delete`);

  async function report(res: BulkResult, done: string) {
    const failed = res.filter((r) => !r.ok);
    const reasons = [...new Set(failed.map((f) => f.error?.message).filter(Boolean))].slice(0, 2).join('; ');
    notifications.show({
      color: failed.length ? 'yellow' : 'green',
      message: failed.length
        ? `${res.length - failed.length} ${done}; ${failed.length} not: ${reasons}`
        : `${res.length} ${done}.`,
    });
    await queryClient.invalidateQueries({ queryKey: ['list', resource] });
    onDone();
  }

  async function apply() {
    if (!action || !value) return;
    setBusy(true);
    try {
      const byId = new Map(rows.map((r) => [r.id, r]));
      const items = selected.map((id) => {
        if (action === 'owner') return { id, ownerId: value };
        if (action === 'stage') return { id, stageId: value };
        if (action === 'status') return { id, [statusField?.name ?? 'status']: value };
        const tags = (byId.get(id)?.tags as string[] | undefined) ?? [];
        return { id, tags: [...new Set([...tags, value.trim()])] };
      });
      const res = await api<{ data: BulkResult }>(`/api/v1/${resource}/bulk`, { method: 'PATCH', body: { items } });
      setAction(null);
      setValue(null);
      await report(res.data, action === 'tag' ? 'tagged' : 'updated');
    } catch (err) {
      notifications.show({ color: 'red', message: (err as Error).message });
    } finally {
      setBusy(false);
    }
  }

  async function trash() {
    const res = await api<{ data: BulkResult }>(`/api/v1/${resource}/bulk`, {
      method: 'DELETE',
      body: { ids: selected },
    });
    await report(res.data, 'moved to the trash (restore them from Trash within 30 days)');
  }

  const stageOptions = (pipelines.data ?? []).flatMap((p) =>
    p.stages.map((s) => ({ value: s.id, label: (pipelines.data?.length ?? 0) > 1 ? `${p.name}: ${s.name}` : s.name })),
  );
  const choices: Record<Action, { label: string; data: Array<{ value: string; label: string }> }> = {
    owner: {
      label: 'Owner',
      data: (members.data ?? []).filter((m) => m.status === 'active').map((m) => ({ value: m.userId, label: m.name })),
    },
    status: {
      label: statusField ? (statusField.label ?? 'Status') : 'Status',
      data: (statusField?.values ?? []).map((v) => ({ value: v, label: humanize(v) })),
    },
    stage: { label: 'Stage', data: stageOptions },
    tag: { label: 'Tag', data: [] },
  };

  return (
    <>
      <Menu position="bottom-start">
        <Menu.Target>
          <Button variant="light">{selected.length} selected: actions</Button>
        </Menu.Target>
        <Menu.Dropdown>
          {canUpdate ? (
            <>
              <Menu.Item onClick={() => setAction('owner')}>Assign owner…</Menu.Item>
              {resource === 'deals' ? <Menu.Item onClick={() => setAction('stage')}>Move to stage…</Menu.Item> : null}
              {statusField && resource !== 'deals' ? (
                <Menu.Item onClick={() => setAction('status')}>Set {statusField.label.toLowerCase()}…</Menu.Item>
              ) : null}
              <Menu.Item onClick={() => setAction('tag')}>Add a tag…</Menu.Item>
            </>
          ) : null}
          {canDelete ? (
            <Menu.Item color="red" onClick={() => void trash()}>
              Move to the trash
            </Menu.Item>
          ) : null}
        </Menu.Dropdown>
      </Menu>
      <Modal
        opened={action !== null}
        onClose={() => setAction(null)}
        title={
          action
            ? `${choices[action].label} for ${selected.length} ${selected.length === 1 ? meta.singular : resource}`
            : ''
        }
      >
        {action ? (
          <Stack>
            {action === 'tag' ? (
              <TextInput
                label="Tag"
                value={value ?? ''}
                onChange={(e) => setValue(e.currentTarget.value)}
                data-autofocus
              />
            ) : (
              <Select
                label={choices[action].label}
                data={choices[action].data}
                value={value}
                onChange={setValue}
                searchable
              />
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setAction(null)}>
                Cancel
              </Button>
              <Button loading={busy} disabled={!value?.trim()} onClick={() => void apply()}>
                Apply to {selected.length}
              </Button>
            </Group>
          </Stack>
        ) : null}
      </Modal>
    </>
  );
}
