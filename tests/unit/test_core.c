/* test_core.c - validation, Europe/London time, CSV, RNG and geo basics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/select.h"
#include "core/csv.h"
#include "core/geo.h"
#include "core/rng.h"
#include "core/sb.h"
#include "core/stats.h"
#include "core/synth.h"
#include "core/jget.h"
#include "core/tz.h"
#include "core/utf8.h"
#include "core/valid.h"

static void test_utf8_validates_rfc3629(void **s)
{
    (void)s;
    assert_true(utf8_valid("plain"));
    assert_true(
        utf8_valid("\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x91")); /* été € ambulance */
    assert_int_equal(utf8_invalid_at("ab\xc3", 3), 2);                  /* cut mid-character */
    assert_int_equal(utf8_invalid_at("\xc0\xaf", 2), 0);                /* overlong '/' */
    assert_int_equal(utf8_invalid_at("\xed\xa0\x80", 3), 0);            /* UTF-16 surrogate */
    assert_int_equal(utf8_invalid_at("\xf4\x90\x80\x80", 4), 0);        /* above U+10FFFF */
    assert_int_equal(utf8_invalid_at("x\xff", 2), 1);
}

static void test_utf8_clip_and_scrub_keep_text_whole(void **s)
{
    (void)s;
    const char *t = "a\xc3\xa9\xe2\x82\xac"; /* a é € : 1 + 2 + 3 bytes */
    assert_int_equal(utf8_clip(t, 6), 6);
    assert_int_equal(utf8_clip(t, 5), 3); /* inside € -> before it */
    assert_int_equal(utf8_clip(t, 2), 1); /* inside é -> before it */
    char b[] = "ok\xff\xc3";
    assert_int_equal(utf8_scrub(b), 2);
    assert_string_equal(b, "ok??");
}

static void test_error_message_cut_on_character_boundary(void **s)
{
    (void)s;
    ics_err e;
    char big[1200];
    size_t n = 0;
    while (n + 2 < sizeof big) big[n++] = '\xc3', big[n++] = '\xa9';
    big[n] = '\0';
    ics_err_set(&e, ICS_EINVAL, "x%s", big); /* 'x' shifts every é to straddle byte 511 */
    assert_true(strlen(e.msg) < sizeof e.msg);
    assert_true(utf8_valid(e.msg));
    assert_true(strlen(e.msg) >= sizeof e.msg - 3);
    ics_err_set(&e, ICS_EINVAL, "bad byte \xff here");
    assert_string_equal(e.msg, "bad byte ? here");
}

static void test_nhs_number_accepts_valid_and_grouped(void **s)
{
    (void)s;
    char out[11];
    ics_err e = {0};
    /* 943 476 5919: 9*10+4*9+3*8+4*7+7*6+6*5+5*4+9*3+1*2 = 299; 299 mod 11 = 2; 11-2 = 9 */
    assert_int_equal(valid_nhs_number("943 476 5919", out, &e), 0);
    assert_string_equal(out, "9434765919");
    assert_int_equal(valid_nhs_number("943-476-5919", out, &e), 0);
}

static void test_nhs_number_rejects_bad_check_digit_and_shape(void **s)
{
    (void)s;
    char out[11];
    ics_err e = {0};
    assert_int_equal(valid_nhs_number("9434765918", out, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "modulus 11"));
    assert_int_equal(valid_nhs_number("943476591", out, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "9 digits"));
    assert_int_equal(valid_nhs_number("94347659X9", out, &e), ICS_EINVAL);
    assert_int_equal(valid_nhs_number("", out, &e), ICS_EINVAL);
    /* check digit 10 is never valid: 1000000060 -> sum = 10+0..+6*2=22 -> 11-0=11 -> 0 */
    assert_int_equal(valid_nhs_check_digit("100000006"), 0);
    /* 6*2 = 12, remainder 1, check 10: invalid whatever the last digit */
    assert_int_equal(valid_nhs_check_digit("000000006"), -1);
}

static void test_postcode_normalises_and_rejects(void **s)
{
    (void)s;
    char out[9], o[5];
    ics_err e = {0};
    assert_int_equal(valid_postcode("ub83nn", out, &e), 0);
    assert_string_equal(out, "UB8 3NN");
    assert_int_equal(valid_postcode("  W2   1NY ", out, &e), 0);
    assert_string_equal(out, "W2 1NY");
    assert_int_equal(valid_postcode("w1t 7nf", out, &e), 0);
    assert_string_equal(out, "W1T 7NF");
    assert_int_equal(valid_postcode("SW10 9NH", out, &e), 0);
    valid_postcode_outward(out, o);
    assert_string_equal(o, "SW10");
    assert_int_equal(valid_postcode("UB8 3N", out, &e), ICS_EINVAL);
    assert_int_equal(valid_postcode("12345", out, &e), ICS_EINVAL);
    assert_int_equal(valid_postcode("UB8-3NN", out, &e), ICS_EINVAL);
    assert_int_equal(valid_postcode_district("ha1", o, &e), 0);
    assert_string_equal(o, "HA1");
}

/* Royal Mail's letter rules by position (see valid.c for the source). */
static void test_postcode_letter_rules(void **s)
{
    (void)s;
    ics_err e = {0};
    char out[9];
    assert_int_equal(valid_postcode("GIR 0AA", out, &e), 0);
    assert_string_equal(out, "GIR 0AA");
    assert_int_equal(valid_postcode("gir0aa", out, &e), 0);
    assert_int_equal(valid_postcode("GIR 0AB", out, &e), ICS_EINVAL);
    assert_int_equal(valid_postcode("EC1A 1BB", out, &e), 0);
    assert_int_equal(valid_postcode("W1A 1HQ", out, &e), 0);
    assert_int_equal(valid_postcode("SW1P 3BT", out, &e), 0);
    assert_int_equal(valid_postcode("QC1A 1BB", out, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "first letter"));
    assert_int_equal(valid_postcode("V1 1AA", out, &e), ICS_EINVAL);
    assert_int_equal(valid_postcode("X1 1AA", out, &e), ICS_EINVAL);
    assert_int_equal(valid_postcode("W1 1CA", out, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "C, I, K, M, O or V"));
    assert_int_equal(valid_postcode("W1 1AV", out, &e), ICS_EINVAL);
    assert_int_equal(valid_postcode("AJ1 1AA", out, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "second letter"));
    assert_int_equal(valid_postcode("W1I 1AA", out, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "'W1A'"));
    assert_int_equal(valid_postcode("EC1C 1BB", out, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "'EC1A'"));
    char d[5];
    assert_int_equal(valid_postcode_district("gir", d, &e), 0);
    assert_int_equal(valid_postcode_district("QC1A", d, &e), ICS_EINVAL);
    assert_int_equal(valid_postcode_district("EC1A", d, &e), 0);
}

static void test_ods_and_ons_codes(void **s)
{
    (void)s;
    ics_err e = {0};
    assert_int_equal(valid_ods_code("RYJ", &e), 0);
    assert_int_equal(valid_ods_code("R1K", &e), 0);
    assert_int_equal(valid_ods_code("RYJ01", &e), 0);
    assert_int_equal(valid_ods_code("ryj", &e), ICS_EINVAL);
    assert_int_equal(valid_ods_code("RYJ0", &e), ICS_EINVAL);
    assert_int_equal(valid_ods_code("1RY", &e), ICS_EINVAL);
    assert_int_equal(valid_ons_code("E09000017", &e), 0);
    assert_int_equal(valid_ons_code("E0900001", &e), ICS_EINVAL);
    assert_int_equal(valid_ons_code("EE9000017", &e), ICS_EINVAL);
}

static void test_bst_boundaries_2026(void **s)
{
    (void)s;
    /* 2026: BST starts Sunday 29 March 01:00 UTC, ends Sunday 25 October 01:00 UTC */
    int64_t start = tz_days_from_civil(2026, 3, 29) * 86400 + 3600;
    int64_t end = tz_days_from_civil(2026, 10, 25) * 86400 + 3600;
    assert_false(tz_is_bst(start - 1));
    assert_true(tz_is_bst(start));
    assert_true(tz_is_bst(end - 1));
    assert_false(tz_is_bst(end));
    tz_local l;
    tz_to_local(start, &l);
    assert_int_equal(l.hour, 2);
    assert_int_equal(l.offset_min, 60);
    assert_int_equal(l.wday, 6); /* Sunday */
}

static void test_parse_local_times_across_clock_changes(void **s)
{
    (void)s;
    int64_t t;
    ics_err e = {0};
    assert_int_equal(tz_parse("2026-07-01T14:05", &t, &e), 0);
    char buf[32];
    tz_format_utc(t, buf, sizeof buf);
    assert_string_equal(buf, "2026-07-01T13:05:00Z");
    tz_format(t, buf, sizeof buf);
    assert_string_equal(buf, "2026-07-01T14:05:00+01:00");
    assert_int_equal(tz_parse("2026-12-25T03:00", &t, &e), 0);
    tz_format_utc(t, buf, sizeof buf);
    assert_string_equal(buf, "2026-12-25T03:00:00Z");
    /* spring gap: 01:30 on 29 March 2026 does not exist */
    assert_int_equal(tz_parse("2026-03-29T01:30", &t, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "clocks go forward"));
    /* autumn overlap: 01:30 on 25 October 2026 resolves to BST (00:30Z) */
    assert_int_equal(tz_parse("2026-10-25T01:30", &t, &e), 0);
    tz_format_utc(t, buf, sizeof buf);
    assert_string_equal(buf, "2026-10-25T00:30:00Z");
    assert_int_equal(tz_parse("2026-10-25T01:30:00Z", &t, &e), 0);
    tz_format(t, buf, sizeof buf);
    assert_string_equal(buf, "2026-10-25T01:30:00+00:00");
    assert_int_equal(tz_parse("2026-06-01T12:00:00+02:00", &t, &e), 0);
    tz_format_utc(t, buf, sizeof buf);
    assert_string_equal(buf, "2026-06-01T10:00:00Z");
    assert_int_equal(tz_parse("2026-02-30", &t, &e), ICS_EINVAL);
    assert_int_equal(tz_parse("yesterday", &t, &e), ICS_EINVAL);
    assert_int_equal(tz_parse("2026-01-01T25:00", &t, &e), ICS_EINVAL);
}

/* What earlier versions stored: ISO 'Z', CURRENT_TIMESTAMP (UTC, no
 * offset), digits. 2026-12-03T22:04:08Z = 20790 days * 86400 + 79448 s = 1796335448. */
static void test_parse_stored_reads_every_old_form_as_utc(void **s)
{
    (void)s;
    int64_t t = 0;
    ics_err e = {0};
    assert_int_equal(tz_parse_stored("2026-12-03T22:04:08Z", &t, &e), 0);
    assert_int_equal(t, 20790LL * 86400 + 79448);
    assert_int_equal(tz_parse_stored("2026-12-03 22:04:08", &t, &e), 0);
    assert_int_equal(t, 20790LL * 86400 + 79448);
    /* summer: no offset still means UTC here (tz_parse would read BST) */
    assert_int_equal(tz_parse_stored("2026-07-01 13:05:00", &t, &e), 0);
    char buf[32];
    tz_format_utc(t, buf, sizeof buf);
    assert_string_equal(buf, "2026-07-01T13:05:00Z");
    assert_int_equal(tz_parse_stored("2026-07-01T14:05:00+01:00", &t, &e), 0);
    tz_format_utc(t, buf, sizeof buf);
    assert_string_equal(buf, "2026-07-01T13:05:00Z");
    assert_int_equal(tz_parse_stored("1796335448", &t, &e), 0);
    assert_int_equal(t, 1796335448);
    assert_int_equal(tz_parse_stored("-5", &t, &e), 0);
    assert_int_equal(t, -5);
    assert_int_equal(tz_parse_stored("2026-12-03", &t, &e), 0);
    assert_int_equal(t, 20790LL * 86400);
    assert_int_equal(tz_parse_stored("17647x", &t, &e), ICS_EINVAL);
    assert_int_equal(tz_parse_stored("", &t, &e), ICS_EINVAL);
    assert_int_equal(tz_parse_stored("2026-13-01 00:00:00", &t, &e), ICS_EINVAL);
}

static void test_civil_roundtrip_and_weekday(void **s)
{
    (void)s;
    for (int64_t d = -1000; d < 30000; d += 37) {
        int y, m, dd;
        tz_civil_from_days(d, &y, &m, &dd);
        assert_int_equal(tz_days_from_civil(y, m, dd), d);
    }
    assert_int_equal(tz_weekday(tz_days_from_civil(2026, 12, 25)), 4); /* Friday */
}

static void test_csv_quotes_short_rows_and_errors(void **s)
{
    (void)s;
    csv_doc *d;
    ics_err e = {0};
    const char *t = "a,b,c\r\n1,\"x, \"\"y\"\"\",3\n\n4,5\n";
    assert_int_equal(csv_parse(t, strlen(t), "t.csv", &d, &e), 0);
    assert_int_equal(d->nrows, 2);
    assert_string_equal(d->rows[0][1], "x, \"y\"");
    assert_string_equal(d->rows[1][2], "");
    assert_int_equal(d->line[1], 4);
    assert_int_equal(csv_col(d, "c"), 2);
    const char *need[] = {"a", "z", NULL};
    int idx[2];
    assert_int_equal(csv_columns(d, need, idx, 0, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "'z'"));
    csv_free(d);
    const char *bad = "a,b\n1,2,3\n";
    assert_int_equal(csv_parse(bad, strlen(bad), "bad.csv", &d, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "bad.csv: line 2"));
    const char *open = "a\n\"abc\n";
    assert_int_equal(csv_parse(open, strlen(open), "o.csv", &d, &e), ICS_EINVAL);
}

static void test_csv_refuses_cells_that_are_not_text(void **s)
{
    (void)s;
    ics_err e = {0};
    csv_doc *d = NULL;
    const char *latin1 = "code,name\nA,Caf\xe9\n";
    assert_int_equal(csv_parse(latin1, strlen(latin1), "n.csv", &d, &e), ICS_EINVAL);
    assert_string_equal(e.msg, "n.csv: line 2, column 'name': is not valid UTF-8 text");
    const char nul[] = "code,name\nA,ok\nB,bad\0tail\n";
    assert_int_equal(csv_parse(nul, sizeof nul - 1, "z.csv", &d, &e), ICS_EINVAL);
    assert_string_equal(e.msg, "z.csv: line 3, column 'name': contains a NUL byte");
    const char *head = "code,\xff\n";
    assert_int_equal(csv_parse(head, strlen(head), "h.csv", &d, &e), ICS_EINVAL);
    assert_string_equal(e.msg, "h.csv: line 1, column 2: is not valid UTF-8 text");
    const char *fine = "code,name\nA,Caf\xc3\xa9\n";
    assert_int_equal(csv_parse(fine, strlen(fine), "f.csv", &d, &e), 0);
    assert_string_equal(d->rows[0][1], "Caf\xc3\xa9");
    csv_free(d);
}

static void test_csv_unique_names_both_lines(void **s)
{
    (void)s;
    ics_err e = {0};
    csv_doc *d = NULL;
    const char *t = "site,day,n\nA,1,5\nB,1,6\n\nA,2,7\nB,1,8\n";
    assert_int_equal(csv_parse(t, strlen(t), "u.csv", &d, &e), 0);
    int one[] = {0}, two[] = {0, 1};
    assert_int_equal(csv_unique(d, two, 2, &e), ICS_EINVAL);
    assert_string_equal(e.msg, "u.csv: lines 3 and 6 have the same site 'B', day '1'");
    assert_int_equal(csv_unique(d, one, 1, &e), ICS_EINVAL);
    assert_string_equal(e.msg, "u.csv: lines 2 and 5 have the same site 'A'");
    int third[] = {2};
    assert_int_equal(csv_unique(d, third, 1, &e), 0);
    csv_free(d);
}

static void test_rng_is_deterministic_and_uniform(void **s)
{
    (void)s;
    rng a, b;
    rng_seed(&a, 42, 0);
    rng_seed(&b, 42, 0);
    for (int i = 0; i < 100; i++) assert_true(rng_next(&a) == rng_next(&b));
    rng_seed(&b, 42, 1);
    assert_true(rng_next(&a) != rng_next(&b));
    double sum = 0;
    for (int i = 0; i < 100000; i++) sum += rng_uniform(&a);
    assert_true(fabs(sum / 100000 - 0.5) < 0.01);
    double ln = 0;
    for (int i = 0; i < 200000; i++) ln += rng_lognormal(&a, 20.0, 10.0);
    assert_true(fabs(ln / 200000 - 20.0) < 0.2);
}

static void test_geo_distance(void **s)
{
    (void)s;
    /* St Mary's (51.5175,-0.1746) to Hillingdon Hospital (51.5260,-0.4614): about 19.9 km */
    double km = geo_km(51.5175, -0.1746, 51.5260, -0.4614);
    assert_true(km > 19.5 && km < 20.3);
    assert_true(geo_km(51.5, -0.1, 51.5, -0.1) == 0.0);
}

/* geo_beyond never skips a pair geo_km would keep, and skips what is
 * clearly farther: random pairs over England and over the globe, limits
 * of 1 to 200 km, and pairs placed at almost exactly the limit. */
static void test_geo_beyond(void **s)
{
    (void)s;
    rng r;
    rng_seed(&r, 42, 7);
    int skipped = 0, kept_far = 0;
    for (int i = 0; i < 200000; i++) {
        int globe = i % 4 == 0;
        double la1 = globe ? -89 + 178 * rng_uniform(&r) : 50 + 5 * rng_uniform(&r);
        double lo1 = globe ? -180 + 360 * rng_uniform(&r) : -5 + 7 * rng_uniform(&r);
        double la2 = globe ? -89 + 178 * rng_uniform(&r) : 50 + 5 * rng_uniform(&r);
        double lo2 = globe ? -180 + 360 * rng_uniform(&r) : -5 + 7 * rng_uniform(&r);
        double d = geo_km(la1, lo1, la2, lo2);
        double lim = i % 3 == 0 ? d * (1 - 1e-12) : 1 + 199 * rng_uniform(&r);
        int b = geo_beyond(geo_vec_of(la1, lo1), geo_vec_of(la2, lo2), geo_chord2(lim));
        if (b) assert_true(d > lim);
        if (b) skipped++;
        if (!b && d > lim * (1 + 1e-6)) kept_far++;
    }
    assert_int_equal(kept_far, 0);
    assert_true(skipped > 50000);
    /* a point and itself; a NaN limit keeps everything, a negative one nothing */
    geo_vec a = geo_vec_of(51.5175, -0.1746), b = geo_vec_of(51.5260, -0.4614);
    assert_int_equal(geo_beyond(a, a, geo_chord2(0)), 0);
    assert_int_equal(geo_beyond(a, b, geo_chord2(19.0)), 1);
    assert_int_equal(geo_beyond(a, b, geo_chord2(21.0)), 0);
    assert_int_equal(geo_beyond(a, b, geo_chord2(NAN)), 0);
    assert_int_equal(geo_beyond(a, a, geo_chord2(-1)), 1);
    assert_int_equal(geo_beyond(a, b, geo_chord2(30000)), 0);
}

static void test_sb_escapes(void **s)
{
    (void)s;
    sb b;
    sb_init(&b);
    sb_xml(&b, "a<b & \"c\"");
    sb_puts(&b, "|");
    csv_cell(&b, "x,y", 1);
    char *out = sb_steal(&b);
    assert_string_equal(out, "a&lt;b &amp; &quot;c&quot;|\"x,y\"");
    free(out);
}

/* One CSV cell writer for every export: quoting per RFC 4180, and a text
 * cell a spreadsheet would run as a formula gets a leading apostrophe,
 * while numbers with a sign stay numbers; csv_cell_exact (for files import
 * reads back) never adds one. */
static void test_csv_cell_guards_formulas(void **s)
{
    (void)s;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"plain", "plain"},
        {"a \"q\" b", "\"a \"\"q\"\" b\""},
        {"=SUM(A1:A9)", "'=SUM(A1:A9)"},
        {"=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""},
        {"+44 20 7946 0000", "'+44 20 7946 0000"},
        {"-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"},
        {"@SUM(1)", "'@SUM(1)"},
        {"\t=1", "'\t=1"},
        {"\r5", "\"'\r5\""},
        {"-3", "-3"},
        {"+0.5", "+0.5"},
        {"-1e3", "-1e3"},
        {"-", "'-"},
        {"", ""},
        {"Caf\xc3\xa9 = caf\xc3\xa9", "Caf\xc3\xa9 = caf\xc3\xa9"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sb b;
        sb_init(&b);
        csv_cell(&b, cases[i].in, 1);
        char *out = sb_steal(&b);
        assert_string_equal(out, cases[i].out);
        free(out);
    }
    sb b;
    sb_init(&b);
    csv_cell(&b, "id", 1);
    csv_cell(&b, "=1+1", 0);
    csv_cell_exact(&b, "=1+1", 0);
    csv_cell_exact(&b, "-x,y", 0);
    char *out = sb_steal(&b);
    assert_string_equal(out, "id,'=1+1,=1+1,\"-x,y\"");
    free(out);
}

/* sb_printf writes into the free space, and grows the buffer and writes
 * again when the text does not fit: short and long texts, one after another
 * and past several doublings, come out whole. */
static void test_sb_printf_grows_when_text_does_not_fit(void **s)
{
    (void)s;
    sb b;
    sb_init(&b);
    sb_printf(&b, "%s", "");
    assert_int_equal(b.len, 0);
    assert_string_equal(b.buf, "");
    sb_printf(&b, "n=%d", 42);
    char big[3000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    sb_printf(&b, "[%s]", big);
    sb_clause(&b, "; ", "%d%%", 7);
    assert_int_equal(b.len, 4 + 1 + 2999 + 1 + 4); /* "n=42" "[" x... "]" "; 7%" */
    assert_memory_equal(b.buf, "n=42[", 5);
    assert_int_equal(b.buf[5 + 2998], 'x');
    assert_string_equal(b.buf + 4 + 1 + 2999, "]; 7%");
    assert_int_equal(strlen(b.buf), b.len);
    sb_free(&b);
}

/* The direct JSON writer gives jansson's bytes (json_dumps with
 * JSON_ENSURE_ASCII, as the server sends answers) for strings with escapes,
 * control characters, 2-, 3- and 4-byte UTF-8, and for reals of every
 * shape jansson writes. */
static void test_sb_json_matches_jansson(void **s)
{
    (void)s;
    static const char *const strs[] = {"",
                                       "plain",
                                       "quote \" back \\ slash /",
                                       "\b\f\n\r\t\x01\x1f\x7f",
                                       "Caf\xc3\xa9 \xe2\x80\x94 \xe2\x82\xac"
                                       "5",
                                       "\xf0\x9f\x9a\x91 ambulance",
                                       "\xef\xbf\xbf\xe0\xa0\x80\xc2\x80"};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        json_t *j = json_string(strs[i]);
        assert_non_null(j);
        char *want = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_ENCODE_ANY);
        sb b;
        sb_init(&b);
        sb_json_str(&b, strs[i]);
        char *got = sb_steal(&b);
        assert_string_equal(got, want);
        free(got);
        free(want);
        json_decref(j);
    }
    static const double reals[] = {0.0, -0.0,  8.4,      24.1,    51.542,  -0.477,
                                   1.0, 100.0, 1e20,     1.5e300, 1e-7,    -2.5e-12,
                                   0.1, 1e16,  123456.0, 1e17,    3.14159, 5e-324};
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
        json_t *j = json_real(reals[i]);
        char *want = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
        sb b;
        sb_init(&b);
        sb_json_real(&b, reals[i]);
        char *got = sb_steal(&b);
        assert_string_equal(got, want);
        free(got);
        free(want);
        json_decref(j);
    }
    sb b;
    sb_init(&b);
    sb_json_str(&b, "a\xff\xc0\x80"
                    "b");
    sb_puts(&b, " ");
    sb_json_real(&b, NAN);
    char *got = sb_steal(&b);
    assert_string_equal(got, "\"a\\uFFFD\\uFFFD\\uFFFDb\" null");
    free(got);
}

/* ---- shared statistics (core/stats.h) ---------------------------------- */

/* Type 7 by hand: {1, 2, 3, 4}: median h = 3 x 0.5 = 1.5 -> 2 + 0.5 x 1 = 2.5;
 * p90 h = 2.7 -> 3 + 0.7 x 1 = 3.7; R: quantile(1:4, c(.5, .9)) = 2.5, 3.7. */
static void test_quantile_type7_is_the_default_median(void **s)
{
    (void)s;
    double v[] = {1, 2, 3, 4}, odd[] = {2, 4, 4, 10, 30};
    assert_float_equal(stats_quantile(v, 4, 0.5, STATS_Q_TYPE7), 2.5, 1e-12);
    assert_float_equal(stats_quantile(v, 4, 0.9, STATS_Q_TYPE7), 3.7, 1e-12);
    assert_float_equal(stats_quantile(v, 4, 0, STATS_Q_TYPE7), 1, 1e-12);
    assert_float_equal(stats_quantile(v, 4, 1, STATS_Q_TYPE7), 4, 1e-12);
    assert_float_equal(stats_quantile(odd, 5, 0.5, STATS_Q_TYPE7), 4, 1e-12);
    assert_float_equal(stats_quantile(v, 0, 0.5, STATS_Q_TYPE7), 0, 1e-12);
}

/* RTT whole weeks by hand: weeks 1..10 one each: target 0.5 x 10 = 5 first
 * reached in band 5 with 4 below: 5 + (5 - 4) / 1 = 6; everyone at 10
 * weeks: 10 + (0.5 x 3 - 0) / 3 = 10.5. */
static void test_quantile_rtt_weeks_interpolates_within_the_band(void **s)
{
    (void)s;
    double v[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, same[] = {10, 10, 10};
    assert_float_equal(stats_quantile(v, 10, 0.5, STATS_Q_RTT_WEEKS), 6, 1e-12);
    assert_float_equal(stats_quantile(v, 10, 0.92, STATS_Q_RTT_WEEKS), 10.2, 1e-12);
    assert_float_equal(stats_quantile(same, 3, 0.5, STATS_Q_RTT_WEEKS), 10.5, 1e-12);
}

static void test_z_constants_are_the_normal_quantiles(void **s)
{
    (void)s;
    /* R: qnorm(0.975) = 1.959963984540054, qnorm(0.999) = 3.090232306167813 */
    assert_float_equal(stats_z(0.95), STATS_Z95, 1e-15);
    assert_float_equal(stats_z(0.998), STATS_Z998, 1e-15);
    assert_float_equal(stats_normal_quantile(0.025), -1.959963984540054, 1e-15);
    assert_true(isinf(stats_normal_quantile(1.0)));
    assert_true(isnan(stats_normal_quantile(1.5)));
}

static void test_wilson_interval_by_hand(void **s)
{
    (void)s;
    /* x = 3, n = 4 at z = 2 (round numbers to check by hand):
     * (6 + 4 -/+ 2 sqrt(4 + 12 x 0.25)) / 2 / 8 = (10 -/+ 2 sqrt 7) / 16 */
    double lo, hi;
    assert_int_equal(stats_wilson(3, 4, 2, &lo, &hi), 0);
    assert_float_equal(lo, (10 - 2 * sqrt(7)) / 16, 1e-15);
    assert_float_equal(hi, (10 + 2 * sqrt(7)) / 16, 1e-15);
    assert_int_equal(stats_wilson(0, 10, STATS_Z95, &lo, &hi), 0);
    assert_true(lo == 0.0);
    assert_int_equal(stats_wilson(1, 0, STATS_Z95, &lo, &hi), -1);
    assert_true(isnan(lo));
    assert_int_equal(stats_wilson(5, 4, STATS_Z95, &lo, &hi), -1);
}

/* 999 000 001: 9x10 + 9x9 + 9x8 + 0 ... + 1x2 = 90 + 81 + 72 + 2 = 245;
 * 245 mod 11 = 3; 11 - 3 = 8: 9990000018 (the number t0300 uses). */
static void test_synthetic_nhs_numbers_are_valid_and_in_999(void **s)
{
    (void)s;
    char out[11], norm[11];
    assert_int_equal(synth_nhs_from(1, out), 0);
    assert_string_equal(out, "9990000018");
    /* 999 000 000: 90 + 81 + 72 = 243, 243 mod 11 = 1, 11 - 1 = 10: invalid */
    assert_int_equal(synth_nhs_from(0, out), -1);
    rng r;
    rng_seed(&r, 7, 0);
    for (int i = 0; i < 200; i++) {
        synth_nhs_number(&r, out);
        ics_err e = {0};
        assert_int_equal(valid_nhs_number(out, norm, &e), 0);
        assert_memory_equal(out, "999", 3);
    }
}

static void test_weighted_pick_follows_weights(void **s)
{
    (void)s;
    rng r;
    rng_seed(&r, 11, 0);
    const double w[3] = {1, 0, 3};
    int count[3] = {0};
    for (int i = 0; i < 40000; i++) count[synth_pick(&r, w, 3)]++;
    assert_int_equal(count[1], 0);
    /* 10,000 expected for weight 1 of 4; sd = sqrt(40000 x 0.25 x 0.75) = 87 */
    assert_true(abs(count[0] - 10000) < 500);
}

static void test_json_getters_and_problems(void **s)
{
    (void)s;
    json_t *o = json_pack("{sssIsfsbsn}", "a", "x", "n", (json_int_t)7, "f", 2.5, "t", 1, "z");
    assert_string_equal(jget_str(o, "a", "-"), "x");
    assert_string_equal(jget_str(o, "n", "-"), "-");
    assert_int_equal(jget_int(o, "n", -1), 7);
    assert_int_equal(jget_int(o, "f", -1), -1);
    assert_float_equal(jget_num(o, "n", 0), 7.0, 0);
    assert_float_equal(jget_num(o, "f", 0), 2.5, 0);
    assert_int_equal(jget_true(o, "t"), 1);
    assert_int_equal(jget_has(o, "z"), 0);
    assert_int_equal(jget_has(o, "a"), 1);
    json_decref(o);
    problems p;
    problems_init(&p);
    ics_err e = {0};
    assert_int_equal(problems_done(&p, &e), 0);
    problems_init(&p);
    problems_add(&p, "field '%s' is missing", "age");
    problems_add(&p, "bad %d", 2);
    assert_int_equal(problems_done(&p, &e), ICS_EINVAL);
    assert_string_equal(e.msg, "field 'age' is missing; bad 2");
}

/* A file with many bad rows answers with the first 20 problems and a count
 * of the rest; a long multibyte value is kept whole (no 512-byte cut). */
static void test_problems_are_capped_and_counted(void **s)
{
    (void)s;
    problems p;
    ics_err e = {0};
    problems_init(&p);
    for (int i = 1; i <= 25; i++) problems_add(&p, "row %d", i);
    assert_int_equal(problems_done(&p, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "row 20; and 5 more"));
    assert_null(strstr(e.msg, "row 21"));
    problems_init(&p);
    char big[700 * 2 + 1];
    for (int i = 0; i < 700; i++) memcpy(big + 2 * i, "\xc3\xa9", 2); /* 700 x e-acute */
    big[1400] = 0;
    problems_add(&p, "%s", big);
    assert_int_equal((int)p.msg.len, 1400);
    assert_int_equal(utf8_valid(p.msg.buf), 1);
    problems_done(&p, &e);
}

static void test_select_kth_matches_sorting(void **s)
{
    (void)s;
    double d[9] = {5, 1, 9, 3, 3, 8, 0, 7, 2}; /* sorted: 0 1 2 3 3 5 7 8 9 */
    int64_t v[9] = {50, 10, 90, 30, 30, 80, 0, 70, 20};
    const double want[9] = {0, 1, 2, 3, 3, 5, 7, 8, 9};
    for (size_t k = 0; k < 9; k++) {
        double dd[9];
        int64_t vv[9];
        memcpy(dd, d, sizeof d);
        memcpy(vv, v, sizeof v);
        assert_true(select_kth_f64(dd, 9, k) == want[k]);
        assert_int_equal(select_kth_i64(vv, 9, k), (int64_t)(want[k] * 10));
    }
}

/* A builder nothing was appended to hands over an empty string (it once
 * handed over an unterminated buffer: an empty list page's id list). */
static void test_sb_steal_empty_is_empty_string(void **s)
{
    (void)s;
    sb b;
    sb_init(&b);
    char *out = sb_steal(&b);
    assert_non_null(out);
    assert_string_equal(out, "");
    free(out);
    sb_init(&b);
    sb_reserve(&b, 100000);
    sb_puts(&b, "kept");
    out = sb_steal(&b);
    assert_string_equal(out, "kept");
    free(out);
}

static void test_sb_clause_joins(void **s)
{
    (void)s;
    sb b;
    sb_init(&b);
    sb_clause(&b, "; ", "a %d", 1);
    sb_clause(&b, "; ", "b");
    sb_clause(&b, ", ", "%s", "c");
    assert_string_equal(b.buf, "a 1; b, c");
    sb_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_validates_rfc3629),
        cmocka_unit_test(test_utf8_clip_and_scrub_keep_text_whole),
        cmocka_unit_test(test_error_message_cut_on_character_boundary),
        cmocka_unit_test(test_nhs_number_accepts_valid_and_grouped),
        cmocka_unit_test(test_nhs_number_rejects_bad_check_digit_and_shape),
        cmocka_unit_test(test_postcode_normalises_and_rejects),
        cmocka_unit_test(test_postcode_letter_rules),
        cmocka_unit_test(test_ods_and_ons_codes),
        cmocka_unit_test(test_bst_boundaries_2026),
        cmocka_unit_test(test_parse_local_times_across_clock_changes),
        cmocka_unit_test(test_parse_stored_reads_every_old_form_as_utc),
        cmocka_unit_test(test_civil_roundtrip_and_weekday),
        cmocka_unit_test(test_csv_quotes_short_rows_and_errors),
        cmocka_unit_test(test_csv_refuses_cells_that_are_not_text),
        cmocka_unit_test(test_csv_unique_names_both_lines),
        cmocka_unit_test(test_rng_is_deterministic_and_uniform),
        cmocka_unit_test(test_geo_distance),
        cmocka_unit_test(test_geo_beyond),
        cmocka_unit_test(test_sb_escapes),
        cmocka_unit_test(test_sb_printf_grows_when_text_does_not_fit),
        cmocka_unit_test(test_csv_cell_guards_formulas),
        cmocka_unit_test(test_sb_json_matches_jansson),
        cmocka_unit_test(test_quantile_type7_is_the_default_median),
        cmocka_unit_test(test_quantile_rtt_weeks_interpolates_within_the_band),
        cmocka_unit_test(test_z_constants_are_the_normal_quantiles),
        cmocka_unit_test(test_wilson_interval_by_hand),
        cmocka_unit_test(test_synthetic_nhs_numbers_are_valid_and_in_999),
        cmocka_unit_test(test_weighted_pick_follows_weights),
        cmocka_unit_test(test_json_getters_and_problems),
        cmocka_unit_test(test_problems_are_capped_and_counted),
        cmocka_unit_test(test_select_kth_matches_sorting),
        cmocka_unit_test(test_sb_clause_joins),
        cmocka_unit_test(test_sb_steal_empty_is_empty_string),
    };
    return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
