// Without a network: the service worker still opens the app (vite.config.ts), and these say so.
// A full page while no session could be restored, a banner over the app once signed in.
import { Alert, Button, Center, Stack, Text, Title } from '@mantine/core';
import { useSyncExternalStore } from 'react';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('online', onChange);
  window.addEventListener('offline', onChange);
  return () => {
    window.removeEventListener('online', onChange);
    window.removeEventListener('offline', onChange);
  };
}

/** Whether the browser has a network connection, updated as it comes and goes. */
export function useOnline(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => navigator.onLine,
    () => true,
  );
}

export function OfflinePage() {
  return (
    <Center mih="100vh" p="md">
      <Stack align="center" gap="sm" maw={420} ta="center" data-testid="offline-page">
        <img src="/icons/icon-192.png" alt="" width={72} height={72} style={{ borderRadius: 16 }} />
        <Title order={1} size="h2">
          You are offline
        </Title>
        <Text c="dimmed">
          Albedo needs a connection to load your workspace. Everything you saved is kept on the server; this page opens
          it again as soon as you are back online.
        </Text>
        <Button variant="light" onClick={() => window.location.reload()}>
          Try again
        </Button>
      </Stack>
    </Center>
  );
}

export function OfflineBanner() {
  const online = useOnline();
  if (online) return null;
  return (
    <Alert color="orange" variant="light" py={6} mb="md" data-testid="offline-banner">
      You are offline: what is on screen may be out of date, and changes wait until you are back online.
    </Alert>
  );
}
