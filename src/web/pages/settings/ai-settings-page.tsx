// Settings → AI: the workspace's model providers (keys are write-only), the fallback order,
// routing rules and the monthly budget; and Settings → AI usage: calls, tokens and cost by user,
// department, model and day, drawn as bar charts.
import {
  ActionIcon,
  Alert,
  Badge,
  Box,
  Button,
  Card,
  Group,
  NumberInput,
  PasswordInput,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
  Tooltip,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api } from '../../api.ts';
import { useAuth } from '../../auth.tsx';
import { FormError } from '../../components/form-error.tsx';

interface Provider {
  name: string;
  label: string;
  enabled: boolean;
  model: string;
  baseUrl: string | null;
  hasKey: boolean;
  position: number;
  source: 'workspace' | 'environment';
}
interface Known {
  name: string;
  label: string;
  defaultModel: string;
}
interface RoutingRule {
  when: { language?: 'chinese'; department?: string };
  provider: string;
  model?: string;
}
interface Settings {
  monthlyBudgetUsd: string | null;
  routing: RoutingRule[];
}

function ProviderForm({ known, current, onSaved }: { known: Known; current?: Provider; onSaved: () => void }) {
  const [model, setModel] = useState(current?.model ?? known.defaultModel);
  const [baseUrl, setBaseUrl] = useState(current?.baseUrl ?? '');
  const [apiKey, setApiKey] = useState('');
  const [enabled, setEnabled] = useState(current?.enabled ?? true);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const own = current?.source === 'workspace';

  async function save(body: Record<string, unknown>) {
    setBusy(true);
    setError(null);
    try {
      await api(`/api/v1/ai/providers/${known.name}`, { method: 'PUT', body });
      setApiKey('');
      notifications.show({ color: 'green', message: `${known.label} saved` });
      onSaved();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card withBorder data-testid={`provider-${known.name}`}>
      <Stack gap="xs">
        <Group justify="space-between">
          <Group gap="xs">
            <Text fw={600}>{known.label}</Text>
            {current?.source === 'environment' && <Badge variant="light">from the server environment</Badge>}
            {own && current?.hasKey && (
              <Badge color="green" variant="light">
                key stored
              </Badge>
            )}
          </Group>
          {own && (
            <Switch
              label="Enabled"
              checked={enabled}
              onChange={(e) => {
                setEnabled(e.currentTarget.checked);
                save({ enabled: e.currentTarget.checked });
              }}
            />
          )}
        </Group>
        <FormError error={error} />
        <Group grow align="flex-start">
          <TextInput label="Model" value={model} onChange={(e) => setModel(e.currentTarget.value)} />
          <TextInput
            label="Base URL"
            placeholder={known.name === 'compatible' ? 'http://127.0.0.1:11434/v1' : 'default'}
            value={baseUrl}
            onChange={(e) => setBaseUrl(e.currentTarget.value)}
          />
        </Group>
        <PasswordInput
          label="API key"
          placeholder={own && current?.hasKey ? 'stored — type a new key to replace it' : 'paste the key'}
          description="Encrypted at rest; never shown again or sent to the browser."
          value={apiKey}
          onChange={(e) => setApiKey(e.currentTarget.value)}
          autoComplete="off"
        />
        <Group justify="flex-end">
          {own && (
            <Button
              variant="subtle"
              color="red"
              disabled={busy}
              onClick={async () => {
                await api(`/api/v1/ai/providers/${known.name}`, { method: 'DELETE' });
                onSaved();
              }}
            >
              Remove
            </Button>
          )}
          <Button
            loading={busy}
            onClick={() =>
              save({
                model,
                baseUrl: baseUrl.trim() || null,
                ...(apiKey.trim() ? { apiKey: apiKey.trim() } : {}),
              })
            }
          >
            Save
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

export function AiSettingsPage() {
  const queryClient = useQueryClient();
  const status = useQuery({
    queryKey: ['ai-status'],
    queryFn: () => api<{ data: { known: Known[]; offline: boolean } }>('/api/v1/ai/status').then((r) => r.data),
  });
  const providers = useQuery({
    queryKey: ['ai-providers'],
    queryFn: () => api<{ data: Provider[] }>('/api/v1/ai/providers').then((r) => r.data),
  });
  const settings = useQuery({
    queryKey: ['ai-settings'],
    queryFn: () => api<{ data: Settings }>('/api/v1/ai/settings').then((r) => r.data),
  });
  const refresh = () => {
    queryClient.invalidateQueries({ queryKey: ['ai-providers'] });
    queryClient.invalidateQueries({ queryKey: ['ai-status'] });
  };
  const own = (providers.data ?? []).filter((p) => p.source === 'workspace');

  async function move(p: Provider, delta: number) {
    const order = [...own];
    const i = order.findIndex((o) => o.name === p.name);
    const j = i + delta;
    if (j < 0 || j >= order.length) return;
    [order[i], order[j]] = [order[j] as Provider, order[i] as Provider];
    for (const [position, o] of order.entries()) {
      await api(`/api/v1/ai/providers/${o.name}`, { method: 'PUT', body: { position } });
    }
    refresh();
  }

  return (
    <Stack maw={900}>
      <Title order={2}>AI</Title>
      {status.data?.offline && (
        <Alert color="yellow" variant="light">
          No provider is configured: the assistant runs the built-in offline model, which understands a set of plain
          commands. Add a provider below for free conversation.
        </Alert>
      )}
      <Card withBorder>
        <Title order={4} mb="xs">
          Fallback order
        </Title>
        <Text size="sm" c="dimmed" mb="xs">
          A turn tries these in order; on rate limits, server errors and timeouts it retries, then moves to the next.
        </Text>
        <Table>
          <Table.Tbody>
            {(providers.data ?? []).map((p, i) => (
              <Table.Tr key={p.name}>
                <Table.Td>{i + 1}.</Table.Td>
                <Table.Td>
                  {p.label}{' '}
                  <Text span c="dimmed" size="sm">
                    ({p.model})
                  </Text>
                </Table.Td>
                <Table.Td>
                  {p.enabled ? (
                    <Badge color="green" variant="light">
                      on
                    </Badge>
                  ) : (
                    <Badge color="gray">off</Badge>
                  )}
                </Table.Td>
                <Table.Td>
                  {p.source === 'workspace' && (
                    <Group gap={4}>
                      <Tooltip label="Earlier">
                        <ActionIcon
                          variant="default"
                          size="sm"
                          aria-label={`Move ${p.label} up`}
                          onClick={() => move(p, -1)}
                        >
                          ↑
                        </ActionIcon>
                      </Tooltip>
                      <Tooltip label="Later">
                        <ActionIcon
                          variant="default"
                          size="sm"
                          aria-label={`Move ${p.label} down`}
                          onClick={() => move(p, 1)}
                        >
                          ↓
                        </ActionIcon>
                      </Tooltip>
                    </Group>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Card>
      <Title order={4}>Providers</Title>
      {(status.data?.known ?? []).map((k) => (
        <ProviderForm
          key={`${k.name}-${providers.dataUpdatedAt}`}
          known={k}
          current={providers.data?.find((p) => p.name === k.name)}
          onSaved={refresh}
        />
      ))}
      {settings.data && (
        <RulesAndBudget
          settings={settings.data}
          providers={status.data?.known ?? []}
          onSaved={() => queryClient.invalidateQueries({ queryKey: ['ai-settings'] })}
        />
      )}
    </Stack>
  );
}

const DEPARTMENTS = ['sales', 'marketing', 'operations', 'finance', 'management'];

function RulesAndBudget({
  settings,
  providers,
  onSaved,
}: {
  settings: Settings;
  providers: Known[];
  onSaved: () => void;
}) {
  const [budget, setBudget] = useState<number | string>(settings.monthlyBudgetUsd ?? '');
  const [rules, setRules] = useState<RoutingRule[]>(settings.routing);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => setRules(settings.routing), [settings.routing]);
  async function save() {
    setError(null);
    try {
      await api('/api/v1/ai/settings', {
        method: 'PUT',
        body: { monthlyBudgetUsd: budget === '' ? null : Number(budget), routing: rules },
      });
      notifications.show({ color: 'green', message: 'AI settings saved' });
      onSaved();
    } catch (e) {
      setError(e);
    }
  }
  return (
    <Card withBorder>
      <Stack gap="sm">
        <Title order={4}>Routing and budget</Title>
        <FormError error={error} />
        {rules.map((r, i) => (
          // Rules have no id; they are edited in place and removed by position.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          <Group key={i} align="flex-end" gap="xs">
            <Select
              label="When"
              w={200}
              data={[
                { value: 'lang:chinese', label: 'Chinese text' },
                ...DEPARTMENTS.map((d) => ({ value: `dept:${d}`, label: `${d} agent` })),
              ]}
              value={r.when.language ? `lang:${r.when.language}` : `dept:${r.when.department}`}
              onChange={(v) =>
                setRules(
                  rules.map((x, j) =>
                    j === i
                      ? {
                          ...x,
                          when: v?.startsWith('lang:') ? { language: 'chinese' } : { department: v?.slice(5) ?? '' },
                        }
                      : x,
                  ),
                )
              }
            />
            <Select
              label="Use"
              w={220}
              data={providers.map((p) => ({ value: p.name, label: p.label }))}
              value={r.provider}
              onChange={(v) => setRules(rules.map((x, j) => (j === i ? { ...x, provider: v ?? x.provider } : x)))}
            />
            <TextInput
              label="Model (optional)"
              value={r.model ?? ''}
              onChange={(e) => {
                const model = e.currentTarget.value;
                setRules(rules.map((x, j) => (j === i ? { ...x, ...(model ? { model } : { model: undefined }) } : x)));
              }}
            />
            <Button variant="subtle" color="red" onClick={() => setRules(rules.filter((_, j) => j !== i))}>
              Remove
            </Button>
          </Group>
        ))}
        <Group>
          <Button
            variant="default"
            size="xs"
            onClick={() => setRules([...rules, { when: { language: 'chinese' }, provider: 'kimi' }])}
          >
            Add rule
          </Button>
        </Group>
        <NumberInput
          label="Monthly budget (USD)"
          description="Once spent, the assistant says so instead of calling a model. Empty for no budget."
          min={0}
          decimalScale={2}
          w={260}
          value={budget}
          onChange={setBudget}
        />
        <Group justify="flex-end">
          <Button onClick={save}>Save</Button>
        </Group>
      </Stack>
    </Card>
  );
}

interface UsageRow {
  key: string;
  label: string;
  series?: string;
  seriesLabel?: string;
  calls: number;
  failed: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: string;
  avgLatencyMs: number;
}

function Bars({ rows, metric }: { rows: UsageRow[]; metric: 'costUsd' | 'calls' | 'tokens' }) {
  const value = (r: UsageRow) =>
    metric === 'costUsd' ? Number(r.costUsd) : metric === 'calls' ? r.calls : r.inputTokens + r.outputTokens;
  const max = Math.max(...rows.map(value), 0) || 1;
  return (
    <Stack gap={6} data-testid="usage-chart">
      {rows.map((r) => (
        <Group key={r.key} gap="xs" wrap="nowrap">
          <Text size="xs" w={160} truncate title={r.label}>
            {r.label}
          </Text>
          <Box style={{ flex: 1 }}>
            <Box
              h={14}
              bg="blue"
              style={{ width: `${Math.max(1, (value(r) / max) * 100)}%`, borderRadius: 3 }}
              aria-label={`${r.label}: ${value(r)}`}
            />
          </Box>
          <Text size="xs" w={90} ta="right">
            {metric === 'costUsd' ? `$${Number(r.costUsd).toFixed(4)}` : value(r).toLocaleString()}
          </Text>
        </Group>
      ))}
    </Stack>
  );
}

const COLORS = ['blue', 'teal', 'orange', 'grape', 'red', 'lime', 'cyan', 'pink', 'indigo', 'yellow'];

/** Days down the side, each bar split by user, department or model, with a legend. */
function StackedByDay({ rows, metric }: { rows: UsageRow[]; metric: 'costUsd' | 'calls' | 'tokens' }) {
  const value = (r: UsageRow) =>
    metric === 'costUsd' ? Number(r.costUsd) : metric === 'calls' ? r.calls : r.inputTokens + r.outputTokens;
  const series = [...new Map(rows.map((r) => [r.series ?? '', r.seriesLabel ?? r.series ?? ''])).entries()];
  const color = (key: string) => COLORS[series.findIndex(([k]) => k === key) % COLORS.length] as string;
  const days = [...new Set(rows.map((r) => r.key))];
  const totals = new Map(days.map((d) => [d, rows.filter((r) => r.key === d).reduce((n, r) => n + value(r), 0)]));
  const max = Math.max(...totals.values(), 0) || 1;
  return (
    <Stack gap={6} data-testid="usage-chart">
      <Group gap="sm">
        {series.map(([key, label]) => (
          <Group key={key} gap={4}>
            <Box w={10} h={10} bg={color(key)} style={{ borderRadius: 2 }} />
            <Text size="xs">{label}</Text>
          </Group>
        ))}
      </Group>
      {days.map((day) => (
        <Group key={day} gap="xs" wrap="nowrap">
          <Text size="xs" w={90}>
            {day}
          </Text>
          <Group gap={0} wrap="nowrap" style={{ flex: 1 }}>
            {rows
              .filter((r) => r.key === day)
              .map((r) => (
                <Box
                  key={`${day}-${r.series}`}
                  h={14}
                  bg={color(r.series ?? '')}
                  style={{ width: `${(value(r) / max) * 100}%`, minWidth: value(r) > 0 ? 2 : 0 }}
                  title={`${r.seriesLabel}: ${value(r)}`}
                />
              ))}
          </Group>
          <Text size="xs" w={90} ta="right">
            {metric === 'costUsd' ? `$${(totals.get(day) ?? 0).toFixed(4)}` : (totals.get(day) ?? 0).toLocaleString()}
          </Text>
        </Group>
      ))}
    </Stack>
  );
}

export function AiUsagePage() {
  const auth = useAuth();
  const [groupBy, setGroupBy] = useState('day');
  const [split, setSplit] = useState<string>('user');
  const [metric, setMetric] = useState<'costUsd' | 'calls' | 'tokens'>('calls');
  const usage = useQuery({
    queryKey: ['ai-usage', groupBy],
    queryFn: () =>
      api<{ data: { rows: UsageRow[]; totalCostUsd: string; spentThisMonthUsd: string } }>(
        `/api/v1/ai/usage?groupBy=${groupBy}`,
      ).then((r) => r.data),
    enabled: auth.can('ai:usage:read'),
  });
  const overTime = useQuery({
    queryKey: ['ai-usage-over-time', split],
    queryFn: () =>
      api<{ data: { rows: UsageRow[] } }>(`/api/v1/ai/usage?groupBy=day&series=${split}`).then((r) => r.data),
    enabled: auth.can('ai:usage:read') && groupBy === 'day',
  });
  return (
    <Stack maw={900}>
      <Title order={2}>AI usage</Title>
      <Text size="sm" c="dimmed">
        The last 30 days. Spent this month: ${Number(usage.data?.spentThisMonthUsd ?? 0).toFixed(4)}.
      </Text>
      <Group>
        <SegmentedControl
          value={groupBy}
          onChange={setGroupBy}
          data={[
            { value: 'day', label: 'By day' },
            { value: 'user', label: 'By user' },
            { value: 'department', label: 'By department' },
            { value: 'model', label: 'By model' },
          ]}
        />
        <SegmentedControl
          value={metric}
          onChange={(v) => setMetric(v as typeof metric)}
          data={[
            { value: 'costUsd', label: 'Cost' },
            { value: 'calls', label: 'Calls' },
            { value: 'tokens', label: 'Tokens' },
          ]}
        />
      </Group>
      {groupBy === 'day' && (
        <Select
          w={220}
          size="xs"
          label="Split each day by"
          data={[
            { value: 'user', label: 'User' },
            { value: 'department', label: 'Department' },
            { value: 'model', label: 'Model' },
          ]}
          value={split}
          onChange={(v) => v && setSplit(v)}
          allowDeselect={false}
        />
      )}
      <Card withBorder>
        {groupBy === 'day' && overTime.data?.rows.length ? (
          <StackedByDay rows={overTime.data.rows} metric={metric} />
        ) : usage.data?.rows.length ? (
          <Bars rows={usage.data.rows} metric={metric} />
        ) : (
          <Text size="sm" c="dimmed">
            No model calls in this period.
          </Text>
        )}
      </Card>
      <Table striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{groupBy}</Table.Th>
            <Table.Th ta="right">Calls</Table.Th>
            <Table.Th ta="right">Failed</Table.Th>
            <Table.Th ta="right">Input tokens</Table.Th>
            <Table.Th ta="right">Output tokens</Table.Th>
            <Table.Th ta="right">Cost (USD)</Table.Th>
            <Table.Th ta="right">Avg latency</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {usage.data?.rows.map((r) => (
            <Table.Tr key={r.key}>
              <Table.Td>{r.label}</Table.Td>
              <Table.Td ta="right">{r.calls}</Table.Td>
              <Table.Td ta="right">{r.failed}</Table.Td>
              <Table.Td ta="right">{r.inputTokens.toLocaleString()}</Table.Td>
              <Table.Td ta="right">{r.outputTokens.toLocaleString()}</Table.Td>
              <Table.Td ta="right">{Number(r.costUsd).toFixed(4)}</Table.Td>
              <Table.Td ta="right">{r.avgLatencyMs} ms</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
