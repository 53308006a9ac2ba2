/* time_basic: clock_gettime / gettimeofday / time are sane and monotonic.
 * Prints only booleans. */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

static const char *yesno(int b) { return b ? "yes" : "no"; }

static long long ts_ns(const struct timespec *t)
{
    return (long long)t->tv_sec * 1000000000LL + t->tv_nsec;
}

int main(void)
{
    struct timespec a, b, r;
    struct timeval tv;
    int mono_ok = 1, nsec_ok = 1;

    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < 1000; i++) {
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (ts_ns(&b) < ts_ns(&a))
            mono_ok = 0;
        if (b.tv_nsec < 0 || b.tv_nsec >= 1000000000L)
            nsec_ok = 0;
        a = b;
    }
    printf("CLOCK_MONOTONIC non-decreasing over 1000 reads: %s\n", yesno(mono_ok));
    printf("tv_nsec in range: %s\n", yesno(nsec_ok));

    int rc = clock_gettime(CLOCK_REALTIME, &r);
    time_t t = time(NULL);
    printf("clock_gettime(REALTIME) succeeded: %s\n", yesno(rc == 0));
    printf("time() after 2020-01-01: %s\n", yesno(t > 1577836800));
    printf("time() before 2100-01-01: %s\n", yesno(t < 4102444800LL));
    printf("REALTIME within 5s of time(): %s\n", yesno(r.tv_sec - t <= 5 && t - r.tv_sec <= 5));

    rc = gettimeofday(&tv, NULL);
    printf("gettimeofday succeeded: %s\n", yesno(rc == 0));
    printf("tv_usec in range: %s\n", yesno(tv.tv_usec >= 0 && tv.tv_usec < 1000000));
    printf("gettimeofday within 5s of time(): %s\n", yesno(tv.tv_sec - t <= 5 && t - tv.tv_sec <= 5));

    struct timespec m0, m1, req = {0, 2000000}; /* 2 ms */
    clock_gettime(CLOCK_MONOTONIC, &m0);
    rc = nanosleep(&req, NULL);
    clock_gettime(CLOCK_MONOTONIC, &m1);
    printf("nanosleep succeeded: %s\n", yesno(rc == 0));
    printf("MONOTONIC advanced >= 2ms across nanosleep(2ms): %s\n",
           yesno(ts_ns(&m1) - ts_ns(&m0) >= 2000000LL));
    printf("MONOTONIC advanced < 10s across nanosleep(2ms): %s\n",
           yesno(ts_ns(&m1) - ts_ns(&m0) < 10000000000LL));

    struct timespec c0, c1;
    int crc = clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    volatile unsigned long spin = 0;
    for (unsigned long i = 0; i < 200000; i++)
        spin += i;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    printf("CLOCK_PROCESS_CPUTIME_ID works and is non-decreasing: %s\n",
           yesno(crc == 0 && ts_ns(&c1) >= ts_ns(&c0)));

    struct timespec bad;
    printf("clock_gettime(invalid clock) fails: %s\n", yesno(clock_gettime((clockid_t)12345, &bad) != 0));
    return 0;
}
