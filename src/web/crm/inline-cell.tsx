// Editing one value where it stands in a list: the pencil beside it opens an input; Enter or
// leaving the input saves it with the row's version, as the record form would, so a stale value
// gets the same 409 (and the list shows the current one) and a bad value its field message.
import { ActionIcon, Group, Select, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { ApiError, api } from '../api.ts';
import { type CrmRecord, type FieldMeta, humanize } from './meta.ts';

/** Field types a list cell edits in place; the rest are edited on the record's page. */
export const INLINE_TYPES = new Set(['text', 'email', 'phone', 'url', 'enum', 'money', 'int', 'percent', 'date']);

export function InlineCell({
  resource,
  singular,
  field,
  row,
  children,
}: {
  resource: string;
  singular: string;
  field: FieldMeta;
  row: CrmRecord;
  children: ReactNode;
}) {
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState<string>('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const open = () => {
    setValue(row[field.name] === null || row[field.name] === undefined ? '' : String(row[field.name]));
    setError(null);
    setEditing(true);
  };

  async function save(next: string) {
    if (busy) return;
    const before = row[field.name] === null || row[field.name] === undefined ? '' : String(row[field.name]);
    if (next === before) return setEditing(false);
    const typed: unknown =
      next === '' ? null : field.type === 'int' || field.type === 'percent' ? Number(next) : next.trim();
    setBusy(true);
    try {
      await api(`/api/v1/${resource}/${row.id}`, {
        method: 'PATCH',
        body: { [field.name]: typed, version: row.version },
      });
      setEditing(false);
      await queryClient.invalidateQueries({ queryKey: ['list', resource] });
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        notifications.show({
          color: 'yellow',
          title: 'Changed meanwhile',
          message: `Someone changed this ${singular} since the list loaded; it shows their version now. Nothing of yours was saved.`,
        });
        setEditing(false);
        await queryClient.invalidateQueries({ queryKey: ['list', resource] });
      } else {
        setError(err instanceof ApiError && err.fields[0] ? err.fields[0].message : (err as Error).message);
      }
    } finally {
      setBusy(false);
    }
  }

  if (editing) {
    const common = {
      size: 'xs' as const,
      'aria-label': field.label,
      error,
      disabled: busy,
      onClick: (e: React.MouseEvent) => e.stopPropagation(),
    };
    // The dropdown sits in a portal, but React bubbles its clicks through this cell to the row,
    // whose click opens the record: they stop here.
    const input =
      field.type === 'enum' ? (
        <Select
          {...common}
          data={(field.values ?? []).map((v) => ({ value: v, label: humanize(v) }))}
          value={value || null}
          onChange={(v) => void save(v ?? '')}
          onBlur={() => setEditing(false)}
          clearable={!field.required}
          defaultDropdownOpened
          w={170}
        />
      ) : (
        <TextInput
          {...common}
          type={field.type === 'date' ? 'date' : field.type === 'email' ? 'email' : 'text'}
          value={value}
          onChange={(e) => setValue(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') void save(value);
            if (e.key === 'Escape') setEditing(false);
          }}
          onBlur={() => void save(value)}
          autoFocus
          miw={140}
        />
      );
    return (
      // biome-ignore lint/a11y/noStaticElementInteractions: only keeps clicks from reaching the row
      // biome-ignore lint/a11y/useKeyWithClickEvents: the input inside handles its own keys
      <span onClick={(e) => e.stopPropagation()}>{input}</span>
    );
  }
  return (
    <Group gap={4} wrap="nowrap">
      {children}
      <ActionIcon
        size="xs"
        variant="subtle"
        color="gray"
        className="albedo-cell-edit"
        aria-label={`Edit ${field.label}`}
        onClick={(e) => {
          e.stopPropagation();
          open();
        }}
      >
        ✎
      </ActionIcon>
    </Group>
  );
}
