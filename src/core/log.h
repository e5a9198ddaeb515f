/* log.h - one-line log records on stderr with a UTC timestamp. */
#ifndef ICS_CORE_LOG_H
#define ICS_CORE_LOG_H

void ics_log(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
