// Saved views of a list: apply one (search, filters, sort, "only mine", hidden columns), save the
// list as it is now under a name, share it with the workspace, remove your own.
import { ActionIcon, Button, Checkbox, Group, Menu, Modal, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError, api } from '../api.ts';

export interface ViewQuery {
  q?: string;
  filters?: Record<string, string | null>;
  sort?: string;
  mine?: boolean;
  hiddenColumns?: string[];
}

interface View {
  id: string;
  name: string;
  shared: boolean;
  mine: boolean;
  query: ViewQuery;
}

export function SavedViews({
  resource,
  current,
  onApply,
}: {
  resource: string;
  current: ViewQuery;
  onApply: (query: ViewQuery, name: string) => void;
}) {
  const queryClient = useQueryClient();
  const [saving, setSaving] = useState(false);
  const [name, setName] = useState('');
  const [shared, setShared] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const views = useQuery({
    queryKey: ['views', resource],
    queryFn: async () => (await api<{ data: View[] }>(`/api/v1/views?objectType=${resource}`)).data,
  });

  async function save() {
    setError(null);
    try {
      const made = await api<{ data: View }>('/api/v1/views', {
        method: 'POST',
        body: { objectType: resource, name: name.trim(), shared, query: current },
      });
      await queryClient.invalidateQueries({ queryKey: ['views', resource] });
      notifications.show({
        color: 'green',
        message: `Saved the view “${made.data.name}”${shared ? ', shared with the workspace' : ''}.`,
      });
      setSaving(false);
      setName('');
      setShared(false);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  }

  async function remove(view: View) {
    await api(`/api/v1/views/${view.id}`, { method: 'DELETE' });
    await queryClient.invalidateQueries({ queryKey: ['views', resource] });
  }

  return (
    <>
      <Menu position="bottom-end" closeOnItemClick>
        <Menu.Target>
          <Button variant="default">Views</Button>
        </Menu.Target>
        <Menu.Dropdown miw={240}>
          {(views.data ?? []).length ? (
            (views.data ?? []).map((v) => (
              <Menu.Item
                key={v.id}
                onClick={() => onApply(v.query, v.name)}
                rightSection={
                  v.mine ? (
                    <ActionIcon
                      size="sm"
                      variant="subtle"
                      color="gray"
                      aria-label={`Remove view ${v.name}`}
                      onClick={(e) => {
                        e.stopPropagation();
                        void remove(v);
                      }}
                    >
                      ×
                    </ActionIcon>
                  ) : (
                    <Text size="xs" c="dimmed">
                      shared
                    </Text>
                  )
                }
              >
                {v.name}
                {v.mine && v.shared ? ' (shared)' : ''}
              </Menu.Item>
            ))
          ) : (
            <Menu.Label>No saved views yet</Menu.Label>
          )}
          <Menu.Divider />
          <Menu.Item onClick={() => setSaving(true)}>Save this view…</Menu.Item>
        </Menu.Dropdown>
      </Menu>
      <Modal opened={saving} onClose={() => setSaving(false)} title="Save this view">
        <Stack>
          <Text size="sm" c="dimmed">
            Keeps the search, filters, sort and columns of this list under a name.
          </Text>
          <TextInput
            label="Name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            data-autofocus
            error={error}
          />
          <Checkbox
            label="Share with everyone in the workspace"
            checked={shared}
            onChange={(e) => setShared(e.currentTarget.checked)}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setSaving(false)}>
              Cancel
            </Button>
            <Button disabled={!name.trim()} onClick={() => void save()}>
              Save view
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
