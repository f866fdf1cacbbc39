// Live messages to signed-in users (notifications now; more later). Each instance delivers to its
// own WebSocket clients; with REDIS_URL a message published on any instance reaches all of them.
import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';

export interface LiveMessage {
  workspaceId: string;
  userId: string;
  type: string;
  payload: unknown;
}

const CHANNEL = 'albedo:live';

export interface RealtimeHub {
  publish(message: LiveMessage): Promise<void>;
  /** Calls `listener` for every message to this user; returns the unsubscribe function. */
  subscribe(workspaceId: string, userId: string, listener: (message: LiveMessage) => void): () => void;
  close(): Promise<void>;
}

export function createRealtimeHub(redisUrl?: string): RealtimeHub {
  const local = new EventEmitter();
  local.setMaxListeners(0);
  const key = (workspaceId: string, userId: string) => `${workspaceId}:${userId}`;
  const deliver = (m: LiveMessage) => local.emit(key(m.workspaceId, m.userId), m);
  let publisher: Redis | undefined;
  let subscriber: Redis | undefined;
  if (redisUrl) {
    publisher = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 });
    subscriber = new Redis(redisUrl, { lazyConnect: false });
    subscriber.subscribe(CHANNEL).catch(() => {});
    subscriber.on('message', (_channel: string, raw: string) => {
      try {
        deliver(JSON.parse(raw) as LiveMessage);
      } catch {
        // A malformed message from another process is dropped, never thrown into the subscriber.
      }
    });
  }
  return {
    async publish(message) {
      if (publisher) await publisher.publish(CHANNEL, JSON.stringify(message));
      else deliver(message);
    },
    subscribe(workspaceId, userId, listener) {
      const k = key(workspaceId, userId);
      local.on(k, listener);
      return () => local.off(k, listener);
    },
    async close() {
      await Promise.all([publisher?.quit().catch(() => {}), subscriber?.quit().catch(() => {})]);
    },
  };
}
