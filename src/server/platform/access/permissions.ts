// Permissions are `module:resource:action` strings; `*` matches anything in its part. This file
// answers "does this set of permissions allow X" and defines the system roles every workspace has.
import { Forbidden } from '#server/platform/errors.ts';

export type Permission = `${string}:${string}:${string}`;

const PART = /^[a-z_*]+$/;

export function isPermission(value: string): value is Permission {
  const parts = value.split(':');
  return parts.length === 3 && parts.every((p) => PART.test(p) && (p === '*' || !p.includes('*')));
}

/** `granted` (which may hold wildcards) covers `required` (which names one concrete action). */
export function permissionCovers(granted: string, required: string): boolean {
  const g = granted.split(':');
  const r = required.split(':');
  if (g.length !== 3 || r.length !== 3) return false;
  return g.every((part, i) => part === '*' || part === r[i]);
}

/**
 * Answers by permission list: an actor's list is the same array from one request to the next
 * (remembered with the session), and a request asks about the same few permissions several times,
 * so each answer is worked out once (splitting every granted string each time was 2–3 % of a
 * record read's CPU).
 */
const answers = new WeakMap<readonly string[], Map<string, boolean>>();

export function hasPermission(granted: readonly string[], required: string): boolean {
  let known = answers.get(granted);
  if (!known) {
    known = new Map();
    answers.set(granted, known);
  }
  let answer = known.get(required);
  if (answer === undefined) {
    answer = granted.some((g) => permissionCovers(g, required));
    // Bounded: the permissions code asks about are a fixed set, but `required` is a parameter.
    if (known.size < 1000) known.set(required, answer);
  }
  return answer;
}

const CRM_WORK = ['read', 'create', 'update', 'delete', 'export', 'import'].map((a) => `crm:*:${a}`);
/** Working with the calendar without seeing everyone's events (that is `calendar:events:read_all`). */
const CALENDAR_WORK = ['read', 'create', 'update', 'delete'].map((a) => `calendar:events:${a}`);
const DEPARTMENT_OBJECTS: Record<string, string[]> = {
  sales: ['contacts', 'organizations', 'leads', 'deals', 'tasks', 'notes', 'projects'],
  marketing: ['contacts', 'organizations', 'leads', 'tasks', 'notes', 'projects'],
  operations: ['projects', 'tasks', 'notes', 'contacts', 'organizations'],
  finance: ['deals', 'organizations', 'contacts', 'tasks', 'notes', 'projects'],
};

function departmentRole(dept: string, manager: boolean): string[] {
  const objects = DEPARTMENT_OBJECTS[dept] ?? [];
  const actions = manager
    ? ['read', 'create', 'update', 'delete', 'export', 'import']
    : ['read', 'create', 'update', 'delete'];
  return [
    'crm:*:read',
    ...objects.flatMap((o) => actions.map((a) => `crm:${o}:${a}`)),
    ...CALENDAR_WORK,
    'ai:chat:use',
    'admin:users:read',
    'admin:teams:read',
    ...(manager ? ['ai:usage:read'] : []),
  ];
}

export interface SystemRole {
  key: string;
  name: string;
  description: string;
  permissions: string[];
}

/** Seeded into every workspace. Visibility of other people's records comes from teams, shares and `read_all`. */
export const SYSTEM_ROLES: SystemRole[] = [
  { key: 'owner', name: 'Owner', description: 'Everything, including billing and ownership', permissions: ['*:*:*'] },
  {
    key: 'admin',
    name: 'Admin',
    description: 'Everything except billing and ownership transfer',
    permissions: ['crm:*:*', 'admin:*:*', 'ai:*:*', 'calendar:*:*', 'files:*:*', 'automation:*:*', 'insights:*:*'],
  },
  {
    key: 'manager',
    name: 'Manager',
    description: "Works on records and sees their teams' records",
    permissions: [
      ...CRM_WORK,
      ...CALENDAR_WORK,
      'ai:chat:use',
      'ai:usage:read',
      'admin:users:read',
      'admin:teams:read',
      'insights:*:read',
    ],
  },
  {
    key: 'member',
    name: 'Member',
    description: 'Works on their own records and those shared with them',
    permissions: [
      'crm:*:read',
      'crm:*:create',
      'crm:*:update',
      'crm:*:delete',
      ...CALENDAR_WORK,
      'ai:chat:use',
      'admin:users:read',
      'admin:teams:read',
    ],
  },
  {
    key: 'viewer',
    name: 'Viewer',
    description: 'Reads what is visible to them; changes nothing',
    permissions: ['crm:*:read', 'calendar:events:read', 'ai:chat:use', 'admin:users:read', 'admin:teams:read'],
  },
  {
    key: 'management',
    name: 'Management',
    description: 'Reads everything across departments, with KPIs',
    permissions: [
      'crm:*:read',
      'crm:*:read_all',
      'crm:*:export',
      'calendar:*:*',
      'ai:chat:use',
      'ai:usage:read',
      'insights:*:*',
      'admin:users:read',
      'admin:teams:read',
      'admin:audit:read',
    ],
  },
  ...(['sales', 'marketing', 'operations', 'finance'] as const).flatMap((dept) => [
    {
      key: `${dept}_manager`,
      name: `${dept[0]?.toUpperCase()}${dept.slice(1)} manager`,
      description: `Leads the ${dept} team: works on ${dept} records and sees the team's`,
      permissions: departmentRole(dept, true),
    },
    {
      key: `${dept}_rep`,
      name: `${dept[0]?.toUpperCase()}${dept.slice(1)} rep`,
      description: `Works on their own ${dept} records`,
      permissions: departmentRole(dept, false),
    },
  ]),
];

/** Throws Forbidden unless the actor holds `permission` (directly or through a wildcard). */
export function assertPermission(
  actor: { permissions: readonly string[]; scopes?: readonly string[] },
  permission: string,
): void {
  if (actor.scopes && !hasPermission(actor.scopes, permission)) {
    throw new Forbidden(`This access token is not scoped for "${permission}".`);
  }
  if (!hasPermission(actor.permissions, permission)) {
    throw new Forbidden(`You need the "${permission}" permission to do this. Ask a workspace admin.`);
  }
}
