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
    expect_error(f, "SELECT 1 /* x", "42601", 9, "unterminated /* comment");
    expect_error(f, "SELECT \"ab", "42601", 7, "unterminated quoted identifier");
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
    expect_error(f, "SELECT * FROM t JOIN u ON t.a = u.a", "0A000", 16,
                 "joins are not supported yet");
    expect_error(f, "SELECT * FROM t, u", "0A000", 15, "joins are not supported yet");
    expect_error(f, "SELECT * FROM t LEFT OUTER JOIN u USING (a)", "0A000", 16,
                 "joins are not supported yet");
    expect_error(f, "SELECT a FROM t UNION SELECT a FROM t", "0A000", 16,
                 "UNION is not supported yet");
    expect_error(f, "SELECT (SELECT 1)", "0A000", 7, "subqueries are not supported yet");
    expect_error(f, "SELECT a FROM t WHERE a IN (SELECT a FROM t)", "0A000", 24,
                 "subqueries are not supported yet");
    expect_error(f, "WITH x AS (SELECT 1) SELECT * FROM x", "0A000", 5,
                 "WITH queries are not supported yet");
    expect_error(f, "SELECT sum(a) OVER () FROM t", "0A000", 14,
                 "window functions are not supported yet");
    expect_error(f, "SELECT CASE WHEN a > 1 THEN 1 ELSE 2 END FROM t", "0A000", 7,
                 "CASE expressions are not supported yet");
    expect_error(f, "SELECT c LIKE 'x%' FROM t", "0A000", 9, "LIKE is not supported yet");
    expect_error(f, "UPDATE t SET a = 1", "0A000", 0, "UPDATE is not supported yet");
    expect_error(f, "SELECT * FROM (SELECT 1) s", "0A000", 14,
                 "subqueries in FROM are not supported yet");
    expect_error(f, "CREATE TABLE x (a INT NOT NULL)", "0A000", 22,
                 "NOT NULL constraints are not supported yet");
    expect_error(f, "SHOW tables", "0A000", 0, "SHOW is not supported yet");
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
    expect_error(f, "SELECT CAST(a AS date) FROM t", "0A000", 17,
                 "type \"date\" is not supported yet");
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
    expect_error(f, "SELECT count(DISTINCT a) FROM t", "0A000", 13,
                 "DISTINCT aggregates are not supported yet");
    expect_error(f, "SELECT min(c) FROM t", "0A000", 7, "min(varchar) is not supported yet");
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
    expect_error(f, "CREATE TABLE n (x INT, y DATE)", "0A000", 25,
                 "type \"date\" is not supported yet");
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
    expect_logical(f,
                   "SELECT a IS NOT NULL, -2147483648, 2147483648, 1.5, a::bigint, c || a, "
                   "NULL, -a, +a, a / 2 % 3 FROM t",
                   "Project(#0 IS NOT NULL, -2147483648, 2147483648, 1.5, CAST(#0 AS BIGINT), #1 "
                   "|| CAST(#0 AS VARCHAR), NULL, -#0, #0, (#0 / 2) % 3) -> (a IS NOT NULL "
                   "BOOLEAN, -2147483648 INTEGER, 2147483648 BIGINT, 1.5 DOUBLE, a::bigint BIGINT, "
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
                   "    Values(1 row: ('q', CAST(2.5 AS INTEGER))) -> (c VARCHAR, a INTEGER)\n");
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
    expect_logical(f, "VALUES (1, 'a'), (2.5, NULL)",
                   "Values(2 rows: (1.0, 'a'), (2.5, NULL)) -> (col0 DOUBLE, col1 VARCHAR)\n");
}

/* ---- physical plans from SQL -------------------------------------------------------- */

static void test_physical_skeleton(void **state) {
    fixture *f = *state;
    expect_physical(
        f, "SELECT a, count(*), sum(b) FROM t WHERE b > 10 GROUP BY a ORDER BY a",
        "stage 0 PARTITIONED\n"
        "  p0: Scan(t: a, b) -> Filter(#1 > 10) -> Project(#0, #1) -> HashAggregate(PARTIAL; "
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
                    "  p0: Scan(t: a, c) -> Filter(#0 = 1) -> Project(#1) -> ExchangeSink(ex0, "
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
        cmocka_unit_test_setup_teardown(test_physical_skeleton, setup, teardown),
        cmocka_unit_test_setup_teardown(test_physical_shapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_outlives_table, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
