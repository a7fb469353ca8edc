#ifndef CARVE_CVECTORMATH_H
#define CARVE_CVECTORMATH_H
#include <stddef.h>

// y[i] = f(x[i]) for i < n, using SLEEF's 1-ULP vector functions where the CPU has AVX2,
// libm otherwise. x and y may be the same buffer.
void carve_vexp_f32(const float *x, float *y, ptrdiff_t n);
void carve_vlog_f32(const float *x, float *y, ptrdiff_t n);
void carve_vlog1p_f32(const float *x, float *y, ptrdiff_t n);
void carve_vexpm1_f32(const float *x, float *y, ptrdiff_t n);
void carve_vtanh_f32(const float *x, float *y, ptrdiff_t n);
void carve_verf_f32(const float *x, float *y, ptrdiff_t n);

void carve_vexp_f64(const double *x, double *y, ptrdiff_t n);
void carve_vlog_f64(const double *x, double *y, ptrdiff_t n);
void carve_vlog1p_f64(const double *x, double *y, ptrdiff_t n);
void carve_vexpm1_f64(const double *x, double *y, ptrdiff_t n);
void carve_vtanh_f64(const double *x, double *y, ptrdiff_t n);
void carve_verf_f64(const double *x, double *y, ptrdiff_t n);

// Exact GELU in one pass: y[i] = x Φ(x), g[i] = Φ(x) + x φ(x) (its derivative), one exponential
// per element. Measured against Double on every 7th float with |x| ≤ 30: |Φ error| ≤ 1.2e-7,
// |g error| ≤ 1.6e-7, and for x < −1.2 (the tail) y has relative error ≤ 5e-7.
// ±∞ give (∞, 1) and (−0, 0); NaN gives NaN. x may alias y or g.
void carve_gelu_f32(const float *x, float *y, float *g, ptrdiff_t n);
// The same for one element (the reference the vector loop is tested against).
float carve_gelu_f32_scalar(float x, float *g);

// A spin-wait hint for busy-waiting loops (x86 `pause`; nothing elsewhere).
static inline void carve_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

#endif
