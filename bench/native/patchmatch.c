/*
 * Native reference for the PatchMatch benchmark: the same loop as
 * src/patchmatch/assembly/patchmatch.ts (xorshift32, scan order, candidate order, early
 * termination per row), in plain C for `cc -O3 -march=native`. No masks: every target patch is
 * searched and every source patch is usable.
 *
 * Input file: seven little-endian int32 (tw, th, sw, sh, patchSize, iterations, seed), then the
 * target and source RGBA bytes. Output (stdout, one line of JSON): per-run times in ms, mean
 * distance and an FNV-1a checksum of the field (x, y, distance as int32/uint32 little-endian).
 *
 * Usage: patchmatch <input> <runs> [generic|simd]
 *                                             PatchMatch field, timed `runs` times; `generic`
 *                                             skips the 7x7 specialisation (row length unknown
 *                                             at compile time, as in the WebAssembly kernel);
 *                                             `simd` uses SSE with the WebAssembly kernel's ops
 *        patchmatch <input> brute             exact nearest-neighbour field by brute force
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __SSE4_1__
#include <smmintrin.h>
#endif

static int tw, th, sw, sh, p, fw, fh, sfw, sfh;
static uint8_t *T, *S; /* RGBA, alpha zeroed */
static uint32_t rng;

static inline uint32_t next_random(void) {
  uint32_t x = rng;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  rng = x;
  return x;
}

/*
 * Sum of squared differences over the 4*P bytes of each row (alpha is zero in both). Always
 * inlined into a field() specialised for P = 7, so the compiler sees a constant row length and
 * can unroll and vectorise the row (a fair, strong native baseline).
 */
static inline __attribute__((always_inline)) uint32_t distance(int tx, int ty, int sx, int sy, uint32_t bound, const int P) {
  const uint8_t *tp = T + ((size_t)ty * tw + tx) * 4;
  const uint8_t *sp = S + ((size_t)sy * sw + sx) * 4;
  const int n = 4 * P;
  uint32_t sum = 0;
  for (int row = 0; row < P; row++) {
    uint32_t rs = 0;
    for (int k = 0; k < n; k++) {
      int d = (int)tp[k] - (int)sp[k];
      rs += (uint32_t)(d * d);
    }
    sum += rs;
    if (sum >= bound) return sum;
    tp += (size_t)tw * 4;
    sp += (size_t)sw * 4;
  }
  return sum;
}

#ifdef __SSE4_1__
/*
 * The WebAssembly kernel's SIMD row loop written with the matching SSE instructions (abs byte
 * difference by two saturating subtractions, widen to 16 bits, pmaddwd), for a native baseline
 * that vectorises exactly as the WebAssembly does.
 */
static inline __attribute__((always_inline)) uint32_t distance_sse(int tx, int ty, int sx, int sy, uint32_t bound, const int P) {
  const uint8_t *tp = T + ((size_t)ty * tw + tx) * 4;
  const uint8_t *sp = S + ((size_t)sy * sw + sx) * 4;
  const int chunks = P >> 2, tail = P & 3;
  const __m128i mask = _mm_set_epi32(0, tail > 2 ? -1 : 0, tail > 1 ? -1 : 0, tail > 0 ? -1 : 0);
  const __m128i zero = _mm_setzero_si128();
  uint32_t sum = 0;
  for (int row = 0; row < P; row++) {
    __m128i acc = zero;
    int off = 0;
    for (int k = 0; k <= chunks; k++, off += 16) {
      __m128i a = _mm_loadu_si128((const __m128i *)(tp + off));
      __m128i b = _mm_loadu_si128((const __m128i *)(sp + off));
      if (k == chunks) {
        if (tail == 0) break;
        a = _mm_and_si128(a, mask);
        b = _mm_and_si128(b, mask);
      }
      const __m128i d = _mm_or_si128(_mm_subs_epu8(a, b), _mm_subs_epu8(b, a));
      const __m128i lo = _mm_unpacklo_epi8(d, zero), hi = _mm_unpackhi_epi8(d, zero);
      acc = _mm_add_epi32(acc, _mm_add_epi32(_mm_madd_epi16(lo, lo), _mm_madd_epi16(hi, hi)));
    }
    acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, 0x4e));
    acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, 0xb1));
    sum += (uint32_t)_mm_cvtsi128_si32(acc);
    if (sum >= bound) return sum;
    tp += (size_t)tw * 4;
    sp += (size_t)sw * 4;
  }
  return sum;
}
#endif

#ifdef __SSE4_1__
#define DIST(tx, ty, sx, sy, bound) (use_sse ? distance_sse(tx, ty, sx, sy, bound, P) : distance(tx, ty, sx, sy, bound, P))
#else
#define DIST(tx, ty, sx, sy, bound) ((void)use_sse, distance(tx, ty, sx, sy, bound, P))
#endif

static inline int imax(int a, int b) { return a > b ? a : b; }
static inline int imin(int a, int b) { return a < b ? a : b; }

static inline __attribute__((always_inline)) void field_p(int32_t *nx, int32_t *ny, uint32_t *nd, int iterations, uint32_t seed, const int P, const int use_sse) {
  const uint32_t n_valid = (uint32_t)(sfw * sfh);
  rng = seed ^ 0x9e3779b9u; /* Must match SEED_MIX */
  if (rng == 0) rng = 0x6d2b79f5u; /* Must match ZERO_STATE */
  for (int i = 0; i < fw * fh; i++) {
    int pick = (int)(next_random() % n_valid);
    nx[i] = pick % sfw;
    ny[i] = pick / sfw;
    nd[i] = DIST(i % fw, i / fw, nx[i], ny[i], 0xffffffffu);
    for (int k = 1; k < 4; k++) { /* Must match INIT_CANDIDATES */
      const int other = (int)(next_random() % n_valid);
      const uint32_t d = DIST(i % fw, i / fw, other % sfw, other / sfw, nd[i]);
      if (d < nd[i]) { nx[i] = other % sfw; ny[i] = other / sfw; nd[i] = d; }
    }
  }
  const int start_radius = imax(sw, sh);
  for (int it = 0; it < iterations; it++) {
    const int step = (it & 1) ? -1 : 1;
    const int y0 = (it & 1) ? fh - 1 : 0;
    const int x0 = (it & 1) ? fw - 1 : 0;
    for (int yy = 0; yy < fh; yy++) {
      const int y = y0 + step * yy;
      for (int xx = 0; xx < fw; xx++) {
        const int x = x0 + step * xx;
        const int i = y * fw + x;
        int bx = nx[i], by = ny[i];
        uint32_t bd = nd[i];
        const int qx = x - step;
        if (qx >= 0 && qx < fw) {
          const int cx = nx[i - step] + step, cy = ny[i - step];
          if (cx >= 0 && cx < sfw && (cx != bx || cy != by)) {
            uint32_t d = DIST(x, y, cx, cy, bd);
            if (d < bd) { bx = cx; by = cy; bd = d; }
          }
        }
        const int qy = y - step;
        if (qy >= 0 && qy < fh) {
          const int j = i - step * fw;
          const int cx = nx[j], cy = ny[j] + step;
          if (cy >= 0 && cy < sfh && (cx != bx || cy != by)) {
            uint32_t d = DIST(x, y, cx, cy, bd);
            if (d < bd) { bx = cx; by = cy; bd = d; }
          }
        }
        /* The widest window gets two draws. */
        for (int r = start_radius, draw = 0; r >= 1; r = draw++ > 0 ? r >> 1 : r) {
          const int xmin = imax(bx - r, 0), xmax = imin(bx + r, sfw - 1);
          const int ymin = imax(by - r, 0), ymax = imin(by + r, sfh - 1);
          const int cx = xmin + (int)(next_random() % (uint32_t)(xmax - xmin + 1));
          const int cy = ymin + (int)(next_random() % (uint32_t)(ymax - ymin + 1));
          if (cx != bx || cy != by) {
            uint32_t d = DIST(x, y, cx, cy, bd);
            if (d < bd) { bx = cx; by = cy; bd = d; }
          }
        }
        nx[i] = bx; ny[i] = by; nd[i] = bd;
      }
    }
  }
}

static void field7(int32_t *nx, int32_t *ny, uint32_t *nd, int iterations, uint32_t seed) { field_p(nx, ny, nd, iterations, seed, 7, 0); }
static void field_any(int32_t *nx, int32_t *ny, uint32_t *nd, int iterations, uint32_t seed) { field_p(nx, ny, nd, iterations, seed, p, 0); }
static void field_simd(int32_t *nx, int32_t *ny, uint32_t *nd, int iterations, uint32_t seed) { field_p(nx, ny, nd, iterations, seed, p, 1); }

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static uint32_t fnv(uint32_t h, const void *data, size_t n) {
  const uint8_t *b = data;
  for (size_t i = 0; i < n; i++) { h ^= b[i]; h *= 16777619u; }
  return h;
}

static uint8_t *read_rgba(FILE *f, int w, int h) {
  /* 16 bytes of slack, as in the WebAssembly arena. */
  uint8_t *buf = calloc((size_t)w * h * 4 + 16, 1);
  if (!buf || fread(buf, 4, (size_t)w * h, f) != (size_t)w * h) { fprintf(stderr, "bad input\n"); exit(1); }
  for (size_t i = 3; i < (size_t)w * h * 4; i += 4) buf[i] = 0;
  return buf;
}

int main(int argc, char **argv) {
  if (argc != 3 && argc != 4) { fprintf(stderr, "usage: %s <input> <runs|brute> [generic]\n", argv[0]); return 2; }
  const int generic = argc == 4 && strcmp(argv[3], "generic") == 0;
  const int simd = argc == 4 && strcmp(argv[3], "simd") == 0;
#ifndef __SSE4_1__
  if (simd) { fprintf(stderr, "built without SSE4.1\n"); return 3; }
#endif
  FILE *f = fopen(argv[1], "rb");
  if (!f) { perror(argv[1]); return 1; }
  int32_t hdr[7];
  if (fread(hdr, 4, 7, f) != 7) { fprintf(stderr, "bad header\n"); return 1; }
  tw = hdr[0]; th = hdr[1]; sw = hdr[2]; sh = hdr[3]; p = hdr[4];
  const int iterations = hdr[5];
  const uint32_t seed = (uint32_t)hdr[6];
  T = read_rgba(f, tw, th);
  S = read_rgba(f, sw, sh);
  fclose(f);
  fw = tw - p + 1; fh = th - p + 1; sfw = sw - p + 1; sfh = sh - p + 1;
  const size_t n = (size_t)fw * fh;
  int32_t *nx = malloc(n * 4), *ny = malloc(n * 4);
  uint32_t *nd = malloc(n * 4);

  if (strcmp(argv[2], "brute") == 0) {
    double t0 = now_ms(), sum = 0;
    for (int ty = 0; ty < fh; ty++)
      for (int tx = 0; tx < fw; tx++) {
        uint32_t best = 0xffffffffu;
        for (int sy = 0; sy < sfh; sy++)
          for (int sx = 0; sx < sfw; sx++) {
            uint32_t d = distance(tx, ty, sx, sy, best, p);
            if (d < best) best = d;
          }
        sum += best;
      }
    printf("{\"bruteMs\":%.3f,\"meanDistance\":%.6f}\n", now_ms() - t0, sum / n);
    return 0;
  }

  const int runs = atoi(argv[2]);
  printf("{\"timesMs\":[");
  for (int r = 0; r < runs; r++) {
    double t0 = now_ms();
    if (simd) field_simd(nx, ny, nd, iterations, seed);
    else if (p == 7 && !generic) field7(nx, ny, nd, iterations, seed);
    else field_any(nx, ny, nd, iterations, seed);
    printf("%s%.3f", r ? "," : "", now_ms() - t0);
  }
  double sum = 0;
  for (size_t i = 0; i < n; i++) sum += nd[i];
  uint32_t h = 2166136261u;
  h = fnv(h, nx, n * 4); h = fnv(h, ny, n * 4); h = fnv(h, nd, n * 4);
  printf("],\"meanDistance\":%.6f,\"checksum\":%u}\n", sum / n, h);
  return 0;
}
