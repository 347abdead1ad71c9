/*
 * What the two C floors share: a fatal error, and the secret they wipe, made the way the daemon
 * makes one (--generate): mmap'ed, mlock'ed where allowed, filled from getrandom(2).
 * Included by floor.c and killfloor.c; each is still one gcc call (quoted includes resolve here).
 */
#ifndef DAZAI_BENCH_SECRET_H
#define DAZAI_BENCH_SECRET_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/random.h>

static void die(const char *what) {
    perror(what);
    exit(3);
}

static unsigned char *locked_random(size_t size) {
    unsigned char *secret = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (secret == MAP_FAILED) {
        die("mmap");
    }
    if (mlock(secret, size) != 0) {
        perror("mlock (going on unlocked)");
    }
    for (size_t off = 0; off < size;) {
        ssize_t n = getrandom(secret + off, size - off, 0);
        if (n <= 0) {
            die("getrandom");
        }
        off += (size_t) n;
    }
    return secret;
}

#endif
