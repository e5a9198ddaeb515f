/* hub.h - the in-process wake-up for committed change events.
 *
 * After a transaction that wrote events commits, the application layer
 * calls hub_wake(last_id) (app_end does it); a PostgreSQL listener thread
 * does the same for commits made by other servers. Whoever delivers events
 * (the event stream's fan-out thread) waits in hub_wait and then reads the
 * outbox itself: the hub carries only "something up to id N committed". */
#ifndef ICS_APP_HUB_H
#define ICS_APP_HUB_H

#include <stdint.h>

/* Announce that events up to last_id are committed (0: something may have
 * changed, id unknown). Cheap, never blocks for long, any thread. */
void hub_wake(int64_t last_id);
/* The largest id announced so far, and when it was (CLOCK_REALTIME ns;
 * 0 before any): the start of the commit-to-delivery delay. */
int64_t hub_last(void);
int64_t hub_last_at_ns(void);
/* How many times hub_wake has been called (tests and metrics). */
uint64_t hub_wakes(void);
/* Block until a wake newer than *gen arrives or timeout_ms passes; *gen is
 * updated to the current generation. Returns 1 when woken, 0 on timeout. */
int hub_wait(uint64_t *gen, int timeout_ms);

#endif
