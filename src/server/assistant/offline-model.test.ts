// The offline model through its AI SDK interface: plain-English commands become the tool calls a
// hosted model would make; dates resolve in the user's timezone (across DST); replies from results.
import type { LanguageModelV3Prompt } from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import { AGENTS, systemPrompt } from './agents.ts';
import { reply } from './offline-grammar.ts';
import { createOfflineModel } from './offline-model.ts';

const model = createOfflineModel();
const JAN = { object: 'contacts', id: '01936b7e-0000-7000-8000-000000000001', title: 'Jan Kowalski' };
const DEAL = { object: 'deals', id: '01936b7e-0000-7000-8000-000000000002', title: 'Website redesign' };
// Monday 23 November 2026, 10:00 in Warsaw.
const NOW = new Date('2026-11-23T09:00:00Z');

function prompt(
  text: string,
  options: { assistant?: string; timezone?: string; now?: Date } = {},
): LanguageModelV3Prompt {
  const system = systemPrompt({
    userName: 'Olivia',
    userEmail: 'olivia@example.com',
    role: 'member',
    department: 'sales',
    workspaceName: 'Acme',
    timezone: options.timezone ?? 'Europe/Warsaw',
    now: options.now ?? NOW,
    agent: AGENTS[1] as (typeof AGENTS)[number],
    recent: [JAN, DEAL],
    summary: null,
    offline: true,
  });
  return [
    { role: 'system', content: system },
    ...(options.assistant
      ? ([
          { role: 'user', content: [{ type: 'text', text: 'earlier' }] },
          { role: 'assistant', content: [{ type: 'text', text: options.assistant }] },
        ] as LanguageModelV3Prompt)
      : []),
    { role: 'user', content: [{ type: 'text', text }] },
  ];
}

async function callsFor(text: string, options?: Parameters<typeof prompt>[1]) {
  const result = await model.doGenerate({ prompt: prompt(text, options) });
  return result.content
    .filter((c) => c.type === 'tool-call')
    .map((c) => ({
      tool: c.type === 'tool-call' ? c.toolName : '',
      input: JSON.parse(c.type === 'tool-call' ? c.input : '{}'),
    }));
}

type Case = [utterance: string, tool: string, input: Record<string, unknown>];

/** The utterances not read as exactly one call of the expected tool with the expected input. */
async function misread(cases: Case[]): Promise<string[]> {
  const wrong: string[] = [];
  for (const [utterance, tool, input] of cases) {
    const calls = await callsFor(utterance);
    const ok =
      calls.length === 1 && calls[0]?.tool === tool && JSON.stringify(calls[0]?.input) === JSON.stringify(input);
    if (!ok) wrong.push(`${utterance} → ${JSON.stringify(calls)}`);
  }
  return wrong;
}

const CASES: Case[] = [
  [
    'add contact Jan Kowalski',
    'create_record',
    { object: 'contacts', fields: { firstName: 'Jan', lastName: 'Kowalski' } },
  ],
  [
    'add contact Anna Nowak, anna@nowak.example, +48 600 100 200, at Acme Corp',
    'create_record',
    {
      object: 'contacts',
      fields: {
        firstName: 'Anna',
        lastName: 'Nowak',
        email: 'anna@nowak.example',
        phones: ['+48 600 100 200'],
        organizationId: 'Acme Corp',
      },
    },
  ],
  ['create a new contact called Ola', 'create_record', { object: 'contacts', fields: { firstName: 'Ola' } }],
  [
    'new person Piotr Zieliński from Globex',
    'create_record',
    { object: 'contacts', fields: { firstName: 'Piotr', lastName: 'Zieliński', organizationId: 'Globex' } },
  ],
  [
    'create organization Acme Corp acme.com',
    'create_record',
    { object: 'organizations', fields: { name: 'Acme Corp', domain: 'acme.com' } },
  ],
  ['add company Initech', 'create_record', { object: 'organizations', fields: { name: 'Initech' } }],
  [
    'new lead Maria Garcia from Globex',
    'create_record',
    { object: 'leads', fields: { contactName: 'Maria Garcia', companyName: 'Globex' } },
  ],
  [
    'add lead Tom Hardy, tom@hardy.example',
    'create_record',
    { object: 'leads', fields: { contactName: 'Tom Hardy', email: 'tom@hardy.example' } },
  ],
  [
    'create deal Website redesign worth 12000 EUR with Acme',
    'create_record',
    { object: 'deals', fields: { name: 'Website redesign', amount: '12000', currency: 'EUR', organizationId: 'Acme' } },
  ],
  [
    'new deal Support renewal worth $5k',
    'create_record',
    { object: 'deals', fields: { name: 'Support renewal', amount: '5000', currency: 'USD' } },
  ],
  [
    'create project Onboarding for Acme due 2026-12-15',
    'create_record',
    { object: 'projects', fields: { name: 'Onboarding', organizationId: 'Acme', dueDate: '2026-12-15' } },
  ],
  ['add project Migration', 'create_record', { object: 'projects', fields: { name: 'Migration' } }],
  [
    'add task call Jan tomorrow at 9 high priority',
    'create_record',
    { object: 'tasks', fields: { title: 'Call Jan', dueAt: '2026-11-24T09:00:00+01:00', priority: 'high' } },
  ],
  [
    'create task send the offer due friday',
    'create_record',
    { object: 'tasks', fields: { title: 'Send the offer', dueAt: '2026-11-27T17:00:00+01:00' } },
  ],
  [
    'new todo prepare slides in project Onboarding',
    'create_record',
    { object: 'tasks', fields: { title: 'Prepare slides', projectId: 'Onboarding' } },
  ],
  ['find Jan', 'search_records', { query: 'Jan' }],
  ['search for acme', 'search_records', { query: 'acme' }],
  ['look up kowalsky', 'search_records', { query: 'kowalsky' }],
  ['find contacts named Kowalski', 'list_records', { object: 'contacts', query: 'Kowalski' }],
  ['find deals with Acme', 'list_records', { object: 'deals', query: 'Acme' }],
  ['list open deals', 'list_records', { object: 'deals', filters: { status: 'open' } }],
  ['show my leads', 'list_records', { object: 'leads', mine: true }],
  ['list all projects', 'list_records', { object: 'projects' }],
  ['show me contacts', 'list_records', { object: 'contacts' }],
  ['show Acme Corp', 'get_record', { name: 'Acme Corp', related: true }],
  ['show him', 'get_record', { object: 'contacts', id: JAN.id, related: true }],
  [
    'set the email of Jan Kowalski to jan@kowalski.pl',
    'update_record',
    { name: 'Jan Kowalski', fields: { email: 'jan@kowalski.pl' } },
  ],
  [
    "change Anna Nowak's job title to CTO",
    'update_record',
    { object: 'contacts', name: 'Anna Nowak', fields: { jobTitle: 'CTO' } },
  ],
  [
    'add his phone number: +44 20 7946 0000',
    'update_record',
    { object: 'contacts', id: JAN.id, fields: { phones: ['+44 20 7946 0000'] } },
  ],
  [
    'set her email to anna@new.example',
    'update_record',
    { object: 'contacts', id: JAN.id, fields: { email: 'anna@new.example' } },
  ],
  [
    'set the amount of Website redesign to 15000',
    'update_record',
    { object: 'deals', name: 'Website redesign', fields: { amount: '15000' } },
  ],
  [
    'rename deal Website redesign to Website v2',
    'update_record',
    { object: 'deals', name: 'Website redesign', fields: { name: 'Website v2' } },
  ],
  [
    'rename contact Jan Kowalski to Janusz Kowalski',
    'update_record',
    { object: 'contacts', name: 'Jan Kowalski', fields: { firstName: 'Janusz', lastName: 'Kowalski' } },
  ],
  ['mark task Call Jan as done', 'update_record', { object: 'tasks', name: 'Call Jan', fields: { status: 'done' } }],
  ['move Website redesign to Negotiation', 'move_deal_stage', { name: 'Website redesign', stage: 'Negotiation' }],
  ['move it to won', 'move_deal_stage', { id: DEAL.id, stage: 'won' }],
  ['convert lead Maria Garcia', 'convert_lead', { name: 'Maria Garcia' }],
  ['assign task Call Jan to Anna', 'assign', { object: 'tasks', name: 'Call Jan', member: 'Anna' }],
  ['assign deal Website redesign to me', 'assign', { object: 'deals', name: 'Website redesign', member: 'me' }],
  ['add note to Acme Corp: signed the NDA', 'add_note', { name: 'Acme Corp', body: 'signed the NDA' }],
  [
    'log a call with Jan Kowalski: wants a demo next week',
    'add_note',
    { name: 'Jan Kowalski', body: 'wants a demo next week', kind: 'call' },
  ],
  ['add a note to him: prefers email', 'add_note', { object: 'contacts', id: JAN.id, body: 'prefers email' }],
  ['delete contact Jan Kowalski', 'delete_record', { object: 'contacts', name: 'Jan Kowalski' }],
  ['delete it', 'delete_record', { object: 'contacts', id: JAN.id }],
  ['remove organization Initech', 'delete_record', { object: 'organizations', name: 'Initech' }],
  ['restore it', 'restore_record', { object: 'contacts', id: JAN.id }],
  ['my tasks this week', 'my_tasks', { range: 'this_week' }],
  ['what are my tasks today?', 'my_tasks', { range: 'today' }],
  ['show my overdue tasks', 'my_tasks', { range: 'overdue' }],
  ['my tasks', 'my_tasks', { range: 'all' }],
  ['pipeline summary', 'pipeline_summary', {}],
  ['how is the pipeline looking', 'pipeline_summary', {}],
  ['show KPIs', 'kpi_summary', {}],
  ["what's on tomorrow", 'whats_on', { from: '2026-11-24T00:00:00+01:00', to: '2026-11-25T00:00:00+01:00' }],
  ['show my calendar this week', 'whats_on', { from: '2026-11-23T00:00:00+01:00', to: '2026-11-30T00:00:00+01:00' }],
  [
    'schedule meeting Budget review tomorrow at 3pm with Anna',
    'create_event',
    { title: 'Budget review', startAt: '2026-11-24T15:00:00+01:00', attendees: ['Anna'] },
  ],
  [
    'find a free slot with Anna this week for 30 minutes',
    'find_free_slot',
    {
      members: ['me', 'Anna'],
      durationMinutes: 30,
      from: '2026-11-23T00:00:00+01:00',
      to: '2026-11-30T00:00:00+01:00',
    },
  ],
  ['cancel meeting Budget review', 'cancel_event', { name: 'Budget review' }],
  ['remind me to call Jan tomorrow at 9', 'create_reminder', { title: 'Call Jan', at: '2026-11-24T09:00:00+01:00' }],
  [
    'remind me to send the invoice on friday at 2pm',
    'create_reminder',
    { title: 'Send the invoice', at: '2026-11-27T14:00:00+01:00' },
  ],
  [
    'remind me about the board meeting in 3 days',
    'create_reminder',
    { title: 'The board meeting', at: '2026-11-26T09:00:00+01:00' },
  ],
];

describe('the offline model understands its documented commands', () => {
  it(`maps ${CASES.length} utterances to the expected tool calls`, async () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    expect(await misread(CASES)).toEqual([]);
  });

  it('answers an offer: "yes, a@b.com" after "Shall I add their email?" updates the record last mentioned', async () => {
    const calls = await callsFor('yes, it is jan@kowalski.example', {
      assistant: 'Created contact [Jan Kowalski](/contacts/x). Shall I add their email?',
    });
    expect(calls).toEqual([
      { tool: 'update_record', input: { object: 'contacts', id: JAN.id, fields: { email: 'jan@kowalski.example' } } },
    ]);
    expect(await callsFor('no thanks', { assistant: 'Shall I add their email?' })).toEqual([]);
  });

  it('resolves times in the user timezone across a DST change', async () => {
    // Saturday 24 October 2026 in New York (EDT, -04:00); the clocks go back on 1 November.
    const now = new Date('2026-10-24T15:00:00Z');
    const [before] = await callsFor('remind me to renew tomorrow at 9', { timezone: 'America/New_York', now });
    expect(before?.input.at).toBe('2026-10-25T09:00:00-04:00');
    const [after] = await callsFor('remind me to renew on 2026-11-02 at 9am', { timezone: 'America/New_York', now });
    expect(after?.input.at).toBe('2026-11-02T09:00:00-05:00');
  });

  it('replies with help for unknown text, and phrases tool results', async () => {
    const unknown = await model.doGenerate({ prompt: prompt('sing me a song') });
    expect(unknown.content[0]).toMatchObject({ type: 'text', text: expect.stringContaining('offline mode') });
    const afterTool = await model.doGenerate({
      prompt: [
        ...prompt('add contact Jan Kowalski'),
        {
          role: 'assistant',
          content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 'create_record', input: {} }],
        },
        {
          role: 'tool',
          content: [
            {
              type: 'tool-result',
              toolCallId: 'c1',
              toolName: 'create_record',
              output: {
                type: 'json',
                value: {
                  ok: true,
                  created: {
                    object: 'contacts',
                    id: JAN.id,
                    name: 'Jan Kowalski',
                    link: `/contacts/${JAN.id}`,
                    fields: {},
                  },
                },
              },
            },
          ],
        },
      ],
    });
    expect(afterTool.content[0]).toMatchObject({
      type: 'text',
      text: `Created contact [Jan Kowalski](/contacts/${JAN.id}). Shall I add their email?`,
    });
  });
});

// Everyday wording, as salespeople write (issue 22 item 3). NOW is Monday 23 November 2026, 10:00
// in Warsaw; "next Tuesday" said on that Monday is 1 December (the rule is in docs/assistant.md).
const NOV_WEEK = { from: '2026-11-23T00:00:00+01:00', to: '2026-11-30T00:00:00+01:00' };
const EVERYDAY: Case[] = [
  [
    'add Maria Chen from Acme as a contact',
    'create_record',
    { object: 'contacts', fields: { firstName: 'Maria', lastName: 'Chen', organizationId: 'Acme' } },
  ],
  [
    'Please save Tom Hardy at Initech as a new lead',
    'create_record',
    { object: 'leads', fields: { contactName: 'Tom Hardy', companyName: 'Initech' } },
  ],
  [
    'what deals are closing this month?',
    'list_records',
    {
      object: 'deals',
      where: [
        { field: 'closeDate', op: 'gte', value: '2026-11-01' },
        { field: 'closeDate', op: 'lt', value: '2026-12-01' },
      ],
      sort: 'closeDate',
    },
  ],
  ['how many contacts do we have?', 'count_records', { object: 'contacts' }],
  [
    'what is the total value of my open deals?',
    'count_records',
    { object: 'deals', filters: { status: 'open' }, mine: true, sum: 'amount' },
  ],
  [
    'how many open deals over 10k',
    'count_records',
    { object: 'deals', filters: { status: 'open' }, where: [{ field: 'amount', op: 'gt', value: '10000' }] },
  ],
  [
    'pipeline value this quarter',
    'count_records',
    {
      object: 'deals',
      filters: { status: 'open' },
      where: [
        { field: 'closeDate', op: 'gte', value: '2026-10-01' },
        { field: 'closeDate', op: 'lt', value: '2027-01-01' },
      ],
      sum: 'amount',
    },
  ],
  ['count my leads', 'count_records', { object: 'leads', mine: true }],
  [
    'create a task to send Maria the quote tomorrow',
    'create_record',
    { object: 'tasks', fields: { title: 'Send Maria the quote', dueAt: '2026-11-24T17:00:00+01:00' } },
  ],
  [
    'add a task to call the Globex buyer on friday at 11 high priority',
    'create_record',
    {
      object: 'tasks',
      fields: { title: 'Call the Globex buyer', dueAt: '2026-11-27T11:00:00+01:00', priority: 'high' },
    },
  ],
  [
    'schedule a meeting with Maria next Tuesday at 10',
    'create_event',
    { title: 'Meeting with Maria', startAt: '2026-12-01T10:00:00+01:00', attendees: ['Maria'] },
  ],
  [
    'book a call with Anna and Jan tomorrow at 3pm about pricing',
    'create_event',
    { title: 'Call: pricing', startAt: '2026-11-24T15:00:00+01:00', attendees: ['Anna', 'Jan'] },
  ],
  [
    'remind me to follow up with Globex tomorrow at 10am',
    'create_reminder',
    { title: 'Follow up with Globex', at: '2026-11-24T10:00:00+01:00' },
  ],
  ['push the Globex Rollout deal to negotiation', 'move_deal_stage', { name: 'Globex Rollout', stage: 'negotiation' }],
  ['we won Acme Website!', 'move_deal_stage', { name: 'Acme Website', stage: 'Won' }],
  ['we lost the Initech deal', 'move_deal_stage', { name: 'Initech', stage: 'Lost' }],
  ['mark Support renewal as won', 'move_deal_stage', { name: 'Support renewal', stage: 'Won' }],
  [
    "Anna Nowak's phone is +48 600 100 200",
    'update_record',
    { object: 'contacts', name: 'Anna Nowak', fields: { phones: ['+48 600 100 200'] } },
  ],
  [
    "Maria's email is maria.chen@acme.example",
    'update_record',
    { object: 'contacts', name: 'Maria', fields: { email: 'maria.chen@acme.example' } },
  ],
  ['anything overdue?', 'my_tasks', { range: 'overdue' }],
  ["what's overdue", 'my_tasks', { range: 'overdue' }],
  [
    'postpone Quarterly review to next Monday 11:00',
    'move_event',
    { name: 'Quarterly review', startAt: '2026-11-30T11:00:00+01:00' },
  ],
  ['reschedule the demo to friday 2pm', 'move_event', { name: 'demo', startAt: '2026-11-27T14:00:00+01:00' }],
  ['actually, bring her back', 'restore_record', { object: 'contacts', id: JAN.id }],
  ['undo that', 'restore_record', { object: 'contacts', id: JAN.id }],
  [
    "what's due next week?",
    'list_records',
    {
      object: 'tasks',
      where: [
        { field: 'dueAt', op: 'gte', value: '2026-11-30T00:00:00+01:00' },
        { field: 'dueAt', op: 'lt', value: '2026-12-07T00:00:00+01:00' },
      ],
    },
  ],
  [
    'which leads came in this week',
    'list_records',
    {
      object: 'leads',
      where: [
        { field: 'createdAt', op: 'gte', value: NOV_WEEK.from },
        { field: 'createdAt', op: 'lt', value: NOV_WEEK.to },
      ],
    },
  ],
  ['can you show me my tasks this week please', 'my_tasks', { range: 'this_week' }],
  ['could you find Jan Kowalski', 'search_records', { query: 'Jan Kowalski' }],
  [
    "what's on my calendar tomorrow",
    'whats_on',
    { from: '2026-11-24T00:00:00+01:00', to: '2026-11-25T00:00:00+01:00' },
  ],
  ["what's on next week", 'whats_on', { from: '2026-11-30T00:00:00+01:00', to: '2026-12-07T00:00:00+01:00' }],
  [
    'remind me to renew the contract next Tuesday',
    'create_reminder',
    { title: 'Renew the contract', at: '2026-12-01T09:00:00+01:00' },
  ],
  ['how much is in the pipeline?', 'count_records', { object: 'deals', filters: { status: 'open' }, sum: 'amount' }],
  [
    'number of won deals this year',
    'count_records',
    {
      object: 'deals',
      filters: { status: 'won' },
      where: [
        { field: 'closeDate', op: 'gte', value: '2026-01-01' },
        { field: 'closeDate', op: 'lt', value: '2027-01-01' },
      ],
    },
  ],
  [
    'total won this year',
    'count_records',
    {
      object: 'deals',
      filters: { status: 'won' },
      where: [
        { field: 'closeDate', op: 'gte', value: '2026-01-01' },
        { field: 'closeDate', op: 'lt', value: '2027-01-01' },
      ],
      sum: 'amount',
    },
  ],
  ['show me the biggest deals', 'list_records', { object: 'deals', sort: '-amount', limit: 10 }],
  ['what do I have tomorrow', 'whats_on', { from: '2026-11-24T00:00:00+01:00', to: '2026-11-25T00:00:00+01:00' }],
  [
    'I finished the task Send offer',
    'update_record',
    { object: 'tasks', name: 'Send offer', fields: { status: 'done' } },
  ],
  [
    'when am I free with Anna tomorrow',
    'find_free_slot',
    {
      members: ['me', 'Anna'],
      durationMinutes: 30,
      from: '2026-11-24T00:00:00+01:00',
      to: '2026-11-25T00:00:00+01:00',
    },
  ],
  ['change the stage of Acme Website to proposal', 'move_deal_stage', { name: 'Acme Website', stage: 'proposal' }],
  ['remind me in 2 hours to call Jan', 'create_reminder', { title: 'Call Jan', at: '2026-11-23T12:00:00+01:00' }],
  [
    "Jan's new number is +48 111 222 333",
    'update_record',
    { object: 'contacts', name: 'Jan', fields: { phones: ['+48 111 222 333'] } },
  ],
  ['tell me about Globex', 'get_record', { name: 'Globex', related: true }],
  ['delete the Initech lead', 'delete_record', { object: 'leads', name: 'Initech' }],
  ['push the demo to next week', 'move_event', { name: 'demo', startAt: '2026-11-30T09:00:00+01:00' }],
  [
    'move the Budget review meeting to Wednesday at 2pm',
    'move_event',
    { name: 'Budget review', startAt: '2026-11-25T14:00:00+01:00' },
  ],
];

describe('the offline model understands everyday wording', () => {
  it(`maps ${EVERYDAY.length} everyday phrasings to the expected tool calls`, async () => {
    expect(await misread(EVERYDAY)).toEqual([]);
  });

  it('reads "tomorrow at 10am" as 10:00, not 09:00', async () => {
    const [call] = await callsFor('remind me to call Jan tomorrow at 10am');
    expect(call?.input).toMatchObject({ at: '2026-11-24T10:00:00+01:00' });
  });

  it('answers thanks and greetings in words, and phrases counts and sums', async () => {
    const thanks = await model.doGenerate({ prompt: prompt('thanks!') });
    expect(thanks.content).toEqual([{ type: 'text', text: "You're welcome." }]);
    const counted = reply([
      {
        toolName: 'count_records',
        output: { ok: true, object: 'deals', count: 3, sums: [{ currency: 'EUR', amount: '45000.00' }] },
      },
    ]);
    expect(counted).toBe('3 deals, worth 45,000 EUR in total.');
    expect(reply([{ toolName: 'count_records', output: { ok: true, object: 'contacts', count: 1 } }])).toBe(
      '1 contact.',
    );
  });
});
