// Feedback: members send it, admins read and review it; members cannot read others' feedback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '#test/support/app.ts';
import { bearer, joinWorkspace, signUp } from '#test/support/flows.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  await t.app.ready();
});
afterAll(() => t.close());

describe('feedback', () => {
  it('is sent by members and reviewed by admins', async () => {
    const owner = await signUp(t.app, { email: 'fb-owner@example.com', password: 'cedar-lantern-harbour-12' });
    const member = await joinWorkspace(t.app, owner, {
      email: 'fb-member@example.com',
      roleKey: 'member',
      password: 'cedar-lantern-harbour-12',
    });
    const call = (token: string, method: string, url: string, payload?: object) =>
      t.app.inject({ method: method as 'GET', url, headers: bearer(token), ...(payload ? { payload } : {}) });
    const sent = await call(member.accessToken, 'POST', '/api/v1/feedback', {
      message: 'Dark mode please',
      category: 'idea',
      page: '/contacts',
    });
    expect(sent.statusCode).toBe(201);
    expect((await call(member.accessToken, 'POST', '/api/v1/feedback', { message: '  ' })).statusCode).toBe(400);
    expect((await call(member.accessToken, 'GET', '/api/v1/feedback')).statusCode).toBe(403);
    const list = (await call(owner.accessToken, 'GET', '/api/v1/feedback')).json().data;
    expect(list).toEqual([
      expect.objectContaining({ message: 'Dark mode please', status: 'new', userName: 'fb-member' }),
    ]);
    const reviewed = await call(owner.accessToken, 'PATCH', `/api/v1/feedback/${list[0].id}`, { status: 'reviewed' });
    expect(reviewed.json().data.status).toBe('reviewed');
    expect((await call(owner.accessToken, 'GET', '/api/v1/feedback?status=new')).json().data).toEqual([]);
  });
});
