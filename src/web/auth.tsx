// Who is signed in: restored from the refresh cookie on load, kept in a React context.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';
import { api, onAuthChange, refreshSession, type SignedIn, setAccessToken } from './api.ts';

export interface Me {
  id: string;
  email: string;
  name: string;
  emailVerified: boolean;
  workspace: { id: string; name: string };
  role: string;
  department: string | null;
  permissions: string[];
  mfaEnabled: boolean;
}

interface AuthState {
  status: 'loading' | 'signed-out' | 'signed-in';
  /** True after the user chose to sign out (as opposed to a session that ended). */
  signedOutByUser: boolean;
  me: Me | undefined;
  signedIn(result: SignedIn): void;
  signOut(): Promise<void>;
  can(permission: string): boolean;
}

const AuthContext = createContext<AuthState | null>(null);

function covers(granted: string, required: string): boolean {
  const g = granted.split(':');
  const r = required.split(':');
  return g.length === 3 && g.every((part, i) => part === '*' || part === r[i]);
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<AuthState['status']>('loading');
  const [signedOutByUser, setSignedOutByUser] = useState(false);

  useEffect(() => {
    const off = onAuthChange((signedIn) => setStatus(signedIn ? 'signed-in' : 'signed-out'));
    // Offline, the refresh cannot be answered: try again when the network is back.
    const restore = () => void refreshSession().catch(() => undefined);
    restore();
    window.addEventListener('online', restore);
    return () => {
      off();
      window.removeEventListener('online', restore);
    };
  }, []);

  const me = useQuery({
    queryKey: ['me'],
    queryFn: async () => (await api<{ data: Me }>('/api/v1/me')).data,
    enabled: status === 'signed-in',
  });

  const value: AuthState = {
    status: status === 'signed-in' && !me.data ? 'loading' : status,
    signedOutByUser,
    me: me.data,
    signedIn(result) {
      setSignedOutByUser(false);
      setAccessToken(result.accessToken);
      void queryClient.invalidateQueries({ queryKey: ['me'] });
    },
    async signOut() {
      setSignedOutByUser(true);
      await api('/api/v1/auth/logout', { method: 'POST' }).catch(() => undefined);
      setAccessToken(null);
      queryClient.clear();
    },
    can(permission) {
      return me.data?.permissions.some((p) => covers(p, permission)) ?? false;
    },
  };
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}
