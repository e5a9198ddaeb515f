/* geo.h - distances between points on the Earth. */
#ifndef ICS_CORE_GEO_H
#define ICS_CORE_GEO_H

/* Great-circle distance in kilometres (haversine, mean Earth radius 6371.0088 km). */
double geo_km(double lat1, double lon1, double lat2, double lon2);

#endif
