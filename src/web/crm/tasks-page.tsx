// My tasks across projects: assigned to me by default, filtered by status, priority and due date.
import { Select } from '@mantine/core';
import { useState } from 'react';
import { RecordList } from './record-list.tsx';

const startOfDay = (offsetDays = 0) => {
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  d.setDate(d.getDate() + offsetDays);
  return d.toISOString();
};

export function TasksPage() {
  const [due, setDue] = useState<string | null>(null);
  const dueParams: Record<string, Record<string, string>> = {
    overdue: { 'filter[dueAt][lt]': startOfDay(), 'filter[status][ne]': 'done' },
    today: { 'filter[dueAt][gte]': startOfDay(), 'filter[dueAt][lt]': startOfDay(1) },
    week: { 'filter[dueAt][gte]': startOfDay(), 'filter[dueAt][lt]': startOfDay(7) },
    none: { 'filter[dueAt][empty]': 'true' },
  };
  return (
    <RecordList
      resource="tasks"
      title="My tasks"
      mineField="assigneeId"
      mineDefault
      defaultSort="dueAt"
      extraParams={due ? dueParams[due] : {}}
      extraFilters={
        <Select
          aria-label="Due"
          placeholder="Due"
          data={[
            { value: 'overdue', label: 'Overdue' },
            { value: 'today', label: 'Due today' },
            { value: 'week', label: 'Due in 7 days' },
            { value: 'none', label: 'No due date' },
          ]}
          value={due}
          onChange={setDue}
          clearable
          w={160}
        />
      }
    />
  );
}
