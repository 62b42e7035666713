/* sk_dna_prep.c — genomes to token shards: the windows of a BED (or of every record) of one FASTA,
 * or species-classification windows drawn from one FASTA per species. The genomics counterpart of
 * audio/sk_audio_prep.c; `ssmkit dna windows` is a thin shell over it. See sk_dna.h. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <cjson/cJSON.h>
#include <htslib/hts.h>
#include "genomics/sk_dna.h"
#include "src/sk_progress.h"
#include "src/sk_shard.h"

/* A class name from a file name: the base name without sequence/compression extensions. */
static char *basename_label(const char *path) {
    const char *b = strrchr(path, '/');
    char *s = strdup(b ? b + 1 : path);
    if (!s) return NULL;
    static const char *ext[] = {".gz", ".bgz", ".fa", ".fasta", ".fna", ".fq", ".fastq"};
    for (int again = 1; again;) {
        again = 0;
        for (size_t i = 0; i < sizeof ext / sizeof *ext; i++) {
            size_t n = strlen(s), m = strlen(ext[i]);
            if (n > m && !strcasecmp(s + n - m, ext[i])) {
                s[n - m] = 0;
                again = 1;
            }
        }
    }
    return s;
}

/* Shard metadata shared by both samplers. */
static cJSON *dna_meta(int flags, int64_t L, uint64_t seed, const char *const *files, int nfiles) {
    cJSON *m = cJSON_CreateObject(), *voc = cJSON_AddArrayToObject(m, "vocab"), *src;
    int nv;
    const char *const *v = sk_dna_vocab(flags, &nv);
    for (int i = 0; i < nv; i++) cJSON_AddItemToArray(voc, cJSON_CreateString(v[i]));
    cJSON_AddNumberToObject(m, "pad_token", SK_DNA_PAD);
    cJSON_AddStringToObject(m, "pad_rule", "ignore");
    cJSON_AddStringToObject(m, "domain", "dna");
    cJSON_AddStringToObject(m, "tokenizer", (flags & SK_DNA_KEEP_CASE) ? "hyenadna-char+lowercase" : "hyenadna-char");
    cJSON_AddNumberToObject(m, "length", (double)L);
    cJSON_AddNumberToObject(m, "seed", (double)seed);
    cJSON_AddStringToObject(m, "htslib", hts_version());
    src = cJSON_AddArrayToObject(m, "sources");
    for (int i = 0; i < nfiles; i++) {
        struct stat sb;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "path", files[i]);
        cJSON_AddNumberToObject(o, "size", stat(files[i], &sb) == 0 ? (double)sb.st_size : -1);
        cJSON_AddItemToArray(src, o);
    }
    return m;
}

static int write_shard(const char *out, cJSON *meta, sk_shard_writer **w) {
    char *js = cJSON_PrintUnformatted(meta);
    int st = js ? sk_shard_writer_open(w, out, 1, js) : sk_error(SK_ENOMEM, "out of memory");
    free(js);
    return st;
}

int sk_dna_prep_intervals(const char *fasta, const char *out, const sk_dna_prep_opts *a, int64_t *n_windows) {
    sk_dna_fasta *f = NULL;
    sk_dna_bed *bed = NULL;
    sk_dna_windows *w = NULL;
    sk_shard_writer *sw = NULL;
    uint8_t *ids = NULL;
    cJSON *meta = NULL;
    int st;
    /* every record whole from a pipe: held in memory (a pipe cannot be indexed; BED intervals need the index) */
    st = !a->bed && sk_dna_is_stream(fasta) ? sk_dna_fasta_read(&f, fasta) : sk_dna_fasta_open(&f, fasta);
    if (st < 0) goto done;
    st = a->bed ? sk_dna_bed_read(&bed, a->bed, f, -1) : sk_dna_bed_whole(&bed, f);
    if (st < 0) goto done;
    sk_dna_windows_opts o = {.length = a->length, .mode = a->mode, .split = a->split, .seed = a->seed,
                             .shuffle = a->shuffle, .rc_aug = a->rc_aug};
    if ((st = sk_dna_windows_create(&w, bed, f, &o)) < 0) goto done;
    sk_dna_windows_epoch(w, a->epoch);
    meta = dna_meta(a->flags, a->length, a->seed, &fasta, 1);
    cJSON_AddStringToObject(meta, "sampler", "intervals");
    cJSON_AddStringToObject(meta, "window_mode", sk_dna_window_mode_name(a->mode));
    cJSON_AddStringToObject(meta, "split", sk_dna_split_name(a->split));
    cJSON_AddStringToObject(meta, "bed", a->bed ? a->bed : "");
    cJSON_AddNumberToObject(meta, "epoch", (double)a->epoch);
    cJSON_AddBoolToObject(meta, "shuffle", a->shuffle);
    cJSON_AddBoolToObject(meta, "rc_aug", a->rc_aug);
    if (!(ids = malloc((size_t)a->length))) {
        st = sk_error(SK_ENOMEM, "out of memory");
        goto done;
    }
    if ((st = write_shard(out, meta, &sw)) < 0) goto done;
    int64_t n = sk_dna_windows_count(w);
    sk_progress_item(a->progress, NULL, n);
    for (int64_t i = 0; i < n && st >= 0; i++, sk_progress_add(a->progress, 1)) {
        sk_dna_window win = sk_dna_windows_get(w, i);
        int64_t k = sk_dna_window_tokens(f, &win, a->flags, ids);
        if (k < 0) st = (int)k;
        else st = sk_shard_writer_add(sw, ids, k, -1, win.split < 0 ? SK_SPLIT_TRAIN : win.split);
    }
    if (st >= 0) {
        st = sk_shard_writer_commit(sw);
        sw = NULL;
        if (st >= 0 && n_windows) *n_windows = n;
    }
done:
    if (sw) sk_shard_writer_abort(sw);
    cJSON_Delete(meta);
    free(ids);
    sk_dna_windows_free(w);
    sk_dna_bed_free(bed);
    sk_dna_fasta_close(f);
    return st < 0 ? st : 0;
}

int sk_dna_prep_species(const char *const *fastas, int nfiles, const char *out, const sk_dna_prep_opts *a) {
    sk_dna_species *s = NULL;
    sk_shard_writer *sw = NULL;
    uint8_t *ids = NULL;
    cJSON *meta = NULL;
    int st;
    sk_dna_species_opts o = {.length = a->length, .seed = a->seed, .split_by = a->split_by, .valid_chroms = a->valid_chroms,
                             .test_chroms = a->test_chroms, .max_n_frac = a->max_n_frac, .n_valid = a->n_valid,
                             .n_test = a->n_test};
    if ((st = sk_dna_species_create(&s, fastas, nfiles, &o)) < 0) goto done;
    meta = dna_meta(a->flags, a->length, a->seed, fastas, nfiles);
    cJSON_AddStringToObject(meta, "sampler", "species");
    cJSON_AddStringToObject(meta, "split_by", a->split_by == SK_DNA_SPLIT_BY_CHROM ? "chrom" : "position");
    cJSON_AddNumberToObject(meta, "max_n", a->max_n_frac);
    cJSON *labels = cJSON_AddArrayToObject(meta, "labels");
    const char *lp = a->labels;
    for (int i = 0; i < nfiles; i++) {
        char *name;
        if (a->labels && !lp) break;   /* fewer labels than files */
        if (lp) {
            size_t l = strcspn(lp, ",");
            name = strndup(lp, l);
            lp = lp[l] ? lp + l + 1 : NULL;
        } else name = basename_label(fastas[i]);
        cJSON_AddItemToArray(labels, cJSON_CreateString(name ? name : "?"));
        free(name);
    }
    if (lp || (a->labels && cJSON_GetArraySize(labels) != nfiles)) {
        st = sk_error(SK_EINVAL, "dna windows: --labels names %s classes than the %d FASTA files", lp ? "more" : "fewer", nfiles);
        goto done;
    }
    if (!(ids = malloc((size_t)a->length))) {
        st = sk_error(SK_ENOMEM, "out of memory");
        goto done;
    }
    if ((st = write_shard(out, meta, &sw)) < 0) goto done;
    sk_rng rng;
    sk_rng_seed(&rng, a->seed, 0);
    sk_dna_window win;
    sk_progress_item(a->progress, NULL, a->n_train + sk_dna_species_fixed_count(s, 1) + sk_dna_species_fixed_count(s, 2));
    for (int64_t i = 0; i < a->n_train && st >= 0; i++, sk_progress_add(a->progress, 1))
        if ((st = sk_dna_species_draw(s, &rng, a->flags, &win, ids)) >= 0)
            st = sk_shard_writer_add(sw, ids, a->length, win.label, SK_SPLIT_TRAIN);
    for (int k = 1; k <= 2; k++)
        for (int64_t i = 0; i < sk_dna_species_fixed_count(s, k) && st >= 0; i++, sk_progress_add(a->progress, 1))
            if ((st = sk_dna_species_fixed(s, k, i, a->flags, &win, ids)) >= 0)
                st = sk_shard_writer_add(sw, ids, a->length, win.label, k);
    if (st >= 0) {
        st = sk_shard_writer_commit(sw);
        sw = NULL;
    }
done:
    if (sw) sk_shard_writer_abort(sw);
    cJSON_Delete(meta);
    free(ids);
    sk_dna_species_free(s);
    return st < 0 ? st : 0;
}
