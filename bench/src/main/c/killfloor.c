/*
 * The physical floor of a hard panic with holders: what the daemon does on SIGUSR2 with nothing
 * else in the way. It pins every holder with pidfd_open(2) at start (the daemon's --register), holds
 * a locked page-aligned buffer of random bytes, and waits for SIGUSR2. Then: pidfd_send_signal(2)
 * SIGKILL to every holder, poll(2) the pidfds until every one is readable (the process has exited),
 * explicit_bzero the buffer, one write(2) to stderr, and SIGKILL itself. No state machine, no JVM,
 * no journal: whatever the daemon takes beyond this is the price of everything it does besides.
 *
 *   killfloor BYTES PID...    prints "READY" on stdout once every PID is pinned; on SIGUSR2 prints
 *                             "DONE <holders> <ns>" on stderr (ns: SIGUSR2 taken -> all holders gone)
 *                             and dies of SIGKILL, as an armed daemon does.
 *
 * Built and run by the bench harness (bench/run.sh); not part of dazai.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "secret.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: killfloor BYTES PID...\n");
        return 2;
    }
    sigset_t usr2;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    if (sigprocmask(SIG_BLOCK, &usr2, NULL) != 0) {
        die("sigprocmask");
    }

    size_t size = strtoull(argv[1], NULL, 10);
    unsigned char *secret = locked_random(size);

    int n = argc - 2;
    struct pollfd *fds = calloc((size_t) (n > 0 ? n : 1), sizeof *fds);
    if (fds == NULL) {
        die("calloc");
    }
    for (int i = 0; i < n; i++) {
        int fd = (int) syscall(SYS_pidfd_open, (pid_t) atol(argv[i + 2]), 0);
        if (fd < 0) {
            die("pidfd_open");
        }
        fds[i].fd = fd;
        fds[i].events = POLLIN;
    }
    printf("READY\n");
    fflush(stdout);

    int sig;
    if (sigwait(&usr2, &sig) != 0) {
        die("sigwait");
    }
    long long t0 = now_ns();
    for (int i = 0; i < n; i++) {
        if (syscall(SYS_pidfd_send_signal, fds[i].fd, SIGKILL, NULL, 0) != 0) {
            perror("pidfd_send_signal");
        }
    }
    /* A pidfd turns readable once its process has exited; a gone one is taken out of the set. */
    for (int left = n; left > 0;) {
        int ready = poll(fds, (nfds_t) n, 60000);
        if (ready <= 0) {
            die("poll");
        }
        for (int i = 0; i < n; i++) {
            if (fds[i].fd >= 0 && fds[i].revents) {
                fds[i].fd = -1;
                left--;
            }
        }
    }
    long long t1 = now_ns();
    explicit_bzero(secret, size);

    char line[64];
    int len = snprintf(line, sizeof line, "DONE %d %lld\n", n, t1 - t0);
    if (write(2, line, (size_t) len) != len) {
        return 1;
    }
    kill(getpid(), SIGKILL);
    return 1;
}
