// The signed-in frame every page lives in: sidebar navigation, workspace top left, account menu top right.
import {
  AppShell,
  Avatar,
  Burger,
  Button,
  Center,
  Group,
  Loader,
  Menu,
  NavLink,
  ScrollArea,
  Text,
  UnstyledButton,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { spotlight } from '@mantine/spotlight';
import { Suspense } from 'react';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { useAuth } from '../auth.tsx';
import { NotificationBell } from '../calendar/notification-bell.tsx';
import { CommandPalette } from '../crm/command-palette.tsx';
import { OfflineBanner } from './offline.tsx';

interface Section {
  label: string;
  to: string;
  permission?: string;
}

// SPEC §11 sections, listed as they come to exist.
const SECTIONS: Section[] = [
  { label: 'Home', to: '/' },
  { label: 'Assistant', to: '/assistant', permission: 'ai:chat:use' },
  { label: 'Calendar', to: '/calendar', permission: 'calendar:events:read' },
  { label: 'Contacts', to: '/contacts', permission: 'crm:contacts:read' },
  { label: 'Organizations', to: '/organizations', permission: 'crm:organizations:read' },
  { label: 'Leads', to: '/leads', permission: 'crm:leads:read' },
  { label: 'Deals', to: '/deals', permission: 'crm:deals:read' },
  { label: 'Projects', to: '/projects', permission: 'crm:projects:read' },
  { label: 'My tasks', to: '/tasks', permission: 'crm:tasks:read' },
  { label: 'Trash', to: '/trash' },
  { label: 'Feedback', to: '/feedback' },
];
export const SETTINGS: Section[] = [
  { label: 'Profile', to: '/settings/profile' },
  { label: 'Security', to: '/settings/security' },
  { label: 'Notifications', to: '/settings/notifications' },
  { label: 'Integrations', to: '/settings/integrations', permission: 'calendar:events:read' },
  { label: 'Workspace', to: '/settings/workspace', permission: 'admin:workspace:update' },
  { label: 'Members', to: '/settings/members', permission: 'admin:users:read' },
  { label: 'Roles & Teams', to: '/settings/roles', permission: 'admin:users:read' },
  { label: 'Custom fields', to: '/settings/custom-fields', permission: 'admin:custom_fields:manage' },
  { label: 'Pipelines', to: '/settings/pipelines', permission: 'admin:pipelines:manage' },
  { label: 'AI', to: '/settings/ai', permission: 'ai:settings:manage' },
  { label: 'AI usage', to: '/settings/ai-usage', permission: 'ai:usage:read' },
  { label: 'Audit log', to: '/settings/audit', permission: 'admin:audit:read' },
  { label: 'Mail outbox', to: '/settings/outbox', permission: 'admin:users:read' },
];

const initials = (name: string) =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((p) => p[0]?.toUpperCase())
    .join('');

export function AppLayout() {
  const auth = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [opened, { toggle, close }] = useDisclosure();
  const me = auth.me;
  const visible = (s: Section) => !s.permission || auth.can(s.permission);

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 240, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="lg"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <img src="/favicon.svg" alt="" width={28} height={28} />
            <Text fw={700} truncate data-testid="workspace-name">
              {me?.workspace.name}
            </Text>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Button
              variant="default"
              size="xs"
              onClick={() => spotlight.open()}
              aria-label="Search (Ctrl+K)"
              leftSection={
                <svg
                  aria-hidden
                  width="14"
                  height="14"
                  viewBox="0 0 24 24"
                  fill="none"
                  stroke="currentColor"
                  strokeWidth="2.5"
                  strokeLinecap="round"
                >
                  <circle cx="11" cy="11" r="7" />
                  <path d="m20 20-3.5-3.5" />
                </svg>
              }
            >
              <Text size="xs" visibleFrom="sm">
                Search… Ctrl K
              </Text>
            </Button>
            <NotificationBell />
            <Menu position="bottom-end" withinPortal>
              <Menu.Target>
                <UnstyledButton aria-label="Account menu">
                  <Group gap="xs" wrap="nowrap">
                    <Avatar radius="xl" size="sm" color="blue">
                      {initials(me?.name ?? '?')}
                    </Avatar>
                    <Text size="sm" visibleFrom="sm">
                      {me?.name}
                    </Text>
                  </Group>
                </UnstyledButton>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>{me?.email}</Menu.Label>
                <Menu.Item component={Link} to="/settings/profile">
                  Profile
                </Menu.Item>
                <Menu.Item component={Link} to="/settings/security">
                  Security
                </Menu.Item>
                <Menu.Divider />
                <Menu.Item
                  color="red"
                  onClick={async () => {
                    await auth.signOut();
                    navigate('/login', { replace: true });
                  }}
                >
                  Sign out
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" aria-label="Main navigation">
        <ScrollArea>
          {SECTIONS.filter(visible).map((s) => (
            <NavLink
              key={s.to}
              component={Link}
              to={s.to}
              label={s.label}
              active={s.to === '/' ? location.pathname === '/' : location.pathname.startsWith(s.to)}
              onClick={close}
            />
          ))}
          <NavLink label="Settings" defaultOpened={location.pathname.startsWith('/settings')} childrenOffset="md">
            {SETTINGS.filter(visible).map((s) => (
              <NavLink
                key={s.to}
                component={Link}
                to={s.to}
                label={s.label}
                active={location.pathname === s.to}
                onClick={close}
              />
            ))}
          </NavLink>
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main>
        <OfflineBanner />
        {/* A page's chunk loads here, under the header and navigation that stay on screen. */}
        <Suspense
          fallback={
            <Center mih="50vh">
              <Loader aria-label="Loading page" />
            </Center>
          }
        >
          <Outlet />
        </Suspense>
      </AppShell.Main>
      <CommandPalette />
    </AppShell>
  );
}
