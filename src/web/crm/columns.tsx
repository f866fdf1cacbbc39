// Which columns each object's table shows, and how linked records and members are named in them.
import { Anchor, Badge, Group } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { api } from '../api.ts';
import { type CrmRecord, formatValue, humanize, type ListPage, recordTitle, useMembers, usePipelines } from './meta.ts';
import { TaskDone } from './task-done.tsx';

export interface Column {
  key: string;
  label: string;
  /** The field the server sorts by when this header is clicked. */
  sort?: string;
  render: (r: CrmRecord, ctx: CellContext) => ReactNode;
}

export interface CellContext {
  refTitle: (resource: string, id: unknown) => string;
  memberName: (id: unknown) => string;
  stageName: (id: unknown) => string;
}

const STATUS_COLORS: Record<string, string> = {
  new: 'blue',
  contacted: 'cyan',
  qualified: 'teal',
  proposal: 'grape',
  closed_won: 'green',
  closed_lost: 'gray',
  open: 'blue',
  won: 'green',
  lost: 'gray',
  planned: 'gray',
  in_progress: 'blue',
  on_hold: 'yellow',
  completed: 'green',
  cancelled: 'gray',
  todo: 'gray',
  blocked: 'red',
  done: 'green',
  low: 'gray',
  medium: 'blue',
  high: 'orange',
  urgent: 'red',
};

export const badge = (value: unknown) =>
  value ? (
    <Badge variant="light" color={STATUS_COLORS[String(value)] ?? 'gray'} style={{ minWidth: 'max-content' }}>
      {humanize(value)}
    </Badge>
  ) : null;

/**
 * A record's name in a list: a real link, so middle-click, Ctrl+click and "open in new tab" work;
 * a plain click is the link's own (the row's click handler is not run twice).
 */
function NameLink({ resource, id, name }: { resource: string; id: string; name: string }) {
  return (
    <Anchor
      component={Link}
      to={`/${resource}/${id}`}
      size="sm"
      fw={500}
      c="inherit"
      onClick={(e) => e.stopPropagation()}
      data-testid="record-link"
    >
      {name || 'Untitled'}
    </Anchor>
  );
}

const text = (key: string, label: string, sort?: string): Column => ({
  key,
  label,
  ...(sort ? { sort } : {}),
  render: (r) => String(r[key] ?? ''),
});
const date = (key: string, label: string, type = 'date'): Column => ({
  key,
  label,
  sort: key,
  render: (r) => formatValue({ type }, r[key]),
});

export const COLUMNS: Record<string, Column[]> = {
  contacts: [
    {
      key: 'name',
      label: 'Name',
      sort: 'firstName',
      render: (r) => <NameLink resource="contacts" id={r.id} name={recordTitle('contacts', r)} />,
    },
    text('email', 'Email', 'email'),
    text('jobTitle', 'Job title', 'jobTitle'),
    { key: 'organizationId', label: 'Organization', render: (r, c) => c.refTitle('organizations', r.organizationId) },
    { key: 'lifecycleStage', label: 'Stage', sort: 'lifecycleStage', render: (r) => badge(r.lifecycleStage) },
  ],
  organizations: [
    {
      key: 'name',
      label: 'Name',
      sort: 'name',
      render: (r) => <NameLink resource="organizations" id={r.id} name={String(r.name)} />,
    },
    text('domain', 'Domain', 'domain'),
    text('industry', 'Industry', 'industry'),
    text('sizeBand', 'Size', 'sizeBand'),
    date('updatedAt', 'Updated', 'datetime'),
  ],
  leads: [
    {
      key: 'contactName',
      label: 'Name',
      sort: 'contactName',
      render: (r) => <NameLink resource="leads" id={r.id} name={String(r.contactName)} />,
    },
    text('companyName', 'Company', 'companyName'),
    text('email', 'Email', 'email'),
    { key: 'status', label: 'Status', sort: 'status', render: (r) => badge(r.status) },
    { key: 'source', label: 'Source', sort: 'source', render: (r) => humanize(r.source) },
    date('followUpDate', 'Follow up'),
  ],
  deals: [
    {
      key: 'name',
      label: 'Name',
      sort: 'name',
      render: (r) => <NameLink resource="deals" id={r.id} name={String(r.name)} />,
    },
    {
      key: 'amount',
      label: 'Amount',
      sort: 'amount',
      render: (r) => (r.amount ? `${formatValue({ type: 'money' }, r.amount)} ${r.currency}` : ''),
    },
    { key: 'stageId', label: 'Stage', render: (r, c) => c.stageName(r.stageId) },
    { key: 'organizationId', label: 'Organization', render: (r, c) => c.refTitle('organizations', r.organizationId) },
    date('expectedCloseDate', 'Expected close'),
    { key: 'status', label: 'Status', render: (r) => badge(r.status) },
  ],
  projects: [
    {
      key: 'name',
      label: 'Name',
      sort: 'name',
      render: (r) => <NameLink resource="projects" id={r.id} name={String(r.name)} />,
    },
    { key: 'status', label: 'Status', sort: 'status', render: (r) => badge(r.status) },
    { key: 'organizationId', label: 'Organization', render: (r, c) => c.refTitle('organizations', r.organizationId) },
    {
      key: 'assigneeIds',
      label: 'Assignees',
      render: (r, c) => (
        <Group gap={4}>
          {((r.assigneeIds as string[]) ?? []).map((id) => (
            <Badge key={id} variant="outline" color="gray" tt="none">
              {c.memberName(id)}
            </Badge>
          ))}
        </Group>
      ),
    },
    date('dueDate', 'Due'),
  ],
  tasks: [
    { key: 'done', label: 'Done', render: (r) => <TaskDone task={r} /> },
    {
      key: 'title',
      label: 'Title',
      sort: 'title',
      render: (r) => <NameLink resource="tasks" id={r.id} name={String(r.title)} />,
    },
    { key: 'status', label: 'Status', sort: 'status', render: (r) => badge(r.status) },
    { key: 'priority', label: 'Priority', sort: 'priority', render: (r) => badge(r.priority) },
    { key: 'assigneeId', label: 'Assignee', render: (r, c) => c.memberName(r.assigneeId) },
    { key: 'projectId', label: 'Project', render: (r, c) => c.refTitle('projects', r.projectId) },
    date('dueAt', 'Due', 'datetime'),
  ],
};

/** Names of linked records on a page, fetched in one list call per kind. */
export function useCellContext(resource: string, rows: CrmRecord[]): CellContext {
  const members = useMembers();
  const pipelines = usePipelines();
  const refs: Record<string, string[]> = {};
  for (const col of COLUMNS[resource] ?? []) {
    const target = col.key === 'organizationId' ? 'organizations' : col.key === 'projectId' ? 'projects' : null;
    if (!target) continue;
    refs[target] = [...new Set(rows.map((r) => r[col.key]).filter(Boolean) as string[])];
  }
  const orgs = useRefs('organizations', refs.organizations ?? []);
  const projects = useRefs('projects', refs.projects ?? []);
  return {
    refTitle: (target, id) => {
      if (!id) return '';
      const found = (target === 'organizations' ? orgs : projects).find((r) => r.id === id);
      return found ? recordTitle(target, found) : '';
    },
    memberName: (id) => members.data?.find((m) => m.userId === id)?.name ?? '',
    stageName: (id) => {
      for (const p of pipelines.data ?? []) {
        const s = p.stages.find((x) => x.id === id);
        if (s) return s.name;
      }
      return '';
    },
  };
}

function useRefs(resource: string, ids: string[]): CrmRecord[] {
  const key = [...ids].sort().join(',');
  const q = useQuery({
    queryKey: ['refs', resource, key],
    queryFn: async () => (await api<ListPage>(`/api/v1/${resource}?limit=200&filter[id]=${key}`)).data,
    enabled: ids.length > 0,
    staleTime: 30_000,
  });
  return q.data ?? [];
}
