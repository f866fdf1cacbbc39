// One input per field type (from the server's field declarations or a custom field definition):
// text, long text, email, url, phone, select, numbers, money, dates, switches, links to other
// records (searchable), members, lists of emails/phones, addresses and tags.
import {
  Group,
  MultiSelect,
  NumberInput,
  Select,
  SimpleGrid,
  Switch,
  TagsInput,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api.ts';
import { humanize, type ListPage, recordTitle, useMembers } from './meta.ts';

export interface InputField {
  name: string;
  label: string;
  type: string;
  required: boolean;
  values?: string[] | null;
  ref?: string | null;
}

interface Props {
  field: InputField;
  value: unknown;
  onChange: (value: unknown) => void;
  error?: string | undefined;
}

/** A searchable picker of records of one kind, by name. */
export function RecordSelect({
  resource,
  label,
  value,
  onChange,
  error,
  required,
}: {
  resource: string;
  label: string;
  value: string | null;
  onChange: (id: string | null) => void;
  error?: string | undefined;
  required?: boolean;
}) {
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search, 200);
  const options = useQuery({
    queryKey: ['pick', resource, q],
    queryFn: async () =>
      (await api<ListPage>(`/api/v1/${resource}?limit=20${q ? `&q=${encodeURIComponent(q)}` : ''}`)).data,
  });
  const current = useQuery({
    queryKey: ['record', resource, value],
    queryFn: async () => (await api<{ data: Record<string, unknown> }>(`/api/v1/${resource}/${value}`)).data,
    enabled: Boolean(value) && !options.data?.some((r) => r.id === value),
  });
  const data = [...(options.data ?? []), ...(current.data ? [current.data] : [])]
    .filter((r, i, all) => all.findIndex((x) => x.id === r.id) === i)
    .map((r) => ({ value: String(r.id), label: recordTitle(resource, r) || String(r.id) }));
  return (
    <Select
      label={label}
      data={data}
      value={value}
      onChange={onChange}
      searchable
      clearable={!required}
      required={required}
      searchValue={search}
      onSearchChange={setSearch}
      nothingFoundMessage={options.isFetching ? 'Searching…' : 'Nothing found'}
      filter={({ options }) => options}
      error={error}
    />
  );
}

export function FieldInput({ field, value, onChange, error }: Props) {
  const members = useMembers();
  const common = { label: field.label, required: field.required, error };
  const memberOptions = (members.data ?? [])
    .filter((m) => m.status === 'active')
    .map((m) => ({ value: m.userId, label: m.name }));
  switch (field.type) {
    case 'longText':
    case 'long_text':
      return (
        <Textarea
          {...common}
          autosize
          minRows={2}
          value={(value as string) ?? ''}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
    case 'enum':
    case 'select':
      return (
        <Select
          {...common}
          data={(field.values ?? []).map((v) => ({ value: v, label: humanize(v) }))}
          value={(value as string) ?? null}
          onChange={(v) => onChange(v)}
          clearable={!field.required}
        />
      );
    case 'multi_select':
      return (
        <MultiSelect
          {...common}
          data={field.values ?? []}
          value={(value as string[]) ?? []}
          onChange={(v) => onChange(v)}
        />
      );
    case 'int':
    case 'percent':
    case 'number':
      return (
        <NumberInput
          {...common}
          value={(value as number | null) ?? ''}
          onChange={(v) => onChange(v === '' ? null : Number(v))}
          allowDecimal={field.type === 'number'}
          {...(field.type === 'percent' ? { min: 0, max: 100, suffix: '%' } : {})}
        />
      );
    case 'money':
    case 'currency':
      return (
        <TextInput
          {...common}
          inputMode="decimal"
          placeholder="0.00"
          value={(value as string) ?? ''}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
    case 'date':
      return (
        <TextInput
          {...common}
          type="date"
          value={(value as string) ?? ''}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
    case 'datetime': {
      const local = value ? toLocalInput(String(value)) : '';
      return (
        <TextInput
          {...common}
          type="datetime-local"
          value={local}
          onChange={(e) => onChange(e.currentTarget.value ? new Date(e.currentTarget.value).toISOString() : null)}
        />
      );
    }
    case 'bool':
    case 'boolean':
      return (
        <Switch
          label={field.label}
          checked={Boolean(value)}
          onChange={(e) => onChange(e.currentTarget.checked)}
          error={error}
        />
      );
    case 'ref':
      return field.ref ? (
        <RecordSelect
          resource={field.ref}
          label={field.label}
          value={(value as string) ?? null}
          onChange={onChange}
          error={error}
          required={field.required}
        />
      ) : null;
    case 'userRef':
      return (
        <Select
          {...common}
          data={memberOptions}
          value={(value as string) ?? null}
          onChange={onChange}
          searchable
          clearable={!field.required}
        />
      );
    case 'userRefs':
      return (
        <MultiSelect
          {...common}
          data={memberOptions}
          value={(value as string[]) ?? []}
          onChange={onChange}
          searchable
        />
      );
    case 'emails':
    case 'phones':
    case 'tags':
      return (
        <TagsInput
          {...common}
          value={(value as string[]) ?? []}
          onChange={onChange}
          placeholder="Type and press Enter"
          splitChars={[',', ';']}
        />
      );
    case 'address': {
      const a = (value as Record<string, string> | null) ?? {};
      const set = (k: string, v: string) => {
        const next = { ...a, [k]: v };
        for (const key of Object.keys(next)) if (!next[key]) delete next[key];
        onChange(Object.keys(next).length ? next : null);
      };
      return (
        <fieldset style={{ border: 0, padding: 0, margin: 0 }}>
          <legend style={{ fontSize: 'var(--mantine-font-size-sm)', fontWeight: 500 }}>{field.label}</legend>
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
            <TextInput
              aria-label="Street"
              placeholder="Street"
              value={a.street ?? ''}
              onChange={(e) => set('street', e.currentTarget.value)}
            />
            <TextInput
              aria-label="City"
              placeholder="City"
              value={a.city ?? ''}
              onChange={(e) => set('city', e.currentTarget.value)}
            />
            <TextInput
              aria-label="Region"
              placeholder="Region"
              value={a.region ?? ''}
              onChange={(e) => set('region', e.currentTarget.value)}
            />
            <Group grow gap="xs">
              <TextInput
                aria-label="Postal code"
                placeholder="Postal code"
                value={a.postalCode ?? ''}
                onChange={(e) => set('postalCode', e.currentTarget.value)}
              />
              <TextInput
                aria-label="Country"
                placeholder="Country"
                value={a.country ?? ''}
                onChange={(e) => set('country', e.currentTarget.value)}
              />
            </Group>
          </SimpleGrid>
          {error ? <div style={{ color: 'var(--mantine-color-error)', fontSize: 12 }}>{error}</div> : null}
        </fieldset>
      );
    }
    default:
      return (
        <TextInput
          {...common}
          type={
            field.type === 'email' ? 'email' : field.type === 'url' ? 'url' : field.type === 'phone' ? 'tel' : 'text'
          }
          value={(value as string) ?? ''}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
  }
}

function toLocalInput(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
