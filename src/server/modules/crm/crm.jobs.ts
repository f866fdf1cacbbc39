// The CRM's jobs: the daily trash purge (records deleted 30 days ago go for good), and with it the
// search dictionary's terms that no record holds any more.
import { z } from 'zod';
import { defineJob, type JobQueue } from '#server/platform/jobs/queue.ts';
import type { RecordsService } from './records.service.ts';

export function trashPurgeJob(records: Pick<RecordsService, 'purgeTrash' | 'pruneSearchTerms'>) {
  return defineJob({
    name: 'crm.trash.purge',
    payload: z.object({}),
    maxAttempts: 3,
    handler: async () => ({ purged: await records.purgeTrash(), prunedTerms: await records.pruneSearchTerms() }),
  });
}

export async function registerCrmJobs(jobs: JobQueue, services: { records: RecordsService }): Promise<void> {
  const purge = trashPurgeJob(services.records);
  jobs.register(purge);
  await jobs.schedule({ name: 'crm.trash.purge', cron: '30 3 * * *', timezone: 'UTC', job: purge, payload: {} });
}
