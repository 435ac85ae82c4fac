/*
 * fe.h -- the frontend's cross-module interface (prefix fe_).
 *
 * SQL text -> tokens -> AST (fe_parse) -> bound, typed logical plan (fe_bind).
 * Errors carry byte offsets into the SQL text and PostgreSQL's SQLSTATEs; the
 * frontend collects them without longjmp and never asserts on user input.
 */
#ifndef QE_FE_H
#define QE_FE_H

#include "plan.h"
#include "rt.h"

#include <stddef.h>

/* A parsed statement; allocated in the arena given to fe_parse. */
typedef struct fe_ast fe_ast;

/*
 * Parses the first statement of sql[0..len).  *out is NULL when only blanks and
 * comments remain.  *tail receives the offset just past the statement and its ';'.
 * Error positions are offsets into sql.
 */
qe_status fe_parse(rt_arena *arena, const char *sql, size_t len, fe_ast **out, size_t *tail,
                   rt_error *err);

/* Renders an AST as indented text (qec --emit=ast).  malloc'd; NULL on out-of-memory. */
char *fe_ast_print(const fe_ast *ast);

/*
 * Binds an AST against the catalog: resolves names, types expressions (inserting
 * casts), checks GROUP BY validity, and builds the logical plan in arena.
 */
qe_status fe_bind(rt_arena *arena, const fe_ast *ast, rt_catalog *cat, plan_node **out,
                  rt_error *err);

#endif /* QE_FE_H */
