/* geo.c - haversine distance and a cheap "certainly farther" test (see geo.h). */
#include "core/geo.h"

#include <math.h>

static const double earth_r = 6371.0088, rad = M_PI / 180.0;

double geo_km(double lat1, double lon1, double lat2, double lon2)
{
    double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
    double a = sin(dlat / 2) * sin(dlat / 2) +
               cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);
    return 2 * earth_r * asin(fmin(1.0, sqrt(a)));
}

geo_vec geo_vec_of(double lat, double lon)
{
    double c = cos(lat * rad);
    return (geo_vec){c * cos(lon * rad), c * sin(lon * rad), sin(lat * rad)};
}

/* The haversine's a is the squared half chord: a = sin^2(d / 2R) =
 * chord^2 / 4, and the distance grows with it up to half the globe. */
double geo_chord2(double km)
{
    if (isnan(km) || km >= M_PI * earth_r) return INFINITY; /* as `geo_km > km`: never */
    if (km < 0) return -1;                                  /* always */
    double h = sin(km / (2 * earth_r));
    return 4 * h * h;
}

int geo_beyond(geo_vec a, geo_vec b, double chord2)
{
    double dx = a.x - b.x, dy = a.y - b.y, dz = a.z - b.z;
    return dx * dx + dy * dy + dz * dz > chord2 * (1 + 1e-9) + 1e-15;
}
