#!/usr/bin/env python3
"""Checks that every statement a program sent would parse on Materialize.

    materialize_grammar.py POSTGRES_LOG DATABASE APPLICATION [MIN_STATEMENTS]

Reads the statements that APPLICATION sent to DATABASE from a PostgreSQL server log
(log_statement = 'all', log_line_prefix '%m [%p] db=%d app=%a: ', as
scripts/services.sh configures it), unwraps the calls of the SUBSCRIBE stand-in
(tests/integration/watch/subscribe_standin.sql: SELECT * FROM f('<statement>')), and
checks each against Materialize's grammar for the statements shopstream's programs
send. Prints each statement that would not parse and exits 1; exits 1 too when fewer
than MIN_STATEMENTS (default 1) were found, so a test cannot pass on an empty log.

The grammar, from MaterializeInc/materialize src/sql-parser/src/parser.rs:
  parse_declare:   DECLARE name CURSOR [WITHOUT HOLD] FOR statement
                   (WITH HOLD is an error; NO SCROLL, SCROLL, BINARY do not parse:
                   "Expected CURSOR, found NO")
  parse_fetch:     FETCH [FORWARD] [count | ALL] [FROM] name [WITH (TIMEOUT [=] value)]
                   (no NEXT, BACKWARD, ABSOLUTE)
  parse_close:     CLOSE name
  parse_subscribe: SUBSCRIBE [TO] (query) | name
                   [ENVELOPE UPSERT (KEY (col, ...))] [WITH (option [= value], ...)]
                   [AS OF [AT LEAST] expr] [UP TO expr], options SNAPSHOT and PROGRESS
  transactions:    BEGIN | START TRANSACTION, COMMIT, ROLLBACK
A SELECT is passed as written (the user's query, or SELECT mz_version()).
"""
import re
import sys

IDENT = r'(?:[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"]|"")+")'
FLAGS = re.IGNORECASE | re.DOTALL

TRANSACTION = re.compile(r'(BEGIN|START TRANSACTION|COMMIT|ROLLBACK)', FLAGS)
DECLARE = re.compile(rf'DECLARE {IDENT} CURSOR (?:WITHOUT HOLD )?FOR (?P<inner>.+)', FLAGS)
FETCH = re.compile(rf"FETCH(?: FORWARD)?(?: (?:ALL|\d+))?(?: FROM)? {IDENT}"
                   rf"(?: WITH \(\s*TIMEOUT\s*=?\s*'[^']*'\s*\))?", FLAGS)
CLOSE = re.compile(rf'CLOSE {IDENT}', FLAGS)
SUBSCRIBE = re.compile(rf"SUBSCRIBE (?:TO )?(?:\((?P<query>.+)\)|{IDENT}(?:\.{IDENT}){{0,2}})"
                       rf"(?: ENVELOPE UPSERT \(KEY \({IDENT}(?:, {IDENT})*\)\))?"
                       rf"(?: WITH \((?P<options>[^()]*)\))?"
                       rf"(?: AS OF (?:AT LEAST )?\d+)?(?: UP TO \d+)?", FLAGS)
SUBSCRIBE_OPTION = re.compile(r'(SNAPSHOT|PROGRESS)(?: = (true|false))?', FLAGS)
SELECT = re.compile(r'(SELECT|WITH) .+', FLAGS)
STANDIN_CALL = re.compile(r"SELECT \* FROM [a-z_][a-z0-9_]*\('(?P<statement>(?:[^']|'')*)'\)", FLAGS)


def problem(statement: str) -> str:
    """'' when Materialize's parser accepts the statement, else why not."""
    text = statement.strip().rstrip(';').strip()
    call = STANDIN_CALL.fullmatch(text)
    if call:
        text = call.group('statement').replace("''", "'")
    if TRANSACTION.fullmatch(text) or FETCH.fullmatch(text) or CLOSE.fullmatch(text):
        return ''
    declare = DECLARE.fullmatch(text)
    if declare:
        return problem(declare.group('inner'))
    if text.upper().startswith('DECLARE'):
        return 'not DECLARE name CURSOR [WITHOUT HOLD] FOR (parse_declare)'
    if text.upper().startswith('FETCH'):
        return 'not FETCH [FORWARD] [n | ALL] [FROM] name [WITH (TIMEOUT = ...)] (parse_fetch)'
    subscribe = SUBSCRIBE.fullmatch(text)
    if subscribe:
        options = subscribe.group('options')
        if options is not None:
            for option in options.split(','):
                if not SUBSCRIBE_OPTION.fullmatch(option.strip()):
                    return f'SUBSCRIBE option {option.strip()!r} is not SNAPSHOT or PROGRESS'
        return ''
    if text.upper().startswith('SUBSCRIBE'):
        return 'not a SUBSCRIBE as parse_subscribe reads it'
    if SELECT.fullmatch(text):
        return ''
    return 'not a statement shopstream sends to Materialize'


def statements(log_path: str, database: str, application: str):
    prefix = re.compile(r'^\d{4}-\d\d-\d\d [\d:.]+ \S+ \[\d+\] db=(?P<db>\S*) app=(?P<app>[^:]*): (?P<rest>.*)$')
    current = None
    with open(log_path, encoding='utf-8', errors='replace') as log:
        for line in log:
            line = line.rstrip('\n')
            match = prefix.match(line)
            if match:
                if current is not None:
                    yield current
                current = None
                rest = match.group('rest')
                if match.group('db') == database and match.group('app') == application and \
                        rest.startswith('LOG:  statement: '):
                    current = rest[len('LOG:  statement: '):]
            elif current is not None:
                current += '\n' + line
    if current is not None:
        yield current


def main() -> int:
    if len(sys.argv) not in (4, 5):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    log_path, database, application = sys.argv[1:4]
    minimum = int(sys.argv[4]) if len(sys.argv) == 5 else 1
    seen = 0
    bad = 0
    for statement in statements(log_path, database, application):
        seen += 1
        why = problem(statement)
        if why:
            bad += 1
            print(f'materialize_grammar: would not parse on Materialize ({why}): {statement}')
    if seen < minimum:
        print(f'materialize_grammar: only {seen} statements from {application} to {database} in {log_path} '
              f'(expected at least {minimum}: is log_statement on?)')
        return 1
    print(f'materialize_grammar: {seen} statements checked, {bad} would not parse')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
