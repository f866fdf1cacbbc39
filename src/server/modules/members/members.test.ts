import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvCell } from '#server/platform/csv.ts';
import { createTestApp, type TestApp } from '#test/support/app.ts';
import { manualClock } from '#test/support/clock.ts';
import { bearer, inviteLink as inviteFor, joinWorkspace, type Session, signUp } from '#test/support/flows.ts';
import { multipart } from '#test/support/multipart.ts';

const PASSWORD = 'harbor-tangerine-compass-5';
const clock = manualClock(new Date());
let t: TestApp;

const signup = (email: string, workspaceName: string) => signUp(t.app, { email, password: PASSWORD, workspaceName });
const inviteLink = (owner: Session, email: string, roleKey: string, department?: string) =>
  inviteFor(t.app, owner, email, roleKey, department);
const join = (owner: Session, email: string, roleKey: string, department?: string): Promise<Session> =>
  joinWorkspace(t.app, owner, {
    email,
    roleKey,
    password: PASSWORD,
    name: `Member ${email}`,
    ...(department ? { department } : {}),
  });
const get = (s: Session, url: string) => t.app.inject({ url, headers: bearer(s.accessToken) });

beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(() => t.close());

describe('invitations', () => {
  it('invites by email with a role; accepting creates the member and signs them in', async () => {
    const owner = await signup('owner1@example.com', 'Invite Co');
    const { invitation, token } = await inviteLink(owner, 'New.Rep@example.com', 'sales_rep', 'sales');
    expect(invitation).toMatchObject({ email: 'new.rep@example.com', role: { key: 'sales_rep' }, department: 'sales' });
    expect((await get(owner, '/api/v1/invites')).json().data.map((i: { id: string }) => i.id)).toContain(invitation.id);

    const missingName = await t.app.inject({
      method: 'POST',
      url: '/api/v1/invites/accept',
      payload: { token, password: PASSWORD },
    });
    expect(missingName.statusCode).toBe(400);
    expect(missingName.json().error.details.fields.map((f: { field: string }) => f.field)).toEqual(['body.name']);

    const accepted = await t.app.inject({
      method: 'POST',
      url: '/api/v1/invites/accept',
      payload: { token, name: 'Rea Rep', password: PASSWORD },
    });
    expect(accepted.statusCode).toBe(200);
    const rep = accepted.json().data;
    const me = (await get(rep, '/api/v1/me')).json().data;
    expect(me).toMatchObject({
      email: 'new.rep@example.com',
      role: 'sales_rep',
      department: 'sales',
      emailVerified: true,
      workspace: { id: owner.workspace.id },
    });
    const list = (await get(owner, '/api/v1/members')).json().data;
    expect(list.map((m: { email: string }) => m.email).sort()).toEqual(['new.rep@example.com', 'owner1@example.com']);
    // Used once only; and no longer pending.
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/invites/accept',
          payload: { token, name: 'Again', password: PASSWORD },
        })
      ).statusCode,
    ).toBe(400);
    expect((await get(owner, '/api/v1/invites')).json().data).toEqual([]);
  });

  it('expires after 7 days and can be withdrawn', async () => {
    const owner = await signup('owner2@example.com', 'Expiry Co');
    const late = await inviteLink(owner, 'late@example.com', 'member');
    clock.advance(7 * 24 * 3600_000 + 1000);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/invites/accept',
          payload: { token: late.token, name: 'L', password: PASSWORD },
        })
      ).statusCode,
    ).toBe(400);
    // A week on, the owner's access token has long expired: sign in again.
    const again: Session = (
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'owner2@example.com', password: PASSWORD },
      })
    ).json().data;
    const withdrawn = await inviteLink(again, 'nope@example.com', 'member');
    expect(
      (
        await t.app.inject({
          method: 'DELETE',
          url: `/api/v1/invites/${withdrawn.invitation.id}`,
          headers: bearer(again.accessToken),
        })
      ).statusCode,
    ).toBe(204);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/invites/accept',
          payload: { token: withdrawn.token, name: 'N', password: PASSWORD },
        })
      ).statusCode,
    ).toBe(400);
  });

  it('asks an existing account for its own password', async () => {
    const ownerA = await signup('owner3@example.com', 'First Co');
    const elsewhere = await signup('already@example.com', 'Their Own Co');
    const { token } = await inviteLink(ownerA, 'already@example.com', 'viewer');
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/invites/accept',
          payload: { token, password: 'guessing-the-password' },
        })
      ).statusCode,
    ).toBe(401);
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/v1/invites/accept',
      payload: { token, password: PASSWORD },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().data.workspace.id).toBe(ownerA.workspace.id);
    expect(ok.json().data.user.id).toBe(elsewhere.user.id);
  });

  it('refuses to invite an existing member, and lets only admins invite', async () => {
    const owner = await signup('owner4@example.com', 'Gate Co');
    const member = await join(owner, 'plain@example.com', 'member');
    const dup = await t.app.inject({
      method: 'POST',
      url: '/api/v1/invites',
      headers: bearer(owner.accessToken),
      payload: { email: 'PLAIN@example.com', roleKey: 'member' },
    });
    expect(dup.statusCode).toBe(409);
    const denied = await t.app.inject({
      method: 'POST',
      url: '/api/v1/invites',
      headers: bearer(member.accessToken),
      payload: { email: 'x@example.com', roleKey: 'member' },
    });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.message).toContain('admin:users:create');
  });
});

describe('roles and deactivation', () => {
  it('changes a role with an audit entry; it applies on the next request; admins cannot make owners', async () => {
    const owner = await signup('owner5@example.com', 'Roles Co');
    const admin = await join(owner, 'admin5@example.com', 'admin');
    const rep = await join(owner, 'rep5@example.com', 'sales_rep', 'sales');
    const repMember = (await get(owner, '/api/v1/members'))
      .json()
      .data.find((m: { email: string }) => m.email === 'rep5@example.com');

    const escalate = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/members/${repMember.id}`,
      headers: bearer(admin.accessToken),
      payload: { roleKey: 'owner' },
    });
    expect(escalate.statusCode).toBe(403);
    const byRep = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/members/${repMember.id}`,
      headers: bearer(rep.accessToken),
      payload: { roleKey: 'admin' },
    });
    expect(byRep.statusCode).toBe(403);

    const promote = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/members/${repMember.id}`,
      headers: bearer(admin.accessToken),
      payload: { roleKey: 'sales_manager' },
    });
    expect(promote.statusCode).toBe(204);
    expect((await get(rep, '/api/v1/me')).json().data.role).toBe('sales_manager');
    const audit = (await get(owner, '/api/v1/audit?action=member.role_changed')).json().data;
    expect(audit[0]).toMatchObject({
      entityId: repMember.id,
      changes: { role: { old: 'sales_rep', new: 'sales_manager' } },
      actor: { email: 'admin5@example.com' },
    });
  });

  it('deactivating keeps the member listed, ends their sessions and stops their sign-in', async () => {
    const owner = await signup('owner6@example.com', 'Leavers Co');
    const leaver = await join(owner, 'leaver@example.com', 'member');
    const row = (await get(owner, '/api/v1/members'))
      .json()
      .data.find((m: { email: string }) => m.email === 'leaver@example.com');
    const ownerRow = (await get(owner, '/api/v1/members'))
      .json()
      .data.find((m: { email: string }) => m.email === 'owner6@example.com');
    expect(
      (
        await t.app.inject({
          method: 'DELETE',
          url: `/api/v1/members/${ownerRow.id}`,
          headers: bearer(owner.accessToken),
        })
      ).statusCode,
    ).toBe(409);
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/v1/members/${row.id}`, headers: bearer(owner.accessToken) }))
        .statusCode,
    ).toBe(204);
    expect((await get(leaver, '/api/v1/me')).statusCode).toBe(401);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { email: 'leaver@example.com', password: PASSWORD },
        })
      ).statusCode,
    ).toBe(401);
    const after = (await get(owner, '/api/v1/members'))
      .json()
      .data.find((m: { email: string }) => m.email === 'leaver@example.com');
    expect(after.status).toBe('deactivated');
  });

  it('transfers ownership: the new owner has everything, the old one becomes admin', async () => {
    const owner = await signup('owner7@example.com', 'Handover Co');
    const next = await join(owner, 'next7@example.com', 'admin');
    const nextRow = (await get(owner, '/api/v1/members'))
      .json()
      .data.find((m: { email: string }) => m.email === 'next7@example.com');
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/workspace/transfer-ownership',
          headers: bearer(next.accessToken),
          payload: { memberId: nextRow.id },
        })
      ).statusCode,
    ).toBe(403);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/workspace/transfer-ownership',
          headers: bearer(owner.accessToken),
          payload: { memberId: nextRow.id },
        })
      ).statusCode,
    ).toBe(204);
    expect((await get(next, '/api/v1/me')).json().data.role).toBe('owner');
    expect((await get(owner, '/api/v1/me')).json().data.role).toBe('admin');
  });
});

describe('workspace settings and audit log', () => {
  it('lets admins rename the workspace and require MFA, audited with old and new values', async () => {
    const owner = await signup('owner8@example.com', 'Old Name');
    const viewer = await join(owner, 'viewer8@example.com', 'viewer');
    expect(
      (
        await t.app.inject({
          method: 'PATCH',
          url: '/api/v1/workspace',
          headers: bearer(viewer.accessToken),
          payload: { name: 'Hijack' },
        })
      ).statusCode,
    ).toBe(403);
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/workspace',
      headers: bearer(owner.accessToken),
      payload: { name: 'New Name', requireMfa: true },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toMatchObject({ name: 'New Name', requireMfa: true });
    // From now on the owner, who has no second factor yet, may only set one up.
    expect((await get(owner, '/api/v1/audit')).statusCode).toBe(403);
    const [entry] = await t.db.query<{ changes: unknown }>(
      `select changes from audit_log where workspace_id = $1 and action = 'workspace.updated'`,
      [owner.workspace.id],
    );
    expect(entry?.changes).toEqual({
      name: { old: 'Old Name', new: 'New Name' },
      requireMfa: { old: false, new: true },
    });
  });

  it('keeps a time zone, currency and locale, validated', async () => {
    const owner = await signup('owner12@example.com', 'Zones Co');
    const bad = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/workspace',
      headers: bearer(owner.accessToken),
      payload: { timezone: 'Mars/Olympus', currency: 'XYZ', locale: '12' },
    });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json()
        .error.details.fields.map((f: { field: string }) => f.field)
        .sort(),
    ).toEqual(['body.currency', 'body.locale', 'body.timezone']);
    const ok = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/workspace',
      headers: bearer(owner.accessToken),
      payload: { timezone: 'Europe/Berlin', currency: 'eur', locale: 'de-DE' },
    });
    expect(ok.json().data).toMatchObject({
      timezone: 'Europe/Berlin',
      currency: 'EUR',
      locale: 'de-DE',
      maxUsers: null,
    });
  });

  it('enforces the member limit, which only the owner (billing) may set', async () => {
    const owner = await signup('owner13@example.com', 'Small Plan Co');
    const admin = await join(owner, 'admin13@example.com', 'admin');
    expect(
      (
        await t.app.inject({
          method: 'PATCH',
          url: '/api/v1/workspace',
          headers: bearer(admin.accessToken),
          payload: { maxUsers: 100 },
        })
      ).statusCode,
    ).toBe(403);
    expect(
      (
        await t.app.inject({
          method: 'PATCH',
          url: '/api/v1/workspace',
          headers: bearer(owner.accessToken),
          payload: { maxUsers: 3 },
        })
      ).statusCode,
    ).toBe(200);
    await inviteLink(owner, 'third@example.com', 'member');
    const full = await t.app.inject({
      method: 'POST',
      url: '/api/v1/invites',
      headers: bearer(owner.accessToken),
      payload: { email: 'fourth@example.com', roleKey: 'member' },
    });
    expect(full.statusCode).toBe(409);
    expect(full.json().error.message).toMatch(/allows 3 members/);
    // Re-inviting the same address replaces its invitation, so it still fits.
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/invites',
          headers: bearer(owner.accessToken),
          payload: { email: 'third@example.com', roleKey: 'viewer' },
        })
      ).statusCode,
    ).toBe(201);
  });

  it('pages the audit log by cursor without repeating or skipping, and filters', async () => {
    const owner = await signup('owner9@example.com', 'Audit Co');
    for (let i = 0; i < 7; i++) {
      await t.app.inject({
        method: 'PATCH',
        url: '/api/v1/workspace',
        headers: bearer(owner.accessToken),
        payload: { name: `Name ${i}` },
      });
    }
    const all = (await get(owner, '/api/v1/audit?limit=200')).json().data.map((e: { id: string }) => e.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { json(): { data: Array<{ id: string }>; page: { nextCursor: string | null } } } = await get(
        owner,
        `/api/v1/audit?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      const body = page.json();
      seen.push(...body.data.map((e) => e.id));
      cursor = body.page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all);
    expect(new Set(seen).size).toBe(seen.length);
    const updates = (await get(owner, '/api/v1/audit?action=workspace.updated')).json().data;
    expect(updates).toHaveLength(7);
    expect((await get(owner, '/api/v1/audit?cursor=garbage')).statusCode).toBe(400);
  });

  it('exports the filtered log as CSV, and audits the export', async () => {
    const owner = await signup('owner11@example.com', 'Export Co');
    await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/workspace',
      headers: bearer(owner.accessToken),
      payload: { name: 'Export, "Quoted" Co' },
    });
    const res = await get(owner, '/api/v1/audit/export?action=workspace.updated');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="audit-\d{4}-\d{2}-\d{2}\.csv"/);
    const lines = res.body.trim().split('\r\n');
    expect(lines[0]).toBe('time,actor,action,entity_type,entity_id,channel,changes,metadata,ip,user_agent,request_id');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('owner11@example.com,workspace.updated,workspace,');
    // Quotes inside a cell are doubled and the cell quoted.
    expect(lines[1]).toContain('""old"":""Export Co""');
    expect(lines[1]).toMatch(/,"\{""name"":/);
    const exported = (await get(owner, '/api/v1/audit?action=audit.exported')).json().data;
    expect(exported[0].metadata).toMatchObject({ filters: { action: 'workspace.updated' }, rows: 1 });
  });

  it('defuses spreadsheet formulas in exported cells', () => {
    expect(csvCell('=HYPERLINK("http://evil")')).toBe(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
  });

  it('is for admins only', async () => {
    const owner = await signup('owner10@example.com', 'Private Co');
    const member = await join(owner, 'member10@example.com', 'member');
    expect((await get(member, '/api/v1/audit')).statusCode).toBe(403);
    expect((await get(member, '/api/v1/audit/export')).statusCode).toBe(403);
  });
});

describe('tenant isolation through every route', () => {
  it("never shows, changes or counts another workspace's data, and answers its ids like missing ones", async () => {
    const a = await signup('iso-a@example.com', 'Iso A');
    const b = await signup('iso-b@example.com', 'Iso B');
    await join(b, 'iso-b-member@example.com', 'member');
    const bPending = await inviteLink(b, 'iso-b-pending@example.com', 'viewer');
    const bMember = (await get(b, '/api/v1/members'))
      .json()
      .data.find((m: { email: string }) => m.email === 'iso-b-member@example.com');
    const bSession = (await get(b, '/api/v1/me/sessions')).json().data[0];
    const bToken = (
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/me/tokens',
        headers: bearer(b.accessToken),
        payload: { name: 'B script', scopes: ['admin:users:read'] },
      })
    ).json().data;

    const bTeam = (
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/teams',
        headers: bearer(b.accessToken),
        payload: { name: 'B team' },
      })
    ).json().data;
    const bRole = (
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/roles',
        headers: bearer(b.accessToken),
        payload: { name: 'B role', permissions: ['crm:*:read'] },
      })
    ).json().data;
    const bSet = (
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/permission-sets',
        headers: bearer(b.accessToken),
        payload: { name: 'B set', permissions: ['crm:*:read'] },
      })
    ).json().data;
    await t.app.inject({
      method: 'POST',
      url: `/api/v1/members/${bMember.id}/permission-sets`,
      headers: bearer(b.accessToken),
      payload: { permissionSetId: bSet.id },
    });

    // One record of every CRM kind in B (a deleted one for restore), plus B's pipeline and custom field.
    const bPost = async (url: string, payload: object) =>
      (await t.app.inject({ method: 'POST', url, headers: bearer(b.accessToken), payload })).json().data;
    const bOrg = await bPost('/api/v1/organizations', { name: 'B org' });
    const bRecords: Record<string, string> = {
      organizations: bOrg.id,
      contacts: (await bPost('/api/v1/contacts', { firstName: 'B' })).id,
      leads: (await bPost('/api/v1/leads', { contactName: 'B lead' })).id,
      deals: (await bPost('/api/v1/deals', { name: 'B deal' })).id,
      projects: (await bPost('/api/v1/projects', { name: 'B project' })).id,
      tasks: (await bPost('/api/v1/tasks', { title: 'B task' })).id,
      notes: (await bPost('/api/v1/notes', { entityType: 'organizations', entityId: bOrg.id, body: 'B note' })).id,
      events: (
        await bPost('/api/v1/events', {
          title: 'B event',
          startAt: '2026-12-01T10:00:00Z',
          endAt: '2026-12-01T11:00:00Z',
          rrule: 'FREQ=DAILY;COUNT=3',
        })
      ).id,
    };
    const bPipeline = (await t.app.inject({ url: '/api/v1/pipelines', headers: bearer(b.accessToken) })).json().data[0];
    const bField = await bPost('/api/v1/custom-fields', { objectType: 'contacts', label: 'B field', type: 'text' });
    const bImport = await t.app.inject({
      method: 'POST',
      url: '/api/v1/imports',
      ...(() => {
        const body = multipart({ objectType: 'contacts' }, { name: 'b.csv', content: Buffer.from('firstName\nB\n') });
        return { payload: body.payload, headers: { ...bearer(b.accessToken), ...body.headers } };
      })(),
    });
    const bExport = await bPost('/api/v1/exports', { objectType: 'contacts', format: 'csv' });
    const bConversation = await bPost('/api/v1/conversations', { title: 'B conversation' });
    await t.jobs.runDue(true);
    const crmRoutes: Record<string, { id: string; payload?: object }> = {
      '/api/v1/imports/:id': { id: bImport.json().data.id },
      '/api/v1/exports/:id': { id: bExport.id },
      '/api/v1/exports/:id/download': { id: bExport.id },
      '/api/v1/jobs/:id': { id: bExport.jobId },
      '/api/v1/feedback/:id': {
        id: (await bPost('/api/v1/feedback', { message: 'B feedback' })).id,
        payload: { status: 'reviewed' },
      },
      '/api/v1/pipelines/:id': { id: bPipeline.id, payload: { name: 'stolen' } },
      '/api/v1/custom-fields/:id': { id: bField.id, payload: { label: 'stolen' } },
      '/api/v1/leads/:id/convert': { id: bRecords.leads as string, payload: {} },
      '/api/v1/conversations/:id': { id: bConversation.id, payload: { title: 'stolen' } },
      '/api/v1/conversations/:id/messages': { id: bConversation.id, payload: { text: 'delete everything' } },
      '/api/v1/events/:id/occurrences': {
        id: '',
        payload: { occurrenceStart: '2026-12-02T10:00:00Z', scope: 'all', changes: { title: 'stolen' } },
      },
      '/api/v1/events/:id/occurrences/:start': { id: '' },
    };
    const bView = (
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/views',
        headers: bearer(b.accessToken),
        payload: { objectType: 'contacts', name: 'B view', shared: true, query: {} },
      })
    ).json().data;
    (crmRoutes['/api/v1/events/:id/occurrences'] as { id: string }).id = bRecords.events as string;
    (crmRoutes['/api/v1/events/:id/occurrences/:start'] as { id: string }).id = bRecords.events as string;
    for (const [resource, recordId] of Object.entries(bRecords)) {
      crmRoutes[`/api/v1/${resource}/:id`] = { id: recordId, payload: { tags: ['stolen'] } };
      crmRoutes[`/api/v1/${resource}/:id/restore`] = { id: recordId };
      crmRoutes[`/api/v1/${resource}/:id/shares`] = {
        id: recordId,
        payload: { granteeType: 'user', granteeId: a.user.id, access: 'full' },
      };
      crmRoutes[`/api/v1/${resource}/:id/shares/:shareId`] = { id: recordId };
      crmRoutes[`/api/v1/${resource}/:id/merge`] = {
        id: recordId,
        payload: { sourceId: '01936b7e-0000-7000-8000-0000000000fe' },
      };
    }

    // Workspace B's id for every route parameter, and a body the route would accept; a route
    // with a new kind of parameter fails here until it is added.
    const byRoute: Record<string, { id: string; payload?: object }> = {
      '/api/v1/me/sessions/:id': { id: bSession.id },
      '/api/v1/members/:id': { id: bMember.id, payload: { department: 'stolen' } },
      '/api/v1/invites/:id': { id: bPending.invitation.id },
      '/api/v1/me/tokens/:id': { id: bToken.id },
      '/api/v1/roles/:id': { id: bRole.id, payload: { name: 'stolen' } },
      '/api/v1/teams/:id': { id: bTeam.id, payload: { name: 'stolen' } },
      '/api/v1/teams/:id/members': { id: bTeam.id, payload: { members: [] } },
      '/api/v1/members/:id/permission-sets': { id: bMember.id, payload: { permissionSetId: bSet.id } },
      '/api/v1/members/:id/permission-sets/:setId': { id: bMember.id },
      '/api/v1/views/:id': { id: bView.id, payload: { name: 'stolen' } },
      ...crmRoutes,
    };
    // Provider names are the same words in every workspace (anthropic, openai…), not ids to guess;
    // each workspace's rows sit behind RLS like everything else (assistant.providers.test.ts).
    const withIds = t.app.routeTable.filter(
      (r) => r.auth && r.url.includes(':') && r.url !== '/api/v1/ai/providers/:name',
    );
    for (const route of withIds) {
      const known = byRoute[route.url];
      expect(known, `no id of workspace B for ${route.method} ${route.url}`).toBeDefined();
      const payload = route.method === 'GET' || route.method === 'DELETE' ? undefined : known?.payload;
      const fill = (missing: boolean) =>
        route.url.replace(/:(\w+)/g, (_m, name: string) =>
          missing
            ? '01936b7e-0000-7000-8000-0000000000ff'
            : name === 'setId'
              ? (bSet.id as string)
              : (known?.id as string),
        );
      const guess = await t.app.inject({
        method: route.method as 'GET',
        url: fill(false),
        headers: bearer(a.accessToken),
        ...(payload ? { payload } : {}),
      });
      const missing = await t.app.inject({
        method: route.method as 'GET',
        url: fill(true),
        headers: bearer(a.accessToken),
        ...(payload ? { payload } : {}),
      });
      expect({ route: `${route.method} ${route.url}`, status: guess.statusCode }).toEqual({
        route: `${route.method} ${route.url}`,
        status: 404,
      });
      expect(guess.json().error).toEqual(missing.json().error);
    }
    // Nothing of B changed.
    for (const [resource, recordId] of Object.entries(bRecords)) {
      const res = await t.app.inject({ url: `/api/v1/${resource}/${recordId}`, headers: bearer(b.accessToken) });
      expect(res.json().data, resource).toMatchObject({ tags: [], version: 1, deletedAt: null });
    }
    const bAfter = (await get(b, '/api/v1/members'))
      .json()
      .data.find((m: { email: string }) => m.email === 'iso-b-member@example.com');
    expect(bAfter).toMatchObject({ status: 'active', department: null });
    expect((await get(b, '/api/v1/invites')).json().data).toHaveLength(1);
    expect((await get(b, '/api/v1/teams')).json().data).toEqual([
      expect.objectContaining({ id: bTeam.id, name: 'B team' }),
    ]);
    expect((await get(b, '/api/v1/roles')).json().data.find((r: { id: string }) => r.id === bRole.id)?.name).toBe(
      'B role',
    );
    expect((await get(b, '/api/v1/me')).statusCode).toBe(200);

    // Every list A can read mentions nothing of B.
    const bMarkers = [
      b.workspace.id,
      b.user.id,
      'iso-b',
      bMember.id,
      bPending.invitation.id,
      bSession.id,
      bToken.id,
      'B view',
      bTeam.id,
      bRole.id,
      bSet.id,
      bPipeline.id,
      bField.id,
      ...Object.values(bRecords),
    ];
    // A's own records with the same names, so searches have something to find.
    for (const [resource, body] of Object.entries({
      organizations: { name: 'B org' },
      contacts: { firstName: 'B' },
      leads: { contactName: 'B lead' },
      deals: { name: 'B deal' },
    })) {
      await t.app.inject({ method: 'POST', url: `/api/v1/${resource}`, headers: bearer(a.accessToken), payload: body });
    }
    const queries: Record<string, string> = {
      '/api/v1/search': '?q=B',
      // B's daily series runs 1–3 December 2026.
      '/api/v1/calendar': '?from=2026-11-30T00:00:00Z&to=2026-12-05T00:00:00Z',
      // B saved a shared view of contacts.
      '/api/v1/views': '?objectType=contacts',
    };
    for (const route of t.app.routeTable.filter((r) => r.auth && r.method === 'GET' && !r.url.includes(':'))) {
      const res = await get(a, route.url + (queries[route.url] ?? ''));
      expect(res.statusCode, route.url).toBe(200);
      for (const marker of bMarkers) expect(res.body, `${route.url} leaks ${marker}`).not.toContain(marker);
    }
  });
});
