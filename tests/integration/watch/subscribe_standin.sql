-- A PostgreSQL stand-in for Materialize's SUBSCRIBE ... WITH (PROGRESS) read through a
-- cursor, for the tests of shop-watch and shop-serve (watch_test.sh and serve_test.sh, part
-- "subscribe"). The programs send the statements they send to Materialize, each wrapped in
-- one call (--subscribe-standin F):
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
-- Materialize's source (MaterializeInc/materialize) or documentation
-- (doc/user/content/sql/subscribe.md):
--   1. The first row is a progress row at the AS OF, before any snapshot row, always: also
--      when AS OF equals UP TO and when the inputs have not reached the AS OF yet
--      (src/adapter/src/active_compute_sink.rs, ActiveSubscribe::initialize, called by
--      subscribe_finish in src/adapter/src/coord/sequencer/inner/subscribe.rs).
--   2. Nothing follows it until the frontier has passed the AS OF: the sink sends no batch
--      before its upper reaches the AS OF (src/compute/src/sink/subscribe.rs,
--      SubscribeProtocol::send_batch) and no progress row for an upper at the AS OF
--      (active_compute_sink.rs, process_response). Then the snapshot: the rows at the
--      AS OF, consolidated, carrying the AS OF as their timestamp (subscribe.md:
--      "fast-forwarded to the AS OF"); with SNAPSHOT = false there is none.
--   3. Updates follow in timestamp order: with a snapshot at times > AS OF; without one
--      also only at times > AS OF (subscribe.rs, should_emit: `as_of.less_than(time)`
--      without a snapshot); UP TO is exclusive (should_emit: `!up_to.less_equal(time)`).
--   4. A progress row comes when the frontier moved, not at every timestamp: one at each
--      batch's upper, after that batch's updates (active_compute_sink.rs, process_response).
--      On Materialize the frontier advances with the wall clock, about once a second,
--      while nothing changes (src/adapter/src/coord.rs, Coordinator::advance_timelines_interval
--      "forces table timestamps to close on a regular interval", the system parameter
--      default_timestamp_interval, 1s by default per
--      doc/user/content/sql/create-source/postgres.md), so progress rows come about every second
--      with no data between them; here every raise of <c>_frontier.upper is one (the
--      tests model the clock by raising it, watch_test.sh "idle progress").
--   5. FETCH ALL c WITH (timeout = t) collects every batch until its deadline and returns
--      earlier only when the subscription has ended (src/pgwire/src/protocol.rs,
--      StateMachine::send_rows: the loop ends at `sleep_until(deadline)`, at the closed
--      stream, `FetchResult::Rows(None)`, or when the count is reached, which FETCH ALL's
--      `usize::MAX` never is). FETCH ALL c without a timeout is ExecuteTimeout::WaitOnce
--      (src/sql/src/plan/statement/scl.rs, plan_fetch): it waits for the first rows, then
--      returns what is ready. After the end every FETCH returns zero rows at once.
--   6. Errors, with Materialize's wording and SQLSTATE, from the first FETCH (the portal's
--      first execution sequences the SUBSCRIBE: src/environmentd/tests/sql.rs declares
--      `AS OF 1` and fails on FETCH):
--      - an AS OF below `since`: "could not find a valid timestamp for the query",
--        SQLSTATE 22000 (src/adapter/src/error.rs, ImpossibleTimestampConstraints;
--        Materialize adds a DETAIL "Constraints: ..." that the stand-in leaves out;
--        releases before #34712 said "Timestamp (T) is not valid for all inputs",
--        src/adapter/src/coord/timestamp_selection.rs);
--      - UP TO below AS OF: "subscription lower bound (`AS OF`) is greater than its upper
--        bound (`UP TO`): A > U", SQLSTATE 22000 (error.rs, AbsurdSubscribeBounds);
--      - AS OF equal to UP TO is no error: a NOTICE "subscribe as of T (inclusive) up to
--        the same bound T (exclusive) is guaranteed to be empty", SQLSTATE 01000
--        (src/adapter/src/notice.rs, EqualSubscribeBounds), the progress row at the AS OF
--        (rule 1), then the end;
--      - FETCH from a cursor that is not there: "portal "c" does not exist", SQLSTATE
--        34000 (protocol.rs, StateMachine::execute; the adapter hands FETCH to it).
--   7. The subscription ends when UP TO is reached or its inputs are finished, and then
--      with no progress row at or past UP TO: the dataflow's `until` is the UP TO
--      (src/adapter/src/optimize/subscribe.rs), its sources drop their capability as their
--      frontier reaches `until` (src/persist-client/src/operators/shard_source.rs, the
--      `until.less_equal(current_frontier)` loop; the index imports likewise), so the sink's
--      frontier goes straight to the empty frontier, for which active_compute_sink.rs sends
--      no progress row. Materialize's own tests record it as SQL-528
--      (misc/python/materialize/invariants/scenarios/table_bank.py, _up_to_replay). The sink
--      itself would send one for a non-empty frontier at or past UP TO before its final
--      batch (subscribe.rs, `send_batch(frontier ...)` before `send_batch(Antichain::default()
--      ...)`), as a fix of SQL-528 would: with the setting shop_standin.up_to_progress = on
--      (e.g. the libpq option `-c shop_standin.up_to_progress=on`) the stand-in sends that
--      row, at the frontier's upper, so tests check that both endings give the same output.
--   8. ENVELOPE UPSERT (KEY (k)): per timestamp and key, one +1 row is `upsert` with the
--      value, a -1 and a +1 are `upsert` with the new value, one -1 is `delete` with NULL
--      values, anything else `key_violation` (active_compute_sink.rs); the mz_state
--      column replaces mz_diff, key columns come first.
--   9. The cursor ends with its transaction (COMMIT, ROLLBACK, a lost connection).
--  10. A session idle in a transaction for idle_in_transaction_session_timeout (2 min by
--      default: src/sql/src/session/vars/definitions.rs, IDLE_IN_TRANSACTION_SESSION_TIMEOUT)
--      is ended with FATAL "terminating connection due to idle-in-transaction timeout",
--      SQLSTATE 25P03 (src/adapter/src/error.rs, IdleInTransactionSessionTimeout; sent by
--      protocol.rs, StateMachine::advance_ready, when the client's next message comes).
--      PostgreSQL's own timeout ends the stand-in's session with the same message, SQLSTATE
--      and severity (it sends them at once; either way a client sees them at its next
--      FETCH); tests set a short timeout for their connection.
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
-- `first` (the progress row at as_of), `snapshot` (the snapshot at as_of), the updates at
-- lo <= time < hi (hi NULL: no bound), a progress row at `progress`, and whether the
-- subscription has ended (after this step's rows).
CREATE OR REPLACE FUNCTION shop_standin_step(cursor_name text,
  OUT first boolean, OUT as_of numeric, OUT snapshot boolean, OUT lo numeric, OUT hi numeric,
  OUT progress numeric, OUT ended boolean)
LANGUAGE plpgsql AS $$
DECLARE
  c record;
  f_since numeric;
  f_upper numeric;
  bound numeric;
  done boolean;
  known boolean := false;
BEGIN
  IF to_regclass('pg_temp.shop_standin_cursors') IS NOT NULL THEN
    SELECT * INTO c FROM pg_temp.shop_standin_cursors AS s WHERE s.name = cursor_name;
    known := FOUND;
  END IF;
  IF NOT known THEN  -- rule 6
    RAISE EXCEPTION 'portal "%" does not exist', cursor_name USING ERRCODE = '34000';
  END IF;
  first := false;
  as_of := c.as_of;
  snapshot := false;
  ended := c.ended;
  IF c.ended THEN RETURN; END IF;
  EXECUTE format('SELECT since, upper FROM %I', c.collection || '_frontier') INTO f_since, f_upper;
  IF NOT c.started THEN
    -- Rule 6: what Materialize checks when the first FETCH starts the subscription.
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
      RAISE EXCEPTION 'could not find a valid timestamp for the query' USING ERRCODE = '22000';
    END IF;
    IF c.up_to IS NOT NULL AND c.up_to < as_of THEN
      RAISE EXCEPTION 'subscription lower bound (`AS OF`) is greater than its upper bound (`UP TO`): % > %', as_of, c.up_to
        USING ERRCODE = '22000';
    END IF;
    IF c.up_to = as_of THEN
      RAISE NOTICE 'subscribe as of % (inclusive) up to the same bound % (exclusive) is guaranteed to be empty', as_of, as_of
        USING ERRCODE = '01000';
    END IF;
    -- Rule 1: the progress row at the AS OF comes first, whatever follows.
    first := true;
    c.position := as_of + 1;
    c.last_progress := as_of;
    c.snapshot_due := c.snapshot AND (c.up_to IS NULL OR c.up_to > as_of);
  END IF;
  done := f_upper IS NULL OR (c.up_to IS NOT NULL AND f_upper >= c.up_to);
  lo := c.position;
  hi := c.position;
  IF NOT done AND f_upper <= as_of THEN
    -- Rule 2: no batch before the frontier has passed the AS OF.
    NULL;
  ELSE
    -- Rules 2, 3, 4 and 7: the snapshot, the updates the frontier (and UP TO) allow, then
    -- progress, or the end.
    snapshot := c.snapshot_due;
    c.snapshot_due := false;
    bound := CASE WHEN f_upper IS NULL THEN c.up_to WHEN c.up_to IS NULL THEN f_upper ELSE least(f_upper, c.up_to) END;
    hi := CASE WHEN bound IS NULL OR bound > c.position THEN bound ELSE c.position END;
    IF f_upper > c.last_progress AND (NOT done OR current_setting('shop_standin.up_to_progress', true) = 'on') THEN
      progress := f_upper;
    END IF;
    ended := done;
  END IF;
  UPDATE pg_temp.shop_standin_cursors AS s
    SET started = true, as_of = shop_standin_step.as_of, snapshot_due = c.snapshot_due,
        position = coalesce(shop_standin_step.hi, s.position),
        last_progress = coalesce(shop_standin_step.progress, c.last_progress),
        ended = shop_standin_step.ended
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
    -- Rule 8, per timestamp and key, over the consolidated updates (or snapshot).
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
  -- Rule 5. Materialize's parser also takes FETCH n (src/sql-parser/src/parser.rs,
  -- parse_fetch); the programs send FETCH ALL only, so that is all the stand-in serves.
  m := regexp_match(statement, '^FETCH (FORWARD )?ALL (FROM )?(\w+)( WITH \(timeout = ''([^'']*)''\))?$');
  IF m IS NULL THEN RAISE EXCEPTION 'stand-in: not a FETCH it serves: %%', statement; END IF;
  deadline := CASE WHEN m[5] IS NULL THEN NULL ELSE clock_timestamp() + m[5]::interval END;
  LOOP
    p := shop_standin_step(m[3]);
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
    -- With a timeout: every batch until the deadline, earlier only at the end (the stream
    -- closed). Without one (WaitOnce): until the first rows, or the end.
    EXIT WHEN p.ended;
    IF deadline IS NULL THEN
      EXIT WHEN sent > 0;
      PERFORM pg_sleep(0.02);
    ELSE
      EXIT WHEN clock_timestamp() >= deadline;
      PERFORM pg_sleep(least(0.02, extract(epoch FROM deadline - clock_timestamp())));
    END IF;
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
