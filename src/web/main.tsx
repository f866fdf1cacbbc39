import { AssistantPage } from './assistant/assistant-page.tsx';
import { CalendarPage } from './calendar/calendar-page.tsx';
import { AiSettingsPage, AiUsagePage } from './pages/settings/ai-settings-page.tsx';
import { IntegrationsPage, NotificationSettingsPage } from './pages/settings/calendar-settings-page.tsx';
import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import '@mantine/spotlight/styles.css';
import './app.css';
import { Center, createTheme, Loader, MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, Navigate, Outlet, RouterProvider, useLocation } from 'react-router';
import { AuthProvider, useAuth } from './auth.tsx';
import { AppLayout } from './components/app-layout.tsx';
import { DealsPage } from './crm/deals-page.tsx';
import { ImportPage } from './crm/import-page.tsx';
import { RecordDetailPage } from './crm/record-detail.tsx';
import { RecordList } from './crm/record-list.tsx';
import { TasksPage } from './crm/tasks-page.tsx';
import { TrashPage } from './crm/trash-page.tsx';
import { AcceptInvitePage, VerifyEmailPage } from './pages/auth/invite-pages.tsx';
import { LoginPage } from './pages/auth/login-page.tsx';
import { ForgotPasswordPage, ResetPasswordPage } from './pages/auth/password-pages.tsx';
import { SignupPage } from './pages/auth/signup-page.tsx';
import { FeedbackPage } from './pages/feedback-page.tsx';
import { HomePage } from './pages/home-page.tsx';
import { NotFoundPage } from './pages/not-found-page.tsx';
import { AuditPage, OutboxPage, WorkspacePage } from './pages/settings/admin-pages.tsx';
import { CustomFieldsPage, PipelinesPage } from './pages/settings/crm-settings-page.tsx';
import { MembersPage } from './pages/settings/members-page.tsx';
import { ProfilePage } from './pages/settings/profile-page.tsx';
import { RolesTeamsPage } from './pages/settings/roles-teams-page.tsx';
import { SecurityPage } from './pages/settings/security-page.tsx';
import { StatusPage } from './pages/status-page.tsx';

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
  if (status === 'loading') return <Loading />;
  if (status === 'signed-in') return <Navigate to="/" replace />;
  return <Outlet />;
}

function Root() {
  return (
    <AuthProvider>
      <Outlet />
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
