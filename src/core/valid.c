/* valid.c - NHS number, postcode, ODS and ONS code checks (see valid.h). */
#include "core/valid.h"

#include <ctype.h>
#include <string.h>

#include "core/utf8.h"

int valid_nhs_check_digit(const char d[9])
{
    int sum = 0;
    for (int i = 0; i < 9; i++) sum += (d[i] - '0') * (10 - i);
    int check = 11 - sum % 11;
    if (check == 11) return 0;
    if (check == 10) return -1;
    return check;
}

int valid_nhs_number(const char *s, char out[11], ics_err *e)
{
    char d[11];
    int n = 0;
    if (!s || !*s) return ics_err_set(e, ICS_EINVAL, "NHS number is empty");
    for (const char *p = s; *p; p++) {
        if (isdigit((unsigned char)*p)) {
            if (n == 10)
                return ics_err_set(e, ICS_EINVAL, "NHS number '%s' has more than 10 digits", s);
            d[n++] = *p;
        } else if (*p != ' ' && *p != '-') {
            size_t k = utf8_char_len(p, strlen(p));
            return ics_err_set(e, ICS_EINVAL,
                               "NHS number '%s' contains '%.*s': only digits are allowed", s,
                               (int)(k ? k : 1), p);
        }
    }
    if (n != 10) return ics_err_set(e, ICS_EINVAL, "NHS number '%s' has %d digits, not 10", s, n);
    d[10] = '\0';
    int check = valid_nhs_check_digit(d);
    if (check < 0 || check != d[9] - '0')
        return ics_err_set(e, ICS_EINVAL, "NHS number '%s' fails the modulus 11 check digit", s);
    if (out) memcpy(out, d, 11);
    return 0;
}

/* Royal Mail's letter rules, as published in its "Postcode format" sheet
 * (reproduced in the Market Research Society's and the ILR specification's
 * postcode appendices) and in the Cabinet Office's BS 7666 postcode data
 * standard:
 *   - Q, V and X are not used in the first position;
 *   - I, J and Z are not used in the second position (AA9, AA99, AA9A);
 *   - the third position of A9A holds only A B C D E F G H J K P S T U W
 *     (the older sheet omits P; it is allowed here, as refusing a real
 *     postcode is worse than accepting an unused one);
 *   - the fourth position of AA9A holds only A B E H M N P R V W X Y;
 *   - the inward code's two letters are never C, I, K, M, O or V;
 *   - GIR 0AA (Girobank) is valid though it breaks the shapes.
 * Returns the rule broken, or NULL. in (the inward code) may be NULL when
 * only a district is checked; o is an outward code of a valid shape. */
static const char *letters_broken(const char *o, size_t n, const char *in)
{
    if (strchr("QVX", o[0])) return "Q, V and X are not used as a postcode's first letter";
    if (isupper((unsigned char)o[1]) && strchr("IJZ", o[1]))
        return "I, J and Z are not used as a postcode's second letter";
    if (n == 3 && isupper((unsigned char)o[2]) && !strchr("ABCDEFGHJKPSTUW", o[2]))
        return "only A B C D E F G H J K P S T U W may end an outward code like 'W1A'";
    if (n == 4 && isupper((unsigned char)o[3]) && !strchr("ABEHMNPRVWXY", o[3]))
        return "only A B E H M N P R V W X Y may end an outward code like 'EC1A'";
    if (in && (strchr("CIKMOV", in[1]) || strchr("CIKMOV", in[2])))
        return "the inward code's letters are never C, I, K, M, O or V";
    return NULL;
}

/* Outward-code shapes, A = letter, 9 = digit. */
static int outward_ok(const char *o, size_t n)
{
    static const char *shapes[] = {"A9", "A99", "AA9", "AA99", "A9A", "AA9A"};
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        const char *sh = shapes[i];
        if (strlen(sh) != n) continue;
        size_t k = 0;
        for (; k < n; k++) {
            if (sh[k] == 'A' && !isupper((unsigned char)o[k])) break;
            if (sh[k] == '9' && !isdigit((unsigned char)o[k])) break;
        }
        if (k == n) return 1;
    }
    return 0;
}

int valid_postcode(const char *s, char out[9], ics_err *e)
{
    char c[16];
    size_t n = 0;
    if (!s || !*s) return ics_err_set(e, ICS_EINVAL, "postcode is empty");
    for (const char *p = s; *p; p++) {
        if (*p == ' ') continue;
        if (!isalnum((unsigned char)*p) || n >= 7)
            return ics_err_set(e, ICS_EINVAL, "'%s' is not a valid UK postcode", s);
        c[n++] = (char)toupper((unsigned char)*p);
    }
    c[n] = '\0';
    if (strcmp(c, "GIR0AA") == 0) {
        if (out) strcpy(out, "GIR 0AA");
        return 0;
    }
    if (n < 5 || !isdigit((unsigned char)c[n - 3]) || !isupper((unsigned char)c[n - 2]) ||
        !isupper((unsigned char)c[n - 1]) || !outward_ok(c, n - 3))
        return ics_err_set(e, ICS_EINVAL,
                           "'%s' is not a valid UK postcode (expected e.g. 'UB8 3NN')", s);
    const char *broken = letters_broken(c, n - 3, c + n - 3);
    if (broken) return ics_err_set(e, ICS_EINVAL, "'%s' is not a valid UK postcode: %s", s, broken);
    if (out) {
        memcpy(out, c, n - 3);
        out[n - 3] = ' ';
        memcpy(out + n - 2, c + n - 3, 3);
        out[n + 1] = '\0';
    }
    return 0;
}

void valid_postcode_outward(const char *pc, char out[5])
{
    size_t n = 0;
    while (pc[n] && pc[n] != ' ' && n < 4) {
        out[n] = (char)toupper((unsigned char)pc[n]);
        n++;
    }
    out[n] = '\0';
}

int valid_postcode_district(const char *s, char out[5], ics_err *e)
{
    char c[5];
    size_t n = 0;
    for (const char *p = s; *p; p++) {
        if (*p == ' ') continue;
        if (n >= 4 || !isalnum((unsigned char)*p))
            return ics_err_set(e, ICS_EINVAL, "'%s' is not a postcode district", s);
        c[n++] = (char)toupper((unsigned char)*p);
    }
    c[n] = '\0';
    if (strcmp(c, "GIR") != 0) {
        if (!outward_ok(c, n))
            return ics_err_set(e, ICS_EINVAL, "'%s' is not a postcode district", s);
        const char *broken = letters_broken(c, n, NULL);
        if (broken)
            return ics_err_set(e, ICS_EINVAL, "'%s' is not a postcode district: %s", s, broken);
    }
    if (out) memcpy(out, c, n + 1);
    return 0;
}

int valid_ods_code(const char *s, ics_err *e)
{
    size_t n = s ? strlen(s) : 0;
    if (n != 3 && n != 5)
        return ics_err_set(e, ICS_EINVAL, "ODS code '%s' must be 3 characters (trust) or 5 (site)",
                           s ? s : "");
    if (!isupper((unsigned char)s[0]))
        return ics_err_set(e, ICS_EINVAL, "ODS code '%s' must start with an upper-case letter", s);
    for (size_t i = 1; i < n; i++)
        if (!isupper((unsigned char)s[i]) && !isdigit((unsigned char)s[i]))
            return ics_err_set(e, ICS_EINVAL,
                               "ODS code '%s' may hold only upper-case letters and digits", s);
    return 0;
}

int valid_ons_code(const char *s, ics_err *e)
{
    size_t n = s ? strlen(s) : 0;
    int ok = n == 9 && isupper((unsigned char)s[0]);
    for (size_t i = 1; ok && i < 9; i++) ok = isdigit((unsigned char)s[i]);
    if (!ok)
        return ics_err_set(e, ICS_EINVAL,
                           "ONS code '%s' must be a letter and eight digits (e.g. E09000017)",
                           s ? s : "");
    return 0;
}
