-- A PostgreSQL stand-in for Materialize's SUBSCRIBE ... WITH (PROGRESS) read through a
-- cursor, for shop-watch's tests (watch_test.sh, part "subscribe"). shop-watch sends the
-- statements it sends to Materialize, each wrapped in one call (--subscribe-standin F):
--
--   Materialize receives                        the stand-in receives
--   BEGIN / COMMIT / ROLLBACK                   the same
--   DECLARE c CURSOR FOR SUBSCRIBE (...) ...    SELECT * FROM F('DECLARE c CURSOR FOR SUBSCRIBE (...) ...')
--   FETCH ALL c WITH (timeout = '1s')           SELECT * FROM F('FETCH ALL c WITH (timeout = ''1s'')')
--
-- The collection behind it is a change log: table <c>_log (mz_ts numeric, diff bigint,
-- columns...) holds (row, time, diff) updates, as a differential collection does, and
-- <c>_frontier (since numeric, upper numeric) says which times are complete: every
-- update below `upper` is in the log (a test adds updates only at times >= upper, then
-- raises upper); upper NULL is the empty frontier (the inputs are finished); `since` is
-- the oldest time still readable (compaction). The rules it follows, each from
-- Materialize's documentation (doc/user/content/sql/subscribe.md) or source
-- (MaterializeInc/materialize):
--   1. The first row is a progress row at the AS OF, before any snapshot row
--      (src/adapter/src/active_compute_sink.rs, ActiveSubscribe::initialize).
--   2. Snapshot rows carry the AS OF as their timestamp (subscribe.md: "fast-forwarded
--      to the AS OF"), consolidated; with SNAPSHOT = false there is none.
--   3. Updates follow in timestamp order: with a snapshot at times > AS OF; without one
--      also only at times > AS OF (src/compute/src/sink/subscribe.rs, should_emit:
--      `as_of.less_than(time)` without a snapshot); UP TO is exclusive.
--   4. A progress row comes only when the frontier moved, not at every timestamp: one
--      at `upper` after the updates below it (active_compute_sink.rs: progress for each
--      batch's upper).
--   5. An AS OF below `since` is refused by the first FETCH, not by DECLARE
--      (src/environmentd/tests/sql.rs declares `AS OF 1` and fails on FETCH), with the
--      message "Timestamp (T) is not valid for all inputs" (src/adapter/src/coord/
--      timestamp_selection.rs). UP TO below AS OF is an error (SQLSTATE 22000); equal
--      ends after zero rows (subscribe.md).
--   6. The subscription ends when UP TO is reached or its inputs are finished, with no
--      final progress row (active_compute_sink.rs sends none for the empty frontier).
--      After that every FETCH returns zero rows at once (src/pgwire/src/protocol.rs: a
--      closed stream ends the FETCH); before, a FETCH with a timeout waits up to it, one
--      without waits for a row.
--   7. ENVELOPE UPSERT (KEY (k)): per timestamp and key, one +1 row is `upsert` with the
--      value, a -1 and a +1 are `upsert` with the new value, one -1 is `delete` with NULL
--      values, anything else `key_violation` (active_compute_sink.rs); the mz_state
--      column replaces mz_diff, key columns come first.
--   8. The cursor ends with its transaction (COMMIT, ROLLBACK, a lost connection).
-- Only `SELECT * FROM <c>` is served: the stand-in keeps a collection, it plans no query.

-- Parses the SUBSCRIBE of a DECLARE and remembers the cursor for this transaction.
CREATE OR REPLACE FUNCTION shop_standin_declare(cursor_name text, subscribe text, collection text, key_columns text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  m text[];
  rest text := subscribe;
  as_of numeric;
  up_to numeric;
  options text;
  keys text;
BEGIN
  m := regexp_match(rest, '^(.*) UP TO (\d+)$');
  IF m IS NOT NULL THEN up_to := m[2]::numeric; rest := m[1]; END IF;
  m := regexp_match(rest, '^(.*) AS OF (\d+)$');
  IF m IS NOT NULL THEN as_of := m[2]::numeric; rest := m[1]; END IF;
  m := regexp_match(rest, '^(.*) WITH \(([^()]*)\)$');
  IF m IS NULL THEN RAISE EXCEPTION 'stand-in: no WITH (...) options in %', subscribe; END IF;
  options := m[2];
  rest := m[1];
  IF options !~ '(^|, )PROGRESS( = true)?(,|$)' THEN
    RAISE EXCEPTION 'stand-in: only SUBSCRIBE ... WITH (PROGRESS) is served, not %', subscribe;
  END IF;
  m := regexp_match(rest, '^(.*) ENVELOPE UPSERT \(KEY \(([^()]*)\)\)$');
  IF m IS NOT NULL THEN keys := replace(m[2], '"', ''); rest := m[1]; END IF;
  IF keys IS DISTINCT FROM key_columns THEN
    RAISE EXCEPTION 'stand-in: installed for keys %, asked for %', coalesce(key_columns, '(none)'), coalesce(keys, '(none)');
  END IF;
  m := regexp_match(rest, '^SUBSCRIBE \((.*)\)$');
  IF m IS NULL OR m[1] <> 'SELECT * FROM ' || collection THEN
    RAISE EXCEPTION 'stand-in: serves only SUBSCRIBE (SELECT * FROM %), not %', collection, subscribe;
  END IF;
  CREATE TEMP TABLE IF NOT EXISTS shop_standin_cursors (
    name text PRIMARY KEY, collection text, as_of numeric, up_to numeric, snapshot boolean,
    started boolean, snapshot_due boolean, position numeric, last_progress numeric, ended boolean
  ) ON COMMIT DROP;
  INSERT INTO shop_standin_cursors
    VALUES (cursor_name, collection, as_of, up_to, options !~ 'SNAPSHOT = false', false, false, NULL, NULL, false);
END $$;

-- What one step of a FETCH emits now, and the cursor's state moved on accordingly:
-- `first` (the progress row at as_of), `snapshot` (the snapshot, once every update up
-- to the AS OF is in: the frontier is past it), the updates at lo <= time < hi (hi NULL:
-- no bound), a progress row at `progress`, and whether the subscription has ended (after
-- this step's rows).
CREATE OR REPLACE FUNCTION shop_standin_step(cursor_name text,
  OUT first boolean, OUT as_of numeric, OUT snapshot boolean, OUT lo numeric, OUT hi numeric,
  OUT progress numeric, OUT ended boolean)
LANGUAGE plpgsql AS $$
DECLARE
  c record;
  f_since numeric;
  f_upper numeric;
  bound numeric;
BEGIN
  IF to_regclass('pg_temp.shop_standin_cursors') IS NULL THEN
    RAISE EXCEPTION 'cursor "%" does not exist', cursor_name;
  END IF;
  SELECT * INTO c FROM pg_temp.shop_standin_cursors AS s WHERE s.name = cursor_name;
  IF NOT FOUND THEN RAISE EXCEPTION 'cursor "%" does not exist', cursor_name; END IF;
  first := false;
  as_of := c.as_of;
  snapshot := false;
  ended := c.ended;
  IF c.ended THEN RETURN; END IF;
  EXECUTE format('SELECT since, upper FROM %I', c.collection || '_frontier') INTO f_since, f_upper;
  IF NOT c.started THEN
    -- Rule 5: what Materialize checks when the first FETCH starts the subscription.
    IF as_of IS NULL THEN
      -- Without AS OF: the latest time at which every input is complete.
      IF f_upper IS NULL THEN
        EXECUTE format('SELECT max(mz_ts) FROM %I', c.collection || '_log') INTO as_of;
        as_of := greatest(coalesce(as_of, 0), f_since);
      ELSE
        as_of := greatest(f_upper - 1, f_since);
      END IF;
    END IF;
    IF as_of < f_since THEN
      RAISE EXCEPTION 'Timestamp (%) is not valid for all inputs: [Antichain { elements: [%] }]', as_of, f_since;
    END IF;
    IF c.up_to IS NOT NULL AND c.up_to < as_of THEN
      RAISE EXCEPTION 'subscription lower bound (`AS OF`) is greater than its upper bound (`UP TO`): % > %', as_of, c.up_to
        USING ERRCODE = '22000';
    END IF;
    UPDATE pg_temp.shop_standin_cursors AS s
      SET started = true, as_of = shop_standin_step.as_of, position = shop_standin_step.as_of + 1,
          last_progress = shop_standin_step.as_of
      WHERE s.name = cursor_name;
    IF c.up_to = as_of THEN  -- AS OF equal to UP TO: zero rows, then the end
      UPDATE pg_temp.shop_standin_cursors AS s SET ended = true WHERE s.name = cursor_name;
      ended := true;
      RETURN;
    END IF;
    first := true;
    c.position := as_of + 1;
    c.last_progress := as_of;
    c.snapshot_due := c.snapshot;
  END IF;
  -- Rule 2: the snapshot, complete once the frontier is past the AS OF.
  IF c.snapshot_due AND (f_upper IS NULL OR f_upper > as_of) THEN
    snapshot := true;
    c.snapshot_due := false;
  END IF;
  IF c.snapshot_due THEN  -- nothing after the AS OF before the snapshot
    UPDATE pg_temp.shop_standin_cursors AS s SET snapshot_due = true WHERE s.name = cursor_name;
    lo := c.position;
    hi := c.position;
    RETURN;
  END IF;
  -- Rules 3, 4 and 6: the updates the frontier (and UP TO) allow, then progress or the end.
  bound := CASE WHEN f_upper IS NULL THEN c.up_to WHEN c.up_to IS NULL THEN f_upper ELSE least(f_upper, c.up_to) END;
  lo := c.position;
  hi := CASE WHEN bound IS NULL OR bound > c.position THEN bound ELSE c.position END;
  ended := f_upper IS NULL OR (c.up_to IS NOT NULL AND f_upper >= c.up_to);
  IF NOT ended AND f_upper > c.last_progress THEN progress := f_upper; END IF;
  UPDATE pg_temp.shop_standin_cursors AS s
    SET position = coalesce(hi, s.position), last_progress = coalesce(progress, s.last_progress),
        ended = shop_standin_step.ended, snapshot_due = false
    WHERE s.name = cursor_name;
END $$;

-- Installs FUNCTION_NAME(statement text), the stand-in for collection COLLECTION with
-- columns COLUMN_DEFINITIONS ('id int, name text'); KEY_COLUMNS ('id') makes it serve
-- ENVELOPE UPSERT (KEY (...)) with the key columns listed first in the definitions.
CREATE OR REPLACE FUNCTION shop_standin_install(function_name text, collection text, column_definitions text,
  key_columns text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $install$
DECLARE
  columns text[];
  keys text[] := CASE WHEN key_columns IS NULL THEN NULL ELSE string_to_array(replace(key_columns, ' ', ''), ',') END;
  values_ text[];
  body text;
  updates text;
  snapshot text;
  upsert text;
BEGIN
  SELECT array_agg(split_part(trim(d), ' ', 1) ORDER BY n) INTO columns
    FROM unnest(string_to_array(column_definitions, ',')) WITH ORDINALITY AS t(d, n);
  IF keys IS NOT NULL AND columns[1:cardinality(keys)] <> keys THEN
    RAISE EXCEPTION 'stand-in: list the key columns % first', key_columns;
  END IF;
  -- Consolidated updates as (ts, diff, columns): the rows between lo and hi, or (the
  -- snapshot) everything up to as_of at as_of.
  updates := format('SELECT l.mz_ts AS ts, sum(l.diff)::bigint AS diff, %1$s FROM %2$I AS l
      WHERE l.mz_ts >= p.lo AND (p.hi IS NULL OR l.mz_ts < p.hi)
      GROUP BY l.mz_ts, %1$s HAVING sum(l.diff) <> 0',
    (SELECT string_agg(format('l.%I', x), ', ') FROM unnest(columns) AS x), collection || '_log');
  snapshot := format('SELECT p.as_of AS ts, sum(l.diff)::bigint AS diff, %1$s FROM %2$I AS l
      WHERE l.mz_ts <= p.as_of GROUP BY %1$s HAVING sum(l.diff) <> 0',
    (SELECT string_agg(format('l.%I', x), ', ') FROM unnest(columns) AS x), collection || '_log');
  IF keys IS NULL THEN
    updates := format('SELECT c.ts, false, c.diff, %s FROM (%s) AS c ORDER BY c.ts',
      (SELECT string_agg(format('c.%I', x), ', ') FROM unnest(columns) AS x), updates);
    snapshot := format('SELECT c.ts, false, c.diff, %s FROM (%s) AS c',
      (SELECT string_agg(format('c.%I', x), ', ') FROM unnest(columns) AS x), snapshot);
  ELSE
    values_ := columns[cardinality(keys) + 1:];
    -- Rule 7, per timestamp and key, over the consolidated updates (or snapshot).
    upsert := format($q$WITH c AS (%%s), g AS (
        SELECT c.ts, %1$s, count(*) FILTER (WHERE c.diff = 1) AS ins, count(*) FILTER (WHERE c.diff = -1) AS del,
               count(*) AS n, sum(abs(c.diff)) AS copies
        FROM c GROUP BY c.ts, %1$s)
      SELECT g.ts, false,
        CASE WHEN g.ins = 1 AND g.del <= 1 AND g.copies = g.n AND g.n = g.ins + g.del THEN 'upsert'
             WHEN g.ins = 0 AND g.del = 1 AND g.copies = 1 THEN 'delete' ELSE 'key_violation' END,
        %2$s %3$s
      FROM g LEFT JOIN c AS nw ON nw.ts = g.ts AND nw.diff = 1 AND g.ins = 1 AND %4$s
      ORDER BY g.ts$q$,
      (SELECT string_agg(format('c.%I', x), ', ') FROM unnest(keys) AS x),
      (SELECT string_agg(format('g.%I', x), ', ') FROM unnest(keys) AS x),
      (SELECT coalesce(string_agg(format(', CASE WHEN g.ins = 1 AND g.del <= 1 AND g.copies = g.n AND g.n = g.ins + g.del THEN nw.%I END', x), ''), '')
         FROM unnest(values_) AS x),
      (SELECT string_agg(format('nw.%1$I IS NOT DISTINCT FROM g.%1$I', x), ' AND ') FROM unnest(keys) AS x));
    updates := format(upsert, updates);
    snapshot := format(upsert, snapshot);
  END IF;
  body := format($body$
CREATE OR REPLACE FUNCTION %1$I(statement text)
RETURNS TABLE (mz_timestamp numeric, mz_progressed boolean, %2$s, %3$s)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  m text[];
  p record;
  deadline timestamptz;
  sent bigint := 0;
  k bigint;
BEGIN
  IF statement LIKE 'DECLARE %%' THEN
    m := regexp_match(statement, '^DECLARE (\w+) CURSOR (WITHOUT HOLD )?FOR (SUBSCRIBE .*)$');
    IF m IS NULL THEN RAISE EXCEPTION 'stand-in: not a DECLARE ... CURSOR FOR SUBSCRIBE: %%', statement; END IF;
    PERFORM shop_standin_declare(m[1], m[3], %4$L, %5$L);
    RETURN;
  END IF;
  m := regexp_match(statement, '^FETCH (FORWARD )?(ALL |\d+ )?(FROM )?(\w+)( WITH \(timeout = ''([^'']*)''\))?$');
  IF m IS NULL THEN RAISE EXCEPTION 'stand-in: not a FETCH it serves: %%', statement; END IF;
  deadline := CASE WHEN m[6] IS NULL THEN NULL ELSE clock_timestamp() + m[6]::interval END;
  LOOP
    p := shop_standin_step(m[4]);
    IF p.first THEN
      mz_timestamp := p.as_of; mz_progressed := true; %6$s := NULL; %7$s
      RETURN NEXT;
      sent := sent + 1;
    END IF;
    IF p.snapshot THEN
      RETURN QUERY %8$s;
      GET DIAGNOSTICS k = ROW_COUNT;
      sent := sent + k;
    END IF;
    IF p.hi IS NULL OR p.hi > p.lo THEN
      RETURN QUERY %9$s;
      GET DIAGNOSTICS k = ROW_COUNT;
      sent := sent + k;
    END IF;
    IF p.progress IS NOT NULL THEN
      mz_timestamp := p.progress; mz_progressed := true; %6$s := NULL; %7$s
      RETURN NEXT;
      sent := sent + 1;
    END IF;
    -- Rule 6: rows, the end, or the timeout return; otherwise wait for the frontier.
    EXIT WHEN sent > 0 OR p.ended OR clock_timestamp() >= deadline;
    PERFORM pg_sleep(0.02);
  END LOOP;
END $fn$;
$body$,
    function_name,
    CASE WHEN keys IS NULL THEN 'mz_diff bigint' ELSE 'mz_state text' END,
    column_definitions,
    collection,
    key_columns,
    CASE WHEN keys IS NULL THEN 'mz_diff' ELSE 'mz_state' END,
    (SELECT string_agg(format('%I := NULL;', x), ' ') FROM unnest(columns) AS x),
    snapshot,
    updates);
  EXECUTE body;
END $install$;
