/*
 * test_frontend.c -- cmocka tests of the lexer, parser, AST printer and binder:
 * token streams, precedence, statements, error messages with SQLSTATEs and byte
 * positions, logical plans and output names, and the physical plan of SQL text.
 * Links the real runtime (catalog, arenas, errors) and optimizer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fe_int.h"
#include "opt.h"

/* Per-test state: a statement arena and a catalog with two tables. */
typedef struct fixture {
    rt_arena *arena;
    rt_catalog *cat;
    rt_error err;
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    f->arena = rt_arena_create(NULL);
    f->cat = rt_catalog_create();
    rt_error_clear(&f->err);
    char *t_cols[] = {"a", "b", "c"};
    qe_type t_types[] = {QE_TYPE_INTEGER, QE_TYPE_BIGINT, QE_TYPE_VARCHAR};
    assert_int_equal(rt_catalog_create_table(f->cat, "t", 3, t_cols, t_types, NULL, &f->err),
                     QE_OK);
    char *l_cols[] = {"l_shipdate", "l_quantity", "l_flag"};
    qe_type l_types[] = {QE_TYPE_VARCHAR, QE_TYPE_DOUBLE, QE_TYPE_BOOLEAN};
    assert_int_equal(rt_catalog_create_table(f->cat, "lineitem", 3, l_cols, l_types, NULL, &f->err),
                     QE_OK);
    char *d_cols[] = {"d", "ts", "n", "s", "iv"};
    qe_type d_types[] = {QE_TYPE_DATE, QE_TYPE_TIMESTAMP, QE_TYPE_DECIMAL, QE_TYPE_SMALLINT,
                         QE_TYPE_INTERVAL};
    assert_int_equal(rt_catalog_create_table(f->cat, "dt", 5, d_cols, d_types, NULL, &f->err),
                     QE_OK);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    rt_catalog_destroy(f->cat);
    rt_arena_destroy(f->arena);
    free(f);
    return 0;
}

static fe_ast *parse_ok(fixture *f, const char *sql) {
    fe_ast *ast = NULL;
    size_t tail = 0;
    qe_status st = fe_parse(f->arena, sql, strlen(sql), &ast, &tail, &f->err);
    if (st != QE_OK)
        fail_msg("parse failed for [%s]: %s", sql, f->err.message);
    return ast;
}

static plan_node *bind_ok(fixture *f, const char *sql) {
    fe_ast *ast = parse_ok(f, sql);
    plan_node *n = NULL;
    if (fe_bind(f->arena, ast, f->cat, &n, &f->err) != QE_OK)
        fail_msg("bind failed for [%s]: %s", sql, f->err.message);
    return n;
}

/* Parses and binds; expects an error with this SQLSTATE, position and message. */
static void expect_error(fixture *f, const char *sql, const char *sqlstate, int pos,
                         const char *message) {
    fe_ast *ast = NULL;
    size_t tail = 0;
    rt_error_clear(&f->err);
    qe_status st = fe_parse(f->arena, sql, strlen(sql), &ast, &tail, &f->err);
    if (st == QE_OK && ast) {
        plan_node *n = NULL;
        st = fe_bind(f->arena, ast, f->cat, &n, &f->err);
    }
    if (st == QE_OK)
        fail_msg("expected error %s for [%s]", sqlstate, sql);
    if (strcmp(f->err.sqlstate, sqlstate) != 0 || f->err.position != pos ||
        strcmp(f->err.message, message) != 0)
        fail_msg("[%s]: got %s at %d \"%s\", want %s at %d \"%s\"", sql, f->err.sqlstate,
                 f->err.position, f->err.message, sqlstate, pos, message);
}

static void expect_text(const char *got, const char *want) {
    if (!got || strcmp(got, want) != 0)
        fail_msg("got:\n%s\nwant:\n%s", got ? got : "(null)", want);
}

static void expect_logical(fixture *f, const char *sql, const char *want) {
    char *text = opt_print_logical(bind_ok(f, sql));
    expect_text(text, want);
    free(text);
}

static void expect_physical(fixture *f, const char *sql, const char *want) {
    plan_node *n = bind_ok(f, sql), *o = NULL;
    plan_query *q = NULL;
    assert_int_equal(opt_optimize(f->arena, n, &o, &f->err), QE_OK);
    if (opt_physical(f->arena, o, &q, &f->err) != QE_OK)
        fail_msg("physical planning failed for [%s]: %s", sql, f->err.message);
    char *text = opt_print_physical(q);
    expect_text(text, want);
    free(text);
}

/* ---- lexer -------------------------------------------------------------------------- */

static void test_keywords_sorted(void **state) {
    (void)state;
    for (uint32_t i = 2; i <= fe_keyword_count(); i++)
        assert_true(strcmp(fe_keyword_text((fe_keyword)(i - 1)), fe_keyword_text((fe_keyword)i)) <
                    0);
    assert_int_equal(fe_keyword_lookup("select", 6), FE_KW_SELECT);
    assert_int_equal(fe_keyword_lookup("SeLeCt", 6), FE_KW_SELECT);
    assert_int_equal(fe_keyword_lookup("selects", 7), FE_KW_NONE);
    assert_int_equal(fe_keyword_lookup("with", 4), FE_KW_WITH);
    assert_int_equal(fe_keyword_lookup("all", 3), FE_KW_ALL);
}

static void test_lexer_tokens(void **state) {
    (void)state;
    const char *sql = "SELECT a1, 'it''s', \"Q\"\"x\" -- comment\n /* a /* nested */ c */"
                      " 1.5e3 .5 42 >= <> != || :: $1 ;";
    fe_token_kind want[] = {
        FE_TOK_IDENT,   FE_TOK_IDENT,   FE_TOK_COMMA,   FE_TOK_STRING, FE_TOK_COMMA, FE_TOK_QIDENT,
        FE_TOK_DECIMAL, FE_TOK_DECIMAL, FE_TOK_INTEGER, FE_TOK_GE,     FE_TOK_NE,    FE_TOK_NE2,
        FE_TOK_CONCAT,  FE_TOK_DCOLON,  FE_TOK_PARAM,   FE_TOK_SEMI,   FE_TOK_EOF};
    fe_lexer lx;
    rt_error err;
    fe_lexer_init(&lx, sql, strlen(sql));
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        fe_token t;
        assert_int_equal(fe_lexer_next(&lx, &t, &err), QE_OK);
        assert_int_equal(t.kind, want[i]);
        if (i == 0)
            assert_int_equal(t.kw, FE_KW_SELECT);
        if (i == 1)
            assert_int_equal(t.kw, FE_KW_NONE);
        if (i == 16)
            assert_int_equal(t.start, (int)strlen(sql));
    }
}

static void test_lexer_errors(void **state) {
    fixture *f = *state;
    expect_error(f, "SELECT 'abc", "42601", 7, "unterminated quoted string at or near \"'abc\"");
    expect_error(f, "SELECT 1 /* x", "42601", 9, "unterminated /* comment at or near \"/* x\"");
    expect_error(f, "SELECT \"ab", "42601", 7,
                 "unterminated quoted identifier at or near \"\"ab\"");
    expect_error(f, "SELECT 123abc", "42601", 7,
                 "trailing junk after numeric literal at or near \"123abc\"");
    expect_error(f, "SELECT a # b", "42601", 9, "syntax error at or near \"#\"");
    expect_error(f, "SELECT \"\" FROM t", "42601", 7,
                 "zero-length delimited identifier at or near \"\"\"\"");
}

/* ---- parser ------------------------------------------------------------------------- */

static void test_parse_statements_and_tail(void **state) {
    fixture *f = *state;
    const char *sql = "  ;; SELECT 1; SELECT 2 ;  -- end\n";
    fe_ast *ast = NULL;
    size_t tail = 0;
    assert_int_equal(fe_parse(f->arena, sql, strlen(sql), &ast, &tail, &f->err), QE_OK);
    assert_non_null(ast);
    assert_int_equal(ast->kind, FE_AST_SELECT);
    assert_int_equal(tail, 14);
    assert_int_equal(fe_parse(f->arena, sql + tail, strlen(sql) - tail, &ast, &tail, &f->err),
                     QE_OK);
    assert_non_null(ast);
    assert_int_equal(tail, 11);
    const char *rest = "  -- end\n";
    assert_int_equal(fe_parse(f->arena, rest, strlen(rest), &ast, &tail, &f->err), QE_OK);
    assert_null(ast);
    assert_int_equal(tail, strlen(rest));
}

static void test_parse_syntax_errors(void **state) {
    fixture *f = *state;
    expect_error(f, "SELECT * FORM t", "42601", 9, "syntax error at or near \"FORM\"");
    expect_error(f, "SELECT a FROM", "42601", 13, "syntax error at end of input");
    expect_error(f, "SELECT (1", "42601", 9, "syntax error at end of input");
    expect_error(f, "SELECT 1 2", "42601", 9, "syntax error at or near \"2\"");
    expect_error(f, "SELECT a < b < c FROM t", "42601", 13, "syntax error at or near \"<\"");
    expect_error(f, "SELECT 1 SELECT 2", "42601", 9, "syntax error at or near \"SELECT\"");
    expect_error(f, "SELEC 2", "42601", 0, "syntax error at or near \"SELEC\"");
    expect_error(f, "SELECT a FROM t WHERE", "42601", 21, "syntax error at end of input");
    expect_error(f, "SELECT a, FROM t", "42601", 10, "syntax error at or near \"FROM\"");
    expect_error(f, "CREATE TABLE x ()", "42601", 16, "syntax error at or near \")\"");
    expect_error(f, "INSERT t VALUES (1)", "42601", 7, "syntax error at or near \"t\"");
}

static void test_parse_precedence(void **state) {
    fixture *f = *state;
    char *text = fe_ast_print(parse_ok(f, "SELECT 1 + 2 * -3 = 7 OR NOT a IS NULL AND b::int > 0"));
    expect_text(text, "Select\n"
                      "  items:\n"
                      "    SelectItem 1 + 2 * -3 = 7 OR NOT a IS NULL AND b::int > 0\n"
                      "      Binary OR\n"
                      "        Binary =\n"
                      "          Binary +\n"
                      "            Literal integer 1\n"
                      "            Binary *\n"
                      "              Literal integer 2\n"
                      "              Literal integer -3\n"
                      "          Literal integer 7\n"
                      "        Binary AND\n"
                      "          Unary NOT\n"
                      "            Is NULL\n"
                      "              ColumnRef a\n"
                      "          Binary >\n"
                      "            Cast\n"
                      "              ColumnRef b\n"
                      "              TypeName int\n"
                      "            Literal integer 0\n");
    free(text);
}

static void test_parse_ast_print_statement(void **state) {
    fixture *f = *state;
    char *text = fe_ast_print(parse_ok(
        f, "select A, count(*) AS \"N\" from T x where b between 1 and 2 and c in ('x', 'y') "
           "group by 1 order by 2 desc nulls last limit 10 offset 5"));
    expect_text(text, "Select\n"
                      "  items:\n"
                      "    SelectItem a\n"
                      "      ColumnRef a\n"
                      "    SelectItem N\n"
                      "      FuncCall count *\n"
                      "  from:\n"
                      "    TableRef t AS x\n"
                      "  where:\n"
                      "    Binary AND\n"
                      "      Between\n"
                      "        ColumnRef b\n"
                      "        Literal integer 1\n"
                      "        Literal integer 2\n"
                      "      InList\n"
                      "        ColumnRef c\n"
                      "        list:\n"
                      "          Literal string 'x'\n"
                      "          Literal string 'y'\n"
                      "  group by:\n"
                      "    Literal integer 1\n"
                      "  order by:\n"
                      "    SortItem DESC NULLS LAST\n"
                      "      Literal integer 2\n"
                      "  limit:\n"
                      "    Literal integer 10\n"
                      "  offset:\n"
                      "    Literal integer 5\n");
    free(text);
    text = fe_ast_print(parse_ok(f, "CREATE TABLE IF NOT EXISTS t2 (a INT, b DOUBLE PRECISION, "
                                    "c VARCHAR(10))"));
    expect_text(text, "CreateTable t2 IF NOT EXISTS\n"
                      "  columns:\n"
                      "    ColumnDef a\n"
                      "      TypeName int\n"
                      "    ColumnDef b\n"
                      "      TypeName double precision\n"
                      "    ColumnDef c\n"
                      "      TypeName varchar(10)\n");
    free(text);
}

static void test_parse_unsupported(void **state) {
    fixture *f = *state;
    expect_error(f, "SELECT * FROM t, LATERAL (SELECT 1) s", "0A000", 17,
                 "LATERAL is not supported yet");
    expect_error(f, "SELECT a FROM t FETCH FIRST 3 ROWS WITH TIES", "0A000", 35,
                 "FETCH ... WITH TIES is not supported yet");
    expect_error(f, "SELECT sum(a) OVER (ROWS 1 PRECEDING EXCLUDE CURRENT ROW) FROM t", "0A000", 37,
                 "GROUPS frames and EXCLUDE are not supported yet");
    expect_error(f, "CREATE TABLE x (a INT CHECK (a > 0))", "0A000", 22,
                 "column constraints other than NOT NULL, PRIMARY KEY, UNIQUE and DEFAULT are "
                 "not supported yet");
    expect_error(f, "CREATE TABLE x (a INT DEFAULT 1)", "0A000", 30,
                 "column defaults are not supported yet");
    expect_error(f, "DELETE FROM t USING u", "0A000", 14,
                 "joins in UPDATE and DELETE are not supported yet");
    expect_error(f, "ALTER TABLE t ADD COLUMN d INT", "0A000", 0, "ALTER is not supported yet");
}

static void test_parse_depth_limit(void **state) {
    fixture *f = *state;
    size_t n = 3000;
    char *sql = malloc(2 * n + 16);
    strcpy(sql, "SELECT ");
    size_t len = 7;
    for (size_t i = 0; i < n; i++)
        sql[len++] = '(';
    sql[len++] = '1';
    for (size_t i = 0; i < n; i++)
        sql[len++] = ')';
    sql[len] = '\0';
    fe_ast *ast = NULL;
    size_t tail;
    assert_int_equal(fe_parse(f->arena, sql, len, &ast, &tail, &f->err), QE_SYNTAX);
    assert_string_equal(f->err.sqlstate, "54001");
    free(sql);
}

/* ---- binder: errors ----------------------------------------------------------------- */

static void test_bind_name_errors(void **state) {
    fixture *f = *state;
    expect_error(f, "SELECT l_shipdat FROM lineitem", "42703", 7,
                 "column \"l_shipdat\" does not exist");
    assert_string_equal(f->err.hint,
                        "Perhaps you meant to reference the column \"lineitem.l_shipdate\".");
    expect_error(f, "SELECT zzz FROM t", "42703", 7, "column \"zzz\" does not exist");
    assert_string_equal(f->err.hint, "");
    expect_error(f, "SELECT t.zz FROM t", "42703", 7, "column t.zz does not exist");
    expect_error(f, "SELECT x.a FROM t", "42P01", 7, "missing FROM-clause entry for table \"x\"");
    expect_error(f, "SELECT * FROM x", "42P01", 14, "relation \"x\" does not exist");
    expect_error(f, "SELECT * FROM lineitme", "42P01", 14, "relation \"lineitme\" does not exist");
    assert_string_equal(f->err.hint, "Perhaps you meant to reference the table \"lineitem\".");
    expect_error(f, "SELECT a FROM t AS u WHERE t.a = 1", "42P01", 27,
                 "missing FROM-clause entry for table \"t\"");
    expect_error(f, "SELECT *", "42601", 7, "SELECT * with no tables specified is not valid");
    expect_error(f, "SELECT a", "42703", 7, "column \"a\" does not exist");
}

static void test_bind_type_errors(void **state) {
    fixture *f = *state;
    expect_error(f, "SELECT a + true FROM t", "42883", 9,
                 "operator does not exist: integer + boolean");
    assert_string_equal(f->err.hint, "No operator matches the given name and argument types. "
                                     "You might need to add explicit type casts.");
    expect_error(f, "SELECT a FROM t WHERE a", "42804", 22,
                 "argument of WHERE must be type boolean, not type integer");
    expect_error(f, "SELECT a FROM t WHERE a = 'abc'", "22P02", 26,
                 "invalid input syntax for type integer: \"abc\"");
    expect_error(f, "SELECT a FROM t WHERE c = 1", "42883", 24,
                 "operator does not exist: varchar = integer");
    expect_error(f, "SELECT a FROM t WHERE a > 1 AND b", "42804", 32,
                 "argument of AND must be type boolean, not type bigint");
    expect_error(f, "SELECT NOT a FROM t", "42804", 11,
                 "argument of NOT must be type boolean, not type integer");
    expect_error(f, "SELECT -c FROM t", "42883", 7, "operator does not exist: - varchar");
    expect_error(f, "SELECT l_quantity % 2 FROM lineitem", "42883", 18,
                 "operator does not exist: double precision % integer");
    expect_error(f, "SELECT 99999999999999999999", "22003", 7,
                 "value \"99999999999999999999\" is out of range for type bigint");
    expect_error(f, "SELECT CAST(l_flag AS DOUBLE) FROM lineitem", "42846", 7,
                 "cannot cast type boolean to double precision");
    expect_error(f, "SELECT 'x'::int", "22P02", 7, "invalid input syntax for type integer: \"x\"");
    expect_error(f, "SELECT '3000000000'::int", "22003", 7,
                 "value \"3000000000\" is out of range for type integer");
    expect_error(f, "SELECT CAST(a AS date) FROM t", "42846", 7,
                 "cannot cast type integer to date");
    expect_error(f, "SELECT CAST(a AS time) FROM t", "0A000", 17,
                 "type \"time\" is not supported yet");
    expect_error(f, "SELECT foo(a) FROM t", "42883", 7, "function foo(integer) does not exist");
}

static void test_bind_aggregate_errors(void **state) {
    fixture *f = *state;
    expect_error(f, "SELECT b FROM t GROUP BY a", "42803", 7,
                 "column \"t.b\" must appear in the GROUP BY clause or be used in an aggregate "
                 "function");
    expect_error(f, "SELECT a, count(*) FROM t", "42803", 7,
                 "column \"t.a\" must appear in the GROUP BY clause or be used in an aggregate "
                 "function");
    expect_error(f, "SELECT a FROM t WHERE sum(b) > 1", "42803", 22,
                 "aggregate functions are not allowed in WHERE");
    expect_error(f, "SELECT sum(a) FROM t GROUP BY sum(a)", "42803", 30,
                 "aggregate functions are not allowed in GROUP BY");
    expect_error(f, "SELECT sum(sum(a)) FROM t", "42803", 11,
                 "aggregate function calls cannot be nested");
    expect_error(f, "SELECT abs(a) FILTER (WHERE a > 1) FROM t", "42809", 7,
                 "FILTER specified, but abs is not an aggregate function");
    expect_error(f, "SELECT rank() FROM t", "42809", 7,
                 "window function rank requires an OVER clause");
    expect_error(f, "SELECT sum(c) FROM t", "42883", 7, "function sum(varchar) does not exist");
    expect_error(f, "SELECT sum(a, b) FROM t", "42883", 7,
                 "function sum(integer, bigint) does not exist");
    expect_error(f, "SELECT a + 1 FROM t GROUP BY a ORDER BY b", "42803", 40,
                 "column \"t.b\" must appear in the GROUP BY clause or be used in an aggregate "
                 "function");
    expect_error(f, "SELECT a FROM t GROUP BY 4", "42P10", 25,
                 "GROUP BY position 4 is not in select list");
    expect_error(f, "SELECT a FROM t ORDER BY 0", "42P10", 25,
                 "ORDER BY position 0 is not in select list");
    expect_error(f, "SELECT DISTINCT a FROM t ORDER BY b", "42P10", 34,
                 "for SELECT DISTINCT, ORDER BY expressions must appear in select list");
    expect_error(f, "SELECT a FROM t LIMIT -1", "2201W", 22, "LIMIT must not be negative");
    expect_error(f, "SELECT a FROM t LIMIT 'x'", "42804", 22,
                 "argument of LIMIT must be type bigint, not type varchar");
}

static void test_bind_ddl_errors(void **state) {
    fixture *f = *state;
    expect_error(f, "CREATE TABLE t (x INT)", "42P07", 13, "relation \"t\" already exists");
    expect_error(f, "CREATE TABLE n (x INT, y TIME)", "0A000", 25,
                 "type \"time\" is not supported yet");
    expect_error(f, "CREATE TABLE n (x foo)", "42704", 18, "type \"foo\" does not exist");
    expect_error(f, "CREATE TABLE n (x INT, x BIGINT)", "42701", 23,
                 "column \"x\" specified more than once");
    expect_error(f, "DROP TABLE nope", "42P01", 11, "table \"nope\" does not exist");
    expect_error(f, "INSERT INTO nope VALUES (1)", "42P01", 12, "relation \"nope\" does not exist");
    expect_error(f, "INSERT INTO t VALUES (1, 2, 'x', 4)", "42601", 33,
                 "INSERT has more expressions than target columns");
    expect_error(f, "INSERT INTO t (a, b) VALUES (1)", "42601", 18,
                 "INSERT has more target columns than expressions");
    expect_error(f, "INSERT INTO t (a, zz) VALUES (1, 2)", "42703", 18,
                 "column \"zz\" of relation \"t\" does not exist");
    expect_error(f, "INSERT INTO t (a, a) VALUES (1, 2)", "42701", 18,
                 "column \"a\" specified more than once");
    expect_error(f, "INSERT INTO t (a) VALUES (true)", "42804", 26,
                 "column \"a\" is of type integer but expression is of type boolean");
    expect_error(f, "INSERT INTO t (a) VALUES ('z')", "22P02", 26,
                 "invalid input syntax for type integer: \"z\"");
    expect_error(f, "INSERT INTO t (a) SELECT c FROM t", "42804", 25,
                 "column \"a\" is of type integer but expression is of type varchar");
}

/* ---- binder: plans ------------------------------------------------------------------ */

static void test_bind_skeleton_query(void **state) {
    fixture *f = *state;
    expect_logical(f, "SELECT a, count(*), sum(b) FROM t WHERE b > 10 GROUP BY a ORDER BY a",
                   "Order(#0) -> (a INTEGER, count_star() BIGINT, sum(b) BIGINT)\n"
                   "  Project(#0, #1, #2) -> (a INTEGER, count_star() BIGINT, sum(b) BIGINT)\n"
                   "    Aggregate(groups: #0; aggs: count_star(), sum(#1)) -> (a INTEGER, "
                   "count_star() BIGINT, sum(b) BIGINT)\n"
                   "      Filter(#1 > 10) -> (a INTEGER, b BIGINT)\n"
                   "        Get(t: a, b) -> (a INTEGER, b BIGINT)\n");
}

static void test_bind_output_names(void **state) {
    fixture *f = *state;
    plan_node *n = bind_ok(f, "SELECT a, count(*), sum(b), a + 1, a AS x, count(c), Sum( B ) s2, "
                              "\"a\" FROM t GROUP BY a");
    const char *want[] = {"a", "count_star()", "sum(b)", "a + 1", "x", "count(c)", "s2", "a"};
    assert_int_equal(n->n_cols, 8);
    for (uint32_t i = 0; i < 8; i++)
        assert_string_equal(n->names[i], want[i]);
    n = bind_ok(f, "SELECT * FROM t");
    assert_int_equal(n->n_cols, 3);
    assert_string_equal(n->names[2], "c");
    n = bind_ok(f, "SELECT sum(b + 1), (a), 1 FROM t GROUP BY a");
    assert_string_equal(n->names[0], "sum(b + 1)");
    assert_string_equal(n->names[1], "a");
    assert_string_equal(n->names[2], "1");
}

static void test_bind_select_shapes(void **state) {
    fixture *f = *state;
    expect_logical(f, "SELECT 1 + 2, 'x'",
                   "Project(1 + 2, 'x') -> (1 + 2 INTEGER, 'x' VARCHAR)\n"
                   "  Values(1 row)\n");
    expect_logical(f, "SELECT c FROM t ORDER BY a DESC, b + 1 LIMIT 5 OFFSET 2",
                   "Project(#0) -> (c VARCHAR)\n"
                   "  Limit(5 OFFSET 2) -> (c VARCHAR, #0 INTEGER, #1 + 1 BIGINT)\n"
                   "    Order(#1 DESC, #2) -> (c VARCHAR, #0 INTEGER, #1 + 1 BIGINT)\n"
                   "      Project(#2, #0, #1 + 1) -> (c VARCHAR, #0 INTEGER, #1 + 1 BIGINT)\n"
                   "        Get(t: a, b, c) -> (a INTEGER, b BIGINT, c VARCHAR)\n");
    expect_logical(f, "SELECT DISTINCT a AS x FROM t ORDER BY x",
                   "Order(#0) -> (x INTEGER)\n"
                   "  Aggregate(groups: #0; aggs: ) -> (x INTEGER)\n"
                   "    Project(#0) -> (x INTEGER)\n"
                   "      Get(t: a) -> (a INTEGER)\n");
    expect_logical(f, "SELECT count(*) FROM t",
                   "Project(#0) -> (count_star() BIGINT)\n"
                   "  Aggregate(groups: ; aggs: count_star()) -> (count_star() BIGINT)\n"
                   "    Get(t: a) -> (a INTEGER)\n");
    expect_logical(
        f, "SELECT a + 1 AS k, max(b) FROM t GROUP BY k HAVING max(b) > 2 ORDER BY 2",
        "Order(#1) -> (k INTEGER, max(b) BIGINT)\n"
        "  Project(#0, #1) -> (k INTEGER, max(b) BIGINT)\n"
        "    Filter(#1 > 2) -> (#0 + 1 INTEGER, max(b) BIGINT)\n"
        "      Aggregate(groups: #0 + 1; aggs: max(#1)) -> (#0 + 1 INTEGER, max(b) BIGINT)\n"
        "        Get(t: a, b) -> (a INTEGER, b BIGINT)\n");
}

static void test_bind_expressions(void **state) {
    fixture *f = *state;
    expect_logical(f, "SELECT a FROM t WHERE b BETWEEN 1 AND a AND c IN ('x', 'y') AND b > '7'",
                   "Project(#0) -> (a INTEGER)\n"
                   "  Filter((((#1 >= 1) AND (#1 <= CAST(#0 AS BIGINT))) AND ((#2 = 'x') OR (#2 = "
                   "'y'))) AND (#1 > 7)) -> (a INTEGER, b BIGINT, c VARCHAR)\n"
                   "    Get(t: a, b, c) -> (a INTEGER, b BIGINT, c VARCHAR)\n");
    expect_logical(
        f,
        "SELECT a IS NOT NULL, -2147483648, 2147483648, 1.5, a::bigint, c || a, "
        "NULL, -a, +a, a / 2 % 3 FROM t",
        "Project(#0 IS NOT NULL, -2147483648, 2147483648, 1.5, CAST(#0 AS BIGINT), #1 "
        "|| CAST(#0 AS VARCHAR), NULL, -#0, #0, (#0 / 2) % 3) -> (a IS NOT NULL "
        "BOOLEAN, -2147483648 INTEGER, 2147483648 BIGINT, 1.5 DECIMAL(2,1), a::bigint BIGINT, "
        "c || a VARCHAR, NULL INTEGER, -a INTEGER, +a INTEGER, a / 2 % 3 INTEGER)\n"
        "  Get(t: a, c) -> (a INTEGER, c VARCHAR)\n");
    expect_logical(f,
                   "SELECT l_flag IS TRUE, l_flag IS NOT FALSE, l_flag AND 'yes', "
                   "l_quantity IN (1, 2.5) FROM lineitem",
                   "Project((#1 IS NOT NULL) AND #1, (#1 IS NULL) OR #1, #1 AND true, (#0 = 1.0) "
                   "OR (#0 = 2.5)) -> (l_flag IS TRUE BOOLEAN, l_flag IS NOT FALSE BOOLEAN, "
                   "l_flag AND 'yes' BOOLEAN, l_quantity IN (1, 2.5) BOOLEAN)\n"
                   "  Get(lineitem: l_quantity, l_flag) -> (l_quantity DOUBLE, l_flag BOOLEAN)\n");
}

static void test_bind_statements(void **state) {
    fixture *f = *state;
    expect_logical(
        f, "CREATE TABLE IF NOT EXISTS t (x INT, y TEXT, z BOOL, w FLOAT8, v INT8)",
        "CreateTable(t IF NOT EXISTS: x INTEGER, y VARCHAR, z BOOLEAN, w DOUBLE, v BIGINT)\n");
    expect_logical(f, "DROP TABLE IF EXISTS nope", "DropTable(nope IF EXISTS)\n");
    expect_logical(f, "SET threads = 4", "Set(threads = '4')\n");
    expect_logical(f, "SET execution_mode TO 'jit'", "Set(execution_mode = 'jit')\n");
    expect_logical(f, "SET x TO on", "Set(x = 'on')\n");
    expect_logical(f, "RESET threads", "Set(threads RESET)\n");
    expect_logical(f, "INSERT INTO t VALUES (1, 5, 'x'), (1, 20, 'y'), (2, 30, NULL)",
                   "Insert(t)\n"
                   "  Project(#0, #1, #2) -> (a INTEGER, b BIGINT, c VARCHAR)\n"
                   "    Values(3 rows: (1, 5, 'x'), (1, 20, 'y'), (2, 30, NULL)) -> (a INTEGER, b "
                   "BIGINT, c VARCHAR)\n");
    expect_logical(f, "INSERT INTO t (c, a) VALUES ('q', 2.5)",
                   "Insert(t)\n"
                   "  Project(#1, NULL, #0) -> (a INTEGER, b BIGINT, c VARCHAR)\n"
                   "    Values(1 row: ('q', 3)) -> (c VARCHAR, a INTEGER)\n");
    expect_logical(f, "INSERT INTO t SELECT a, a, 'k' FROM t WHERE a > 1",
                   "Insert(t)\n"
                   "  Project(#0, CAST(#1 AS BIGINT), #2) -> (a INTEGER, b BIGINT, c VARCHAR)\n"
                   "    Project(#0, #0, 'k') -> (a INTEGER, a INTEGER, 'k' VARCHAR)\n"
                   "      Filter(#0 > 1) -> (a INTEGER)\n"
                   "        Get(t: a) -> (a INTEGER)\n");
    expect_logical(f, "EXPLAIN SELECT 1",
                   "Explain(plan) -> (QUERY PLAN VARCHAR)\n"
                   "  Project(1) -> (1 INTEGER)\n"
                   "    Values(1 row)\n");
    expect_logical(
        f, "VALUES (1, 'a'), (2.5, NULL)",
        "Values(2 rows: (1.0, 'a'), (2.5, NULL)) -> (col0 DECIMAL(11,1), col1 VARCHAR)\n");
}

/* Expressions of issue 3: DECIMAL/date typing, CASE, catalog functions, SQL-syntax
 * calls, LIKE, IS DISTINCT FROM, aggregates with DISTINCT/FILTER, parameters. */
static void test_bind_typed_expressions(void **state) {
    fixture *f = *state;
    expect_logical(f, "SELECT n + 1, n * 2.5, n / 4, s + 1 FROM dt",
                   "Project(CAST(#0 AS DECIMAL(19,3)) + 1.000, #0 * 2.5, CAST(#0 AS DOUBLE) / 4.0, "
                   "CAST(#1 AS INTEGER) + 1) -> (n + 1 DECIMAL(19,3), n * 2.5 DECIMAL(20,4), n / 4 "
                   "DOUBLE, s + 1 INTEGER)\n"
                   "  Get(dt: n, s) -> (n DECIMAL(18,3), s SMALLINT)\n");
    expect_logical(f, "SELECT d + 1, d - d, d - INTERVAL '90' DAY (3), ts - ts, iv * 2 FROM dt",
                   "Project(#0 + 1, #0 - #0, CAST(#0 AS TIMESTAMP) - INTERVAL '90 days', #1 - #1, "
                   "#2 * 2.0) -> (d + 1 DATE, d - d INTEGER, d - INTERVAL '90' DAY (3) TIMESTAMP, "
                   "ts - ts INTERVAL, iv * 2 INTERVAL)\n"
                   "  Get(dt: d, ts, iv) -> (d DATE, ts TIMESTAMP, iv INTERVAL)\n");
    expect_logical(f, "SELECT d FROM dt WHERE d <= '1998-09-02' AND ts > DATE '1998-01-01'",
                   "Project(#0) -> (d DATE)\n"
                   "  Filter((#0 <= DATE '1998-09-02') AND (#1 > TIMESTAMP '1998-01-01 "
                   "00:00:00')) -> (d DATE, ts TIMESTAMP)\n"
                   "    Get(dt: d, ts) -> (d DATE, ts TIMESTAMP)\n");
    expect_logical(f,
                   "SELECT CASE WHEN a > 0 THEN 'pos' WHEN a < 0 THEN 'neg' ELSE 'zero' END, "
                   "CASE a WHEN 1 THEN 1.5 END FROM t",
                   "Project(CASE WHEN #0 > 0 THEN 'pos' WHEN #0 < 0 THEN 'neg' ELSE 'zero' END, "
                   "CASE WHEN #0 = 1 THEN 1.5 END) -> (CASE WHEN a > 0 THEN 'pos' WHEN a < 0 THEN "
                   "'neg' ELSE 'zero' END VARCHAR, CASE a WHEN 1 THEN 1.5 END DECIMAL(2,1))\n"
                   "  Get(t: a) -> (a INTEGER)\n");
}

static void test_bind_function_calls(void **state) {
    fixture *f = *state;
    expect_logical(f,
                   "SELECT substring(c FROM 2 FOR 3), position('x' IN c), trim(LEADING 'x' FROM "
                   "c), coalesce(a, b, 0), c LIKE 'a%' ESCAPE '!', a IS DISTINCT FROM b, "
                   "c NOT ILIKE 'b' FROM t",
                   "Project(substring(#2, 2, 3), position('x', #2), ltrim(#2, 'x'), "
                   "coalesce(CAST(#0 AS BIGINT), #1, 0), #2 LIKE 'a%' ESCAPE '!', CAST(#0 AS "
                   "BIGINT) IS DISTINCT FROM #1, NOT (#2 ILIKE 'b')) -> (substring(c FROM 2 FOR 3) "
                   "VARCHAR, position('x' IN c) INTEGER, trim(LEADING 'x' FROM c) VARCHAR, "
                   "coalesce(a, b, 0) BIGINT, c LIKE 'a%' ESCAPE '!' BOOLEAN, a IS DISTINCT FROM b "
                   "BOOLEAN, c NOT ILIKE 'b' BOOLEAN)\n"
                   "  Get(t: a, b, c) -> (a INTEGER, b BIGINT, c VARCHAR)\n");
    expect_logical(f, "SELECT extract(year FROM d), date_trunc('month', d), typeof(n) FROM dt",
                   "Project(extract('year', #0), date_trunc('month', CAST(#0 AS TIMESTAMP)), "
                   "'DECIMAL(18,3)') -> (extract(year FROM d) BIGINT, date_trunc('month', d) "
                   "TIMESTAMP, typeof(n) VARCHAR)\n"
                   "  Get(dt: d, n) -> (d DATE, n DECIMAL(18,3))\n");
    expect_logical(f,
                   "SELECT count(DISTINCT a), sum(b) FILTER (WHERE a > 1), string_agg(c, ','), "
                   "stddev(a) FROM t",
                   "Project(#0, #1, #2, #3) -> (count(DISTINCT a) BIGINT, sum(b) BIGINT, "
                   "string_agg(c, ',') VARCHAR, stddev(a) DOUBLE)\n"
                   "  Aggregate(groups: ; aggs: count(DISTINCT #0), sum(#1) FILTER (WHERE #0 > "
                   "1), string_agg(#2, ','), stddev_samp(CAST(#0 AS DOUBLE))) -> (count(DISTINCT "
                   "a) BIGINT, sum(b) BIGINT, string_agg(c, ',') VARCHAR, stddev(a) DOUBLE)\n"
                   "    Get(t: a, b, c) -> (a INTEGER, b BIGINT, c VARCHAR)\n");
    expect_logical(f, "SELECT a FROM t WHERE a = $1 AND c = $2",
                   "Project(#0) -> (a INTEGER)\n"
                   "  Filter((#0 = $1) AND (#1 = $2)) -> (a INTEGER, c VARCHAR)\n"
                   "    Get(t: a, c) -> (a INTEGER, c VARCHAR)\n");
    expect_error(f, "SELECT a FROM t WHERE a = $1 AND c = ?", "42601", 37,
                 "mixing positional ($n) and anonymous (?) parameters is not supported");
    expect_error(f, "SELECT abs('1')", "42725", 7, "function abs(unknown) is not unique");
    expect_error(f, "SELECT d + true FROM dt", "42883", 9,
                 "operator does not exist: date + boolean");
    expect_error(f, "SELECT CASE WHEN a THEN 1 END FROM t", "42804", 17,
                 "argument of CASE/WHEN must be type boolean, not type integer");
    expect_error(f, "SELECT DATE '1998-13-45'", "22008", 12,
                 "date/time field value out of range: \"1998-13-45\"");
}

/* The function catalog is sorted by name (plan_func_lookup is a binary search), every
 * entry is found, aggregates name a plan_agg_fn, and every signature parses. */
static void test_function_catalog(void **state) {
    (void)state;
    for (uint32_t i = 0; i < PLAN_FUNC_N; i++) {
        if (i > 0 && strcmp(plan_func_name(i - 1), plan_func_name(i)) >= 0)
            fail_msg("catalog not sorted at %s", plan_func_name(i));
        assert_int_equal(plan_func_lookup(plan_func_name(i)), (int)i);
        bool agg = plan_func_kind_of(i) == PLAN_FUNC_AGGREGATE;
        assert_true(agg == (plan_func_agg(i) >= 0));
        const char *sig = plan_func_signatures(i);
        assert_true(strchr(sig, '>') != NULL);
        for (const char *c = sig; *c; c++)
            if (!strchr("bsilhnrdDTIvaNx*> ", *c))
                fail_msg("bad signature code '%c' in %s", *c, plan_func_name(i));
    }
    assert_int_equal(plan_func_lookup("no_such_function"), -1);
    assert_int_equal(plan_func_lookup(""), -1);
}

/* The physical planner refuses what the executor cannot run, with 0A000. */
static void test_physical_refuses_new_types(void **state) {
    fixture *f = *state;
    static const struct {
        const char *sql, *message;
    } cases[] = {
        {"SELECT stddev(a) FROM t",
         "aggregate function stddev_samp is not supported by the executor yet"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        plan_node *n = bind_ok(f, cases[i].sql), *o = NULL;
        plan_query *q = NULL;
        assert_int_equal(opt_optimize(f->arena, n, &o, &f->err), QE_OK);
        rt_error_clear(&f->err);
        if (opt_physical(f->arena, o, &q, &f->err) != QE_UNSUPPORTED ||
            strcmp(f->err.sqlstate, "0A000") != 0 || strcmp(f->err.message, cases[i].message) != 0)
            fail_msg("[%s]: got %s \"%s\", want 0A000 \"%s\"", cases[i].sql, f->err.sqlstate,
                     f->err.message, cases[i].message);
    }
}

/* ---- physical plans from SQL -------------------------------------------------------- */

static void test_physical_skeleton(void **state) {
    fixture *f = *state;
    expect_physical(
        f, "SELECT a, count(*), sum(b) FROM t WHERE b > 10 GROUP BY a ORDER BY a",
        "stage 0 PARTITIONED\n"
        "  p0: Scan(t: a, b; filter: #1 > 10) -> Filter(#1 > 10) -> Project(#0, #1) -> "
        "HashAggregate(PARTIAL; "
        "groups: #0; aggs: count_star(), sum(#1))\n"
        "  p1: HashAggregateSource(PARTIAL) -> ExchangeSink(ex0, HASH on #0)\n"
        "stage 1 PARTITIONED\n"
        "  p0: ExchangeSource(ex0) -> HashAggregate(FINAL; groups: #0; aggs: count_star(v=#1, "
        "n=#2), sum(v=#3, n=#4))\n"
        "  p1: HashAggregateSource(FINAL) -> ExchangeSink(ex1, GATHER)\n"
        "stage 2 SINGLE\n"
        "  p0: ExchangeSource(ex1) -> Sort(#0)\n"
        "  p1 (ordered): SortSource(#0) -> Result(a, count_star(), sum(b))\n"
        "exchanges:\n"
        "  ex0: HASH on #0, stage 0 -> stage 1, (INTEGER, BIGINT, BIGINT, BIGINT, BIGINT)\n"
        "  ex1: GATHER, stage 1 -> stage 2, (INTEGER, BIGINT, BIGINT)\n");
}

static void test_physical_shapes(void **state) {
    fixture *f = *state;
    expect_physical(f, "SELECT 1 + 2 AS three",
                    "stage 0 SINGLE\n"
                    "  p0: Values(1 row) -> Project(3) -> Result(three)\n");
    expect_physical(f, "INSERT INTO t VALUES (1, 5, 'x'), (2, 30, NULL)",
                    "stage 0 SINGLE\n"
                    "  p0: Values(2 rows: (1, 5, 'x'), (2, 30, NULL)) -> Project(#0, #1, #2) -> "
                    "ExchangeSink(ex0, ROUND_ROBIN)\n"
                    "stage 1 PARTITIONED\n"
                    "  p0: ExchangeSource(ex0) -> Insert(t)\n"
                    "exchanges:\n"
                    "  ex0: ROUND_ROBIN, stage 0 -> stage 1, (INTEGER, BIGINT, VARCHAR)\n");
    /* INSERT ... SELECT from the target table: the same shape (Insert sinks append only
     * after their input ended) */
    expect_physical(f, "INSERT INTO t (a) SELECT a + 1 FROM t",
                    "stage 0 PARTITIONED\n"
                    "  p0: Scan(t: a) -> Project(#0 + 1) -> Project(#0, NULL, NULL) -> "
                    "ExchangeSink(ex0, ROUND_ROBIN)\n"
                    "stage 1 PARTITIONED\n"
                    "  p0: ExchangeSource(ex0) -> Insert(t)\n"
                    "exchanges:\n"
                    "  ex0: ROUND_ROBIN, stage 0 -> stage 1, (INTEGER, BIGINT, VARCHAR)\n");
    expect_physical(f, "SELECT sum(b), avg(a) FROM t",
                    "stage 0 PARTITIONED\n"
                    "  p0: Scan(t: a, b) -> Project(#1, #0) -> HashAggregate(PARTIAL; groups: ; "
                    "aggs: sum(#0), avg(#1))\n"
                    "  p1: HashAggregateSource(PARTIAL) -> ExchangeSink(ex0, GATHER)\n"
                    "stage 1 SINGLE\n"
                    "  p0: ExchangeSource(ex0) -> HashAggregate(FINAL; groups: ; aggs: sum(v=#0, "
                    "n=#1), avg(v=#2, n=#3))\n"
                    "  p1: HashAggregateSource(FINAL) -> Result(sum(b), avg(a))\n"
                    "exchanges:\n"
                    "  ex0: GATHER, stage 0 -> stage 1, (BIGINT, BIGINT, DOUBLE, BIGINT)\n");
    expect_physical(f, "SELECT c FROM t WHERE a = 1 LIMIT 3",
                    "stage 0 PARTITIONED\n"
                    "  p0: Scan(t: a, c; filter: #0 = 1) -> Filter(#0 = 1) -> Project(#1) -> "
                    "ExchangeSink(ex0, "
                    "GATHER)\n"
                    "stage 1 SINGLE\n"
                    "  p0: ExchangeSource(ex0) -> Limit(3) -> Result(c)\n"
                    "exchanges:\n"
                    "  ex0: GATHER, stage 0 -> stage 1, (VARCHAR)\n");
}

/* The plan owns its names: dropping the table after binding leaves it printable. */
static void test_plan_outlives_table(void **state) {
    fixture *f = *state;
    plan_node *n = bind_ok(f, "SELECT * FROM t WHERE a > 1 ORDER BY c");
    plan_query *q = NULL;
    assert_int_equal(opt_physical(f->arena, n, &q, &f->err), QE_OK);
    assert_int_equal(rt_catalog_drop_table(f->cat, "t", &f->err), QE_OK);
    char *text = opt_print_logical(n);
    assert_non_null(strstr(text, "Get(t: a, b, c)"));
    free(text);
    text = opt_print_physical(q);
    assert_non_null(strstr(text, "Result(a, b, c)"));
    free(text);
}

/* ---- FROM clause and query structure (helper "relational") ------------------------- */

static void test_bind_joins_and_derived(void **state) {
    fixture *f = *state;
    expect_logical(f,
                   "SELECT t.a, u.b FROM t JOIN t AS u ON t.a = u.a LEFT JOIN lineitem ON l_flag",
                   "Project(#0, #2) -> (a INTEGER, b BIGINT)\n"
                   "  Join(LEFT; #3) -> (a INTEGER, a INTEGER, b BIGINT, l_flag BOOLEAN)\n"
                   "    Join(INNER; #0 = #1) -> (a INTEGER, a INTEGER, b BIGINT)\n"
                   "      Get(t: a) -> (a INTEGER)\n"
                   "      Get(t: a, b) -> (a INTEGER, b BIGINT)\n"
                   "    Get(lineitem: l_flag) -> (l_flag BOOLEAN)\n");
    expect_logical(f, "SELECT s.k FROM (SELECT a + 1 AS k FROM t) s WHERE s.k > 2",
                   "Project(#0) -> (k INTEGER)\n"
                   "  Filter(#0 > 2) -> (k INTEGER)\n"
                   "    Project(#0 + 1) -> (k INTEGER)\n"
                   "      Get(t: a) -> (a INTEGER)\n");
    expect_logical(f, "SELECT * FROM t AS x JOIN t AS y USING (a)",
                   "Project(#0, #1, #2, #4, #5) -> (a INTEGER, b BIGINT, c VARCHAR, b BIGINT, "
                   "c VARCHAR)\n"
                   "  Join(INNER; #0 = #3) -> (a INTEGER, b BIGINT, c VARCHAR, a INTEGER, "
                   "b BIGINT, c VARCHAR)\n"
                   "    Get(t: a, b, c) -> (a INTEGER, b BIGINT, c VARCHAR)\n"
                   "    Get(t: a, b, c) -> (a INTEGER, b BIGINT, c VARCHAR)\n");
}

/* USING: the merged column comes first in `*` and only once (PostgreSQL's order). */
static void test_bind_using_star_order(void **state) {
    fixture *f = *state;
    expect_logical(f, "SELECT * FROM t JOIN t AS u USING (c)",
                   "Project(#2, #0, #1, #3, #4) -> (c VARCHAR, a INTEGER, b BIGINT, a INTEGER, "
                   "b BIGINT)\n"
                   "  Join(INNER; #2 = #5) -> (a INTEGER, b BIGINT, c VARCHAR, a INTEGER, "
                   "b BIGINT, c VARCHAR)\n"
                   "    Get(t: a, b, c) -> (a INTEGER, b BIGINT, c VARCHAR)\n"
                   "    Get(t: a, b, c) -> (a INTEGER, b BIGINT, c VARCHAR)\n");
}

static void test_bind_subqueries(void **state) {
    fixture *f = *state;
    expect_logical(f,
                   "SELECT a FROM t WHERE EXISTS (SELECT 1 FROM lineitem WHERE l_quantity > t.b) "
                   "AND b > (SELECT max(b) FROM t)",
                   "Project(#0) -> (a INTEGER)\n"
                   "  Filter(EXISTS(subquery) AND (#1 > (subquery))) -> (a INTEGER, b BIGINT)\n"
                   "    Subquery(EXISTS, correlated)\n"
                   "      Project(1) -> (1 INTEGER)\n"
                   "        Filter(#0 > CAST(outer(#1) AS DOUBLE)) -> (l_quantity DOUBLE)\n"
                   "          Get(lineitem: l_quantity) -> (l_quantity DOUBLE)\n"
                   "    Subquery(scalar)\n"
                   "      Project(#0) -> (max(b) BIGINT)\n"
                   "        Aggregate(groups: ; aggs: max(#0)) -> (max(b) BIGINT)\n"
                   "          Get(t: b) -> (b BIGINT)\n"
                   "    Get(t: a, b) -> (a INTEGER, b BIGINT)\n");
    expect_error(f, "SELECT (SELECT a, b FROM t)", "42601", 7,
                 "subquery must return only one column");
}

static void test_bind_grouping_and_windows(void **state) {
    fixture *f = *state;
    expect_logical(f, "SELECT a, sum(b), grouping(a, c) FROM t GROUP BY CUBE (a, c)",
                   "Project(#0, #2, GROUPING(#3: 0, 1)) -> (a INTEGER, sum(b) BIGINT, "
                   "grouping(a, c) INTEGER)\n"
                   "  Aggregate(groups: #0, #2; aggs: sum(#1); sets: (#0, #1), (#1), (#0), ()) -> "
                   "(a INTEGER, c VARCHAR, sum(b) BIGINT, grouping_id BIGINT)\n"
                   "    Get(t: a, b, c) -> (a INTEGER, b BIGINT, c VARCHAR)\n");
    expect_logical(f, "SELECT c, count(*), rank() OVER (ORDER BY count(*) DESC) FROM t GROUP BY c",
                   "Project(#0, #1, #2) -> (c VARCHAR, count_star() BIGINT, rank() BIGINT)\n"
                   "  Window(rank() OVER (ORDER BY #1 DESC RANGE BETWEEN UNBOUNDED PRECEDING AND "
                   "CURRENT ROW)) -> (c VARCHAR, count_star() BIGINT, rank() BIGINT)\n"
                   "    Aggregate(groups: #0; aggs: count_star()) -> (c VARCHAR, count_star() "
                   "BIGINT)\n"
                   "      Get(t: c) -> (c VARCHAR)\n");
    expect_logical(f,
                   "SELECT a, c, rank() OVER (PARTITION BY grouping(a) + grouping(c) ORDER BY "
                   "sum(b)) FROM t GROUP BY ROLLUP (a, c)",
                   "Project(#0, #1, #4) -> (a INTEGER, c VARCHAR, rank() BIGINT)\n"
                   "  Window(rank() OVER (PARTITION BY GROUPING(#3: 0) + GROUPING(#3: 1) ORDER BY "
                   "#2 RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) -> (a INTEGER, "
                   "c VARCHAR, sum(b) BIGINT, grouping_id BIGINT, rank() BIGINT)\n"
                   "    Aggregate(groups: #0, #2; aggs: sum(#1); sets: (#0, #1), (#0), ()) -> "
                   "(a INTEGER, c VARCHAR, sum(b) BIGINT, grouping_id BIGINT)\n"
                   "      Get(t: a, b, c) -> (a INTEGER, b BIGINT, c VARCHAR)\n");
    expect_logical(f, "SELECT DISTINCT ON (a) a, b FROM t ORDER BY a, b DESC LIMIT 5",
                   "Limit(5) -> (a INTEGER, b BIGINT)\n"
                   "  DistinctOn(#0) -> (a INTEGER, b BIGINT)\n"
                   "    Order(#0, #1 DESC) -> (a INTEGER, b BIGINT)\n"
                   "      Project(#0, #1) -> (a INTEGER, b BIGINT)\n"
                   "        Get(t: a, b) -> (a INTEGER, b BIGINT)\n");
}

static void test_bind_ctes_and_setops(void **state) {
    fixture *f = *state;
    expect_logical(f,
                   "WITH x(k) AS (SELECT a FROM t) SELECT k FROM x INTERSECT ALL SELECT a FROM t "
                   "ORDER BY k LIMIT 2",
                   "Limit(2) -> (k INTEGER)\n"
                   "  Order(#0) -> (k INTEGER)\n"
                   "    SetOperation(INTERSECT ALL) -> (k INTEGER)\n"
                   "      Project(#0) -> (k INTEGER)\n"
                   "        Project(#0) -> (k INTEGER)\n"
                   "          Get(t: a) -> (a INTEGER)\n"
                   "      Project(#0) -> (a INTEGER)\n"
                   "        Get(t: a) -> (a INTEGER)\n");
    expect_logical(f,
                   "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) "
                   "SELECT n FROM r",
                   "Project(#0) -> (n INTEGER)\n"
                   "  RecursiveCTE(r, UNION ALL) -> (n INTEGER)\n"
                   "    Project(1) -> (n INTEGER)\n"
                   "      Values(1 row)\n"
                   "    Project(#0 + 1) -> (n + 1 INTEGER)\n"
                   "      Filter(#0 < 10) -> (n INTEGER)\n"
                   "        WorkTableScan(r) -> (n INTEGER)\n");
    expect_error(f, "SELECT a FROM t UNION SELECT a, b FROM t", "42601", 29,
                 "each UNION query must have the same number of columns");
}

static void test_bind_dml_statements(void **state) {
    fixture *f = *state;
    expect_logical(f, "UPDATE t SET b = b + 1 WHERE a = 2",
                   "Update(t; set #1 = #1 + 1)\n"
                   "  Filter(#0 = 2) -> (a INTEGER, b BIGINT, c VARCHAR)\n"
                   "    Get(t: a, b, c) -> (a INTEGER, b BIGINT, c VARCHAR)\n");
    expect_logical(f, "COPY t TO 'x.csv' (FORMAT csv, HEADER)",
                   "Copy(t TO 'x.csv'; format 'csv', header)\n"
                   "  Get(t: a, b, c) -> (a INTEGER, b BIGINT, c VARCHAR)\n");
    expect_error(f, "SELECT a FROM t, t", "42712", 17, "table name \"t\" specified more than once");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keywords_sorted),
        cmocka_unit_test(test_lexer_tokens),
        cmocka_unit_test_setup_teardown(test_lexer_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_statements_and_tail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_syntax_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_precedence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_ast_print_statement, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_unsupported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind_joins_and_derived, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind_using_star_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind_subqueries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind_grouping_and_windows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind_ctes_and_setops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind_dml_statements, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_depth_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind_name_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind_type_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind_aggregate_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind_ddl_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind_skeleton_query, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind_output_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind_select_shapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind_expressions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind_statements, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind_typed_expressions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind_function_calls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_physical_refuses_new_types, setup, teardown),
        cmocka_unit_test(test_function_catalog),
        cmocka_unit_test_setup_teardown(test_physical_skeleton, setup, teardown),
        cmocka_unit_test_setup_teardown(test_physical_shapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_outlives_table, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
