// Mail templates: every mail has a plain-text and an HTML part. Values are escaped for HTML.

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

function layout(title: string, paragraphs: string[], action?: { label: string; url: string }): string {
  const body = paragraphs.map((p) => `<p style="margin:0 0 16px">${escapeHtml(p)}</p>`).join('');
  const button = action
    ? `<p style="margin:24px 0"><a href="${escapeHtml(action.url)}" style="background:#1c7ed6;color:#fff;padding:10px 18px;border-radius:6px;text-decoration:none">${escapeHtml(action.label)}</a></p><p style="font-size:13px;color:#666">Or paste this address into your browser: ${escapeHtml(action.url)}</p>`
    : '';
  return `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#222;max-width:560px;margin:auto;padding:24px"><h1 style="font-size:20px">${escapeHtml(title)}</h1>${body}${button}<p style="font-size:12px;color:#888;margin-top:32px">Albedo</p></body></html>`;
}

function mail(subject: string, paragraphs: string[], action?: { label: string; url: string }): RenderedMail {
  const text = [...paragraphs, ...(action ? [`${action.label}: ${action.url}`] : []), '— Albedo'].join('\n\n');
  return { subject, text, html: layout(subject, paragraphs, action) };
}

export const templates = {
  'event-invitation': (v: {
    organizer: string;
    title: string;
    when: string;
    location: string | null;
    cancelled: boolean;
    updated: boolean;
  }) =>
    mail(
      v.cancelled ? `Cancelled: ${v.title}` : v.updated ? `Updated invitation: ${v.title}` : `Invitation: ${v.title}`,
      [
        v.cancelled
          ? `${v.organizer} cancelled ${v.title} (${v.when}).`
          : `${v.organizer} invites you to ${v.title} — ${v.when}${v.location ? `, ${v.location}` : ''}.`,
        v.cancelled
          ? 'Your calendar app removes it with the attached update.'
          : 'Your calendar app can add it and answer from the attached invitation.',
      ],
    ),
  reminder: (v: { name: string; title: string; when: string; url: string; late: boolean }) =>
    mail(
      `Reminder: ${v.title}`,
      [
        `Hello ${v.name},`,
        `${v.title} — ${v.when}.`,
        ...(v.late ? ['This reminder is late: Albedo was not running when it was due.'] : []),
      ],
      { label: 'Open in Albedo', url: v.url },
    ),
  'verify-email': (v: { name: string; url: string }) =>
    mail(
      'Confirm your email address',
      [
        `Hello ${v.name},`,
        'Confirm that this is your email address to finish setting up your Albedo account. The link works for 24 hours.',
      ],
      { label: 'Confirm email address', url: v.url },
    ),
  'password-reset': (v: { name: string; url: string }) =>
    mail(
      'Reset your Albedo password',
      [
        `Hello ${v.name},`,
        'Someone asked to reset the password of your Albedo account. If it was you, choose a new password within an hour. If not, ignore this mail: your password stays as it is.',
      ],
      { label: 'Choose a new password', url: v.url },
    ),
  'password-changed': (v: { name: string }) =>
    mail('Your Albedo password was changed', [
      `Hello ${v.name},`,
      'The password of your Albedo account was just changed, and every other session was signed out. If this was not you, reset your password now and tell your workspace admin.',
    ]),
  invitation: (v: { inviter: string; workspace: string; role: string; url: string }) =>
    mail(
      `${v.inviter} invited you to ${v.workspace} on Albedo`,
      [`${v.inviter} invited you to join ${v.workspace} on Albedo as ${v.role}.`, 'The invitation works for 7 days.'],
      { label: 'Accept the invitation', url: v.url },
    ),
} as const;

export type TemplateName = keyof typeof templates;
export type TemplateValues<T extends TemplateName> = Parameters<(typeof templates)[T]>[0];
