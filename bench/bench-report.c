/* nova-volume-bench: the clock, percentiles and the output. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

#include <json-glib/json-glib.h>

#include "bench-report.h"

double
bench_now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

double
bench_percentile (GArray *values, double p)
{
  guint rank;

  if (values->len == 0)
    return 0;
  g_array_sort (values, compare_doubles);
  /* nearest rank: the smallest value with at least p% of them at or below */
  rank = (guint) ceil (p / 100.0 * values->len);
  rank = CLAMP (rank, 1, values->len);
  return g_array_index (values, double, rank - 1);
}

double
bench_ratio (double a, double b)
{
  return b > 0 ? a / b : 0;
}

struct _BenchReport {
  gboolean    json;
  JsonObject *root;
  JsonObject *section; /* owned by root */
};

BenchReport *
bench_report_new (gboolean json)
{
  BenchReport *self = g_new0 (BenchReport, 1);

  self->json = json;
  self->root = json_object_new ();
  return self;
}

void
bench_report_free (BenchReport *self)
{
  json_object_unref (self->root);
  g_free (self);
}

void
bench_report_section (BenchReport *self, const char *section)
{
  if (!json_object_has_member (self->root, section))
    json_object_set_object_member (self->root, section, json_object_new ());
  self->section = json_object_get_object_member (self->root, section);
}

void
bench_report_number (BenchReport *self, const char *name, double value)
{
  g_return_if_fail (self->section != NULL);
  /* JSON has no NaN or infinity */
  json_object_set_double_member (self->section, name, isfinite (value) ? value : 0);
}

void
bench_report_integer (BenchReport *self, const char *name, gint64 value)
{
  g_return_if_fail (self->section != NULL);
  json_object_set_int_member (self->section, name, value);
}

void
bench_report_string (BenchReport *self, const char *name, const char *value)
{
  g_return_if_fail (self->section != NULL);
  json_object_set_string_member (self->section, name, value);
}

void
bench_report_boolean (BenchReport *self, const char *name, gboolean value)
{
  g_return_if_fail (self->section != NULL);
  json_object_set_boolean_member (self->section, name, value);
}

void
bench_report_line (BenchReport *self, const char *format, ...)
{
  g_autofree char *line = NULL;
  va_list args;
  FILE *out = self->json ? stderr : stdout;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (out, "%s\n", line);
  fflush (out);
}

void
bench_report_finish (BenchReport *self)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonGenerator) generator = NULL;
  g_autofree char *text = NULL;

  if (!self->json)
    return;
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, self->root);
  generator = json_generator_new ();
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  printf ("%s\n", text);
  fflush (stdout);
}
