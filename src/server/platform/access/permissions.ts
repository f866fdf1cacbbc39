// Permissions are `module:resource:action` strings; `*` matches anything in its part. This file
// answers "does this set of permissions allow X"; which roles hold which is the access module's
// (modules/access/system-roles.ts).
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
