/* test_audio_codec.c — the mu-law / linear codec against SaShiMi's formulas (DESIGN.md §Mu-law
 * codec), recomputed here independently in double precision:
 *   min-max: x' = lo + (hi - lo) (x - min) / (max - min + 1e-6)
 *   mu-law:  y = sign(x') ln(1 + 255 |x' + 1e-8|) / ln(256),  y01 = (y + 1) / 2
 *   q = floor(y01 (256 - 0.01) + 0.005);  decode q/128 - 1, then sign(v) (256^|v| - 1) / 255
 */
#include <float.h>
#include "audio/sk_audio.h"
#include "src/sk_rng.h"
#include "tests/sk_test.h"

/* Independent token of an already-scaled value (written from the spec text, log not log1p). */
static int tok_mulaw(double xs) {
    double s = xs > 0 ? 1 : xs < 0 ? -1 : 0;
    double y = s * log(1.0 + 255.0 * fabs(xs + 1e-8)) / log(256.0);
    double v = floor((y + 1) / 2 * 255.99 + 0.005);
    return v < 0 ? 0 : v > 255 ? 255 : (int)v;
}
static int tok_linear(double y01) {
    double v = floor(y01 * 255.99 + 0.005);
    return v < 0 ? 0 : v > 255 ? 255 : (int)v;
}
static double dec_mulaw(int q) {
    double v = q / 128.0 - 1;
    double s = v > 0 ? 1 : v < 0 ? -1 : 0;
    return s * (pow(256.0, fabs(v)) - 1) / 255.0;
}

static void test_table_no_minmax(void) {
    /* x (already in [-1, 1]) -> tokens from the formula above; a few pinned by hand too */
    static const float xs[] = {-1.0f, -0.75f, -0.5f, -0.25f, -0.1f, -0.03f, -0.01f, -3e-3f, -1e-3f, -1e-4f, -1e-6f, -1e-8f,
                               0.0f, 1e-8f, 1e-6f, 1e-4f, 1e-3f, 3e-3f, 0.01f, 0.03f, 0.1f, 0.25f, 0.5f, 0.75f, 0.999f, 1.0f,
                               /* out of range: clamped to [-1, 1] without min-max */
                               -2.0f, 1.5f};
    int n = (int)(sizeof xs / sizeof xs[0]);
    uint8_t q[64], ql[64];
    SK_CHECK(sk_audio_encode(xs, n, SK_AUDIO_MULAW, 0, q) == SK_OK, "encode: %s", sk_errmsg());
    SK_CHECK(sk_audio_encode(xs, n, SK_AUDIO_LINEAR, 0, ql) == SK_OK, "encode linear: %s", sk_errmsg());
    for (int i = 0; i < n; i++) {
        double c = xs[i] < -1 ? -1 : xs[i] > 1 ? 1 : xs[i];
        SK_CHECK(q[i] == tok_mulaw(c), "mulaw x=%g: got %d, want %d", xs[i], q[i], tok_mulaw(c));
        SK_CHECK(ql[i] == tok_linear((c + 1) / 2), "linear x=%g: got %d, want %d", xs[i], ql[i], tok_linear((c + 1) / 2));
        SK_CHECK(q[i] == sk_audio_encode1_ref(c, SK_AUDIO_MULAW), "array encode = reference formula at x=%g", xs[i]);
    }
    /* hand-pinned: ends, and the zero token for x = 0 */
    SK_CHECK(q[0] == 0 && q[12] == 128 && q[25] == 255 && q[26] == 0 && q[27] == 255, "pinned tokens %d %d %d %d %d", q[0], q[12],
             q[25], q[26], q[27]);
    SK_CHECK(ql[0] == 0 && ql[12] == 128 && ql[25] == 255, "pinned linear tokens %d %d %d", ql[0], ql[12], ql[25]);
}

static void test_table_minmax(void) {
    /* one example: min-max scaled to [-1, 1] (mu-law) or [0, 1] (linear) before quantizing */
    static const float x[] = {0.02f, -0.3f, 0.11f, 0.4f, -0.05f, 0.0f, 0.399f, -0.299f, 0.07f, 0.2f};
    int n = 10;
    double mn = -0.3f, mx = 0.4f;
    uint8_t q[10], ql[10];
    SK_CHECK(sk_audio_encode(x, n, SK_AUDIO_MULAW, 1, q) == SK_OK, "encode minmax: %s", sk_errmsg());
    SK_CHECK(sk_audio_encode(x, n, SK_AUDIO_LINEAR, 1, ql) == SK_OK, "encode linear minmax: %s", sk_errmsg());
    for (int i = 0; i < n; i++) {
        double sm = -1 + 2 * ((double)x[i] - mn) / (mx - mn + 1e-6);
        double sl = 0 + 1 * ((double)x[i] - mn) / (mx - mn + 1e-6);
        SK_CHECK(q[i] == tok_mulaw(sm), "minmax mulaw x=%g: got %d want %d", x[i], q[i], tok_mulaw(sm));
        SK_CHECK(ql[i] == tok_linear(sl), "minmax linear x=%g: got %d want %d", x[i], ql[i], tok_linear(sl));
    }
    SK_CHECK(q[1] == 0 && q[3] == 255, "min -> 0 and max -> 255 with min-max (got %d %d)", q[1], q[3]);
    /* min-max on vs off differ on a quiet signal: off keeps it near 128 */
    float quiet[4] = {-0.01f, 0.01f, 0.0f, 0.005f};
    uint8_t a[4], b[4];
    SK_CHECK(sk_audio_encode(quiet, 4, SK_AUDIO_MULAW, 1, a) == SK_OK && sk_audio_encode(quiet, 4, SK_AUDIO_MULAW, 0, b) == SK_OK, "quiet");
    SK_CHECK(a[0] == 0 && a[1] == 255, "min-max stretches a quiet clip to full range (%d %d)", a[0], a[1]);
    SK_CHECK(b[0] == tok_mulaw(-0.01f) && b[1] == tok_mulaw(0.01f) && b[0] > 90 && b[1] < 170, "no min-max keeps it (%d %d)", b[0], b[1]);
    /* scaling invariance of min-max: 3x + 1 encodes identically */
    float sc[10];
    uint8_t q2[10];
    for (int i = 0; i < n; i++) sc[i] = 3 * x[i] + 1;
    SK_CHECK(sk_audio_encode(sc, n, SK_AUDIO_MULAW, 1, q2) == SK_OK, "scaled");
    int same = 0;
    for (int i = 0; i < n; i++) same += abs((int)q2[i] - (int)q[i]) <= 1;
    SK_CHECK(same == n, "min-max makes the tokens (nearly) scale invariant: %d of %d within 1", same, n);
}

static void test_decode(void) {
    for (int c = 0; c < 2; c++) {
        const float *t = sk_audio_decode_table((sk_audio_codec)c);
        int inc = 1;
        for (int q = 1; q < 256; q++) inc &= t[q] > t[q - 1];
        SK_CHECK(inc, "codec %d: decode is strictly increasing", c);
        double ref[256];
        for (int q = 0; q < 256; q++) ref[q] = c == SK_AUDIO_MULAW ? dec_mulaw(q) : q / 128.0 - 1;
        SK_CHECK_REL("decode table", t, ref, 256, 1e-7);
        SK_CHECK(t[128] == 0.0f && t[0] == -1.0f, "codec %d: decode(128) = 0, decode(0) = -1", c);
        uint8_t q[256];
        float x[256];
        for (int i = 0; i < 256; i++) q[i] = (uint8_t)i;
        sk_audio_decode(q, 256, (sk_audio_codec)c, x);
        SK_CHECK(!memcmp(x, t, sizeof x), "sk_audio_decode uses the table");
    }
}

/* encode(decode(q)) is q or q - 1 (decode returns q/128 - 1, not the bin centre, and the
 * quantizer's 0.01 shrink moves the upper half down by one). Pinned: the first q that comes back
 * as q - 1 is 130 for mu-law (129 survives through the float table) and 129 for linear. */
static void test_roundtrip(void) {
    static const int first_minus1[2] = {130, 129};
    for (int c = 0; c < 2; c++) {
        const float *t = sk_audio_decode_table((sk_audio_codec)c);
        uint8_t q[256];
        SK_CHECK(sk_audio_encode(t, 256, (sk_audio_codec)c, 0, q) == SK_OK, "encode decoded");
        int bad = 0;
        for (int k = 0; k < 256; k++) {
            int want = k < first_minus1[c] ? k : k - 1;
            /* the independent formula agrees with the pin */
            int indep = c == SK_AUDIO_MULAW ? tok_mulaw(t[k]) : tok_linear(((double)t[k] + 1) / 2);
            if (q[k] != want || indep != want) {
                bad++;
                fprintf(stderr, "codec %d q=%d: encode(decode) = %d, formula %d, pinned %d\n", c, k, q[k], indep, want);
            }
        }
        SK_CHECK(bad == 0, "codec %d: round trip matches the pinned table (%d mismatches)", c, bad);
    }
}

/* The table-search encoder equals the formula everywhere: random values, and every float within
 * 64 ulps of each bin edge (found here independently by scanning the formula). */
static void test_search_exact(void) {
    sk_rng r;
    sk_rng_seed(&r, 7, 0);
    enum { N = 1 << 20 };
    static float x[N];
    static uint8_t q[N];
    for (int i = 0; i < N; i++) {
        double u = sk_rng_uniform(&r) * 2 - 1;
        x[i] = (float)(i % 3 == 0 ? u : i % 3 == 1 ? u * 1e-3 : u * 1e-7);   /* wide and near-zero values */
    }
    SK_CHECK(sk_audio_encode(x, N, SK_AUDIO_MULAW, 0, q) == SK_OK, "encode random");
    int bad = 0;
    for (int i = 0; i < N; i++) bad += q[i] != tok_mulaw(x[i]);
    SK_CHECK(bad == 0, "random: %d of %d differ from the formula", bad, N);
    /* edges: bisection on the float line using the independent formula */
    int nb = 0, tested = 0;
    for (int k = 1; k < 256; k++) {
        float lo = -1.0f, hi = 1.0f;
        if (tok_mulaw(lo) >= k || tok_mulaw(hi) < k) continue;
        for (int it = 0; it < 200 && nextafterf(lo, 2.0f) < hi; it++) {
            float mid = lo + (hi - lo) / 2;
            if (mid <= lo || mid >= hi) mid = nextafterf(lo, 2.0f);
            if (tok_mulaw(mid) >= k) hi = mid;
            else lo = mid;
        }
        float v = hi;
        for (int s = 0; s < 64; s++) v = nextafterf(v, -2.0f);
        for (int s = 0; s < 128; s++, v = nextafterf(v, 2.0f)) {
            uint8_t t;
            if (sk_audio_encode(&v, 1, SK_AUDIO_MULAW, 0, &t) != SK_OK || t != tok_mulaw(v)) nb++;
            tested++;
        }
    }
    SK_CHECK(nb == 0 && tested > 255 * 100, "bin edges: %d of %d floats differ from the formula", nb, tested);
}

static void test_errors(void) {
    float c[5] = {0.25f, 0.25f, 0.25f, 0.25f, 0.25f};
    uint8_t q[5];
    sk_error_clear();
    SK_CHECK(sk_audio_encode(c, 5, SK_AUDIO_MULAW, 1, q) == SK_EINVAL, "constant signal with min-max is an error");
    SK_CHECK(strstr(sk_errmsg(), "constant") != NULL, "message says constant: %s", sk_errmsg());
    SK_CHECK(sk_audio_encode(c, 5, SK_AUDIO_MULAW, 0, q) == SK_OK && q[0] == tok_mulaw(0.25), "constant without min-max is fine");
    float nan[3] = {0.1f, NAN, 0.2f};
    SK_CHECK(sk_audio_encode(nan, 3, SK_AUDIO_MULAW, 1, q) == SK_ENUM, "NaN is an error (minmax)");
    SK_CHECK(strstr(sk_errmsg(), "sample 1") != NULL, "NaN message names the sample: %s", sk_errmsg());
    SK_CHECK(sk_audio_encode(nan, 3, SK_AUDIO_LINEAR, 0, q) == SK_ENUM, "NaN is an error (no minmax)");
    float inf[2] = {INFINITY, 0};
    SK_CHECK(sk_audio_encode(inf, 2, SK_AUDIO_MULAW, 0, q) == SK_ENUM, "Inf is an error");
    SK_CHECK(sk_audio_encode(c, 0, SK_AUDIO_MULAW, 1, q) == SK_OK, "n = 0 is fine");
    sk_audio_codec k;
    SK_CHECK(sk_audio_codec_parse("mulaw", &k) == SK_OK && k == SK_AUDIO_MULAW, "parse mulaw");
    SK_CHECK(sk_audio_codec_parse("alaw", &k) == SK_EINVAL, "parse unknown");
}

int main(void) {
    test_table_no_minmax();
    test_table_minmax();
    test_decode();
    test_roundtrip();
    test_search_exact();
    test_errors();
    return sk_test_finish("test_audio_codec");
}
