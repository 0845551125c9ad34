/* nova-volume-bench: prints how fast nova-volumed is, each figure side by
 * side with the bare work it wraps, measured in one run so that the
 * ratios hold on a loaded machine. Not a test: nothing here passes or
 * fails, a person reads the figures (doc/performance.md). */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <sqlite3.h>
#include <stdio.h>
#include <sys/utsname.h>

#include <gio/gunixmounts.h>

#include "bench-figures.h"

static const char *const figure_names[] = { "create-delete", "concurrent", "latency", "copy", "images", "backups", "scale", "lvm",
                                             NULL };

static gboolean
wanted (char **only, const char *figure)
{
  return only == NULL || g_strv_contains ((const char *const *) only, figure);
}

/* the first line of /proc/@file that starts with @key, after the colon */
static char *
proc_field (const char *file, const char *key)
{
  g_autofree char *path = g_build_filename ("/proc", file, NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], key) && strchr (lines[i], ':') != NULL)
      return g_strstrip (g_strdup (strchr (lines[i], ':') + 1));
  return NULL;
}

static char *
load_average (void)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;

  if (!g_file_get_contents ("/proc/loadavg", &text, NULL, NULL))
    return g_strdup ("unknown");
  fields = g_strsplit (g_strstrip (text), " ", 4);
  if (g_strv_length (fields) < 3)
    return g_strdup ("unknown");
  return g_strdup_printf ("%s %s %s", fields[0], fields[1], fields[2]);
}

/* where the figures come from: they mean little without it */
static void
describe_machine (BenchReport *report, const char *dir)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *date = g_date_time_format_iso8601 (now);
  g_autofree char *cpu = proc_field ("cpuinfo", "model name");
  g_autofree char *memory = proc_field ("meminfo", "MemTotal");
  g_autofree char *load = load_average ();
  g_autofree char *kernel = NULL;
  GUnixMountEntry *mount = g_unix_mount_for (dir, NULL);
  const char *fs_type = mount != NULL ? g_unix_mount_get_fs_type (mount) : "unknown";
  const char *device = mount != NULL ? g_unix_mount_get_device_path (mount) : "unknown";
  guint64 memory_bytes = memory != NULL ? g_ascii_strtoull (memory, NULL, 10) * 1024 : 0;
  struct utsname uts;

  kernel = uname (&uts) == 0 ? g_strdup_printf ("%s %s %s", uts.sysname, uts.release, uts.machine)
                             : g_strdup ("unknown");
  bench_report_section (report, "machine");
  bench_report_string (report, "date", date);
  bench_report_integer (report, "nproc", (gint64) g_get_num_processors ());
  bench_report_string (report, "cpu", cpu != NULL ? cpu : "unknown");
  bench_report_integer (report, "memory_bytes", (gint64) memory_bytes);
  bench_report_string (report, "kernel", kernel);
  bench_report_string (report, "dir", dir);
  bench_report_string (report, "fs_type", fs_type);
  bench_report_string (report, "device", device);
  bench_report_string (report, "load_at_start", load);
  bench_report_string (report, "nova_volume", PACKAGE_VERSION);
  bench_report_string (report, "sqlite", sqlite3_libversion ());
  bench_report_line (report, "machine: %s, %u CPUs (%s), %.1f GiB memory, %s on %s (%s), load %s; "
                     "nova-volume %s, SQLite %s",
                     date, g_get_num_processors (), cpu != NULL ? cpu : "unknown",
                     (double) memory_bytes / (1 << 30), dir, fs_type, device, load, PACKAGE_VERSION,
                     sqlite3_libversion ());
  if (mount != NULL)
    g_unix_mount_free (mount);
}

static void
remove_tree (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) rm = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "timeout", "600", "rm", "-rf",
                                                "--one-file-system", "--", dir, NULL);

  if (rm == NULL || !g_subprocess_wait_check (rm, NULL, &error))
    g_printerr ("nova-volume-bench: cannot remove %s: %s\n", dir, error->message);
}

static gboolean
run (BenchContext *ctx, char **only, GError **error)
{
  g_autoptr(BenchDaemon) daemon = bench_daemon_new (ctx->dir, error);
  g_autoptr(BenchBare) bare = NULL;
  double owned, ready;

  if (daemon == NULL)
    return FALSE;
  ctx->daemon = daemon;
  bare = bench_bare_new (ctx->dir, error);
  if (bare == NULL || !bench_daemon_start (daemon, &owned, &ready, error))
    return FALSE;
  ctx->bare = bare;

  /* the many volumes last: the others want an empty daemon */
  if ((wanted (only, "create-delete") && !bench_figure_create_delete (ctx, error))
      || (wanted (only, "concurrent") && !bench_figure_concurrent (ctx, error))
      || (wanted (only, "latency") && !bench_figure_latency (ctx, error))
      || (wanted (only, "copy") && !bench_figure_copy (ctx, error))
      || (wanted (only, "images") && !bench_figure_images (ctx, error))
      || (wanted (only, "backups") && !bench_figure_backups (ctx, error))
      || (wanted (only, "scale") && !bench_figure_scale (ctx, error)))
    {
      bench_daemon_print_log_tail (daemon);
      return FALSE;
    }
  if (wanted (only, "lvm"))
    bench_figure_lvm (ctx);
  if (!bench_daemon_stop (daemon, error))
    return FALSE;
  ctx->daemon = NULL;
  ctx->bare = NULL;
  return TRUE;
}

int
main (int argc, char **argv)
{
  gint count = 10000, pairs = 500, samples = 1000, copy_mib = 1024;
  gboolean json = FALSE, keep = FALSE;
  g_autofree char *parent = NULL;
  g_autofree char *only_text = NULL;
  g_auto(GStrv) only = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BenchReport) report = NULL;
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autofree char *template = NULL;
  g_autofree char *load = NULL;
  g_autofree char *figures = g_strjoinv (", ", (char **) figure_names);
  g_autofree char *description = NULL;
  BenchContext ctx = { 0 };
  gboolean ok;
  const GOptionEntry entries[] = {
    { "count", 'n', 0, G_OPTION_ARG_INT, &count, "Volumes for the scale figure (default 10000)", "N" },
    { "pairs", 'p', 0, G_OPTION_ARG_INT, &pairs, "CreateVolume+Delete pairs, and as many bare ones (default 500)",
      "N" },
    { "samples", 's', 0, G_OPTION_ARG_INT, &samples, "Idle Properties.Get samples (default 1000)", "N" },
    { "copy-mib", 'm', 0, G_OPTION_ARG_INT, &copy_mib,
      "Size of the volume snapshotted and cloned, in MiB; the 8 clones under load span a quarter of it "
      "to all of it (default 1024)", "MIB" },
    { "dir", 'd', 0, G_OPTION_ARG_FILENAME, &parent,
      "Make the scratch directory (state, volumes, bus) in DIR (default $TMPDIR or /tmp)", "DIR" },
    { "only", 'o', 0, G_OPTION_ARG_STRING, &only_text, "Measure only these figures, separated by commas", "LIST" },
    { "keep", 'k', 0, G_OPTION_ARG_NONE, &keep, "Keep the scratch directory (the daemon's log, its store)", NULL },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json, "Print the figures as JSON on stdout (the lines go to stderr)",
      NULL },
    G_OPTION_ENTRY_NULL
  };

  setlocale (LC_ALL, "");
  description = g_strdup_printf ("Figures: %s. Needs dbus-daemon and cp (coreutils) and the build tree's "
                                 "nova-volumed (or $NOVA_VOLUMED); writes about %d GiB of data during the "
                                 "latency and copy figures. The lvm figure boots a qemu guest "
                                 "(tests/vm/run-guest.sh; root, qemu, a kernel with 9p) and takes minutes "
                                 "under TCG; NOVA_BENCH_LVM_PAIRS, _ROUNDS, _MIB and _PASSES go to "
                                 "bench/lvm-guest.sh.",
                                 figures, 8);
  g_option_context_set_summary (context, "Measures nova-volumed with the file driver against the bare work it "
                                         "wraps, side by side in one run.");
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("nova-volume-bench: %s\n", error->message);
      return 2;
    }
  if (count < 10 || pairs < 5 || samples < 10 || copy_mib < 4)
    {
      g_printerr ("nova-volume-bench: --count needs at least 10, --pairs 5, --samples 10, --copy-mib 4\n");
      return 2;
    }
  if (only_text != NULL)
    {
      only = g_strsplit (only_text, ",", -1);
      for (guint i = 0; only[i] != NULL; i++)
        if (!g_strv_contains (figure_names, g_strstrip (only[i])))
          {
            g_printerr ("nova-volume-bench: no figure '%s'; the figures are %s\n", only[i], figures);
            return 2;
          }
    }
  if (!g_file_test (bench_nova_volumed_path (), G_FILE_TEST_IS_EXECUTABLE))
    {
      g_printerr ("nova-volume-bench: no %s: build it (meson compile) or set NOVA_VOLUMED\n",
                  bench_nova_volumed_path ());
      return 1;
    }

  template = g_build_filename (parent != NULL ? parent : g_get_tmp_dir (), "nova-volume-bench-XXXXXX", NULL);
  ctx.dir = g_mkdtemp (template) != NULL ? template : NULL;
  if (ctx.dir == NULL)
    {
      g_printerr ("nova-volume-bench: cannot make a directory like %s: %s\n", template, g_strerror (errno));
      return 1;
    }
  report = bench_report_new (json);
  describe_machine (report, ctx.dir);
  ctx.report = report;
  ctx.count = (guint) count;
  ctx.pairs = (guint) pairs;
  ctx.samples = (guint) samples;
  ctx.copy_size = (guint64) copy_mib * BENCH_MIB;

  ok = run (&ctx, only, &error);
  load = load_average ();
  bench_report_section (report, "machine");
  bench_report_string (report, "load_at_end", load);
  bench_report_line (report, "load at the end: %s", load);
  bench_report_finish (report);

  if (keep)
    g_printerr ("nova-volume-bench: kept %s\n", ctx.dir);
  else
    remove_tree (ctx.dir);
  if (!ok)
    {
      g_printerr ("nova-volume-bench: %s\n", error->message);
      return 1;
    }
  return 0;
}
