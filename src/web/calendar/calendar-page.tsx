// /calendar: month, week, day and agenda views (FullCalendar), events with their recurrences and
// tasks by due date. Click or drag to create; drag to move or resize (a recurring event asks
// whether to change this occurrence, this and the following ones, or all); click for details.
import type { DateSelectArg, EventClickArg, EventDropArg, EventInput } from '@fullcalendar/core';
import dayGridPlugin from '@fullcalendar/daygrid';
import interactionPlugin, { type EventResizeDoneArg } from '@fullcalendar/interaction';
import listPlugin from '@fullcalendar/list';
import FullCalendar from '@fullcalendar/react';
import timeGridPlugin from '@fullcalendar/timegrid';
import { Anchor, Button, Checkbox, Group, Modal, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useRef, useState } from 'react';
import { Link } from 'react-router';
import { ApiError, api } from '../api.ts';
import { FormError } from '../components/form-error.tsx';

interface Item {
  id: string;
  type: 'event' | 'task';
  eventId?: string;
  taskId?: string;
  title: string;
  start: string;
  end: string | null;
  allDay: boolean;
  location: string | null;
  recurring: boolean;
  occurrenceStart?: string;
  link: string;
}

type Scope = 'this' | 'following' | 'all';

const REPEATS = [
  { value: '', label: 'Does not repeat' },
  { value: 'FREQ=DAILY', label: 'Every day' },
  { value: 'FREQ=WEEKLY', label: 'Every week' },
  { value: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', label: 'Every weekday' },
  { value: 'FREQ=MONTHLY', label: 'Every month' },
];
const REMINDERS = [
  { value: '', label: 'No reminder' },
  { value: '0', label: 'At the start' },
  { value: '10', label: '10 minutes before' },
  { value: '30', label: '30 minutes before' },
  { value: '60', label: '1 hour before' },
  { value: '1440', label: '1 day before' },
];

/** A datetime-local input value for `d` in the browser's zone. */
const localInput = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

export function CalendarPage() {
  const calendar = useRef<FullCalendar>(null);
  const [creating, setCreating] = useState<{ start: Date; end: Date; allDay: boolean } | null>(null);
  const [selected, setSelected] = useState<Item | null>(null);
  const [asking, setAsking] = useState<{ run: (scope: Scope) => Promise<void>; revert: () => void } | null>(null);
  // Read at once (not after the first paint): the toolbar layout is fixed when the calendar mounts.
  const narrow = useMediaQuery('(max-width: 48em)', undefined, { getInitialValueInEffect: false });
  const refetch = () => calendar.current?.getApi().refetchEvents();

  async function load(info: { start: Date; end: Date }): Promise<EventInput[]> {
    const res = await api<{ data: Item[] }>(
      `/api/v1/calendar?from=${encodeURIComponent(info.start.toISOString())}&to=${encodeURIComponent(info.end.toISOString())}`,
    );
    return res.data.map((i) => ({
      id: i.id,
      title: i.title,
      start: i.start,
      end: i.end ?? undefined,
      allDay: i.allDay,
      // Tasks are points in time (their due date); they move, they do not stretch.
      durationEditable: i.type === 'event',
      color: i.type === 'task' ? 'var(--mantine-color-teal-6)' : undefined,
      extendedProps: i,
    }));
  }

  async function move(info: EventDropArg | EventResizeDoneArg) {
    const item = info.event.extendedProps as Item;
    const start = info.event.start as Date;
    const end = info.event.end ?? new Date(start.getTime() + 3600_000);
    const fail = (error: unknown) => {
      info.revert();
      notifications.show({
        color: 'red',
        title: 'Not moved',
        message: error instanceof ApiError ? error.message : String(error),
      });
    };
    try {
      if (item.type === 'task') {
        await api(`/api/v1/tasks/${item.taskId}`, { method: 'PATCH', body: { dueAt: start.toISOString() } });
      } else if (item.recurring) {
        setAsking({
          revert: info.revert,
          run: async (scope) => {
            try {
              await api(`/api/v1/events/${item.eventId}/occurrences`, {
                method: 'POST',
                body: {
                  occurrenceStart: item.occurrenceStart,
                  scope,
                  changes: { startAt: start.toISOString(), endAt: end.toISOString() },
                },
              });
              refetch();
            } catch (error) {
              fail(error);
            }
          },
        });
        return;
      } else {
        await api(`/api/v1/events/${item.eventId}`, {
          method: 'PATCH',
          body: { startAt: start.toISOString(), endAt: end.toISOString(), allDay: info.event.allDay },
        });
      }
      refetch();
    } catch (error) {
      fail(error);
    }
  }

  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Title order={2}>Calendar</Title>
        <Button
          onClick={() => {
            const start = new Date();
            start.setMinutes(0, 0, 0);
            start.setHours(start.getHours() + 1);
            setCreating({ start, end: new Date(start.getTime() + 3600_000), allDay: false });
          }}
        >
          New event
        </Button>
      </Group>
      <div data-testid="calendar">
        <FullCalendar
          // A rotated phone or resized window changes the toolbar: mount it afresh.
          key={narrow ? 'narrow' : 'wide'}
          ref={calendar}
          plugins={[dayGridPlugin, timeGridPlugin, listPlugin, interactionPlugin]}
          initialView="timeGridWeek"
          // On a phone the view buttons move below the grid, so the title keeps the header's width.
          headerToolbar={
            narrow
              ? { left: 'prev,next', center: 'title', right: 'today' }
              : { left: 'prev,next today', center: 'title', right: 'dayGridMonth,timeGridWeek,timeGridDay,listWeek' }
          }
          footerToolbar={narrow ? { center: 'dayGridMonth,timeGridWeek,timeGridDay,listWeek' } : false}
          titleFormat={narrow ? { month: 'short', day: 'numeric' } : undefined}
          buttonText={{ today: 'Today', month: 'Month', week: 'Week', day: 'Day', list: 'Agenda' }}
          firstDay={1}
          nowIndicator
          selectable
          selectMirror
          editable
          height="auto"
          events={(info, success, failure) => load(info).then(success, failure)}
          select={(info: DateSelectArg) => {
            setCreating({ start: info.start, end: info.end, allDay: info.allDay });
            info.view.calendar.unselect();
          }}
          eventDrop={move}
          eventResize={move}
          eventClick={(info: EventClickArg) => setSelected(info.event.extendedProps as Item)}
        />
      </div>
      {creating && (
        <CreateEvent
          initial={creating}
          onClose={() => setCreating(null)}
          onCreated={() => {
            setCreating(null);
            refetch();
          }}
        />
      )}
      <EventDetails item={selected} onClose={() => setSelected(null)} onChanged={refetch} />
      <Modal
        opened={asking !== null}
        onClose={() => {
          asking?.revert();
          setAsking(null);
        }}
        title="Change a repeating event"
      >
        <Stack>
          <Text size="sm">Which events should change?</Text>
          {(['this', 'following', 'all'] as Scope[]).map((scope) => (
            <Button
              key={scope}
              variant={scope === 'this' ? 'filled' : 'default'}
              onClick={async () => {
                const job = asking;
                setAsking(null);
                await job?.run(scope);
              }}
            >
              {scope === 'this' ? 'This event' : scope === 'following' ? 'This and following events' : 'All events'}
            </Button>
          ))}
        </Stack>
      </Modal>
    </Stack>
  );
}

function CreateEvent(props: {
  initial: { start: Date; end: Date; allDay: boolean };
  onClose: () => void;
  onCreated: () => void;
}) {
  const [title, setTitle] = useState('');
  const [start, setStart] = useState(localInput(props.initial.start));
  const [end, setEnd] = useState(localInput(props.initial.end));
  const [allDay, setAllDay] = useState(props.initial.allDay);
  const [location, setLocation] = useState('');
  const [rrule, setRrule] = useState('');
  const [reminder, setReminder] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const fields = error instanceof ApiError ? error.fieldErrors() : {};

  async function save() {
    setBusy(true);
    setError(null);
    try {
      await api('/api/v1/events', {
        method: 'POST',
        body: {
          title,
          startAt: new Date(start).toISOString(),
          endAt: new Date(end).toISOString(),
          allDay,
          ...(location.trim() ? { location } : {}),
          ...(rrule ? { rrule } : {}),
          ...(reminder ? { reminders: [Number(reminder)] } : {}),
          timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
        },
      });
      notifications.show({ color: 'green', message: `“${title}” added` });
      props.onCreated();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal opened onClose={props.onClose} title="New event">
      <Stack gap="sm">
        <FormError error={error} />
        <TextInput
          label="Title"
          required
          value={title}
          onChange={(e) => setTitle(e.currentTarget.value)}
          error={fields.title}
          data-autofocus
        />
        <Group grow>
          <TextInput
            label="Starts"
            type="datetime-local"
            value={start}
            onChange={(e) => setStart(e.currentTarget.value)}
            error={fields.startAt}
          />
          <TextInput
            label="Ends"
            type="datetime-local"
            value={end}
            onChange={(e) => setEnd(e.currentTarget.value)}
            error={fields.endAt}
          />
        </Group>
        <Checkbox label="All day" checked={allDay} onChange={(e) => setAllDay(e.currentTarget.checked)} />
        <TextInput label="Location" value={location} onChange={(e) => setLocation(e.currentTarget.value)} />
        <Select
          label="Repeats"
          data={REPEATS}
          value={rrule}
          onChange={(v) => setRrule(v ?? '')}
          allowDeselect={false}
          error={fields.rrule}
        />
        <Select
          label="Reminder"
          data={REMINDERS}
          value={reminder}
          onChange={(v) => setReminder(v ?? '')}
          allowDeselect={false}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={props.onClose}>
            Cancel
          </Button>
          <Button onClick={save} loading={busy} disabled={!title.trim()}>
            Save
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function EventDetails({ item, onClose, onChanged }: { item: Item | null; onClose: () => void; onChanged: () => void }) {
  const [error, setError] = useState<unknown>(null);
  if (!item) return null;
  const when = new Date(item.start).toLocaleString(undefined, {
    dateStyle: 'full',
    timeStyle: item.allDay ? undefined : 'short',
  });

  async function remove(scope?: Scope) {
    setError(null);
    try {
      if (item?.type === 'task') return;
      if (item?.recurring && scope) {
        await api(
          `/api/v1/events/${item.eventId}/occurrences/${encodeURIComponent(item.occurrenceStart as string)}?scope=${scope}`,
          {
            method: 'DELETE',
          },
        );
      } else {
        await api(`/api/v1/events/${item?.eventId}`, { method: 'DELETE' });
      }
      onClose();
      onChanged();
    } catch (e) {
      setError(e);
    }
  }

  return (
    <Modal opened onClose={onClose} title={item.title}>
      <Stack gap="xs">
        <FormError error={error} />
        <Text size="sm">{when}</Text>
        {item.location && <Text size="sm">Where: {item.location}</Text>}
        {item.recurring && (
          <Text size="sm" c="dimmed">
            Repeats
          </Text>
        )}
        {item.type === 'task' ? (
          <Anchor component={Link} to={item.link} size="sm">
            Open the task
          </Anchor>
        ) : item.recurring ? (
          <Group gap="xs">
            <Button size="xs" color="red" variant="light" onClick={() => remove('this')}>
              Delete this event
            </Button>
            <Button size="xs" color="red" variant="light" onClick={() => remove('following')}>
              This and following
            </Button>
            <Button size="xs" color="red" variant="light" onClick={() => remove('all')}>
              All events
            </Button>
          </Group>
        ) : (
          <Group gap="xs">
            <Button size="xs" color="red" variant="light" onClick={() => remove()}>
              Delete
            </Button>
          </Group>
        )}
      </Stack>
    </Modal>
  );
}
