// /assistant: the conversation list, a streaming chat (AI SDK UI message stream via @ai-sdk/react),
// cards for what the assistant did, Confirm/Cancel for paused actions, agent and provider
// switchers, and a banner in offline mode that says how to add a provider.
import { useChat } from '@ai-sdk/react';
import {
  ActionIcon,
  Alert,
  Anchor,
  Box,
  Button,
  Group,
  Loader,
  Menu,
  Modal,
  NavLink,
  Paper,
  ScrollArea,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { DefaultChatTransport, lastAssistantMessageIsCompleteWithApprovalResponses, type UIMessage } from 'ai';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { ApiError, api, authedFetch } from '../api.ts';
import { useAuth } from '../auth.tsx';
import { Markdown } from '../components/markdown.tsx';
import { ToolCard, type ToolPart } from './tool-card.tsx';

interface Conversation {
  id: string;
  title: string;
  agent: string | null;
  provider: string | null;
  updatedAt: string;
}

interface AiStatus {
  offline: boolean;
  providers: Array<{ name: string; label: string; model: string }>;
  agents: Array<{ key: string; label: string }>;
  defaultAgent: string;
  /** The tools offered to this user, with their titles (the server's catalogue). */
  tools: Array<{ name: string; title: string; group: string; confirm: boolean }>;
}

const EXAMPLES = ['add contact Jan Kowalski, jan@example.com', 'my tasks this week', 'pipeline summary', 'help'];

function useStatus() {
  return useQuery({
    queryKey: ['ai-status'],
    queryFn: () => api<{ data: AiStatus }>('/api/v1/ai/status').then((r) => r.data),
  });
}

function useConversations() {
  return useQuery({
    queryKey: ['conversations'],
    queryFn: () => api<{ data: Conversation[] }>('/api/v1/conversations').then((r) => r.data),
  });
}

export function AssistantPage() {
  const { id } = useParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const conversations = useConversations();
  const status = useStatus();
  const [renaming, setRenaming] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<Conversation | null>(null);

  async function start(firstMessage?: string) {
    const created = await api<{ data: Conversation }>('/api/v1/conversations', { method: 'POST', body: {} });
    await queryClient.invalidateQueries({ queryKey: ['conversations'] });
    navigate(`/assistant/${created.data.id}`, { state: firstMessage ? { firstMessage } : null });
  }

  async function rename(c: Conversation, title: string) {
    setRenaming(null);
    if (!title.trim() || title === c.title) return;
    await api(`/api/v1/conversations/${c.id}`, { method: 'PATCH', body: { title } });
    await queryClient.invalidateQueries({ queryKey: ['conversations'] });
  }

  async function remove(c: Conversation) {
    setDeleting(null);
    await api(`/api/v1/conversations/${c.id}`, { method: 'DELETE' });
    await queryClient.invalidateQueries({ queryKey: ['conversations'] });
    if (c.id === id) navigate('/assistant');
  }

  return (
    <Group align="stretch" gap="md" wrap="nowrap" h="calc(100dvh - 56px - 2 * var(--mantine-spacing-lg))">
      <Paper withBorder p="xs" w={240} visibleFrom="sm" style={{ display: 'flex', flexDirection: 'column' }}>
        <Button size="xs" mb="xs" onClick={() => start()}>
          New conversation
        </Button>
        <ScrollArea style={{ flex: 1 }}>
          {conversations.data?.length === 0 && (
            <Text size="xs" c="dimmed" p="xs">
              No conversations yet.
            </Text>
          )}
          {conversations.data?.map((c) =>
            renaming === c.id ? (
              <TextInput
                key={c.id}
                size="xs"
                defaultValue={c.title}
                autoFocus
                aria-label="Conversation title"
                onBlur={(e) => rename(c, e.currentTarget.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') rename(c, e.currentTarget.value);
                  if (e.key === 'Escape') setRenaming(null);
                }}
              />
            ) : (
              <Group key={c.id} gap={0} wrap="nowrap">
                <NavLink
                  component={Link}
                  to={`/assistant/${c.id}`}
                  label={c.title}
                  active={c.id === id}
                  styles={{ label: { whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' } }}
                  style={{ flex: 1, minWidth: 0 }}
                />
                <Menu position="bottom-end" withinPortal>
                  <Menu.Target>
                    <ActionIcon variant="subtle" size="sm" aria-label={`Actions for ${c.title}`}>
                      ⋯
                    </ActionIcon>
                  </Menu.Target>
                  <Menu.Dropdown>
                    <Menu.Item onClick={() => setRenaming(c.id)}>Rename</Menu.Item>
                    <Menu.Item color="red" onClick={() => setDeleting(c)}>
                      Delete
                    </Menu.Item>
                  </Menu.Dropdown>
                </Menu>
              </Group>
            ),
          )}
        </ScrollArea>
      </Paper>
      <Modal opened={deleting !== null} onClose={() => setDeleting(null)} title="Delete this conversation?">
        <Text size="sm" mb="md">
          "{deleting?.title}" and all its messages will be deleted. Records it created stay.
        </Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={() => setDeleting(null)}>
            Keep
          </Button>
          <Button color="red" onClick={() => deleting && remove(deleting)}>
            Delete
          </Button>
        </Group>
      </Modal>
      <Stack style={{ flex: 1, minWidth: 0 }} gap="xs">
        <Group hiddenFrom="sm" gap="xs" wrap="nowrap">
          <Select
            style={{ flex: 1 }}
            size="xs"
            aria-label="Conversation"
            placeholder="Conversations"
            data={(conversations.data ?? []).map((c) => ({ value: c.id, label: c.title }))}
            value={id ?? null}
            onChange={(v) => v && navigate(`/assistant/${v}`)}
          />
          <Button size="xs" onClick={() => start()}>
            New
          </Button>
        </Group>
        {status.data?.offline && <OfflineBanner />}
        {id ? (
          <ConversationView
            key={id}
            id={id}
            status={status.data}
            title={conversations.data?.find((c) => c.id === id)?.title}
          />
        ) : (
          <Welcome onSend={(text) => start(text)} onNew={() => start()} />
        )}
      </Stack>
    </Group>
  );
}

function OfflineBanner() {
  const auth = useAuth();
  return (
    <Alert color="yellow" variant="light" p="xs" data-testid="offline-banner" title="Offline mode">
      <Text size="sm">
        No AI provider is configured, so the built-in offline model answers a set of plain commands (type <b>help</b> to
        see them).{' '}
        {auth.can('ai:settings:manage') ? (
          <>
            Add a provider in{' '}
            <Anchor component={Link} to="/settings/ai">
              Settings → AI
            </Anchor>{' '}
            for free conversation.
          </>
        ) : (
          'Ask a workspace admin to add a provider in Settings → AI for free conversation.'
        )}
      </Text>
    </Alert>
  );
}

function Welcome({ onSend, onNew }: { onSend: (text: string) => void; onNew: () => void }) {
  const [text, setText] = useState('');
  return (
    <Stack gap="md" maw={720}>
      <Title order={2}>Assistant</Title>
      <Text c="dimmed" size="sm">
        Ask in plain words. The assistant works with your permissions, and asks before deleting anything.
      </Text>
      <Group gap="xs">
        {EXAMPLES.map((e) => (
          <Button key={e} size="xs" variant="light" onClick={() => onSend(e)}>
            {e}
          </Button>
        ))}
      </Group>
      <Composer value={text} onChange={setText} onSend={() => text.trim() && onSend(text)} busy={false} />
      <Button variant="subtle" size="xs" onClick={onNew} hiddenFrom="sm">
        New conversation
      </Button>
    </Stack>
  );
}

function Composer(props: {
  value: string;
  onChange: (v: string) => void;
  onSend: () => void;
  busy: boolean;
  onStop?: () => void;
}) {
  return (
    <Group align="flex-end" gap="xs" wrap="nowrap">
      <Textarea
        style={{ flex: 1 }}
        autosize
        minRows={1}
        maxRows={6}
        placeholder="Message the assistant… (Enter to send, Shift+Enter for a new line)"
        aria-label="Message"
        value={props.value}
        onChange={(e) => props.onChange(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey) {
            e.preventDefault();
            if (!props.busy) props.onSend();
          }
        }}
      />
      {props.busy && props.onStop ? (
        <Button variant="default" onClick={props.onStop}>
          Stop
        </Button>
      ) : (
        <Button onClick={props.onSend} disabled={props.busy || !props.value.trim()}>
          Send
        </Button>
      )}
    </Group>
  );
}

function ConversationView({
  id,
  status,
  title,
}: {
  id: string;
  status: AiStatus | undefined;
  title?: string | undefined;
}) {
  const conversation = useQuery({
    queryKey: ['conversation', id],
    queryFn: () =>
      api<{ data: Conversation & { messages: UIMessage[] } }>(`/api/v1/conversations/${id}`).then((r) => r.data),
    staleTime: Number.POSITIVE_INFINITY,
  });
  if (conversation.isLoading) return <Loader m="xl" />;
  if (conversation.error || !conversation.data) {
    return (
      <Alert color="red" title="This conversation could not be opened">
        {(conversation.error as Error | null)?.message ?? 'Not found.'}
      </Alert>
    );
  }
  return <Chat conversation={{ ...conversation.data, title: title ?? conversation.data.title }} status={status} />;
}

function Chat({
  conversation,
  status,
}: {
  conversation: Conversation & { messages: UIMessage[] };
  status: AiStatus | undefined;
}) {
  const queryClient = useQueryClient();
  const location = useLocation();
  const navigate = useNavigate();
  const [text, setText] = useState('');
  const [agent, setAgent] = useState(conversation.agent);
  const [provider, setProvider] = useState(conversation.provider);
  const bottom = useRef<HTMLDivElement>(null);
  const transport = useMemo(
    () =>
      new DefaultChatTransport<UIMessage>({
        api: `/api/v1/conversations/${conversation.id}/messages`,
        fetch: authedFetch,
        // The server keeps the history; send only the new message or the answers to confirmations.
        prepareSendMessagesRequest: ({ messages }) => {
          const last = messages[messages.length - 1];
          if (last?.role === 'user') {
            const body = last.parts.map((p) => (p.type === 'text' ? p.text : '')).join('\n');
            return { body: { text: body } };
          }
          const approvals = (last?.parts ?? [])
            .filter((p) => (p as ToolPart).state === 'approval-responded')
            .map((p) => {
              const a = (p as ToolPart).approval as { id: string; approved: boolean };
              return { id: a.id, approved: a.approved };
            });
          return { body: { approvals } };
        },
      }),
    [conversation.id],
  );
  const chat = useChat({
    id: conversation.id,
    messages: conversation.messages,
    transport,
    sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses,
    onFinish: () => {
      queryClient.invalidateQueries({ queryKey: ['conversations'] });
      // Records may have changed: lists elsewhere refetch when next shown.
      queryClient.invalidateQueries({
        predicate: (q) => !['conversation', 'ai-status'].includes(String(q.queryKey[0])),
      });
    },
    onError: (error) =>
      notifications.show({
        color: 'red',
        title: 'The assistant could not answer',
        message: error instanceof ApiError ? error.message : String(error.message),
      }),
  });
  const busy = chat.status === 'submitted' || chat.status === 'streaming';
  const titles = useMemo(() => new Map((status?.tools ?? []).map((t) => [t.name, t.title])), [status]);
  // Names of records seen in this conversation, so a confirmation can say what it is about.
  const names = useMemo(() => {
    const found = new Map<string, string>();
    const visit = (v: unknown) => {
      if (!v || typeof v !== 'object') return;
      if (Array.isArray(v)) return v.forEach(visit);
      const o = v as Record<string, unknown>;
      if (typeof o.id === 'string' && typeof o.name === 'string' && typeof o.link === 'string') found.set(o.id, o.name);
      Object.values(o).forEach(visit);
    };
    for (const m of chat.messages) for (const p of m.parts) if ('output' in p) visit(p.output);
    return found;
  }, [chat.messages]);

  // A first message typed on the welcome screen arrives with the navigation.
  const first = (location.state as { firstMessage?: string } | null)?.firstMessage;
  const sentFirst = useRef(false);
  useEffect(() => {
    if (first && !sentFirst.current) {
      sentFirst.current = true;
      navigate(location.pathname, { replace: true, state: null });
      chat.sendMessage({ text: first });
    }
  }, [first, chat, navigate, location.pathname]);

  // Keep the newest message in view as it streams in.
  useEffect(() => {
    if (chat.messages.length) bottom.current?.scrollIntoView?.({ block: 'end' });
  }, [chat.messages]);

  async function change(field: 'agent' | 'provider', value: string | null) {
    if (field === 'agent') setAgent(value);
    else setProvider(value);
    await api(`/api/v1/conversations/${conversation.id}`, { method: 'PATCH', body: { [field]: value } });
  }

  function send() {
    const t = text.trim();
    if (!t || busy) return;
    setText('');
    chat.sendMessage({ text: t });
  }

  const providerOptions = [
    { value: '', label: 'Automatic' },
    ...(status?.providers ?? []).map((p) => ({ value: p.name, label: `${p.label} (${p.model})` })),
    { value: 'offline', label: 'Offline model' },
  ];

  return (
    <Stack gap="xs" style={{ flex: 1, minHeight: 0 }}>
      <Group justify="space-between" wrap="wrap" gap="xs">
        <Title order={3} style={{ minWidth: 0 }} lineClamp={1}>
          {conversation.title}
        </Title>
        <Group gap="xs">
          <Select
            size="xs"
            w={170}
            aria-label="Agent"
            data={(status?.agents ?? []).map((a) => ({ value: a.key, label: a.label }))}
            value={agent ?? status?.defaultAgent ?? null}
            onChange={(v) => change('agent', v)}
            allowDeselect={false}
          />
          <Select
            size="xs"
            w={190}
            aria-label="Model provider"
            data={providerOptions}
            value={provider ?? ''}
            onChange={(v) => change('provider', v || null)}
            allowDeselect={false}
          />
        </Group>
      </Group>
      <ScrollArea style={{ flex: 1 }} offsetScrollbars>
        <Stack gap="sm" pb="sm" data-testid="chat-messages">
          {chat.messages.length === 0 && (
            <Text c="dimmed" size="sm">
              Try: {EXAMPLES.join(' · ')}
            </Text>
          )}
          {chat.messages.map((m) => (
            <Box
              key={m.id}
              data-role={m.role}
              style={{
                alignSelf: m.role === 'user' ? 'flex-end' : 'stretch',
                maxWidth: m.role === 'user' ? '80%' : '100%',
              }}
            >
              {m.role === 'user' ? (
                <Paper p="xs" radius="md" bg="var(--mantine-color-blue-light)">
                  <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                    {m.parts.map((p) => (p.type === 'text' ? p.text : '')).join('')}
                  </Text>
                </Paper>
              ) : (
                <Stack gap={6}>
                  {m.parts.map((p, i) => {
                    // Parts only ever append, so a part's place in its message is a stable key.
                    // biome-ignore lint/suspicious/noArrayIndexKey: parts have no id of their own
                    if (p.type === 'text') return <Markdown key={`${m.id}-${i}`}>{p.text}</Markdown>;
                    if (p.type.startsWith('tool-') || p.type === 'dynamic-tool') {
                      const part = (
                        p.type === 'dynamic-tool' ? { ...p, type: `tool-${(p as { toolName: string }).toolName}` } : p
                      ) as ToolPart;
                      return (
                        <ToolCard
                          key={part.toolCallId}
                          part={part}
                          names={names}
                          titles={titles}
                          busy={busy}
                          onApprove={(approvalId, approved) =>
                            chat.addToolApprovalResponse({ id: approvalId, approved })
                          }
                        />
                      );
                    }
                    return null;
                  })}
                </Stack>
              )}
            </Box>
          ))}
          {chat.status === 'submitted' && <Loader size="sm" type="dots" />}
          <div ref={bottom} />
        </Stack>
      </ScrollArea>
      <Composer value={text} onChange={setText} onSend={send} busy={busy} onStop={() => chat.stop()} />
    </Stack>
  );
}
