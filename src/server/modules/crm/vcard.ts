// vCard (.vcf) reading and writing for contacts: versions 2.1 (Outlook's export, with
// QUOTED-PRINTABLE and CHARSET), 3.0 (Google Contacts' export, with item groups) and 4.0
// (RFC 6350). Reading yields plain contact fields; writing produces vCard 3.0 or 4.0.

export interface VCardContact {
  firstName: string;
  lastName?: string;
  email?: string;
  otherEmails: string[];
  phones: string[];
  jobTitle?: string;
  organizationName?: string;
  department?: string;
  address?: { street?: string; city?: string; region?: string; postalCode?: string; country?: string };
  linkedinUrl?: string;
  website?: string;
  notes?: string;
  /** An image address or a data: URI, from PHOTO. */
  photo?: string;
  tags: string[];
}

interface Property {
  name: string;
  params: Record<string, string[]>;
  value: string;
}

/** Lines joined back where a line break was followed by a space or tab (folding), or inside QP soft breaks. */
function unfold(text: string): string[] {
  const raw = text.replace(/\r\n?/g, '\n').split('\n');
  const lines: string[] = [];
  for (const line of raw) {
    const prev = lines[lines.length - 1];
    if (prev !== undefined && /ENCODING=QUOTED-PRINTABLE/i.test(prev.split(':')[0] ?? '') && prev.endsWith('=')) {
      // A quoted-printable soft line break (vCard 2.1): the value continues on the next line.
      lines[lines.length - 1] = prev.slice(0, -1) + line.replace(/^[ \t]/, '');
    } else if ((line.startsWith(' ') || line.startsWith('\t')) && prev !== undefined) {
      lines[lines.length - 1] = prev + line.slice(1);
    } else {
      lines.push(line);
    }
  }
  return lines.filter((l) => l.trim() !== '');
}

function decodeQuotedPrintable(value: string, charset: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  const enc = /^(utf-?8)$/i.test(charset) ? 'utf8' : /8859-1|latin1|windows-1252/i.test(charset) ? 'latin1' : 'utf8';
  return Buffer.from(bytes).toString(enc);
}

function parseLine(line: string): Property | null {
  // The value starts at the first colon outside a quoted parameter value.
  let inQuotes = false;
  let colon = -1;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"') inQuotes = !inQuotes;
    else if (line[i] === ':' && !inQuotes) {
      colon = i;
      break;
    }
  }
  if (colon < 0) return null;
  const [rawName = '', ...rawParams] = line.slice(0, colon).split(';');
  // Item groups ("item1.EMAIL") are Google's way to attach labels; the group itself does not matter here.
  const name = rawName.replace(/^[^.]*\./, '').toUpperCase();
  const params: Record<string, string[]> = {};
  for (const p of rawParams) {
    const eq = p.indexOf('=');
    // vCard 2.1 allows bare types: "TEL;WORK;VOICE:…".
    const key = (eq < 0 ? 'TYPE' : p.slice(0, eq)).toUpperCase();
    const values = (eq < 0 ? p : p.slice(eq + 1))
      .replace(/^"|"$/g, '')
      .split(',')
      .map((v) => v.trim().toLowerCase());
    params[key] = [...(params[key] ?? []), ...values];
  }
  let value = line.slice(colon + 1);
  if (params.ENCODING?.includes('quoted-printable')) {
    value = decodeQuotedPrintable(value, params.CHARSET?.[0] ?? 'utf-8');
  }
  return { name, params, value };
}

/** Splits a structured value on unescaped `;` and unescapes each part. */
function components(value: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && i + 1 < value.length) {
      current += c + value[i + 1];
      i++;
    } else if (c === ';') {
      parts.push(unescapeText(current));
      current = '';
    } else current += c;
  }
  parts.push(unescapeText(current));
  return parts;
}

function unescapeText(value: string): string {
  return value.replace(/\\([nN,;\\:])/g, (_m, c: string) => (c === 'n' || c === 'N' ? '\n' : c)).trim();
}

const isPreferred = (p: Property) => p.params.TYPE?.includes('pref') || p.params.PREF !== undefined;

/** Photos larger than this are left out (the contact is still imported). */
const MAX_PHOTO_CHARS = 350_000;
const IMAGE_TYPES: Record<string, string> = { jpeg: 'jpeg', jpg: 'jpeg', png: 'png', gif: 'gif', webp: 'webp' };

/**
 * A PHOTO as a web address or a data: URI. 4.0 writes a URI (`data:image/jpeg;base64,…` or
 * `https://…`); 3.0 and 2.1 write the bytes inline (`ENCODING=b` or `BASE64`, `TYPE=JPEG`).
 */
function photoOf(p: Property | undefined): string | undefined {
  if (!p) return undefined;
  const value = p.value.replace(/\s+/g, '');
  let uri: string | undefined;
  if (/^https?:\/\//i.test(value) || /^data:image\//i.test(value)) uri = value;
  else if (p.params.ENCODING?.some((e) => e === 'b' || e === 'base64')) {
    const type = IMAGE_TYPES[(p.params.TYPE ?? []).find((t) => IMAGE_TYPES[t]) ?? 'jpeg'] as string;
    if (/^[A-Za-z0-9+/]+=*$/.test(value)) uri = `data:image/${type};base64,${value}`;
  }
  return uri && uri.length <= MAX_PHOTO_CHARS ? uri : undefined;
}

/** Every contact in a .vcf file; cards without any name or email are skipped. */
export function parseVCards(text: string): VCardContact[] {
  const cards: Property[][] = [];
  let current: Property[] | null = null;
  for (const line of unfold(text.replace(/^\uFEFF/, ''))) {
    const prop = parseLine(line);
    if (!prop) continue;
    if (prop.name === 'BEGIN' && prop.value.toUpperCase() === 'VCARD') current = [];
    else if (prop.name === 'END' && prop.value.toUpperCase() === 'VCARD') {
      if (current) cards.push(current);
      current = null;
    } else current?.push(prop);
  }
  return cards.flatMap((props) => {
    const one = (name: string) => props.find((p) => p.name === name);
    const all = (name: string) => props.filter((p) => p.name === name);
    const [family = '', given = '', additional = ''] = components(one('N')?.value ?? '');
    const fn = unescapeText(one('FN')?.value ?? '');
    let firstName = [given, additional].filter(Boolean).join(' ');
    let lastName = family;
    if (!firstName && !lastName && fn) {
      const words = fn.split(/\s+/);
      firstName = words.slice(0, -1).join(' ') || fn;
      lastName = words.length > 1 ? (words[words.length - 1] as string) : '';
    }
    const emails = all('EMAIL')
      .sort((a, b) => Number(isPreferred(b)) - Number(isPreferred(a)))
      .map((p) =>
        unescapeText(p.value)
          .replace(/^mailto:/i, '')
          .toLowerCase(),
      )
      .filter(Boolean);
    if (!firstName && !lastName) {
      if (!emails[0]) return [];
      firstName = emails[0].split('@')[0] as string;
    }
    const phones = all('TEL')
      .sort((a, b) => Number(isPreferred(b)) - Number(isPreferred(a)))
      .map((p) => unescapeText(p.value).replace(/^tel:/i, ''))
      .filter(Boolean);
    const [orgName, unit] = components(one('ORG')?.value ?? '');
    const adr = one('ADR');
    const [, ext = '', street = '', city = '', region = '', postalCode = '', country = ''] = adr
      ? components(adr.value)
      : [];
    const urls = [...all('URL'), ...all('X-SOCIALPROFILE')].map((p) => unescapeText(p.value));
    const linkedin = urls.find((u) => /linkedin\.com/i.test(u));
    const website = urls.find((u) => !/linkedin\.com|twitter\.com|x\.com|facebook\.com/i.test(u));
    const note = one('NOTE');
    const photo = photoOf(one('PHOTO'));
    const categories = one('CATEGORIES');
    const contact: VCardContact = {
      firstName: firstName || lastName,
      otherEmails: emails.slice(1),
      phones,
      tags: categories
        ? categories.value
            .split(/(?<!\\),/)
            .map(unescapeText)
            .filter((t) => t && t.toLowerCase() !== 'mycontacts' && t.toLowerCase() !== 'starred')
        : [],
    };
    if (lastName && firstName) contact.lastName = lastName;
    if (emails[0]) contact.email = emails[0];
    const title = one('TITLE');
    if (title) contact.jobTitle = unescapeText(title.value);
    if (orgName) contact.organizationName = orgName;
    if (unit) contact.department = unit;
    const address = Object.fromEntries(
      Object.entries({ street: [ext, street].filter(Boolean).join(', '), city, region, postalCode, country }).filter(
        ([, v]) => v,
      ),
    );
    if (Object.keys(address).length) contact.address = address;
    if (linkedin) contact.linkedinUrl = /^https?:/i.test(linkedin) ? linkedin : `https://${linkedin}`;
    if (website) contact.website = website;
    if (note) contact.notes = unescapeText(note.value);
    if (photo) contact.photo = photo;
    return [contact];
  });
}

// Every line break (CRLF, CR or LF) becomes the escape \n: a bare CR ends the line for other
// parsers and the rest of the card is lost.
const esc = (v: string) =>
  v
    .replace(/\\/g, '\\\\')
    .replace(/\r\n|\r|\n/g, '\\n')
    .replace(/([,;])/g, '\\$1');

/** Lines longer than 75 octets are folded, as the RFCs require. */
function fold(line: string): string {
  const bytes = Buffer.from(line, 'utf8');
  if (bytes.length <= 75) return line;
  const out: string[] = [];
  let chunk = '';
  for (const ch of line) {
    if (Buffer.byteLength(chunk + ch) > (out.length ? 74 : 75)) {
      out.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  out.push(chunk);
  return out.join('\r\n ');
}

export interface VCardSource {
  id: string;
  firstName: string;
  lastName?: string | null;
  email?: string | null;
  otherEmails?: string[];
  phones?: string[];
  jobTitle?: string | null;
  department?: string | null;
  organizationName?: string | null;
  address?: { street?: string; city?: string; region?: string; postalCode?: string; country?: string } | null;
  linkedinUrl?: string | null;
  notes?: string | null;
  photo?: string | null;
  tags?: string[];
  updatedAt?: Date;
}

/** PHOTO as each version writes it: a URI in 4.0; in 3.0 inline bytes, or a URI value. */
function photoLine(photo: string, v4: boolean): string {
  if (v4) return `PHOTO:${photo}`;
  const data = /^data:image\/(\w+);base64,(.+)$/.exec(photo);
  if (data) return `PHOTO;ENCODING=b;TYPE=${(data[1] as string).toUpperCase()}:${data[2]}`;
  return `PHOTO;VALUE=uri:${photo}`;
}

export function formatVCard(c: VCardSource, version: '3.0' | '4.0' = '4.0'): string {
  const v4 = version === '4.0';
  const lines = ['BEGIN:VCARD', `VERSION:${version}`];
  const full = [c.firstName, c.lastName].filter(Boolean).join(' ');
  lines.push(`FN:${esc(full)}`, `N:${esc(c.lastName ?? '')};${esc(c.firstName)};;;`);
  if (c.email) lines.push(v4 ? `EMAIL;TYPE=work;PREF=1:${c.email}` : `EMAIL;TYPE=INTERNET,PREF:${c.email}`);
  for (const e of c.otherEmails ?? []) lines.push(v4 ? `EMAIL:${e}` : `EMAIL;TYPE=INTERNET:${e}`);
  (c.phones ?? []).forEach((p, i) => {
    lines.push(
      v4
        ? `TEL;VALUE=uri${i === 0 ? ';PREF=1' : ''}:tel:${p.replace(/\s+/g, '-')}`
        : `TEL;TYPE=VOICE${i === 0 ? ',PREF' : ''}:${p}`,
    );
  });
  if (c.organizationName || c.department)
    lines.push(`ORG:${esc(c.organizationName ?? '')}${c.department ? `;${esc(c.department)}` : ''}`);
  if (c.jobTitle) lines.push(`TITLE:${esc(c.jobTitle)}`);
  if (c.address) {
    const a = c.address;
    lines.push(
      `ADR;TYPE=work:;;${[a.street, a.city, a.region, a.postalCode, a.country].map((x) => esc(x ?? '')).join(';')}`,
    );
  }
  if (c.linkedinUrl)
    lines.push(v4 ? `URL;TYPE=linkedin:${c.linkedinUrl}` : `X-SOCIALPROFILE;TYPE=linkedin:${c.linkedinUrl}`);
  if (c.notes) lines.push(`NOTE:${esc(c.notes)}`);
  if (c.photo) lines.push(photoLine(c.photo, v4));
  if (c.tags?.length) lines.push(`CATEGORIES:${c.tags.map(esc).join(',')}`);
  lines.push(`UID:${v4 ? 'urn:uuid:' : ''}${c.id}`);
  if (c.updatedAt)
    lines.push(
      `REV:${c.updatedAt
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d{3}/, '')}`,
    );
  lines.push('END:VCARD');
  return `${lines.map(fold).join('\r\n')}\r\n`;
}
