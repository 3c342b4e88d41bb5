// CPU kernels: blocked GEMM, fused top-k search and streamed Hybrid-NCE.
//
// This one source is compiled once per instruction set (CMake defines AK_ISA as generic, avx2 or avx512 and
// passes the matching -m flags); every definition lives in the namespace ak::cpu::AK_ISA so the copies never
// meet at link time. Code shared with other translation units is limited to non-inline functions (ak::fail and
// the scratch accounting), so no inline function compiled with AVX-512 can be picked by the linker for the
// generic path.
//
// SIMD is written with GCC vector extensions (vf = VW floats), so one micro-kernel serves every width.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

#include "common.hpp"
#include "cpu/cpu_kernels.hpp"

#define AK_STRINGIFY2(x) #x
#define AK_STRINGIFY(x) AK_STRINGIFY2(x)

namespace ak::cpu::AK_ISA {
namespace {

// ---------------------------------------------------------------------------------------------------------------
// Vector types and primitives
// ---------------------------------------------------------------------------------------------------------------
#if defined(__AVX512F__)
constexpr int VW = 16;
constexpr int MR = 8;  // micro-tile rows: MR × 2 vectors of accumulators (16 of the 32 zmm registers)
#elif defined(__AVX2__)
constexpr int VW = 8;
constexpr int MR = 6;  // 12 ymm accumulators + 2 B loads + 1 broadcast = 15 of 16 registers
#else
constexpr int VW = 4;
constexpr int MR = 6;
#endif
constexpr int NR = 2 * VW;  // micro-tile columns

typedef float vf __attribute__((vector_size(VW * 4)));
typedef int32_t vi __attribute__((vector_size(VW * 4)));
typedef float vf_unaligned __attribute__((vector_size(VW * 4), aligned(4)));
typedef int32_t vi_unaligned __attribute__((vector_size(VW * 4), aligned(4)));
typedef uint16_t vh_unaligned __attribute__((vector_size(VW * 2), aligned(2)));
typedef uint32_t vu __attribute__((vector_size(VW * 4)));

inline vf load(const float *p) { return *reinterpret_cast<const vf_unaligned *>(p); }
inline void store(float *p, vf v) { *reinterpret_cast<vf_unaligned *>(p) = v; }
inline vi load_i(const int32_t *p) { return *reinterpret_cast<const vi_unaligned *>(p); }
// x − (+0) is x for every x (−0 and NaN included), so the compiler can drop the subtraction; x + 0 is not (−0).
inline vf splat(float x) { return x - vf{}; }
inline vi splat_i(int32_t x) { return vi{} + x; }
inline vf select(vi mask, vf a, vf b) { return reinterpret_cast<vf>((reinterpret_cast<vi>(a) & mask) | (reinterpret_cast<vi>(b) & ~mask)); }
inline vf vmax(vf a, vf b) { return select(a > b, a, b); }

inline float hsum(vf v) {
  float s = 0.f;
  for (int i = 0; i < VW; ++i) s += v[i];
  return s;
}
inline float hmax(vf v) {
  float m = v[0];
  for (int i = 1; i < VW; ++i) m = std::max(m, v[i]);
  return m;
}

inline vi iota() {
  vi v;
  for (int i = 0; i < VW; ++i) v[i] = i;
  return v;
}

// Bit i set when lane i of v is > t (NaN never is).
inline unsigned greater_mask(vf v, float t) {
#if defined(__AVX512F__)
  return _mm512_cmp_ps_mask(reinterpret_cast<__m512>(v), _mm512_set1_ps(t), _CMP_GT_OQ);
#elif defined(__AVX2__)
  return static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(reinterpret_cast<__m256>(v), _mm256_set1_ps(t), _CMP_GT_OQ)));
#elif defined(__SSE2__)
  return static_cast<unsigned>(_mm_movemask_ps(_mm_cmpgt_ps(reinterpret_cast<__m128>(v), _mm_set1_ps(t))));
#else
  unsigned m = 0;
  for (int i = 0; i < VW; ++i) m |= (v[i] > t ? 1u : 0u) << i;
  return m;
#endif
}

// Nonzero when any lane of the comparison mask m is set.
inline bool any_lane(vi m) {
#if defined(__AVX512F__)
  return _mm512_test_epi32_mask(reinterpret_cast<__m512i>(m), reinterpret_cast<__m512i>(m)) != 0;
#elif defined(__AVX2__)
  return !_mm256_testz_si256(reinterpret_cast<__m256i>(m), reinterpret_cast<__m256i>(m));
#else
  int32_t r = 0;
  for (int i = 0; i < VW; ++i) r |= m[i];
  return r != 0;
#endif
}

// e^x for a vector (Cephes-style: 2^n · p(r), |error| ≲ 2 ulp). Inputs are clamped to [-87.3, 88.7], so very
// negative x give ~1e-38 rather than 0 — harmless where it is used (terms of sums dominated by e^0 = 1).
inline vf vexp(vf x) {
  x = select(x < splat(-87.3f), splat(-87.3f), x);
  x = select(x > splat(88.7f), splat(88.7f), x);
  // n = round(x / ln 2) by the 1.5·2^23 trick (exact for |n| < 2^22), r = x − n ln 2 in two parts.
  const vf shifter = splat(12582912.0f);
  vf t = x * splat(1.44269504088896341f) + shifter;
  vi n = reinterpret_cast<vi>(t) - reinterpret_cast<vi>(shifter);
  vf nf = t - shifter;
  vf r = x - nf * splat(0.693359375f);
  r = r - nf * splat(-2.12194440e-4f);
  vf p = splat(1.9875691500e-4f);
  p = p * r + splat(1.3981999507e-3f);
  p = p * r + splat(8.3334519073e-3f);
  p = p * r + splat(4.1665795894e-2f);
  p = p * r + splat(1.6666665459e-1f);
  p = p * r + splat(5.0000001201e-1f);
  p = p * r * r + r + splat(1.0f);
  vi scale = (n + 127) << 23;
  return p * reinterpret_cast<vf>(scale);
}

// ---------------------------------------------------------------------------------------------------------------
// Storage dtypes → f32
// ---------------------------------------------------------------------------------------------------------------
inline float bits_f32(uint32_t u) { float f; std::memcpy(&f, &u, 4); return f; }

inline float load_scalar(const void *p, ak_dtype t, int64_t i) {
  switch (t) {
    case AK_F32: return static_cast<const float *>(p)[i];
    case AK_BF16: return bits_f32(static_cast<uint32_t>(static_cast<const uint16_t *>(p)[i]) << 16);
    default:
#if defined(__F16C__)
      return _cvtsh_ss(static_cast<const uint16_t *>(p)[i]);
#else
      return ak::f16_to_f32(static_cast<const uint16_t *>(p)[i]);
#endif
  }
}

inline vf load_f16(const uint16_t *p) {
#if defined(__AVX512F__)
  return reinterpret_cast<vf>(_mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i *>(p))));
#elif defined(__F16C__)
  return reinterpret_cast<vf>(_mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i *>(p))));
#else
  vf v;
  for (int i = 0; i < VW; ++i) v[i] = ak::f16_to_f32(p[i]);
  return v;
#endif
}

inline vf load_bf16(const uint16_t *p) {
  vu w = __builtin_convertvector(*reinterpret_cast<const vh_unaligned *>(p), vu);
  return reinterpret_cast<vf>(w << 16);
}

// Converts count elements src[offset..] to f32 dst. Inline vector copies rather than memcpy: packing calls this
// for runs as short as one micro-panel row, where a library call costs more than the copy.
inline void to_f32(const void *src, ak_dtype t, int64_t offset, int64_t count, float *dst) {
  int64_t i = 0;
  if (t == AK_F32) {
    const float *f = static_cast<const float *>(src) + offset;
    for (; i + VW <= count; i += VW) store(dst + i, load(f + i));
    for (; i < count; ++i) dst[i] = f[i];
    return;
  }
  const uint16_t *h = static_cast<const uint16_t *>(src) + offset;
  if (t == AK_F16) {
    for (; i + VW <= count; i += VW) store(dst + i, load_f16(h + i));
  } else {
    for (; i + VW <= count; i += VW) store(dst + i, load_bf16(h + i));
  }
  for (; i < count; ++i) dst[i] = load_scalar(h, t, i);
}

uint16_t to_bf16_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40);
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

void from_f32(const float *src, int64_t count, void *dst, ak_dtype t) {
  if (t == AK_F32) {
    std::memcpy(dst, src, static_cast<size_t>(count) * 4);
    return;
  }
  uint16_t *h = static_cast<uint16_t *>(dst);
  int64_t i = 0;
  if (t == AK_F16) {
#if defined(__F16C__)
    for (; i + 8 <= count; i += 8)
      _mm_storeu_si128(reinterpret_cast<__m128i *>(h + i), _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < count; ++i) h[i] = _cvtss_sh(src[i], _MM_FROUND_TO_NEAREST_INT);
#else
    for (; i < count; ++i) h[i] = ak::f32_to_f16(src[i]);
#endif
  } else {
    for (; i < count; ++i) h[i] = to_bf16_bits(src[i]);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Threads and buffers
// ---------------------------------------------------------------------------------------------------------------
// Start of part `part` when [0, total) is cut into `parts` nearly equal pieces, each boundary a multiple of align.
inline int64_t split_point(int64_t total, int parts, int part, int64_t align) {
  if (part >= parts) return total;
  int64_t units = (total + align - 1) / align;
  return std::min(total, units * part / parts * align);
}

// Accounted aligned buffer, private to this ISA namespace (see the note at the top of the file).
template <typename T>
struct Buffer {
  T *ptr = nullptr;
  int64_t count = 0;
  Buffer() = default;
  explicit Buffer(int64_t n) { allocate(n); }
  Buffer(const Buffer &) = delete;
  Buffer &operator=(const Buffer &) = delete;
  ~Buffer() { release(); }
  bool allocate(int64_t n) {
    release();
    if (n <= 0) return true;
    ptr = static_cast<T *>(ak::aligned_alloc_bytes(n * static_cast<int64_t>(sizeof(T))));
    if (!ptr) return false;
    count = n;
    ak::scratch_acquire(n * static_cast<int64_t>(sizeof(T)));
    return true;
  }
  void release() {
    if (!ptr) return;
    ak::aligned_free_bytes(ptr);
    ak::scratch_release(count * static_cast<int64_t>(sizeof(T)));
    ptr = nullptr;
    count = 0;
  }
  T *data() const { return ptr; }
  explicit operator bool() const { return ptr != nullptr || count == 0; }
};

// ---------------------------------------------------------------------------------------------------------------
// GEMM: C (m×n, leading dimension ldc) = or += A (m×k) · B (k×n), BLIS-style: B is packed into kc×NR micro-panels
// (L1-resident during a column sweep), A into MR×kc micro-panels; packing also converts f16/bf16 to f32, so the
// micro-kernel only ever sees f32. Operands are strided views, which covers Q·Cᵀ, G·T and Gᵀ·A without copies.
// ---------------------------------------------------------------------------------------------------------------
constexpr int64_t KC = 256;   // depth of a packed panel
constexpr int64_t MC = MR * 12;  // rows of A packed at once (L2)
constexpr int64_t NC = 2048;  // columns of B packed at once (L3)

struct Operand {
  const void *ptr;
  ak_dtype dtype;
  int64_t rs;  // element stride between rows
  int64_t cs;  // element stride between columns (rs or cs must be 1)
};

// Packs rows [i0, i0+mc) × depth [p0, p0+kc) of A into MR-row micro-panels: Ap[strip][p][r], zero-padded.
void pack_a(const Operand &A, int64_t i0, int64_t mc, int64_t p0, int64_t kc, float *Ap, float *line) {
  for (int64_t is = 0; is < mc; is += MR) {
    const int64_t mr = std::min<int64_t>(MR, mc - is);
    float *dst = Ap + is * kc;
    if (A.cs == 1 && A.dtype == AK_F32) {  // rows contiguous along depth: interleave straight from the rows
      for (int64_t r = 0; r < mr; ++r) {
        const float *row = static_cast<const float *>(A.ptr) + (i0 + is + r) * A.rs + p0;
        for (int64_t p = 0; p < kc; ++p) dst[p * MR + r] = row[p];
      }
    } else if (A.cs == 1) {  // the same for 16-bit rows, converted a row at a time first
      for (int64_t r = 0; r < mr; ++r) {
        to_f32(A.ptr, A.dtype, (i0 + is + r) * A.rs + p0, kc, line);
        for (int64_t p = 0; p < kc; ++p) dst[p * MR + r] = line[p];
      }
    } else if (A.dtype == AK_F32 && mr == MR) {  // columns contiguous (a transposed view), a full panel: fixed copies
      const float *col = static_cast<const float *>(A.ptr) + p0 * A.cs + (i0 + is);
      for (int64_t p = 0; p < kc; ++p) std::memcpy(dst + p * MR, col + p * A.cs, MR * sizeof(float));
    } else {  // columns contiguous: each depth step is MR consecutive elements
      for (int64_t p = 0; p < kc; ++p) to_f32(A.ptr, A.dtype, (p0 + p) * A.cs + (i0 + is), mr, dst + p * MR);
    }
    if (mr < MR)
      for (int64_t p = 0; p < kc; ++p)
        for (int64_t r = mr; r < MR; ++r) dst[p * MR + r] = 0.f;
  }
}

#if defined(__AVX2__)
// dst[i·ld + c] = r[c][i] for c, i < 8: an 8×8 transpose of registers (unpack, shuffle, swap 128-bit halves).
inline void transpose8x8(const __m256 (&r)[8], float *dst, int64_t ld) {
  __m256 t[8], u[8];
  for (int c = 0; c < 8; c += 2) t[c] = _mm256_unpacklo_ps(r[c], r[c + 1]), t[c + 1] = _mm256_unpackhi_ps(r[c], r[c + 1]);
  for (int c = 0; c < 8; c += 4) {
    u[c] = _mm256_shuffle_ps(t[c], t[c + 2], 0x44), u[c + 1] = _mm256_shuffle_ps(t[c], t[c + 2], 0xEE);
    u[c + 2] = _mm256_shuffle_ps(t[c + 1], t[c + 3], 0x44), u[c + 3] = _mm256_shuffle_ps(t[c + 1], t[c + 3], 0xEE);
  }
  for (int i = 0; i < 4; ++i) {
    _mm256_storeu_ps(dst + i * ld, _mm256_permute2f128_ps(u[i], u[i + 4], 0x20));
    _mm256_storeu_ps(dst + (i + 4) * ld, _mm256_permute2f128_ps(u[i], u[i + 4], 0x31));
  }
}

// Eight consecutive elements of a column as f32 (exact for f16 and bf16).
inline __m256 load8(const float *p) { return _mm256_loadu_ps(p); }
inline __m256 load8(const uint16_t *p, ak_dtype t) {
  const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
  if (t == AK_F16) return _mm256_cvtph_ps(h);
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}
#endif

// Packs depth [p0, p0+kc) × columns [j0, j0+nc) of B into NR-column micro-panels: Bp[strip][p][c], zero-padded.
void pack_b(const Operand &B, int64_t p0, int64_t kc, int64_t j0, int64_t nc, float *Bp) {
  for (int64_t js = 0; js < nc; js += NR) {
    const int64_t nr = std::min<int64_t>(NR, nc - js);
    float *dst = Bp + js * kc;
    if (B.cs == 1) {  // rows of B contiguous: each depth step is NR consecutive elements
      for (int64_t p = 0; p < kc; ++p) to_f32(B.ptr, B.dtype, (p0 + p) * B.rs + (j0 + js), nr, dst + p * NR);
    } else if (B.dtype == AK_F32) {  // columns contiguous (B = Cᵀ of a row-major C): interleave straight
      const float *col[NR];
      for (int64_t c = 0; c < nr; ++c) col[c] = static_cast<const float *>(B.ptr) + (j0 + js + c) * B.cs + p0;
      int64_t p = 0;
#if defined(__AVX2__)
      if (nr == NR)  // 8×8 blocks first
        for (; p + 8 <= kc; p += 8)
          for (int64_t c = 0; c < NR; c += 8) {
            __m256 r[8];
            for (int i = 0; i < 8; ++i) r[i] = load8(col[c + i] + p);
            transpose8x8(r, dst + p * NR + c, NR);
          }
#endif
      for (int64_t c = 0; c < nr; ++c)
        for (int64_t q = p; q < kc; ++q) dst[q * NR + c] = col[c][q];
    } else {  // 16-bit columns (a corpus of f16 or bf16 rows): converted in the same 8×8 blocks
      const uint16_t *col[NR];
      for (int64_t c = 0; c < nr; ++c) col[c] = static_cast<const uint16_t *>(B.ptr) + (j0 + js + c) * B.cs + p0;
      int64_t p = 0;
#if defined(__AVX2__)
      if (nr == NR)
        for (; p + 8 <= kc; p += 8)
          for (int64_t c = 0; c < NR; c += 8) {
            __m256 r[8];
            for (int i = 0; i < 8; ++i) r[i] = load8(col[c + i] + p, B.dtype);
            transpose8x8(r, dst + p * NR + c, NR);
          }
#endif
      for (int64_t c = 0; c < nr; ++c)
        for (int64_t q = p; q < kc; ++q) dst[q * NR + c] = load_scalar(col[c], B.dtype, q);
    }
    if (nr < NR)
      for (int64_t p = 0; p < kc; ++p)
        for (int64_t c = nr; c < NR; ++c) dst[p * NR + c] = 0.f;
  }
}

// MR×NR tile of C (= or += ) A·Bp over depth kc; mr×nr of it are stored. A is a packed micro-panel
// (Ap[p·MR + r]) or, kDirect, f32 rows read in place (row r at A + r·lda; rows past mr re-read row 0, whose results
// are dropped): the same products in the same order either way.
template <bool kDirect>
inline void micro_kernel(int64_t kc, const float *__restrict A, int64_t lda, const float *__restrict Bp, float *C,
                         int64_t ldc, int64_t mr, int64_t nr, bool accumulate) {
  // The tile of C is stored (and read when accumulating) at the end: start fetching it now, since a tall C is long
  // out of cache by then.
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) __builtin_prefetch(C + r * ldc, 1), __builtin_prefetch(C + r * ldc + NR - 1, 1);
  vf c0[MR], c1[MR];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) c0[r] = c1[r] = vf{};
  if constexpr (kDirect) {
    const float *a[MR];
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) a[r] = A + (r < mr ? r : 0) * lda;
    for (int64_t p = 0; p < kc; ++p) {
      const vf b0 = load(Bp + p * NR), b1 = load(Bp + p * NR + VW);
#pragma GCC unroll 16
      for (int r = 0; r < MR; ++r) {
        const vf av = splat(a[r][p]);
        c0[r] += av * b0;
        c1[r] += av * b1;
      }
    }
  } else {
    for (int64_t p = 0; p < kc; ++p) {
      const vf b0 = load(Bp + p * NR), b1 = load(Bp + p * NR + VW);
#pragma GCC unroll 16
      for (int r = 0; r < MR; ++r) {
        const vf av = splat(A[p * MR + r]);
        c0[r] += av * b0;
        c1[r] += av * b1;
      }
    }
  }
  if (mr == MR && nr == NR) {
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      float *row = C + r * ldc;
      if (accumulate) {
        store(row, load(row) + c0[r]);
        store(row + VW, load(row + VW) + c1[r]);
      } else {
        store(row, c0[r]);
        store(row + VW, c1[r]);
      }
    }
    return;
  }
  alignas(64) float tile[MR * NR];
  for (int r = 0; r < MR; ++r) {
    store(tile + r * NR, c0[r]);
    store(tile + r * NR + VW, c1[r]);
  }
  for (int64_t r = 0; r < mr; ++r)
    for (int64_t c = 0; c < nr; ++c) C[r * ldc + c] = (accumulate ? C[r * ldc + c] : 0.f) + tile[r * NR + c];
}

// C[0..mc)×[0..nc) (=|+=) A block (mc×kc: packed micro-panels, or kDirect f32 rows lda apart) · packed B panel
// (kc×nc), whose NR-column strips lie b_stride floats apart (kc·NR for a panel packed on its own, more for strips
// packed over a longer depth).
template <bool kDirect>
void macro_kernel(int64_t mc, int64_t nc, int64_t kc, const float *A, int64_t lda, const float *Bp, int64_t b_stride,
                  float *C, int64_t ldc, bool accumulate) {
  for (int64_t js = 0; js < nc; js += NR) {
    const int64_t nr = std::min<int64_t>(NR, nc - js);
    const float *strip = Bp + js / NR * b_stride;
    for (int64_t is = 0; is < mc; is += MR) {
      const int64_t mr = std::min<int64_t>(MR, mc - is);
      micro_kernel<kDirect>(kc, A + is * (kDirect ? lda : kc), lda, strip, C + is * ldc + js, ldc, mr, nr, accumulate);
    }
  }
}

// C (=|+=) rows [ic, ic+mc) × depth [pc, pc+kc) of A · packed B: f32 rows contiguous along the depth are read in
// place (packing them would only transpose), anything else is packed into ws.a first.
void a_block_times(const Operand &A, int64_t ic, int64_t mc, int64_t pc, int64_t kc, int64_t nc, const float *Bp,
                   int64_t b_stride, float *C, int64_t ldc, bool accumulate, float *Ap, float *line) {
  if (A.dtype == AK_F32 && A.cs == 1) {
    const float *a = static_cast<const float *>(A.ptr) + ic * A.rs + pc;
    macro_kernel<true>(mc, nc, kc, a, A.rs, Bp, b_stride, C, ldc, accumulate);
  } else {
    pack_a(A, ic, mc, pc, kc, Ap, line);
    macro_kernel<false>(mc, nc, kc, Ap, kc, Bp, b_stride, C, ldc, accumulate);
  }
}

inline int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// Per-thread packing buffers: views into one block, owned here (init) or by the caller (attach: gemm_f32_serial).
struct GemmWorkspace {
  float *a = nullptr, *b = nullptr, *line = nullptr;
  Buffer<float> own;
  // Floats needed for products of up to b_cols columns.
  static int64_t floats(int64_t b_cols) {
    return MC * KC + KC * round_up(std::min(b_cols, NC), NR) + std::max<int64_t>(KC, MC);
  }
  void attach(float *p, int64_t b_cols) {
    a = p;
    b = a + MC * KC;
    line = b + KC * round_up(std::min(b_cols, NC), NR);
  }
  bool init(int64_t b_cols = NC) {
    if (!own.allocate(floats(b_cols))) return false;
    attach(own.data(), b_cols);
    return true;
  }
};

// Single-threaded C = / += A·B for an m×n block.
void gemm(int64_t m, int64_t n, int64_t k, const Operand &A, const Operand &B, float *C, int64_t ldc, bool accumulate,
          GemmWorkspace &ws) {
  for (int64_t jc = 0; jc < n; jc += NC) {
    const int64_t nc = std::min(NC, n - jc);
    for (int64_t pc = 0; pc < k; pc += KC) {
      const int64_t kc = std::min(KC, k - pc);
      pack_b(B, pc, kc, jc, nc, ws.b);
      for (int64_t ic = 0; ic < m; ic += MC) {
        const int64_t mc = std::min(MC, m - ic);
        a_block_times(A, ic, mc, pc, kc, nc, ws.b, kc * NR, C + ic * ldc + jc, ldc, accumulate || pc > 0, ws.a,
                      ws.line);
      }
    }
  }
}

// B (k×n) packed once into NR-column strips that span the whole depth: strip s is B[0..k)[s·NR, s·NR+NR) as k×NR,
// at Bp + s·NR·k. Operands used many times (the text side of Hybrid-NCE) are packed this way once, not per stripe.
struct PackedB {
  Buffer<float> data;
  int64_t k = 0;
  bool pack(const Operand &B, int64_t depth, int64_t n, int threads) {
    k = depth;
    if (!data.allocate(round_up(n, NR) * k)) return false;
    const int64_t strips = (n + NR - 1) / NR;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t s = 0; s < strips; ++s) pack_b(B, 0, k, s * NR, std::min<int64_t>(NR, n - s * NR), data.data() + s * NR * k);
    return true;
  }
  // The strips from column j (a multiple of NR) on.
  const float *from_column(int64_t j) const { return data.data() + j * k; }
  int64_t strip_stride() const { return NR * k; }
};

// Single-threaded C = / += A·B for an m×n block whose B is already packed in full-depth strips.
void gemm_packed_b(int64_t m, int64_t n, int64_t k, const Operand &A, const float *Bp, int64_t b_stride, float *C,
                   int64_t ldc, bool accumulate, GemmWorkspace &ws) {
  for (int64_t pc = 0; pc < k; pc += KC) {
    const int64_t kc = std::min(KC, k - pc);
    for (int64_t ic = 0; ic < m; ic += MC) {
      const int64_t mc = std::min(MC, m - ic);
      a_block_times(A, ic, mc, pc, kc, n, Bp + pc * NR, b_stride, C + ic * ldc, ldc, accumulate || pc > 0, ws.a,
                    ws.line);
    }
  }
}

inline Operand rows_of(const void *p, ak_dtype t, int64_t cols) { return Operand{p, t, cols, 1}; }
inline Operand transposed_rows_of(const void *p, ak_dtype t, int64_t cols) { return Operand{p, t, 1, cols}; }
inline const void *elem_ptr(const void *p, ak_dtype t, int64_t offset) {
  return static_cast<const char *>(p) + offset * (t == AK_F32 ? 4 : 2);
}
inline const void *row_ptr(const void *p, ak_dtype t, int64_t row, int64_t cols) { return elem_ptr(p, t, row * cols); }

// ---------------------------------------------------------------------------------------------------------------
// Conversion and similarity
// ---------------------------------------------------------------------------------------------------------------
void convert(const void *src, ak_dtype st, void *dst, ak_dtype dt, int64_t count, int threads) {
  constexpr int64_t chunk = 4096;
  const int64_t chunks = (count + chunk - 1) / chunk;
#pragma omp parallel num_threads(threads) if (count > (1 << 18))
  {
    alignas(64) float tmp[chunk];
#pragma omp for schedule(static)
    for (int64_t c = 0; c < chunks; ++c) {
      const int64_t off = c * chunk, len = std::min(chunk, count - off);
      if (st == AK_F32) {
        from_f32(static_cast<const float *>(src) + off, len, static_cast<char *>(dst) + off * (dt == AK_F32 ? 4 : 2), dt);
      } else {
        to_f32(src, st, off, len, tmp);
        from_f32(tmp, len, static_cast<char *>(dst) + off * (dt == AK_F32 ? 4 : 2), dt);
      }
    }
  }
}

ak_status similarity(const void *Q, ak_dtype qt, const void *C, ak_dtype ct, int64_t q, int64_t n, int64_t d,
                     float *S, int threads) {
  bool ok = true;
  // Split the larger output dimension across threads; each element is computed by one thread, in a fixed
  // order, so results do not depend on the thread count.
  const bool split_cols = n >= q;
#pragma omp parallel num_threads(threads) reduction(&& : ok)
  {
    GemmWorkspace ws;
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    if (!ws.init()) {
      ok = false;
    } else if (split_cols) {
      const int64_t j0 = split_point(n, nt, t, NR), j1 = split_point(n, nt, t + 1, NR);
      if (j1 > j0)
        gemm(q, j1 - j0, d, rows_of(Q, qt, d), transposed_rows_of(row_ptr(C, ct, j0, d), ct, d), S + j0, n, false, ws);
    } else {
      const int64_t i0 = split_point(q, nt, t, MR), i1 = split_point(q, nt, t + 1, MR);
      if (i1 > i0)
        gemm(i1 - i0, n, d, rows_of(row_ptr(Q, qt, i0, d), qt, d), transposed_rows_of(C, ct, d), S + i0 * n, n,
             false, ws);
    }
  }
  return ok ? AK_OK : ak::fail(AK_ERR_OUT_OF_MEMORY, "similarity: out of memory for packing buffers");
}

// ---------------------------------------------------------------------------------------------------------------
// Fused search top-k. Each thread scans a contiguous range of corpus rows in chunks: a chunk's scores for a block
// of queries are computed into a small tile (GEMM, or dot products when there are only a few queries), and each
// query's candidates are selected straight from the tile against a running threshold — the q×n scores never exist.
// ---------------------------------------------------------------------------------------------------------------
struct Candidate {
  float score;
  int32_t id;
};
// The result order: higher score first, then lower row index; NaN ranks below every number (−∞ included).
inline bool better(const Candidate &a, const Candidate &b) {
  const bool a_nan = a.score != a.score, b_nan = b.score != b.score;
  if (a_nan || b_nan) return !a_nan || (b_nan && a.id < b.id);
  return a.score > b.score || (a.score == b.score && a.id < b.id);
}

// Running top-k of one query within one thread: an unsorted buffer of up to `cap` candidates; when it fills, it
// is cut back to the best k and the k-th score becomes the admission threshold. Rows arrive in increasing index
// order, so a later row that only ties the threshold ranks below it and is rejected.
struct Selector {
  Candidate *buf;
  int64_t count;
  int64_t k, cap;
  float theta;
  bool full;

  void compact() {
    std::nth_element(buf, buf + (k - 1), buf + count, better);
    count = k;
    theta = buf[k - 1].score;  // the worst kept score: everything before it ranks at least as high
    // A NaN among the best k means fewer than k numbers were seen: keep admitting every row.
    full = theta == theta;
  }
  inline void push(float s, int32_t id) {
    buf[count++] = Candidate{s, id};
    if (count == cap) compact();
  }
};

inline bool allowed(const uint8_t *allow, int64_t j) { return !allow || ((allow[j >> 3] >> (j & 7)) & 1); }

// Offers scores[0..len) (corpus rows j0..) to a selector.
void select_row(Selector &sel, const float *scores, int64_t len, int64_t j0, const uint8_t *allow) {
  int64_t j = 0;
  // Until the buffer first holds k numbers every allowed row is taken.
  for (; j < len && !sel.full; ++j)
    if (allowed(allow, j0 + j)) sel.push(scores[j], static_cast<int32_t>(j0 + j));
  for (; j < len && (j & (VW - 1)); ++j)
    if (scores[j] > sel.theta && allowed(allow, j0 + j)) sel.push(scores[j], static_cast<int32_t>(j0 + j));
  for (; j + VW <= len; j += VW) {
    unsigned m = greater_mask(load(scores + j), sel.theta);
    while (m) {
      const int lane = __builtin_ctz(m);
      m &= m - 1;
      const int64_t row = j0 + j + lane;
      // theta may have risen inside this vector: re-check.
      if (scores[j + lane] > sel.theta && allowed(allow, row)) sel.push(scores[j + lane], static_cast<int32_t>(row));
    }
  }
  for (; j < len; ++j)
    if (scores[j] > sel.theta && allowed(allow, j0 + j)) sel.push(scores[j], static_cast<int32_t>(j0 + j));
}

// Up to this many queries, dot products over the corpus rows as stored beat packing the corpus for the GEMM: the
// scan is bound by reading the corpus, which both do once (kernel_check --bench, search_f16_corpus).
constexpr int64_t kDirectQueries = 16;
constexpr int64_t kSearchChunk = 512;  // corpus rows per tile
constexpr int kRowBlock = 4;           // corpus rows made f32 at once (kRowBlock·d floats of L1)

// out[i·ldt + r] = q_i · c_r for NQ f32 queries and NR f32 rows (each d long, d apart): NQ·NR vector accumulators
// along the depth, then one horizontal sum each. Every (query, row) pair is summed in the same order whatever the
// tile shape, so a query's scores do not depend on the batch it came in.
template <int NQ, int NR>
inline void dot_tile(const float *__restrict q, const float *__restrict c, int64_t d, float *out, int64_t ldt) {
  const int64_t dv = d / VW * VW;
  vf acc[NQ][NR] = {};
  for (int64_t p = 0; p < dv; p += VW) {
    vf x[NQ];
    for (int i = 0; i < NQ; ++i) x[i] = load(q + i * d + p);
    for (int r = 0; r < NR; ++r) {
      const vf v = load(c + r * d + p);
      for (int i = 0; i < NQ; ++i) acc[i][r] += x[i] * v;
    }
  }
  for (int i = 0; i < NQ; ++i)
    for (int r = 0; r < NR; ++r) {
      float s = hsum(acc[i][r]);
      for (int64_t p = dv; p < d; ++p) s += q[i * d + p] * c[r * d + p];
      out[i * ldt + r] = s;
    }
}

// scores[qi·ldt + r] = Qf[qi] · C[j0 + r] for nq ≤ kDirectQueries f32 queries and rows r < rows. Corpus rows are
// made f32 kRowBlock at a time (read in place, or converted once into rowbuf) and dotted with two queries at a time.
void direct_scores(const float *Qf, int64_t nq, int64_t d, const void *C, ak_dtype ct, int64_t j0, int64_t rows,
                   float *rowbuf, float *scores, int64_t ldt) {
  for (int64_t r = 0; r < rows; r += kRowBlock) {
    const int64_t nr = std::min<int64_t>(kRowBlock, rows - r);
    const float *c = rowbuf;
    if (ct == AK_F32) c = static_cast<const float *>(C) + (j0 + r) * d;
    else to_f32(C, ct, (j0 + r) * d, nr * d, rowbuf);
    float *out = scores + r;
    if (nr == kRowBlock) {
      int64_t i = 0;
      for (; i + 3 <= nq; i += 3) dot_tile<3, kRowBlock>(Qf + i * d, c, d, out + i * ldt, ldt);
      if (i + 2 <= nq) dot_tile<2, kRowBlock>(Qf + i * d, c, d, out + i * ldt, ldt), i += 2;
      if (i < nq) dot_tile<1, kRowBlock>(Qf + i * d, c, d, out + i * ldt, ldt);
    } else {
      for (int64_t i = 0; i < nq; ++i)
        for (int64_t t = 0; t < nr; ++t) dot_tile<1, 1>(Qf + i * d, c + t * d, d, out + i * ldt + t, ldt);
    }
  }
}

ak_status search_topk(const void *Q, ak_dtype qt, const void *C, ak_dtype ct, int64_t q, int64_t n, int64_t d,
                      int64_t k, const uint8_t *allow, int64_t k_out, float *out_scores, int32_t *out_ids,
                      int threads) {
  const float neg_inf = -std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < q * k; ++i) out_scores[i] = neg_inf, out_ids[i] = -1;
  if (k_out == 0) return AK_OK;

  const bool direct = q <= kDirectQueries;
  const int64_t cap = k_out + std::max<int64_t>(k_out / 2, 32);
  const int nthreads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, (n + kSearchChunk - 1) / kSearchChunk)));

  // Queries in f32 for the dot-product path, or packed once into GEMM micro-panels (shared by all threads).
  Buffer<float> queries;
  const int64_t q_blocks = (q + MC - 1) / MC;
  if (!queries.allocate(direct ? q * d : q_blocks * MC * d))
    return ak::fail(AK_ERR_OUT_OF_MEMORY, "search: out of memory for %lld queries", static_cast<long long>(q));
  if (direct) {
    to_f32(Q, qt, 0, q * d, queries.data());
  } else {
    Buffer<float> line(KC);
    if (!line) return ak::fail(AK_ERR_OUT_OF_MEMORY, "search: out of memory");
    const Operand QA = rows_of(Q, qt, d);
    for (int64_t b = 0; b < q_blocks; ++b) {
      const int64_t i0 = b * MC, mb = std::min(MC, q - i0);
      for (int64_t pc = 0; pc < d; pc += KC)
        pack_a(QA, i0, mb, pc, std::min(KC, d - pc), queries.data() + b * MC * d + pc * MC, line.data());
    }
  }

  // Per-thread candidate buffers for every query.
  Buffer<Candidate> cand;
  if (!cand.allocate(static_cast<int64_t>(nthreads) * q * cap))
    return ak::fail(AK_ERR_OUT_OF_MEMORY, "search: out of memory for %lld×%lld candidates", static_cast<long long>(q),
                    static_cast<long long>(cap));
  Buffer<int64_t> counts(static_cast<int64_t>(nthreads) * q);
  if (!counts) return ak::fail(AK_ERR_OUT_OF_MEMORY, "search: out of memory");

  bool ok = true;
#pragma omp parallel num_threads(nthreads) reduction(&& : ok)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t tile_rows = direct ? q : std::min(MC, q);
    Buffer<float> tile(tile_rows * kSearchChunk);
    Buffer<float> chunk_f32;  // direct: kRowBlock rows made f32; GEMM: the chunk packed into micro-panels
    Buffer<Selector> sel(q);
    chunk_f32.allocate(direct ? kRowBlock * d : d * kSearchChunk);  // kSearchChunk is a multiple of NR
    if (!tile || !sel || !chunk_f32) {
      ok = false;
    } else {
      for (int64_t i = 0; i < q; ++i)
        sel.data()[i] = Selector{cand.data() + (static_cast<int64_t>(t) * q + i) * cap, 0, k_out, cap, neg_inf, false};
      const int64_t r0 = split_point(n, nt, t, kSearchChunk), r1 = split_point(n, nt, t + 1, kSearchChunk);
      const Operand CT = transposed_rows_of(C, ct, d);
      for (int64_t j0 = r0; j0 < r1; j0 += kSearchChunk) {
        const int64_t rows = std::min(kSearchChunk, r1 - j0);
        if (direct) {
          direct_scores(queries.data(), q, d, C, ct, j0, rows, chunk_f32.data(), tile.data(), kSearchChunk);
          for (int64_t i = 0; i < q; ++i) select_row(sel.data()[i], tile.data() + i * kSearchChunk, rows, j0, allow);
          continue;
        }
        for (int64_t pc = 0; pc < d; pc += KC)
          pack_b(CT, pc, std::min(KC, d - pc), j0, rows, chunk_f32.data() + pc * kSearchChunk);
        for (int64_t b = 0; b < q_blocks; ++b) {
          const int64_t i0 = b * MC, mb = std::min(MC, q - i0);
          for (int64_t pc = 0; pc < d; pc += KC) {
            const int64_t kc = std::min(KC, d - pc);
            macro_kernel<false>(mb, rows, kc, queries.data() + b * MC * d + pc * MC, kc,
                                chunk_f32.data() + pc * kSearchChunk, kc * NR, tile.data(), kSearchChunk, pc > 0);
          }
          for (int64_t i = 0; i < mb; ++i) select_row(sel.data()[i0 + i], tile.data() + i * kSearchChunk, rows, j0, allow);
        }
      }
      for (int64_t i = 0; i < q; ++i) counts.data()[static_cast<int64_t>(t) * q + i] = sel.data()[i].count;
    }
  }
  if (!ok) return ak::fail(AK_ERR_OUT_OF_MEMORY, "search: out of memory for per-thread tiles");

  // Merge the threads' candidates per query: gather, keep the best k_out, sort.
#pragma omp parallel for num_threads(threads) schedule(dynamic, 4) if (q > 1)
  for (int64_t i = 0; i < q; ++i) {
    Candidate *first = cand.data() + i * cap;  // thread 0's buffer for query i receives the others
    int64_t total = counts.data()[i];
    for (int t = 1; t < nthreads; ++t) {
      const Candidate *src = cand.data() + (static_cast<int64_t>(t) * q + i) * cap;
      for (int64_t c = 0; c < counts.data()[static_cast<int64_t>(t) * q + i]; ++c) {
        if (total == cap) {  // cut back to the best k_out to make room
          std::nth_element(first, first + (k_out - 1), first + total, better);
          total = k_out;
        }
        first[total++] = src[c];
      }
    }
    const int64_t keep = std::min(k_out, total);
    std::partial_sort(first, first + keep, first + total, better);
    for (int64_t r = 0; r < keep; ++r) out_scores[i * k + r] = first[r].score, out_ids[i * k + r] = first[r].id;
  }
  return AK_OK;
}

// ---------------------------------------------------------------------------------------------------------------
// Hybrid-NCE. For one direction, row r of the logit matrix is z_rj = s_rj/τ over the B columns; its statistics are
//   log P = log Σ_{Pos} c_j e^{z_j},  log X = log Σ_N e^{(1+β)z_j},  log Y = log Σ_N e^{βz_j},
//   log Q = log|N| + log X − log Y,   log D = log(αP + Q),   L_r = log D − log P,   q̃ = Q/D (= 1 − αP/D)
// and the loss gradient with respect to z_rj is
//   Pos: −q̃ c_j e^{z_j − log P};   N: q̃ [(1+β) e^{(1+β)z_j − log X} − β e^{βz_j − log Y}]  (detached: q̃ e^{(1+β)z_j − log X}).
// Rows are processed in stripes: the stripe's logits are computed by GEMM, turned into gradient coefficients G in
// place, and G·C and Gᵀ·R are accumulated — the B×B matrix is never stored, only a stripe of it.
// ---------------------------------------------------------------------------------------------------------------
struct RowStats {
  float log_p, log_x, log_y, coef;  // coef = q̃
  double loss;
};

struct NceSetup {
  float inv_tau, alpha, beta, lambda;
  bool detach;
  const int32_t *groups;
  int64_t B;
};

// Mask of lanes j..j+VW that are positives of row r (group ids of those lanes at groups_j, NULL = no groups).
inline vi positive_mask(int64_t r, int32_t gr, int64_t j, const int32_t *groups_j, const vi &lane) {
  vi m = (lane + splat_i(static_cast<int32_t>(j))) == splat_i(static_cast<int32_t>(r));
  if (gr >= 0) m |= load_i(groups_j) == splat_i(gr);
  return m;
}
inline bool is_positive(const NceSetup &s, int64_t r, int32_t gr, int64_t j) {
  return j == r || (gr >= 0 && s.groups[j] == gr);
}

// Statistics of row r (raw similarities `srow`, B of them).
RowStats row_stats(const NceSetup &s, const float *srow, int64_t r) {
  const int64_t B = s.B, Bv = B / VW * VW;
  const int32_t gr = s.groups ? s.groups[r] : -1;
  const vi lane = iota();
  const float ninf = -std::numeric_limits<float>::infinity();
  // Pass 1: maxima of the positive and negative sets (separately, so neither sum can underflow to zero).
  vf mp = splat(ninf), mn = splat(ninf);
  vi nneg{};
  for (int64_t j = 0; j < Bv; j += VW) {
    const vf z = load(srow + j) * splat(s.inv_tau);
    const vi pos = positive_mask(r, gr, j, s.groups ? s.groups + j : nullptr, lane);
    mp = vmax(mp, select(pos, z, splat(ninf)));
    mn = vmax(mn, select(pos, splat(ninf), z));
    nneg += ~pos & 1;
  }
  float max_p = hmax(mp), max_n = hmax(mn);
  int64_t n_neg = 0;
  for (int i = 0; i < VW; ++i) n_neg += nneg[i];
  for (int64_t j = Bv; j < B; ++j) {
    const float z = srow[j] * s.inv_tau;
    if (is_positive(s, r, gr, j)) max_p = std::max(max_p, z);
    else max_n = std::max(max_n, z), ++n_neg;
  }
  // Pass 2: the three sums, shifted by their maxima.
  const float b1 = 1.f + s.beta;
  vf sp{}, sx{}, sy{};
  const vf vmaxp = splat(max_p), vmaxn = splat(n_neg ? max_n : 0.f);
  for (int64_t j = 0; j < Bv; j += VW) {
    const vf z = load(srow + j) * splat(s.inv_tau);
    const vi pos = positive_mask(r, gr, j, s.groups ? s.groups + j : nullptr, lane);
    if (any_lane(pos)) {  // positives are rare (the diagonal and group mates): skip their exp elsewhere
      const vf weight = select((lane + splat_i(static_cast<int32_t>(j))) == splat_i(static_cast<int32_t>(r)), splat(1.f), splat(s.lambda));
      sp += select(pos, vexp(z - vmaxp) * weight, vf{});
    }
    const vf dz = z - vmaxn;
    sx += select(pos, vf{}, vexp(dz * splat(b1)));
    sy += select(pos, vf{}, vexp(dz * splat(s.beta)));
  }
  double sum_p = hsum(sp), sum_x = hsum(sx), sum_y = hsum(sy);
  for (int64_t j = Bv; j < B; ++j) {
    const float z = srow[j] * s.inv_tau;
    if (is_positive(s, r, gr, j)) sum_p += (j == r ? 1.0 : s.lambda) * std::exp(static_cast<double>(z - max_p));
    else sum_x += std::exp(static_cast<double>(b1 * (z - max_n))), sum_y += std::exp(static_cast<double>(s.beta * (z - max_n)));
  }
  RowStats st;
  const double log_p = max_p + std::log(sum_p);
  double log_q = -std::numeric_limits<double>::infinity();
  if (n_neg > 0) {
    st.log_x = static_cast<float>(b1 * max_n + std::log(sum_x));
    st.log_y = static_cast<float>(s.beta * max_n + std::log(sum_y));
    log_q = std::log(static_cast<double>(n_neg)) + (b1 * max_n + std::log(sum_x)) - (s.beta * max_n + std::log(sum_y));
  } else {
    st.log_x = st.log_y = 0.f;
  }
  const double log_ap = s.alpha > 0 ? std::log(static_cast<double>(s.alpha)) + log_p : -std::numeric_limits<double>::infinity();
  const double hi = std::max(log_ap, log_q);
  const double log_d = hi + std::log(std::exp(log_ap - hi) + std::exp(log_q - hi));
  st.log_p = static_cast<float>(log_p);
  st.loss = log_d - log_p;
  st.coef = static_cast<float>(std::exp(log_q - log_d));
  return st;
}

// Row statistics of the transposed direction, by column, as arrays so the gradient loop can load them as vectors.
struct ColumnStats {
  Buffer<float> log_p, log_x, log_y, coef;
  bool allocate(int64_t B) { return log_p.allocate(B) && log_x.allocate(B) && log_y.allocate(B) && coef.allocate(B); }
  void set(int64_t j, const RowStats &st) {
    log_p.data()[j] = st.log_p, log_x.data()[j] = st.log_x, log_y.data()[j] = st.log_y, coef.data()[j] = st.coef;
  }
};

// dL/dz for a vector of elements sharing statistics (log_p, log_x, log_y, coef may be per-lane).
inline vf grad_lanes(const NceSetup &s, vf z, vi pos, vf weight, vf log_p, vf log_x, vf log_y, vf coef) {
  vf gn = vexp(z * splat(1.f + s.beta) - log_x);
  if (!s.detach && s.beta != 0.f) gn = splat(1.f + s.beta) * gn - splat(s.beta) * vexp(z * splat(s.beta) - log_y);
  if (!any_lane(pos)) return coef * gn;
  return select(pos, -coef * weight * vexp(z - log_p), coef * gn);
}

// Turns row r of raw similarities into (scale/τ) · dL_r/dz in place; with `cols` (statistics of the transposed
// direction by column) it adds that direction's gradient for the same elements: element (r, j) is element (j, r)
// there, and positives are symmetric (same group or the diagonal).
void row_gradient(const NceSetup &s, float *srow, int64_t r, const RowStats &st, float scale, const ColumnStats *cols,
                  float col_scale) {
  const int64_t B = s.B;
  const int32_t gr = s.groups ? s.groups[r] : -1;
  const vi lane = iota();
  const vf fs = splat(scale * s.inv_tau), fc = splat(col_scale * s.inv_tau);
  const vf log_p = splat(st.log_p), log_x = splat(st.log_x), log_y = splat(st.log_y), coef = splat(st.coef);
  alignas(64) float tail[VW];
  alignas(64) int32_t tail_groups[VW];
  for (int64_t j = 0; j < B; j += VW) {
    const int64_t len = std::min<int64_t>(VW, B - j);
    float *dst = srow + j;
    const int32_t *groups_j = s.groups ? s.groups + j : nullptr;
    if (len < VW) {  // pad the tail into a full vector; padded lanes are never stored
      std::memcpy(tail, dst, len * 4);
      for (int64_t i = len; i < VW; ++i) tail[i] = 0.f;
      if (groups_j) {
        std::memcpy(tail_groups, groups_j, len * 4);
        for (int64_t i = len; i < VW; ++i) tail_groups[i] = -1;
        groups_j = tail_groups;
      }
      dst = tail;
    }
    const vf z = load(dst) * splat(s.inv_tau);
    const vi diag = (lane + splat_i(static_cast<int32_t>(j))) == splat_i(static_cast<int32_t>(r));
    const vi pos = positive_mask(r, gr, j, groups_j, lane);
    const vf weight = select(diag, splat(1.f), splat(s.lambda));
    vf g = fs * grad_lanes(s, z, pos, weight, log_p, log_x, log_y, coef);
    if (cols) {
      vf cp, cx, cy, cc;
      for (int i = 0; i < VW; ++i) {
        const int64_t c = std::min(j + i, B - 1);
        cp[i] = cols->log_p.data()[c], cx[i] = cols->log_x.data()[c], cy[i] = cols->log_y.data()[c], cc[i] = cols->coef.data()[c];
      }
      g += fc * grad_lanes(s, z, pos, weight, cp, cx, cy, cc);
    }
    store(dst, g);
    if (len < VW) std::memcpy(srow + j, tail, len * 4);
  }
}

// Rows of the logit stripe per pass: bounded so the stripe stays ≤ 4M floats (16 MiB) whatever B is.
inline int64_t stripe_rows(int64_t B) {
  return std::max<int64_t>(MR, std::min<int64_t>(256, (int64_t{1} << 22) / std::max<int64_t>(B, 1) / MR * MR));
}

// Loss (and, with dR/dC, gradients) of one direction whose rows are R and columns C. With `cols` (the transposed
// direction's row statistics) the gradient of that direction is folded in with weight col_scale.
bool nce_direction(const NceSetup &s, const void *R, const void *C, ak_dtype dt, int64_t d, float scale,
                   const ColumnStats *cols, float col_scale, float *dR, float *dC, ColumnStats *stats_out,
                   double *loss_sum, int threads) {
  const int64_t B = s.B, bm = std::min(B, stripe_rows(B));
  const bool grad = dR != nullptr;
  Buffer<float> stripe(bm * B);
  // C is the B operand of two products in every stripe, Cᵀ for the logits and C for G·C: pack both layouts once.
  PackedB c_t, c_rows;
  if (!stripe || !c_t.pack(transposed_rows_of(C, dt, d), d, B, threads) ||
      (grad && !c_rows.pack(rows_of(C, dt, d), B, d, threads)))
    return false;
  double total = 0.0;
  bool ok = true;
#pragma omp parallel num_threads(threads) reduction(&& : ok) reduction(+ : total)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    GemmWorkspace ws;
    ok = ws.init();
    for (int64_t i0 = 0; i0 < B; i0 += bm) {
      const int64_t rows = std::min(bm, B - i0);
      // Logits of the stripe: threads take disjoint column ranges.
      if (ok) {
        const int64_t j0 = split_point(B, nt, t, NR), j1 = split_point(B, nt, t + 1, NR);
        if (j1 > j0)
          gemm_packed_b(rows, j1 - j0, d, rows_of(row_ptr(R, dt, i0, d), dt, d), c_t.from_column(j0),
                        c_t.strip_stride(), stripe.data() + j0, B, false, ws);
      }
#pragma omp barrier
#pragma omp for schedule(static)
      for (int64_t r = 0; r < rows; ++r) {
        float *srow = stripe.data() + r * B;
        const RowStats st = row_stats(s, srow, i0 + r);
        total += st.loss;
        if (stats_out) stats_out->set(i0 + r, st);
        if (grad) row_gradient(s, srow, i0 + r, st, scale, cols, col_scale);
      }
      if (grad && ok) {
        // dR[stripe] = G · C (threads split the d output columns); dC (+)= Gᵀ · R[stripe] (threads split C's rows).
        const int64_t c0 = split_point(d, nt, t, NR), c1 = split_point(d, nt, t + 1, NR);
        if (c1 > c0)
          gemm_packed_b(rows, c1 - c0, B, rows_of(stripe.data(), AK_F32, B), c_rows.from_column(c0),
                        c_rows.strip_stride(), dR + i0 * d + c0, d, false, ws);
        const int64_t b0 = split_point(B, nt, t, MR), b1 = split_point(B, nt, t + 1, MR);
        if (b1 > b0)
          gemm(b1 - b0, d, rows, transposed_rows_of(stripe.data() + b0, AK_F32, B), rows_of(row_ptr(R, dt, i0, d), dt, d),
               dC + b0 * d, d, i0 > 0, ws);
      }
#pragma omp barrier
    }
  }
  *loss_sum = total;
  return ok;
}

ak_status hybrid_nce(const void *A, const void *T, ak_dtype dt, int64_t B, int64_t d, const int32_t *groups,
                     const ak_nce_params &p, float *loss, float *dA, float *dT, int threads) {
  const NceSetup s{1.f / p.tau, p.alpha, p.beta, p.lambda, p.detach_weights != 0, groups, B};
  const float inv_b = 1.f / static_cast<float>(B);
  double sum = 0.0;
  bool ok = true;
  switch (p.direction) {
    case AK_NCE_A2T:
      ok = nce_direction(s, A, T, dt, d, inv_b, nullptr, 0.f, dA, dT, nullptr, &sum, threads);
      *loss = static_cast<float>(sum / B);
      break;
    case AK_NCE_T2A:
      ok = nce_direction(s, T, A, dt, d, inv_b, nullptr, 0.f, dT, dA, nullptr, &sum, threads);
      *loss = static_cast<float>(sum / B);
      break;
    default: {  // both: statistics of the t2a rows first, then one a2t sweep that carries both gradients
      ColumnStats cols;
      if (!cols.allocate(B)) return ak::fail(AK_ERR_OUT_OF_MEMORY, "hybrid_nce: out of memory");
      double sum_t2a = 0.0;
      ok = nce_direction(s, T, A, dt, d, 0.f, nullptr, 0.f, nullptr, nullptr, &cols, &sum_t2a, threads) &&
           nce_direction(s, A, T, dt, d, 0.5f * inv_b, &cols, 0.5f * inv_b, dA, dT, nullptr, &sum, threads);
      *loss = static_cast<float>(0.5 * (sum + sum_t2a) / B);
    }
  }
  return ok ? AK_OK : ak::fail(AK_ERR_OUT_OF_MEMORY, "hybrid_nce: out of memory for a %lld-row stripe", static_cast<long long>(B));
}

// ---------------------------------------------------------------------------------------------------------------
// Plain f32 GEMM on strided operands (the training engine's linear layers): C is cut into a grid of blocks, one per
// thread, each computed by the single-threaded blocked gemm with the thread's own packing buffers.
// ---------------------------------------------------------------------------------------------------------------
constexpr double kGemmFmaPerThread = 1 << 17;  // below this much work per thread, fewer threads are faster

// The tr × tc grid of C blocks (rows cut at multiples of MR, columns at multiples of NR) that minimises one thread's
// cost: its multiply-adds plus the packing of its rows of A and columns of B (a packed element costs about as much
// as 2·VW multiply-adds, i.e. one vector FMA pair). A tall C is cut by rows, a wide one by columns, a square one both.
void gemm_grid(int64_t m, int64_t n, int64_t k, int threads, int *tr, int *tc) {
  const int64_t mu = (m + MR - 1) / MR, nu = (n + NR - 1) / NR;
  const double work = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  const int nt = static_cast<int>(std::max<double>(1.0, std::min<double>(threads, work / kGemmFmaPerThread)));
  double best = std::numeric_limits<double>::infinity();
  *tr = *tc = 1;
  for (int r = 1; r <= nt && r <= mu; ++r) {
    const int c = static_cast<int>(std::min<int64_t>(nt / r, nu));
    const double rows = static_cast<double>((mu + r - 1) / r * MR), cols = static_cast<double>((nu + c - 1) / c * NR);
    const double cost = rows * cols + 2.0 * VW * (rows + cols);
    if (cost < best) best = cost, *tr = r, *tc = c;
  }
}

// Naive fallback for a block when its packing buffers cannot be allocated.
void gemm_naive(int64_t m, int64_t n, int64_t k, const float *A, int64_t a_rs, int64_t a_cs, const float *B,
                int64_t b_rs, int64_t b_cs, float *C, int64_t ldc, bool accumulate) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      float sum = 0.f;
      for (int64_t p = 0; p < k; ++p) sum += A[i * a_rs + p * a_cs] * B[p * b_rs + j * b_cs];
      C[i * ldc + j] = (accumulate ? C[i * ldc + j] : 0.f) + sum;
    }
}

void gemm_f32(int64_t m, int64_t n, int64_t k, const float *A, int64_t a_rs, int64_t a_cs, const float *B,
              int64_t b_rs, int64_t b_cs, float *C, int64_t ldc, bool accumulate, int threads) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {  // an empty sum: C = 0, or unchanged when accumulating
    if (!accumulate)
      for (int64_t i = 0; i < m; ++i) std::memset(C + i * ldc, 0, static_cast<size_t>(n) * 4);
    return;
  }
  if (threads <= 0) threads = omp_get_max_threads();
  int tr, tc;
  gemm_grid(m, n, k, threads, &tr, &tc);
#pragma omp parallel num_threads(tr * tc) if (tr * tc > 1)
  {
    // Blocks are dealt round-robin, so a smaller team than asked for (nested parallelism) still covers them all.
    for (int blk = omp_get_thread_num(); blk < tr * tc; blk += omp_get_num_threads()) {
      const int64_t i0 = split_point(m, tr, blk / tc, MR), i1 = split_point(m, tr, blk / tc + 1, MR);
      const int64_t j0 = split_point(n, tc, blk % tc, NR), j1 = split_point(n, tc, blk % tc + 1, NR);
      if (i1 <= i0 || j1 <= j0) continue;
      const float *a = A + i0 * a_rs, *b = B + j0 * b_cs;
      float *c = C + i0 * ldc + j0;
      GemmWorkspace ws;
      if (ws.init(std::min(NC, j1 - j0)))
        gemm(i1 - i0, j1 - j0, k, Operand{a, AK_F32, a_rs, a_cs}, Operand{b, AK_F32, b_rs, b_cs}, c, ldc, accumulate,
             ws);
      else
        gemm_naive(i1 - i0, j1 - j0, k, a, a_rs, a_cs, b, b_rs, b_cs, c, ldc, accumulate);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The training engine's elementwise layers (SwiGLU, GELU, softmax numerators) on the calling thread, with the vector
// exp and erf; the engine splits the work into chunks. A partial vector at the end goes through the same vector
// code on a padded copy, so every element's result depends only on its inputs, never on where a chunk ends.
// ---------------------------------------------------------------------------------------------------------------
inline vf vsigmoid(vf g) { return splat(1.f) / (splat(1.f) + vexp(-g)); }

// f(x, y) on each vector of [0, count): x the kIn inputs, y the kOut outputs (loaded first: the backward
// functions accumulate; a null output is skipped), the partial last vector on zero-padded copies.
template <int kIn, int kOut, typename F>
inline void elementwise(int64_t count, const float *const (&in)[kIn], float *const (&out)[kOut], F &&f) {
  int64_t e = 0;
  for (; e + VW <= count; e += VW) {
    vf x[kIn], y[kOut];
    for (int i = 0; i < kIn; ++i) x[i] = in[i] ? load(in[i] + e) : vf{};
    for (int o = 0; o < kOut; ++o) y[o] = out[o] ? load(out[o] + e) : vf{};
    f(x, y);
    for (int o = 0; o < kOut; ++o)
      if (out[o]) store(out[o] + e, y[o]);
  }
  if (e == count) return;
  alignas(64) float tx[kIn][VW] = {}, ty[kOut][VW] = {};
  for (int i = 0; i < kIn; ++i)
    if (in[i]) std::memcpy(tx[i], in[i] + e, static_cast<size_t>(count - e) * 4);
  for (int o = 0; o < kOut; ++o)
    if (out[o]) std::memcpy(ty[o], out[o] + e, static_cast<size_t>(count - e) * 4);
  vf x[kIn], y[kOut];
  for (int i = 0; i < kIn; ++i) x[i] = load(tx[i]);
  for (int o = 0; o < kOut; ++o) y[o] = load(ty[o]);
  f(x, y);
  for (int o = 0; o < kOut; ++o) {
    store(ty[o], y[o]);
    if (out[o]) std::memcpy(out[o] + e, ty[o], static_cast<size_t>(count - e) * 4);
  }
}

// out = silu(gate) ⊙ up, silu(g) = g·σ(g).
void swiglu_f32(float *out, const float *gate, const float *up, int64_t count) {
  elementwise<2, 1>(count, {gate, up}, {out}, [](const vf *x, vf *y) { y[0] = x[0] * vsigmoid(x[0]) * x[1]; });
}

// dgate += dout ⊙ up ⊙ σ(g)(1 + g(1 − σ(g))), dup += dout ⊙ silu(g); either gradient may be null.
void swiglu_backward_f32(float *dgate, float *dup, const float *dout, const float *gate, const float *up,
                         int64_t count) {
  elementwise<3, 2>(count, {dout, gate, up}, {dgate, dup}, [](const vf *x, vf *y) {
    const vf g = x[1], sig = vsigmoid(g);
    y[0] += x[0] * x[2] * sig * (splat(1.f) + g * (splat(1.f) - sig));
    y[1] += x[0] * g * sig;
  });
}

// Exact GELU, 0.5·x·(1 + erf(x/√2)), with erf as a rational function (Eigen's float erf: odd degree-13 over even
// degree-8 polynomial on [−4, 4], ±1 outside): |error| ≤ 4.3e-7.
inline vf verf(vf x) {
  x = select(x < splat(-4.f), splat(-4.f), x);
  x = select(x > splat(4.f), splat(4.f), x);
  const vf x2 = x * x;
  vf p = x2 * splat(-2.72614225801306e-10f) + splat(2.77068142495902e-08f);
  p = x2 * p + splat(-2.10102402082508e-06f);
  p = x2 * p + splat(-5.69250639462346e-05f);
  p = x2 * p + splat(-7.34990630326855e-04f);
  p = x2 * p + splat(-2.95459980854025e-03f);
  p = x2 * p + splat(-1.60960333262415e-02f);
  vf q = x2 * splat(-1.45660718464996e-05f) + splat(-2.13374055278905e-04f);
  q = x2 * q + splat(-1.68282697438203e-03f);
  q = x2 * q + splat(-7.37332916720468e-03f);
  q = x2 * q + splat(-1.42647390514189e-02f);
  return x * p / q;
}

void gelu_f32(float *out, const float *x, int64_t count) {
  elementwise<1, 1>(count, {x}, {out}, [](const vf *in, vf *y) {
    y[0] = splat(0.5f) * in[0] * (splat(1.f) + verf(in[0] * splat(0.70710678118654752440f)));
  });
}

// dx += dout · (Φ(x) + x·φ(x)), Φ(x) = (1 + erf(x/√2))/2, φ(x) = e^(−x²/2)/√(2π).
void gelu_backward_f32(float *dx, const float *dout, const float *x, int64_t count) {
  elementwise<2, 1>(count, {dout, x}, {dx}, [](const vf *in, vf *y) {
    const vf xe = in[1];
    const vf cdf = splat(0.5f) * (splat(1.f) + verf(xe * splat(0.70710678118654752440f)));
    const vf pdf = splat(0.39894228040143267794f) * vexp(splat(-0.5f) * xe * xe);
    y[0] += in[0] * (cdf + xe * pdf);
  });
}

// x = e^(x·scale − shift) in place (attention's softmax numerators).
void scaled_exp_f32(float *x, int64_t count, float scale, float shift) {
  elementwise<1, 1>(count, {x}, {x}, [scale, shift](const vf *in, vf *y) { y[0] = vexp(in[0] * splat(scale) - splat(shift)); });
}

int64_t gemm_f32_workspace(int64_t n) { return GemmWorkspace::floats(std::max<int64_t>(n, 1)); }

// gemm_f32 on the calling thread, packing into the caller's workspace (no allocation, no parallel region).
void gemm_f32_serial(int64_t m, int64_t n, int64_t k, const float *A, int64_t a_rs, int64_t a_cs, const float *B,
                     int64_t b_rs, int64_t b_cs, float *C, int64_t ldc, bool accumulate, float *workspace) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate)
      for (int64_t i = 0; i < m; ++i) std::memset(C + i * ldc, 0, static_cast<size_t>(n) * 4);
    return;
  }
  GemmWorkspace ws;
  ws.attach(workspace, n);
  gemm(m, n, k, Operand{A, AK_F32, a_rs, a_cs}, Operand{B, AK_F32, b_rs, b_cs}, C, ldc, accumulate, ws);
}

}  // namespace

const KernelTable table = {AK_STRINGIFY(AK_ISA), convert,         similarity,         search_topk,
                           hybrid_nce,           gemm_f32,        gemm_f32_serial,    gemm_f32_workspace,
                           swiglu_f32,           swiglu_backward_f32, gelu_f32,         gelu_backward_f32,
                           scaled_exp_f32};

}  // namespace ak::cpu::AK_ISA
