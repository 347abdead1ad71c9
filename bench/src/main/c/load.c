/*
 * Load for the end-to-end benchmarks, in C so that making the load costs the machine as little as
 * possible next to what is measured.
 *
 *   load holders N      forks N children that sleep in pause(); prints their PIDs one a line, then
 *                       "READY" once every child has said (one byte on a pipe) that it is about to
 *                       pause; reaps them as they die and, when all N are gone, prints
 *                       "REAPED <n> KILLED <k>" (k: ended by SIGKILL) and exits. The children die
 *                       with this process too (PR_SET_PDEATHSIG), so nothing outlives a failed run.
 *                       The harness links this program statically when it can: on a VM where page
 *                       tables are dear, a fork of a static binary costs about 2/3 of a dynamic one.
 *   load junk RATE      opens RATE connections a second, alternating between heartbeat.sock and
 *                       control.sock of the socket directory named by the last line read on stdin
 *                       (an empty line: pause). Each connection sends one of: nothing, a garbage line
 *                       without letters, an overlong line, "PING" (heartbeat) or "STATUS" / "SIGNALS"
 *                       (control), and closes at once without reading. Never HELLO, never a command
 *                       that changes the daemon. At end of stdin prints "JUNK sent <n> refused <m>
 *                       seconds <s>" and exits.
 *
 * Built and run by the bench harness (bench/run.sh); loopback UNIX sockets only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int holders(long n) {
    pid_t parent = getpid();
    int up[2];
    if (pipe2(up, O_CLOEXEC) != 0) {
        perror("pipe");
        return 3;
    }
    for (long i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 3;
        }
        if (pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent) {
                _exit(0);
            }
            close(up[0]);
            (void) !write(up[1], "u", 1);
            close(up[1]);
            for (;;) {
                pause();
            }
        }
        printf("%d\n", (int) pid);
    }
    close(up[1]);
    /* Every child has run up to its pause(): a trial never meets a holder that has not started yet. */
    char sink[256];
    for (long seen = 0; seen < n;) {
        ssize_t got = read(up[0], sink, sizeof sink);
        if (got <= 0) {
            if (got < 0 && errno == EINTR) {
                continue;
            }
            break;
        }
        seen += got;
    }
    close(up[0]);
    printf("READY\n");
    fflush(stdout);
    long reaped = 0, killed = 0;
    while (reaped < n) {
        int status;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        reaped++;
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
            killed++;
        }
    }
    printf("REAPED %ld KILLED %ld\n", reaped, killed);
    fflush(stdout);
    return 0;
}

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* One junk connection; returns 0 if it connected. */
static int poke(const char *dir, long i) {
    static const char *const heartbeat_lines[] = {"", "PING\n", "0#0#0 %% -- ++ 12345\n", NULL};
    static const char *const control_lines[] = {"", "STATUS\n", "SIGNALS\n", "9999 ## @@ ==\n", NULL};
    int control = (int) (i & 1);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s/%s", dir, control ? "control.sock" : "heartbeat.sock");
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    int rc = connect(fd, (struct sockaddr *) &addr, sizeof addr);
    if (rc == 0) {
        long kind = (i / 2) % 5;
        const char *const *lines = control ? control_lines : heartbeat_lines;
        if (kind == 4) {
            char longline[400];
            memset(longline, '7', sizeof longline);
            (void) !write(fd, longline, sizeof longline);
        } else {
            long count = control ? 4 : 3;
            const char *line = lines[kind % count];
            if (*line) {
                (void) !write(fd, line, strlen(line));
            }
        }
    }
    close(fd);
    return rc;
}

static int junk(long rate) {
    char dir[200] = "";
    long long period = 1000000000LL / rate;
    long long start = now_ns(), next = start;
    long sent = 0, refused = 0, i = 0;
    char buf[512];
    size_t have = 0;
    fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
    signal(SIGPIPE, SIG_IGN);
    for (;;) {
        long long wait = next - now_ns();
        struct pollfd in = {.fd = 0, .events = POLLIN};
        /* Paused (no directory): sleep until told, rather than wake up RATE times a second for nothing. */
        int ready = poll(&in, 1, !dir[0] ? -1 : wait > 0 ? (int) ((wait + 999999) / 1000000) : 0);
        if (ready > 0) {
            int paused = !dir[0];
            ssize_t n = read(0, buf + have, sizeof buf - 1 - have);
            if (n == 0) {
                break;
            }
            if (n > 0) {
                have += (size_t) n;
                char *nl;
                while ((nl = memchr(buf, '\n', have)) != NULL) {
                    size_t len = (size_t) (nl - buf);
                    if (len < sizeof dir) {
                        memcpy(dir, buf, len);
                        dir[len] = 0;
                    }
                    memmove(buf, nl + 1, have - len - 1);
                    have -= len + 1;
                }
                if (have == sizeof buf - 1) {
                    have = 0;
                }
                if (paused && dir[0]) {
                    next = now_ns();
                }
            }
            continue;
        }
        if (now_ns() < next) {
            continue;
        }
        next += period;
        if (next < now_ns() - 1000000000LL) {
            next = now_ns(); /* more than a second behind (stopped, starved): do not burst to catch up */
        }
        if (!dir[0]) {
            continue;
        }
        if (poke(dir, i++) == 0) {
            sent++;
        } else {
            refused++;
        }
    }
    printf("JUNK sent %ld refused %ld seconds %.3f\n", sent, refused, (now_ns() - start) / 1e9);
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "holders") == 0) {
        return holders(atol(argv[2]));
    }
    if (argc == 3 && strcmp(argv[1], "junk") == 0 && atol(argv[2]) > 0) {
        return junk(atol(argv[2]));
    }
    fprintf(stderr, "usage: load holders N | load junk RATE\n");
    return 2;
}
