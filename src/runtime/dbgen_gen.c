/*
 * dbgen_gen.c -- TPC-H dbgen 2.17.3's random streams, distributions, text pool and
 * row generators (see dbgen_int.h).
 *
 * Random numbers: Park & Miller's minimal standard generator x' = 16807 x mod (2^31-1),
 * one stream per column.  A uniform integer in [lo, hi] is lo + (int)(x' / (2^31-1) *
 * (hi - lo + 1)) computed in double, exactly as dbgen's UnifInt (including its int32
 * overflow for [0, 2^31-1], which makes the range negative: a_rnd relies on it).
 * After each row every stream of the table is moved to a fixed per-row boundary, so
 * row r starts at seed0 * 16807^((r-1) * boundary): chunks and threads seek directly.
 *
 * Distributions (dists.dss) are data: word lists with weights; pick_str draws j in
 * [1, total weight] and takes the first entry whose cumulative weight reaches j.
 */
#include "dbgen_int.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define RNG_MUL 16807
#define RNG_MOD 2147483647
#define TEXT_POOL_SIZE (300 * 1024 * 1024)
#define STARTDATE 92001     /* dbgen's "julian" 1992-01-01 */
#define CURRENT_OFFSET 1263 /* days from 1992-01-01 to 1995-06-17 (CURRENTDATE) */
#define EPOCH_1992 8035     /* days from 1970-01-01 to 1992-01-01 */

/* ---- distributions (dists.dss) -------------------------------------------------- */

/* A weighted word list; cum/lut are computed once by dists_init. */
typedef struct dist {
    const char *const *words; /* count entries */
    const int *weights;       /* count individual weights */
    int count;
    int total;          /* sum of weights */
    int *cum;           /* cumulative weights */
    uint8_t *lut;       /* lut[j] = first index with cum >= j, j in [1, total] */
    uint32_t *lens;     /* strlen of each word */
    char (*padded)[16]; /* words zero-padded to 16 bytes (text words are shorter) */
} dist;

#define W(...) ((const char *const[]){__VA_ARGS__})
#define N(...) ((const int[]){__VA_ARGS__})
#define DIST(words, weights)                                                                       \
    {words, weights, sizeof(weights) / sizeof(int), 0, NULL, NULL, NULL, NULL}

static const int ones[150] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

static const char *const p_types_words[150] = {
#define T3(a, b)                                                                                   \
    a " " b " TIN", a " " b " NICKEL", a " " b " BRASS", a " " b " STEEL", a " " b " COPPER"
#define T2(a)                                                                                      \
    T3(a, "ANODIZED"), T3(a, "BURNISHED"), T3(a, "PLATED"), T3(a, "POLISHED"), T3(a, "BRUSHED")
    T2("STANDARD"), T2("SMALL"), T2("MEDIUM"), T2("LARGE"),
    T2("ECONOMY"),  T2("PROMO")
#undef T2
#undef T3
};
static const char *const p_cntr_words[40] = {
#define C1(a) a " CASE", a " BOX", a " BAG", a " JAR", a " PACK", a " PKG", a " CAN", a " DRUM"
    C1("SM"), C1("LG"), C1("MED"), C1("JUMBO"), C1("WRAP")
#undef C1
};
static const char *const colors_words[92] = {
    "almond",   "antique",   "aquamarine", "azure",      "beige",     "bisque",    "black",
    "blanched", "blue",      "blush",      "brown",      "burlywood", "burnished", "chartreuse",
    "chiffon",  "chocolate", "coral",      "cornflower", "cornsilk",  "cream",     "cyan",
    "dark",     "deep",      "dim",        "dodger",     "drab",      "firebrick", "floral",
    "forest",   "frosted",   "gainsboro",  "ghost",      "goldenrod", "green",     "grey",
    "honeydew", "hot",       "indian",     "ivory",      "khaki",     "lace",      "lavender",
    "lawn",     "lemon",     "light",      "lime",       "linen",     "magenta",   "maroon",
    "medium",   "metallic",  "midnight",   "mint",       "misty",     "moccasin",  "navajo",
    "navy",     "olive",     "orange",     "orchid",     "pale",      "papaya",    "peach",
    "peru",     "pink",      "plum",       "powder",     "puff",      "purple",    "red",
    "rose",     "rosy",      "royal",      "saddle",     "salmon",    "sandy",     "seashell",
    "sienna",   "sky",       "slate",      "smoke",      "snow",      "spring",    "steel",
    "tan",      "thistle",   "tomato",     "turquoise",  "violet",    "wheat",     "white",
    "yellow"};
static const char *const nation_words[25] = {
    "ALGERIA", "ARGENTINA", "BRAZIL",         "CANADA",       "EGYPT", "ETHIOPIA", "FRANCE",
    "GERMANY", "INDIA",     "INDONESIA",      "IRAN",         "IRAQ",  "JAPAN",    "JORDAN",
    "KENYA",   "MOROCCO",   "MOZAMBIQUE",     "PERU",         "CHINA", "ROMANIA",  "SAUDI ARABIA",
    "VIETNAM", "RUSSIA",    "UNITED KINGDOM", "UNITED STATES"};
/* dists.dss "nations" weights: region adjustments whose running sum is the region */
static const int nation_regions[25] = {0, 1, 1, 1, 4, 0, 3, 3, 2, 2, 4, 4, 2,
                                       4, 0, 0, 0, 1, 2, 3, 4, 2, 3, 3, 1};
static const char *const region_words[5] = {"AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"};

static dist d_p_types = {p_types_words, ones, 150, 0, NULL, NULL, NULL, NULL};
static dist d_p_cntr = {p_cntr_words, ones, 40, 0, NULL, NULL, NULL, NULL};
static dist d_colors = {colors_words, ones, 92, 0, NULL, NULL, NULL, NULL};
static dist d_instruct = {W("DELIVER IN PERSON", "COLLECT COD", "TAKE BACK RETURN", "NONE"),
                          ones,
                          4,
                          0,
                          NULL,
                          NULL,
                          NULL,
                          NULL};
static dist d_msegmnt = {W("AUTOMOBILE", "BUILDING", "FURNITURE", "HOUSEHOLD", "MACHINERY"),
                         ones,
                         5,
                         0,
                         NULL,
                         NULL,
                         NULL,
                         NULL};
static dist d_o_prio = {W("1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"),
                        ones,
                        5,
                        0,
                        NULL,
                        NULL,
                        NULL,
                        NULL};
static dist d_rflag = {W("R", "A"), ones, 2, 0, NULL, NULL, NULL, NULL};
static dist d_smode = {W("REG AIR", "AIR", "RAIL", "TRUCK", "MAIL", "FOB", "SHIP"),
                       ones,
                       7,
                       0,
                       NULL,
                       NULL,
                       NULL,
                       NULL};
static dist d_nouns = DIST(
    W("packages", "requests", "accounts", "deposits", "foxes", "ideas", "theodolites",
      "pinto beans", "instructions", "dependencies", "excuses", "platelets", "asymptotes", "courts",
      "dolphins", "multipliers", "sauternes", "warthogs", "frets", "dinos", "attainments", "somas",
      "Tiresias", "patterns", "forges", "braids", "frays", "warhorses", "dugouts", "notornis",
      "epitaphs", "pearls", "tithes", "waters", "orbits", "gifts", "sheaves", "depths",
      "sentiments", "decoys", "realms", "pains", "grouches", "escapades", "hockey players"),
    N(40, 40, 40, 40, 20, 20, 20, 20, 20, 10, 10, 10, 10, 5, 5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
      1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1));
static dist d_verbs =
    DIST(W("sleep", "wake", "are", "cajole", "haggle", "nag", "use", "boost", "affix", "detect",
           "integrate", "maintain", "nod", "was", "lose", "sublate", "solve", "thrash", "promise",
           "engage", "hinder", "print", "x-ray", "breach", "eat", "grow", "impress", "mold",
           "poach", "serve", "run", "dazzle", "snooze", "doze", "unwind", "kindle", "play", "hang",
           "believe", "doubt"),
         N(20, 20, 20, 20, 20, 10, 10, 10, 5, 5, 5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
           1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1));
static dist d_adverbs = DIST(
    W("sometimes", "always", "never", "furiously", "slyly", "carefully", "blithely", "quickly",
      "fluffily", "slowly", "quietly", "ruthlessly", "thinly", "closely", "doggedly", "daringly",
      "bravely", "stealthily", "permanently", "enticingly", "idly", "busily", "regularly",
      "finally", "ironically", "evenly", "boldly", "silently"),
    N(1, 1, 1, 50, 50, 50, 40, 30, 20, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1));
static dist d_articles = DIST(W("the", "a", "an"), N(50, 20, 5));
static dist d_prepositions =
    DIST(W("about", "above", "according to", "across", "after", "against", "along", "alongside of",
           "among", "around", "at", "atop", "before", "behind", "beneath", "beside", "besides",
           "between", "beyond", "by", "despite", "during", "except", "for", "from", "in place of",
           "inside", "instead of", "into", "near", "of", "on", "outside", "over", "past", "since",
           "through", "throughout", "to", "toward", "under", "until", "up", "upon", "whithout",
           "with", "within"),
         N(50, 50, 50, 50, 50, 40, 40, 30, 30, 20, 10, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
           1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1));
static dist d_auxillaries =
    DIST(W("do", "may", "might", "shall", "will", "would", "can", "could", "should", "ought to",
           "must", "will have to", "shall have to", "could have to", "should have to",
           "must have to", "need to", "try to"),
         N(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1));
static dist d_terminators = DIST(W(".", ";", ":", "?", "!", "--"), N(50, 1, 1, 1, 1, 1));
static dist d_adjectives =
    DIST(W("special", "pending", "unusual", "express", "furious", "sly", "careful", "blithe",
           "quick", "fluffy", "slow", "quiet", "ruthless", "thin", "close", "dogged", "daring",
           "brave", "stealthy", "permanent", "enticing", "idle", "busy", "regular", "final",
           "ironic", "even", "bold", "silent"),
         N(20, 20, 20, 20, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 50, 40, 40, 30,
           20, 10));
/* grammar: N V T | N V P T | N V N T | N P V N T | N P V P T; np: N | J N | J, J N | D J N;
 * vp: V | X V | V D | X V D */
static dist d_grammar = DIST(W("NVT", "NVPT", "NVNT", "NPVNT", "NPVPT"), N(3, 3, 3, 1, 1));
static dist d_np = DIST(W("N", "JN", "J,JN", "DJN"), N(10, 20, 10, 50));
static dist d_vp = DIST(W("V", "XV", "VD", "XVD"), N(30, 1, 40, 1));

static dist *const all_dists[] = {&d_p_types,      &d_p_cntr,      &d_colors,      &d_instruct,
                                  &d_msegmnt,      &d_o_prio,      &d_rflag,       &d_smode,
                                  &d_nouns,        &d_verbs,       &d_adverbs,     &d_articles,
                                  &d_prepositions, &d_auxillaries, &d_terminators, &d_adjectives,
                                  &d_grammar,      &d_np,          &d_vp};

/* ---- streams ------------------------------------------------------------------------ */

/*
 * X(name, job, seed0, boundary) -- dbgen's random streams (Seed[] in dbgen, index =
 * its *_SD constant): the job whose rows draw from it (-1: the text pool), the initial
 * value, and the draws per row it is moved to after each row.
 */
#define STREAM_LIST(X)                                                                             \
    X(P_MFG_SD, DBG_JOB_PART_PSUPP, 1, 1)                                                          \
    X(P_BRND_SD, DBG_JOB_PART_PSUPP, 46831694, 1)                                                  \
    X(P_TYPE_SD, DBG_JOB_PART_PSUPP, 1841581359, 1)                                                \
    X(P_SIZE_SD, DBG_JOB_PART_PSUPP, 1193163244, 1)                                                \
    X(P_CNTR_SD, DBG_JOB_PART_PSUPP, 727633698, 1)                                                 \
    X(TEXT_SD, -1, 933588178, 1)                                                                   \
    X(P_CMNT_SD, DBG_JOB_PART_PSUPP, 804159733, 2)                                                 \
    X(PS_QTY_SD, DBG_JOB_PART_PSUPP, 1671059989, 4)                                                \
    X(PS_SCST_SD, DBG_JOB_PART_PSUPP, 1051288424, 4)                                               \
    X(PS_CMNT_SD, DBG_JOB_PART_PSUPP, 1961692154, 8)                                               \
    X(O_SUPP_SD, DBG_JOB_ORDER_LINE, 1227283347, 1)                                                \
    X(O_CLRK_SD, DBG_JOB_ORDER_LINE, 1171034773, 1)                                                \
    X(O_CMNT_SD, DBG_JOB_ORDER_LINE, 276090261, 2)                                                 \
    X(O_ODATE_SD, DBG_JOB_ORDER_LINE, 1066728069, 1)                                               \
    X(L_QTY_SD, DBG_JOB_ORDER_LINE, 209208115, 7)                                                  \
    X(L_DCNT_SD, DBG_JOB_ORDER_LINE, 554590007, 7)                                                 \
    X(L_TAX_SD, DBG_JOB_ORDER_LINE, 721958466, 7)                                                  \
    X(L_SHIP_SD, DBG_JOB_ORDER_LINE, 1371272478, 7)                                                \
    X(L_SMODE_SD, DBG_JOB_ORDER_LINE, 675466456, 7)                                                \
    X(L_PKEY_SD, DBG_JOB_ORDER_LINE, 1808217256, 7)                                                \
    X(L_SKEY_SD, DBG_JOB_ORDER_LINE, 2095021727, 7)                                                \
    X(L_SDTE_SD, DBG_JOB_ORDER_LINE, 1769349045, 7)                                                \
    X(L_CDTE_SD, DBG_JOB_ORDER_LINE, 904914315, 7)                                                 \
    X(L_RDTE_SD, DBG_JOB_ORDER_LINE, 373135028, 7)                                                 \
    X(L_RFLG_SD, DBG_JOB_ORDER_LINE, 717419739, 7)                                                 \
    X(L_CMNT_SD, DBG_JOB_ORDER_LINE, 1095462486, 14)                                               \
    X(C_ADDR_SD, DBG_JOB_CUST, 881155353, 9)                                                       \
    X(C_NTRG_SD, DBG_JOB_CUST, 1489529863, 1)                                                      \
    X(C_PHNE_SD, DBG_JOB_CUST, 1521138112, 3)                                                      \
    X(C_ABAL_SD, DBG_JOB_CUST, 298370230, 1)                                                       \
    X(C_MSEG_SD, DBG_JOB_CUST, 1140279430, 1)                                                      \
    X(C_CMNT_SD, DBG_JOB_CUST, 1335826707, 2)                                                      \
    X(S_ADDR_SD, DBG_JOB_SUPP, 706178559, 9)                                                       \
    X(S_NTRG_SD, DBG_JOB_SUPP, 110356601, 1)                                                       \
    X(S_PHNE_SD, DBG_JOB_SUPP, 884434366, 3)                                                       \
    X(S_ABAL_SD, DBG_JOB_SUPP, 962338209, 1)                                                       \
    X(S_CMNT_SD, DBG_JOB_SUPP, 1341315363, 2)                                                      \
    X(P_NAME_SD, DBG_JOB_PART_PSUPP, 709314158, 92)                                                \
    X(O_PRIO_SD, DBG_JOB_ORDER_LINE, 591449447, 1)                                                 \
    X(HVAR_SD, DBG_JOB_ORDER_LINE, 431918286, 1)                                                   \
    X(O_CKEY_SD, DBG_JOB_ORDER_LINE, 851767375, 1)                                                 \
    X(N_CMNT_SD, DBG_JOB_NATION, 606179079, 2)                                                     \
    X(R_CMNT_SD, DBG_JOB_REGION, 1500869201, 2)                                                    \
    X(O_LCNT_SD, DBG_JOB_ORDER_LINE, 1434868289, 1)                                                \
    X(BBB_JNK_SD, DBG_JOB_SUPP, 263032577, 1)                                                      \
    X(BBB_TYPE_SD, DBG_JOB_SUPP, 753643799, 1)                                                     \
    X(BBB_CMNT_SD, DBG_JOB_SUPP, 202794285, 1)                                                     \
    X(BBB_OFFSET_SD, DBG_JOB_SUPP, 715851524, 1)

/* stream indexes (dbgen's *_SD) */
enum {
#define X_STREAM_ENUM(name, job, seed0, boundary) name,
    STREAM_LIST(X_STREAM_ENUM)
#undef X_STREAM_ENUM
        N_STREAMS
};
_Static_assert(N_STREAMS == DBG_N_STREAMS, "48 streams, as in dbgen");

/* One stream: owner job, initial value and per-row boundary. */
typedef struct stream_def {
    int8_t job;       /* dbg_job, or -1 for the text pool stream */
    int32_t seed0;    /* initial value */
    int32_t boundary; /* draws per row of the job */
} stream_def;

static const stream_def streams[DBG_N_STREAMS] = {
#define X_STREAM_DEF(name, job, seed0, boundary) {job, seed0, boundary},
    STREAM_LIST(X_STREAM_DEF)
#undef X_STREAM_DEF
};

static int64_t row_mult[DBG_N_STREAMS];                   /* 16807^boundary mod (2^31-1) */
static uint8_t job_streams[DBG_JOB_COUNT][DBG_N_STREAMS]; /* the streams of each job */
static int n_job_streams[DBG_JOB_COUNT];
static char date_text[2600][16]; /* "YYYY-MM-DD" for days since 1992-01-01 */
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static bool init_ok;

/* 16807^n * x mod (2^31-1) by square-and-multiply (dbgen's NthElement). */
static int64_t rng_skip(int64_t x, int64_t n) {
    int64_t mult = RNG_MUL;
    while (n > 0) {
        if (n & 1)
            x = (mult * x) % RNG_MOD;
        n >>= 1;
        mult = (mult * mult) % RNG_MOD;
    }
    return x;
}

/* x * 16807 mod (2^31-1) without a division (2^31 = 1 modulo the Mersenne prime). */
static inline int64_t rng_step(int64_t x) {
    int64_t p = x * RNG_MUL;
    p = (p & RNG_MOD) + (p >> 31);
    return p >= RNG_MOD ? p - RNG_MOD : p;
}

/* One draw of stream *s in [lo, hi] (dbgen's UnifInt). */
static inline int64_t unif(int64_t *s, int64_t lo, int64_t hi) {
    *s = rng_step(*s);
    double range = (double)(hi - lo + 1);
    return lo + (int64_t)(((double)*s / (double)RNG_MOD) * range);
}

/* Index picked from d with one draw (dbgen's pick_str). */
static inline int pick(const dist *d, int64_t *s) { return d->lut[unif(s, 1, d->total)]; }

static void init_all(void) {
    for (size_t i = 0; i < sizeof all_dists / sizeof all_dists[0]; i++) {
        dist *d = all_dists[i];
        int total = 0;
        for (int k = 0; k < d->count; k++)
            total += d->weights[k];
        size_t n = (size_t)(uint32_t)d->count;
        d->cum = malloc(sizeof(int) * n);
        d->lens = malloc(sizeof(uint32_t) * n);
        d->lut = malloc((size_t)(uint32_t)total + 1);
        d->padded = calloc(n, 16);
        if (!d->cum || !d->lens || !d->lut || !d->padded)
            return;
        int run = 0, k = 0;
        for (int j = 0; j < d->count; j++) {
            run += d->weights[j];
            d->cum[j] = run;
            d->lens[j] = (uint32_t)strlen(d->words[j]);
            memcpy(d->padded[j], d->words[j], d->lens[j] < 16 ? d->lens[j] : 16);
        }
        d->lut[0] = 0;
        for (int j = 1; j <= total; j++) {
            while (d->cum[k] < j)
                k++;
            d->lut[j] = (uint8_t)k;
        }
        d->total = total;
    }
    for (int i = 0; i < DBG_N_STREAMS; i++)
        row_mult[i] = rng_skip(1, streams[i].boundary);
    for (int i = 0; i < DBG_N_STREAMS; i++)
        if (streams[i].job >= 0)
            job_streams[streams[i].job][n_job_streams[streams[i].job]++] = (uint8_t)i;
    for (int i = 0; i < 2600; i++) {
        int64_t y;
        unsigned m, d;
        rt_civil_from_days(EPOCH_1992 + i, &y, &m, &d);
        snprintf(date_text[i], sizeof date_text[i], "%04d-%02u-%02u", (int)y, m, d);
    }
    init_ok = true;
}

/* Builds the distribution tables once; false on out-of-memory. */
static bool dbg_init(void) {
    pthread_once(&init_once, init_all);
    return init_ok;
}

const char *dbg_date_text(int32_t days_since_epoch) {
    return date_text[days_since_epoch - EPOCH_1992];
}

bool dbg_scale_init(double sf, dbg_scale *out) {
    /* from 30000 on dbgen draws o_custkey and l_partkey with its 64-bit generator */
    if (!(sf > 0) || sf >= 30000)
        return false;
    if (!dbg_init())
        return false;
    if (sf < 1) {
        int int_scale = (int)(1000 * sf);
        if (int_scale < 1)
            return false;
        out->scale = 1;
        out->n_part = (int64_t)int_scale * 200000 / 1000;
        out->n_supp = (int64_t)int_scale * 10000 / 1000;
        out->n_cust = (int64_t)int_scale * 150000 / 1000;
        out->n_orders = (int64_t)int_scale * 1500000 / 1000;
        if (out->n_part < 1)
            out->n_part = 1;
        if (out->n_supp < 1)
            out->n_supp = 1;
        if (out->n_cust < 1)
            out->n_cust = 1;
        if (out->n_orders < 1)
            out->n_orders = 1;
        return true;
    }
    if (sf != floor(sf))
        return false;
    out->scale = (int64_t)sf;
    out->n_part = 200000 * out->scale;
    out->n_supp = 10000 * out->scale;
    out->n_cust = 150000 * out->scale;
    out->n_orders = 1500000 * out->scale;
    return true;
}

int64_t dbg_job_rows(const dbg_scale *sc, dbg_job job) {
    switch (job) {
    case DBG_JOB_PART_PSUPP: return sc->n_part;
    case DBG_JOB_SUPP: return sc->n_supp;
    case DBG_JOB_CUST: return sc->n_cust;
    case DBG_JOB_ORDER_LINE: return sc->n_orders;
    case DBG_JOB_NATION: return 25;
    case DBG_JOB_REGION: return 5;
    case DBG_JOB_COUNT: break;
    }
    return 0;
}

void dbg_rng_seek(dbg_rng *rng, dbg_job job, int64_t row) {
    for (int i = 0; i < DBG_N_STREAMS; i++) {
        if (streams[i].job != (int)job)
            continue;
        rng->row_seed[i] = rng_skip(streams[i].seed0, (row - 1) * streams[i].boundary);
        rng->seed[i] = rng->row_seed[i];
    }
}

void dbg_rng_next_row(dbg_rng *rng, dbg_job job) {
    for (int k = 0; k < n_job_streams[job]; k++) {
        int i = job_streams[job][k];
        rng->row_seed[i] = (rng->row_seed[i] * row_mult[i]) % RNG_MOD;
        rng->seed[i] = rng->row_seed[i];
    }
}

/* ---- text pool ---------------------------------------------------------------------- */

static char *text_pool;

/* Appends a word picked from d (16 bytes are written: the buffer has slack); returns
 * the new end. */
static inline char *put_word(char *p, const dist *d, int64_t *s) {
    int i = pick(d, s);
    memcpy(p, d->padded[i], 16);
    return p + d->lens[i];
}

/* A noun phrase with a trailing space (dbgen's txt_np). */
static char *noun_phrase(char *p, int64_t *s) {
    const char *form = d_np.words[pick(&d_np, s)];
    for (; *form; form++) {
        switch (*form) {
        case 'N': p = put_word(p, &d_nouns, s); break;
        case 'J': p = put_word(p, &d_adjectives, s); break;
        case 'D': p = put_word(p, &d_adverbs, s); break;
        case 'A': p = put_word(p, &d_articles, s); break;
        }
        if (form[1] == ',') {
            *p++ = ',';
            form++;
        }
        *p++ = ' ';
    }
    return p;
}

/* A verb phrase with a trailing space (dbgen's txt_vp; its forms have no punctuation). */
static char *verb_phrase(char *p, int64_t *s) {
    const char *form = d_vp.words[pick(&d_vp, s)];
    for (; *form; form++) {
        switch (*form) {
        case 'V': p = put_word(p, &d_verbs, s); break;
        case 'X': p = put_word(p, &d_auxillaries, s); break;
        case 'D': p = put_word(p, &d_adverbs, s); break;
        }
        *p++ = ' ';
    }
    return p;
}

/* One sentence; the terminator replaces the last space.  Returns its length. */
static size_t sentence(char *buf, int64_t *s) {
    char *p = buf;
    const char *form = d_grammar.words[pick(&d_grammar, s)];
    for (; *form; form++) {
        switch (*form) {
        case 'V': p = verb_phrase(p, s); break;
        case 'N': p = noun_phrase(p, s); break;
        case 'P':
            p = put_word(p, &d_prepositions, s);
            memcpy(p, " the ", 5);
            p = noun_phrase(p + 5, s);
            break;
        case 'T': p = put_word(p - 1, &d_terminators, s); break;
        }
    }
    return (size_t)(p - buf);
}

#define SENTENCE_MAX 512     /* slack after a buffer for the last sentence */
#define HUGE_PAGE (2u << 20) /* transparent huge page size */
#define POOL_DRAWS 63888645  /* draws stream 5 makes for the whole pool (measured) */
#define SYNC_STARTS 4096     /* sentence starts a part records for its predecessor */
#define SYNC_SLOTS 8192      /* hash slots for them */
#define POOL_PARTS_MAX 8

/*
 * The pool is one sequence of sentences from one stream, but it is built in parallel:
 * part k starts at draw k * POOL_DRAWS / K, in the middle of some sentence, and
 * generates its own sentences from there, recording the stream value at its first
 * SYNC_STARTS sentence starts.  Part k-1, once past that draw, soon starts a sentence at
 * one of those values (two sentence sequences over the same draws couple within a few
 * dozen sentences); from that sentence on both produce the same text, so part k-1 stops
 * there and part k's text is used from the matching start.  Stream values identify
 * draw positions (the period, 2^31-2, exceeds the pool's draws).  If a part does not
 * couple within twice its share (never seen), the pool is built sequentially.
 */
typedef struct pool_part {
    int64_t seed;                /* stream value: at the start, then at the end */
    char *buf;                   /* text (part 0: the pool itself) */
    size_t cap;                  /* bytes it may generate before giving up / stopping */
    size_t len;                  /* bytes generated */
    int64_t starts[SYNC_STARTS]; /* stream values at its first sentence starts */
    uint32_t offs[SYNC_STARTS];  /* their byte offsets in buf */
    uint32_t n_starts;
    struct pool_part *next;     /* the part after this one; NULL for the last */
    size_t end;                 /* bytes of buf up to the coupling sentence */
    uint32_t next_idx;          /* next->starts index of the coupling sentence */
    bool ok;                    /* coupled (or, last part: generated its cap) */
    pthread_barrier_t *barrier; /* all parts have recorded their starts */
} pool_part;

static inline uint32_t sync_hash(int64_t v) { return (uint32_t)(v * 0x9E3779B1u) % SYNC_SLOTS; }

/* Index of value v among starts (hashed into slots), or -1. */
static int sync_find(const int32_t *slots, const int64_t *starts, int64_t v) {
    for (uint32_t h = sync_hash(v);; h = (h + 1) % SYNC_SLOTS) {
        if (slots[h] < 0)
            return -1;
        if (starts[slots[h]] == v)
            return slots[h];
    }
}

/* One sentence and its separating blank at buf + *len. */
static inline void pool_sentence(char *buf, size_t *len, int64_t *s) {
    size_t n = sentence(buf + *len, s);
    buf[*len + n] = ' ';
    *len += n + 1;
}

static void *pool_part_main(void *arg) {
    pool_part *pp = arg;
    int64_t s = pp->seed;
    size_t len = 0;
    while (pp->n_starts < SYNC_STARTS && len < pp->cap) { /* for the predecessor */
        pp->starts[pp->n_starts] = s;
        pp->offs[pp->n_starts++] = (uint32_t)len;
        pool_sentence(pp->buf, &len, &s);
    }
    pthread_barrier_wait(pp->barrier);
    if (!pp->next) { /* the last part: just generate */
        while (len < pp->cap)
            pool_sentence(pp->buf, &len, &s);
        pp->len = len;
        pp->seed = s;
        pp->ok = true;
        return NULL;
    }
    int32_t slots[SYNC_SLOTS];
    memset(slots, 0xff, sizeof slots);
    for (uint32_t i = 0; i < pp->next->n_starts; i++) {
        uint32_t h = sync_hash(pp->next->starts[i]);
        while (slots[h] >= 0)
            h = (h + 1) % SYNC_SLOTS;
        slots[h] = (int32_t)i;
    }
    for (uint32_t i = 0; i < pp->n_starts; i++) { /* coupled among the recorded ones? */
        int j = sync_find(slots, pp->next->starts, pp->starts[i]);
        if (j >= 0) {
            pp->end = pp->offs[i];
            pp->next_idx = (uint32_t)j;
            pp->ok = true;
            return NULL;
        }
    }
    while (len < pp->cap) {
        int j = sync_find(slots, pp->next->starts, s);
        if (j >= 0) {
            pp->end = len;
            pp->next_idx = (uint32_t)j;
            pp->ok = true;
            return NULL;
        }
        pool_sentence(pp->buf, &len, &s);
    }
    return NULL; /* no coupling: the caller builds sequentially */
}

/* Sentences from stream value s into pool[len..TEXT_POOL_SIZE), the last one cut. */
static void pool_fill(char *pool, size_t len, int64_t s) {
    while (len < TEXT_POOL_SIZE) {
        size_t n = sentence(pool + len, &s);
        if (TEXT_POOL_SIZE - len >= n + 1) {
            pool[len + n] = ' ';
            len += n + 1;
        } else {
            len = TEXT_POOL_SIZE; /* the last sentence is cut */
        }
    }
}

/* Concatenates the coupled parts into the pool. */
static void pool_stitch(char *pool, pool_part *parts, uint32_t n_parts) {
    size_t len = parts[0].end;
    for (uint32_t k = 1; k < n_parts && len < TEXT_POOL_SIZE; k++) {
        size_t from = parts[k].offs[parts[k - 1].next_idx];
        size_t to = k + 1 < n_parts ? parts[k].end : parts[k].len;
        size_t n = to - from;
        if (n > TEXT_POOL_SIZE - len)
            n = TEXT_POOL_SIZE - len;
        memcpy(pool + len, parts[k].buf + from, n);
        len += n;
    }
    if (len < TEXT_POOL_SIZE) /* the last part fell short: go on from its end */
        pool_fill(pool, len, parts[n_parts - 1].seed);
}

/* Builds the pool with n_parts threads; false if a part did not couple (or no memory,
 * or no threads): then nothing usable was written. */
static bool pool_parallel(char *pool, uint32_t n_parts) {
    pool_part *parts = calloc(n_parts, sizeof *parts);
    pthread_t tids[POOL_PARTS_MAX];
    pthread_barrier_t barrier;
    if (!parts || pthread_barrier_init(&barrier, NULL, n_parts) != 0) {
        free(parts);
        return false;
    }
    size_t share = TEXT_POOL_SIZE / n_parts;
    bool ok = true;
    for (uint32_t k = 0; k < n_parts; k++) {
        pool_part *pp = &parts[k];
        pp->seed = rng_skip(streams[TEXT_SD].seed0, (int64_t)POOL_DRAWS / n_parts * k);
        pp->cap = k == 0            ? TEXT_POOL_SIZE - SENTENCE_MAX
                  : k + 1 < n_parts ? 2 * share
                                    : share + share / 4;
        pp->buf = k == 0 ? pool : malloc(pp->cap + SENTENCE_MAX);
        pp->next = k + 1 < n_parts ? &parts[k + 1] : NULL;
        pp->barrier = &barrier;
        ok &= pp->buf != NULL;
    }
    uint32_t started = 0;
    if (ok)
        for (; started < n_parts; started++)
            if (pthread_create(&tids[started], NULL, pool_part_main, &parts[started]) != 0)
                break;
    if (started < n_parts) {
        /* the started threads wait at the barrier: stand in for the missing ones */
        ok = false;
        for (uint32_t k = started; k < n_parts && started > 0; k++)
            pthread_barrier_wait(&barrier);
    }
    for (uint32_t k = 0; k < started; k++) {
        pthread_join(tids[k], NULL);
        ok &= parts[k].ok;
    }
    if (ok)
        pool_stitch(pool, parts, n_parts);
    for (uint32_t k = 1; k < n_parts; k++)
        free(parts[k].buf);
    pthread_barrier_destroy(&barrier);
    free(parts);
    return ok;
}

static uint32_t pool_threads = 1; /* threads for the pool (the first caller's) */

static void build_pool(void) {
    /* 2 MiB aligned and advised for huge pages: comments are cut at random offsets,
     * and with 4 KiB pages nearly every one is a TLB miss */
    size_t bytes = ((size_t)TEXT_POOL_SIZE + SENTENCE_MAX + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
    char *pool = aligned_alloc(HUGE_PAGE, bytes);
    if (!pool)
        return;
#ifdef MADV_HUGEPAGE
    madvise(pool, bytes, MADV_HUGEPAGE);
#endif
    uint32_t n = pool_threads > POOL_PARTS_MAX ? POOL_PARTS_MAX : pool_threads;
    if (n < 2 || !pool_parallel(pool, n))
        pool_fill(pool, 0, streams[TEXT_SD].seed0);
    pool[TEXT_POOL_SIZE] = '\0';
    text_pool = pool;
}

const char *dbg_text_pool(uint32_t threads) {
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    if (!dbg_init())
        return NULL;
    pthread_mutex_lock(&mu);
    if (!text_pool) {
        pool_threads = threads;
        build_pool();
    }
    pthread_mutex_unlock(&mu);
    return text_pool;
}

/* A comment of length in [avg*0.4, avg*1.6] cut from the pool (dbgen's TEXT). */
static inline dbg_str text(const char *pool, int avg, int64_t *s) {
    int lo = (int)(avg * 0.4), hi = (int)(avg * 1.6);
    int64_t off = unif(s, 0, TEXT_POOL_SIZE - hi);
    int64_t len = unif(s, lo, hi);
    /* the copy comes later (formatting): start fetching the random pool line now */
    __builtin_prefetch(pool + off);
    __builtin_prefetch(pool + off + len - 1);
    return (dbg_str){pool + off, (uint32_t)len};
}

/* Random alphanumerics of length in [avg*0.4, avg*1.6] (dbgen's V_STR / a_rnd). */
static uint32_t vstr(char *dest, int avg, int64_t *s) {
    static const char alpha_num[65] =
        "0123456789abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ,";
    int64_t len = unif(s, (int)(avg * 0.4), (int)(avg * 1.6));
    int64_t bits = 0;
    for (int64_t i = 0; i < len; i++) {
        if (i % 5 == 0) {
            /* UnifInt(0, 2^31-1): dbgen's int32 range overflows to -2^31 */
            *s = rng_step(*s);
            bits = (int64_t)(((double)*s / (double)RNG_MOD) * -2147483648.0);
        }
        dest[i] = alpha_num[bits & 077];
        bits >>= 6;
    }
    dest[len] = '\0';
    return (uint32_t)len;
}

static void phone(char *dest, int64_t nation, int64_t *s) {
    int64_t acode = unif(s, 100, 999);
    int64_t exchg = unif(s, 100, 999);
    int64_t number = unif(s, 1000, 9999);
    int64_t parts[4] = {10 + nation % 90, acode, exchg, number};
    static const int widths[4] = {2, 3, 3, 4};
    char *p = dest;
    for (int k = 0; k < 4; k++) {
        for (int i = widths[k] - 1; i >= 0; i--) {
            p[i] = (char)('0' + parts[k] % 10);
            parts[k] /= 10;
        }
        p += widths[k];
        *p++ = k < 3 ? '-' : '\0';
    }
}

static inline int64_t retail_price(int64_t p) {
    return 90000 + (p / 10) % 20001 + (p % 1000) * 100;
}

/* dbgen's PART_SUPP_BRIDGE: the s-th supplier of part p. */
static inline int64_t part_supp(int64_t p, int64_t s, int64_t n_supp) {
    return (p + s * (n_supp / 4 + (p - 1) / n_supp)) % n_supp + 1;
}

static inline dbg_str dist_str(const dist *d, int i) { return (dbg_str){d->words[i], d->lens[i]}; }

/* ---- rows --------------------------------------------------------------------------- */

void dbg_make_part(const dbg_scale *sc, dbg_rng *rng, const char *pool, int64_t row,
                   dbg_part_row *out) {
    int64_t *sd = rng->seed;
    out->partkey = row;
    int perm[92];
    for (int i = 0; i < 92; i++)
        perm[i] = i;
    for (int i = 0; i < 92; i++) {
        int64_t src = unif(&sd[P_NAME_SD], i, 91);
        int t = perm[src];
        perm[src] = perm[i];
        perm[i] = t;
    }
    char *p = out->name;
    for (int i = 0; i < 5; i++) {
        if (i)
            *p++ = ' ';
        memcpy(p, d_colors.words[perm[i]], d_colors.lens[perm[i]]);
        p += d_colors.lens[perm[i]];
    }
    *p = '\0';
    out->name_len = (uint32_t)(p - out->name);
    out->mfgr = unif(&sd[P_MFG_SD], 1, 5);
    out->brand = out->mfgr * 10 + unif(&sd[P_BRND_SD], 1, 5);
    out->type = dist_str(&d_p_types, pick(&d_p_types, &sd[P_TYPE_SD]));
    out->size = unif(&sd[P_SIZE_SD], 1, 50);
    out->container = dist_str(&d_p_cntr, pick(&d_p_cntr, &sd[P_CNTR_SD]));
    out->retailprice = retail_price(row);
    out->comment = text(pool, 14, &sd[P_CMNT_SD]);
    for (int s = 0; s < 4; s++) {
        out->ps_suppkey[s] = part_supp(row, s, sc->n_supp);
        out->ps_availqty[s] = unif(&sd[PS_QTY_SD], 1, 9999);
        out->ps_supplycost[s] = unif(&sd[PS_SCST_SD], 100, 100000);
        out->ps_comment[s] = text(pool, 124, &sd[PS_CMNT_SD]);
    }
}

void dbg_make_supp(const dbg_scale *sc, dbg_rng *rng, const char *pool, int64_t row,
                   dbg_supp_row *out) {
    (void)sc;
    int64_t *sd = rng->seed;
    out->suppkey = row;
    out->address_len = vstr(out->address, 25, &sd[S_ADDR_SD]);
    out->nationkey = unif(&sd[S_NTRG_SD], 0, 24);
    phone(out->phone, out->nationkey, &sd[S_PHNE_SD]);
    out->acctbal = unif(&sd[S_ABAL_SD], -99999, 999999);
    dbg_str c = text(pool, 63, &sd[S_CMNT_SD]);
    memcpy(out->comment, c.ptr, c.len);
    out->comment[c.len] = '\0';
    out->comment_len = c.len;
    int64_t clen = c.len;
    int64_t bad_press = unif(&sd[BBB_CMNT_SD], 1, 10000);
    int64_t type = unif(&sd[BBB_TYPE_SD], 0, 100);
    int64_t noise = unif(&sd[BBB_JNK_SD], 0, clen - 19);
    int64_t offset = unif(&sd[BBB_OFFSET_SD], 0, clen - (19 + noise));
    if (bad_press <= 10) {
        memcpy(out->comment + offset, "Customer ", 9);
        memcpy(out->comment + 9 + offset + noise, type < 50 ? "Complaints" : "Recommends", 10);
    }
}

void dbg_make_cust(const dbg_scale *sc, dbg_rng *rng, const char *pool, int64_t row,
                   dbg_cust_row *out) {
    (void)sc;
    int64_t *sd = rng->seed;
    out->custkey = row;
    out->address_len = vstr(out->address, 25, &sd[C_ADDR_SD]);
    out->nationkey = unif(&sd[C_NTRG_SD], 0, 24);
    phone(out->phone, out->nationkey, &sd[C_PHNE_SD]);
    out->acctbal = unif(&sd[C_ABAL_SD], -99999, 999999);
    out->mktsegment = dist_str(&d_msegmnt, pick(&d_msegmnt, &sd[C_MSEG_SD]));
    out->comment = text(pool, 73, &sd[C_CMNT_SD]);
}

void dbg_make_order(const dbg_scale *sc, dbg_rng *rng, const char *pool, int64_t row,
                    dbg_order_row *o) {
    int64_t *sd = rng->seed;
    o->orderkey = ((row >> 3) << 5) | (row & 7); /* dbgen's sparse keys, sequence 0 */
    int64_t ck = unif(&sd[O_CKEY_SD], 1, sc->n_cust);
    int delta = 1;
    while (ck % 3 == 0) { /* a third of the customers have no orders */
        ck += delta;
        if (ck > sc->n_cust)
            ck = sc->n_cust;
        delta = -delta;
    }
    o->custkey = ck;
    int64_t odate = unif(&sd[O_ODATE_SD], STARTDATE, STARTDATE + 2557 - 151 - 1) - STARTDATE;
    o->orderdate = (int32_t)(EPOCH_1992 + odate);
    o->orderpriority = dist_str(&d_o_prio, pick(&d_o_prio, &sd[O_PRIO_SD]));
    int64_t clerks = sc->scale * 1000 > 1000 ? sc->scale * 1000 : 1000;
    o->clerk = unif(&sd[O_CLRK_SD], 1, clerks);
    o->comment = text(pool, 49, &sd[O_CMNT_SD]);
    o->n_lines = (int)unif(&sd[O_LCNT_SD], 1, 7);
    o->totalprice = 0;
    int shipped = 0;
    for (int l = 0; l < o->n_lines; l++) {
        dbg_line_row *li = &o->lines[l];
        li->quantity = unif(&sd[L_QTY_SD], 1, 50);
        li->discount = unif(&sd[L_DCNT_SD], 0, 10);
        li->tax = unif(&sd[L_TAX_SD], 0, 8);
        li->shipinstruct = dist_str(&d_instruct, pick(&d_instruct, &sd[L_SHIP_SD]));
        li->shipmode = dist_str(&d_smode, pick(&d_smode, &sd[L_SMODE_SD]));
        li->comment = text(pool, 27, &sd[L_CMNT_SD]);
        li->partkey = unif(&sd[L_PKEY_SD], 1, sc->n_part);
        int64_t supp_num = unif(&sd[L_SKEY_SD], 0, 3);
        li->suppkey = part_supp(li->partkey, supp_num, sc->n_supp);
        li->extendedprice = retail_price(li->partkey) * li->quantity;
        o->totalprice += ((li->extendedprice * (100 - li->discount)) / 100) * (100 + li->tax) / 100;
        int64_t sdate = odate + unif(&sd[L_SDTE_SD], 1, 121);
        int64_t cdate = odate + unif(&sd[L_CDTE_SD], 30, 90);
        int64_t rdate = sdate + unif(&sd[L_RDTE_SD], 1, 30);
        li->shipdate = (int32_t)(EPOCH_1992 + sdate);
        li->commitdate = (int32_t)(EPOCH_1992 + cdate);
        li->receiptdate = (int32_t)(EPOCH_1992 + rdate);
        if (rdate <= CURRENT_OFFSET)
            li->returnflag = d_rflag.words[pick(&d_rflag, &sd[L_RFLG_SD])][0];
        else
            li->returnflag = 'N';
        if (sdate <= CURRENT_OFFSET) {
            shipped++;
            li->linestatus = 'F';
        } else {
            li->linestatus = 'O';
        }
    }
    o->orderstatus = shipped == o->n_lines ? 'F' : shipped > 0 ? 'P' : 'O';
}

void dbg_make_nation(dbg_rng *rng, const char *pool, int64_t row, dbg_code_row *out) {
    out->key = row - 1;
    out->name = (dbg_str){nation_words[row - 1], (uint32_t)strlen(nation_words[row - 1])};
    out->regionkey = nation_regions[row - 1];
    out->comment = text(pool, 72, &rng->seed[N_CMNT_SD]);
}

void dbg_make_region(dbg_rng *rng, const char *pool, int64_t row, dbg_code_row *out) {
    out->key = row - 1;
    out->name = (dbg_str){region_words[row - 1], (uint32_t)strlen(region_words[row - 1])};
    out->regionkey = 0;
    out->comment = text(pool, 72, &rng->seed[R_CMNT_SD]);
}
