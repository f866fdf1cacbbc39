// The bell: unread count and the latest notifications, updated live over the /ws WebSocket
// (reconnecting with backoff), and on open. Clicking one marks it read and opens what it is about.
import {
  ActionIcon,
  Badge,
  Button,
  Group,
  Indicator,
  Popover,
  ScrollArea,
  Stack,
  Text,
  UnstyledButton,
} from '@mantine/core';
import { notifications as toast } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useNavigate } from 'react-router';
import { api, currentAccessToken, refreshSession } from '../api.ts';

interface Notification {
  id: string;
  title: string;
  body: string | null;
  link: string | null;
  late: boolean;
  readAt: string | null;
  createdAt: string;
}

export function NotificationBell() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const list = useQuery({
    queryKey: ['notifications'],
    queryFn: () => api<{ data: Notification[]; unread: number }>('/api/v1/notifications?limit=20'),
  });

  // The toasts this bell showed: opening the bell closes them, as its list says the same and
  // they would lie over it.
  const toasts = useRef(new Set<string>());

  useEffect(() => {
    let socket: WebSocket | null = null;
    let stopped = false;
    let delay = 1000;
    const connect = async () => {
      if (stopped) return;
      if (!currentAccessToken()) await refreshSession();
      const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/ws`;
      socket = new WebSocket(url);
      socket.onopen = () => socket?.send(JSON.stringify({ type: 'auth', token: currentAccessToken() }));
      socket.onmessage = (event) => {
        const frame = JSON.parse(String(event.data));
        if (frame.type === 'ready') delay = 1000;
        if (frame.type === 'notification') {
          queryClient.invalidateQueries({ queryKey: ['notifications'] });
          toasts.current.add(
            toast.show({ title: frame.notification.title, message: frame.notification.body ?? '', autoClose: 8000 }),
          );
        }
      };
      socket.onclose = () => {
        if (stopped) return;
        // Reconnect with backoff (an expired token gets refreshed on the next try).
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, 30_000);
      };
    };
    connect();
    return () => {
      stopped = true;
      socket?.close();
    };
  }, [queryClient]);

  async function open(n: Notification) {
    if (!n.readAt) await api('/api/v1/notifications/read', { method: 'POST', body: { ids: [n.id] } });
    await queryClient.invalidateQueries({ queryKey: ['notifications'] });
    if (n.link) navigate(n.link.startsWith('/events/') ? '/calendar' : n.link);
  }

  const unread = list.data?.unread ?? 0;
  return (
    <Popover
      position="bottom-end"
      width={340}
      withinPortal
      shadow="md"
      onOpen={() => {
        for (const id of toasts.current) toast.hide(id);
        toasts.current.clear();
      }}
    >
      <Popover.Target>
        <Indicator label={unread} size={16} disabled={unread === 0} offset={4} data-testid="bell-count">
          <ActionIcon variant="default" size="lg" aria-label={`Notifications, ${unread} unread`}>
            <svg
              aria-hidden
              width="18"
              height="18"
              viewBox="0 0 24 24"
              fill="none"
              stroke="currentColor"
              strokeWidth="2"
            >
              <path d="M18 8a6 6 0 1 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
              <path d="M13.73 21a2 2 0 0 1-3.46 0" />
            </svg>
          </ActionIcon>
        </Indicator>
      </Popover.Target>
      <Popover.Dropdown p="xs">
        <Group justify="space-between" mb="xs">
          <Text fw={600} size="sm">
            Notifications
          </Text>
          <Button
            size="compact-xs"
            variant="subtle"
            disabled={unread === 0}
            onClick={async () => {
              await api('/api/v1/notifications/read', { method: 'POST', body: { all: true } });
              await queryClient.invalidateQueries({ queryKey: ['notifications'] });
            }}
          >
            Mark all read
          </Button>
        </Group>
        <ScrollArea.Autosize mah={360}>
          <Stack gap={4} data-testid="bell-list">
            {list.data?.data.length === 0 && (
              <Text size="sm" c="dimmed">
                Nothing yet. Reminders of events and tasks show up here.
              </Text>
            )}
            {list.data?.data.map((n) => (
              <UnstyledButton key={n.id} onClick={() => open(n)} p={6} style={{ borderRadius: 6 }}>
                <Group gap={6} wrap="nowrap" align="flex-start">
                  {!n.readAt && <Badge size="xs" circle color="blue" mt={4} aria-label="unread" />}
                  <div style={{ minWidth: 0 }}>
                    <Text size="sm" fw={n.readAt ? 400 : 600} truncate>
                      {n.title}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {n.body}
                      {n.late ? ' · late' : ''}
                    </Text>
                  </div>
                </Group>
              </UnstyledButton>
            ))}
          </Stack>
        </ScrollArea.Autosize>
      </Popover.Dropdown>
    </Popover>
  );
}
