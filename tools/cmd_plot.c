/* cmd_plot.c — `ssmkit plot RUN.log.jsonl... -o curves.svg`: the training curves of one or more
 * runs in one SVG picture (src/sk_svg.h): training and validation loss in bits, the learning
 * rate, and accuracy (finetune), against the update step or the tokens seen. The log schema is
 * README.md's "Log lines".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "src/sk_json.h"
#include "src/sk_svg.h"
#include "tools/sk_cli.h"

enum { S_TRAIN, S_VALID, S_LR, S_VACC, S_TACC, N_SERIES };
enum { P_LOSS, P_LR, P_ACC, N_PANELS };

/* What each series is, the log field it comes from, its panel and its line style. */
static const struct {
    const char *id, *label;
    int panel, dashed;
} kinds[N_SERIES] = {
    {"train_bits", "training", P_LOSS, 0},     {"valid_bits", "validation", P_LOSS, 1}, {"lr", "learning rate", P_LR, 0},
    {"valid_accuracy", "validation", P_ACC, 0}, {"test_accuracy", "test", P_ACC, 1},
};
static const char *panel_title[N_PANELS] = {"loss (bits/token)", "learning rate", "accuracy"};
static const char *panel_name[N_PANELS] = {"loss", "lr", "accuracy"};
static const char *palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"};
enum { N_COLOURS = sizeof palette / sizeof palette[0] };

typedef struct series {
    double *x, *y;
    int64_t n, cap;
} series;

typedef struct run {
    char *name;              /* the path without .log.jsonl */
    series s[N_SERIES];
    double tokens_per_step;  /* from the last start/resume line (0: none seen) */
} run;

static int add_point(series *s, double x, double y, const char *path) {
    if (s->n == s->cap) {
        int64_t cap = s->cap ? 2 * s->cap : 256;
        double *nx = realloc(s->x, sizeof(double) * (size_t)cap);
        if (nx) s->x = nx;
        double *ny = nx ? realloc(s->y, sizeof(double) * (size_t)cap) : NULL;
        if (!nx || !ny) return sk_error(SK_ENOMEM, "%s: out of memory", path);
        s->y = ny;
        s->cap = cap;
    }
    s->x[s->n] = x, s->y[s->n] = y;
    s->n++;
    return SK_OK;
}

/* A finite number under key (null and absent give NAN). */
static double field(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) && isfinite(v->valuedouble) ? v->valuedouble : NAN;
}

/* Tokens per update from a start/resume line's "train" object: tokens_per_step when set, else
 * batch x length x accum. */
static double tokens_per_step(const cJSON *line) {
    const cJSON *tr = cJSON_GetObjectItemCaseSensitive(line, "train");
    if (!cJSON_IsObject(tr)) return 0;
    double t = field(tr, "tokens_per_step");
    if (t > 0) return t;
    double b = field(tr, "batch"), L = field(tr, "length"), a = field(tr, "accum");
    return b > 0 && L > 0 ? b * L * (a > 0 ? a : 1) : 0;
}

static int read_log(run *r, const char *path, int x_tokens) {
    FILE *f = fopen(path, "rb");
    if (!f) return sk_error(SK_EIO, "%s: cannot open: no such file or not readable", path);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int64_t lineno = 0, objects = 0, points = 0;
    int rc = SK_OK;
    while (!rc && (len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        int complete = len > 0 && line[len - 1] == '\n';
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        if (len == 0) continue;
        cJSON *o = cJSON_ParseWithLength(line, (size_t)len);
        if (!cJSON_IsObject(o)) {
            cJSON_Delete(o);
            if (!complete && objects > 0) {   /* a run still writing (or killed) leaves a torn last line */
                fprintf(stderr, "ssmkit: warning: %s: line %lld: incomplete last line ignored\n", path, (long long)lineno);
                break;
            }
            rc = sk_error(SK_EFORMAT, "%s: line %lld: not a JSON object (a training log has one per line)", path, (long long)lineno);
            break;
        }
        objects++;
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(o, "step");
        if (!cJSON_IsNumber(st) || st->valuedouble < 0 || st->valuedouble != floor(st->valuedouble)) {
            cJSON_Delete(o);
            rc = sk_error(SK_EFORMAT, "%s: line %lld: no integer \"step\" (not an ssmkit training log)", path, (long long)lineno);
            break;
        }
        double step = st->valuedouble, tps = tokens_per_step(o);
        if (tps > 0) r->tokens_per_step = tps;
        double y[N_SERIES] = {field(o, "bits"), field(o, "valid_bits"), field(o, "lr"), field(o, "valid_accuracy"),
                              field(o, "test_accuracy")};
        if (isnan(y[S_TRAIN])) y[S_TRAIN] = field(o, "train_loss") / log(2.0);   /* finetune: nats per epoch */
        for (int k = 0; k < N_SERIES && !rc; k++) {
            if (isnan(y[k])) continue;
            if (x_tokens && !(r->tokens_per_step > 0))
                rc = sk_error(SK_EFORMAT, "%s: line %lld: --x tokens needs a start line with the batch and length before it", path,
                              (long long)lineno);
            else rc = add_point(&r->s[k], x_tokens ? step * r->tokens_per_step : step, y[k], path), points++;
        }
        cJSON_Delete(o);
    }
    if (!rc && ferror(f)) rc = sk_error(SK_EIO, "%s: read error", path);
    fclose(f);
    free(line);
    if (!rc && objects == 0) rc = sk_error(SK_EFORMAT, "%s: empty log (no JSON lines)", path);
    if (!rc && points == 0) rc = sk_error(SK_EFORMAT, "%s: no loss, learning-rate or accuracy values in %lld lines", path, (long long)objects);
    return rc;
}

static void legend(sk_svg *s, const run *runs, int n, double x, double y) {
    for (int i = 0; i < n; i++) {
        double yy = y + 18 * i;
        sk_svg_line(s, x, yy - 4, x + 28, yy - 4, palette[i % N_COLOURS], 2.5, NULL);
        sk_svg_text(s, x + 36, yy, 12, "start", 0, NULL, runs[i].name);
    }
    double yy = y + 18 * n + 10;
    sk_svg_line(s, x, yy - 4, x + 28, yy - 4, "#555555", 1.5, NULL);
    sk_svg_text(s, x + 36, yy, 12, "start", 0, NULL, "solid: training loss, learning rate, validation accuracy");
    sk_svg_line(s, x, yy + 14, x + 28, yy + 14, "#555555", 1.5, "6 4");
    sk_svg_text(s, x + 36, yy + 18, 12, "start", 0, NULL, "dashed: validation loss, test accuracy");
}

static int draw(const run *runs, int n, const char *out, int x_tokens, const char *title) {
    int used[N_PANELS] = {0}, np = 0;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < N_SERIES; k++)
            if (runs[i].s[k].n) used[kinds[k].panel] = 1;
    for (int p = 0; p < N_PANELS; p++) np += used[p];
    const double pw = 460, ph = 260, mx = 80, my = 60, gapx = 90, gapy = 90;
    int cols = np > 1 ? 2 : 1, rows = (np + cols - 1) / cols;
    double legend_y = my + rows * (ph + gapy) - 20, width = mx + cols * pw + (cols - 1) * gapx + 30,
           height = legend_y + 18 * (n + 3) + 10;
    sk_svg s;
    int rc = sk_svg_open(&s, out, width, height);
    if (rc) return rc;
    sk_svg_text(&s, width / 2, 26, 15, "middle", 0, NULL, title);
    int slot = 0;
    for (int p = 0; p < N_PANELS; p++) {
        if (!used[p]) continue;
        double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
        for (int i = 0; i < n; i++)
            for (int k = 0; k < N_SERIES; k++)
                if (kinds[k].panel == p)
                    for (int64_t j = 0; j < runs[i].s[k].n; j++) {
                        x0 = fmin(x0, runs[i].s[k].x[j]), x1 = fmax(x1, runs[i].s[k].x[j]);
                        y0 = fmin(y0, runs[i].s[k].y[j]), y1 = fmax(y1, runs[i].s[k].y[j]);
                    }
        x0 = fmin(x0, 0);
        if (p != P_LOSS) y0 = fmin(y0, 0);
        if (p == P_ACC) y1 = fmax(y1, 1);
        sk_svg_nice_range(&x0, &x1, 6);
        sk_svg_nice_range(&y0, &y1, 5);
        sk_svg_axes a = {.left = mx + (slot % cols) * (pw + gapx), .top = my + (slot / cols) * (ph + gapy), .width = pw, .height = ph,
                         .x0 = x0, .x1 = x1, .y0 = y0, .y1 = y1};
        slot++;
        sk_svg_axes_begin(&s, &a, panel_name[p], panel_title[p], x_tokens ? "tokens" : "step", NULL);
        for (int i = 0; i < n; i++)
            for (int k = 0; k < N_SERIES; k++) {
                const series *se = &runs[i].s[k];
                if (kinds[k].panel != p || !se->n) continue;
                double *px = malloc(sizeof(double) * (size_t)se->n), *py = malloc(sizeof(double) * (size_t)se->n);
                if (!px || !py) {
                    free(px), free(py);
                    sk_svg_abort(&s);
                    return sk_error(SK_ENOMEM, "%s: out of memory", out);
                }
                for (int64_t j = 0; j < se->n; j++) px[j] = sk_svg_px(&a, se->x[j]), py[j] = sk_svg_py(&a, se->y[j]);
                char esc[512], attrs[700];
                sk_svg_escape(esc, sizeof esc, runs[i].name);
                snprintf(attrs, sizeof attrs, "class=\"series\" data-run=\"%s\" data-series=\"%s\"", esc, kinds[k].id);
                sk_svg_polyline(&s, px, py, se->n, palette[i % N_COLOURS], 1.8, kinds[k].dashed ? "6 4" : NULL, attrs);
                if (se->n <= 40)   /* sparse series (validations, a short run): dots, so a single point shows */
                    for (int64_t j = 0; j < se->n; j++)
                        sk_svg_raw(&s, "<circle class=\"marker\" cx=\"%.2f\" cy=\"%.2f\" r=\"2.8\" fill=\"%s\" stroke=\"%s\" stroke-width=\"1.4\"/>\n",
                                   px[j], py[j], kinds[k].dashed ? "#ffffff" : palette[i % N_COLOURS], palette[i % N_COLOURS]);
                free(px), free(py);
            }
        sk_svg_axes_end(&s);
    }
    legend(&s, runs, n, mx, legend_y);
    return sk_svg_close(&s);
}

static const char *usage =
    "Usage: ssmkit plot RUN.log.jsonl... -o OUT.svg [options]\n"
    "\n"
    "Draw the training curves of one or more runs (the STEM.log.jsonl that train and finetune\n"
    "write) in one SVG picture: training and validation loss in bits per token, the learning\n"
    "rate, and validation/test accuracy when the logs have them, one colour per run. A run still\n"
    "in progress can be plotted (a torn last line is skipped with a warning).\n"
    "\n"
    "Options:\n";

int cmd_plot(int argc, char **argv) {
    const char *cmd = "plot", *out = NULL, *title = NULL;
    int x_tokens = 0;
    static const int xs[] = {0, 1};
    const sk_opt opts[] = {
        SK_O_OUTPUT(&out, "OUT.svg", "picture to write (SVG, written atomically)"),
        SK_O_CHOICE("x", 0, &x_tokens, "step|tokens", xs, "step",
                    "x axis: the update step, or the tokens seen (step x tokens per update:\n"
                    "--tokens-per-step, else batch x length x accum of the run's start line)"),
        SK_O_STR("title", 0, &title, NULL, "TEXT", "title (default: \"training curves\")"),
        SK_O_HELP, SK_O_END};
    int ex = sk_cli_parse(&(const sk_cli){cmd, usage, opts, NULL}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
    if (!out) return sk_cli_usage(cmd, "missing -o OUT.svg");
    if (optind >= argc) return sk_cli_usage(cmd, "missing log files");
    int n = argc - optind, rc = SK_OK;
    run *runs = calloc((size_t)n, sizeof *runs);
    if (!runs) return sk_cli_fail("out of memory");
    for (int i = 0; i < n && !rc; i++) {
        const char *p = argv[optind + i];
        size_t len = strlen(p), suf = strlen(".log.jsonl");
        if (!(runs[i].name = strdup(p))) rc = sk_error(SK_ENOMEM, "out of memory");
        else if (len > suf && !strcmp(p + len - suf, ".log.jsonl")) runs[i].name[len - suf] = 0;
        if (!rc) rc = read_log(&runs[i], p, x_tokens);
    }
    if (!rc) rc = draw(runs, n, out, x_tokens, title ? title : "training curves");
    for (int i = 0; i < n; i++) {
        free(runs[i].name);
        for (int k = 0; k < N_SERIES; k++) free(runs[i].s[k].x), free(runs[i].s[k].y);
    }
    free(runs);
    if (rc) return sk_cli_fail(NULL);
    fprintf(stderr, "plot: %s: %d run%s\n", out, n, n > 1 ? "s" : "");
    return SK_EXIT_OK;
}
