/* lists.c - the controlled vocabularies of the directory.
 *
 * Capabilities begin with the nine clinical conditions of the national
 * urgent community response (UCR) guidance (see shared STANDARDS.md). */
#include "directory/directory.h"

#include <string.h>

const char *const directory_capabilities[] = {
    "falls",             /* falls with no or minor injury */
    "frailty",           /* decompensation of frailty */
    "reduced_function",  /* reduced function, deconditioning, reduced mobility */
    "end_of_life",       /* palliative / end-of-life crisis support */
    "urgent_equipment",  /* urgent equipment provision */
    "delirium",          /* confusion / delirium */
    "catheter",          /* urgent catheter care */
    "diabetes",          /* urgent support for diabetes */
    "carer_breakdown",   /* unpaid-carer breakdown */
    "urgent_reablement", /* urgent reablement at home */
    "wound_care",        /* urgent wound and skin care */
    "respiratory",       /* acute respiratory infection, virtual ward step-up */
    "medication",        /* urgent medication review */
    "mental_health",     /* mental-health crisis support */
    NULL};

const char *const directory_org_kinds[] = {"acute",      "community", "mental_health", "ambulance",
                                           "specialist", "nhs111",    "ics",           NULL};

const char *const directory_bed_types[] = {
    "rehabilitation", "stroke_rehabilitation", "dementia", "palliative", "step_down", NULL};

int directory_word_in(const char *const *list, const char *word)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(list[i], word) == 0) return i;
    return -1;
}

int directory_capability_find(const char *name)
{
    return directory_word_in(directory_capabilities, name);
}
