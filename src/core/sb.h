/* sb.h - a growable string builder (for SVG, CSV and text reports).
 * The builder owns buf until sb_steal hands it to the caller. */
#ifndef ICS_CORE_SB_H
#define ICS_CORE_SB_H

#include <stdarg.h>
#include <stddef.h>

typedef struct sb {
    char *buf;
    size_t len, cap;
    int oom; /* set once an allocation failed; later appends are ignored */
} sb;

void sb_init(sb *b);
void sb_free(sb *b);
void sb_append(sb *b, const char *s, size_t n);
/* Make room for n more bytes at once (a large answer whose size is known
 * roughly), so appends do not grow the buffer step by step. */
void sb_reserve(sb *b, size_t n);
void sb_puts(sb *b, const char *s);
void sb_printf(sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vprintf(sb *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Append one clause of a list: sep first unless b is empty ("a; b; c"). */
void sb_clause(sb *b, const char *sep, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Append s escaped for XML/SVG text or attribute values. */
void sb_xml(sb *b, const char *s);
/* Append s as a JSON string, quoted and escaped byte for byte as jansson's
 * json_dumps(..., JSON_ENSURE_ASCII) writes it: \" \\ \b \f \n \r \t, other
 * control characters and every non-ASCII character as \uXXXX (a surrogate
 * pair above U+FFFF); a byte that is not UTF-8 becomes U+FFFD. For answers
 * written straight to text, without building a jansson tree first. */
void sb_json_str(sb *b, const char *s);
/* Append v as jansson writes a real (17 significant digits, ".0" added to
 * a whole number, no '+' or leading zeros in the exponent); null when v is
 * not finite, which JSON cannot hold. */
void sb_json_real(sb *b, double v);
/* Return the NUL-terminated buffer (caller frees) and reset b; NULL if out of memory. */
char *sb_steal(sb *b);

#endif
