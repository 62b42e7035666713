/* sk_dna_tok.c — the character-level DNA tokenizer (HyenaDNA ids) and reverse complement.
 * Table in sk_dna.h; HyenaDNA's CharacterTokenizer puts 7 special tokens first, then
 * A C G T N as 7 + index (DESIGN.md §DNA tokenizer).
 */
#include <pthread.h>
#include <string.h>
#include "genomics/sk_dna.h"

static const char *const vocab[SK_DNA_VOCAB_SIZE_CASE] = {
    "[CLS]", "[SEP]", "[BOS]", "[MASK]", "[PAD]", "[RESERVED]", "[UNK]",
    "A", "C", "G", "T", "N", "a", "c", "g", "t", "n"};

const char *const *sk_dna_vocab(int flags, int *n) {
    if (n) *n = (flags & SK_DNA_KEEP_CASE) ? SK_DNA_VOCAB_SIZE_CASE : SK_DNA_VOCAB_SIZE;
    return vocab;
}

int sk_dna_is_iupac(unsigned char c) {
    return c < 128 && c && strchr("ACGTUNRYKMSWBDHVacgtunrykmswbdhv", c) != NULL;
}

uint8_t sk_dna_token(unsigned char c, int flags) {
    int lower = c >= 'a' && c <= 'z';
    unsigned char u = lower ? (unsigned char)(c - 32) : c;
    int id;
    switch (u) {
    case 'A': id = SK_DNA_A; break;
    case 'C': id = SK_DNA_C; break;
    case 'G': id = SK_DNA_G; break;
    case 'T': id = SK_DNA_T; break;
    default: id = sk_dna_is_iupac(c) ? SK_DNA_N : SK_DNA_UNK; break;
    }
    /* lowercase ids follow the HyenaDNA ones: a=12 .. t=15, n (and lowercase IUPAC) = 16 */
    if (lower && id != SK_DNA_UNK && (flags & SK_DNA_KEEP_CASE)) id += SK_DNA_LA - SK_DNA_A;
    return (uint8_t)id;
}

/* byte -> id tables for flags 0 and SK_DNA_KEEP_CASE, filled once from sk_dna_token */
static uint8_t tables[2][256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;
static void fill_tables(void) {
    for (int c = 0; c < 256; c++) {
        tables[0][c] = sk_dna_token((unsigned char)c, 0);
        tables[1][c] = sk_dna_token((unsigned char)c, SK_DNA_KEEP_CASE);
    }
}

int64_t sk_dna_tokenize(const char *seq, int64_t n, uint8_t *ids, int flags) {
    pthread_once(&tables_once, fill_tables);
    const uint8_t *map = tables[(flags & SK_DNA_KEEP_CASE) ? 1 : 0];
    int64_t unk = 0;
    for (int64_t i = 0; i < n; i++) {
        ids[i] = map[(unsigned char)seq[i]];
        unk += ids[i] == SK_DNA_UNK;
    }
    return unk;
}

void sk_dna_detokenize(const uint8_t *ids, int64_t n, char *out) {
    for (int64_t i = 0; i < n; i++)
        out[i] = ids[i] >= SK_DNA_A && ids[i] <= SK_DNA_LN ? vocab[ids[i]][0] : '?';
    out[n] = 0;
}

static unsigned char comp_byte(unsigned char c) {
    switch (c) {
    case 'A': return 'T';
    case 'T': return 'A';
    case 'C': return 'G';
    case 'G': return 'C';
    case 'a': return 't';
    case 't': return 'a';
    case 'c': return 'g';
    case 'g': return 'c';
    default: return c;   /* N and IUPAC codes are left as they are (HyenaDNA/Caduceus) */
    }
}

void sk_dna_revcomp(char *seq, int64_t n) {
    for (int64_t i = 0, j = n - 1; i <= j; i++, j--) {
        unsigned char a = comp_byte((unsigned char)seq[i]), b = comp_byte((unsigned char)seq[j]);
        seq[i] = (char)b;
        seq[j] = (char)a;
    }
}

static uint8_t comp_id(uint8_t t) {
    /* A7<->T10, C8<->G9 (Caduceus complement_map); a12<->t15, c13<->g14 */
    if (t >= SK_DNA_A && t <= SK_DNA_T) return (uint8_t)(SK_DNA_A + SK_DNA_T - t);
    if (t >= SK_DNA_LA && t <= SK_DNA_LT) return (uint8_t)(SK_DNA_LA + SK_DNA_LT - t);
    return t;
}

void sk_dna_revcomp_ids(uint8_t *ids, int64_t n) {
    for (int64_t i = 0, j = n - 1; i <= j; i++, j--) {
        uint8_t a = comp_id(ids[i]), b = comp_id(ids[j]);
        ids[i] = b;
        ids[j] = a;
    }
}
