// What the web app knows about CRM objects comes from the server (GET /api/v1/objects), so forms,
// tables and filters follow the same field declarations the API validates with.
import { useQuery } from '@tanstack/react-query';
import { api } from '../api.ts';

export interface FieldMeta {
  name: string;
  label: string;
  type: string;
  required: boolean;
  readOnly: boolean;
  sortable: boolean;
  values: string[] | null;
  ref: string | null;
}

export interface ObjectMeta {
  resource: string;
  singular: string;
  label: string;
  customFields: boolean;
  /** Duplicates can be merged into one. */
  mergeable: boolean;
  fields: FieldMeta[];
}

export interface CustomField {
  id: string;
  objectType: string;
  key: string;
  label: string;
  type: string;
  required: boolean;
  options: string[];
  position: number;
}

export interface Member {
  userId: string;
  name: string;
  email: string;
  status: string;
}

export interface Pipeline {
  id: string;
  name: string;
  isDefault: boolean;
  stages: Array<{ id: string; name: string; position: number; probability: number; kind: 'open' | 'won' | 'lost' }>;
}

export type CrmRecord = Record<string, unknown> & {
  id: string;
  version: number;
  ownerId: string;
  tags: string[];
  createdAt: string;
  updatedAt: string;
  custom?: Record<string, unknown>;
};

export interface ListPage {
  data: CrmRecord[];
  page: { nextCursor: string | null; hasMore: boolean; total?: number };
}

export const PLURAL: Record<string, string> = {
  contacts: 'Contacts',
  organizations: 'Organizations',
  leads: 'Leads',
  deals: 'Deals',
  projects: 'Projects',
  tasks: 'Tasks',
  notes: 'Notes',
};

export function useObjects() {
  return useQuery({
    queryKey: ['objects'],
    queryFn: async () => (await api<{ data: ObjectMeta[] }>('/api/v1/objects')).data,
    staleTime: Number.POSITIVE_INFINITY,
  });
}

export function useObject(resource: string): ObjectMeta | undefined {
  return useObjects().data?.find((o) => o.resource === resource);
}

export function useCustomFields(resource: string) {
  return useQuery({
    queryKey: ['custom-fields', resource],
    queryFn: async () =>
      (await api<{ data: CustomField[] }>(`/api/v1/custom-fields?objectType=${encodeURIComponent(resource)}`)).data,
    staleTime: 60_000,
  });
}

export function useMembers() {
  return useQuery({
    queryKey: ['members'],
    queryFn: async () => (await api<{ data: Member[] }>('/api/v1/members')).data,
    staleTime: 60_000,
  });
}

export function usePipelines() {
  return useQuery({
    queryKey: ['pipelines'],
    queryFn: async () => (await api<{ data: Pipeline[] }>('/api/v1/pipelines')).data,
    staleTime: 60_000,
  });
}

/** The name a record is shown by, whatever its kind. */
export function recordTitle(resource: string, r: Record<string, unknown> | undefined): string {
  if (!r) return '';
  switch (resource) {
    case 'contacts':
      return [r.firstName, r.lastName].filter(Boolean).join(' ');
    case 'leads':
      return String(r.contactName ?? '');
    case 'tasks':
      return String(r.title ?? '');
    case 'notes':
      return String(r.body ?? '').slice(0, 80);
    default:
      return String(r.name ?? '');
  }
}

export const humanize = (value: unknown): string =>
  typeof value === 'string' ? value.replace(/_/g, ' ').replace(/^\w/, (c) => c.toUpperCase()) : String(value ?? '');

export function formatValue(field: Pick<FieldMeta, 'type'>, value: unknown): string {
  if (value === null || value === undefined || value === '') return '';
  switch (field.type) {
    case 'datetime':
      return new Date(String(value)).toLocaleString();
    case 'date':
      return new Date(`${value}T00:00:00`).toLocaleDateString();
    case 'money':
      return Number(value).toLocaleString(undefined, { minimumFractionDigits: 0, maximumFractionDigits: 2 });
    case 'percent':
      return `${value}%`;
    case 'bool':
    case 'boolean':
      return value ? 'Yes' : 'No';
    case 'enum':
      return humanize(value);
    case 'address': {
      const a = value as Record<string, string>;
      return [a.street, a.city, a.region, a.postalCode, a.country].filter(Boolean).join(', ');
    }
    default:
      return Array.isArray(value) ? value.join(', ') : String(value);
  }
}
