/* error.h - error codes and the error struct every fallible function fills.
 *
 * A function that can fail returns 0 or a negative ICS_E* code and writes a
 * message a person can act on into an ics_err. The HTTP layer maps codes to
 * statuses in one table (http/problem.c); the CLI maps them to exit codes. */
#ifndef ICS_CORE_ERROR_H
#define ICS_CORE_ERROR_H

enum {
    ICS_OK = 0,
    ICS_EINVAL = -1,     /* well-formed request, invalid content (422) */
    ICS_EBADREQ = -2,    /* malformed request: bad JSON, unknown field (400) */
    ICS_ENOTFOUND = -3,  /* no such object (404) */
    ICS_ECONFLICT = -4,  /* state does not allow it: illegal transition (409) */
    ICS_EAUTH = -5,      /* no or bad credentials (401) */
    ICS_EFORBID = -6,    /* role not allowed (403) */
    ICS_ETOOBIG = -7,    /* body over the limit (413) */
    ICS_EIO = -8,        /* file or network trouble */
    ICS_ENOMEM = -9,     /* allocation failed */
    ICS_EDB = -10,       /* database error */
    ICS_EINTERNAL = -11, /* a bug: an invariant did not hold */
    ICS_EBUSY = -12,     /* the database stayed locked or is unreachable: try again shortly (503) */
    ICS_ERETRY = -13     /* serialisation failure or deadlock: re-run the whole use case */
};

typedef struct ics_err {
    int code;
    char msg[512];
} ics_err;

/* Record code and a printf-style message in e (e may be NULL); returns code. */
int ics_err_set(ics_err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prefix the message already in e with more context ("data/sites.csv: "). */
void ics_err_prefix(ics_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void ics_err_clear(ics_err *e);

/* A use case that failed with ICS_ERETRY (PostgreSQL aborted its
 * serialisable transaction, or chose it as a deadlock victim) is run again
 * from the start, up to ICS_RETRY_ATTEMPTS times in all, by the HTTP
 * dispatch and by the CLI; after that the failure stands (503). */
#define ICS_RETRY_ATTEMPTS 5

/* Sleep before attempt number `attempt` (1, 2, ...): a random time up to
 * 2 ms * 2^attempt, so the writers that collided do not collide again. */
void ics_retry_pause(int attempt);

/* Short stable name of a code, e.g. "invalid", "not-found". */
const char *ics_err_name(int code);

#endif
