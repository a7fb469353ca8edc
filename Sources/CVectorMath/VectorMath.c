#include "CVectorMath.h"
#include <math.h>
#include <float.h>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#include <sleef.h>

#define CARVE_VLOOP_F32(name, sleef, scalar)                                  \
    void name(const float *x, float *y, ptrdiff_t n) {                       \
        ptrdiff_t i = 0;                                                     \
        for (; i + 8 <= n; i += 8) {                                         \
            _mm256_storeu_ps(y + i, sleef(_mm256_loadu_ps(x + i)));          \
        }                                                                    \
        if (i < n) {                                                         \
            float bx[8] = {0}, by[8];                                        \
            for (ptrdiff_t j = i; j < n; j++) bx[j - i] = x[j];              \
            _mm256_storeu_ps(by, sleef(_mm256_loadu_ps(bx)));                \
            for (ptrdiff_t j = i; j < n; j++) y[j] = by[j - i];              \
        }                                                                    \
    }
#define CARVE_VLOOP_F64(name, sleef, scalar)                                  \
    void name(const double *x, double *y, ptrdiff_t n) {                     \
        ptrdiff_t i = 0;                                                     \
        for (; i + 4 <= n; i += 4) {                                         \
            _mm256_storeu_pd(y + i, sleef(_mm256_loadu_pd(x + i)));          \
        }                                                                    \
        if (i < n) {                                                         \
            double bx[4] = {0}, by[4];                                       \
            for (ptrdiff_t j = i; j < n; j++) bx[j - i] = x[j];              \
            _mm256_storeu_pd(by, sleef(_mm256_loadu_pd(bx)));                \
            for (ptrdiff_t j = i; j < n; j++) y[j] = by[j - i];              \
        }                                                                    \
    }
#else
#define CARVE_VLOOP_F32(name, sleef, scalar)                                  \
    void name(const float *x, float *y, ptrdiff_t n) {                       \
        for (ptrdiff_t i = 0; i < n; i++) y[i] = scalar(x[i]);               \
    }
#define CARVE_VLOOP_F64(name, sleef, scalar)                                  \
    void name(const double *x, double *y, ptrdiff_t n) {                     \
        for (ptrdiff_t i = 0; i < n; i++) y[i] = scalar(x[i]);               \
    }
#endif

CARVE_VLOOP_F32(carve_vexp_f32, Sleef_expf8_u10avx2, expf)
CARVE_VLOOP_F32(carve_vlog_f32, Sleef_logf8_u10avx2, logf)
CARVE_VLOOP_F32(carve_vlog1p_f32, Sleef_log1pf8_u10avx2, log1pf)
CARVE_VLOOP_F32(carve_vexpm1_f32, Sleef_expm1f8_u10avx2, expm1f)
CARVE_VLOOP_F32(carve_vtanh_f32, Sleef_tanhf8_u10avx2, tanhf)
CARVE_VLOOP_F32(carve_verf_f32, Sleef_erff8_u10avx2, erff)

CARVE_VLOOP_F64(carve_vexp_f64, Sleef_expd4_u10avx2, exp)
CARVE_VLOOP_F64(carve_vlog_f64, Sleef_logd4_u10avx2, log)
CARVE_VLOOP_F64(carve_vlog1p_f64, Sleef_log1pd4_u10avx2, log1p)
CARVE_VLOOP_F64(carve_vexpm1_f64, Sleef_expm1d4_u10avx2, expm1)
CARVE_VLOOP_F64(carve_vtanh_f64, Sleef_tanhd4_u10avx2, tanh)
CARVE_VLOOP_F64(carve_verf_f64, Sleef_erfd4_u10avx2, erf)

// ---------------------------------------------------------------------------------------------
// Exact GELU and its derivative in one pass (float), with one exponential per element.
//
//   Φ(x) = ½ + x P(x²)                      for |x| ≤ 1.2   (P: degree 5, rel. error 6e-9)
//   Φ(−a) = e^{−a²/2} t Q(t),  t = 1/(1 + a/2)  for a = |x| > 1.2 (Q: degree 7, rel. error 2e-8)
//   y = x Φ(x),   g = Φ(x) + x φ(x),   φ(x) = e^{−x²/2} / √(2π)
//
// The tail form gives Φ(x) for x < 0 with full relative accuracy (no 1 − erf cancellation), and
// the same e^{−x²/2} serves φ. P and Q are least-squares/minimax fits in Double of the relative
// error; e^{−x²/2} uses x² split exactly into hi + lo (FMA) so the tail keeps its accuracy.
static const float carve_gelu_p[6] = {
    0.3989422780223653f, -0.06649026345293524f, 0.009972619796473202f,
    -0.0011845433550642381f, 0.00011163817261571063f, -6.984528592997308e-06f};
static const float carve_gelu_q[8] = {
    0.19947382995014779f, 0.19936087001155522f, 0.15142843753310103f, 0.033757805258285395f,
    0.02096000066853561f, -0.3682339602751296f, 0.3997861285623348f, -0.13778436763903576f};

static inline float carve_gelu_scalar(float x, float *g) {
    float a = fabsf(x), phi;
    float ac = fminf(a, 20.0f), hi = ac * ac, lo = fmaf(ac, ac, -hi);
    float e = expf(-0.5f * hi) * (1.0f - 0.5f * lo);
    if (a <= 1.2f) {
        float u = hi, p = carve_gelu_p[5];
        for (int k = 4; k >= 0; k--) p = fmaf(p, u, carve_gelu_p[k]);
        phi = fmaf(x, p, 0.5f);
    } else {
        float t = 1.0f / fmaf(0.5f, a, 1.0f), q = carve_gelu_q[7];
        for (int k = 6; k >= 0; k--) q = fmaf(q, t, carve_gelu_q[k]);
        float tail = e * t * q;
        phi = x < 0 ? tail : 1.0f - tail;
        if (isnan(x)) phi = x;
    }
    float xc = fminf(fmaxf(x, -FLT_MAX), FLT_MAX);
    *g = isnan(x) ? x : fmaf(xc * 0.3989422804014327f, e, phi);
    return isnan(x) ? x : fmaxf(x, -FLT_MAX) * phi;
}

#if defined(__AVX2__) && defined(__FMA__)
// e^v for v ≤ 0 (Cephes expf polynomial on |r| ≤ ln2/2; about 1 ULP); 0 below −87.3 (where
// e^v is subnormal); NaN stays NaN.
static inline __m256 carve_exp_nonpositive(__m256 v) {
    const __m256 lo = _mm256_set1_ps(-87.3f);
    __m256 under = _mm256_cmp_ps(v, lo, _CMP_LT_OQ);
    __m256 vc = _mm256_max_ps(lo, v);  // NaN-propagating (second operand)
    __m256 n = _mm256_round_ps(_mm256_mul_ps(vc, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), vc);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    __m256 r2 = _mm256_mul_ps(r, r);
    p = _mm256_fmadd_ps(p, r2, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    __m256 y = _mm256_mul_ps(p, _mm256_castsi256_ps(bits));
    return _mm256_andnot_ps(under, y);
}

static inline void carve_gelu8(const float *xp, float *yp, float *gp) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 x = _mm256_loadu_ps(xp);
    __m256 a = _mm256_andnot_ps(sign, x);
    // e^{−x²/2} from x² = hi + lo (exact split), with |x| capped at 20 (e^{−200} is 0 in float)
    // so that hi and lo stay finite.
    __m256 ac = _mm256_min_ps(_mm256_set1_ps(20.0f), a);
    __m256 hi = _mm256_mul_ps(ac, ac);
    __m256 lo = _mm256_fmsub_ps(ac, ac, hi);
    __m256 e = carve_exp_nonpositive(_mm256_mul_ps(hi, _mm256_set1_ps(-0.5f)));
    e = _mm256_fnmadd_ps(_mm256_mul_ps(e, _mm256_set1_ps(0.5f)), lo, e);
    // |x| ≤ 1.2: ½ + x P(x²)
    __m256 p = _mm256_set1_ps(carve_gelu_p[5]);
    for (int k = 4; k >= 0; k--) p = _mm256_fmadd_ps(p, hi, _mm256_set1_ps(carve_gelu_p[k]));
    __m256 central = _mm256_fmadd_ps(x, p, _mm256_set1_ps(0.5f));
    // |x| > 1.2: tail Φ(−|x|) = e t Q(t)
    __m256 t = _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_fmadd_ps(_mm256_set1_ps(0.5f), a, _mm256_set1_ps(1.0f)));
    __m256 q = _mm256_set1_ps(carve_gelu_q[7]);
    for (int k = 6; k >= 0; k--) q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(carve_gelu_q[k]));
    __m256 tail = _mm256_mul_ps(e, _mm256_mul_ps(t, q));
    __m256 negative = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ);
    __m256 outer = _mm256_blendv_ps(_mm256_sub_ps(_mm256_set1_ps(1.0f), tail), tail, negative);
    __m256 inner = _mm256_cmp_ps(a, _mm256_set1_ps(1.2f), _CMP_LE_OQ);
    __m256 phi = _mm256_blendv_ps(outer, central, inner);
    // Clamp the factor x (never the argument) so ±∞ gives the limits (∞ or −0, and Φ) without ∞·0.
    const __m256 big = _mm256_set1_ps(FLT_MAX), nbig = _mm256_set1_ps(-FLT_MAX);
    __m256 xlow = _mm256_max_ps(nbig, x);
    __m256 xc = _mm256_min_ps(big, xlow);
    __m256 y = _mm256_mul_ps(xlow, phi);
    __m256 g = _mm256_fmadd_ps(_mm256_mul_ps(xc, _mm256_set1_ps(0.3989422804014327f)), e, phi);
    __m256 nan = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
    _mm256_storeu_ps(yp, _mm256_blendv_ps(y, x, nan));
    _mm256_storeu_ps(gp, _mm256_blendv_ps(g, x, nan));
}

void carve_gelu_f32(const float *x, float *y, float *g, ptrdiff_t n) {
    ptrdiff_t i = 0;
    for (; i + 8 <= n; i += 8) carve_gelu8(x + i, y + i, g + i);
    if (i < n) {
        float bx[8] = {0}, by[8], bg[8];
        for (ptrdiff_t j = i; j < n; j++) bx[j - i] = x[j];
        carve_gelu8(bx, by, bg);
        for (ptrdiff_t j = i; j < n; j++) { y[j] = by[j - i]; g[j] = bg[j - i]; }
    }
}
#else
void carve_gelu_f32(const float *x, float *y, float *g, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) { float d; float v = carve_gelu_scalar(x[i], &d); y[i] = v; g[i] = d; }
}
#endif

float carve_gelu_f32_scalar(float x, float *g) { return carve_gelu_scalar(x, g); }
