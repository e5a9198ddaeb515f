/* select.h - the k-th smallest of an array by Hoare's selection ("Algorithm
 * 65: FIND", CACM 1961): expected linear time, reorders the array. One
 * definition for every element type an engine needs (the simulator's
 * percentile of waits, the network simplex's cost threshold for pricing),
 * instantiated by a macro so each stays a plain inline function. */
#ifndef ICS_CORE_SELECT_H
#define ICS_CORE_SELECT_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#define ICS_SELECT_KTH(name, T)                                                                    \
    static inline T name(T *v, size_t n, size_t k)                                                 \
    {                                                                                              \
        assert(n > 0 && k < n);                                                                    \
        size_t lo = 0, hi = n - 1;                                                                 \
        while (lo < hi) {                                                                          \
            T pivot = v[lo + (hi - lo) / 2];                                                       \
            size_t i = lo, j = hi;                                                                 \
            while (i <= j) {                                                                       \
                while (v[i] < pivot) i++;                                                          \
                while (v[j] > pivot) j--;                                                          \
                if (i <= j) {                                                                      \
                    T x = v[i];                                                                    \
                    v[i] = v[j];                                                                   \
                    v[j] = x;                                                                      \
                    i++;                                                                           \
                    if (j == 0) break;                                                             \
                    j--;                                                                           \
                }                                                                                  \
            }                                                                                      \
            if (k <= j)                                                                            \
                hi = j;                                                                            \
            else if (k >= i)                                                                       \
                lo = i;                                                                            \
            else                                                                                   \
                return v[k];                                                                       \
        }                                                                                          \
        return v[k];                                                                               \
    }

ICS_SELECT_KTH(select_kth_f64, double)
ICS_SELECT_KTH(select_kth_i64, int64_t)

#endif
