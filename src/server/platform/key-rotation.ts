// Re-seals every secret stored under APP_MASTER_KEY with a new key, in one transaction: the AI
// provider keys of every workspace and every member's authenticator secret. Used by
// `albedo rotate-master-key`; the server must then start with the new key.
import { decryptSecret, encryptSecret } from './crypto.ts';
import type { Database } from './db/database.ts';

/** Each sealed column with the associated data it was sealed with (must match the writers). */
const SEALED = [
  {
    label: 'AI provider keys',
    select: 'select id, workspace_id, api_key_sealed as sealed from ai_providers where api_key_sealed is not null',
    update: 'update ai_providers set api_key_sealed = $2 where id = $1',
    binding: (row: Row) => `ai-provider-key:${row.workspace_id}`,
    perWorkspace: true,
  },
  {
    label: 'authenticator secrets',
    select: 'select user_id as id, null as workspace_id, secret_encrypted as sealed from user_mfa',
    update: 'update user_mfa set secret_encrypted = $2 where user_id = $1',
    binding: (row: Row) => String(row.id),
    perWorkspace: false,
  },
] as const;

interface Row {
  id: string;
  workspace_id: string | null;
  sealed: string;
}

export async function rotateMasterKey(db: Database, oldKey: Buffer, newKey: Buffer): Promise<Record<string, number>> {
  if (oldKey.equals(newKey)) throw new Error('the new key is the same as the current one');
  return db.withConnection(async (_orm, query) => {
    const counts: Record<string, number> = {};
    await query('begin');
    try {
      const workspaces = await query<{ id: string }>('select id from workspaces');
      for (const secret of SEALED) {
        let n = 0;
        // Tables under forced row-level security show their rows one workspace at a time.
        for (const scope of secret.perWorkspace ? workspaces : [null]) {
          if (scope) await query(`select set_config('app.workspace_id', $1, true)`, [scope.id]);
          for (const row of await query<Row>(secret.select)) {
            const plain = decryptSecret(oldKey, row.sealed, secret.binding(row));
            await query(secret.update, [row.id, encryptSecret(newKey, plain, secret.binding(row))]);
            n++;
          }
        }
        counts[secret.label] = n;
      }
      await query(`select set_config('app.workspace_id', '', true)`);
      await query('commit');
      return counts;
    } catch (error) {
      await query('rollback');
      throw error;
    }
  });
}
