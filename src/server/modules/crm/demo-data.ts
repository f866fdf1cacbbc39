// A realistic, coherent demo dataset generated on demand (`albedo seed-demo`): companies with
// their people, leads, a pipeline of deals linked to them, projects with assignees and tasks, and
// a timeline of notes. Generated from word lists with a seeded generator, so it is the same on
// every run and never copied from anywhere. Written through the record services, audited as any
// other change.
import { type Actor, userIdOf } from '#server/platform/actor.ts';
import type { PipelinesService } from './pipelines.service.ts';
import type { BulkResult, RecordsService } from './records.service.ts';

const FIRST = [
  'Ava',
  'Liam',
  'Mia',
  'Noah',
  'Zoe',
  'Ethan',
  'Isla',
  'Lucas',
  'Aria',
  'Mateo',
  'Nora',
  'Kai',
  'Leila',
  'Omar',
  'Sofia',
  'Jonas',
  'Priya',
  'Chen',
  'Hana',
  'Tomás',
  'Ingrid',
  'Kofi',
  'Amara',
  'Yuki',
  'Felix',
  'Elena',
  'Ravi',
  'Clara',
  'Diego',
  'Maya',
];
const LAST = [
  'Fischer',
  'Okafor',
  'Nakamura',
  'Silva',
  'Novak',
  'Haddad',
  'Larsen',
  'Moreau',
  'Kowalski',
  'Patel',
  'Rossi',
  'Jensen',
  'Mensah',
  'Costa',
  'Lindqvist',
  'Ibrahim',
  'Schmidt',
  'Tanaka',
  'Dubois',
  'Walsh',
  'Reyes',
  'Berg',
  'Mwangi',
  'Park',
  'Quinn',
];
const PREFIX = [
  'North',
  'Blue',
  'Silver',
  'Bright',
  'Cedar',
  'Harbor',
  'Summit',
  'Copper',
  'Pioneer',
  'Atlas',
  'Lumen',
  'Vertex',
  'Orchid',
  'Granite',
  'Nimbus',
  'Falcon',
  'Meridian',
  'Willow',
  'Quartz',
  'Beacon',
];
const SUFFIX = [
  'Analytics',
  'Logistics',
  'Health',
  'Foods',
  'Robotics',
  'Energy',
  'Labs',
  'Outfitters',
  'Software',
  'Partners',
  'Manufacturing',
  'Media',
  'Finance',
  'Studios',
  'Systems',
];
const INDUSTRY: Record<string, string> = {
  Analytics: 'Software',
  Logistics: 'Transportation',
  Health: 'Healthcare',
  Foods: 'Food & beverage',
  Robotics: 'Industrial automation',
  Energy: 'Energy',
  Labs: 'Biotech',
  Outfitters: 'Retail',
  Software: 'Software',
  Partners: 'Consulting',
  Manufacturing: 'Manufacturing',
  Media: 'Media',
  Finance: 'Financial services',
  Studios: 'Design',
  Systems: 'IT services',
};
const TITLES = [
  'CEO',
  'CTO',
  'Head of Operations',
  'Procurement Manager',
  'VP Sales',
  'Finance Director',
  'Product Manager',
  'Office Manager',
  'Marketing Lead',
  'IT Manager',
];
const CITIES = [
  ['Berlin', 'Germany'],
  ['Lisbon', 'Portugal'],
  ['Toronto', 'Canada'],
  ['Austin', 'United States'],
  ['Nairobi', 'Kenya'],
  ['Osaka', 'Japan'],
  ['Lyon', 'France'],
  ['Melbourne', 'Australia'],
  ['Stockholm', 'Sweden'],
  ['São Paulo', 'Brazil'],
];
const SIZES = ['11-50', '51-200', '201-500', '501-1000', '1001-5000'];
const DEAL_KINDS = ['Annual licence', 'Pilot', 'Expansion', 'Renewal', 'Onboarding package', 'Support plan'];
const PROJECTS = [
  'Onboarding',
  'Data migration',
  'Website relaunch',
  'Q3 campaign',
  'Warehouse rollout',
  'Security review',
];
const TASKS = [
  'Kick-off call',
  'Send agenda',
  'Collect requirements',
  'Draft proposal',
  'Review contract',
  'Prepare demo',
  'Follow up on pricing',
  'Schedule training',
  'Write summary',
  'Check invoices',
];
const NOTES = [
  'Intro call went well; they are comparing three vendors and want pricing by Friday.',
  'Met at the trade fair. Interested in the analytics add-on.',
  'Budget confirmed for next quarter. Decision maker is the CFO.',
  'Asked for references in their industry; sent two case studies.',
  'Sent the revised proposal with a 10% multi-year discount.',
  'Technical review done: SSO and data residency questions answered.',
];

/** A small, seeded pseudo-random generator (mulberry32), so the dataset is the same every run. */
function generator(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return { next, pick, int };
}

export interface DemoSize {
  organizations: number;
  contactsPerOrganization: number;
  leads: number;
  deals: number;
  projects: number;
}

export const DEMO_SIZES: Record<string, DemoSize> = {
  small: { organizations: 12, contactsPerOrganization: 3, leads: 15, deals: 20, projects: 4 },
  medium: { organizations: 60, contactsPerOrganization: 4, leads: 80, deals: 120, projects: 12 },
};

const ids = (results: BulkResult[]) =>
  results.flatMap((r) => {
    if (!r.ok) throw new Error(`demo data was refused: ${r.error.message}`);
    return [r.data];
  });

export async function seedDemo(
  deps: { records: RecordsService; pipelines: PipelinesService },
  actor: Actor,
  memberIds: string[],
  size: DemoSize = DEMO_SIZES.small as DemoSize,
  now: Date = new Date(),
) {
  const { records } = deps;
  const r = generator(20261123);
  const day = 86_400_000;
  const isoDate = (offsetDays: number) => new Date(now.getTime() + offsetDays * day).toISOString().slice(0, 10);
  const owners = memberIds.length ? memberIds : [userIdOf(actor)];

  const names = new Set<string>();
  while (names.size < size.organizations) names.add(`${r.pick(PREFIX)} ${r.pick(SUFFIX)}`);
  const orgs = ids(
    await records.bulkCreate(
      actor,
      'organizations',
      [...names].map((name) => {
        const [city, country] = r.pick(CITIES);
        const domain = `${name.toLowerCase().replace(/[^a-z]+/g, '')}.example`;
        return {
          name,
          domain,
          website: `https://www.${domain}`,
          industry: INDUSTRY[name.split(' ')[1] as string],
          sizeBand: r.pick(SIZES),
          annualRevenue: String(r.int(5, 900) * 100_000),
          phone: `+1 555 ${r.int(100, 999)} ${r.int(1000, 9999)}`,
          address: { city, country },
          ownerId: r.pick(owners),
          tags: r.next() < 0.3 ? ['key-account'] : [],
        };
      }),
    ),
  );

  const people = ids(
    await records.bulkCreate(
      actor,
      'contacts',
      orgs.flatMap((org) =>
        Array.from({ length: size.contactsPerOrganization }, () => {
          const firstName = r.pick(FIRST);
          const lastName = r.pick(LAST);
          return {
            firstName,
            lastName,
            email: `${firstName}.${lastName}.${r.int(1, 999)}@${org.domain}`
              .toLowerCase()
              .normalize('NFD')
              .replace(/[\u0300-\u036f]/g, ''),
            phones: [`+1 555 ${r.int(100, 999)} ${r.int(1000, 9999)}`],
            jobTitle: r.pick(TITLES),
            organizationId: org.id,
            lifecycleStage: r.pick(['lead', 'mql', 'sql', 'opportunity', 'customer']),
            leadScore: r.int(5, 95),
            ownerId: org.ownerId,
          };
        }),
      ),
    ),
  );

  ids(
    await records.bulkCreate(
      actor,
      'leads',
      Array.from({ length: size.leads }, () => {
        const first = r.pick(FIRST);
        const last = r.pick(LAST);
        const company = `${r.pick(PREFIX)} ${r.pick(SUFFIX)}`;
        return {
          contactName: `${first} ${last}`,
          companyName: company,
          email: `${first}.${last}@${company.toLowerCase().replace(/[^a-z]+/g, '')}.example`
            .toLowerCase()
            .normalize('NFD')
            .replace(/[\u0300-\u036f]/g, ''),
          source: r.pick(['linkedin', 'website', 'referral', 'event', 'manual']),
          status: r.pick(['new', 'new', 'contacted', 'qualified', 'proposal']),
          followUpDate: isoDate(r.int(-3, 21)),
          location: r.pick(CITIES)[0],
          ownerId: r.pick(owners),
        };
      }),
    ),
  );

  const [pipeline] = (await deps.pipelines.list(actor)).filter((p) => p.isDefault);
  const stages = pipeline?.stages ?? [];
  const deals = ids(
    await records.bulkCreate(
      actor,
      'deals',
      Array.from({ length: size.deals }, () => {
        const person = r.pick(people);
        const org = orgs.find((o) => o.id === person.organizationId);
        const stage = r.pick(stages);
        return {
          name: `${org?.name} — ${r.pick(DEAL_KINDS)}`,
          amount: String(r.int(2, 240) * 500),
          currency: 'USD',
          pipelineId: pipeline?.id,
          stageId: stage?.id,
          expectedCloseDate: isoDate(r.int(-10, 90)),
          contactId: person.id,
          organizationId: person.organizationId,
          nextStep:
            stage?.kind === 'open'
              ? r.pick(['Send proposal', 'Book demo', 'Negotiate terms', 'Security review'])
              : null,
          ownerId: person.ownerId,
        };
      }),
    ),
  );

  const projects = ids(
    await records.bulkCreate(
      actor,
      'projects',
      Array.from({ length: size.projects }, (_, i) => {
        const org = r.pick(orgs);
        const assignees = [...new Set([r.pick(owners), r.pick(owners)])];
        return {
          name: `${org.name} ${PROJECTS[i % PROJECTS.length]}`,
          description: `Delivery project for ${org.name}.`,
          status: r.pick(['planned', 'in_progress', 'in_progress', 'on_hold', 'completed']),
          organizationId: org.id,
          assigneeIds: assignees,
          startDate: isoDate(-r.int(5, 40)),
          dueDate: isoDate(r.int(10, 90)),
          ownerId: assignees[0],
        };
      }),
    ),
  );

  ids(
    await records.bulkCreate(
      actor,
      'tasks',
      projects.flatMap((p) =>
        Array.from({ length: 5 }, (_, i) => {
          const status = r.pick(['todo', 'todo', 'in_progress', 'blocked', 'done']);
          return {
            title: TASKS[(i + r.int(0, 9)) % TASKS.length],
            status,
            priority: r.pick(['low', 'medium', 'medium', 'high', 'urgent']),
            projectId: p.id,
            assigneeId: r.pick(p.assigneeIds as string[]),
            dueAt: new Date(now.getTime() + r.int(-5, 30) * day + 9 * 3_600_000).toISOString(),
            ownerId: p.ownerId,
          };
        }),
      ),
    ),
  );

  const notes = ids(
    await records.bulkCreate(
      actor,
      'notes',
      deals.slice(0, Math.min(deals.length, 40)).map((d) => ({
        entityType: 'deals',
        entityId: d.id,
        kind: r.pick(['note', 'call', 'meeting', 'email']),
        body: r.pick(NOTES),
        occurredAt: new Date(now.getTime() - r.int(1, 30) * day).toISOString(),
        ownerId: d.ownerId,
      })),
    ),
  );

  return {
    organizations: orgs.length,
    contacts: people.length,
    leads: size.leads,
    deals: deals.length,
    projects: projects.length,
    tasks: projects.length * 5,
    notes: notes.length,
  };
}
