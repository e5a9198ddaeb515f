/* utf8.c - UTF-8 validation, scrubbing and clipping (see utf8.h). The
 * well-formed byte sequences are those of RFC 3629 table 3-7 in the Unicode
 * standard: the second byte's range depends on the first. */
#include "core/utf8.h"

#include <assert.h>
#include <string.h>

size_t utf8_char_len(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    if (n == 0) return 0;
    unsigned c = s[0];
    if (c < 0x80) return 1;
    size_t len;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F; /* no UTF-16 surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F; /* nothing above U+10FFFF */
    } else
        return 0;
    if (n < len) return 0;
    if (s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF) return 0;
    return len;
}

long utf8_invalid_at(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t k = utf8_char_len(s + i, n - i);
        if (!k) return (long)i;
        i += k;
    }
    return -1;
}

int utf8_valid(const char *s)
{
    assert(s);
    return utf8_invalid_at(s, strlen(s)) < 0;
}

size_t utf8_scrub(char *s)
{
    assert(s);
    size_t n = strlen(s), i = 0, bad = 0;
    while (i < n) {
        size_t k = utf8_char_len(s + i, n - i);
        if (!k) {
            s[i] = '?';
            bad++;
            k = 1;
        }
        i += k;
    }
    return bad;
}

size_t utf8_clip(const char *s, size_t n)
{
    /* Step back over continuation bytes to the start of the last character,
     * then keep it only when it is whole within n. */
    size_t i = n;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80 && n - i < 3) i--;
    if (i == 0) return n;
    size_t start = i - 1;
    unsigned char c = (unsigned char)s[start];
    if (c < 0x80) return n;
    size_t want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return n - start >= want ? n : start;
}
