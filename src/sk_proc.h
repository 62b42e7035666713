/* sk_proc.h — the resident memory of this process, read from /proc/self/status (Linux; 0 where
 * it cannot be read). Defined in sk_proc.c.
 */
#ifndef SK_PROC_H
#define SK_PROC_H

#ifdef __cplusplus
extern "C" {
#endif

/* Peak resident set size of this process in MiB (VmHWM), and the current one (VmRSS). */
double sk_proc_peak_rss_mib(void);
double sk_proc_rss_mib(void);

#ifdef __cplusplus
}
#endif
#endif
