/* sb.c - string builder (see sb.h). */
#include "core/sb.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sb_init(sb *b)
{
    memset(b, 0, sizeof *b);
}

void sb_free(sb *b)
{
    free(b->buf);
    sb_init(b);
}

static int grow(sb *b, size_t need)
{
    if (b->oom) return -1;
    if (b->len + need + 1 <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + need + 1) cap *= 2;
    char *p = realloc(b->buf, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->buf = p;
    b->cap = cap;
    return 0;
}

void sb_append(sb *b, const char *s, size_t n)
{
    if (grow(b, n)) return;
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

void sb_puts(sb *b, const char *s)
{
    sb_append(b, s, strlen(s));
}

void sb_vprintf(sb *b, const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    if (n >= 0 && !grow(b, (size_t)n)) {
        vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, again);
        b->len += (size_t)n;
    }
    va_end(again);
}

void sb_printf(sb *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(b, fmt, ap);
    va_end(ap);
}

void sb_clause(sb *b, const char *sep, const char *fmt, ...)
{
    va_list ap;
    if (b->len) sb_puts(b, sep);
    va_start(ap, fmt);
    sb_vprintf(b, fmt, ap);
    va_end(ap);
}

void sb_xml(sb *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<':
            sb_puts(b, "&lt;");
            break;
        case '>':
            sb_puts(b, "&gt;");
            break;
        case '&':
            sb_puts(b, "&amp;");
            break;
        case '"':
            sb_puts(b, "&quot;");
            break;
        default:
            sb_append(b, s, 1);
        }
    }
}

void sb_csv(sb *b, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        sb_puts(b, s);
        return;
    }
    sb_append(b, "\"", 1);
    for (; *s; s++) {
        if (*s == '"') sb_append(b, "\"", 1);
        sb_append(b, s, 1);
    }
    sb_append(b, "\"", 1);
}

char *sb_steal(sb *b)
{
    if (b->oom) {
        sb_free(b);
        return NULL;
    }
    if (!b->buf) grow(b, 0);
    char *p = b->buf;
    sb_init(b);
    return p;
}
