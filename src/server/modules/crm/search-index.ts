// Search over the inverted index that PostgreSQL keeps for every record (migration 0021,
// src/server/db/schema/search.ts): what was typed is cut into words the way record texts are cut
// into terms; each word picks the terms that contain it or are close to it in spelling (trigram
// word similarity, threshold set with the tenancy settings), and the postings of those terms give
// the records. A record matches when every word found a term in it. Its relevance is the mean over
// the words of the best term's score, where a term scores the word's similarity to it plus one for
// starting with the word, halved: 1 for the word itself, about ½ for a close misspelling.
//
// Lists and global search join these matches to the record table with a LATERAL subquery, in order
// of relevance, so a first page reads about as many records as it shows. See docs/decisions.md,
// "Search".
import { getTableName, type SQL, sql } from 'drizzle-orm';
import type { RecordKind } from './kinds.ts';
import { escapeLike } from './query.ts';

/** White space and ASCII punctuation: where albedo_search_terms() cuts a text into terms. */
const SEPARATORS = /[\s!-/:-@[-`{-~]+/u;
const MAX_WORDS = 8;
/** Terms are kept to 100 characters (albedo_search_terms). */
const MAX_TERM = 100;

/** The words of a query, lower-cased and cut like the indexed texts; at most eight. */
export function searchWords(q: string): string[] {
  const words = q
    .toLowerCase()
    .split(SEPARATORS)
    .filter(Boolean)
    .map((w) => w.slice(0, MAX_TERM));
  return [...new Set(words)].slice(0, MAX_WORDS);
}

/**
 * `(__id, __score)` of the records of `kind` in the workspace that match `q`, with their relevance.
 * Visibility, soft delete and filters are the caller's: see `searchedFrom`.
 */
export function searchMatches(kind: RecordKind, workspaceId: string, q: string): SQL {
  const words = searchWords(q);
  if (!words.length) {
    // Punctuation only ("@", "+1"): looked for as typed anywhere in the search text. No index
    // serves this; it reads the workspace's records of the kind.
    return sql`select ${kind.idColumn} as __id, 1::float8 as __score from ${kind.table}
      where ${kind.workspaceColumn} = ${workspaceId} and ${kind.searchColumn} like ${`%${escapeLike(q.toLowerCase())}%`}`;
  }
  const name = getTableName(kind.table);
  const terms = sql.join(
    words.map(
      (w, i) => sql`select ${i}::int as i, term,
        (word_similarity(${w}, term) + (term like ${`${escapeLike(w)}%`})::int)::float8 / 2 as s
        from search_terms
        where workspace_id = ${workspaceId} and kind = ${name}
          and (term like ${`%${escapeLike(w)}%`} or ${w} <% term)`,
    ),
    sql` union all `,
  );
  return sql`select id as __id, sum(s) / ${words.length}::float8 as __score from (
      select p.record_id as id, t.i, max(t.s) as s
        from (${terms}) t
        join search_postings p on p.workspace_id = ${workspaceId} and p.kind = ${name} and p.term = t.term
       group by p.record_id, t.i
    ) per_word group by id having count(*) = ${words.length}::int`;
}

/**
 * The FROM clause of a searched list: the matches, best first, each joined to its record under
 * `conditions` (visibility, filters, cursor). The record keeps its table's name as the alias, so
 * the usual column references work outside; `"__search"."__score"` is the relevance. (The
 * underscores keep the two apart from the record's columns, which list queries name unqualified.) In relevance order
 * PostgreSQL walks the matches in order and stops when the page is full.
 */
export function searchedFrom(kind: RecordKind, workspaceId: string, q: string, conditions: SQL): SQL {
  const name = getTableName(kind.table);
  return sql`(${searchMatches(kind, workspaceId, q)} order by __score desc, __id desc) as "__search"
    cross join lateral (select * from ${kind.table} where ${kind.idColumn} = "__search"."__id" and ${conditions}) as ${sql.identifier(name)}`;
}
