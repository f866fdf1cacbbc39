// Deals: a board by stage (drag a card to move it, or use its menu) and the list. Moves are
// optimistic: the card moves at once and moves back, with a message, if the server refuses.
import {
  Badge,
  Button,
  Card,
  Center,
  Drawer,
  Group,
  Loader,
  Menu,
  ScrollArea,
  SegmentedControl,
  Select,
  Stack,
  Text,
  Title,
  UnstyledButton,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { ApiError, api } from '../api.ts';
import { useAuth } from '../auth.tsx';
import { useCellContext } from './columns.tsx';
import { type CrmRecord, formatValue, type ListPage, usePipelines } from './meta.ts';
import { RecordForm } from './record-form.tsx';
import { RecordList } from './record-list.tsx';

export function DealsPage() {
  const [view, setView] = useState<'board' | 'list'>('board');
  const toggle = (
    <SegmentedControl
      value={view}
      onChange={(v) => setView(v as 'board' | 'list')}
      data={[
        { value: 'board', label: 'Board' },
        { value: 'list', label: 'List' },
      ]}
      aria-label="View"
    />
  );
  return view === 'list' ? <RecordList resource="deals" headerExtra={toggle} /> : <DealsBoard toggle={toggle} />;
}

function DealsBoard({ toggle }: { toggle: React.ReactNode }) {
  const pipelines = usePipelines();
  const auth = useAuth();
  const queryClient = useQueryClient();
  const [pipelineId, setPipelineId] = useState<string | null>(null);
  const [dragging, setDragging] = useState<string | null>(null);
  const [over, setOver] = useState<string | null>(null);
  // Won and Lost start folded to a narrow summary, so the open stages and both outcomes fit on a
  // laptop screen (1440 px) without scrolling; a click unfolds one.
  const [unfolded, setUnfolded] = useState<Record<string, boolean>>({});
  const [creating, setCreating] = useState(false);
  const pipeline = pipelines.data?.find((p) => p.id === pipelineId) ?? pipelines.data?.find((p) => p.isDefault);
  const key = ['list', 'deals', `board:${pipeline?.id}`];
  const deals = useQuery({
    queryKey: key,
    queryFn: async () => api<ListPage>(`/api/v1/deals?filter[pipelineId]=${pipeline?.id}&limit=200&sort=-updatedAt`),
    enabled: Boolean(pipeline),
  });
  const ctx = useCellContext('deals', deals.data?.data ?? []);
  const canMove = auth.can('crm:deals:update');

  async function move(deal: CrmRecord, stageId: string) {
    if (deal.stageId === stageId) return;
    const before = queryClient.getQueryData<ListPage>(key);
    queryClient.setQueryData<ListPage>(key, (old) =>
      old ? { ...old, data: old.data.map((d) => (d.id === deal.id ? { ...d, stageId } : d)) } : old,
    );
    try {
      const saved = (
        await api<{ data: CrmRecord }>(`/api/v1/deals/${deal.id}`, {
          method: 'PATCH',
          body: { stageId, version: deal.version },
        })
      ).data;
      queryClient.setQueryData<ListPage>(key, (old) =>
        old ? { ...old, data: old.data.map((d) => (d.id === deal.id ? saved : d)) } : old,
      );
      void queryClient.invalidateQueries({ queryKey: ['detail', 'deals', deal.id] });
    } catch (err) {
      queryClient.setQueryData(key, before);
      notifications.show({
        color: 'red',
        title: 'The deal did not move',
        message:
          err instanceof ApiError && err.status === 409
            ? 'Someone else changed this deal; the board now shows their version.'
            : (err as Error).message,
      });
      if (err instanceof ApiError && err.status === 409) void queryClient.invalidateQueries({ queryKey: key });
    }
  }

  if (!pipelines.data || !pipeline) {
    return (
      <Center py="xl">
        <Loader />
      </Center>
    );
  }
  const rows = deals.data?.data ?? [];
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Deals</Title>
        <Group gap="xs">
          {pipelines.data.length > 1 ? (
            <Select
              aria-label="Pipeline"
              data={pipelines.data.map((p) => ({ value: p.id, label: p.name }))}
              value={pipeline.id}
              onChange={setPipelineId}
              w={180}
            />
          ) : null}
          {toggle}
          {auth.can('crm:deals:create') ? <Button onClick={() => setCreating(true)}>New deal</Button> : null}
        </Group>
      </Group>
      <ScrollArea type="auto" offsetScrollbars>
        <Group align="flex-start" wrap="nowrap" gap="sm" data-testid="deals-board">
          {pipeline.stages.map((stage) => {
            const inStage = rows.filter((d) => d.stageId === stage.id);
            const total = inStage.reduce((sum, d) => sum + Number(d.amount ?? 0), 0);
            const folded = stage.kind !== 'open' && !unfolded[stage.id];
            return (
              <Card
                key={stage.id}
                withBorder
                style={folded ? { flex: '0 0 128px' } : { flex: '1 1 200px', minWidth: 190, maxWidth: 320 }}
                padding="sm"
                bg={over === stage.id ? 'var(--mantine-color-blue-light)' : 'var(--mantine-color-default-hover)'}
                data-testid={`stage-${stage.name}`}
                onDragOver={(e) => {
                  if (!dragging) return;
                  e.preventDefault();
                  setOver(stage.id);
                }}
                onDragLeave={() => setOver((o) => (o === stage.id ? null : o))}
                onDrop={(e) => {
                  e.preventDefault();
                  setOver(null);
                  const deal = rows.find((d) => d.id === e.dataTransfer.getData('text/plain'));
                  if (deal) void move(deal, stage.id);
                }}
              >
                <Group justify="space-between" mb="xs" wrap="nowrap">
                  {stage.kind === 'open' ? (
                    <Text fw={600} size="sm">
                      {stage.name}
                    </Text>
                  ) : (
                    <UnstyledButton
                      fw={600}
                      fz="sm"
                      aria-expanded={!folded}
                      aria-label={`${folded ? 'Show' : 'Fold'} ${stage.name}`}
                      onClick={() => setUnfolded((u) => ({ ...u, [stage.id]: folded }))}
                    >
                      {folded ? '▸' : '▾'} {stage.name}
                    </UnstyledButton>
                  )}
                  <Badge
                    variant="light"
                    color={stage.kind === 'won' ? 'green' : stage.kind === 'lost' ? 'gray' : 'blue'}
                  >
                    {inStage.length}
                  </Badge>
                </Group>
                <Text size="xs" c="dimmed" mb="xs">
                  {total ? formatValue({ type: 'money' }, total) : '—'} · {stage.probability}%
                </Text>
                <Stack gap="xs" mih={40}>
                  {folded
                    ? null
                    : inStage.map((deal) => (
                        <Card
                          key={deal.id}
                          withBorder
                          padding="xs"
                          draggable={canMove}
                          onDragStart={(e) => {
                            e.dataTransfer.setData('text/plain', deal.id);
                            e.dataTransfer.effectAllowed = 'move';
                            setDragging(deal.id);
                          }}
                          onDragEnd={() => setDragging(null)}
                          style={{ cursor: canMove ? 'grab' : 'default', opacity: dragging === deal.id ? 0.5 : 1 }}
                          data-testid="deal-card"
                        >
                          <Group justify="space-between" wrap="nowrap" gap={4}>
                            <Text component={Link} to={`/deals/${deal.id}`} size="sm" fw={500} truncate>
                              {String(deal.name)}
                            </Text>
                            {canMove ? (
                              <Menu position="bottom-end">
                                <Menu.Target>
                                  <UnstyledButton aria-label={`Move ${deal.name}`} px={4}>
                                    ⋯
                                  </UnstyledButton>
                                </Menu.Target>
                                <Menu.Dropdown>
                                  <Menu.Label>Move to</Menu.Label>
                                  {pipeline.stages
                                    .filter((s) => s.id !== deal.stageId)
                                    .map((s) => (
                                      <Menu.Item key={s.id} onClick={() => void move(deal, s.id)}>
                                        {s.name}
                                      </Menu.Item>
                                    ))}
                                </Menu.Dropdown>
                              </Menu>
                            ) : null}
                          </Group>
                          <Text size="xs" c="dimmed" truncate>
                            {deal.amount
                              ? `${formatValue({ type: 'money' }, deal.amount)} ${deal.currency}`
                              : 'No amount'}
                            {deal.organizationId ? ` · ${ctx.refTitle('organizations', deal.organizationId)}` : ''}
                          </Text>
                        </Card>
                      ))}
                </Stack>
              </Card>
            );
          })}
        </Group>
      </ScrollArea>
      <Drawer opened={creating} onClose={() => setCreating(false)} title="New deal" position="right" size="lg">
        {creating ? (
          <RecordForm
            resource="deals"
            preset={{ pipelineId: pipeline.id }}
            onCancel={() => setCreating(false)}
            onSaved={() => {
              setCreating(false);
              void queryClient.invalidateQueries({ queryKey: key });
            }}
          />
        ) : null}
      </Drawer>
      {deals.data && rows.length === 0 ? (
        <Text c="dimmed" ta="center">
          No deals in this pipeline yet. Switch to the list to create one, or convert a lead.
        </Text>
      ) : null}
    </Stack>
  );
}
