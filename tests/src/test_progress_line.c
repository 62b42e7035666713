/* test_progress_line.c — the text of the progress line (src/sk_progress.h) against strings worked out
 * by hand:
 *   3.2M of 21M bases after 26.6667 s: rate 3.2e6 / 26.6667 = 120000 -> "120k"; left 17.8e6 /
 *     120000 = 148.3 s -> "2:28"; 3.2 / 21 = 15.2 % -> "15%"
 *   a second part: 1M done before, 0.5M of 2M now, 10 s: rate 1.5e6 / 10 = 150k; eta 1.5e6 /
 *     150k = 10 s; 25 %
 *   unknown size: 1234 windows ("1.23k") in 21.76 s: 56.71 / s -> "56.7"; 21.76 s -> "0:22"
 *   summary: 20M + 1M bases in 175 s -> "21.0M", 120k / s, "2:55"
 *   no unit: 10 of 150 in 5 s: 2 / s -> "2.00"; 140 / 2 = 70 s -> "1:10"; 6.67 % -> "6%"
 */
#include "src/sk_progress.h"
#include "tests/sk_test.h"

static void check_num(double v, int integer, const char *want) {
    char b[32];
    sk_progress_num(v, integer, b, sizeof b);
    SK_CHECK(!strcmp(b, want), "num %.17g (%d): '%s' != '%s'", v, integer, b, want);
}

static void check_time(double s, const char *want) {
    char b[32];
    sk_progress_time(s, b, sizeof b);
    SK_CHECK(!strcmp(b, want), "time %.17g: '%s' != '%s'", s, b, want);
}

static void check_line(const sk_progress *p, double el, int final, const char *want) {
    char b[256];
    size_t n = sk_progress_line(p, el, final, b, sizeof b);
    SK_CHECK(!strcmp(b, want) && n == strlen(want), "line: '%s' != '%s'", b, want);
}

int main(void) {
    check_num(0, 1, "0");
    check_num(999, 1, "999");
    check_num(999.5, 1, "1.00k");
    check_num(1000, 1, "1.00k");
    check_num(12345, 1, "12.3k");
    check_num(120000, 0, "120k");
    check_num(999499, 1, "999k");
    check_num(999500, 1, "1.00M");
    check_num(3200000, 1, "3.20M");
    check_num(21e6, 1, "21.0M");
    check_num(9.996, 0, "10.0");
    check_num(56.71, 0, "56.7");
    check_num(0.5, 0, "0.50");
    check_num(999.4, 0, "999");
    check_num(4.2e9, 1, "4.20G");
    check_num(-1, 0, "?");
    check_num(INFINITY, 0, "?");

    check_time(0, "0:00");
    check_time(59.4, "0:59");
    check_time(59.5, "1:00");
    check_time(148.33, "2:28");
    check_time(3600, "1:00:00");
    check_time(3723, "1:02:03");
    check_time(-1, "?");
    check_time(NAN, "?");

    sk_progress p = {.label = "eval", .unit = "bases", .item = "chr1", .total = 21000000, .done = 3200000};
    check_line(&p, 3200000.0 / 120000.0, 0, "eval chr1: 3.20M/21.0M bases (15%), 120k bases/s, eta 2:28");
    p = (sk_progress){.label = "eval", .unit = "bases", .item = "chr2", .total = 2000000, .done = 500000, .before = 1000000};
    check_line(&p, 10, 0, "eval chr2: 500k/2.00M bases (25%), 150k bases/s, eta 0:10");
    p = (sk_progress){.label = "eval", .unit = "bases", .done = 1000000, .before = 20000000};
    check_line(&p, 175, 1, "eval: 21.0M bases in 2:55, 120k bases/s");
    p = (sk_progress){.label = "classify", .unit = "windows", .done = 1234};
    check_line(&p, 21.76, 0, "classify: 1.23k windows, 56.7 windows/s, 0:22 elapsed");
    p = (sk_progress){.label = "prep", .total = 150, .done = 10};
    check_line(&p, 5, 0, "prep: 10/150 (6%), 2.00/s, eta 1:10");
    p = (sk_progress){.label = "x", .total = 10};
    check_line(&p, 0, 0, "x: 0/10 (0%), ?/s, eta ?"); /* no time yet: no rate, no eta */
    p = (sk_progress){.label = "x", .total = 10, .done = 12};
    check_line(&p, 1, 0, "x: 10/10 (100%), 12.0/s, eta 0:00"); /* a count past the size stops at it */
    char small[10];
    SK_CHECK(sk_progress_line(&p, 1, 0, small, sizeof small) == 9 && !strcmp(small, "x: 10/10 "), "cut: '%s'", small);

    /* parts: what is done moves to the rate's count; a long name is cut to the buffer */
    sk_progress q;
    sk_progress_open(&q, "embed", "bases", 0, 1);
    SK_CHECK(!q.enabled, "quiet: not drawn");
    sk_progress_add(&q, 700);
    sk_progress_item(&q, "a_record_name_much_longer_than_thirty_two_characters", 1000);
    sk_progress_add(&q, 300);
    SK_CHECK(q.before == 700 && q.done == 300 && q.total == 1000, "item: %lld %lld %lld", (long long)q.before,
             (long long)q.done, (long long)q.total);
    SK_CHECK(strlen(q.item) == sizeof q.item - 1 && !strncmp(q.item, "a_record_name", 13), "item name '%s'", q.item);
    sk_progress_end(&q);
    /* a NULL progress is silent and does nothing */
    sk_progress_item(NULL, "x", 1), sk_progress_add(NULL, 1), sk_progress_update(NULL, 1), sk_progress_end(NULL);
    return sk_test_finish("test_progress_line");
}
