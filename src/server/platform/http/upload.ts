// Reading one uploaded file (and the text fields beside it) from a multipart request. The
// multipart parser itself is registered once, by the imports routes, with these limits.
import type { FastifyRequest } from 'fastify';
import { ValidationError } from '#server/platform/errors.ts';

export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;

export async function readUpload(request: FastifyRequest, what = 'the file to import') {
  if (!request.isMultipart()) {
    throw new ValidationError([{ field: 'body', message: 'send the file as multipart/form-data' }]);
  }
  const fields: Record<string, string> = {};
  let file: { fileName: string; content: Buffer } | null = null;
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      const content = await part.toBuffer();
      if (part.file.truncated) {
        throw new ValidationError([{ field: 'file', message: `must be at most ${MAX_UPLOAD_BYTES / 1024 / 1024} MB` }]);
      }
      file = { fileName: part.filename, content };
    } else fields[part.fieldname] = String(part.value);
  }
  if (!file) throw new ValidationError([{ field: 'file', message: `attach ${what}` }]);
  return { file, fields };
}
