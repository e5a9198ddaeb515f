/* test_hl7.c - the HL7 v2 engine: MLLP framing across partial reads,
 * segments, fields, repetitions, components and escapes with the message's
 * own delimiters, the ADT fields and what each event needs, HL7 times in
 * winter and summer, and the ACK (sender and receiver swapped, MSA, ERR). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "hl7/hl7.h"

#define A01                                                                                        \
    "MSH|^~\\&|PAS|RYX01|ICSFLOW|QRV|20261204101500||ADT^A01^ADT_A01|MSG00001|P|2.4\r"             \
    "EVN|A01|20261204101500\r"                                                                     \
    "PID|1||H123^^^RYX^MR~9434765919^^^NHS^NH||Smith\\S\\Jane||19400101|F\r"                       \
    "PV1|1|I|WARD1^R1^B1^RYX01||||||||||||||||V123\r"

static hl7_msg *parse(const char *s)
{
    hl7_msg *m = NULL;
    ics_err e = {0};
    assert_int_equal(hl7_parse(s, strlen(s), &m, &e), 0);
    return m;
}

static void test_mllp_frame_waits_for_the_end_and_skips_noise(void **st)
{
    (void)st;
    const unsigned char in[] = "xx\x0bMSH|^~\\&|A\x1c\x0d\x0bMSH";
    size_t start, len, used;
    /* noise before the start byte is skipped */
    assert_int_equal(hl7_mllp_frame(in, sizeof in - 1, &start, &len, &used), HL7_FRAME_MORE);
    assert_int_equal(used, 2);
    /* a whole frame */
    assert_int_equal(hl7_mllp_frame(in + 2, sizeof in - 3, &start, &len, &used), HL7_FRAME_OK);
    assert_int_equal(len, 10);
    assert_memory_equal(in + 2 + start, "MSH|^~\\&|A", 10);
    assert_int_equal(used, 13);
    /* the next frame is not finished */
    assert_int_equal(hl7_mllp_frame(in + 15, 4, &start, &len, &used), HL7_FRAME_MORE);
    assert_int_equal(used, 0);
}

static void test_fields_repetitions_components_and_escapes(void **st)
{
    (void)st;
    hl7_msg *m = parse(A01);
    char v[64];
    assert_int_equal(hl7_get(m, "MSH", 0, 1, 0, 0, v, sizeof v), 1);
    assert_string_equal(v, "|");
    assert_int_equal(hl7_get(m, "MSH", 0, 2, 0, 0, v, sizeof v), 4);
    assert_string_equal(v, "^~\\&");
    hl7_get(m, "MSH", 0, 9, 0, 2, v, sizeof v);
    assert_string_equal(v, "A01");
    hl7_get(m, "PID", 0, 3, 1, 1, v, sizeof v);
    assert_string_equal(v, "9434765919");
    hl7_get(m, "PID", 0, 5, 0, 0, v, sizeof v); /* \S\ is the component separator */
    assert_string_equal(v, "Smith^Jane");
    assert_int_equal(hl7_get(m, "PV1", 0, 99, 0, 0, v, sizeof v), 0);
    assert_int_equal(hl7_get(m, "ZZZ", 0, 1, 0, 0, v, sizeof v), 0);
    char tiny[4];
    assert_int_equal(hl7_get(m, "MSH", 0, 10, 0, 0, tiny, sizeof tiny), -1);
    assert_int_equal(hl7_count(m, "PID"), 1);
    hl7_free(m);
}

static void test_adt_fields_take_the_nhs_number(void **st)
{
    (void)st;
    hl7_msg *m = parse(A01);
    hl7_adt a;
    ics_err e = {0};
    assert_int_equal(hl7_adt_read(m, &a, &e), 0);
    assert_string_equal(a.sending_facility, "RYX01");
    assert_string_equal(a.control_id, "MSG00001");
    assert_string_equal(a.patient_id, "9434765919"); /* the NH repetition, not the first */
    assert_string_equal(a.location.point_of_care, "WARD1");
    assert_string_equal(a.location.bed, "B1");
    assert_string_equal(a.location.facility, "RYX01");
    assert_string_equal(a.visit_number, "V123");
    assert_int_equal(hl7_adt_event(&a), HL7_A01);
    assert_int_equal(hl7_adt_check(&a, HL7_A01, &e), 0);
    /* a transfer needs the prior location */
    assert_int_equal(hl7_adt_check(&a, HL7_A02, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "PV1-6"));
    hl7_free(m);
}

static void test_bad_messages_are_named(void **st)
{
    (void)st;
    hl7_msg *m = NULL;
    ics_err e = {0};
    assert_int_equal(hl7_parse("PID|1", 5, &m, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "MSH"));
    const char *dup = "MSH||||&|X\r";
    assert_int_equal(hl7_parse(dup, strlen(dup), &m, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "delimiters"));
    const char *badseg = "MSH|^~\\&|A\rpid|1\r";
    assert_int_equal(hl7_parse(badseg, strlen(badseg), &m, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "segment 2"));
    const char *nohdr = "MSH|^~\\&|PAS|RYX01\rPID|1\r";
    m = parse(nohdr);
    hl7_adt a;
    assert_int_equal(hl7_adt_read(m, &a, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "MSH-9"));
    assert_non_null(strstr(e.msg, "MSH-10"));
    assert_int_equal(hl7_adt_event(&a), -1);
    hl7_free(m);
}

static void test_hl7_times_in_london(void **st)
{
    (void)st;
    int64_t t;
    ics_err e = {0};
    /* winter: local = UTC; 2026-12-04 10:15 UTC = 1796379300 */
    assert_int_equal(hl7_time_parse("202612041015", &t, &e), 0);
    assert_int_equal(t, 1796379300);
    /* summer: 2026-07-01 10:00 BST = 09:00 UTC = 1782896400 */
    assert_int_equal(hl7_time_parse("20260701100000", &t, &e), 0);
    assert_int_equal(t, 1782896400);
    /* an explicit offset */
    assert_int_equal(hl7_time_parse("20260701100000+0100", &t, &e), 0);
    assert_int_equal(t, 1782896400);
    assert_int_equal(hl7_time_parse("20260231", &t, &e), ICS_EINVAL);
    assert_int_equal(hl7_time_parse("2026120", &t, &e), ICS_EINVAL);
    assert_int_equal(hl7_time_parse("20261204xx", &t, &e), ICS_EINVAL);
}

static void test_ack_swaps_sender_and_escapes_the_text(void **st)
{
    (void)st;
    hl7_msg *m = parse(A01);
    hl7_adt a;
    ics_err e = {0};
    assert_int_equal(hl7_adt_read(m, &a, &e), 0);
    char out[1024];
    int n = hl7_ack_build(&a, "AE", "bed B1|occupied", "20261204101600", "ACK7", out, sizeof out);
    assert_true(n > 0);
    assert_non_null(
        strstr(out, "MSH|^~\\&|ICSFLOW|QRV|PAS|RYX01|20261204101600||ACK^A01^ACK|ACK7|P|2.4\r"));
    assert_non_null(strstr(out, "\rMSA|AE|MSG00001|bed B1\\F\\occupied\r"));
    assert_non_null(strstr(out, "\rERR|||207|E||||bed B1\\F\\occupied\r"));
    n = hl7_ack_build(&a, "AA", "", "20261204101600", "ACK8", out, sizeof out);
    assert_null(strstr(out, "ERR"));
    assert_int_equal(hl7_ack_build(&a, "AA", "", "x", "y", out, 20), -1);
    hl7_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mllp_frame_waits_for_the_end_and_skips_noise),
        cmocka_unit_test(test_fields_repetitions_components_and_escapes),
        cmocka_unit_test(test_adt_fields_take_the_nhs_number),
        cmocka_unit_test(test_bad_messages_are_named),
        cmocka_unit_test(test_hl7_times_in_london),
        cmocka_unit_test(test_ack_swaps_sender_and_escapes_the_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
