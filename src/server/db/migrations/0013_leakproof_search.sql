-- Custom SQL migration file, put your code below! --
-- Row-level security keeps a query's own conditions from running before the tenancy check unless
-- their functions are LEAKPROOF, and only leakproof conditions may drive an index. Without this,
-- search (full text, trigram), case-insensitive filters and tag filters scan every row of the
-- workspace. These built-ins raise no errors that depend on a row's value, so marking them is
-- safe; only a superuser may do it, so it is skipped (and lists are slower) otherwise.
-- See docs/decisions.md.
DO $$
BEGIN
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    ALTER FUNCTION lower(text) LEAKPROOF;
    ALTER FUNCTION textlike(text, text) LEAKPROOF;
    ALTER FUNCTION texticlike(text, text) LEAKPROOF;
    ALTER FUNCTION to_tsvector(regconfig, text) LEAKPROOF;
    ALTER FUNCTION ts_match_vq(tsvector, tsquery) LEAKPROOF;
    ALTER FUNCTION word_similarity_op(text, text) LEAKPROOF;
    ALTER FUNCTION arraycontains(anyarray, anyarray) LEAKPROOF;
    ALTER FUNCTION numeric_eq(numeric, numeric) LEAKPROOF;
    ALTER FUNCTION numeric_lt(numeric, numeric) LEAKPROOF;
    ALTER FUNCTION numeric_le(numeric, numeric) LEAKPROOF;
    ALTER FUNCTION numeric_gt(numeric, numeric) LEAKPROOF;
    ALTER FUNCTION numeric_ge(numeric, numeric) LEAKPROOF;
  ELSE
    RAISE NOTICE 'not a superuser: search and filters work without index support under row-level security';
  END IF;
END
$$;
