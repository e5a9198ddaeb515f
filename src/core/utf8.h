/* utf8.h - text from outside is checked as UTF-8 at the edge.
 *
 * Every string that arrives in a request, a CSV file or a message is
 * validated here before anything else reads it, and every message that
 * quotes input is cut on a character boundary, so no response, log line or
 * JSON value ever carries half a character. */
#ifndef ICS_CORE_UTF8_H
#define ICS_CORE_UTF8_H

#include <stddef.h>

/* Offset of the first byte that does not start a well-formed UTF-8
 * sequence (RFC 3629: no overlongs, no surrogates, nothing above
 * U+10FFFF), or -1 when all n bytes are valid. */
long utf8_invalid_at(const char *s, size_t n);

/* 1 when the NUL-terminated s is valid UTF-8. */
int utf8_valid(const char *s);

/* Byte length of the well-formed character starting at s (1..4), or 0 when
 * s does not start one within n bytes. */
size_t utf8_char_len(const char *s, size_t n);

/* Make s (NUL-terminated, in place) valid UTF-8: each byte that does not
 * start a well-formed sequence becomes '?'. Returns the number replaced. */
size_t utf8_scrub(char *s);

/* The largest length <= n that does not cut the valid UTF-8 text s in the
 * middle of a character. */
size_t utf8_clip(const char *s, size_t n);

#endif
