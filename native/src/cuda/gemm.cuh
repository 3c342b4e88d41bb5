// Tiled matrix-product templates shared by similarity, search and Hybrid-NCE.
//
// Every product here is C[i][j] = sum_k A(i, k) * B(j, k) over an M x N output, computed one BM x BN tile per block
// and handed, as an f32 tile staged in shared memory, to an epilogue functor: the epilogue decides what happens to
// the scores (store them, filter top-k candidates, reduce Hybrid-NCE statistics, form the gradient). This is what
// keeps the q x n and B x B score matrices out of device memory.
//
// Two kernels:
//  * tc_gemm: tensor cores (mma.sync m16n8k16, f16 or bf16 operands, f32 accumulators), operands streamed with
//    cp.async through a STAGES-deep shared-memory ring. Products of two f16 (or two bf16) values are exact in f32,
//    so only the accumulation order differs from a scalar f32 loop.
//  * simt_gemm: plain f32 FMAs, for f32 or mixed-dtype inputs, which must keep full f32 accuracy (no TF32).
//
// Operands are described by loaders (below): "K-major" when the k index is contiguous in memory (rows of Q, C, A,
// T), "MN-major" when the row/column index is contiguous (a transposed view, used by the Hybrid-NCE backward
// products, optionally made of two halves along k so that [G_hi | G_lo] . [T ; T] can be one product).
#pragma once
#include <algorithm>

#include "cuda/cuda_common.cuh"

namespace ak::cuda {

// ---- operand descriptors ------------------------------------------------------------------------------------------

// Element (i, k) at ptr[i * ld + k]; rows i >= rows and columns k >= K read as zero.
struct KMajorOperand {
  const void *ptr;
  int64_t ld;
  int64_t rows;
  int64_t K;
  bool vec;  // 16-byte loads allowed: base 16-byte aligned and ld a multiple of 16 bytes
};

// Element (i, k): h = (k >= kh), r = k - h * kh, value (h ? ptr1 : ptr0)[r * ld + i]; zero when i >= cols,
// r >= kvalid or k >= ktotal.
struct MNMajorOperand {
  const void *ptr0;
  const void *ptr1;
  int64_t ld;
  int64_t cols;
  int64_t kh;
  int64_t kvalid;
  int64_t ktotal;
  bool vec;
};

// ---- PTX helpers -----------------------------------------------------------------------------------------------

__device__ __forceinline__ uint32_t smem_addr(const void *p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}
__device__ __forceinline__ void cp_async16(void *smem, const void *gmem) {
  // .cg: keep the streamed operand out of L1 (it is used once per block), cache in L2 where other blocks reuse it.
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(smem_addr(smem)), "l"(gmem));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N>
__device__ __forceinline__ void cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N));
}
__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], const void *p) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_addr(p)));
}
__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t (&r)[4], const void *p) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_addr(p)));
}
template <bool BF16>
__device__ __forceinline__ void mma_16816(float (&c)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
  if constexpr (BF16) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
        "{%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
  } else {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
        "{%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
  }
}

// ---- tensor-core tile loaders (16-bit elements into shared memory) ------------------------------------------------

// Shared-memory rows are padded by 8 elements (16 bytes): with that stride the 8 row addresses of one ldmatrix
// phase fall in distinct bank groups (row strides of 80, 144, 272 and 48 bytes all do), so fragment loads are free
// of bank conflicts without a swizzle.
constexpr int kTcPad = 8;

// Fills a ROWS x BK tile stored [row][BK + pad] from a K-major operand.
template <int ROWS, int BK, int NT>
__device__ __forceinline__ void tc_load_kmajor(unsigned short *s, const KMajorOperand &op, int64_t row0, int64_t k0,
                                               int tid) {
  constexpr int CPR = BK / 8;  // 16-byte chunks per row
  constexpr int LDS = BK + kTcPad;
  const unsigned short *g = static_cast<const unsigned short *>(op.ptr);
#pragma unroll
  for (int c = tid; c < ROWS * CPR; c += NT) {
    const int r = c / CPR;
    const int kc = (c % CPR) * 8;
    const int64_t gr = row0 + r;
    const int64_t gk = k0 + kc;
    unsigned short *dst = s + r * LDS + kc;
    if (gr < op.rows && op.vec && gk + 8 <= op.K) {
      cp_async16(dst, g + gr * op.ld + gk);
    } else {
      // Tail or unaligned rows (odd d, d not a multiple of 8): element loads with zero fill.
      unsigned short v[8];
#pragma unroll
      for (int e = 0; e < 8; ++e) v[e] = (gr < op.rows && gk + e < op.K) ? g[gr * op.ld + gk + e] : 0;
      uint4 w;
      w.x = v[0] | (static_cast<uint32_t>(v[1]) << 16);
      w.y = v[2] | (static_cast<uint32_t>(v[3]) << 16);
      w.z = v[4] | (static_cast<uint32_t>(v[5]) << 16);
      w.w = v[6] | (static_cast<uint32_t>(v[7]) << 16);
      *reinterpret_cast<uint4 *>(dst) = w;
    }
  }
}

// Fills a BK x COLS tile stored [k][COLS + pad] from an MN-major operand.
template <int COLS, int BK, int NT>
__device__ __forceinline__ void tc_load_mnmajor(unsigned short *s, const MNMajorOperand &op, int64_t col0,
                                                int64_t k0, int tid) {
  constexpr int CPR = COLS / 8;
  constexpr int LDS = COLS + kTcPad;
#pragma unroll
  for (int c = tid; c < BK * CPR; c += NT) {
    const int kr = c / CPR;
    const int ic = (c % CPR) * 8;
    const int64_t gk = k0 + kr;
    const bool hi = gk >= op.kh;
    const int64_t r = hi ? gk - op.kh : gk;
    const bool row_ok = gk < op.ktotal && r < op.kvalid;
    const unsigned short *g = static_cast<const unsigned short *>(hi ? op.ptr1 : op.ptr0) + r * op.ld;
    const int64_t gi = col0 + ic;
    unsigned short *dst = s + kr * LDS + ic;
    if (row_ok && op.vec && gi + 8 <= op.cols) {
      cp_async16(dst, g + gi);
    } else {
      unsigned short v[8];
#pragma unroll
      for (int e = 0; e < 8; ++e) v[e] = (row_ok && gi + e < op.cols) ? g[gi + e] : 0;
      uint4 w;
      w.x = v[0] | (static_cast<uint32_t>(v[1]) << 16);
      w.y = v[2] | (static_cast<uint32_t>(v[3]) << 16);
      w.z = v[4] | (static_cast<uint32_t>(v[5]) << 16);
      w.w = v[6] | (static_cast<uint32_t>(v[7]) << 16);
      *reinterpret_cast<uint4 *>(dst) = w;
    }
  }
}

template <class Op>
struct IsKMajor;
template <>
struct IsKMajor<KMajorOperand> {
  static constexpr bool value = true;
};
template <>
struct IsKMajor<MNMajorOperand> {
  static constexpr bool value = false;
};

// ---- tensor-core kernel -------------------------------------------------------------------------------------------

template <int BM_, int BN_, int BK_, int WM_, int WN_, int STAGES_, int MINB_>
struct TcCfg {
  static constexpr int BM = BM_, BN = BN_, BK = BK_, WM = WM_, WN = WN_, STAGES = STAGES_, MIN_BLOCKS = MINB_;
  static constexpr int NT = WM * WN * 32;
  static constexpr int WTM = BM / WM;  // warp tile
  static constexpr int WTN = BN / WN;
  static constexpr int MT = WTM / 16;  // m16 tiles per warp
  static constexpr int NTL = WTN / 8;  // n8 tiles per warp
  static constexpr int LDC = BN + 8;   // staged f32 tile stride: conflict-free float2 stores per half-warp
  static_assert(WTM % 16 == 0 && WTN % 16 == 0 && BK % 16 == 0, "tile shape");
  template <bool KM>
  __host__ __device__ static constexpr int a_stage() { return KM ? BM * (BK + kTcPad) : BK * (BM + kTcPad); }
  template <bool KM>
  __host__ __device__ static constexpr int b_stage() { return KM ? BN * (BK + kTcPad) : BK * (BN + kTcPad); }
  template <bool AK, bool BKM>
  __host__ __device__ static constexpr int smem_bytes() {
    constexpr int pipe = STAGES * (a_stage<AK>() + b_stage<BKM>()) * 2;
    constexpr int stage_c = BM * LDC * 4;
    return pipe > stage_c ? pipe : stage_c;
  }
};

// Output tile (tm, tn) of a linear block index. m_inner: consecutive blocks walk down M for one N tile, so they
// share that N tile of B through L2 (search: 8 query tiles read each corpus tile once from memory); otherwise they
// walk along N and share the A tile.
__device__ __forceinline__ void tile_coords(int64_t tiles_m, int64_t tiles_n, bool m_inner, int64_t &tm,
                                            int64_t &tn) {
  const int64_t t = blockIdx.x;
  if (m_inner) {
    tm = t % tiles_m;
    tn = t / tiles_m;
  } else {
    tn = t % tiles_n;
    tm = t / tiles_n;
  }
}

// Length of each K part when K is cut into `splits` parts of whole BK tiles (the last part may be shorter, and
// fewer parts may result: the grid uses ceil(K / length)).
inline int64_t split_length(int64_t K, int splits, int BK) {
  if (splits <= 1 || K <= BK) return K > 0 ? round_up(K, BK) : BK;
  return round_up(ceil_div(K, splits), BK);
}

template <class Cfg, bool BF16, class AOp, class BOp, class Epi>
__global__ void __launch_bounds__(Cfg::NT, Cfg::MIN_BLOCKS)
    tc_gemm_kernel(AOp a, BOp b, int64_t m_base, int64_t n_base, int64_t K, int64_t k_split, int64_t tiles_m,
                   int64_t tiles_n, bool m_inner, Epi epi) {
  constexpr int BM = Cfg::BM, BN = Cfg::BN, BK = Cfg::BK, STAGES = Cfg::STAGES, NT = Cfg::NT;
  constexpr bool AK = IsKMajor<AOp>::value;
  constexpr bool BKM = IsKMajor<BOp>::value;
  constexpr int A_STAGE = Cfg::template a_stage<AK>();
  constexpr int B_STAGE = Cfg::template b_stage<BKM>();
  extern __shared__ __align__(16) unsigned char smem_raw[];
  unsigned short *sA = reinterpret_cast<unsigned short *>(smem_raw);
  unsigned short *sB = sA + STAGES * A_STAGE;

  const int tid = threadIdx.x;
  const int lane = tid & 31;
  const int warp = tid >> 5;
  const int wm = warp / Cfg::WN;
  const int wn = warp % Cfg::WN;
  int64_t tm, tn;
  tile_coords(tiles_m, tiles_n, m_inner, tm, tn);
  const int64_t m0 = m_base + tm * BM;
  const int64_t n0 = n_base + tn * BN;
  // Split-K: block row y of the grid sums k in [y * k_split, (y + 1) * k_split); k_split is a multiple of BK, so a
  // k tile never reaches into the next split's range (the operands mask k >= K themselves).
  const int64_t k_begin = static_cast<int64_t>(blockIdx.y) * k_split;
  const int64_t k_end = k_begin + k_split < K ? k_begin + k_split : K;
  const int64_t KT = (k_end - k_begin + BK - 1) / BK;

  auto load_stage = [&](int stage, int64_t kt) {
    const int64_t k0 = k_begin + kt * BK;
    if constexpr (AK) {
      tc_load_kmajor<BM, BK, NT>(sA + stage * A_STAGE, a, m0, k0, tid);
    } else {
      tc_load_mnmajor<BM, BK, NT>(sA + stage * A_STAGE, a, m0, k0, tid);
    }
    if constexpr (BKM) {
      tc_load_kmajor<BN, BK, NT>(sB + stage * B_STAGE, b, n0, k0, tid);
    } else {
      tc_load_mnmajor<BN, BK, NT>(sB + stage * B_STAGE, b, n0, k0, tid);
    }
  };

  float acc[Cfg::MT][Cfg::NTL][4];
#pragma unroll
  for (int i = 0; i < Cfg::MT; ++i)
#pragma unroll
    for (int j = 0; j < Cfg::NTL; ++j)
#pragma unroll
      for (int e = 0; e < 4; ++e) acc[i][j][e] = 0.f;

  // Prologue: STAGES-1 tiles in flight. Every step commits one group (possibly empty) so that the wait count
  // below always refers to the right tile.
#pragma unroll
  for (int s = 0; s < STAGES - 1; ++s) {
    if (s < KT) load_stage(s, s);
    cp_async_commit();
  }

  for (int64_t kt = 0; kt < KT; ++kt) {
    cp_async_wait<STAGES - 2>();
    // After this barrier tile kt is in shared memory for every thread, and every warp is done with tile kt-1,
    // whose slot the load below reuses.
    __syncthreads();
    const int64_t nk = kt + STAGES - 1;
    if (nk < KT) load_stage(static_cast<int>(nk % STAGES), nk);
    cp_async_commit();

    const int stage = static_cast<int>(kt % STAGES);
    const unsigned short *As = sA + stage * A_STAGE;
    const unsigned short *Bs = sB + stage * B_STAGE;
#pragma unroll
    for (int ks = 0; ks < BK / 16; ++ks) {
      uint32_t af[Cfg::MT][4];
      uint32_t bf[Cfg::NTL][2];
#pragma unroll
      for (int mt = 0; mt < Cfg::MT; ++mt) {
        if constexpr (AK) {
          // Four 8x8 matrices: rows 0-7 / 8-15 at k 0-7, then at k 8-15 (lanes 0-15 rows, 16-31 the k+8 half).
          const int row = wm * Cfg::WTM + mt * 16 + (lane & 15);
          const int col = ks * 16 + (lane >> 4) * 8;
          ldmatrix_x4(af[mt], As + row * (BK + kTcPad) + col);
        } else {
          // Stored [k][m]: matrix q = lane/8 covers m half (q & 1) and k half (q >> 1); .trans gives row-major a.
          const int q = lane >> 3;
          const int k = ks * 16 + (q >> 1) * 8 + (lane & 7);
          const int m = wm * Cfg::WTM + mt * 16 + (q & 1) * 8;
          ldmatrix_x4_trans(af[mt], As + k * (BM + kTcPad) + m);
        }
      }
#pragma unroll
      for (int np = 0; np < Cfg::NTL / 2; ++np) {
        uint32_t r[4];
        if constexpr (BKM) {
          // Stored [n][k]: matrices (n 0-7, k 0-7), (n 0-7, k 8-15), (n 8-15, k 0-7), (n 8-15, k 8-15).
          const int n = wn * Cfg::WTN + np * 16 + (lane >> 4) * 8 + (lane & 7);
          const int k = ks * 16 + ((lane >> 3) & 1) * 8;
          ldmatrix_x4(r, Bs + n * (BK + kTcPad) + k);
        } else {
          // Stored [k][n]: same four matrices, transposed on load.
          const int q = lane >> 3;
          const int k = ks * 16 + (q & 1) * 8 + (lane & 7);
          const int n = wn * Cfg::WTN + np * 16 + (q >> 1) * 8;
          ldmatrix_x4_trans(r, Bs + k * (BN + kTcPad) + n);
        }
        bf[2 * np][0] = r[0];
        bf[2 * np][1] = r[1];
        bf[2 * np + 1][0] = r[2];
        bf[2 * np + 1][1] = r[3];
      }
#pragma unroll
      for (int mt = 0; mt < Cfg::MT; ++mt)
#pragma unroll
        for (int nt = 0; nt < Cfg::NTL; ++nt) mma_16816<BF16>(acc[mt][nt], af[mt], bf[nt]);
    }
  }
  cp_async_wait<0>();
  __syncthreads();  // the staged tile below overwrites the operand ring

  // Accumulator layout of m16n8: c0,c1 at (row g, cols 2t, 2t+1), c2,c3 at (row g+8, same cols).
  float *sC = reinterpret_cast<float *>(smem_raw);
  const int g = lane >> 2;
  const int t4 = lane & 3;
#pragma unroll
  for (int mt = 0; mt < Cfg::MT; ++mt)
#pragma unroll
    for (int nt = 0; nt < Cfg::NTL; ++nt) {
      const int row = wm * Cfg::WTM + mt * 16 + g;
      const int col = wn * Cfg::WTN + nt * 8 + 2 * t4;
      *reinterpret_cast<float2 *>(sC + row * Cfg::LDC + col) = make_float2(acc[mt][nt][0], acc[mt][nt][1]);
      *reinterpret_cast<float2 *>(sC + (row + 8) * Cfg::LDC + col) = make_float2(acc[mt][nt][2], acc[mt][nt][3]);
    }
  __syncthreads();
  epi.template run<BM, BN>(sC, Cfg::LDC, m0, n0);
}

// Launches tc_gemm over an M x N output whose tile origins start at (m_base, n_base). With splits > 1 the K range
// is cut into that many parts (blockIdx.y); the epilogue must then send each part to its own place.
template <class Cfg, bool BF16, class AOp, class BOp, class Epi>
ak_status launch_tc_gemm(const AOp &a, const BOp &b, int64_t m_base, int64_t M, int64_t n_base, int64_t N, int64_t K,
                         bool m_inner, const Epi &epi, const char *what, int splits = 1) {
  if (M <= 0 || N <= 0) return AK_OK;
  constexpr int smem = Cfg::template smem_bytes<IsKMajor<AOp>::value, IsKMajor<BOp>::value>();
  auto kernel = tc_gemm_kernel<Cfg, BF16, AOp, BOp, Epi>;
  // Above 48 KB a block's dynamic shared memory must be opted into (per function; cheap to repeat).
  AK_CUDA_TRY(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, smem));
  const int64_t tiles_m = ceil_div(M, Cfg::BM);
  const int64_t tiles_n = ceil_div(N, Cfg::BN);
  const int64_t blocks = tiles_m * tiles_n;
  if (blocks > 0x7fffffffLL) return ::ak::fail(AK_ERR_INVALID_ARGUMENT, "%s: too many tiles", what);
  const int64_t k_split = split_length(K, splits, Cfg::BK);
  const dim3 grid(static_cast<unsigned>(blocks), static_cast<unsigned>(std::max<int64_t>(1, ceil_div(K, k_split))));
  kernel<<<grid, Cfg::NT, smem>>>(a, b, m_base, n_base, K, k_split, tiles_m, tiles_n, m_inner, epi);
  AK_CUDA_LAUNCHED(what);
  return AK_OK;
}

// Tile shapes. Big: throughput shape for many queries / Hybrid-NCE (2 blocks of 108 KB per SM; k tiles of 64 halve
// the barriers per k — on an H200 that was 7 % faster than 32 with 4 stages, the best of the shapes swept in
// native/BENCHMARKS.md). Mid and Small: few queries, where the product is bound by reading the corpus; their job
// is to keep enough corpus bytes in flight, not to use the tensor cores well.
using TcBig = TcCfg<128, 128, 64, 2, 4, 3, 2>;
using TcMid = TcCfg<64, 128, 32, 2, 4, 4, 2>;
using TcSmall = TcCfg<16, 128, 64, 1, 4, 4, 2>;

// ---- SIMT f32 kernel ------------------------------------------------------------------------------------------------

constexpr int kSimtBK = 16;
constexpr int kSimtThreads = 256;

// Fills sA[k][i] (stride LDS) for i < ROWS, k < kSimtBK, converting to f32.
template <int E, int ROWS, int LDS>
__device__ __forceinline__ void simt_load_kmajor(float *s, const KMajorOperand &op, int64_t row0, int64_t k0,
                                                 int tid) {
#pragma unroll
  for (int c = tid; c < ROWS * kSimtBK; c += kSimtThreads) {
    const int k = c % kSimtBK;  // consecutive threads read consecutive k of a row
    const int i = c / kSimtBK;
    const int64_t gi = row0 + i, gk = k0 + k;
    s[k * LDS + i] = (gi < op.rows && gk < op.K) ? load_as_f32<E>(op.ptr, gi * op.ld + gk) : 0.f;
  }
}
template <int E, int COLS, int LDS>
__device__ __forceinline__ void simt_load_mnmajor(float *s, const MNMajorOperand &op, int64_t col0, int64_t k0,
                                                  int tid) {
#pragma unroll
  for (int c = tid; c < COLS * kSimtBK; c += kSimtThreads) {
    const int i = c % COLS;
    const int k = c / COLS;
    const int64_t gk = k0 + k;
    const bool hi = gk >= op.kh;
    const int64_t r = hi ? gk - op.kh : gk;
    const int64_t gi = col0 + i;
    float v = 0.f;
    if (gk < op.ktotal && r < op.kvalid && gi < op.cols) v = load_as_f32<E>(hi ? op.ptr1 : op.ptr0, r * op.ld + gi);
    s[k * LDS + i] = v;
  }
}

// 256 threads as 16 x 16; each computes a (BM/16) x (BN/16) block of outputs strided by 16 (so that a warp reads
// 16 consecutive B values and 2 A values per k: no bank conflicts to speak of).
template <int BM, int BN, int EA, int EB, class AOp, class BOp, class Epi>
__global__ void __launch_bounds__(kSimtThreads)
    simt_gemm_kernel(AOp a, BOp b, int64_t m_base, int64_t n_base, int64_t K, int64_t k_split, int64_t tiles_m,
                     int64_t tiles_n, bool m_inner, Epi epi) {
  constexpr int BK = kSimtBK;
  constexpr int TM = BM / 16, TN = BN / 16;
  constexpr int LDA = BM + 1, LDB = BN + 1;  // +1: transposing stores spread over banks
  constexpr int LDC = BN + 4;
  constexpr int PIPE = BK * (LDA + LDB);
  constexpr int STAGEC = BM * LDC;
  __shared__ __align__(16) float smem[PIPE > STAGEC ? PIPE : STAGEC];
  float *sA = smem;
  float *sB = smem + BK * LDA;
  const int tid = threadIdx.x;
  const int tx = tid % 16, ty = tid / 16;
  int64_t tm, tn;
  tile_coords(tiles_m, tiles_n, m_inner, tm, tn);
  const int64_t m0 = m_base + tm * BM;
  const int64_t n0 = n_base + tn * BN;

  float acc[TM][TN];
#pragma unroll
  for (int i = 0; i < TM; ++i)
#pragma unroll
    for (int j = 0; j < TN; ++j) acc[i][j] = 0.f;

  const int64_t k_begin = static_cast<int64_t>(blockIdx.y) * k_split;  // split-K, as in tc_gemm_kernel
  const int64_t k_end = k_begin + k_split < K ? k_begin + k_split : K;
  for (int64_t k0 = k_begin; k0 < k_end; k0 += BK) {
    if constexpr (IsKMajor<AOp>::value) {
      simt_load_kmajor<EA, BM, LDA>(sA, a, m0, k0, tid);
    } else {
      simt_load_mnmajor<EA, BM, LDA>(sA, a, m0, k0, tid);
    }
    if constexpr (IsKMajor<BOp>::value) {
      simt_load_kmajor<EB, BN, LDB>(sB, b, n0, k0, tid);
    } else {
      simt_load_mnmajor<EB, BN, LDB>(sB, b, n0, k0, tid);
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < BK; ++kk) {
      float ra[TM], rb[TN];
#pragma unroll
      for (int i = 0; i < TM; ++i) ra[i] = sA[kk * LDA + ty + 16 * i];
#pragma unroll
      for (int j = 0; j < TN; ++j) rb[j] = sB[kk * LDB + tx + 16 * j];
#pragma unroll
      for (int i = 0; i < TM; ++i)
#pragma unroll
        for (int j = 0; j < TN; ++j) acc[i][j] = fmaf(ra[i], rb[j], acc[i][j]);
    }
    __syncthreads();
  }
  float *sC = smem;
#pragma unroll
  for (int i = 0; i < TM; ++i)
#pragma unroll
    for (int j = 0; j < TN; ++j) sC[(ty + 16 * i) * LDC + tx + 16 * j] = acc[i][j];
  __syncthreads();
  epi.template run<BM, BN>(sC, LDC, m0, n0);
}

template <int BM, int BN, int EA, int EB, class AOp, class BOp, class Epi>
ak_status launch_simt_gemm(const AOp &a, const BOp &b, int64_t m_base, int64_t M, int64_t n_base, int64_t N,
                           int64_t K, bool m_inner, const Epi &epi, const char *what, int splits = 1) {
  if (M <= 0 || N <= 0) return AK_OK;
  const int64_t tiles_m = ceil_div(M, BM);
  const int64_t tiles_n = ceil_div(N, BN);
  const int64_t blocks = tiles_m * tiles_n;
  if (blocks > 0x7fffffffLL) return ::ak::fail(AK_ERR_INVALID_ARGUMENT, "%s: too many tiles", what);
  const int64_t k_split = split_length(K, splits, kSimtBK);
  const dim3 grid(static_cast<unsigned>(blocks), static_cast<unsigned>(std::max<int64_t>(1, ceil_div(K, k_split))));
  simt_gemm_kernel<BM, BN, EA, EB, AOp, BOp, Epi>
      <<<grid, kSimtThreads>>>(a, b, m_base, n_base, K, k_split, tiles_m, tiles_n, m_inner, epi);
  AK_CUDA_LAUNCHED(what);
  return AK_OK;
}

// ---- epilogues ---------------------------------------------------------------------------------------------------

// The plain epilogue: out[i][j] = alpha * tile (+ out[i][j] when accumulating), for i < m_end, j < n_end. Under
// split-K (split_stride != 0), part y = blockIdx.y of the K range writes to out + y * split_stride instead.
struct EpiStore {
  float *out;
  int64_t ldo;
  int64_t m_end;
  int64_t n_end;
  float alpha;
  bool accumulate;
  int64_t split_stride;
  template <int BM, int BN>
  __device__ void run(const float *t, int ldt, int64_t m0, int64_t n0) const {
    float *base = out + static_cast<int64_t>(blockIdx.y) * split_stride;
    for (int e = threadIdx.x; e < BM * BN; e += blockDim.x) {
      const int r = e / BN, c = e % BN;
      const int64_t i = m0 + r, j = n0 + c;
      if (i < m_end && j < n_end) {
        float *o = base + i * ldo + j;
        const float v = alpha * t[r * ldt + c];
        *o = accumulate ? *o + v : v;
      }
    }
  }
};


}  // namespace ak::cuda
