/* TCP connects to a closed loopback port, as fast as possible or at a rate: each one is a
 * refused connect the agent sees. Usage: connects SECONDS [RATE] ; prints how many it made. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 5, rate = argc > 2 ? atof(argv[2]) : 0;
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(9)};
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    long n = 0;
    double start = now(), t;
    while ((t = now()) - start < seconds) {
        if (rate > 0 && n >= (t - start) * rate) {
            usleep(200);
            continue;
        }
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        connect(fd, (struct sockaddr *)&to, sizeof to);
        close(fd);
        n++;
    }
    printf("%ld\n", n);
    return 0;
}
