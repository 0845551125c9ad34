/* nova-volume-bench, figure 5: the lvm-iscsi driver in a qemu guest.
 * The guest harness (tests/vm/run-guest.sh) boots a throwaway guest and
 * runs bench/lvm-guest.sh in it, which measures CreateVolume+Delete over
 * D-Bus against lvcreate, the target commands and lvremove, side by side;
 * this reads its results file back and reports the figure. Where no
 * guest can run, the figure says why. */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "bench-figures.h"

/* the guest script's own limit; the whole run gets a minute more */
#define GUEST_TIMEOUT_S 2700
/* 500 LVs of one extent for the scale rounds, and the passes' volumes */
#define GUEST_DISK "3G"

/* knobs of bench/lvm-guest.sh passed on from the bench's environment */
static const char *const guest_knobs[] = {
  "NOVA_BENCH_LVM_PAIRS", "NOVA_BENCH_LVM_ROUNDS", "NOVA_BENCH_LVM_MIB", "NOVA_BENCH_LVM_PASSES",
  "NOVA_BENCH_LVM_UDISKS", "NOVA_BENCH_LVM_SCALE", NULL
};

static void
not_measured (BenchContext *ctx, const char *reason)
{
  bench_report_section (ctx->report, "lvm");
  bench_report_boolean (ctx->report, "measured", FALSE);
  bench_report_string (ctx->report, "reason", reason);
  bench_report_line (ctx->report, "lvm: not measured: %s", reason);
}

/* why the harness cannot run here, or NULL */
static char *
cannot_run (void)
{
  g_autofree char *qemu = g_find_program_in_path ("qemu-system-x86_64");
  g_autofree char *runner = g_build_filename (BENCH_SOURCE_ROOT, "tests", "vm", "run-guest.sh", NULL);

  if (getuid () != 0)
    return g_strdup ("needs root (the guest harness, tests/vm/, shares the host's root with a qemu guest)");
  if (qemu == NULL)
    return g_strdup ("no qemu-system-x86_64 (install qemu-system-x86) for the guest harness (tests/vm/)");
  if (!g_file_test (runner, G_FILE_TEST_IS_REGULAR))
    return g_strdup_printf ("no %s", runner);
  if (g_str_has_prefix (BENCH_BUILD_ROOT, "/run/"))
    return g_strdup_printf ("the build directory %s is under /run, which the guest mounts afresh",
                            BENCH_BUILD_ROOT);
  return NULL;
}

/* the last line of @text that starts with @prefix, after it */
static char *
last_line_after (const char *text, const char *prefix)
{
  g_auto(GStrv) lines = g_strsplit (text != NULL ? text : "", "\n", -1);
  const char *found = NULL;

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      found = lines[i] + strlen (prefix);
  return found != NULL ? g_strdup (found) : NULL;
}

/* "run-guest: guest ran 70.0s with tcg: PASS": tcg, 70.0 */
static void
parse_summary (const char *err, char **accel, double *seconds)
{
  g_autofree char *summary = last_line_after (err, "run-guest: guest ran ");
  const char *with;

  *accel = NULL;
  *seconds = 0;
  if (summary == NULL)
    return;
  *seconds = g_ascii_strtod (summary, NULL);
  with = strstr (summary, " with ");
  if (with != NULL)
    *accel = g_strndup (with + 6, strcspn (with + 6, ":"));
}

static void
die_with_parent (gpointer user_data)
{
  /* timeout(1) passes the signal on to run-guest.sh, which stops qemu */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* runs the guest; FALSE with @reason when it did not measure */
static gboolean
run_guest (const char *workdir, char **out_err, char **reason)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                                       | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocess) guest = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *skip = NULL;
  int status;

  g_ptr_array_add (argv, g_strdup ("timeout"));
  g_ptr_array_add (argv, g_strdup ("--kill-after=10"));
  g_ptr_array_add (argv, g_strdup_printf ("%d", GUEST_TIMEOUT_S + 60));
  g_ptr_array_add (argv, g_strdup ("bash"));
  g_ptr_array_add (argv, g_build_filename (BENCH_SOURCE_ROOT, "tests", "vm", "run-guest.sh", NULL));
  g_ptr_array_add (argv, g_strdup ("--script"));
  g_ptr_array_add (argv, g_build_filename (BENCH_SOURCE_ROOT, "bench", "lvm-guest.sh", NULL));
  g_ptr_array_add (argv, g_strdup ("--disk"));
  g_ptr_array_add (argv, g_strdup (GUEST_DISK));
  g_ptr_array_add (argv, g_strdup ("--timeout"));
  g_ptr_array_add (argv, g_strdup_printf ("%d", GUEST_TIMEOUT_S));
  g_ptr_array_add (argv, g_strdup ("--workdir"));
  g_ptr_array_add (argv, g_strdup (workdir));
  g_ptr_array_add (argv, g_strdup ("--cache-dir"));
  g_ptr_array_add (argv, g_build_filename (BENCH_BUILD_ROOT, "tests", "vm-cache", NULL));
  g_ptr_array_add (argv, g_strdup ("--env"));
  g_ptr_array_add (argv, g_strdup ("NOVA_VOLUME_BUILD_ROOT=" BENCH_BUILD_ROOT));
  g_ptr_array_add (argv, g_strdup ("--env"));
  g_ptr_array_add (argv, g_strdup ("NOVA_VOLUME_SOURCE_ROOT=" BENCH_SOURCE_ROOT));
  for (guint i = 0; guest_knobs[i] != NULL; i++)
    {
      const char *value = g_getenv (guest_knobs[i]);

      if (value == NULL)
        continue;
      g_ptr_array_add (argv, g_strdup ("--env"));
      g_ptr_array_add (argv, g_strdup_printf ("%s=%s", guest_knobs[i], value));
    }
  g_ptr_array_add (argv, NULL);

  g_printerr ("lvm: running bench/lvm-guest.sh in a qemu guest (tests/vm/run-guest.sh): minutes under TCG\n");
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  guest = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  if (guest == NULL || !g_subprocess_communicate_utf8 (guest, NULL, NULL, &out, out_err, &error))
    {
      *reason = g_strdup_printf ("cannot run the guest harness: %s", error->message);
      return FALSE;
    }
  status = g_subprocess_get_if_exited (guest) ? g_subprocess_get_exit_status (guest) : -1;
  if (status == 0)
    return TRUE;
  skip = last_line_after (out, "SKIP: ");
  if (status == 77)
    *reason = g_strdup_printf ("the guest harness cannot run here: %s", skip != NULL ? skip : "no reason given");
  else if (status == 124 || status == 137)
    *reason = g_strdup_printf ("the guest did not finish within %d s", GUEST_TIMEOUT_S + 60);
  else
    {
      /* the console, the logs: what run-guest.sh prints on a failure */
      g_printerr ("%s", *out_err != NULL ? *out_err : "");
      *reason = g_strdup_printf ("the guest run failed (exit status %d; its logs are above)", status);
    }
  return FALSE;
}

/* "tag key=value key=value": the values by key, the tag as "" */
static GHashTable *
parse_fields (const char *line)
{
  GHashTable *fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) words = g_strsplit (line, " ", -1);

  for (guint i = 0; words[i] != NULL; i++)
    {
      const char *eq = strchr (words[i], '=');

      if (i == 0)
        g_hash_table_insert (fields, g_strdup (""), g_strdup (words[i]));
      else if (eq != NULL)
        g_hash_table_insert (fields, g_strndup (words[i], (gsize) (eq - words[i])), g_strdup (eq + 1));
    }
  return fields;
}

static double
number (GHashTable *fields, const char *key)
{
  const char *value = g_hash_table_lookup (fields, key);

  return value != NULL ? g_ascii_strtod (value, NULL) : 0;
}

static const char *
text (GHashTable *fields, const char *key)
{
  const char *value = g_hash_table_lookup (fields, key);

  return value != NULL ? value : "";
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* every field of a line into the report, as <prefix>_<key>, in the
 * order of the keys: numbers as numbers, whole ones as integers */
static void
report_fields (BenchContext *ctx, GHashTable *fields, const char *prefix)
{
  g_autofree char *stem = g_strdelimit (g_strdup (prefix), "-", '_');
  guint n = 0;
  g_autofree const char **keys = (const char **) g_hash_table_get_keys_as_array (fields, &n);

  qsort (keys, n, sizeof *keys, compare_strings);
  for (guint i = 0; i < n; i++)
    {
      const char *value = g_hash_table_lookup (fields, keys[i]);
      g_autofree char *name = NULL;
      char *end = NULL;
      double x;

      if (*keys[i] == '\0' || g_str_equal (keys[i], "pass"))
        continue;
      name = g_strdup_printf ("%s_%s", stem, keys[i]);
      x = g_ascii_strtod (value, &end);
      if (end == value || *end != '\0')
        bench_report_string (ctx->report, name, value);
      else if (strchr (value, '.') == NULL)
        bench_report_integer (ctx->report, name, (gint64) x);
      else
        bench_report_number (ctx->report, name, x);
    }
}

/* the same pass's udisks2 side: CreatePlainVolume+Delete through udisksd */
static void
report_udisks (BenchContext *ctx, const char *name, GHashTable *udisks)
{
  g_autofree char *prefix = g_strconcat (name, "-udisks", NULL);

  report_fields (ctx, udisks, prefix);
  bench_report_line (ctx->report,
                     "lvm %s: udisks2 VolumeGroup.CreatePlainVolume + LogicalVolume.Delete %.2f s a pair "
                     "(create %.2f s, delete %.2f s; median of %s); nova-volume %.2f s with the export, %.2f s "
                     "less the bare side's export and teardown: %.2fx udisks2's",
                     name, number (udisks, "udisks_pair_s"), number (udisks, "udisks_create_s"),
                     number (udisks, "udisks_delete_s"), text (udisks, "pairs"), number (udisks, "dbus_pair_s"),
                     number (udisks, "dbus_without_export_s"), number (udisks, "ratio"));
  if (g_hash_table_contains (udisks, "create"))
    bench_report_line (ctx->report,
                       "lvm %s: one more udisks2 pair under strace: create %.2f s, of which %.2f s in the "
                       "programs udisksd started (%s); delete %.2f s, %.2f s in (%s)",
                       name, number (udisks, "traced_create_s"), number (udisks, "create_programs_s"),
                       text (udisks, "create"), number (udisks, "traced_delete_s"),
                       number (udisks, "delete_programs_s"), text (udisks, "delete"));
}

static void
report_pass (BenchContext *ctx, GHashTable *pass, GHashTable *commands, const char *accel)
{
  const char *name = text (pass, "pass");
  gboolean lio = g_str_equal (text (pass, "helper"), "lioadm");

  report_fields (ctx, pass, name);
  bench_report_line (ctx->report,
                     "lvm %s (%s in the guest, %s MiB, iscsi_helper %s, lvm_type %s): CreateVolume+Delete over "
                     "D-Bus %.2f s a pair (create %.2f s, delete %.2f s; median of %s, %.2f-%.2f s); bare "
                     "lvcreate + %s + teardown + lvremove %.2f s (lvcreate %.2f, target %.2f, teardown %.2f, "
                     "lvremove %.2f; %.2f-%.2f s): %.2fx",
                     name, accel, text (pass, "mib"), text (pass, "helper"), text (pass, "lvm_type"),
                     number (pass, "dbus_pair_s"), number (pass, "dbus_create_s"), number (pass, "dbus_delete_s"),
                     text (pass, "pairs"), number (pass, "dbus_pair_min_s"), number (pass, "dbus_pair_max_s"),
                     lio ? "LIO configfs mkdir/write/symlink" : "4 tgtadm", number (pass, "bare_pair_s"),
                     number (pass, "bare_lvcreate_s"), number (pass, "bare_target_s"),
                     number (pass, "bare_untarget_s"), number (pass, "bare_lvremove_s"),
                     number (pass, "bare_pair_min_s"), number (pass, "bare_pair_max_s"), number (pass, "ratio"));
  bench_report_line (ctx->report,
                     "lvm %s: beside them a busctl call (the client's start and one round trip) %.3f s, "
                     "a process start (/bin/true) %.3f s",
                     name, number (pass, "client_ping_s"), number (pass, "process_s"));
  if (commands != NULL)
    {
      report_fields (ctx, commands, name);
      bench_report_line (ctx->report,
                         "lvm %s: one more pair under strace: CreateVolume %.2f s, of which %.2f s in the "
                         "programs nova-volumed started (%s); Delete %.2f s, %.2f s in (%s)",
                         name, number (commands, "traced_create_s"), number (commands, "create_programs_s"),
                         text (commands, "create"), number (commands, "traced_delete_s"),
                         number (commands, "delete_programs_s"), text (commands, "delete"));
    }
}

/* a create and delete among N other LVs of the group, both sides */
static void
report_scale (BenchContext *ctx, GHashTable *scale)
{
  g_autofree char *prefix = g_strconcat ("scale-", text (scale, "lvs"), NULL);

  report_fields (ctx, scale, prefix);
  bench_report_line (ctx->report,
                     "lvm among %s other LVs (LIO, thick): nova-volume CreateVolume+Delete %.2f s a pair (create "
                     "%.2f s, with the export), udisks2 CreatePlainVolume+Delete %.2f s (create %.2f s; medians "
                     "of %s): %.2fx udisks2's",
                     text (scale, "lvs"), number (scale, "dbus_pair_s"), number (scale, "dbus_create_s"),
                     number (scale, "udisks_pair_s"), number (scale, "udisks_create_s"), text (scale, "pairs"),
                     number (scale, "ratio"));
}

static void
report_results (BenchContext *ctx, const char *contents, const char *accel, double guest_s)
{
  g_auto(GStrv) lines = g_strsplit (contents, "\n", -1);
  g_autoptr(GHashTable) commands = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                          (GDestroyNotify) g_hash_table_unref);
  g_autoptr(GHashTable) udisks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                        (GDestroyNotify) g_hash_table_unref);
  g_autoptr(GPtrArray) passes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_hash_table_unref);
  g_autoptr(GPtrArray) scales = g_ptr_array_new_with_free_func ((GDestroyNotify) g_hash_table_unref);

  bench_report_section (ctx->report, "lvm");
  bench_report_boolean (ctx->report, "measured", TRUE);
  bench_report_string (ctx->report, "accel", accel);
  bench_report_number (ctx->report, "guest_s", guest_s);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      GHashTable *fields = parse_fields (lines[i]);
      const char *tag = text (fields, "");

      if (g_str_equal (tag, "lvm-guest"))
        {
          report_fields (ctx, fields, "guest");
          bench_report_line (ctx->report,
                             "lvm: a qemu guest with %s, %s CPU, %.0f MiB; kernel %s, LVM %s, tgt %s (the "
                             "host's user space); %.0f s in the guest",
                             accel, text (fields, "nproc"), number (fields, "mem_kib") / 1024,
                             text (fields, "kernel"), text (fields, "lvm"), text (fields, "tgtd"), guest_s);
          g_hash_table_unref (fields);
        }
      else if (g_str_equal (tag, "lvm-commands"))
        g_hash_table_insert (commands, g_strdup (text (fields, "pass")), fields);
      else if (g_str_equal (tag, "lvm-udisks"))
        g_hash_table_insert (udisks, g_strdup (text (fields, "pass")), fields);
      else if (g_str_equal (tag, "lvm-udisks-missing"))
        {
          g_autofree char *why = g_strdelimit (g_strdup (text (fields, "why")), "_", ' ');

          bench_report_string (ctx->report, "udisks_missing", why);
          bench_report_line (ctx->report, "lvm: udisks2 not measured: %s", why);
          g_hash_table_unref (fields);
        }
      else if (g_str_equal (tag, "lvm-pass"))
        g_ptr_array_add (passes, fields);
      else if (g_str_equal (tag, "lvm-scale"))
        g_ptr_array_add (scales, fields);
      else if (g_str_equal (tag, "lvm-scale-failed"))
        {
          g_autofree char *prefix = g_strconcat ("scale-", text (fields, "lvs"), NULL);

          report_fields (ctx, fields, prefix);
          bench_report_line (ctx->report,
                             "lvm among %s other LVs: a %s call did not answer within 120 s; nova-volume's pairs "
                             "before it %.2f s (median)",
                             text (fields, "lvs"),
                             g_str_equal (text (fields, "side"), "udisks") ? "udisks2" : "nova-volume",
                             number (fields, "dbus_pair_s"));
          g_hash_table_unref (fields);
        }
      else if (g_str_equal (tag, "lvm-scale-missing"))
        {
          g_autofree char *why = g_strdelimit (g_strdup (text (fields, "why")), "_", ' ');

          bench_report_string (ctx->report, "scale_missing", why);
          bench_report_line (ctx->report, "lvm: the scale rounds did not run: %s", why);
          g_hash_table_unref (fields);
        }
      else
        g_hash_table_unref (fields);
    }
  for (guint i = 0; i < passes->len; i++)
    {
      GHashTable *pass = g_ptr_array_index (passes, i);

      report_pass (ctx, pass, g_hash_table_lookup (commands, text (pass, "pass")), accel);
      if (g_hash_table_contains (udisks, text (pass, "pass")))
        report_udisks (ctx, text (pass, "pass"), g_hash_table_lookup (udisks, text (pass, "pass")));
    }
  for (guint i = 0; i < scales->len; i++)
    report_scale (ctx, g_ptr_array_index (scales, i));
  if (passes->len == 0)
    bench_report_line (ctx->report, "lvm: the guest ran, but measured no pass");
}

void
bench_figure_lvm (BenchContext *ctx)
{
  g_autofree char *reason = cannot_run ();
  g_autofree char *workdir = NULL;
  g_autofree char *results = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *err = NULL;
  g_autofree char *accel = NULL;
  g_autoptr(GError) error = NULL;
  double guest_s;

  if (reason != NULL)
    {
      not_measured (ctx, reason);
      return;
    }
  workdir = g_build_filename (ctx->dir, "lvm-guest", NULL);
  if (!run_guest (workdir, &err, &reason))
    {
      not_measured (ctx, reason);
      return;
    }
  results = g_build_filename (workdir, "lvm-bench.results", NULL);
  if (!g_file_get_contents (results, &contents, NULL, &error))
    {
      g_autofree char *why = g_strdup_printf ("the guest left no results: %s", error->message);

      not_measured (ctx, why);
      return;
    }
  parse_summary (err, &accel, &guest_s);
  report_results (ctx, contents, accel != NULL ? accel : "unknown", guest_s);
}
