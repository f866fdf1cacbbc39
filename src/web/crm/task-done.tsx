// Ticking a task done (or not) from any list: the tick shows at once and is taken back, with a
// message, if the server refuses (someone else changed the task, or it is not yours to change).
import { Checkbox } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { ApiError, api } from '../api.ts';
import type { CrmRecord, ListPage } from './meta.ts';

export function TaskDone({ task }: { task: CrmRecord }) {
  const queryClient = useQueryClient();
  const done = task.status === 'done';
  async function toggle() {
    const status = done ? 'todo' : 'done';
    const key = ['list', 'tasks'];
    const before = queryClient.getQueriesData<ListPage>({ queryKey: key });
    queryClient.setQueriesData<ListPage>({ queryKey: key }, (old) =>
      old?.data ? { ...old, data: old.data.map((t) => (t.id === task.id ? { ...t, status } : t)) } : old,
    );
    try {
      const saved = (
        await api<{ data: CrmRecord }>(`/api/v1/tasks/${task.id}`, {
          method: 'PATCH',
          body: { status, version: task.version },
        })
      ).data;
      queryClient.setQueriesData<ListPage>({ queryKey: key }, (old) =>
        old?.data ? { ...old, data: old.data.map((t) => (t.id === task.id ? saved : t)) } : old,
      );
      void queryClient.invalidateQueries({ queryKey: ['detail'] });
    } catch (err) {
      for (const [k, data] of before) queryClient.setQueryData(k, data);
      notifications.show({
        color: 'red',
        title: 'The task did not change',
        message:
          err instanceof ApiError && err.status === 409
            ? 'Someone else changed this task; the list now shows their version.'
            : (err as Error).message,
      });
      void queryClient.invalidateQueries({ queryKey: key });
    }
  }
  return (
    <Checkbox
      aria-label={done ? `Mark ${task.title} as not done` : `Mark ${task.title} as done`}
      checked={done}
      onChange={() => void toggle()}
      onClick={(e) => e.stopPropagation()}
    />
  );
}
