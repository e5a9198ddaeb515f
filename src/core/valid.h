/* valid.h - validation and normalisation of the identifiers icsflow trusts.
 *
 * NHS numbers (modulus 11), UK postcodes, ODS organisation/site codes and ONS
 * area codes. Each function returns 0 or ICS_EINVAL with a message naming the
 * value and what is wrong with it, and writes the normalised form. */
#ifndef ICS_CORE_VALID_H
#define ICS_CORE_VALID_H

#include "core/error.h"

/* Accepts 10 digits, optionally grouped 3-3-4 by spaces or hyphens; writes the
 * 10 digits to out (11 bytes). Invalid when the modulus 11 check fails. */
int valid_nhs_number(const char *s, char out[11], ics_err *e);

/* The modulus 11 check digit for the first nine digits, or -1 when the
 * number cannot be valid (a remainder giving 10). */
int valid_nhs_check_digit(const char digits9[9]);

/* UK postcode: outward code (A9, A99, AA9, AA99, A9A, AA9A) + inward code (9AA).
 * Normalises case and spacing: "ub83nn" -> "UB8 3NN" (out: 9 bytes). */
int valid_postcode(const char *s, char out[9], ics_err *e);

/* Outward code ("UB8") of a normalised postcode or of a bare district. */
void valid_postcode_outward(const char *postcode, char out[5]);

/* A bare outward code (postcode district) like "UB8" or "W1T"; normalised. */
int valid_postcode_district(const char *s, char out[5], ics_err *e);

/* ODS code: 3 characters for a trust (RYJ, R1K), 5 for a trust site (RYJ01);
 * upper-case letters and digits, starting with a letter. */
int valid_ods_code(const char *s, ics_err *e);

/* ONS area code: a letter and eight digits (E09000017). */
int valid_ons_code(const char *s, ics_err *e);

#endif
