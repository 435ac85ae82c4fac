/*
 * plan_funcs.h -- the function catalog: every built-in function the binder knows, as
 * ONE X-macro list.  Included by plan.h: a FUNC expression names its function by the
 * PLAN_FUNC_* id of this list, and the optimizer, printer and (later) the runtime key
 * on that id.
 *
 * X(id, name, kind, agg, signatures)
 *   name        SQL name, lower case; the list is sorted by name (binary search; a unit
 *               test checks the order) and names are unique
 *   kind        SCALAR, AGGREGATE or WINDOW (plan_func_kind)
 *   agg         AGGREGATE: the plan_agg_fn it binds to (aliases share one); else -1
 *   signatures  overloads separated by blanks, each "ARGS>RESULT", one code per
 *               argument:  b boolean, s smallint, i integer, l bigint, h hugeint,
 *               n decimal, r real, d double, D date, T timestamp, I interval, v varchar;
 *               a: polymorphic (all a-arguments get their common type, an a-result
 *               is that type), N: polymorphic numeric (same, but numeric), x: any type
 *               (no cast); "*" after a code repeats that code zero or more times.
 * Overload resolution (PostgreSQL's rules: exact match, then implicit casts, unknown
 * literals adapt) and result type modifiers (DECIMAL precision/scale) live in the
 * binder (src/frontend/bind_func.c).
 */
#ifndef QE_PLAN_FUNCS_H
#define QE_PLAN_FUNCS_H

#include <stdint.h>

/* clang-format off */
#define PLAN_FUNC_LIST(X) \
    X(ABS, "abs", SCALAR, -1, "N>N")                                           \
    X(ANY_VALUE, "any_value", AGGREGATE, PLAN_AGG_ANY_VALUE, "a>a")            \
    X(AVG, "avg", AGGREGATE, PLAN_AGG_AVG, "s>d i>d l>d h>d n>d r>d d>d I>I")  \
    X(BOOL_AND, "bool_and", AGGREGATE, PLAN_AGG_BOOL_AND, "b>b")               \
    X(BOOL_OR, "bool_or", AGGREGATE, PLAN_AGG_BOOL_OR, "b>b")                  \
    X(BTRIM, "btrim", SCALAR, -1, "v>v vv>v")                                  \
    X(CEIL, "ceil", SCALAR, -1, "N>N")                                         \
    X(CEILING, "ceiling", SCALAR, -1, "N>N")                                   \
    X(CHAR_LENGTH, "char_length", SCALAR, -1, "v>i")                           \
    X(CHARACTER_LENGTH, "character_length", SCALAR, -1, "v>i")                 \
    X(CHR, "chr", SCALAR, -1, "i>v")                                           \
    X(COALESCE, "coalesce", SCALAR, -1, "aa*>a")                               \
    X(CONCAT, "concat", SCALAR, -1, "xx*>v")                                   \
    X(CONCAT_WS, "concat_ws", SCALAR, -1, "vxx*>v")                            \
    X(CONTAINS, "contains", SCALAR, -1, "vv>b")                                \
    X(COUNT, "count", AGGREGATE, PLAN_AGG_COUNT, "x>l")                        \
    X(CUME_DIST, "cume_dist", WINDOW, -1, ">d")                                \
    X(CURRENT_DATE, "current_date", SCALAR, -1, ">D")                          \
    X(CURRENT_TIMESTAMP, "current_timestamp", SCALAR, -1, ">T")                \
    X(DATE_DIFF, "date_diff", SCALAR, -1, "vDD>l vTT>l")                       \
    X(DATE_PART, "date_part", SCALAR, -1, "vD>l vT>l vI>l")                    \
    X(DATE_TRUNC, "date_trunc", SCALAR, -1, "vT>T vI>I")                       \
    X(DAY, "day", SCALAR, -1, "D>l T>l")                                       \
    X(DAYOFWEEK, "dayofweek", SCALAR, -1, "D>l T>l")                           \
    X(DAYOFYEAR, "dayofyear", SCALAR, -1, "D>l T>l")                           \
    X(DENSE_RANK, "dense_rank", WINDOW, -1, ">l")                              \
    X(EVERY, "every", AGGREGATE, PLAN_AGG_BOOL_AND, "b>b")                     \
    X(EXP, "exp", SCALAR, -1, "d>d")                                           \
    X(EXTRACT, "extract", SCALAR, -1, "vD>l vT>l vI>l")                        \
    X(FIRST, "first", AGGREGATE, PLAN_AGG_FIRST, "a>a")                        \
    X(FIRST_VALUE, "first_value", WINDOW, -1, "a>a")                           \
    X(FLOOR, "floor", SCALAR, -1, "N>N")                                       \
    X(GREATEST, "greatest", SCALAR, -1, "aa*>a")                               \
    X(HOUR, "hour", SCALAR, -1, "T>l")                                         \
    X(ILIKE, "ilike", SCALAR, -1, "vv>b vvv>b")                                \
    X(INITCAP, "initcap", SCALAR, -1, "v>v")                                   \
    X(IS_DISTINCT_FROM, "is_distinct_from", SCALAR, -1, "aa>b")                \
    X(IS_NOT_DISTINCT_FROM, "is_not_distinct_from", SCALAR, -1, "aa>b")        \
    X(LAG, "lag", WINDOW, -1, "a>a ai>a aia>a")                                \
    X(LAST, "last", AGGREGATE, PLAN_AGG_LAST, "a>a")                           \
    X(LAST_VALUE, "last_value", WINDOW, -1, "a>a")                             \
    X(LEAD, "lead", WINDOW, -1, "a>a ai>a aia>a")                              \
    X(LEAST, "least", SCALAR, -1, "aa*>a")                                     \
    X(LEFT, "left", SCALAR, -1, "vi>v")                                        \
    X(LENGTH, "length", SCALAR, -1, "v>i")                                     \
    X(LIKE, "like", SCALAR, -1, "vv>b vvv>b")                                  \
    X(LN, "ln", SCALAR, -1, "d>d")                                             \
    X(LOG, "log", SCALAR, -1, "d>d dd>d")                                      \
    X(LOG10, "log10", SCALAR, -1, "d>d")                                       \
    X(LOG2, "log2", SCALAR, -1, "d>d")                                         \
    X(LOWER, "lower", SCALAR, -1, "v>v")                                       \
    X(LPAD, "lpad", SCALAR, -1, "vi>v viv>v")                                  \
    X(LTRIM, "ltrim", SCALAR, -1, "v>v vv>v")                                  \
    X(MAX, "max", AGGREGATE, PLAN_AGG_MAX, "a>a")                              \
    X(MD5, "md5", SCALAR, -1, "v>v")                                           \
    X(MIN, "min", AGGREGATE, PLAN_AGG_MIN, "a>a")                              \
    X(MINUTE, "minute", SCALAR, -1, "T>l")                                     \
    X(MOD, "mod", SCALAR, -1, "NN>N")                                          \
    X(MONTH, "month", SCALAR, -1, "D>l T>l")                                   \
    X(NOW, "now", SCALAR, -1, ">T")                                            \
    X(NTH_VALUE, "nth_value", WINDOW, -1, "ai>a")                              \
    X(NTILE, "ntile", WINDOW, -1, "i>i")                                       \
    X(NULLIF, "nullif", SCALAR, -1, "aa>a")                                    \
    X(OCTET_LENGTH, "octet_length", SCALAR, -1, "v>i")                         \
    X(OVERLAY, "overlay", SCALAR, -1, "vvi>v vvii>v")                          \
    X(PERCENT_RANK, "percent_rank", WINDOW, -1, ">d")                          \
    X(PI, "pi", SCALAR, -1, ">d")                                              \
    X(POSITION, "position", SCALAR, -1, "vv>i")                                \
    X(POW, "pow", SCALAR, -1, "dd>d")                                          \
    X(POWER, "power", SCALAR, -1, "dd>d")                                      \
    X(QUARTER, "quarter", SCALAR, -1, "D>l T>l")                               \
    X(RANDOM, "random", SCALAR, -1, ">d")                                      \
    X(RANK, "rank", WINDOW, -1, ">l")                                          \
    X(REGEXP_MATCHES, "regexp_matches", SCALAR, -1, "vv>b vvv>b")              \
    X(REGEXP_REPLACE, "regexp_replace", SCALAR, -1, "vvv>v vvvv>v")            \
    X(REPEAT, "repeat", SCALAR, -1, "vi>v")                                    \
    X(REPLACE, "replace", SCALAR, -1, "vvv>v")                                 \
    X(REVERSE, "reverse", SCALAR, -1, "v>v")                                   \
    X(RIGHT, "right", SCALAR, -1, "vi>v")                                      \
    X(ROUND, "round", SCALAR, -1, "N>N Ni>N")                                  \
    X(ROW_NUMBER, "row_number", WINDOW, -1, ">l")                              \
    X(RPAD, "rpad", SCALAR, -1, "vi>v viv>v")                                  \
    X(RTRIM, "rtrim", SCALAR, -1, "v>v vv>v")                                  \
    X(SECOND, "second", SCALAR, -1, "T>l")                                     \
    X(SIGN, "sign", SCALAR, -1, "N>N")                                         \
    X(SPLIT_PART, "split_part", SCALAR, -1, "vvi>v")                           \
    X(SQRT, "sqrt", SCALAR, -1, "d>d")                                         \
    X(STARTS_WITH, "starts_with", SCALAR, -1, "vv>b")                          \
    X(STDDEV, "stddev", AGGREGATE, PLAN_AGG_STDDEV_SAMP, "d>d")                \
    X(STDDEV_POP, "stddev_pop", AGGREGATE, PLAN_AGG_STDDEV_POP, "d>d")         \
    X(STDDEV_SAMP, "stddev_samp", AGGREGATE, PLAN_AGG_STDDEV_SAMP, "d>d")      \
    X(STRING_AGG, "string_agg", AGGREGATE, PLAN_AGG_STRING_AGG, "v>v vv>v")    \
    X(STRPOS, "strpos", SCALAR, -1, "vv>i")                                    \
    X(SUBSTR, "substr", SCALAR, -1, "vi>v vii>v")                              \
    X(SUBSTRING, "substring", SCALAR, -1, "vi>v vii>v")                        \
    X(SUM, "sum", AGGREGATE, PLAN_AGG_SUM, "s>l i>l l>l h>h n>n r>r d>d I>I")  \
    X(TRUNC, "trunc", SCALAR, -1, "N>N Ni>N")                                  \
    X(TYPEOF, "typeof", SCALAR, -1, "x>v")                                     \
    X(UPPER, "upper", SCALAR, -1, "v>v")                                       \
    X(VAR_POP, "var_pop", AGGREGATE, PLAN_AGG_VAR_POP, "d>d")                  \
    X(VAR_SAMP, "var_samp", AGGREGATE, PLAN_AGG_VAR_SAMP, "d>d")               \
    X(VARIANCE, "variance", AGGREGATE, PLAN_AGG_VAR_SAMP, "d>d")               \
    X(WEEK, "week", SCALAR, -1, "D>l T>l")                                     \
    X(YEAR, "year", SCALAR, -1, "D>l T>l")
/* clang-format on */

/* X(name) -- what a catalog entry is. */
#define PLAN_FUNC_KIND_LIST(X) X(SCALAR) X(AGGREGATE) X(WINDOW)

typedef enum plan_func_kind {
#define PLAN_X_ENUM(name) PLAN_FUNC_##name,
    PLAN_FUNC_KIND_LIST(PLAN_X_ENUM)
#undef PLAN_X_ENUM
} plan_func_kind;

typedef enum plan_func_id {
#define PLAN_X_ENUM(id, name, kind, agg, sigs) PLAN_FUNC_ID_##id,
    PLAN_FUNC_LIST(PLAN_X_ENUM)
#undef PLAN_X_ENUM
        PLAN_FUNC_N
} plan_func_id;

/* SQL name of catalog entry fn ("abs"); "?" when out of range. */
const char *plan_func_name(uint32_t fn);
/* Kind of catalog entry fn (SCALAR when out of range). */
plan_func_kind plan_func_kind_of(uint32_t fn);
/* Signature text of catalog entry fn (see above); "" when out of range. */
const char *plan_func_signatures(uint32_t fn);
/* Aggregate (plan_agg_fn value) of an AGGREGATE entry; -1 otherwise. */
int plan_func_agg(uint32_t fn);
/* Catalog id of the function called `name` (lower case, NUL-terminated), or -1. */
int plan_func_lookup(const char *name);

#endif /* QE_PLAN_FUNCS_H */
