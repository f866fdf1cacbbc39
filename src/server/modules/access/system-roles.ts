// The system roles every workspace starts with (SPEC §2): owner, admin, manager, member, viewer,
// management and the sales, marketing, operations and finance managers and reps, with the
// permissions each holds. Seeded at sign-up; visibility of others' records comes from teams,
// shares and `read_all`, not from here.

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
