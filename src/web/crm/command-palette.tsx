// The command palette (Ctrl/Cmd+K): global search across every object the user can read, ranked
// by the server, plus quick jumps to the main pages.
import { Badge, Group, Text } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { Spotlight, type SpotlightActionData } from '@mantine/spotlight';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { api } from '../api.ts';

interface Hit {
  resource: string;
  id: string;
  title: string;
  subtitle: string;
}

const KIND: Record<string, string> = {
  contacts: 'Contact',
  organizations: 'Organization',
  leads: 'Lead',
  deals: 'Deal',
  projects: 'Project',
  tasks: 'Task',
  notes: 'Note',
};

const PAGES = [
  { label: 'Contacts', to: '/contacts' },
  { label: 'Organizations', to: '/organizations' },
  { label: 'Leads', to: '/leads' },
  { label: 'Deals', to: '/deals' },
  { label: 'Projects', to: '/projects' },
  { label: 'My tasks', to: '/tasks' },
  { label: 'Import', to: '/import' },
  { label: 'Trash', to: '/trash' },
  { label: 'Settings', to: '/settings' },
];

export function CommandPalette() {
  const navigate = useNavigate();
  const [query, setQuery] = useState('');
  const [q] = useDebouncedValue(query.trim(), 150);
  const hits = useQuery({
    queryKey: ['search', q],
    queryFn: async () => (await api<{ data: Hit[] }>(`/api/v1/search?q=${encodeURIComponent(q)}&limit=15`)).data,
    enabled: q.length > 0,
  });
  const actions: SpotlightActionData[] = q
    ? (hits.data ?? []).map((h) => ({
        id: `${h.resource}:${h.id}`,
        label: h.title || '(untitled)',
        description: h.subtitle,
        leftSection: (
          <Badge variant="light" w={96}>
            {KIND[h.resource] ?? h.resource}
          </Badge>
        ),
        onClick: () => navigate(`/${h.resource === 'notes' ? 'notes' : h.resource}/${h.id}`),
      }))
    : PAGES.map((p) => ({ id: p.to, label: p.label, description: 'Go to page', onClick: () => navigate(p.to) }));
  return (
    <Spotlight
      actions={actions}
      query={query}
      onQueryChange={setQuery}
      filter={(_q, a) => a}
      shortcut={['mod + K']}
      nothingFound={
        hits.isFetching ? (
          <Text size="sm">Searching…</Text>
        ) : (
          <Group>
            <Text size="sm">Nothing found for “{q}”.</Text>
          </Group>
        )
      }
      searchProps={{ placeholder: 'Search contacts, companies, deals, tasks…', 'aria-label': 'Search everything' }}
      scrollable
      // Open at once so typing right after Ctrl+K lands in the search box.
      transitionProps={{ duration: 0 }}
      maxHeight={420}
    />
  );
}
