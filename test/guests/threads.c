/* threads: pthread_create/join (clone, futex, set_robust_list, TLS per
 * thread), a mutex-protected shared counter, a condition variable
 * hand-off, per-thread __thread values, return values through join. Output
 * is printed only by the main thread after joins, so it is deterministic. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NT 4
#define ITER 20000

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long shared_counter;
static int turn;
static int order[NT];
static int order_n;
static __thread long tls_val = 100;

static void *worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    tls_val += id; /* each thread has its own copy starting at 100 */
    uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)id;
    for (int i = 0; i < ITER; i++) {
        h = (h ^ (uint64_t)i) * 0x100000001b3ULL;
        pthread_mutex_lock(&mu);
        shared_counter++;
        pthread_mutex_unlock(&mu);
    }
    /* take turns in id order using the condition variable */
    pthread_mutex_lock(&mu);
    while (turn != id)
        pthread_cond_wait(&cv, &mu);
    order[order_n++] = id;
    turn++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);

    uint64_t *res = malloc(2 * sizeof *res);
    res[0] = h;
    res[1] = (uint64_t)tls_val;
    return res;
}

int main(void)
{
    pthread_t th[NT];
    for (int i = 0; i < NT; i++)
        if (pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i) != 0) {
            printf("pthread_create failed\n");
            return 1;
        }
    for (int i = 0; i < NT; i++) {
        void *ret;
        pthread_join(th[i], &ret);
        uint64_t *r = ret;
        printf("thread %d: hash=%016llx tls=%llu\n", i, (unsigned long long)r[0], (unsigned long long)r[1]);
        free(r);
    }
    printf("shared counter=%ld (expected %d)\n", shared_counter, NT * ITER);
    printf("turn order:");
    for (int i = 0; i < order_n; i++)
        printf(" %d", order[i]);
    printf("\nmain tls_val=%ld\n", tls_val);
    pthread_t self = pthread_self();
    printf("pthread_equal(self, self)=%d pthread_equal(self, t0)=%d\n", pthread_equal(self, self) != 0,
           pthread_equal(self, th[0]) != 0);
    return 0;
}
