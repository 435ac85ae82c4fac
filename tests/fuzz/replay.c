/*
 * replay.c -- runs a libFuzzer target's corpus once without libFuzzer, so every build
 * (gcc, the ASan+UBSan build of `make test`) checks that no saved input crashes.
 *
 *   fuzz_replay PATH...
 *
 * Each PATH is a file or a directory whose regular files (in name order, not recursive)
 * are inputs.  Every input is copied into a buffer of exactly its size (so a read past
 * the end is caught by ASan) and given to LLVMFuzzerTestOneInput once.  Prints the
 * number of inputs and the time taken; exits 1 if a path cannot be read (a crash ends
 * the process by itself).
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads a whole file into a buffer of exactly its size (malloc(1) when empty). */
static uint8_t *read_input(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0)
        buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return buf;
}

/* Feeds one file; false if it cannot be read. */
static bool replay_file(const char *path) {
    size_t size = 0;
    uint8_t *data = read_input(path, &size);
    if (!data) {
        fprintf(stderr, "fuzz_replay: cannot read \"%s\"\n", path);
        return false;
    }
    LLVMFuzzerTestOneInput(data, size);
    free(data);
    return true;
}

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Feeds every regular file of a directory in name order; counts them in *n_inputs. */
static bool replay_dir(const char *dir, int *n_inputs) {
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "fuzz_replay: cannot open \"%s\"\n", dir);
        return false;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    bool ok = true;
    for (struct dirent *e; ok && (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            char **grown = realloc(names, cap * sizeof *names);
            ok = grown != NULL;
            names = grown ? grown : names;
        }
        if (ok) {
            names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2);
            ok = names[n] != NULL;
        }
        if (ok)
            sprintf(names[n++], "%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n; i++) {
        struct stat sb;
        if (ok && stat(names[i], &sb) == 0 && S_ISREG(sb.st_mode)) {
            ok = replay_file(names[i]);
            ++*n_inputs;
        }
        free(names[i]);
    }
    free(names);
    return ok;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fputs("usage: fuzz_replay PATH...\n", stderr);
        return 1;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int n_inputs = 0;
    bool ok = true;
    for (int i = 1; i < argc && ok; i++) {
        struct stat sb;
        if (stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
            ok = replay_dir(argv[i], &n_inputs);
        } else {
            ok = replay_file(argv[i]);
            n_inputs++;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    printf("fuzz_replay: %d inputs in %.2f s%s\n", n_inputs, secs, ok ? "" : " (errors)");
    return ok ? 0 : 1;
}
