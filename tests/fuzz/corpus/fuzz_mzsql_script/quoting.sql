SELECT 'a;b', 'it''s;', E'a\';b', "q;""x", $$a;b$$, $fn$ $$; $fn$; /* a /* nested; */ still */ SELECT 2 -- tail; comment
