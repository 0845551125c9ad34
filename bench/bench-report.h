/* nova-volume-bench: the clock, percentiles, and the figures as they are
 * printed: one human-readable line each, and the same values as JSON. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* seconds on CLOCK_MONOTONIC, nanosecond resolution */
double bench_now (void);

/* the @p-th percentile (0..100, nearest rank) of @values (doubles); sorts
 * @values in place; 0 when empty */
double bench_percentile (GArray *values, double p);

/* @a / @b, or 0 when @b is 0 */
double bench_ratio (double a, double b);

typedef struct _BenchReport BenchReport;

/* @json: the lines go to stderr as progress and the JSON document to
 * stdout at the end; otherwise the lines go to stdout */
BenchReport *bench_report_new (gboolean json);
void bench_report_free (BenchReport *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BenchReport, bench_report_free)

/* the values that follow belong to @section ("machine", a figure's name) */
void bench_report_section (BenchReport *self, const char *section);
void bench_report_number (BenchReport *self, const char *name, double value);
/* counts and bytes */
void bench_report_integer (BenchReport *self, const char *name, gint64 value);
void bench_report_string (BenchReport *self, const char *name, const char *value);
void bench_report_boolean (BenchReport *self, const char *name, gboolean value);

/* one line for a person, printed at once */
void bench_report_line (BenchReport *self, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* prints the JSON document when asked for one */
void bench_report_finish (BenchReport *self);

G_END_DECLS
