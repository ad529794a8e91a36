#!/usr/bin/env python3
"""Checks that every statement a program sent would parse on Materialize.

    materialize_grammar.py POSTGRES_LOG DATABASE APPLICATION [MIN_STATEMENTS]
    materialize_grammar.py --dry-run FILE [MIN_STATEMENTS]

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

With --dry-run, FILE is shop-mzsql --dry-run output (FILE - for stdin): each statement
after its "-- file:line" line, a "-- shop-mzsql: skip if" query checked as a SELECT.
The DDL of sql/materialize/01_connections.sql is checked there, by the parser and by
the planner's rules for the options it takes:
  parse_create_cluster:    CREATE CLUSTER name [(] option [[=] value], ... [)]
  parse_create_secret:     CREATE SECRET [IF NOT EXISTS] name AS expr (a string here)
  parse_alter_secret:      ALTER SECRET [IF EXISTS] name AS expr
  parse_create_connection: CREATE CONNECTION [IF NOT EXISTS] name TO type (option, ...)
                           [WITH (VALIDATE [[=] value])]; an option is
                           parse_connection_option_name (SECURITY PROTOCOL, SASL
                           MECHANISMS | USERNAME | PASSWORD, SSL CERTIFICATE [AUTHORITY],
                           SSL KEY, SSL MODE, ...) then parse_optional_option_value:
                           [=] value, a value being 'text', a number, an identifier or
                           SECRET name; BROKER [=] 'address'
and from src/sql/src/plan/statement/ddl/connection.rs: the options each connection
type permits (validate_options_per_connection_type), which of them are secrets, and
plan_kafka_security: SECURITY PROTOCOL is PLAINTEXT | SSL | SASL_PLAINTEXT | SASL_SSL
(any case; unset: SSL, or SASL_SSL when a SASL option is given), the SASL options only
with SASL_* and then all three, the SSL options only with SSL or SASL_SSL ("option ...
not supported with this configuration"); MySQL's SSL MODE is DISABLED | REQUIRED |
VERIFY_CA | VERIFY_IDENTITY (any case; PREFERRED is refused). A SECRET named must have
been created by an earlier statement of the output. CREATE SOURCE / VIEW / INDEX and
ALTER ROLE are not modelled here: they are counted and left to the other checks
(tests/unit/materialize_sql_test.sh, tests/integration/materialize_views_test.sh).
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


# --- shop-mzsql --dry-run output: the DDL of sql/materialize -------------------------

TOKEN = re.compile(r"""\s+|--[^\n]*|(?P<str>'(?:[^']|'')*')|(?P<num>\d+)|(?P<word>[A-Za-z_][A-Za-z0-9_$]*)"""
                   r"""|(?P<qident>"(?:[^"]|"")+")|(?P<punct>[(),=.;])""", re.DOTALL)


def tokens(text: str):
    """(kind, value) pairs: str (unquoted), num, word (upper-cased), ident (quoted), punct."""
    out, at = [], 0
    while at < len(text):
        match = TOKEN.match(text, at)
        if not match:
            raise ValueError(f'unexpected {text[at:at + 10]!r}')
        at = match.end()
        if match.group('str') is not None:
            out.append(('str', match.group('str')[1:-1].replace("''", "'")))
        elif match.group('num') is not None:
            out.append(('num', match.group('num')))
        elif match.group('word') is not None:
            out.append(('word', match.group('word').upper()))
        elif match.group('qident') is not None:
            out.append(('ident', match.group('qident')[1:-1].replace('""', '"')))
        elif match.group('punct') is not None:
            out.append(('punct', match.group('punct')))
    return out


class Tokens:
    def __init__(self, text: str):
        self.items = tokens(text)
        self.at = 0

    def peek(self, offset=0):
        index = self.at + offset
        return self.items[index] if index < len(self.items) else (None, None)

    def word(self, *words):
        """Consumes the keywords `words` in a row if they are next."""
        if all(self.peek(i) == ('word', w) for i, w in enumerate(words)):
            self.at += len(words)
            return True
        return False

    def expect(self, kind, value=None):
        token = self.peek()
        if token[0] != kind or (value is not None and token[1] != value):
            raise ValueError(f'expected {value or kind}, found {token[1]!r}')
        self.at += 1
        return token[1]

    def name(self):
        kind, value = self.peek()
        if kind in ('word', 'ident'):
            self.at += 1
            while self.peek() == ('punct', '.'):
                self.at += 1
                value = self.expect(self.peek()[0] if self.peek()[0] in ('word', 'ident') else 'word')
            return value.lower() if kind == 'word' else value
        raise ValueError(f'expected a name, found {value!r}')

    def done(self):
        return self.at >= len(self.items)


# parse_connection_option_name: the options shopstream's SQL may use, as keywords.
CONNECTION_OPTIONS = [
    ('SSL', 'CERTIFICATE', 'AUTHORITY'), ('PROGRESS', 'TOPIC', 'REPLICATION', 'FACTOR'),
    ('SECURITY', 'PROTOCOL'), ('SASL', 'MECHANISMS'), ('SASL', 'USERNAME'), ('SASL', 'PASSWORD'),
    ('SSL', 'CERTIFICATE'), ('SSL', 'KEY'), ('SSL', 'MODE'), ('PROGRESS', 'TOPIC'),
    ('BROKER',), ('BROKERS',), ('HOST',), ('PORT',), ('USER',), ('USERNAME',), ('PASSWORD',), ('URL',),
    ('DATABASE',),
]
# validate_options_per_connection_type (the subset above).
PERMITTED = {
    'KAFKA': {'BROKER', 'BROKERS', 'PROGRESS TOPIC', 'PROGRESS TOPIC REPLICATION FACTOR', 'SSL KEY',
              'SSL CERTIFICATE', 'SSL CERTIFICATE AUTHORITY', 'SASL MECHANISMS', 'SASL USERNAME',
              'SASL PASSWORD', 'SECURITY PROTOCOL'},
    'MYSQL': {'HOST', 'PASSWORD', 'PORT', 'SSL CERTIFICATE', 'SSL CERTIFICATE AUTHORITY', 'SSL KEY',
              'SSL MODE', 'USER'},
    'CONFLUENT SCHEMA REGISTRY': {'PASSWORD', 'PORT', 'SSL CERTIFICATE', 'SSL CERTIFICATE AUTHORITY',
                                  'SSL KEY', 'URL', 'USER'},
}
# generate_extracted_config!(ConnectionOption, ...): the value each option takes.
SECRET_ONLY = {'PASSWORD', 'SASL PASSWORD', 'SSL KEY'}
STRING_OR_SECRET = {'SASL USERNAME', 'SSL CERTIFICATE', 'SSL CERTIFICATE AUTHORITY', 'USER'}
KAFKA_SECURITY_PROTOCOLS = {'PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'}
MYSQL_CONNECTION_SSL_MODES = {'DISABLED', 'REQUIRED', 'REQUIRE', 'VERIFY_CA', 'VERIFY-CA', 'VERIFY_IDENTITY', 'VERIFY-IDENTITY'}


def option_value(toks: Tokens, name: str):
    """parse_optional_option_value (BROKER: parse_kafka_broker): None or (kind, value)."""
    if toks.peek() in (('punct', ','), ('punct', ')')):
        return None
    if toks.peek() == ('punct', '='):
        toks.at += 1
    if name == 'BROKERS':
        toks.expect('punct', '(')
        brokers = [toks.expect('str')]
        while toks.peek() == ('punct', ','):
            toks.at += 1
            brokers.append(toks.expect('str'))
        toks.expect('punct', ')')
        return ('brokers', brokers)
    if name == 'BROKER':
        return ('str', toks.expect('str'))
    if toks.word('SECRET'):
        return ('secret', toks.name())
    kind, value = toks.peek()
    if kind in ('str', 'num', 'word', 'ident'):
        toks.at += 1
        return ('ident' if kind in ('word', 'ident') else kind, value)
    raise ValueError(f'expected a value for {name}, found {value!r}')


def connection_problem(toks: Tokens, secrets: set) -> str:
    toks.word('IF', 'NOT', 'EXISTS')
    toks.name()
    if not toks.word('TO'):
        return 'expected TO (parse_create_connection)'
    kind = next((k for k in PERMITTED if toks.word(*k.split())), None)
    if kind is None:
        return f'connection type {toks.peek()[1]!r} is not modelled here'
    toks.expect('punct', '(')
    options = {}
    while True:
        name = next((' '.join(o) for o in CONNECTION_OPTIONS if toks.word(*o)), None)
        if name is None:
            return f'{toks.peek()[1]!r} is not a connection option modelled here (parse_connection_option_name)'
        name = 'USER' if name == 'USERNAME' else name
        if name in options:
            return f'{name} specified more than once'
        options[name] = option_value(toks, name)
        if toks.peek() == ('punct', ','):
            toks.at += 1
            continue
        toks.expect('punct', ')')
        break
    if toks.word('WITH'):
        toks.expect('punct', '(')
        if not toks.word('VALIDATE'):
            return 'expected VALIDATE in WITH (parse_create_connection_option_name)'
        option_value(toks, 'VALIDATE')
        toks.expect('punct', ')')
    if not toks.done():
        return f'unexpected {toks.peek()[1]!r} after the options'
    # The planner (connection.rs).
    unsupported = sorted(set(options) - PERMITTED[kind])
    if unsupported:
        return f'{kind} connections do not support {", ".join(unsupported)} values'
    for name, value in options.items():
        if value is None:
            return f'{name} needs a value'
        if value[0] == 'secret' and value[1] not in secrets:
            return f'{name} names secret {value[1]}, which no earlier statement creates'
        if name in SECRET_ONLY and value[0] != 'secret':
            return f'{name} takes a SECRET'
        if name not in SECRET_ONLY | STRING_OR_SECRET and value[0] == 'secret':
            return f'{name} takes no SECRET'
    def text(name):
        value = options.get(name)
        return None if value is None else str(value[1])
    if kind == 'KAFKA':
        if ('BROKER' in options) == ('BROKERS' in options):
            return 'invalid CONNECTION: must set one of BROKER, BROKERS (get_brokers)'
        sasl = [o for o in ('SASL MECHANISMS', 'SASL USERNAME', 'SASL PASSWORD') if o in options]
        protocol = (text('SECURITY PROTOCOL') or ('SASL_SSL' if sasl else 'SSL')).upper()
        if protocol not in KAFKA_SECURITY_PROTOCOLS:
            return f'unknown security protocol: {protocol}'
        outstanding = [o for o in ('SSL KEY', 'SSL CERTIFICATE', 'SSL CERTIFICATE AUTHORITY') if o in options]
        if protocol in ('SSL', 'SASL_SSL'):
            if 'SSL CERTIFICATE' in options and 'SSL KEY' not in options:
                return 'SSL KEY must be specified with SSL CERTIFICATE'
            outstanding = [o for o in outstanding if o != 'SSL CERTIFICATE AUTHORITY' and
                           (o != 'SSL KEY' or 'SSL CERTIFICATE' not in options) and o != 'SSL CERTIFICATE']
        if protocol in ('SASL_PLAINTEXT', 'SASL_SSL'):
            for option in ('SASL MECHANISMS', 'SASL USERNAME', 'SASL PASSWORD'):
                if option not in options:
                    return f'{option} must be specified'
        else:
            outstanding += sasl
        if outstanding:
            return f'option {outstanding[0]} not supported with this configuration (SECURITY PROTOCOL {protocol})'
    elif kind == 'MYSQL':
        for required in ('HOST', 'USER'):
            if required not in options:
                return f'{required} option is required'
        mode = (text('SSL MODE') or 'DISABLED').upper()
        if mode not in MYSQL_CONNECTION_SSL_MODES:
            return f'invalid CONNECTION: unknown SSL MODE {mode!r}'
        if ('SSL CERTIFICATE' in options) != ('SSL KEY' in options):
            return 'invalid CONNECTION: both SSL KEY and SSL CERTIFICATE are required'
        if 'PORT' in options and (options['PORT'][0] != 'num' or int(options['PORT'][1]) > 65535):
            return 'PORT takes a number up to 65535'
    elif 'URL' not in options:
        return 'invalid CONNECTION: must specify URL'
    return ''


CLUSTER_OPTIONS = [('SIZE',), ('REPLICATION', 'FACTOR'), ('MANAGED',), ('DISK',), ('INTROSPECTION', 'INTERVAL'),
                   ('INTROSPECTION', 'DEBUGGING'), ('AVAILABILITY', 'ZONES'), ('WORKLOAD', 'CLASS')]


def ddl_problem(text: str, secrets: set):
    """'' when the DDL parses and plans, a reason when not, None for kinds not modelled."""
    if not re.match(r'(CREATE (CLUSTER|SECRET|CONNECTION)|ALTER SECRET)\b', text, re.IGNORECASE):
        return None
    try:
        toks = Tokens(text)
        if toks.word('CREATE', 'CLUSTER'):
            toks.name()
            paren = toks.peek() == ('punct', '(')
            if paren:
                toks.at += 1
            while True:
                name = next((' '.join(o) for o in CLUSTER_OPTIONS if toks.word(*o)), None)
                if name is None:
                    return f'{toks.peek()[1]!r} is not a cluster option modelled here (parse_cluster_option_name)'
                option_value(toks, name)
                if toks.peek() != ('punct', ','):
                    break
                toks.at += 1
            if paren:
                toks.expect('punct', ')')
        elif toks.word('CREATE', 'SECRET') or toks.word('ALTER', 'SECRET'):
            toks.word('IF', 'NOT', 'EXISTS') or toks.word('IF', 'EXISTS')
            name = toks.name()
            toks.expect('word', 'AS')
            toks.expect('str')
            secrets.add(name)
        elif toks.word('CREATE', 'CONNECTION'):
            return connection_problem(toks, secrets)
        else:
            return None
    except ValueError as error:
        return str(error)
    return '' if toks.done() else f'unexpected {toks.peek()[1]!r}'


def dry_run_statements(path: str):
    """The statements of shop-mzsql --dry-run output, each a skip-if query or a statement."""
    with (sys.stdin if path == '-' else open(path, encoding='utf-8')) as output:
        text = output.read()
    for block in re.split(r'(?:^|\n\n)-- [^\n]*:\d+\n', text)[1:]:
        if block.startswith('-- shop-mzsql: skip if '):
            query, _, block = block.partition('\n')
            yield query[len('-- shop-mzsql: skip if '):]
        yield block.strip().rstrip(';')


def check_dry_run(path: str, minimum: int) -> int:
    secrets, checked, bad, other = set(), 0, 0, 0
    for statement in dry_run_statements(path):
        why = ddl_problem(statement, secrets)
        if why is None:
            if SELECT.fullmatch(statement):
                checked += 1
                continue
            if re.match(r'(CREATE (SOURCE|VIEW|MATERIALIZED VIEW|INDEX|DEFAULT INDEX)|ALTER ROLE) ', statement):
                other += 1
                continue
            why = 'not a statement modelled here'
        checked += 1
        if why:
            bad += 1
            print(f'materialize_grammar: would not be accepted by Materialize ({why}): {statement}')
    if checked < minimum:
        print(f'materialize_grammar: only {checked} statements checked in {path} (expected at least {minimum})')
        return 1
    print(f'materialize_grammar: {checked} statements checked, {bad} refused '
          f'({other} CREATE SOURCE / VIEW / INDEX, ALTER ROLE left to the other checks)')
    return 1 if bad else 0


def main() -> int:
    if len(sys.argv) in (3, 4) and sys.argv[1] == '--dry-run':
        return check_dry_run(sys.argv[2], int(sys.argv[3]) if len(sys.argv) == 4 else 1)
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
