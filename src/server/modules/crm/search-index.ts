// Search over record terms (migration 0021, src/server/db/schema/search.ts). Every record keeps
// its terms in a generated `search_terms` column with a GIN index, and each workspace has a
// dictionary of its terms per kind with a trigram index. A query is cut into words the way texts
// are cut into terms; each word picks from the dictionary the terms that contain it or are close
// to it in spelling (trigram word similarity, threshold set with the tenancy settings), and the
// GIN index gives the records holding one of them. A record matches when every word found a term
// in it. Its relevance is the mean over the words of the best term's score, where a term scores
// the word's similarity to it plus one for starting with the word, halved: 1 for the word itself,
// about ½ for a close misspelling. Numbers are not in the dictionary and match whole; words of one
// or two letters match the start of a term.
//
// The dictionary lookups run once per statement (a CTE per word); only the records that hold a
// close term are read and scored. See docs/decisions.md, "Search".
import { getTableName, type SQL, sql } from 'drizzle-orm';
import type { RecordKind } from './kinds.ts';
import { escapeLike } from './query.ts';

/** White space and ASCII punctuation: where albedo_search_terms() cuts a text into terms. */
const SEPARATORS = /[\s!-/:-@[-`{-~]+/u;
const MAX_WORDS = 8;
/** Terms are kept to 100 characters (albedo_search_terms). */
const MAX_TERM = 100;
const NUMBER = /^[0-9]+$/;
/**
 * The closest terms a word matches, at most. Each candidate record is scored against every one of
 * them: a one-letter word can be close to ten thousand terms, and scoring a hundred thousand
 * records against all of them would take minutes. A word typed in full has a handful.
 */
const MAX_TERMS_PER_WORD = 200;

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
 * A search of one kind of record, in parts for the caller's statement: `ctes` (the close terms of
 * each word, with their scores) go into its WITH clause, `join` after the record table (it adds
 * the relevance, `score`), and `where` among its conditions.
 */
export interface SearchPlan {
  ctes: SQL[];
  join: SQL;
  where: SQL;
  score: SQL;
}

/** The relevance a plan's `join` adds (query.ts names it too, for the sort key). */
const SCORE = sql`"__search"."__score"`;

/** `name` keeps the CTEs of several kinds in one statement apart (global search). */
export function searchPlan(kind: RecordKind, workspaceId: string, q: string, name = 'w'): SearchPlan {
  const words = searchWords(q);
  const table = getTableName(kind.table);
  if (!words.length) {
    // Punctuation only ("@", "+"): looked for as typed anywhere in the search text. No index
    // serves this; it reads the workspace's records of the kind.
    return {
      ctes: [],
      join: sql` cross join lateral (select 1::float8 as __score) as "__search"`,
      where: sql`${kind.searchColumn} like ${`%${escapeLike(q.toLowerCase())}%`}`,
      score: SCORE,
    };
  }
  const ctes: SQL[] = [];
  const holds: SQL[] = [];
  const scores: SQL[] = [];
  words.forEach((w, i) => {
    const cte = sql.identifier(`__${name}${i}`);
    // One or two letters have no trigram of their own to look a part of a word up by, so they
    // match the start of a term: `<%` alone, which for them means exactly that, and which the
    // trigram index answers (a substring condition would read the whole dictionary).
    const short = [...w].length < 3;
    const score = sql`(word_similarity(${w}, term) + (term like ${`${escapeLike(w)}%`})::int)::float8 / 2`;
    const terms = NUMBER.test(w)
      ? sql`select ${w}::text as term, 1::float8 as s`
      : sql`select term, ${score} as s
          from search_terms
          where workspace_id = ${workspaceId} and kind = ${table}
            and ${short ? sql`${w} <% term` : sql`(term like ${`%${escapeLike(w)}%`} or ${w} <% term)`}
          order by s desc, term limit ${MAX_TERMS_PER_WORD}`;
    ctes.push(sql`${cte} as materialized (${terms})`);
    holds.push(sql`${kind.searchTermsColumn} && (select array_agg(term) from ${cte})`);
    scores.push(sql`(select max(s) from ${cte} where term = any(${kind.searchTermsColumn}))`);
  });
  return {
    ctes,
    join: sql` cross join lateral (select (${sql.join(scores, sql` + `)}) / ${words.length}::float8 as __score) as "__search"`,
    where: sql.join(holds, sql` and `),
    score: SCORE,
  };
}

/** `with …` for the plans' CTEs, or nothing. */
export function withClause(plans: Array<SearchPlan | null>): SQL {
  const ctes = plans.flatMap((p) => p?.ctes ?? []);
  return ctes.length ? sql`with ${sql.join(ctes, sql`, `)} ` : sql``;
}
