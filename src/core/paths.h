/* paths.h - where an installed icsflow finds its data/ and web/ folders.
 *
 * The binary carries no build path: it looks, in order, at an explicit
 * flag, an environment variable (ICSFLOW_DATA, ICSFLOW_WEB), the folder
 * ../share/icsflow/<kind> beside the executable (what `make install`
 * lays out), and <kind>/ in the current folder (a checkout). A binary that
 * finds none says so rather than reading some other tree. */
#ifndef ICS_CORE_PATHS_H
#define ICS_CORE_PATHS_H

#include <stddef.h>

#include "core/error.h"

/* kind: "data" or "web"; flag: the command-line value or NULL; marker: a
 * file that must exist in the folder ("places.csv", "index.html"). Writes
 * the folder to out. ICS_ENOTFOUND naming every place tried. */
int paths_find(const char *kind, const char *flag, const char *marker, char *out, size_t cap,
               ics_err *e);

#endif
