/*
 * qe-sql.c -- QE's SQL shell: runs SQL from -c, -f, a script on stdin, or interactively
 * (libedit line editing and history), on an embedded engine or as the coordinator of a
 * cluster (--cluster), and prints results in DuckDB's output modes (box, csv, json,
 * markdown, list).
 *
 * A thin program over qe.h: statements run through qe_prepare/qe_stmt_execute; errors are
 * rendered with qe_error_format on stderr; the exit status is 1 if any statement failed.
 * DDL and DML print nothing (the number of changed rows is not shown).
 */
#include "qe.h"
#include "tools_int.h"

#include <editline/readline.h>
#include <stdint.h>
#include <sys/resource.h>
#include <unistd.h>

/* X(name, text) -- output modes, as DuckDB's shell names them. */
#define SHELL_MODE_LIST(X)                                                                         \
    X(BOX, "box")                                                                                  \
    X(CSV, "csv")                                                                                  \
    X(JSON, "json")                                                                                \
    X(MARKDOWN, "markdown")                                                                        \
    X(LIST, "list")

typedef enum shell_mode {
#define SHELL_X_ENUM(name, text) SHELL_MODE_##name,
    SHELL_MODE_LIST(SHELL_X_ENUM)
#undef SHELL_X_ENUM
        SHELL_MODE_COUNT
} shell_mode;

static const char *const mode_names[] = {
#define SHELL_X_NAME(name, text) text,
    SHELL_MODE_LIST(SHELL_X_NAME)
#undef SHELL_X_NAME
};

/* Box mode shows at most this many rows: the first and last half of them. */
#define BOX_MAX_ROWS 40

/* The state of one shell run. */
typedef struct shell {
    qe_session *session; /* borrowed from main */
    shell_mode mode;     /* how results are printed */
    bool timer;          /* print the run time after each statement */
    bool bail;           /* stop at the first failed statement */
    bool stop;           /* .quit, or a failure with bail */
    int failures;        /* statements that failed */
    tools_buf pending;   /* lines of a statement not yet ended by ';' */
    size_t pending_len;  /* bytes used in pending.text */
    tools_buf cell;      /* scratch for formatting one value */
    uint64_t rows_out;   /* rows of the current result printed so far (json) */
} shell;

/* ---- values and types ------------------------------------------------------------------ */

/* The type names DuckDB shows in the header of a box table. */
static const char *duck_type_name(qe_type type) {
    switch (type) {
    case QE_TYPE_BOOLEAN: return "boolean";
    case QE_TYPE_SMALLINT: return "int16";
    case QE_TYPE_INTEGER: return "int32";
    case QE_TYPE_BIGINT: return "int64";
    case QE_TYPE_HUGEINT: return "int128";
    case QE_TYPE_DECIMAL: return "decimal";
    case QE_TYPE_REAL: return "float";
    case QE_TYPE_DOUBLE: return "double";
    case QE_TYPE_DATE: return "date";
    case QE_TYPE_TIMESTAMP: return "timestamp";
    case QE_TYPE_INTERVAL: return "interval";
    case QE_TYPE_VARCHAR: return "varchar";
    default: return "\"null\"";
    }
}

static bool type_is_numeric(qe_type type) {
    return type == QE_TYPE_SMALLINT || type == QE_TYPE_INTEGER || type == QE_TYPE_BIGINT ||
           type == QE_TYPE_HUGEINT || type == QE_TYPE_DECIMAL || type == QE_TYPE_REAL ||
           type == QE_TYPE_DOUBLE;
}

/* Display width of UTF-8 text: one column per code point. */
static size_t text_width(const char *s) {
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static void put_repeat(FILE *out, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        fputs(s, out);
}

/* ---- streaming modes: csv, json, list --------------------------------------------------- */

/* Calls fn for every row of the result, in order. */
typedef void (*row_fn)(shell *sh, FILE *out, const qe_result *res, const qe_batch_view *b,
                       size_t row);

static void for_each_row(shell *sh, FILE *out, const qe_result *res, row_fn fn) {
    size_t n_batches = qe_result_batch_count(res);
    for (size_t bi = 0; bi < n_batches; bi++) {
        qe_batch_view b;
        if (qe_result_batch(res, bi, &b) != QE_OK)
            continue;
        for (size_t r = 0; r < b.n_rows; r++)
            fn(sh, out, res, &b, r);
    }
}

/* Writes s as a CSV field (RFC 4180: quoted when it holds a comma, quote or line break). */
static void csv_field(FILE *out, const char *s) {
    if (s[0] != '\0' && !strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out); /* the empty string is quoted so that it differs from NULL */
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static void csv_row(shell *sh, FILE *out, const qe_result *res, const qe_batch_view *b,
                    size_t row) {
    for (size_t c = 0; c < b->n_columns; c++) {
        if (c)
            fputc(',', out);
        if (tools_format_value(&b->columns[c], row, &sh->cell) >= 0)
            csv_field(out, sh->cell.text);
    }
    fputc('\n', out);
}

static void list_row(shell *sh, FILE *out, const qe_result *res, const qe_batch_view *b,
                     size_t row) {
    for (size_t c = 0; c < b->n_columns; c++) {
        if (c)
            fputc('|', out);
        bool null = tools_format_value(&b->columns[c], row, &sh->cell) < 0;
        fputs(null ? "NULL" : sh->cell.text, out);
    }
    fputc('\n', out);
}

/* Writes s as a JSON string literal. */
static void json_string(FILE *out, const char *s) {
    fputc('"', out);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(out, "\\%c", ch);
        else if (ch == '\n')
            fputs("\\n", out);
        else if (ch == '\t')
            fputs("\\t", out);
        else if (ch < 0x20)
            fprintf(out, "\\u%04x", ch);
        else
            fputc(ch, out);
    }
    fputc('"', out);
}

/* A formatted number is a JSON number unless it is inf/nan. */
static bool json_number_ok(const char *s) { return strpbrk(s, "in") == NULL; }

static void json_row(shell *sh, FILE *out, const qe_result *res, const qe_batch_view *b,
                     size_t row) {
    fputc('{', out);
    for (size_t c = 0; c < b->n_columns; c++) {
        if (c)
            fputc(',', out);
        json_string(out, qe_result_column_name(res, c));
        fputc(':', out);
        qe_type type = qe_result_column_type(res, c);
        if (tools_format_value(&b->columns[c], row, &sh->cell) < 0)
            fputs("null", out);
        else if (type == QE_TYPE_BOOLEAN ||
                 (type_is_numeric(type) && json_number_ok(sh->cell.text)))
            fputs(sh->cell.text, out);
        else
            json_string(out, sh->cell.text);
    }
    fputc('}', out);
}

/* The rows of a JSON result: "[{...},\n{...}]" as DuckDB prints them. */
static void json_row_sep(shell *sh, FILE *out, const qe_result *res, const qe_batch_view *b,
                         size_t row) {
    fputs(sh->rows_out++ ? ",\n" : "[", out);
    json_row(sh, out, res, b, row);
}

static void print_streaming(shell *sh, FILE *out, const qe_result *res) {
    size_t n_cols = qe_result_column_count(res);
    if (sh->mode == SHELL_MODE_JSON) {
        if (qe_result_row_count(res) == 0) {
            fputs("[]\n", out);
            return;
        }
        sh->rows_out = 0;
        for_each_row(sh, out, res, json_row_sep);
        fputs("]\n", out);
        return;
    }
    for (size_t c = 0; c < n_cols; c++) {
        if (c)
            fputc(sh->mode == SHELL_MODE_CSV ? ',' : '|', out);
        if (sh->mode == SHELL_MODE_CSV)
            csv_field(out, qe_result_column_name(res, c));
        else
            fputs(qe_result_column_name(res, c), out);
    }
    fputc('\n', out);
    for_each_row(sh, out, res, sh->mode == SHELL_MODE_CSV ? csv_row : list_row);
}

/* ---- grid modes: box, markdown ----------------------------------------------------------- */

/* The rows a grid mode shows, formatted (NULL shown as "NULL"). */
typedef struct grid {
    size_t n_cols;    /* columns of the result */
    size_t n_rows;    /* rows held in cells */
    size_t elided_at; /* rows [0, elided_at) come before the "·" rows; n_rows if none */
    uint64_t total;   /* rows in the result */
    char **cells;     /* n_rows * n_cols malloc'd strings, row-major */
    size_t *widths;   /* n_cols display widths (header, type name and cells) */
    bool *right;      /* n_cols: right-align (numbers) */
} grid;

static void grid_free(grid *g) {
    for (size_t i = 0; g->cells && i < g->n_rows * g->n_cols; i++)
        free(g->cells[i]);
    free(g->cells);
    free(g->widths);
    free(g->right);
}

/* True if global row `idx` of a result with `total` rows is shown (box mode elides the
 * middle of long results). */
static bool row_shown(const grid *g, uint64_t idx, bool elide) {
    if (!elide || g->total <= BOX_MAX_ROWS)
        return true;
    return idx < BOX_MAX_ROWS / 2 || idx >= g->total - BOX_MAX_ROWS / 2;
}

static size_t max_size(size_t a, size_t b) { return a > b ? a : b; }

/* Formats the shown rows of res into g; false on out-of-memory. */
static bool grid_build(shell *sh, const qe_result *res, bool elide, bool with_types, grid *g) {
    memset(g, 0, sizeof *g);
    g->n_cols = qe_result_column_count(res);
    g->total = qe_result_row_count(res);
    size_t cap = elide && g->total > BOX_MAX_ROWS ? BOX_MAX_ROWS : (size_t)g->total;
    g->elided_at = elide && g->total > BOX_MAX_ROWS ? BOX_MAX_ROWS / 2 : cap;
    g->cells = calloc(cap * g->n_cols + 1, sizeof *g->cells);
    g->widths = calloc(g->n_cols + 1, sizeof *g->widths);
    g->right = calloc(g->n_cols + 1, sizeof *g->right);
    if (!g->cells || !g->widths || !g->right)
        return false;
    for (size_t c = 0; c < g->n_cols; c++) {
        qe_type type = qe_result_column_type(res, c);
        g->right[c] = type_is_numeric(type);
        g->widths[c] = text_width(qe_result_column_name(res, c));
        if (with_types)
            g->widths[c] = max_size(g->widths[c], text_width(duck_type_name(type)));
    }
    uint64_t idx = 0;
    for (size_t bi = 0; bi < qe_result_batch_count(res); bi++) {
        qe_batch_view b;
        if (qe_result_batch(res, bi, &b) != QE_OK)
            continue;
        for (size_t r = 0; r < b.n_rows; r++, idx++) {
            if (!row_shown(g, idx, elide) || g->n_rows >= cap)
                continue;
            for (size_t c = 0; c < g->n_cols; c++) {
                bool null = tools_format_value(&b.columns[c], r, &sh->cell) < 0;
                char *text = strdup(null ? "NULL" : sh->cell.text);
                if (!text)
                    return false;
                g->cells[g->n_rows * g->n_cols + c] = text;
                g->widths[c] = max_size(g->widths[c], text_width(text));
            }
            g->n_rows++;
        }
    }
    return true;
}

/* Writes s padded to width w: left, right or centered. */
static void put_padded(FILE *out, const char *s, size_t w, int align) {
    size_t len = text_width(s), pad = w > len ? w - len : 0;
    size_t left = align > 0 ? pad : align == 0 ? pad / 2 : 0;
    put_repeat(out, " ", left);
    fputs(s, out);
    put_repeat(out, " ", pad - left);
}

/* A horizontal rule of the box: left, then per column a line and a joint, then right. */
static void box_rule(FILE *out, const grid *g, const char *left, const char *joint,
                     const char *right) {
    fputs(left, out);
    for (size_t c = 0; c < g->n_cols; c++) {
        put_repeat(out, "─", g->widths[c] + 2);
        fputs(c + 1 < g->n_cols ? joint : right, out);
    }
    fputc('\n', out);
}

/* One box row; align < 0 left, 0 centered, > 0 right; align_by_type uses g->right. */
static void box_row(FILE *out, const grid *g, char *const *texts, int align, bool align_by_type) {
    fputs("│", out);
    for (size_t c = 0; c < g->n_cols; c++) {
        fputc(' ', out);
        put_padded(out, texts[c], g->widths[c], align_by_type ? (g->right[c] ? 1 : -1) : align);
        fputs(" │", out);
    }
    fputc('\n', out);
}

/* The inner width of the box (between the outer verticals). */
static size_t box_inner_width(const grid *g) {
    size_t w = g->n_cols ? g->n_cols - 1 : 0;
    for (size_t c = 0; c < g->n_cols; c++)
        w += g->widths[c] + 2;
    return w;
}

/* The footer line of a box ("0 rows", "100 rows (40 shown)"), "" if none. */
static void box_footer_text(const grid *g, char *buf, size_t cap) {
    buf[0] = '\0';
    if (g->total == 0)
        snprintf(buf, cap, "0 rows");
    else if (g->n_rows < g->total)
        snprintf(buf, cap, "%llu rows (%zu shown)", (unsigned long long)g->total, g->n_rows);
}

static void print_box(FILE *out, grid *g, const qe_result *res) {
    char footer[64];
    box_footer_text(g, footer, sizeof footer);
    size_t inner = box_inner_width(g), need = strlen(footer) + 2;
    if (footer[0] && inner < need)
        g->widths[g->n_cols - 1] += need - inner; /* make room for the footer */
    char **names = calloc(g->n_cols + 1, sizeof *names);
    char **types = calloc(g->n_cols + 1, sizeof *types);
    char **dots = calloc(g->n_cols + 1, sizeof *dots);
    if (!names || !types || !dots)
        goto out;
    for (size_t c = 0; c < g->n_cols; c++) {
        names[c] = (char *)qe_result_column_name(res, c);
        types[c] = (char *)duck_type_name(qe_result_column_type(res, c));
        dots[c] = "·";
    }
    box_rule(out, g, "┌", "┬", "┐");
    box_row(out, g, names, 0, false);
    box_row(out, g, types, 0, false);
    if (g->n_rows)
        box_rule(out, g, "├", "┼", "┤");
    for (size_t r = 0; r < g->n_rows; r++) {
        if (r == g->elided_at)
            for (int i = 0; i < 3; i++)
                box_row(out, g, dots, 0, false);
        box_row(out, g, g->cells + r * g->n_cols, 0, true);
    }
    if (footer[0]) {
        box_rule(out, g, "├", "┴", "┤");
        fputs("│", out);
        put_padded(out, footer, box_inner_width(g), 0);
        fputs("│\n", out);
        fputs("└", out);
        put_repeat(out, "─", box_inner_width(g));
        fputs("┘\n", out);
    } else {
        box_rule(out, g, "└", "┴", "┘");
    }
out:
    free(names);
    free(types);
    free(dots);
}

/* Writes a markdown cell: s padded, with '|' escaped. */
static void md_cell(FILE *out, const char *s, size_t w, bool right) {
    size_t extra = 0;
    for (const char *p = s; *p; p++)
        extra += *p == '|';
    size_t len = text_width(s) + extra, pad = w > len ? w - len : 0;
    fputc(' ', out);
    if (right)
        put_repeat(out, " ", pad);
    for (const char *p = s; *p; p++) {
        if (*p == '|')
            fputc('\\', out);
        fputc(*p, out);
    }
    if (!right)
        put_repeat(out, " ", pad);
    fputs(" |", out);
}

static void print_markdown(FILE *out, const grid *g, const qe_result *res) {
    fputc('|', out);
    for (size_t c = 0; c < g->n_cols; c++)
        md_cell(out, qe_result_column_name(res, c), g->widths[c], false);
    fputs("\n|", out);
    for (size_t c = 0; c < g->n_cols; c++) {
        put_repeat(out, "-", g->widths[c] + 1);
        fputs(g->right[c] ? ":|" : "-|", out);
    }
    fputc('\n', out);
    for (size_t r = 0; r < g->n_rows; r++) {
        fputc('|', out);
        for (size_t c = 0; c < g->n_cols; c++)
            md_cell(out, g->cells[r * g->n_cols + c], g->widths[c], g->right[c]);
        fputc('\n', out);
    }
}

/* Prints a query result in the shell's mode; results without columns print nothing. */
static void print_result(shell *sh, FILE *out, const qe_result *res) {
    if (!res || qe_result_column_count(res) == 0 || qe_result_rows_changed(res) >= 0)
        return;
    if (sh->mode != SHELL_MODE_BOX && sh->mode != SHELL_MODE_MARKDOWN) {
        print_streaming(sh, out, res);
        return;
    }
    grid g;
    bool box = sh->mode == SHELL_MODE_BOX;
    if (grid_build(sh, res, box, box, &g)) {
        if (box)
            print_box(out, &g, res);
        else
            print_markdown(out, &g, res);
    } else {
        fputs("qe-sql: out of memory while printing the result\n", stderr);
    }
    grid_free(&g);
}

/* ---- running SQL --------------------------------------------------------------------- */

static void on_result(void *ctx, const char *sql, const qe_result *res) {
    print_result(ctx, stdout, res);
    fflush(stdout);
}

static void on_error(void *ctx, const char *sql, const qe_error *err) {
    fflush(stdout);
    tools_print_error(stderr, err, sql);
}

/* CPU seconds used by this process so far (user, system). */
static void cpu_times(double *user, double *sys) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    *user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6;
    *sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

/* Runs every statement of sql; counts failures; honours -bail and .timer. */
static void run_sql(shell *sh, const char *sql, size_t len) {
    tools_script_ops ops = {on_result, on_error, sh, sh->bail};
    double t0 = tools_now(), u0, s0, u1, s1;
    cpu_times(&u0, &s0);
    int failed = tools_run_script(sh->session, sql, len, &ops);
    sh->failures += failed;
    if (failed && sh->bail)
        sh->stop = true;
    if (sh->timer) {
        cpu_times(&u1, &s1);
        printf("Run Time (s): real %.3f user %.6f sys %.6f\n", tools_now() - t0, u1 - u0, s1 - s0);
        fflush(stdout);
    }
}

/* ---- dot commands ---------------------------------------------------------------------- */

static void print_help(void) {
    puts(".exit                  Exit this program\n"
         ".help                  Show this message\n"
         ".mode MODE             Set the output mode: box, csv, json, markdown, list\n"
         ".quit                  Exit this program\n"
         ".timer on|off          Show the run time of each statement");
}

static bool parse_mode(const char *name, shell_mode *out) {
    for (int m = 0; m < SHELL_MODE_COUNT; m++) {
        if (strcmp(name, mode_names[m]) == 0) {
            *out = (shell_mode)m;
            return true;
        }
    }
    return false;
}

/* Runs a dot command (line starts with '.'); errors are printed on stderr. */
static void dot_command(shell *sh, const char *line) {
    char cmd[32] = "", arg[64] = "", extra[8] = "";
    int n = sscanf(line, "%31s %63s %7s", cmd, arg, extra);
    bool ok = true;
    if (n > 2) {
        ok = false;
    } else if (strcmp(cmd, ".quit") == 0 || strcmp(cmd, ".exit") == 0) {
        sh->stop = true;
    } else if (strcmp(cmd, ".help") == 0) {
        print_help();
    } else if (strcmp(cmd, ".mode") == 0) {
        if (n == 1)
            printf("current output mode: %s\n", mode_names[sh->mode]);
        else
            ok = parse_mode(arg, &sh->mode);
    } else if (strcmp(cmd, ".timer") == 0 && n == 2) {
        ok = strcmp(arg, "on") == 0 || strcmp(arg, "off") == 0;
        sh->timer = ok ? strcmp(arg, "on") == 0 : sh->timer;
    } else {
        ok = false;
    }
    if (!ok) {
        fprintf(stderr,
                "Error: unknown command or invalid arguments: \"%s\". Enter \".help\" for help\n",
                line + 1);
        sh->failures++;
    }
}

/* ---- line input: interactive and scripts ------------------------------------------------- */

/* True if the pending text ends a statement: its last ';' outside quotes and comments is
 * followed only by white space. */
static bool pending_complete(const shell *sh) {
    const char *text = sh->pending.text;
    size_t len = sh->pending_len, off = 0;
    bool ended = false;
    while (off < len) {
        tools_scan_state st;
        size_t end = tools_scan_sql(text, len, off, &st);
        if (st != TOOLS_SCAN_CODE || end == off || text[end - 1] != ';')
            break;
        ended = tools_is_blank(text, len, end);
        off = end;
    }
    return ended;
}

/* Runs and clears the pending text. */
static void flush_pending(shell *sh) {
    if (sh->pending_len && !tools_is_blank(sh->pending.text, sh->pending_len, 0))
        run_sql(sh, sh->pending.text, sh->pending_len);
    sh->pending_len = 0;
}

/* Feeds one input line (without its newline): a dot command at the start of a statement,
 * or SQL that runs once a ';' ends it.  Returns true when the line completed something
 * worth recording in the history. */
static bool feed_line(shell *sh, const char *line) {
    if (sh->pending_len == 0 && line[0] == '.') {
        dot_command(sh, line);
        return true;
    }
    size_t n = strlen(line);
    if (!tools_buf_reserve(&sh->pending, sh->pending_len + n + 1)) {
        fputs("qe-sql: out of memory\n", stderr);
        sh->stop = true;
        return false;
    }
    memcpy(sh->pending.text + sh->pending_len, line, n);
    sh->pending_len += n;
    sh->pending.text[sh->pending_len++] = '\n';
    sh->pending.text[sh->pending_len] = '\0';
    if (!pending_complete(sh))
        return false;
    flush_pending(sh);
    return true;
}

/* Runs a script line by line (so dot commands work in it), then whatever is left. */
static void run_stream(shell *sh, FILE *in) {
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while (!sh->stop && (n = getline(&line, &cap, in)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        feed_line(sh, line);
    }
    free(line);
    if (!sh->stop)
        flush_pending(sh);
}

static void history_path(char *buf, size_t cap) {
    const char *home = getenv("HOME");
    snprintf(buf, cap, "%s/.qe_history", home && home[0] ? home : ".");
}

/* The interactive loop: prompt "qe> ", continuation "...> ", history in ~/.qe_history. */
static void run_interactive(shell *sh) {
    char hist[4096];
    history_path(hist, sizeof hist);
    using_history();
    stifle_history(2000);
    read_history(hist);
    printf("QE %s\nEnter \".help\" for usage hints.\n", "0.1.0");
    tools_buf entry = {0}; /* the whole statement, for the history */
    size_t entry_len = 0;
    while (!sh->stop) {
        char *line = readline(sh->pending_len ? "...> " : "qe> ");
        if (!line) {
            putchar('\n');
            break;
        }
        size_t n = strlen(line);
        if (tools_buf_reserve(&entry, entry_len + n + 1)) {
            if (entry_len)
                entry.text[entry_len++] = ' ';
            memcpy(entry.text + entry_len, line, n + 1);
            entry_len += n;
        }
        if (feed_line(sh, line) || sh->pending_len == 0) {
            if (entry_len && !tools_is_blank(entry.text, entry_len, 0))
                add_history(entry.text);
            entry_len = 0;
        }
        free(line);
    }
    free(entry.text);
    write_history(hist);
}

/* ---- command line ---------------------------------------------------------------------- */

/* One -c or -f argument, in command-line order. */
typedef struct command {
    bool is_file;    /* -f FILE (else -c SQL) */
    const char *arg; /* the SQL text or the file name */
} command;

typedef struct options {
    const char *db_path;   /* DBPATH, ":memory:" by default */
    const char *schema;    /* --schema tpch|tpcds|FILE.sql, or NULL */
    shell_mode mode;       /* output mode */
    bool bail;             /* -bail */
    command *commands;     /* -c/-f in order (argc entries allocated) */
    int n_commands;        /* entries used in commands */
    const char *cfg[5][2]; /* engine options given: name, value */
    int n_cfg;             /* entries used in cfg */
} options;

static void usage(FILE *out) {
    fputs("usage: qe-sql [DBPATH] [OPTIONS]\n"
          "DBPATH is a database directory (created if missing); without it, or with\n"
          "\":memory:\", the database lives in memory only.\n"
          "  -c SQL                     run SQL and exit (may be repeated)\n"
          "  -f FILE                    run the statements of FILE and exit (may be repeated)\n"
          "  -box|-csv|-json|-markdown|-list   output mode (default: box)\n"
          "  -bail                      stop at the first failed statement\n"
          "  --schema tpch|tpcds|FILE   first create a built-in schema's tables (or run FILE)\n"
          "  --cluster HOST:PORT        act as a cluster coordinator listening there\n"
          "  --min-workers N            queries wait for N workers (with --cluster)\n"
          "  --heartbeat-timeout-ms N   a worker silent this long is dead (with --cluster)\n"
          "  --threads N                worker threads per process\n"
          "  --mode interpret|jit|adaptive  execution mode (default adaptive)\n"
          "Without -c or -f, SQL is read from stdin: interactively on a terminal.\n",
          out);
}

/* Maps a value-taking long option to its engine option name. */
static const char *config_name(const char *opt) {
    static const char *const map[][2] = {{"--cluster", "cluster"},
                                         {"--min-workers", "min_workers"},
                                         {"--heartbeat-timeout-ms", "heartbeat_timeout_ms"},
                                         {"--threads", "threads"},
                                         {"--mode", "execution_mode"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(opt, map[i][0]) == 0)
            return map[i][1];
    return NULL;
}

/* Parses argv; returns 0 to run, 1 on a usage error, 2 after --help. */
static int parse_args(int argc, char **argv, options *o) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *name;
        const char *opt = a[0] == '-' && a[1] == '-' ? a + 1 : a; /* -csv == --csv */
        shell_mode mode;
        bool has_value = i + 1 < argc;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 2;
        } else if (a[0] == '-' && parse_mode(opt + 1, &mode)) {
            o->mode = mode;
        } else if (strcmp(opt, "-bail") == 0) {
            o->bail = true;
        } else if ((strcmp(a, "-c") == 0 || strcmp(a, "-f") == 0) && has_value) {
            o->commands[o->n_commands++] = (command){a[1] == 'f', argv[++i]};
        } else if (strcmp(a, "--schema") == 0 && has_value) {
            o->schema = argv[++i];
        } else if ((name = config_name(a)) != NULL && has_value) {
            o->cfg[o->n_cfg][0] = name;
            o->cfg[o->n_cfg++][1] = argv[++i];
        } else if (a[0] != '-' && !o->db_path) {
            o->db_path = a;
        } else {
            fprintf(stderr, "qe-sql: invalid argument \"%s\"\n", a);
            usage(stderr);
            return 1;
        }
        if (o->n_cfg == 5) {
            fputs("qe-sql: too many engine options\n", stderr);
            return 1;
        }
    }
    return 0;
}

/* Opens the engine and a session as the options say; prints errors. */
static bool open_engine(const options *o, qe_engine **engine, qe_session **session) {
    qe_config *cfg = NULL;
    qe_error *err = NULL;
    if (qe_config_create(&cfg) != QE_OK) {
        fputs("qe-sql: out of memory\n", stderr);
        return false;
    }
    bool ok = true;
    for (int i = 0; i < o->n_cfg && ok; i++)
        ok = tools_config_set("qe-sql", cfg, o->cfg[i][0], o->cfg[i][1]);
    if (ok && qe_engine_open(o->db_path ? o->db_path : ":memory:", cfg, engine, &err) != QE_OK) {
        if (err)
            tools_print_error(stderr, err, NULL);
        else
            fputs("qe-sql: cannot open the engine\n", stderr);
        ok = false;
    }
    qe_error_destroy(err);
    qe_config_destroy(cfg);
    if (ok && qe_session_open(*engine, session) != QE_OK) {
        fputs("qe-sql: cannot open a session\n", stderr);
        ok = false;
    }
    return ok;
}

/* Runs the --schema script (built-in or a file), stopping at its first error; false if
 * it could not be read or a statement failed (after printing why). */
static bool load_schema(shell *sh, const char *spec) {
    size_t len = 0;
    char *text = tools_schema_text("qe-sql", spec, &len);
    if (!text)
        return false;
    tools_script_ops ops = {NULL, on_error, sh, true};
    int failed = tools_run_script(sh->session, text, len, &ops);
    free(text);
    return failed == 0;
}

/* Runs the -c/-f commands in order. */
static void run_commands(shell *sh, const options *o) {
    for (int i = 0; i < o->n_commands && !sh->stop; i++) {
        const command *c = &o->commands[i];
        if (!c->is_file) {
            run_sql(sh, c->arg, strlen(c->arg));
            continue;
        }
        FILE *f = fopen(c->arg, "r");
        if (!f) {
            fprintf(stderr, "qe-sql: cannot open \"%s\": %s\n", c->arg, strerror(errno));
            sh->failures++;
            sh->stop = sh->bail;
            continue;
        }
        run_stream(sh, f);
        fclose(f);
    }
}

int main(int argc, char **argv) {
    options o = {0};
    o.commands = calloc((size_t)argc, sizeof *o.commands);
    if (!o.commands)
        return 1;
    int rc = parse_args(argc, argv, &o);
    if (rc) {
        free(o.commands);
        return rc == 2 ? 0 : 1;
    }
    qe_engine *engine = NULL;
    qe_session *session = NULL;
    shell sh = {0};
    sh.mode = o.mode;
    sh.bail = o.bail;
    bool interactive = o.n_commands == 0 && isatty(STDIN_FILENO);
    bool ready = open_engine(&o, &engine, &session);
    sh.session = session;
    if (ready && o.schema && !load_schema(&sh, o.schema)) {
        ready = false;
        interactive = false; /* a failed --schema fails the run */
    }
    if (ready) {
        if (o.n_commands)
            run_commands(&sh, &o);
        else if (interactive)
            run_interactive(&sh);
        else
            run_stream(&sh, stdin);
    } else {
        sh.failures++;
    }
    qe_session_close(session);
    qe_engine_close(engine);
    free(sh.pending.text);
    free(sh.cell.text);
    free(o.commands);
    return sh.failures && !interactive ? 1 : 0;
}
