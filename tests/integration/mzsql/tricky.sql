-- Statements whose semicolons hide in every place the lexer knows; each row says where.
CREATE TABLE IF NOT EXISTS notes (id int PRIMARY KEY, body text);
INSERT INTO notes VALUES (1, 'single; quoted'), (2, 'it''s; doubled');  -- a comment; with a semicolon
INSERT INTO notes VALUES (3, E'escape\'; string\\'), /* block; /* nested; */ comment; */ (4, $$dollar; body$$);
INSERT INTO notes VALUES (5, $tag$ tagged $$; body $tag$);
CREATE TABLE IF NOT EXISTS "odd;name" (id int);
INSERT INTO notes VALUES (6, '${GREETING}'), (7, '${MISSING_WITH_DEFAULT:-fallback; value}');
