/* jget.c - JSON getters with defaults and the body-schema check (jget.h). */
#include "core/jget.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *jget_str(const json_t *o, const char *k, const char *def)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : def;
}

int64_t jget_int(const json_t *o, const char *k, int64_t def)
{
    json_t *v = json_object_get(o, k);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : def;
}

double jget_num(const json_t *o, const char *k, double def)
{
    json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : def;
}

int jget_true(const json_t *o, const char *k)
{
    return json_is_true(json_object_get(o, k));
}

int jget_has(const json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return v && !json_is_null(v);
}

/* ---- body schema ------------------------------------------------------ */

static const char *kind_name(json_kind k)
{
    static const char *n[] = {"a string", "an integer", "a number", "true or false",
                              "an array", "an object",  "any value"};
    return n[k];
}

static int kind_ok(json_kind k, const json_t *v)
{
    switch (k) {
    case JF_STRING:
        return json_is_string(v);
    case JF_INT:
        return json_is_integer(v);
    case JF_NUMBER:
        return json_is_number(v);
    case JF_BOOL:
        return json_is_boolean(v);
    case JF_ARRAY:
        return json_is_array(v);
    case JF_OBJECT:
        return json_is_object(v);
    default:
        return 1;
    }
}

int json_check_object(const json_t *obj, const json_field *fields, ics_err *e)
{
    if (!json_is_object(obj)) return ics_err_set(e, ICS_EBADREQ, "the body must be a JSON object");
    problems p;
    problems_init(&p);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        const json_field *f = fields;
        while (f->name && strcmp(f->name, key) != 0) f++;
        if (!f->name)
            problems_add(&p, "unknown field '%s'", key);
        else if (!json_is_null(v) && !kind_ok(f->kind, v))
            problems_add(&p, "field '%s' must be %s", key, kind_name(f->kind));
        else if (json_is_null(v) && f->required)
            problems_add(&p, "field '%s' must not be null", key);
    }
    for (const json_field *f = fields; f->name; f++)
        if (f->required && !json_object_get(obj, f->name))
            problems_add(&p, "missing field '%s'", f->name);
    return problems_done(&p, e);
}
