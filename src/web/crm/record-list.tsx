// The list page every object shares: search, filters, sortable columns (which to show is the
// user's choice), cursor paging, counts, selection with bulk actions, export, an empty state, and
// a drawer to create a record. Sorting, filtering, searching and paging happen on the server.
import {
  Button,
  Card,
  Center,
  Checkbox,
  Drawer,
  Group,
  Loader,
  Menu,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
  UnstyledButton,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, download } from '../api.ts';
import { useAuth } from '../auth.tsx';
import { BulkActions } from './bulk-actions.tsx';
import { COLUMNS, useCellContext } from './columns.tsx';
import { INLINE_TYPES, InlineCell } from './inline-cell.tsx';
import { type CrmRecord, humanize, type ListPage, PLURAL, useObject } from './meta.ts';
import { RecordForm } from './record-form.tsx';
import { SavedViews } from './saved-views.tsx';

export interface ListFilter {
  /** The field filtered by a select in the toolbar, e.g. status. */
  field: string;
  label: string;
}

const TOOLBAR_FILTERS: Record<string, ListFilter[]> = {
  contacts: [{ field: 'lifecycleStage', label: 'Stage' }],
  leads: [
    { field: 'status', label: 'Status' },
    { field: 'source', label: 'Source' },
  ],
  deals: [{ field: 'status', label: 'Status' }],
  projects: [{ field: 'status', label: 'Status' }],
  tasks: [
    { field: 'status', label: 'Status' },
    { field: 'priority', label: 'Priority' },
  ],
  organizations: [{ field: 'sizeBand', label: 'Size' }],
};

/** The columns a user hid on a list, kept in this browser per object. */
function useHiddenColumns(resource: string): [string[], (keys: string[]) => void] {
  const key = `albedo.hiddenColumns.${resource}`;
  const [hidden, setHidden] = useState<string[]>(() => {
    try {
      return JSON.parse(localStorage.getItem(key) ?? '[]') as string[];
    } catch {
      return [];
    }
  });
  return [
    hidden,
    (keys) => {
      setHidden(keys);
      localStorage.setItem(key, JSON.stringify(keys));
    },
  ];
}

/** Shows or hides a list's columns; the name column always stays. */
function ColumnChooser({
  columns,
  hidden,
  onChange,
}: {
  resource: string;
  columns: Array<{ key: string; label: string }>;
  hidden: string[];
  onChange: (keys: string[]) => void;
}) {
  return (
    <Menu position="bottom-end" closeOnItemClick={false}>
      <Menu.Target>
        <Button variant="default">Columns</Button>
      </Menu.Target>
      <Menu.Dropdown>
        {columns.slice(1).map((c) => (
          <Menu.Item key={c.key}>
            <Checkbox
              label={c.label}
              checked={!hidden.includes(c.key)}
              onChange={(e) =>
                onChange(e.currentTarget.checked ? hidden.filter((k) => k !== c.key) : [...hidden, c.key])
              }
            />
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}

export function buildQuery(params: Record<string, string | undefined>): string {
  return Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v as string)}`)
    .join('&');
}

export function RecordList({
  resource,
  title,
  mineField = 'ownerId',
  mineDefault = false,
  extraFilters,
  extraParams,
  headerExtra,
  defaultSort = '-updatedAt',
}: {
  resource: string;
  title?: string;
  mineField?: string;
  mineDefault?: boolean;
  extraFilters?: ReactNode;
  extraParams?: Record<string, string | undefined>;
  headerExtra?: ReactNode;
  defaultSort?: string;
}) {
  const meta = useObject(resource);
  const auth = useAuth();
  const navigate = useNavigate();
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 250);
  const [mine, setMine] = useState(mineDefault);
  const [filters, setFilters] = useState<Record<string, string | null>>({});
  const [sort, setSort] = useState<string>(defaultSort);
  const [cursors, setCursors] = useState<string[]>([]);
  const [selected, setSelected] = useState<string[]>([]);
  const [creating, setCreating] = useState(false);
  const cursor = cursors[cursors.length - 1];

  const params: Record<string, string | undefined> = {
    limit: '25',
    sort,
    q: q || undefined,
    ...(mine ? { [`filter[${mineField}]`]: 'me' } : {}),
    ...Object.fromEntries(Object.entries(filters).map(([k, v]) => [`filter[${k}]`, v ?? undefined])),
    ...(extraParams ?? {}),
  };
  const query = buildQuery(params);
  const list = useQuery({
    queryKey: ['list', resource, query, cursor ?? null],
    queryFn: async () =>
      api<ListPage>(`/api/v1/${resource}?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : '&count=true'}`),
    placeholderData: keepPreviousData,
  });
  const total = useQuery({
    queryKey: ['list', resource, query, null],
    queryFn: async () => api<ListPage>(`/api/v1/${resource}?${query}&count=true`),
    enabled: Boolean(cursor),
  });
  const rows = list.data?.data ?? [];
  const ctx = useCellContext(resource, rows);
  const allColumns = COLUMNS[resource] ?? [];
  const [hidden, setHidden] = useHiddenColumns(resource);
  const columns = allColumns.filter((c) => !hidden.includes(c.key));
  const count = (cursor ? total.data : list.data)?.page.total;
  const reset = () => {
    setCursors([]);
    setSelected([]);
  };

  async function exportAs(format: 'csv' | 'xlsx' | 'vcf') {
    const { limit: _l, ...rest } = params;
    try {
      const started = (
        await api<{ data: { id: string } }>('/api/v1/exports', {
          method: 'POST',
          body: {
            objectType: resource,
            format,
            query: Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
          },
        })
      ).data;
      const id = notifications.show({
        loading: true,
        title: 'Exporting…',
        message: 'Preparing your file',
        autoClose: false,
      });
      for (let i = 0; i < 600; i++) {
        const state = (
          await api<{ data: { status: string; downloadUrl: string | null; fileName: string } }>(
            `/api/v1/exports/${started.id}`,
          )
        ).data;
        if (state.status === 'succeeded' && state.downloadUrl) {
          await download(state.downloadUrl, state.fileName);
          notifications.update({ id, loading: false, title: 'Export ready', message: state.fileName, autoClose: 3000 });
          return;
        }
        if (state.status === 'failed') throw new Error('The export failed. Try again, or with fewer rows.');
        await new Promise((r) => setTimeout(r, 500));
      }
    } catch (err) {
      notifications.show({ color: 'red', title: 'Export failed', message: (err as Error).message });
    }
  }

  if (!meta) return <Loader />;
  const heading = title ?? PLURAL[resource] ?? meta.label;
  // Columns that show one plain field of the record, which the user may change in place.
  const editable = new Map(
    auth.can(`crm:${resource}:update`)
      ? meta.fields
          .filter((f) => !f.readOnly && INLINE_TYPES.has(f.type) && columns.some((c) => c.key === f.name))
          .map((f) => [f.name, f])
      : [],
  );
  const canCreate = auth.can(`crm:${resource}:create`);
  const filtersActive = Boolean(q) || mine || Object.values(filters).some(Boolean);

  return (
    <Stack>
      <Group justify="space-between" wrap="wrap">
        <Group gap="xs" align="baseline">
          <Title order={2}>{heading}</Title>
          {count !== undefined ? (
            <Text c="dimmed" size="sm" data-testid="list-count">
              {count} {count === 1 ? meta.singular : heading.toLowerCase()}
            </Text>
          ) : null}
        </Group>
        <Group gap="xs">
          {headerExtra}
          <Menu position="bottom-end">
            <Menu.Target>
              <Button variant="default">Import / export</Button>
            </Menu.Target>
            <Menu.Dropdown>
              {auth.can(`crm:${resource}:import`) && resource !== 'notes' ? (
                <Menu.Item component={Link} to={`/import?object=${resource}`}>
                  Import from a file…
                </Menu.Item>
              ) : null}
              <Menu.Item onClick={() => void exportAs('csv')}>Export this list as CSV</Menu.Item>
              <Menu.Item onClick={() => void exportAs('xlsx')}>Export this list as Excel</Menu.Item>
              {resource === 'contacts' ? (
                <Menu.Item onClick={() => void exportAs('vcf')}>Export as vCards</Menu.Item>
              ) : null}
            </Menu.Dropdown>
          </Menu>
          {canCreate ? <Button onClick={() => setCreating(true)}>New {meta.singular}</Button> : null}
        </Group>
      </Group>

      <Group gap="sm" wrap="wrap" align="flex-end">
        <TextInput
          placeholder={`Search ${heading.toLowerCase()}`}
          aria-label={`Search ${heading.toLowerCase()}`}
          value={search}
          onChange={(e) => {
            setSearch(e.currentTarget.value);
            reset();
          }}
          w={260}
        />
        {(TOOLBAR_FILTERS[resource] ?? []).map((f) => {
          const field = meta.fields.find((x) => x.name === f.field);
          return (
            <Select
              key={f.field}
              aria-label={f.label}
              placeholder={f.label}
              data={(field?.values ?? []).map((v) => ({ value: v, label: humanize(v) }))}
              value={filters[f.field] ?? null}
              onChange={(v) => {
                setFilters((old) => ({ ...old, [f.field]: v }));
                reset();
              }}
              clearable
              w={170}
            />
          );
        })}
        {extraFilters}
        <Switch
          label={mineField === 'assigneeId' ? 'Assigned to me' : 'Only mine'}
          checked={mine}
          onChange={(e) => {
            setMine(e.currentTarget.checked);
            reset();
          }}
        />
        {selected.length ? (
          <BulkActions resource={resource} meta={meta} selected={selected} rows={rows} onDone={() => setSelected([])} />
        ) : null}
        <ColumnChooser resource={resource} columns={allColumns} hidden={hidden} onChange={setHidden} />
        <SavedViews
          resource={resource}
          current={{
            ...(search.trim() ? { q: search.trim() } : {}),
            filters,
            sort,
            mine,
            hiddenColumns: hidden,
          }}
          onApply={(view, name) => {
            setSearch(view.q ?? '');
            setFilters(view.filters ?? {});
            setSort(view.sort ?? defaultSort);
            setMine(view.mine ?? false);
            setHidden(view.hiddenColumns ?? []);
            reset();
            notifications.show({ message: `View “${name}”` });
          }}
        />
      </Group>

      {list.isError ? (
        <Text c="red">
          Could not load {heading.toLowerCase()}: {(list.error as Error).message}
        </Text>
      ) : list.isLoading ? (
        <Center py="xl">
          <Loader />
        </Center>
      ) : rows.length === 0 ? (
        <Card withBorder padding="xl" data-testid="empty-state">
          <Stack align="center" gap="xs">
            <Text fw={600}>
              {filtersActive ? `No ${heading.toLowerCase()} match` : `No ${heading.toLowerCase()} yet`}
            </Text>
            <Text c="dimmed" size="sm" ta="center">
              {filtersActive
                ? 'Try another search or clear the filters.'
                : `Create your first ${meta.singular}, or import them from a spreadsheet.`}
            </Text>
            {!filtersActive && canCreate ? (
              <Button onClick={() => setCreating(true)}>New {meta.singular}</Button>
            ) : null}
          </Stack>
        </Card>
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table highlightOnHover verticalSpacing="xs" data-testid={`${resource}-table`}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={36}>
                  <Checkbox
                    aria-label="Select all on this page"
                    checked={selected.length > 0 && selected.length === rows.length}
                    indeterminate={selected.length > 0 && selected.length < rows.length}
                    onChange={(e) => setSelected(e.currentTarget.checked ? rows.map((r) => r.id) : [])}
                  />
                </Table.Th>
                {columns.map((c) => (
                  // One look for every header; a sortable one is a button with the same text.
                  <Table.Th key={c.key} fz="sm" fw={600} style={{ whiteSpace: 'nowrap' }}>
                    {c.sort ? (
                      <UnstyledButton
                        fz="sm"
                        fw={600}
                        onClick={() => {
                          setSort(sort === c.sort ? `-${c.sort}` : (c.sort as string));
                          reset();
                        }}
                        aria-label={`Sort by ${c.label}`}
                      >
                        {c.label}
                        {sort === c.sort ? ' ↑' : sort === `-${c.sort}` ? ' ↓' : ''}
                      </UnstyledButton>
                    ) : (
                      c.label
                    )}
                  </Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r) => (
                <Table.Tr key={r.id} style={{ cursor: 'pointer' }} onClick={() => navigate(`/${resource}/${r.id}`)}>
                  <Table.Td onClick={(e) => e.stopPropagation()}>
                    <Checkbox
                      aria-label="Select row"
                      checked={selected.includes(r.id)}
                      onChange={(e) => {
                        // Read now: React runs the updater later, when the event's target is gone.
                        const checked = e.currentTarget.checked;
                        setSelected((s) => (checked ? [...s, r.id] : s.filter((x) => x !== r.id)));
                      }}
                    />
                  </Table.Td>
                  {columns.map((c) => {
                    const field = editable.get(c.key);
                    return (
                      <Table.Td key={c.key}>
                        {field ? (
                          <InlineCell resource={resource} singular={meta.singular} field={field} row={r}>
                            {c.render(r, ctx)}
                          </InlineCell>
                        ) : (
                          c.render(r, ctx)
                        )}
                      </Table.Td>
                    );
                  })}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {rows.length > 0 ? (
        <Group justify="flex-end">
          <Button variant="default" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
            Previous
          </Button>
          <Button
            variant="default"
            disabled={!list.data?.page.hasMore}
            onClick={() => {
              const next = list.data?.page.nextCursor;
              if (next) setCursors((c) => [...c, next]);
            }}
          >
            Next
          </Button>
        </Group>
      ) : null}

      <Drawer
        opened={creating}
        onClose={() => setCreating(false)}
        title={`New ${meta.singular}`}
        position="right"
        size="lg"
      >
        {creating ? (
          <RecordForm
            resource={resource}
            preset={mineField === 'assigneeId' && auth.me ? { assigneeId: auth.me.id } : undefined}
            onCancel={() => setCreating(false)}
            onSaved={(saved: CrmRecord) => {
              setCreating(false);
              notifications.show({ color: 'green', message: `${meta.label} created` });
              navigate(`/${resource}/${saved.id}`);
            }}
          />
        ) : null}
      </Drawer>
    </Stack>
  );
}
