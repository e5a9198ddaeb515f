/* geo.h - distances between points on the Earth. */
#ifndef ICS_CORE_GEO_H
#define ICS_CORE_GEO_H

/* Great-circle distance in kilometres (haversine, mean Earth radius 6371.0088 km). */
double geo_km(double lat1, double lon1, double lat2, double lon2);

/* A point as a unit vector from the Earth's centre: with one per point made
 * once, whether two points are certainly farther apart than a distance
 * costs a few multiplications instead of the haversine's sines and cosines
 * (the allocation engine asks it for every patient class and hub site). */
typedef struct geo_vec {
    double x, y, z;
} geo_vec;

geo_vec geo_vec_of(double lat, double lon);
/* The squared chord (straight-line distance on the unit sphere, squared)
 * of km kilometres along the surface, for geo_beyond. */
double geo_chord2(double km);
/* 1 when the points are certainly more than the distance whose geo_chord2
 * is chord2 apart: geo_km would then return more than that distance. 0
 * when they may be within it (a relative margin of 1e-9 is kept for
 * rounding, so only geo_km itself decides close cases). */
int geo_beyond(geo_vec a, geo_vec b, double chord2);

#endif
