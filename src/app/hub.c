/* hub.c - the in-process wake-up (see hub.h): one mutex, one condition
 * variable and a generation counter. A waiter remembers the generation it
 * last saw, so a wake between two waits is never lost. */
#include "app/hub.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <time.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static uint64_t gen_now;
static int64_t last, last_at;

/* The waits use CLOCK_MONOTONIC, so a wall-clock step does not stretch them. */
static void init(void)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&cv, &a);
    pthread_condattr_destroy(&a);
}

void hub_wake(int64_t last_id)
{
    assert(last_id >= 0);
    pthread_once(&once, init);
    pthread_mutex_lock(&mu);
    if (last_id > last) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        last = last_id;
        last_at = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    }
    gen_now++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

int64_t hub_last(void)
{
    pthread_mutex_lock(&mu);
    int64_t v = last;
    pthread_mutex_unlock(&mu);
    return v;
}

int64_t hub_last_at_ns(void)
{
    pthread_mutex_lock(&mu);
    int64_t v = last_at;
    pthread_mutex_unlock(&mu);
    return v;
}

uint64_t hub_wakes(void)
{
    pthread_mutex_lock(&mu);
    uint64_t v = gen_now;
    pthread_mutex_unlock(&mu);
    return v;
}

int hub_wait(uint64_t *gen, int timeout_ms)
{
    assert(gen && timeout_ms >= 0);
    pthread_once(&once, init);
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&mu);
    int rc = 0;
    while (gen_now == *gen && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&cv, &mu, &until);
    int woken = gen_now != *gen;
    *gen = gen_now;
    pthread_mutex_unlock(&mu);
    return woken;
}
