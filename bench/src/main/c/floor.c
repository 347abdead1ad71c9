/*
 * The physical floor: the heartbeat-loss -> wipe path with nothing else in the way. One locked
 * page-aligned buffer of random bytes, one listening UNIX socket, one accepted connection; when
 * a read on it returns end-of-file (the peer closed), explicit_bzero the buffer and say so in one
 * write(2) to stderr. No state machine, no JVM, no threads: whatever the daemon takes beyond this
 * is the price of everything it does besides noticing and zeroing.
 *
 *   floor SOCKET BYTES     prints "LISTENING" then "ATTACHED" on stdout; "WIPED <n> bytes" on stderr
 *
 * Built and run by the bench harness (bench/run.sh); not part of dazai.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "secret.h"

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: floor SOCKET BYTES\n");
        return 2;
    }
    size_t size = strtoull(argv[2], NULL, 10);
    unsigned char *secret = locked_random(size);

    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(argv[1]) >= sizeof addr.sun_path) {
        fprintf(stderr, "socket path too long\n");
        return 2;
    }
    strcpy(addr.sun_path, argv[1]);
    int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener < 0) {
        die("socket");
    }
    unlink(argv[1]);
    if (bind(listener, (struct sockaddr *) &addr, sizeof addr) != 0 || listen(listener, 1) != 0) {
        die("bind/listen");
    }
    printf("LISTENING\n");
    fflush(stdout);

    int peer = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    if (peer < 0) {
        die("accept");
    }
    printf("ATTACHED\n");
    fflush(stdout);

    char sink[256];
    while (read(peer, sink, sizeof sink) > 0) {
        /* anything the peer says is proof of life; only end-of-file (or an error) is loss */
    }
    explicit_bzero(secret, size);

    char line[64];
    int len = snprintf(line, sizeof line, "WIPED %zu bytes\n", size);
    if (write(2, line, (size_t) len) != len) {
        return 1;
    }
    unlink(argv[1]);
    return 0;
}
