/* DNS queries over UDP to port 53, as fast as possible or at a rate: each one is a query the
 * agent sees (its DNS probe reads what is sent to port 53), far cheaper for the kernel than a
 * TCP connect, so it can make 100k events/s beside the agent on 2 cores. Runs in a network
 * namespace of its own (root): a socket bound on its 127.0.0.1:53 takes the queries with a
 * small receive buffer that nobody reads (the kernel drops the overflow), nothing leaves.
 * Usage: dns SECONDS [RATE] ; prints how many queries it sent. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void loopback_up(void) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq ifr = {0};
    strcpy(ifr.ifr_name, "lo");
    ioctl(fd, SIOCGIFFLAGS, &ifr);
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) {
        perror("lo up");
        exit(1);
    }
    close(fd);
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 5, rate = argc > 2 ? atof(argv[2]) : 0;
    if (unshare(CLONE_NEWNET) < 0) {
        perror("unshare");
        return 1;
    }
    loopback_up();
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(53)};
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    int sink = socket(AF_INET, SOCK_DGRAM, 0), small = 4096;
    setsockopt(sink, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    if (bind(sink, (struct sockaddr *)&to, sizeof to) < 0) {
        perror("bind");
        return 1;
    }
    /* a standard recursive A query for load.bench.svc.cluster.local */
    unsigned char q[64] = {0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};
    const char *labels[] = {"load", "bench", "svc", "cluster", "local"};
    int n = 12;
    for (int i = 0; i < 5; i++) {
        q[n++] = strlen(labels[i]);
        memcpy(q + n, labels[i], strlen(labels[i]));
        n += strlen(labels[i]);
    }
    q[n++] = 0;
    q[n++] = 0, q[n++] = 1, q[n++] = 0, q[n++] = 1;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    long sent = 0;
    double start = now(), t;
    while ((t = now()) - start < seconds) {
        if (rate > 0 && sent >= (t - start) * rate) {
            usleep(200);
            continue;
        }
        for (int burst = 0; burst < 16; burst++) {
            q[0] = sent >> 8, q[1] = sent; /* a transaction id of its own, as resolvers do */
            sendto(fd, q, n, 0, (struct sockaddr *)&to, sizeof to);
            sent++;
        }
    }
    printf("%ld\n", sent);
    return 0;
}
