/* sb.c - string builder (see sb.h). */
#include "core/sb.h"

#include <assert.h>
#include <math.h>
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

void sb_reserve(sb *b, size_t n)
{
    grow(b, n);
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

/* Formats straight into the free space and only when the text does not
 * fit grows the buffer and formats again: measuring first formatted every
 * text twice, and formatting is most of what a route query's reasons cost. */
void sb_vprintf(sb *b, const char *fmt, va_list ap)
{
    if (grow(b, 64)) return; /* room for a short text, and a buffer to write into */
    va_list again;
    va_copy(again, ap);
    size_t room = b->cap - b->len;
    int n = vsnprintf(b->buf + b->len, room, fmt, ap);
    if (n >= 0 && (size_t)n >= room && !grow(b, (size_t)n))
        vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, again);
    if (n >= 0 && !b->oom) b->len += (size_t)n;
    b->buf[b->len] = '\0';
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

/* The code point of the UTF-8 sequence at *s, moving *s past it; U+FFFD and
 * one byte for a byte that does not start a well-formed sequence. */
static unsigned utf8_next(const unsigned char **s)
{
    const unsigned char *p = *s;
    unsigned c = p[0];
    int n = c >= 0xF0 && c <= 0xF4 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 && c < 0xE0 ? 1 : -1;
    if (c < 0x80) n = 0;
    if (n < 0 || c > 0xF4) {
        *s = p + 1;
        return 0xFFFD;
    }
    unsigned cp = n == 0 ? c : n == 1 ? c & 0x1F : n == 2 ? c & 0x0F : c & 0x07;
    for (int i = 1; i <= n; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            *s = p + 1;
            return 0xFFFD;
        }
        cp = cp << 6 | (p[i] & 0x3F);
    }
    /* overlong forms, surrogates and values past U+10FFFF are not UTF-8 */
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
        *s = p + 1;
        return 0xFFFD;
    }
    *s = p + n + 1;
    return cp;
}

void sb_json_str(sb *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    sb_append(b, "\"", 1);
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        /* a run of characters that need no escape goes in at once */
        const unsigned char *run = p;
        while (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') p++;
        if (p > run) sb_append(b, (const char *)run, (size_t)(p - run));
        if (!*p) break;
        unsigned cp = utf8_next(&p);
        char esc[13];
        switch (cp) {
        case '"':
            sb_append(b, "\\\"", 2);
            continue;
        case '\\':
            sb_append(b, "\\\\", 2);
            continue;
        case '\b':
            sb_append(b, "\\b", 2);
            continue;
        case '\f':
            sb_append(b, "\\f", 2);
            continue;
        case '\n':
            sb_append(b, "\\n", 2);
            continue;
        case '\r':
            sb_append(b, "\\r", 2);
            continue;
        case '\t':
            sb_append(b, "\\t", 2);
            continue;
        default:
            break;
        }
        unsigned units[2] = {cp, 0};
        int nu = 1;
        if (cp > 0xFFFF) {
            cp -= 0x10000;
            units[0] = 0xD800 | (cp >> 10);
            units[1] = 0xDC00 | (cp & 0x3FF);
            nu = 2;
        }
        for (int i = 0; i < nu; i++) {
            esc[0] = '\\';
            esc[1] = 'u';
            for (int k = 0; k < 4; k++) esc[2 + k] = hex[(units[i] >> (12 - 4 * k)) & 0xF];
            sb_append(b, esc, 6);
        }
    }
    sb_append(b, "\"", 1);
}

void sb_json_real(sb *b, double v)
{
    if (!isfinite(v)) {
        sb_append(b, "null", 4);
        return;
    }
    char t[40];
    int n = snprintf(t, sizeof t, "%.17g", v);
    assert(n > 0 && (size_t)n < sizeof t - 2);
    if (!strchr(t, '.') && !strchr(t, 'e')) {
        memcpy(t + n, ".0", 3);
        n += 2;
    }
    char *x = strchr(t, 'e');
    if (x) {
        /* "1e+20" -> "1e20", "1e-07" -> "1e-7" */
        char *from = x + 1, *to = x + 1;
        if (*from == '-')
            from++, to++;
        else if (*from == '+')
            from++;
        while (*from == '0' && from[1]) from++;
        memmove(to, from, strlen(from) + 1);
        n = (int)strlen(t);
    }
    sb_append(b, t, (size_t)n);
}

char *sb_steal(sb *b)
{
    if (b->oom) {
        sb_free(b);
        return NULL;
    }
    if (!b->buf) {
        if (grow(b, 0)) return NULL;
        b->buf[0] = '\0'; /* nothing was appended: an empty string */
    }
    char *p = b->buf;
    sb_init(b);
    return p;
}
