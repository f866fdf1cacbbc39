// Create and edit any CRM record. Required fields are checked before sending, the server's field
// errors land on their inputs, and a stale edit (409) shows what the other person changed and
// lets the user keep theirs or overwrite with their own.
import { Alert, Button, Group, Modal, Select, Stack, Table, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { ApiError, api } from '../api.ts';
import { FormError } from '../components/form-error.tsx';
import { FieldInput, type InputField, RecordSelect } from './field-input.tsx';
import { type CrmRecord, formatValue, humanize, useCustomFields, useObject, usePipelines } from './meta.ts';

/** Fields shown elsewhere or set by the system. */
const HIDDEN: Record<string, string[]> = {
  deals: ['pipelineId', 'stageId'],
  tasks: ['relatedType', 'relatedId'],
};

const isEmpty = (v: unknown) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);

export function RecordForm({
  resource,
  record,
  preset,
  onSaved,
  onCancel,
}: {
  resource: string;
  record?: CrmRecord | undefined;
  preset?: Record<string, unknown> | undefined;
  onSaved: (record: CrmRecord) => void;
  onCancel?: () => void;
}) {
  const meta = useObject(resource);
  const customFields = useCustomFields(resource);
  const pipelines = usePipelines();
  const queryClient = useQueryClient();
  const [loaded, setLoaded] = useState<CrmRecord | undefined>(record);
  const initial = useMemo(() => ({ ...(preset ?? {}), ...(record ?? {}) }), [record, preset]);
  const [values, setValues] = useState<Record<string, unknown>>(initial);
  const [custom, setCustom] = useState<Record<string, unknown>>((record?.custom as Record<string, unknown>) ?? {});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [conflict, setConflict] = useState<CrmRecord | null>(null);

  if (!meta) return null;
  const fields = meta.fields.filter((f) => !f.readOnly && !(HIDDEN[resource] ?? []).includes(f.name));
  const set = (name: string, value: unknown) => {
    setValues((v) => ({ ...v, [name]: value }));
    setErrors((e) => {
      const { [name]: _gone, ...rest } = e;
      return rest;
    });
  };

  function body(base: CrmRecord | undefined): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const f of [
      ...fields.map((f) => f.name),
      'tags',
      ...(resource === 'deals' ? ['pipelineId', 'stageId'] : []),
      ...(resource === 'tasks' ? ['relatedType', 'relatedId'] : []),
    ]) {
      const v = values[f];
      if (base) {
        if (JSON.stringify(v ?? null) !== JSON.stringify(base[f] ?? null))
          out[f] = isEmpty(v) ? (Array.isArray(base[f]) ? [] : null) : v;
      } else if (!isEmpty(v)) out[f] = v;
    }
    if (meta?.customFields) {
      const before = (base?.custom as Record<string, unknown>) ?? {};
      const changed = Object.fromEntries(
        Object.entries(custom).filter(([k, v]) => JSON.stringify(v ?? null) !== JSON.stringify(before[k] ?? null)),
      );
      if (Object.keys(changed).length)
        out.custom = Object.fromEntries(Object.entries(changed).map(([k, v]) => [k, isEmpty(v) ? null : v]));
    }
    return out;
  }

  async function save(version?: number) {
    const missing: Record<string, string> = {};
    for (const f of fields) if (f.required && isEmpty(values[f.name])) missing[f.name] = `${f.label} is required`;
    for (const c of customFields.data ?? []) {
      if (c.required && isEmpty(custom[c.key])) missing[`custom.${c.key}`] = `${c.label} is required`;
    }
    if (Object.keys(missing).length) {
      setErrors(missing);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const payload = body(loaded);
      const saved = loaded
        ? (
            await api<{ data: CrmRecord }>(`/api/v1/${resource}/${loaded.id}`, {
              method: 'PATCH',
              body: { ...payload, version: version ?? loaded.version },
            })
          ).data
        : (await api<{ data: CrmRecord }>(`/api/v1/${resource}`, { method: 'POST', body: payload })).data;
      await queryClient.invalidateQueries({ queryKey: ['list', resource] });
      queryClient.setQueryData(['detail', resource, saved.id], (old: { data: CrmRecord } | undefined) =>
        old ? { ...old, data: saved } : old,
      );
      onSaved(saved);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && (err.details as { current?: CrmRecord })?.current) {
        setConflict((err.details as { current: CrmRecord }).current);
      } else if (err instanceof ApiError && err.fields.length) {
        const mapped: Record<string, string> = {};
        const other: string[] = [];
        for (const f of err.fields) {
          const key = f.field.replace(/^body\./, '').replace(/^(custom\.[^.]+|[^.]+).*$/, '$1');
          if (fields.some((x) => x.name === key) || key.startsWith('custom.') || key === 'tags')
            mapped[key] = f.message;
          else other.push(`${f.field.replace(/^body\./, '')}: ${f.message}`);
        }
        setErrors(mapped);
        if (other.length) setError(new Error(other.join(' ')));
      } else setError(err);
    } finally {
      setBusy(false);
    }
  }

  const pipeline = pipelines.data?.find((p) => p.id === values.pipelineId) ?? pipelines.data?.find((p) => p.isDefault);

  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <Stack gap="sm">
        <FormError error={error} />
        {fields.map((f) => (
          <FieldInput
            key={f.name}
            field={f}
            value={values[f.name]}
            onChange={(v) => set(f.name, v)}
            error={errors[f.name]}
          />
        ))}
        {resource === 'deals' && pipelines.data ? (
          <Group grow>
            <Select
              label="Pipeline"
              data={pipelines.data.map((p) => ({ value: p.id, label: p.name }))}
              value={(values.pipelineId as string) ?? pipeline?.id ?? null}
              onChange={(v) => {
                set('pipelineId', v);
                set('stageId', null);
              }}
              error={errors.pipelineId}
            />
            <Select
              label="Stage"
              data={(pipeline?.stages ?? []).map((s) => ({ value: s.id, label: s.name }))}
              value={(values.stageId as string) ?? null}
              onChange={(v) => set('stageId', v)}
              placeholder="First stage"
              clearable
              error={errors.stageId}
            />
          </Group>
        ) : null}
        {resource === 'tasks' ? (
          <Group grow align="flex-start">
            <Select
              label="Related to"
              data={['contacts', 'organizations', 'deals', 'leads', 'projects'].map((v) => ({
                value: v,
                label: humanize(v),
              }))}
              value={(values.relatedType as string) ?? null}
              onChange={(v) => {
                set('relatedType', v);
                set('relatedId', null);
              }}
              clearable
              error={errors.relatedType}
            />
            {values.relatedType ? (
              <RecordSelect
                resource={values.relatedType as string}
                label="Record"
                value={(values.relatedId as string) ?? null}
                onChange={(v) => set('relatedId', v)}
                error={errors.relatedId}
              />
            ) : null}
          </Group>
        ) : null}
        <FieldInput
          field={{ name: 'tags', label: 'Tags', type: 'tags', required: false }}
          value={values.tags}
          onChange={(v) => set('tags', v)}
          error={errors.tags}
        />
        {(customFields.data ?? []).map((c) => {
          const field: InputField = {
            name: c.key,
            label: c.label,
            type: c.type,
            required: c.required,
            values: c.options,
          };
          return (
            <FieldInput
              key={c.id}
              field={field}
              value={custom[c.key]}
              onChange={(v) => {
                setCustom((old) => ({ ...old, [c.key]: v }));
                setErrors((e) => ({ ...e, [`custom.${c.key}`]: '' }));
              }}
              error={errors[`custom.${c.key}`] || undefined}
            />
          );
        })}
        <Group justify="flex-end">
          {onCancel ? (
            <Button variant="default" onClick={onCancel}>
              Cancel
            </Button>
          ) : null}
          <Button type="submit" loading={busy}>
            {loaded ? 'Save' : `Create ${meta.singular}`}
          </Button>
        </Group>
      </Stack>
      <Modal opened={conflict !== null} onClose={() => setConflict(null)} title="Someone else changed this" size="lg">
        {conflict ? (
          <Stack>
            <Alert color="yellow" variant="light">
              This {meta.singular} was changed after you opened it. Compare and choose which version to keep.
            </Alert>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Field</Table.Th>
                  <Table.Th>Their version</Table.Th>
                  <Table.Th>Yours</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {fields
                  .filter(
                    (f) =>
                      JSON.stringify(conflict[f.name] ?? null) !== JSON.stringify(values[f.name] ?? null) ||
                      JSON.stringify(conflict[f.name] ?? null) !== JSON.stringify(loaded?.[f.name] ?? null),
                  )
                  .map((f) => (
                    <Table.Tr key={f.name}>
                      <Table.Td>{f.label}</Table.Td>
                      <Table.Td>{formatValue(f, conflict[f.name]) || <Text c="dimmed">empty</Text>}</Table.Td>
                      <Table.Td>{formatValue(f, values[f.name]) || <Text c="dimmed">empty</Text>}</Table.Td>
                    </Table.Tr>
                  ))}
              </Table.Tbody>
            </Table>
            <Group justify="flex-end">
              <Button
                variant="default"
                onClick={() => {
                  setLoaded(conflict);
                  setValues({ ...conflict });
                  setCustom((conflict.custom as Record<string, unknown>) ?? {});
                  setConflict(null);
                  void queryClient.invalidateQueries({ queryKey: ['list', resource] });
                  onSaved(conflict);
                }}
              >
                Keep theirs
              </Button>
              <Button
                onClick={() => {
                  const version = conflict.version;
                  setLoaded(conflict);
                  setConflict(null);
                  void saveOver(conflict, version);
                }}
              >
                Overwrite with mine
              </Button>
            </Group>
          </Stack>
        ) : null}
      </Modal>
    </form>
  );

  /** Sends every field the user sees against the latest version. */
  async function saveOver(current: CrmRecord, version: number) {
    setBusy(true);
    try {
      const payload = body(current);
      const saved = (
        await api<{ data: CrmRecord }>(`/api/v1/${resource}/${current.id}`, {
          method: 'PATCH',
          body: { ...payload, version },
        })
      ).data;
      await queryClient.invalidateQueries({ queryKey: ['list', resource] });
      onSaved(saved);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
}
