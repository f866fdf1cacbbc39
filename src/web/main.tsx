import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import '@mantine/spotlight/styles.css';
import './app.css';
import { Center, createTheme, Loader, MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { type ComponentType, lazy, StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, Navigate, Outlet, RouterProvider, useLocation } from 'react-router';
import { AuthProvider, useAuth } from './auth.tsx';
import { AppLayout } from './components/app-layout.tsx';
import { OfflinePage, useOnline } from './components/offline.tsx';
import { NotFoundPage } from './pages/not-found-page.tsx';

/**
 * Each page is its own chunk, loaded when first shown: the first screen ships only the shell
 * (router, auth, Mantine) and its own page, not the calendar, the assistant and every setting.
 */
// biome-ignore lint/suspicious/noExplicitAny: a page takes whatever props its route gives it
function page<K extends string>(load: () => Promise<Record<K, ComponentType<any>>>, name: K) {
  return lazy(() => load().then((m) => ({ default: m[name] })));
}
const AssistantPage = page(() => import('./assistant/assistant-page.tsx'), 'AssistantPage');
const CalendarPage = page(() => import('./calendar/calendar-page.tsx'), 'CalendarPage');
const AiSettingsPage = page(() => import('./pages/settings/ai-settings-page.tsx'), 'AiSettingsPage');
const AiUsagePage = page(() => import('./pages/settings/ai-settings-page.tsx'), 'AiUsagePage');
const IntegrationsPage = page(() => import('./pages/settings/calendar-settings-page.tsx'), 'IntegrationsPage');
const NotificationSettingsPage = page(
  () => import('./pages/settings/calendar-settings-page.tsx'),
  'NotificationSettingsPage',
);
const DealsPage = page(() => import('./crm/deals-page.tsx'), 'DealsPage');
const ImportPage = page(() => import('./crm/import-page.tsx'), 'ImportPage');
const RecordDetailPage = page(() => import('./crm/record-detail.tsx'), 'RecordDetailPage');
const RecordList = page(() => import('./crm/record-list.tsx'), 'RecordList');
const TasksPage = page(() => import('./crm/tasks-page.tsx'), 'TasksPage');
const TrashPage = page(() => import('./crm/trash-page.tsx'), 'TrashPage');
const AcceptInvitePage = page(() => import('./pages/auth/invite-pages.tsx'), 'AcceptInvitePage');
const VerifyEmailPage = page(() => import('./pages/auth/invite-pages.tsx'), 'VerifyEmailPage');
const ForgotPasswordPage = page(() => import('./pages/auth/password-pages.tsx'), 'ForgotPasswordPage');
const ResetPasswordPage = page(() => import('./pages/auth/password-pages.tsx'), 'ResetPasswordPage');
const SignupPage = page(() => import('./pages/auth/signup-page.tsx'), 'SignupPage');
const FeedbackPage = page(() => import('./pages/feedback-page.tsx'), 'FeedbackPage');
const HomePage = page(() => import('./pages/home-page.tsx'), 'HomePage');
const AuditPage = page(() => import('./pages/settings/admin-pages.tsx'), 'AuditPage');
const OutboxPage = page(() => import('./pages/settings/admin-pages.tsx'), 'OutboxPage');
const WorkspacePage = page(() => import('./pages/settings/admin-pages.tsx'), 'WorkspacePage');
const CustomFieldsPage = page(() => import('./pages/settings/crm-settings-page.tsx'), 'CustomFieldsPage');
const PipelinesPage = page(() => import('./pages/settings/crm-settings-page.tsx'), 'PipelinesPage');
const MembersPage = page(() => import('./pages/settings/members-page.tsx'), 'MembersPage');
const ProfilePage = page(() => import('./pages/settings/profile-page.tsx'), 'ProfilePage');
const RolesTeamsPage = page(() => import('./pages/settings/roles-teams-page.tsx'), 'RolesTeamsPage');
const SecurityPage = page(() => import('./pages/settings/security-page.tsx'), 'SecurityPage');
const StatusPage = page(() => import('./pages/status-page.tsx'), 'StatusPage');
const LoginPage = page(() => import('./pages/auth/login-page.tsx'), 'LoginPage');

const theme = createTheme({ primaryColor: 'blue', defaultRadius: 'md' });
const queryClient = new QueryClient({ defaultOptions: { queries: { retry: 1, staleTime: 10_000 } } });

function Loading() {
  return (
    <Center mih="100vh">
      <Loader aria-label="Loading" />
    </Center>
  );
}

/** Signed-in pages: wait for the session, else go to sign-in and come back afterwards. */
function RequireAuth() {
  const { status, signedOutByUser } = useAuth();
  const location = useLocation();
  const online = useOnline();
  // No session to restore without a network: say so rather than spin or send to sign-in.
  if (!online && status !== 'signed-in') return <OfflinePage />;
  if (status === 'loading') return <Loading />;
  if (status === 'signed-out') {
    // After "Sign out", the next sign-in starts at home, not on the page the user left.
    const next = signedOutByUser ? '' : `?next=${encodeURIComponent(location.pathname + location.search)}`;
    return <Navigate to={`/login${next}`} replace />;
  }
  return <Outlet />;
}

/** Sign-in pages: a signed-in visitor goes home instead. */
function GuestOnly() {
  const { status } = useAuth();
  const online = useOnline();
  if (!online && status === 'loading') return <OfflinePage />;
  if (status === 'loading') return <Loading />;
  if (status === 'signed-in') return <Navigate to="/" replace />;
  return <Outlet />;
}

function Root() {
  return (
    <AuthProvider>
      <Suspense fallback={<Loading />}>
        <Outlet />
      </Suspense>
    </AuthProvider>
  );
}

const router = createBrowserRouter([
  {
    element: <Root />,
    children: [
      {
        element: <GuestOnly />,
        children: [
          { path: '/login', element: <LoginPage /> },
          { path: '/signup', element: <SignupPage /> },
          { path: '/forgot-password', element: <ForgotPasswordPage /> },
        ],
      },
      { path: '/reset-password', element: <ResetPasswordPage /> },
      { path: '/accept-invite', element: <AcceptInvitePage /> },
      { path: '/verify-email', element: <VerifyEmailPage /> },
      { path: '/status', element: <StatusPage /> },
      {
        element: <RequireAuth />,
        children: [
          {
            element: <AppLayout />,
            children: [
              { path: '/', element: <HomePage /> },
              { path: '/assistant', element: <AssistantPage /> },
              { path: '/assistant/:id', element: <AssistantPage /> },
              { path: '/calendar', element: <CalendarPage /> },
              { path: '/events/:id', element: <Navigate to="/calendar" replace /> },
              ...['contacts', 'organizations', 'leads', 'projects'].map((r) => ({
                path: `/${r}`,
                element: <RecordList key={r} resource={r} />,
              })),
              { path: '/deals', element: <DealsPage /> },
              { path: '/tasks', element: <TasksPage /> },
              ...['contacts', 'organizations', 'leads', 'deals', 'projects', 'tasks', 'notes'].map((r) => ({
                path: `/${r}/:id`,
                element: <RecordDetailPage key={r} resource={r} />,
              })),
              { path: '/import', element: <ImportPage /> },
              { path: '/trash', element: <TrashPage /> },
              { path: '/feedback', element: <FeedbackPage /> },
              { path: '/settings/custom-fields', element: <CustomFieldsPage /> },
              { path: '/settings/pipelines', element: <PipelinesPage /> },
              { path: '/settings/ai', element: <AiSettingsPage /> },
              { path: '/settings/notifications', element: <NotificationSettingsPage /> },
              { path: '/settings/integrations', element: <IntegrationsPage /> },
              { path: '/settings/ai-usage', element: <AiUsagePage /> },
              { path: '/settings', element: <Navigate to="/settings/profile" replace /> },
              { path: '/settings/profile', element: <ProfilePage /> },
              { path: '/settings/security', element: <SecurityPage /> },
              { path: '/settings/workspace', element: <WorkspacePage /> },
              { path: '/settings/members', element: <MembersPage /> },
              { path: '/settings/roles', element: <RolesTeamsPage /> },
              { path: '/settings/audit', element: <AuditPage /> },
              { path: '/settings/outbox', element: <OutboxPage /> },
              { path: '*', element: <NotFoundPage /> },
            ],
          },
        ],
      },
    ],
  },
]);

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="auto">
      {/* Below the app's header in the top right: app.css. */}
      <Notifications position="top-right" classNames={{ root: 'albedo-toasts' }} />
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
