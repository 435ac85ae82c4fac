/*
 * qe-worker.c -- the QE worker daemon.
 *
 *   qe-worker --listen HOST:PORT --coordinator HOST:PORT [--threads N] [--heartbeat-ms N]
 *
 * Registers with the coordinator (retrying until it is up), heartbeats, and runs the
 * stage tasks it is sent (qe_worker_run).  SIGTERM and SIGINT stop it cleanly through
 * qe_worker_stop, which is async-signal-safe; the exit status is then 0.
 */
#include "qe.h"
#include "tools_int.h"

#include <signal.h>
#include <unistd.h>

static void on_signal(int sig) { qe_worker_stop(); }

/* Installs the stop handler for SIGTERM and SIGINT; ignores SIGPIPE (sockets report
 * EPIPE instead). */
static void install_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static void usage(FILE *out) {
    fputs("usage: qe-worker --listen HOST:PORT --coordinator HOST:PORT [--threads N]\n"
          "                 [--heartbeat-ms N]\n",
          out);
}

/* Maps an option to its engine option name. */
static const char *config_name(const char *opt) {
    static const char *const map[][2] = {{"--listen", "listen"},
                                         {"--coordinator", "coordinator"},
                                         {"--threads", "threads"},
                                         {"--heartbeat-ms", "heartbeat_interval_ms"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(opt, map[i][0]) == 0)
            return map[i][1];
    return NULL;
}

/* Fills cfg from argv; returns 0 to run, 1 on a usage error, 2 after --help. */
static int parse_args(int argc, char **argv, qe_config *cfg, const char **listen,
                      const char **coordinator) {
    for (int i = 1; i < argc; i++) {
        const char *name = config_name(argv[i]);
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 2;
        }
        if (!name || i + 1 >= argc) {
            fprintf(stderr, "qe-worker: invalid argument \"%s\"\n", argv[i]);
            usage(stderr);
            return 1;
        }
        const char *value = argv[++i];
        if (!tools_config_set("qe-worker", cfg, name, value))
            return 1;
        if (strcmp(name, "listen") == 0)
            *listen = value;
        else if (strcmp(name, "coordinator") == 0)
            *coordinator = value;
    }
    if (!*listen || !*coordinator) {
        fputs("qe-worker: --listen and --coordinator are required\n", stderr);
        usage(stderr);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    qe_config *cfg = NULL;
    if (qe_config_create(&cfg) != QE_OK) {
        fputs("qe-worker: out of memory\n", stderr);
        return 1;
    }
    const char *listen = NULL, *coordinator = NULL;
    int rc = parse_args(argc, argv, cfg, &listen, &coordinator);
    if (rc) {
        qe_config_destroy(cfg);
        return rc == 2 ? 0 : 1;
    }
    install_signals();
    fprintf(stderr, "qe-worker %d: listening on %s, coordinator %s\n", (int)getpid(), listen,
            coordinator);
    qe_error *err = NULL;
    qe_status st = qe_worker_run(cfg, &err);
    if (st != QE_OK) {
        fputs("qe-worker: ", stderr);
        if (err)
            tools_print_error(stderr, err, NULL);
        else
            fprintf(stderr, "%s\n", qe_status_text(st));
    } else {
        fprintf(stderr, "qe-worker %d: stopped\n", (int)getpid());
    }
    qe_error_destroy(err);
    qe_config_destroy(cfg);
    return st == QE_OK ? 0 : 1;
}
