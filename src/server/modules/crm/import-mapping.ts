// How a spreadsheet's columns become record fields on import: the targets a column may map to,
// the mapping suggested from headers as Google, Outlook, HubSpot and Salesforce export them, and
// each cell read as its field expects (lists merged, address parts, foreign enum values).
import type { FieldDef } from './fields.ts';
import { kindByResource, type RecordKind } from './kinds.ts';

/** Linking by name: a column of organization names finds (or creates) the organization. */
export const ORG_NAME_TARGET = 'organizationName';
export const ORG_LINKED = new Set(['contacts', 'deals', 'projects']);
const NOT_MAPPABLE = new Set(['userRef', 'userRefs', 'polyRef']);

/** The parts of an address a column may hold ("Mailing City"), as targets `address.city` etc. */
const ADDRESS_PARTS = [
  ['street', 'street'],
  ['city', 'city'],
  ['region', 'region / state'],
  ['postalCode', 'postal code'],
  ['country', 'country'],
] as const;

export interface ImportTarget {
  target: string;
  label: string;
  required: boolean;
}

/** Fields a column can be mapped to, with their labels (for the wizard and suggestions). */
export function importTargets(kind: RecordKind): ImportTarget[] {
  const targets: ImportTarget[] = [];
  for (const [target, f] of Object.entries(kind.fields)) {
    if (f.readOnly || NOT_MAPPABLE.has(f.type) || target === 'organizationId') continue;
    if (f.type === 'ref' && !kindByResource(f.ref ?? '')) continue;
    if (f.type === 'address') {
      for (const [part, label] of ADDRESS_PARTS) {
        targets.push({ target: `${target}.${part}`, label: `${f.label}: ${label}`, required: false });
      }
    } else targets.push({ target, label: f.label, required: f.required === true });
  }
  if (ORG_LINKED.has(kind.resource))
    targets.push({ target: ORG_NAME_TARGET, label: 'Organization name', required: false });
  targets.push({ target: 'tags', label: 'Tags', required: false });
  return targets;
}

// Headers as other systems export them. Google Contacts ("E-mail 1 - Value"), Outlook ("Business
// Phone"), HubSpot ("Phone Number", "Mobile Phone Number", "Street Address", "Lead Status") and
// Salesforce ("Account Name", "Mailing City", "Lead Source", "Stage").
const SYNONYMS: Record<string, string[]> = {
  firstName: ['first name', 'given name', 'firstname', 'first'],
  lastName: ['last name', 'family name', 'surname', 'lastname', 'last'],
  email: ['email', 'e-mail', 'email address', 'e-mail address', 'e-mail 1 - value', 'email 1 - value', 'mail'],
  otherEmails: ['other email', 'other emails', 'e-mail 2 - value', 'additional email addresses', 'secondary email'],
  phones: [
    'phone',
    'phones',
    'phone number',
    'mobile',
    'mobile phone',
    'mobile phone number',
    'telephone',
    'phone 1 - value',
    'phone 2 - value',
    'business phone',
    'home phone',
    'primary phone',
    'other phone',
    'work phone',
  ],
  phone: ['phone', 'phone number', 'mobile', 'mobile phone', 'mobile phone number', 'telephone', 'business phone'],
  jobTitle: ['job title', 'title', 'position', 'organization 1 - title', 'role'],
  department: ['department', 'organization 1 - department'],
  organizationName: [
    'company',
    'organization',
    'organisation',
    'account',
    'account name',
    'organization 1 - name',
    'company name',
    'associated company',
  ],
  contactName: ['name', 'contact', 'contact name', 'full name'],
  companyName: ['company', 'company name', 'organization', 'organisation', 'account name'],
  website: ['website', 'web page', 'url', 'web site', 'site', 'website url', 'company domain name'],
  domain: ['domain', 'company domain name'],
  industry: ['industry'],
  name: ['name', 'organization', 'company', 'deal', 'deal name', 'opportunity name', 'project', 'project name'],
  amount: ['amount', 'value', 'deal value'],
  currency: ['currency', 'currency code', 'deal currency code', 'opportunity currency'],
  closeDate: ['close date', 'expected close date', 'closing date'],
  probability: ['probability', 'probability (%)', 'deal probability'],
  lifecycleStage: ['lifecycle stage', 'lifecyclestage'],
  status: ['status', 'lead status', 'hs lead status', 'deal status', 'task status'],
  source: ['source', 'lead source', 'original source', 'original source type', 'hs analytics source'],
  priority: ['priority', 'task priority'],
  tags: ['tags', 'labels', 'groups', 'categories', 'group membership'],
  notes: ['notes', 'note', 'comments', 'description'],
  linkedinUrl: ['linkedin', 'linkedin url', 'linkedin profile', 'linkedin bio'],
  title: ['title', 'task', 'subject', 'task title'],
  dueAt: ['due date', 'due', 'due at', 'activity date'],
  'address.street': [
    'street',
    'address',
    'street address',
    'mailing street',
    'billing street',
    'shipping street',
    'address 1 - street',
    'business street',
    'home street',
  ],
  'address.city': ['city', 'mailing city', 'billing city', 'shipping city', 'address 1 - city', 'business city'],
  'address.region': [
    'state',
    'region',
    'state/region',
    'state/province',
    'province',
    'mailing state',
    'mailing state/province',
    'billing state',
    'billing state/province',
    'address 1 - region',
    'business state',
  ],
  'address.postalCode': [
    'zip',
    'zip code',
    'postal code',
    'postcode',
    'zip/postal code',
    'mailing zip',
    'mailing zip/postal code',
    'mailing postal code',
    'billing zip/postal code',
    'billing postal code',
    'address 1 - postal code',
    'business postal code',
  ],
  'address.country': [
    'country',
    'country/region',
    'mailing country',
    'billing country',
    'address 1 - country',
    'business country/region',
  ],
};

const norm = (s: string) =>
  s
    .toLowerCase()
    .replace(/[_\s-]+/g, ' ')
    .trim();

/** Targets several columns may fill at once: their values are merged (phone and mobile, say). */
const LIST_TYPES = new Set(['emails', 'phones']);

/** Whether several columns may map to `target` (lists: tags, emails, phones). */
export function takesSeveralColumns(kind: RecordKind, target: string): boolean {
  return target === 'tags' || LIST_TYPES.has(kind.fields[target]?.type ?? '');
}

export function suggestMapping(kind: RecordKind, headers: string[]): Record<string, string> {
  const targets = importTargets(kind);
  const mapping: Record<string, string> = {};
  const used = new Set<string>();
  const isList = (target: string) => takesSeveralColumns(kind, target);
  // Exact names first, then synonyms: "Title" is a task's title before it is anyone's job title.
  const passes: Array<(t: ImportTarget, h: string) => boolean> = [
    (t, h) => norm(t.target) === h || norm(t.label) === h || t.target.toLowerCase() === h.replace(/ /g, ''),
    (t, h) => SYNONYMS[t.target]?.some((s) => norm(s) === h) === true,
  ];
  for (const pass of passes) {
    for (const header of headers) {
      if (mapping[header]) continue;
      const h = norm(header);
      const match = targets.find((t) => (!used.has(t.target) || isList(t.target)) && pass(t, h));
      if (match) {
        mapping[header] = match.target;
        used.add(match.target);
      }
    }
  }
  return mapping;
}

// Enum values as other CRMs export them, by our field's values: normalised (lower case, words
// joined by _) foreign value → ours. Values already ours need no entry.
const FOREIGN_VALUES: Record<string, Record<string, string>> = {
  // HubSpot lead status; Salesforce lead status.
  leadStatus: {
    open: 'new',
    open_not_contacted: 'new',
    attempted_to_contact: 'contacted',
    in_progress: 'contacted',
    connected: 'contacted',
    working: 'contacted',
    working_contacted: 'contacted',
    open_deal: 'proposal',
    bad_timing: 'closed_lost',
    unqualified: 'closed_lost',
    closed_converted: 'closed_won',
    closed_not_converted: 'closed_lost',
    converted: 'closed_won',
    won: 'closed_won',
    lost: 'closed_lost',
  },
  // HubSpot lifecycle stages.
  lifecycleStage: {
    marketingqualifiedlead: 'mql',
    marketing_qualified_lead: 'mql',
    salesqualifiedlead: 'sql',
    sales_qualified_lead: 'sql',
    evangelist: 'customer',
  },
  // HubSpot and Salesforce lead sources.
  leadSource: {
    web: 'website',
    organic_search: 'website',
    paid_search: 'website',
    direct_traffic: 'website',
    email_marketing: 'website',
    social_media: 'linkedin',
    paid_social: 'linkedin',
    referrals: 'referral',
    partner_referral: 'referral',
    employee_referral: 'referral',
    external_referral: 'referral',
    trade_show: 'event',
    seminar_internal: 'event',
    seminar_partner: 'event',
    offline: 'manual',
    phone_inquiry: 'manual',
    purchased_list: 'import',
    other: 'manual',
    other_campaigns: 'manual',
  },
  // Salesforce and HubSpot task statuses.
  taskStatus: {
    not_started: 'todo',
    open: 'todo',
    waiting: 'blocked',
    waiting_on_someone_else: 'blocked',
    deferred: 'blocked',
    completed: 'done',
    complete: 'done',
  },
  taskPriority: { normal: 'medium', none: 'low' },
  dealStatus: { closed_won: 'won', closedwon: 'won', closed_lost: 'lost', closedlost: 'lost' },
  projectStatus: { not_started: 'planned', active: 'in_progress', done: 'completed', paused: 'on_hold' },
};

/** Which table of foreign values applies to an enum, told by the values it has. */
function foreignValuesFor(values: readonly string[]): Record<string, string> | undefined {
  if (values.includes('closed_won')) return FOREIGN_VALUES.leadStatus;
  if (values.includes('mql')) return FOREIGN_VALUES.lifecycleStage;
  if (values.includes('linkedin')) return FOREIGN_VALUES.leadSource;
  if (values.includes('todo')) return FOREIGN_VALUES.taskStatus;
  if (values.includes('urgent')) return FOREIGN_VALUES.taskPriority;
  if (values.includes('won')) return FOREIGN_VALUES.dealStatus;
  if (values.includes('on_hold')) return FOREIGN_VALUES.projectStatus;
  return undefined;
}

/** An enum cell as ours: exact, then case and punctuation aside, then a known foreign value. */
function enumValue(field: FieldDef, v: string): string {
  const values = field.values ?? [];
  if (values.includes(v)) return v;
  const key = v
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
  const own = values.find((x) => x === key);
  if (own) return own;
  return foreignValuesFor(values)?.[key] ?? v;
}

/** A cell as the field's type expects it; unreadable values are passed on for validation to name. */
export function cellValue(field: FieldDef, raw: string): unknown {
  const v = raw.trim();
  switch (field.type) {
    case 'int':
    case 'percent': {
      const n = Number(v.replace(/%$/, ''));
      return Number.isFinite(n) ? n : v;
    }
    case 'money':
      return v.replace(/[\s,$€£]/g, '');
    case 'bool':
      return /^(true|yes|y|1)$/i.test(v) ? true : /^(false|no|n|0)$/i.test(v) ? false : v;
    case 'enum':
      return enumValue(field, v);
    case 'emails':
    case 'phones':
      return v
        .split(/\s*[;,|]\s*|\s+:::\s+/)
        .map((x) => x.trim())
        .filter(Boolean);
    case 'date': {
      if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return v;
      const d = new Date(v);
      return Number.isNaN(d.getTime()) ? v : d.toISOString().slice(0, 10);
    }
    case 'datetime': {
      const d = new Date(v);
      return Number.isNaN(d.getTime()) ? v : d.toISOString();
    }
    default:
      return v;
  }
}

/** One row's cells as a record input, by the mapping (column → target). */
export function rowInput(kind: RecordKind, mapping: Record<string, string>, headers: string[], cells: string[]) {
  const input: Record<string, unknown> = {};
  const custom: Record<string, unknown> = {};
  for (const [column, target] of Object.entries(mapping)) {
    const raw = cells[headers.indexOf(column)] ?? '';
    if (raw.trim() === '') continue;
    const [base = '', part] = target.split('.', 2);
    if (target === 'tags') {
      const tags = raw
        .split(/\s*[;,|]\s*|\s+:::\s+/)
        .map((t) => t.trim())
        .filter((t) => t && !/^\* ?mycontacts$/i.test(t));
      input.tags = [...((input.tags as string[] | undefined) ?? []), ...tags];
    } else if (target === ORG_NAME_TARGET) input[target] = raw.trim();
    else if (target.startsWith('custom.')) custom[target.slice(7)] = raw.trim();
    else if (part && kind.fields[base]?.type === 'address') {
      input[base] = { ...((input[base] as Record<string, string> | undefined) ?? {}), [part]: raw.trim() };
    } else {
      const field = kind.fields[target];
      if (!field) continue;
      const value = cellValue(field, raw);
      // Two columns for one list (Phone and Mobile): both kept, each once.
      input[target] =
        LIST_TYPES.has(field.type) && Array.isArray(input[target])
          ? [...new Set([...(input[target] as string[]), ...(value as string[])])]
          : value;
    }
  }
  if (Object.keys(custom).length) input.custom = custom;
  return input;
}
