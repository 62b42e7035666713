/* sk_audio_io.c — reading any libsndfile format as mono float at a chosen rate (streamed, with
 * libsamplerate), and atomic mono WAV writing. See sk_audio.h.
 */
#include "audio/sk_audio.h"

#include <math.h>
#include <samplerate.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "src/sk_io.h"

#define RD_BLOCK 4096   /* frames read from libsndfile per call */

int sk_audio_quality_parse(const char *name, sk_audio_quality *q) {
    if (!strcmp(name, "medium")) *q = SK_AUDIO_SRC_MEDIUM;
    else if (!strcmp(name, "best")) *q = SK_AUDIO_SRC_BEST;
    else if (!strcmp(name, "fast")) *q = SK_AUDIO_SRC_FAST;
    else return sk_error(SK_EINVAL, "unknown resampler quality '%s' (medium, best or fast)", name);
    return SK_OK;
}

static int src_converter(sk_audio_quality q) {
    return q == SK_AUDIO_SRC_BEST ? SRC_SINC_BEST_QUALITY : q == SK_AUDIO_SRC_FAST ? SRC_SINC_FASTEST : SRC_SINC_MEDIUM_QUALITY;
}

struct sk_audio_reader {
    char *path;
    SNDFILE *sf;
    SF_INFO sfi;
    sk_audio_info info;
    int out_rate;
    int exact_frames;        /* the header's frame count is exact (not OGG/MP3): short data is an error */
    SRC_STATE *src;          /* NULL when no resampling is needed */
    double ratio;
    float *ibuf;             /* RD_BLOCK * channels interleaved frames */
    float *mono;             /* RD_BLOCK mono frames waiting for the resampler */
    int64_t mono_pos, mono_len;
    int64_t frames_read;     /* source frames read so far */
    int eof_in;              /* no more source frames */
    int done;                /* resampler flushed */
    char fmt_name[64];
};

static uint32_t le32(const uint8_t *p) { return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

/* Checks libsndfile forgives but a dataset must not: in a RIFF/WAVE file, a RIFF size or a data
 * chunk that reaches past the end of the file (a cut download), chunk headers cut off, and a
 * fmt chunk with zero channels. Other formats are left to libsndfile and the frame count check. */
static int riff_check(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return SK_OK;   /* sf_open reports it */
    struct stat st;
    int rc = SK_OK;
    uint8_t h[12];
    if (fstat(fileno(f), &st) != 0 || fread(h, 1, 12, f) != 12 || memcmp(h, "RIFF", 4) || memcmp(h + 8, "WAVE", 4)) {
        fclose(f);
        return SK_OK;
    }
    int64_t fsize = st.st_size, riff = le32(h + 4), pos = 12;
    for (;;) {
        uint8_t c[8];
        if (fseek(f, (long)pos, SEEK_SET) != 0 || fread(c, 1, 8, f) != 8) {
            rc = sk_error(SK_EFORMAT, "%s: truncated header: no data chunk before the end of the file (%lld bytes)", path, (long long)fsize);
            break;
        }
        int64_t size = le32(c + 4);
        if (!memcmp(c, "fmt ", 4)) {
            uint8_t fm[4];
            if (size < 16 || pos + 8 + size > fsize || fread(fm, 1, 4, f) != 4) {
                rc = sk_error(SK_EFORMAT, "%s: truncated header: fmt chunk cut off", path);
                break;
            }
            if (fm[2] == 0 && fm[3] == 0) {
                rc = sk_error(SK_EFORMAT, "%s: the fmt chunk declares zero channels", path);
                break;
            }
        } else if (!memcmp(c, "data", 4)) {
            if (pos + 8 + size > fsize)
                rc = sk_error(SK_EFORMAT, "%s: truncated data: the data chunk declares %lld bytes but the file ends after %lld",
                              path, (long long)size, (long long)(fsize - pos - 8));
            break;
        }
        pos += 8 + size + (size & 1);
    }
    if (rc == SK_OK && riff + 8 > fsize)
        rc = sk_error(SK_EFORMAT, "%s: RIFF size %lld (+8) is larger than the file (%lld bytes): truncated or corrupt", path,
                      (long long)riff, (long long)fsize);
    fclose(f);
    return rc;
}

static void format_name(sk_audio_reader *r) {
    SF_FORMAT_INFO maj = {.format = r->sfi.format & SF_FORMAT_TYPEMASK}, sub = {.format = r->sfi.format & SF_FORMAT_SUBMASK};
    const char *a = sf_command(NULL, SFC_GET_FORMAT_INFO, &maj, sizeof maj) == 0 ? maj.name : "?";
    const char *b = sf_command(NULL, SFC_GET_FORMAT_INFO, &sub, sizeof sub) == 0 ? sub.name : "?";
    snprintf(r->fmt_name, sizeof r->fmt_name, "%s, %s", a, b);
    r->info.format_name = r->fmt_name;
}

int sk_audio_open(sk_audio_reader **out, const char *path, int rate, sk_audio_quality q) {
    *out = NULL;
    struct stat st;
    if (stat(path, &st) != 0) return sk_error(SK_EIO, "%s: cannot open: no such file or not readable", path);
    if (!S_ISREG(st.st_mode)) return sk_error(SK_EIO, "%s: not a regular file", path);
    if (st.st_size == 0) return sk_error(SK_EFORMAT, "%s: empty file", path);
    int rc = riff_check(path);
    if (rc) return rc;
    sk_audio_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path))) {
        free(r);
        return sk_error(SK_ENOMEM, "%s: out of memory", path);
    }
    r->sf = sf_open(path, SFM_READ, &r->sfi);
    if (!r->sf) {
        rc = sk_error(SK_EFORMAT, "%s: not a readable audio file: %s", path, sf_strerror(NULL));
        goto fail;
    }
    if (r->sfi.channels <= 0) {
        rc = sk_error(SK_EFORMAT, "%s: zero channels", path);
        goto fail;
    }
    if (r->sfi.frames <= 0) {
        rc = sk_error(SK_EFORMAT, "%s: no audio frames", path);
        goto fail;
    }
    if (r->sfi.samplerate <= 0) {
        rc = sk_error(SK_EFORMAT, "%s: invalid sample rate %d", path, r->sfi.samplerate);
        goto fail;
    }
    int major = r->sfi.format & SF_FORMAT_TYPEMASK;
    /* OGG and MP3 headers give an estimate (MP3: from the file size, ID3 tags and encoder padding
     * included): those are read to the end of the stream, whatever the count said. MPEG support
     * is a CMake check (SF_FORMAT_MPEG is an enum constant, invisible to the preprocessor). */
#ifdef SSMKIT_HAVE_SF_MPEG
    r->exact_frames = major != SF_FORMAT_OGG && major != SF_FORMAT_MPEG;
#else
    r->exact_frames = major != SF_FORMAT_OGG;
#endif
    r->info.frames = r->sfi.frames;
    r->info.rate = r->sfi.samplerate;
    r->info.channels = r->sfi.channels;
    r->info.format = r->sfi.format;
    format_name(r);
    r->out_rate = rate > 0 ? rate : r->sfi.samplerate;
    r->ibuf = malloc(sizeof(float) * RD_BLOCK * (size_t)r->sfi.channels);
    r->mono = malloc(sizeof(float) * RD_BLOCK);
    if (!r->ibuf || !r->mono) {
        rc = sk_error(SK_ENOMEM, "%s: out of memory", path);
        goto fail;
    }
    if (r->out_rate != r->sfi.samplerate) {
        int err = 0;
        r->ratio = (double)r->out_rate / r->sfi.samplerate;
        if (!src_is_valid_ratio(r->ratio)) {
            rc = sk_error(SK_EUNSUP, "%s: cannot resample %d Hz to %d Hz (ratio out of range)", path, r->sfi.samplerate, r->out_rate);
            goto fail;
        }
        r->src = src_new(src_converter(q), 1, &err);
        if (!r->src) {
            rc = sk_error(SK_EIO, "%s: resampler: %s", path, src_strerror(err));
            goto fail;
        }
    }
    *out = r;
    return SK_OK;
fail:
    sk_audio_close(r);
    return rc;
}

const sk_audio_info *sk_audio_reader_info(const sk_audio_reader *r) { return &r->info; }
int sk_audio_reader_rate(const sk_audio_reader *r) { return r->out_rate; }

/* Read up to RD_BLOCK source frames, mixed to mono, into dst. Returns frames read (0 at the end)
 * or a negative status. */
static int64_t read_mono(sk_audio_reader *r, float *dst) {
    if (r->eof_in) return 0;
    int ch = r->sfi.channels;
    sf_count_t want = RD_BLOCK;
    if (r->exact_frames && r->sfi.frames - r->frames_read < want) want = r->sfi.frames - r->frames_read;
    sf_count_t k = want > 0 ? sf_readf_float(r->sf, r->ibuf, want) : 0;
    if (sf_error(r->sf) != SF_ERR_NO_ERROR)
        return sk_error(SK_EFORMAT, "%s: frame %lld: %s", r->path, (long long)r->frames_read, sf_strerror(r->sf));
    if (k < want && r->exact_frames)
        return sk_error(SK_EFORMAT, "%s: truncated data at frame %lld (the header says %lld frames)", r->path,
                        (long long)(r->frames_read + k), (long long)r->sfi.frames);
    for (sf_count_t f = 0; f < k; f++) {
        double s = 0;   /* mono = mean of the channels */
        for (int c = 0; c < ch; c++) s += r->ibuf[f * ch + c];
        if (!isfinite(s))
            return sk_error(SK_ENUM, "%s: frame %lld: sample is not a finite number", r->path, (long long)(r->frames_read + f));
        dst[f] = (float)(s / ch);
    }
    r->frames_read += k;
    if (k == 0 || (r->exact_frames && r->frames_read >= r->sfi.frames)) r->eof_in = 1;
    return k;
}

int sk_audio_read(sk_audio_reader *r, float *out, int64_t n, int64_t *got) {
    *got = 0;
    if (!r->src) {   /* same rate: copy mono frames through the staging buffer */
        while (*got < n) {
            if (r->mono_pos == r->mono_len) {
                int64_t k = read_mono(r, r->mono);
                if (k < 0) return (int)k;
                r->mono_pos = 0;
                r->mono_len = k;
                if (k == 0) break;
            }
            int64_t c = r->mono_len - r->mono_pos < n - *got ? r->mono_len - r->mono_pos : n - *got;
            memcpy(out + *got, r->mono + r->mono_pos, sizeof(float) * (size_t)c);
            r->mono_pos += c;
            *got += c;
        }
        return *got == 0 && n > 0 ? SK_EOF : SK_OK;
    }
    while (*got < n && !r->done) {
        if (r->mono_pos == r->mono_len && !r->eof_in) {
            int64_t k = read_mono(r, r->mono);
            if (k < 0) return (int)k;
            r->mono_pos = 0;
            r->mono_len = k;
        }
        SRC_DATA d = {
            .data_in = r->mono + r->mono_pos,
            .data_out = out + *got,
            .input_frames = (long)(r->mono_len - r->mono_pos),
            .output_frames = (long)(n - *got < (1 << 20) ? n - *got : (1 << 20)),
            .end_of_input = r->eof_in,
            .src_ratio = r->ratio,
        };
        int err = src_process(r->src, &d);
        if (err) return sk_error(SK_EIO, "%s: resampler: %s", r->path, src_strerror(err));
        r->mono_pos += d.input_frames_used;
        *got += d.output_frames_gen;
        if (r->eof_in && d.output_frames_gen == 0 && r->mono_pos == r->mono_len) r->done = 1;
    }
    return *got == 0 && n > 0 ? SK_EOF : SK_OK;
}

int sk_audio_rewind(sk_audio_reader *r) {
    if (sf_seek(r->sf, 0, SEEK_SET) != 0) return sk_error(SK_EIO, "%s: cannot seek to the start", r->path);
    if (r->src) src_reset(r->src);
    r->mono_pos = r->mono_len = r->frames_read = 0;
    r->eof_in = r->done = 0;
    return SK_OK;
}

void sk_audio_close(sk_audio_reader *r) {
    if (!r) return;
    if (r->sf) sf_close(r->sf);
    if (r->src) src_delete(r->src);
    free(r->ibuf);
    free(r->mono);
    free(r->path);
    free(r);
}

int sk_audio_load(const char *path, int rate, sk_audio_quality q, float **x, int64_t *n) {
    *x = NULL;
    *n = 0;
    sk_audio_reader *r;
    int rc = sk_audio_open(&r, path, rate, q);
    if (rc) return rc;
    /* capacity: the expected length plus slack; grows if the estimate (OGG/MP3) is short */
    int64_t cap = (int64_t)ceil((double)r->info.frames * r->out_rate / r->info.rate) + 64, len = 0;
    float *buf = malloc(sizeof(float) * (size_t)cap);
    for (;;) {
        if (!buf) {
            rc = sk_error(SK_ENOMEM, "%s: out of memory", path);
            break;
        }
        if (len == cap) {
            float *nb = realloc(buf, sizeof(float) * (size_t)(cap *= 2));
            if (!nb) free(buf);
            buf = nb;
            continue;
        }
        int64_t got;
        rc = sk_audio_read(r, buf + len, cap - len, &got);
        len += got;
        if (rc) break;
    }
    sk_audio_close(r);
    if (rc != SK_EOF) {
        free(buf);
        return rc;
    }
    *x = buf;
    *n = len;
    return SK_OK;
}

/* ---- writing -------------------------------------------------------------------------------- */

struct sk_audio_writer {
    sk_afile af;
    SNDFILE *sf;
    int64_t n;
};

int sk_audio_writer_open(sk_audio_writer **out, const char *path, int rate, sk_audio_sample_format fmt) {
    *out = NULL;
    if (rate <= 0) return sk_error(SK_EINVAL, "%s: invalid sample rate %d", path, rate);
    sk_audio_writer *w = calloc(1, sizeof *w);
    if (!w) return sk_error(SK_ENOMEM, "%s: out of memory", path);
    int rc = sk_afile_open(&w->af, path);
    if (rc) {
        free(w);
        return rc;
    }
    SF_INFO wi = {.samplerate = rate, .channels = 1, .format = SF_FORMAT_WAV | (fmt == SK_AUDIO_FLOAT ? SF_FORMAT_FLOAT : SF_FORMAT_PCM_16)};
    /* libsndfile writes through the temporary file's descriptor; sk_afile does fsync + rename. */
    w->sf = sf_open_fd(fileno(w->af.fp), SFM_WRITE, &wi, 0);
    if (!w->sf) {
        rc = sk_error(SK_EIO, "%s: cannot write WAV: %s", path, sf_strerror(NULL));
        sk_afile_abort(&w->af);
        free(w);
        return rc;
    }
    sf_command(w->sf, SFC_SET_CLIPPING, NULL, SF_TRUE);   /* PCM16: clip, never wrap around */
    *out = w;
    return SK_OK;
}

int sk_audio_writer_write(sk_audio_writer *w, const float *x, int64_t n) {
    for (int64_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return sk_error(SK_ENUM, "%s: sample %lld is not a finite number", w->af.path, (long long)(w->n + i));
    if (sf_writef_float(w->sf, x, n) != n) return sk_error(SK_EIO, "%s: write failed: %s", w->af.path, sf_strerror(w->sf));
    w->n += n;
    return SK_OK;
}

int sk_audio_writer_commit(sk_audio_writer *w) {
    int rc = SK_OK;
    if (sf_close(w->sf) != 0) rc = sk_error(SK_EIO, "%s: write failed while closing", w->af.path);
    w->sf = NULL;
    if (rc) sk_afile_abort(&w->af);
    else rc = sk_afile_commit(&w->af);
    free(w);
    return rc;
}

void sk_audio_writer_abort(sk_audio_writer *w) {
    if (!w) return;
    if (w->sf) sf_close(w->sf);
    sk_afile_abort(&w->af);
    free(w);
}

int sk_audio_write_wav(const char *path, const float *x, int64_t n, int rate, sk_audio_sample_format fmt) {
    sk_audio_writer *w;
    int rc = sk_audio_writer_open(&w, path, rate, fmt);
    if (rc) return rc;
    if ((rc = sk_audio_writer_write(w, x, n))) {
        sk_audio_writer_abort(w);
        return rc;
    }
    return sk_audio_writer_commit(w);
}

int sk_audio_write_tokens(const char *path, const uint8_t *q, int64_t n, sk_audio_codec c, int rate, sk_audio_sample_format fmt) {
    sk_audio_writer *w;
    int rc = sk_audio_writer_open(&w, path, rate, fmt);
    if (rc) return rc;
    float buf[4096];
    for (int64_t b = 0; b < n && !rc; b += 4096) {
        int64_t m = n - b < 4096 ? n - b : 4096;
        sk_audio_decode(q + b, m, c, buf);
        rc = sk_audio_writer_write(w, buf, m);
    }
    if (rc) {
        sk_audio_writer_abort(w);
        return rc;
    }
    return sk_audio_writer_commit(w);
}
