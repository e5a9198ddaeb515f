/* fuzz_hl7.c - libFuzzer target: the HL7 v2 reader the MLLP listener feeds
 * (src/hl7): MLLP framing over the raw bytes, then parsing, the ADT fields,
 * each event's checks and the acknowledgement built from whatever was read.
 * Error messages must stay text (UTF-8) and the ACK must fit its buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "hl7/hl7.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t start, len, used;
    /* framing: walk the input as a stream of frames */
    for (size_t off = 0; off < size;) {
        int r = hl7_mllp_frame(data + off, size - off, &start, &len, &used);
        if (r == HL7_FRAME_BAD || used == 0) break;
        if (r == HL7_FRAME_OK && (start + len > size - off || used > size - off)) abort();
        off += used;
    }
    hl7_msg *m = NULL;
    ics_err e = {0};
    hl7_adt a;
    memset(&a, 0, sizeof a);
    if (hl7_parse((const char *)data, size, &m, &e)) {
        if (!utf8_valid(e.msg)) abort();
    } else {
        if (hl7_adt_read(m, &a, &e) && !utf8_valid(e.msg)) abort();
        int ev = hl7_adt_event(&a);
        if (ev >= 0 && hl7_adt_check(&a, ev, &e) && !utf8_valid(e.msg)) abort();
        char field[64];
        for (int f = 1; f < 40; f++) hl7_get(m, "PV1", 0, f, 0, 1, field, sizeof field);
        int64_t t;
        hl7_time_parse(a.event_time, &t, &e);
    }
    char ack[4096];
    if (hl7_ack_build(&a, "AE", e.msg, "20261204120000", "ACK1", ack, sizeof ack) < 0) abort();
    hl7_free(m);
    return 0;
}
