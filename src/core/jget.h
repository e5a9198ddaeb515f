/* jget.h - the JSON getters every layer above the engines repeats, once,
 * on jansson's public API only (as Lua's lauxlib is written on lua.h): read
 * a member with a default, and check a body against its fields, collecting
 * every problem (core/problems.h) into one "a; b; c" message. */
#ifndef ICS_CORE_JGET_H
#define ICS_CORE_JGET_H

#include <jansson.h>
#include <stdint.h>

#include "core/error.h"
#include "core/problems.h" /* the problem accumulator */

/* Member k of object o as a string, or def when absent or not a string. */
const char *jget_str(const json_t *o, const char *k, const char *def);
/* Member k as an integer, or def when absent or not an integer. */
int64_t jget_int(const json_t *o, const char *k, int64_t def);
/* Member k as a number (integer or real), or def. */
double jget_num(const json_t *o, const char *k, double def);
/* 1 when member k is true, 0 otherwise. */
int jget_true(const json_t *o, const char *k);
/* 1 when member k is present and not null. */
int jget_has(const json_t *o, const char *k);

/* Body schema: the value must be a JSON object; every member must be known,
 * of the declared kind, and present when required. Every problem is
 * collected into one message ("missing field 'name'; field 'age' must be
 * an integer; unknown field 'colour'"). ICS_EBADREQ when obj is not an
 * object, ICS_EINVAL otherwise. */
typedef enum { JF_STRING, JF_INT, JF_NUMBER, JF_BOOL, JF_ARRAY, JF_OBJECT, JF_ANY } json_kind;
typedef struct json_field {
    const char *name;
    json_kind kind;
    int required;
} json_field;
int json_check_object(const json_t *obj, const json_field *fields, ics_err *e);

#endif
