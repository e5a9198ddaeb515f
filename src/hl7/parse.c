/* parse.c - HL7 v2 messages: MLLP frames, segments, fields, repetitions and
 * components with the message's own delimiters (MSH-1 and MSH-2), escape
 * sequences, the ADT fields icsflow acts on, HL7 timestamps and the ACK.
 *
 * Written from the HL7 v2.4 chapter 2 rules (control: message framing,
 * delimiters, escape sequences, MSH/MSA/ERR) and the MLLP release 1 framing
 * of its implementation guide. Every read is bounded by the message length:
 * this is the code a fuzzer drives (tests/fuzz/fuzz_hl7.c). */
#include "hl7/hl7.h"

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/problems.h"
#include "core/tz.h"

#define MAX_SEGMENTS 1000

typedef struct seg {
    const char *p;
    size_t n;
} seg;

struct hl7_msg {
    char *text;
    size_t nseg;
    seg segs[MAX_SEGMENTS];
    char fs, cs, rs, esc, ss; /* field, component, repetition, escape, subcomponent */
};

/* ---- MLLP ----------------------------------------------------------------- */

int hl7_mllp_frame(const unsigned char *buf, size_t n, size_t *start, size_t *len, size_t *used)
{
    assert(buf || n == 0);
    *start = *len = *used = 0;
    size_t i = 0;
    while (i < n && buf[i] != HL7_MLLP_SB) i++;
    if (i == n) {
        *used = n; /* nothing but noise between frames */
        return HL7_FRAME_MORE;
    }
    if (i > 0) { /* skip what came before the start byte */
        *used = i;
        return HL7_FRAME_MORE;
    }
    for (size_t j = 1; j + 1 < n; j++) {
        if (j - 1 > HL7_MAX_MESSAGE) return HL7_FRAME_BAD;
        if (buf[j] == HL7_MLLP_EB && buf[j + 1] == HL7_MLLP_CR) {
            *start = 1;
            *len = j - 1;
            *used = j + 2;
            return HL7_FRAME_OK;
        }
    }
    return n > HL7_MAX_MESSAGE + 3 ? HL7_FRAME_BAD : HL7_FRAME_MORE;
}

/* ---- parsing ---------------------------------------------------------------- */

static int seg_name_ok(const char *p, size_t n)
{
    if (n < 3 || (n > 3 && p[3] == '\0')) return 0;
    for (int i = 0; i < 3; i++)
        if (!isupper((unsigned char)p[i]) && !isdigit((unsigned char)p[i])) return 0;
    return 1;
}

int hl7_parse(const char *text, size_t len, hl7_msg **out, ics_err *e)
{
    *out = NULL;
    if (len > HL7_MAX_MESSAGE)
        return ics_err_set(e, ICS_EINVAL, "the message is %zu bytes; at most %d", len,
                           HL7_MAX_MESSAGE);
    if (len < 8 || memcmp(text, "MSH", 3) != 0)
        return ics_err_set(e, ICS_EINVAL, "the message does not start with an MSH segment");
    hl7_msg *m = calloc(1, sizeof *m);
    if (!m || !(m->text = malloc(len + 1))) {
        free(m);
        return ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    memcpy(m->text, text, len);
    m->text[len] = '\0';
    m->fs = text[3];
    m->cs = text[4];
    m->rs = text[5];
    m->esc = text[6];
    m->ss = text[7];
    const char delims[] = {m->fs, m->cs, m->rs, m->esc, m->ss};
    for (int i = 0; i < 5; i++) {
        unsigned char d = (unsigned char)delims[i];
        int dup = 0;
        for (int j = 0; j < i; j++) dup |= delims[j] == delims[i];
        if (d < 0x20 || d >= 0x7f || isalnum(d) || dup) {
            hl7_free(m);
            return ics_err_set(e, ICS_EINVAL,
                               "MSH-1 and MSH-2 must be five different printable delimiters "
                               "(usually |^~\\&)");
        }
    }
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && m->text[j] != '\r' && m->text[j] != '\n') j++;
        if (j > i) {
            if (m->nseg == MAX_SEGMENTS) {
                hl7_free(m);
                return ics_err_set(e, ICS_EINVAL, "more than %d segments", MAX_SEGMENTS);
            }
            if (!seg_name_ok(m->text + i, j - i) || (j - i > 3 && m->text[i + 3] != m->fs)) {
                size_t at = m->nseg + 1;
                char name[4] = "";
                for (size_t k = 0; k < 3 && i + k < j; k++) /* shown only when printable */
                    name[k] = isprint((unsigned char)text[i + k]) ? text[i + k] : '?';
                hl7_free(m);
                return ics_err_set(e, ICS_EINVAL,
                                   "segment %zu does not start with a segment name and the field "
                                   "separator (got '%s')",
                                   at, name);
            }
            m->segs[m->nseg++] = (seg){m->text + i, j - i};
        }
        i = j + 1;
    }
    *out = m;
    return 0;
}

void hl7_free(hl7_msg *m)
{
    if (!m) return;
    free(m->text);
    free(m);
}

size_t hl7_count(const hl7_msg *m, const char *seg)
{
    size_t n = 0;
    for (size_t i = 0; m && i < m->nseg; i++) n += memcmp(m->segs[i].p, seg, 3) == 0;
    return n;
}

/* [*p, *n) narrowed to the idx-th (0-based) piece between delimiter d. */
static int piece(const char **p, size_t *n, char d, int idx)
{
    const char *s = *p, *end = *p + *n;
    for (int k = 0; k < idx; k++) {
        while (s < end && *s != d) s++;
        if (s == end) return 0;
        s++;
    }
    const char *t = s;
    while (t < end && *t != d) t++;
    *p = s;
    *n = (size_t)(t - s);
    return 1;
}

/* Unescape [p, p+n) into out. */
static int unescape(const hl7_msg *m, const char *p, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == m->esc && i + 2 < n && p[i + 2] == m->esc) {
            char k = p[i + 1];
            char r = k == 'F'   ? m->fs
                     : k == 'S' ? m->cs
                     : k == 'T' ? m->ss
                     : k == 'R' ? m->rs
                     : k == 'E' ? m->esc
                                : 0;
            if (r) {
                c = r;
                i += 2;
            }
        }
        if (o + 1 >= cap) return -1;
        out[o++] = c;
    }
    out[o] = '\0';
    return (int)o;
}

int hl7_get(const hl7_msg *m, const char *segname, size_t nth, int field, int rep, int comp,
            char *out, size_t cap)
{
    assert(out && cap > 0);
    out[0] = '\0';
    if (!m || field < 1 || rep < 0 || comp < 0) return 0;
    const seg *s = NULL;
    for (size_t i = 0, k = 0; i < m->nseg; i++)
        if (memcmp(m->segs[i].p, segname, 3) == 0 && k++ == nth) {
            s = &m->segs[i];
            break;
        }
    if (!s || s->n <= 3) return 0;
    int msh = memcmp(segname, "MSH", 3) == 0;
    if (msh && field == 1) {
        if (cap < 2) return -1;
        out[0] = m->fs;
        out[1] = '\0';
        return 1;
    }
    const char *p = s->p + 4; /* after "XXX|" */
    size_t n = s->n - 4;
    /* in MSH the text after "MSH|" is MSH-2; elsewhere it is field 1 */
    int idx = msh ? field - 2 : field - 1;
    if (!piece(&p, &n, m->fs, idx)) return 0;
    if (msh && field == 2) { /* the encoding characters, as they are */
        if (n + 1 > cap) return -1;
        memcpy(out, p, n);
        out[n] = '\0';
        return (int)n;
    }
    if (!piece(&p, &n, m->rs, rep)) return 0;
    if (comp > 0) {
        if (!piece(&p, &n, m->cs, comp - 1)) return 0;
        /* the first subcomponent only */
        piece(&p, &n, m->ss, 0);
    }
    return unescape(m, p, n, out, cap);
}
