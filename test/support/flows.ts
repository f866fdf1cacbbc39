// Journeys many API tests share, through the real HTTP routes: sign up, and join a workspace by
// accepting an invitation read from the mail outbox (as a person would from their inbox).
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export interface Session {
  accessToken: string;
  refreshToken: string;
  user: { id: string; email: string; name: string };
  workspace: { id: string; name: string };
}

export async function signUp(
  app: FastifyInstance,
  input: { email: string; password: string; name?: string; workspaceName?: string },
): Promise<Session> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/signup',
    payload: {
      email: input.email,
      password: input.password,
      name: input.name ?? input.email.split('@')[0],
      workspaceName: input.workspaceName ?? `WS ${input.email}`,
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().data;
}

/** Invites `email` with a role; returns the invitation and the token from the mailed link. */
export async function inviteLink(
  app: FastifyInstance,
  owner: Session,
  email: string,
  roleKey: string,
  department?: string,
) {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/invites',
    headers: bearer(owner.accessToken),
    payload: { email, roleKey, ...(department ? { department } : {}) },
  });
  expect(res.statusCode, res.body).toBe(201);
  const mail = (await app.inject({ url: '/api/v1/admin/outbox', headers: bearer(owner.accessToken) }))
    .json()
    .data.find((m: { to: string; template: string }) => m.to === email.toLowerCase() && m.template === 'invitation');
  const token = decodeURIComponent(/accept-invite\?token=(\S+)/.exec(mail.text)?.[1] as string);
  return { invitation: res.json().data, token };
}

/** Invites and accepts: a new member signed in to the owner's workspace, with their member id. */
export async function joinWorkspace(
  app: FastifyInstance,
  owner: Session,
  input: { email: string; roleKey: string; password: string; name?: string; department?: string },
): Promise<Session & { memberId: string }> {
  const { token } = await inviteLink(app, owner, input.email, input.roleKey, input.department);
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/invites/accept',
    payload: { token, name: input.name ?? input.email.split('@')[0], password: input.password },
  });
  expect(res.statusCode, res.body).toBe(200);
  const member = (await app.inject({ url: '/api/v1/members', headers: bearer(owner.accessToken) }))
    .json()
    .data.find((m: { email: string }) => m.email === input.email.toLowerCase());
  return { ...res.json().data, memberId: member.id };
}
