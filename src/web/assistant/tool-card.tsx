// A card for one thing the assistant did or wants to do: a created or changed record with its
// link, a small table of found records, a paused action with Confirm and Cancel, or a refusal.
import { Alert, Anchor, Badge, Button, Card, Group, Loader, Table, Text } from '@mantine/core';
import { Link } from 'react-router';

export interface ToolPart {
  type: string;
  toolCallId: string;
  state: string;
  input?: unknown;
  output?: unknown;
  errorText?: string;
  approval?: { id: string; approved?: boolean; reason?: string };
}

interface Compact {
  object: string;
  id: string;
  name: string;
  link: string;
  detail?: string;
  fields?: Record<string, unknown>;
}

/** A tool's title from the server's catalogue, or its name in words until that has loaded. */
const titleOf = (titles: ReadonlyMap<string, string>, name: string) => titles.get(name) ?? name.replace(/_/g, ' ');

const singular = (object: string) => object.replace(/s$/, '');

function RecordLink({ r }: { r: Compact }) {
  return (
    <Anchor component={Link} to={r.link} size="sm" fw={500}>
      {r.name || 'Untitled'}
    </Anchor>
  );
}

const show = (v: unknown) =>
  Array.isArray(v) ? v.join(', ') : v && typeof v === 'object' ? JSON.stringify(v) : String(v);

/** What a paused action will do, with the values it will write, so the user confirms knowingly. */
function describeInput(
  name: string,
  input: unknown,
  names: ReadonlyMap<string, string>,
  titles: ReadonlyMap<string, string>,
): string {
  const i = (input ?? {}) as Record<string, unknown>;
  const what = i.object ? singular(String(i.object)) : 'record';
  const known = typeof i.id === 'string' ? names.get(i.id) : undefined;
  const target = i.name ? `"${String(i.name)}"` : known ? `"${known}"` : i.id ? String(i.id).slice(0, 8) : '';
  if (name === 'delete_record') return `Move ${what} ${target} to the trash?`;
  if (name === 'bulk_delete_records')
    return `Move ${(i.ids as unknown[])?.length ?? 0} ${String(i.object)} to the trash?`;
  if (name === 'merge_records') {
    const ref = (r: unknown) => {
      const o = (r ?? {}) as { id?: string; name?: string };
      return o.name ?? (o.id ? (names.get(o.id) ?? o.id.slice(0, 8)) : '?');
    };
    return `Merge ${singular(String(i.object))} "${ref(i.source)}" into "${ref(i.target)}" (the first goes to the trash)?`;
  }
  if (name === 'bulk_update_records')
    return `Change ${Object.keys((i.fields as object) ?? {}).join(', ')} on ${(i.ids as unknown[])?.length ?? 0} ${String(i.object)}?`;
  // Any other write: its title, its target and every value it would set.
  const values = Object.entries((i.fields as Record<string, unknown> | undefined) ?? i)
    .filter(([k, v]) => !['object', 'id', 'name', 'fields'].includes(k) && v !== undefined)
    .map(([k, v]) => `${k}: ${show(names.get(String(v)) ?? v)}`);
  return `${titleOf(titles, name)} ${what} ${target}${values.length ? ` — ${values.join(' · ')}` : ''}?`.replace(
    /\s+/g,
    ' ',
  );
}

function Outcome({ name, output }: { name: string; output: Record<string, unknown> }) {
  if (output.ok === false) {
    const error = output.error as { message?: string } | undefined;
    return (
      <Text size="sm" c="red" data-testid="tool-refusal">
        {error?.message ?? 'Refused.'}
      </Text>
    );
  }
  const one = (output.created ?? output.updated ?? output.deleted ?? output.restored ?? output.record ?? output.on) as
    | Compact
    | undefined;
  const list = (output.records ?? output.results ?? output.tasks) as Compact[] | undefined;
  if (list) {
    if (!list.length) return <Text size="sm">Nothing found.</Text>;
    return (
      <Table fz="sm" withRowBorders={false} verticalSpacing={2}>
        <Table.Tbody>
          {list.slice(0, 10).map((r) => (
            <Table.Tr key={r.id}>
              <Table.Td>
                <RecordLink r={r} />
              </Table.Td>
              <Table.Td c="dimmed">
                {r.detail ??
                  (r.fields?.dueAt ? `due ${new Date(String(r.fields.dueAt)).toLocaleString()}` : singular(r.object))}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    );
  }
  if (name === 'convert_lead') {
    const made = ['organization', 'contact', 'deal']
      .map((k) => output[k] as Compact | null)
      .filter(Boolean) as Compact[];
    return (
      <Group gap="xs">
        {made.map((r) => (
          <RecordLink key={r.id} r={r} />
        ))}
      </Group>
    );
  }
  if (one) {
    const changed = output.changed as Record<string, unknown> | undefined;
    return (
      <Group gap="xs" wrap="wrap">
        <Badge variant="light" size="sm">
          {name === 'delete_record'
            ? 'moved to trash'
            : name === 'create_record'
              ? `new ${singular(one.object)}`
              : singular(one.object)}
        </Badge>
        <RecordLink r={one} />
        {changed && (
          <Text size="xs" c="dimmed">
            {Object.entries(changed)
              .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v ?? '—')}`)
              .join(' · ')}
          </Text>
        )}
      </Group>
    );
  }
  if (typeof output.updated === 'number' || typeof output.deleted === 'number') {
    return <Text size="sm">{String(output.updated ?? output.deleted)} record(s) done.</Text>;
  }
  return null;
}

export function ToolCard({
  part,
  onApprove,
  busy,
  names,
  titles,
}: {
  part: ToolPart;
  onApprove: (id: string, approved: boolean) => void;
  busy: boolean;
  /** Record names by id, from earlier results in the conversation. */
  names: ReadonlyMap<string, string>;
  /** Tool titles by name. */
  titles: ReadonlyMap<string, string>;
}) {
  const name = part.type.replace(/^tool-/, '');
  const label = titleOf(titles, name);
  return (
    <Card withBorder padding="xs" radius="md" data-testid={`tool-${name}`}>
      <Group gap="xs" mb={4}>
        <Badge size="xs" variant="outline">
          {label}
        </Badge>
        {(part.state === 'input-streaming' || part.state === 'input-available') && <Loader size="xs" />}
      </Group>
      {part.state === 'approval-requested' && part.approval && (
        <Alert color="orange" variant="light" p="xs" title="Please confirm">
          <Text size="sm" mb="xs">
            {describeInput(name, part.input, names, titles)}
          </Text>
          <Group gap="xs">
            <Button size="xs" color="red" disabled={busy} onClick={() => onApprove(part.approval?.id as string, true)}>
              Confirm
            </Button>
            <Button
              size="xs"
              variant="default"
              disabled={busy}
              onClick={() => onApprove(part.approval?.id as string, false)}
            >
              Cancel
            </Button>
          </Group>
        </Alert>
      )}
      {part.state === 'approval-responded' && (
        <Text size="sm" c="dimmed">
          {part.approval?.approved ? 'Confirmed, running…' : 'Cancelled.'}
        </Text>
      )}
      {part.state === 'output-denied' && (
        <Text size="sm" c="dimmed">
          Cancelled — nothing was changed.
        </Text>
      )}
      {part.state === 'output-error' && (
        <Text size="sm" c="red">
          {part.errorText}
        </Text>
      )}
      {part.state === 'output-available' && part.output !== undefined && (
        <Outcome name={name} output={part.output as Record<string, unknown>} />
      )}
    </Card>
  );
}
