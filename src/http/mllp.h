/* mllp.h - the MLLP listener of `icsflow serve --mllp [HOST:]PORT`: HL7 v2
 * messages from patient administration systems and integration engines,
 * each answered with its acknowledgement on the same connection. */
#ifndef ICS_HTTP_MLLP_H
#define ICS_HTTP_MLLP_H

#include "core/error.h"

/* Listen on host:port (port 0 picks a free one, written to port_file when
 * set) and serve connections on threads of their own, each with its own
 * database connection, until http_mllp_stop. At most max_conns at once. */
int http_mllp_start(const char *db_path, const char *host, int port, const char *port_file,
                    int max_conns, ics_err *e);
/* Stop accepting, end the open connections (within a second) and wait. */
void http_mllp_stop(void);

#endif
