/* main.c: the ppo command line: finds the command and runs it. The commands live in
 * cli/cmd_*.c; the only process-wide state, the stop flag set by SIGINT / SIGTERM, lives here. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "policies/linalg.h"

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig) {
    (void)sig;
    stop_requested = 1;
}

/* The first SIGINT, SIGTERM or SIGUSR1 asks for a clean stop; the handler then resets itself,
 * so a second one ends the process at once. (mpirun forwards SIGUSR1 to every rank but answers
 * SIGINT and SIGTERM by killing the job a second later: README "Several machines".) */
static void catch_stop_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
}

static const Command *const COMMANDS[] = {&CMD_TRAIN, &CMD_RESUME, &CMD_SWEEP, &CMD_EVAL,
                                          &CMD_INFO, &CMD_EXPORT, &CMD_WATCH, &CMD_PLAY, &CMD_PLOT,
                                          &CMD_CONFIG, &CMD_ENV};
#define N_COMMANDS (int)(sizeof COMMANDS / sizeof COMMANDS[0])

static void print_help(void) {
    printf("usage: ppo COMMAND [OPTIONS]\n"
           "\n"
           "ppo trains a gated-linear-attention policy with PPO on environments written in C.\n"
           "\n"
           "commands:\n");
    for (int i = 0; i < N_COMMANDS; i++) printf("  %-8s %s\n", COMMANDS[i]->name, COMMANDS[i]->summary);
    printf("\n"
           "options:\n"
           "  -h, --help   show this help\n"
           "\n"
           "'ppo COMMAND --help' shows the options of a command.\n");
}

int main(int argc, char **argv) {
    /* Where OpenBLAS fell back to generic kernels on a CPU with AVX2 or AVX-512, start again
     * with the right ones: on a 16-core Sapphire Rapids virtual machine, training ran at
     * 104,000-162,000 steps/s instead of 67,000-81,000 on one worker thread, 1.02-1.33 million
     * instead of 440,000-478,000 on 16 (README "Threads"). */
    linalg_choose_blas_core(argv);
    if (argc < 2) {
        print_help();
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "help") == 0) {
        print_help();
        return 0;
    }
    for (int i = 0; i < N_COMMANDS; i++)
        if (strcmp(COMMANDS[i]->name, name) == 0) {
            CliContext ctx = {&stop_requested, catch_stop_signals};
            int code = COMMANDS[i]->run(COMMANDS[i], argc - 1, argv + 1, &ctx);
            /* Output that could not be written (a full disk, a closed pipe) is a failure. */
            if (fflush(stdout) != 0 || ferror(stdout)) {
                fprintf(stderr, "ppo %s: writing the output failed: %s\n", name, strerror(errno));
                return code ? code : 1;
            }
            return code;
        }
    if (name[0] == '-')
        fprintf(stderr, "ppo: unknown option '%s' (try 'ppo --help')\n", name);
    else
        fprintf(stderr, "ppo: unknown command '%s' (try 'ppo --help')\n", name);
    return EXIT_USAGE;
}
