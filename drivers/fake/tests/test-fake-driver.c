/* nova-volume: tests for the "fake" driver (the seed's FakeISCSIDriver:
 * the commands an LVM + iSCSI driver would run, recorded) and the
 * "logging" driver (the seed's LoggingVolumeDriver), both loaded through
 * nova_volume_driver_load from the build tree.
 *
 * The fake's exports go through the lvm-iscsi driver's own code (the
 * shared export bookkeeping and the target helper iscsi_helper names), so
 * these tests pin the exact tgtadm argv (against the fake's in-memory
 * tgtd) and the exact LIO configfs changes (in a plain directory) that
 * the real driver makes, with target numbers from the store. */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "nova-volume-config.h"
#include "nova-volume-driver.h"
#include "nova-volume-error.h"
#include "nova-volume-executor.h"
#include "nova-volume-recording-executor.h"
#include "nova-volume-secret.h"
#include "nova-volume-store.h"
#include "test-util.h"

#define MiB (G_GUINT64_CONSTANT (1024) * 1024)
#define GiB (MiB * 1024)
#define TiB (GiB * 1024)

#define VG     "vg-test"
#define PREFIX "iqn.2010-10.org.openstack:"
#define PORTAL "10.0.0.5:3261"
#define HOST_A "iqn.1993-08.org.debian:01:aaaa"
#define HOST_B "iqn.1993-08.org.debian:01:bbbb"

/* what tgtadm is asked, as templates: @IQN@, @DEV@, @USER@ and @NAME@
 * stand for the volume's target name, its LV's device, its CHAP user and
 * its LV name (expand_template) */
#define TGT                "tgtadm --lld iscsi "
#define SHOW_TARGETS       TGT "--mode target --op show"
#define SHOW_ACCOUNTS      TGT "--mode account --op show"
#define NEW_TARGET(tid)    TGT "--mode target --op new --tid " tid " --targetname @IQN@"
#define NEW_LUN(tid)       TGT "--mode logicalunit --op new --tid " tid " --lun 1 --backing-store @DEV@"
#define NEW_ACCOUNT        TGT "--mode account --op new --user @USER@ --password " NOVA_VOLUME_EXECUTOR_MASK
#define BIND_ACCOUNT(tid)  TGT "--mode account --op bind --tid " tid " --user @USER@"
#define DELETE_TARGET(tid) TGT "--mode target --op delete --force --tid " tid
#define DELETE_ACCOUNT     TGT "--mode account --op delete --user @USER@"
#define ALLOW(tid, who)    TGT "--mode target --op bind --tid " tid " --initiator-name " who
#define DENY(tid, who)     TGT "--mode target --op unbind --tid " tid " --initiator-name " who
/* a fresh export: tgtd shows nothing of it, every step is made */
#define EXPORT_FRESH(tid)  SHOW_TARGETS, NEW_TARGET (tid), NEW_LUN (tid), SHOW_ACCOUNTS, NEW_ACCOUNT, \
                           BIND_ACCOUNT (tid)

/* what the LIO helper changes, as templates (the same placeholders) */
#define TPG "iscsi/@IQN@/tpgt_1"
#define SO  "core/iblock_1/@NAME@"

typedef struct {
  const char *driver;
  const char *helper;   /* iscsi_helper, NULL: the default (tgtadm) */
} Setup;

static const Setup setup_fake = { "fake", NULL };
static const Setup setup_fake_lio = { "fake", "lioadm" };
static const Setup setup_logging = { "logging", NULL };

typedef struct {
  char                        *state_dir;
  char                        *log_path;
  NovaVolumeStore             *store;
  NovaVolumeDriverContext     *ctx;
  NovaVolumeDriver            *driver;
  NovaVolumeRecordingExecutor *recorder;   /* the driver's own */
  GObject                     *target;     /* the fake's target helper */
  guint                        ops_seen;   /* its LIO operations taken so far */
} Fixture;

/* helpers */

static NovaVolumeDriverContext *
make_context (const char *state_dir, const char *driver, const char *helper, const char *log_key,
              const char *log_path, NovaVolumeExecutor *executor, NovaVolumeStore *store)
{
  g_autoptr(NovaVolumeConfig) config = nova_volume_config_new ();

  test_config_set (config, "volume_driver", driver);
  test_config_set (config, "volume_group", VG);
  test_config_set (config, "iscsi_ip_address", "10.0.0.5");
  test_config_set (config, "iscsi_port", "3261");
  if (helper != NULL)
    test_config_set (config, "iscsi_helper", helper);
  if (log_key != NULL)
    test_config_set (config, log_key, log_path);
  return nova_volume_driver_context_new (config, executor, NOVA_VOLUME_LEDGER (store), state_dir);
}

static NovaVolumeStore *
open_store (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "state.db", NULL);
  g_autoptr(GError) error = NULL;
  NovaVolumeStore *store = nova_volume_store_open (path, &error);

  g_assert_no_error (error);
  return store;
}

/* the driver's executor and helper, after a load */
static void
take_parts (Fixture *fx)
{
  g_clear_object (&fx->recorder);
  g_clear_object (&fx->target);
  fx->ops_seen = 0;
  g_object_get (fx->driver, "executor", &fx->recorder, "target", &fx->target, NULL);
  g_assert_nonnull (fx->recorder);
  g_assert_nonnull (fx->target);
}

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  const Setup *setup = data;
  gboolean fake = g_str_equal (setup->driver, "fake");
  g_autoptr(NovaVolumeExecutor) executor = NOVA_VOLUME_EXECUTOR (nova_volume_recording_executor_new ());

  fx->state_dir = test_make_tmp_dir ("nova-volume-fake-XXXXXX");
  fx->log_path = g_build_filename (fx->state_dir, "commands.log", NULL);
  fx->store = open_store (fx->state_dir);
  fx->ctx = make_context (fx->state_dir, setup->driver, setup->helper,
                          fake ? "fake_command_log" : "logging_driver_log", fx->log_path, executor, fx->store);
  fx->driver = test_driver_load (fx->ctx);
  if (fake)
    {
      take_parts (fx);
      /* the fake never touches the context's executor */
      g_assert_true ((gpointer) fx->recorder != (gpointer) executor);
    }
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  NovaVolumeRecordingExecutor *context_executor = NOVA_VOLUME_RECORDING_EXECUTOR (fx->ctx->executor);
  g_autoptr(GPtrArray) never_run = nova_volume_recording_executor_get_commands (context_executor);
  g_autofree char *log = NULL;

  g_assert_cmpuint (never_run->len, ==, 0);
  /* no address rule was ever asked for: it would switch tgt's name check
   * off for every host */
  if (g_file_get_contents (fx->log_path, &log, NULL, NULL))
    g_assert_null (strstr (log, "--initiator-address"));
  g_clear_object (&fx->target);
  g_clear_object (&fx->recorder);
  g_clear_object (&fx->driver);
  g_clear_pointer (&fx->ctx, nova_volume_driver_context_unref);
  g_clear_object (&fx->store);
  test_remove_tree (fx->state_dir);
  g_free (fx->state_dir);
  g_free (fx->log_path);
}

/* a new driver from the fixture's context, as after a restart or a
 * changed config: the old one and what it held in memory (the fake
 * tgtd's targets among it) are gone; the store stays */
static void
reload_driver (Fixture *fx)
{
  g_clear_object (&fx->recorder);
  g_clear_object (&fx->target);
  g_clear_object (&fx->driver);
  fx->driver = test_driver_load (fx->ctx);
  take_parts (fx);
}

/* A volume as the manager hands it to the driver: in the store (its
 * target number goes with its row). */
static NovaVolumeRecord *
new_volume (Fixture *fx, guint64 size)
{
  g_autoptr(GError) error = NULL;
  NovaVolumeRecord *volume = test_new_volume (size);

  volume->status = NOVA_VOLUME_STATUS_CREATING;
  g_assert_true (nova_volume_store_put_volume (fx->store, volume, &error));
  g_assert_no_error (error);
  return volume;
}

/* the commands recorded since the last call, then forgets them */
static GPtrArray *
take_commands (Fixture *fx)
{
  GPtrArray *commands = nova_volume_recording_executor_get_commands (fx->recorder);

  nova_volume_recording_executor_clear (fx->recorder);
  return commands;
}

static void
assert_argv (const GStrv argv, ...)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) expected = NULL;
  const char *word;
  va_list ap;

  va_start (ap, argv);
  while ((word = va_arg (ap, const char *)) != NULL)
    g_strv_builder_add (builder, word);
  va_end (ap);
  expected = g_strv_builder_end (builder);
  if (!g_strv_equal ((const char *const *) argv, (const char *const *) expected))
    {
      g_autofree char *got = g_strjoinv (" ", argv);
      g_autofree char *want = g_strjoinv (" ", expected);
      g_error ("argv\n  got:  %s\n  want: %s", got, want);
    }
}

#define CMD(commands, i) ((GStrv) g_ptr_array_index ((commands), (i)))

static void
assert_variant (GVariant *got, GVariant *expected)
{
  if (!g_variant_equal (got, expected))
    {
      g_autofree char *g = g_variant_print (got, TRUE);
      g_autofree char *e = g_variant_print (expected, TRUE);
      g_error ("variant\n  got:  %s\n  want: %s", g, e);
    }
}

/* @template with @volume's names in place of the placeholders */
static char *
expand_template (const char *template, const NovaVolumeRecord *volume)
{
  g_autofree char *name = g_strdup_printf ("volume-%s", volume->id);
  g_autofree char *iqn = g_strconcat (PREFIX, name, NULL);
  g_autofree char *dev = g_strdup_printf ("/dev/" VG "/%s", name);
  g_autofree char *user = NULL;
  const struct {
    const char *placeholder;
    const char *value;
  } names[] = {
    { "@IQN@", iqn }, { "@DEV@", dev }, { "@NAME@", name }, { "@USER@", NULL },
  };
  GString *out = g_string_new (template);

  if (volume->provider_auth != NULL)
    {
      g_auto(GStrv) words = g_strsplit (volume->provider_auth, " ", -1);

      if (g_strv_length (words) == 3)
        user = g_strdup (words[1]);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const char *value = names[i].value != NULL ? names[i].value : user;

      if (strstr (out->str, names[i].placeholder) != NULL)
        {
          g_assert_nonnull (value);
          g_string_replace (out, names[i].placeholder, value, 0);
        }
    }
  return g_string_free (out, FALSE);
}

/* The commands recorded since the last call are exactly the templates
 * that follow (NULL ends), expanded for @volume, one argv each (words
 * split at spaces); then they are forgotten. */
G_GNUC_NULL_TERMINATED static void
assert_commands (Fixture *fx, const NovaVolumeRecord *volume, ...)
{
  g_autoptr(GPtrArray) commands = take_commands (fx);
  g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  gboolean same;
  va_list ap;

  va_start (ap, volume);
  for (const char *template = va_arg (ap, const char *); template != NULL; template = va_arg (ap, const char *))
    {
      g_autofree char *line = expand_template (template, volume);

      g_ptr_array_add (expected, g_strsplit (line, " ", -1));
    }
  va_end (ap);

  same = commands->len == expected->len;
  for (guint i = 0; same && i < commands->len; i++)
    same = g_strv_equal ((const char *const *) CMD (commands, i), (const char *const *) CMD (expected, i));
  if (!same)
    {
      g_autoptr(GString) text = g_string_new ("commands\n  got:\n");

      for (guint i = 0; i < commands->len; i++)
        {
          g_autofree char *line = g_strjoinv (" ", CMD (commands, i));
          g_string_append_printf (text, "    %s\n", line);
        }
      g_string_append (text, "  want:\n");
      for (guint i = 0; i < expected->len; i++)
        {
          g_autofree char *line = g_strjoinv (" ", CMD (expected, i));
          g_string_append_printf (text, "    %s\n", line);
        }
      g_error ("%s", text->str);
    }
}

/* The LIO operations recorded since the last call are exactly the
 * templates that follow (NULL ends), expanded for @volume; a template
 * ending in " *" matches any line it starts, the rest a UUID (the unit
 * serial). Then they are forgotten. */
G_GNUC_NULL_TERMINATED static void
assert_ops (Fixture *fx, const NovaVolumeRecord *volume, ...)
{
  g_auto(GStrv) all_ops = NULL;
  char **ops;
  g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func (g_free);
  gboolean same;
  va_list ap;

  g_object_get (fx->driver, "target-operations", &all_ops, NULL);
  g_assert_cmpuint (g_strv_length (all_ops), >=, fx->ops_seen);
  ops = all_ops + fx->ops_seen;
  fx->ops_seen = g_strv_length (all_ops);
  va_start (ap, volume);
  for (const char *template = va_arg (ap, const char *); template != NULL; template = va_arg (ap, const char *))
    g_ptr_array_add (expected, expand_template (template, volume));
  va_end (ap);

  same = g_strv_length (ops) == expected->len;
  for (guint i = 0; same && i < expected->len; i++)
    {
      const char *want = g_ptr_array_index (expected, i);

      if (g_str_has_suffix (want, " *"))
        same = strncmp (ops[i], want, strlen (want) - 1) == 0
               && g_uuid_string_is_valid (ops[i] + strlen (want) - 1);
      else
        same = g_str_equal (ops[i], want);
    }
  if (!same)
    {
      g_autofree char *got = g_strjoinv ("\n    ", ops);
      g_ptr_array_add (expected, NULL);
      {
        g_autofree char *want = g_strjoinv ("\n    ", (GStrv) expected->pdata);
        g_error ("LIO operations\n  got:\n    %s\n  want:\n    %s", got, want);
      }
    }
}

/* fake: the LVM side */

static void
test_fake_volume_commands (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) volume = test_new_volume (GiB);
  g_autoptr(NovaVolumeRecord) small = test_new_volume (1000);
  g_autoptr(NovaVolumeRecord) never = test_new_volume (GiB);
  g_autoptr(NovaSnapshotRecord) snapshot = test_new_snapshot (volume);
  g_autoptr(GPtrArray) commands = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *lv = NULL;
  g_autofree char *name = NULL;
  g_autofree char *snap_name = NULL;

  g_assert_cmpstr (nova_volume_driver_get_name (fx->driver), ==, "fake");
  name = g_strdup_printf ("volume-%s", volume->id);
  lv = g_strdup_printf (VG "/volume-%s", volume->id);
  /* LVM reserves names starting "snapshot": the real driver's escape */
  snap_name = g_strdup_printf ("_snapshot-%s", snapshot->id);

  g_assert_true (nova_volume_driver_create_volume (fx->driver, volume, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (volume->size, ==, GiB);
  commands = take_commands (fx);
  g_assert_cmpuint (commands->len, ==, 1);
  assert_argv (CMD (commands, 0), "lvcreate", "-L", "1073741824b", "-n", name, VG, NULL);
  g_clear_pointer (&commands, g_ptr_array_unref);

  /* LVM allocates whole extents: 1000 bytes is a 4 MiB volume */
  g_assert_true (nova_volume_driver_create_volume (fx->driver, small, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (small->size, ==, 4 * MiB);
  commands = take_commands (fx);
  {
    g_autofree char *small_name = g_strdup_printf ("volume-%s", small->id);
    assert_argv (CMD (commands, 0), "lvcreate", "-L", "4194304b", "-n", small_name, VG, NULL);
  }
  g_clear_pointer (&commands, g_ptr_array_unref);

  g_assert_true (nova_volume_driver_extend_volume (fx->driver, volume, 2 * GiB, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (volume->size, ==, 2 * GiB);
  g_assert_false (nova_volume_driver_extend_volume (fx->driver, volume, GiB, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  commands = take_commands (fx);
  g_assert_cmpuint (commands->len, ==, 1);
  assert_argv (CMD (commands, 0), "lvextend", "-L", "2147483648b", lv, NULL);
  g_clear_pointer (&commands, g_ptr_array_unref);

  g_assert_true (nova_volume_driver_create_snapshot (fx->driver, snapshot, volume, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (snapshot->size, ==, 2 * GiB);
  g_assert_true (nova_volume_driver_delete_snapshot (fx->driver, snapshot, &error));
  g_assert_no_error (error);
  commands = take_commands (fx);
  g_assert_cmpuint (commands->len, ==, 2);
  assert_argv (CMD (commands, 0), "lvcreate", "-L", "2147483648b", "--name", snap_name, "--snapshot", lv, NULL);
  {
    g_autofree char *snap_lv = g_strdup_printf (VG "/%s", snap_name);
    assert_argv (CMD (commands, 1), "lvremove", "-f", snap_lv, NULL);
  }
  g_clear_pointer (&commands, g_ptr_array_unref);

  g_assert_true (nova_volume_driver_delete_volume (fx->driver, volume, &error));
  g_assert_no_error (error);
  /* never created: still fine, as lvremove -f would be */
  g_assert_true (nova_volume_driver_delete_volume (fx->driver, never, &error));
  g_assert_no_error (error);
  commands = take_commands (fx);
  g_assert_cmpuint (commands->len, ==, 2);
  assert_argv (CMD (commands, 0), "lvremove", "-f", lv, NULL);
  {
    g_autofree char *never_lv = g_strdup_printf (VG "/volume-%s", never->id);
    assert_argv (CMD (commands, 1), "lvremove", "-f", never_lv, NULL);
  }

  /* ids become argv words: an option-looking one is refused */
  {
    g_autoptr(NovaVolumeRecord) bad = test_new_volume (GiB);
    g_free (bad->id);
    bad->id = g_strdup ("--force");
    g_assert_false (nova_volume_driver_create_volume (fx->driver, bad, &error));
    g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  }
}

static void
record_progress (double fraction, gpointer user_data)
{
  *(double *) user_data = fraction;
}

static void
test_fake_copy_commands (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) source = test_new_volume (GiB);
  g_autoptr(NovaSnapshotRecord) snapshot = test_new_snapshot (source);
  g_autoptr(NovaVolumeRecord) from_snapshot = test_new_volume (2 * GiB);
  g_autoptr(NovaVolumeRecord) clone = test_new_volume (0);
  g_autoptr(NovaVolumeRecord) cancelled_volume = test_new_volume (0);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GPtrArray) commands = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *new_name = g_strdup_printf ("volume-%s", from_snapshot->id);
  g_autofree char *clone_name = g_strdup_printf ("volume-%s", clone->id);
  g_autofree char *temp_name = g_strdup_printf ("clone-snap-%s", clone->id);
  g_autofree char *temp_lv = g_strdup_printf (VG "/%s", temp_name);
  g_autofree char *source_lv = g_strdup_printf (VG "/volume-%s", source->id);
  double progress = 0.0;

  snapshot->size = GiB;
  g_assert_true (nova_volume_driver_create_volume_from_snapshot (fx->driver, from_snapshot, snapshot,
                                                                 record_progress, &progress, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (from_snapshot->size, ==, 2 * GiB);
  g_assert_cmpfloat (progress, ==, 1.0);
  commands = take_commands (fx);
  g_assert_cmpuint (commands->len, ==, 2);
  assert_argv (CMD (commands, 0), "lvcreate", "-L", "2147483648b", "-n", new_name, VG, NULL);
  {
    g_autofree char *if_arg = g_strdup_printf ("if=/dev/" VG "/_snapshot-%s", snapshot->id);
    g_autofree char *of_arg = g_strdup_printf ("of=/dev/" VG "/%s", new_name);
    assert_argv (CMD (commands, 1), "dd", if_arg, of_arg, "bs=1M", "count=1024", "oflag=direct", NULL);
  }
  g_clear_pointer (&commands, g_ptr_array_unref);

  /* size 0: the size of the source */
  progress = 0.0;
  g_assert_true (nova_volume_driver_create_cloned_volume (fx->driver, clone, source,
                                                          record_progress, &progress, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (clone->size, ==, GiB);
  g_assert_cmpfloat (progress, ==, 1.0);
  commands = take_commands (fx);
  g_assert_cmpuint (commands->len, ==, 4);
  assert_argv (CMD (commands, 0), "lvcreate", "-L", "1073741824b", "-n", clone_name, VG, NULL);
  assert_argv (CMD (commands, 1), "lvcreate", "-L", "1073741824b", "--name", temp_name,
               "--snapshot", source_lv, NULL);
  {
    g_autofree char *if_arg = g_strdup_printf ("if=/dev/" VG "/%s", temp_name);
    g_autofree char *of_arg = g_strdup_printf ("of=/dev/" VG "/%s", clone_name);
    assert_argv (CMD (commands, 2), "dd", if_arg, of_arg, "bs=1M", "count=1024", "oflag=direct", NULL);
  }
  assert_argv (CMD (commands, 3), "lvremove", "-f", temp_lv, NULL);
  g_clear_pointer (&commands, g_ptr_array_unref);

  /* cancelled before it starts: nothing runs */
  g_cancellable_cancel (cancellable);
  g_assert_false (nova_volume_driver_create_cloned_volume (fx->driver, cancelled_volume, source,
                                                           NULL, NULL, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  commands = take_commands (fx);
  g_assert_cmpuint (commands->len, ==, 0);
}

static void
test_fake_commands_property (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) volume = new_volume (fx, GiB);
  g_autoptr(GPtrArray) commands = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) log_lines = NULL;
  g_autofree char *log = NULL;

  g_assert_true (nova_volume_driver_create_volume (fx->driver, volume, &error));
  g_assert_true (nova_volume_driver_create_export (fx->driver, volume, &error));
  g_assert_true (nova_volume_driver_remove_export (fx->driver, volume, &error));
  g_assert_true (nova_volume_driver_delete_volume (fx->driver, volume, &error));
  g_assert_no_error (error);

  commands = nova_volume_recording_executor_get_commands (fx->recorder);
  g_object_get (fx->driver, "commands", &lines, NULL);
  g_assert_nonnull (lines);
  g_assert_cmpuint (g_strv_length (lines), ==, commands->len);
  /* lvcreate, the export (6), its removal (3), lvremove */
  g_assert_cmpuint (commands->len, ==, 1 + 6 + 3 + 1);
  for (guint i = 0; i < commands->len; i++)
    {
      g_autofree char *line = nova_volume_executor_format_argv ((const char *const *) CMD (commands, i));
      g_assert_cmpstr (lines[i], ==, line);
    }
  {
    g_autofree char *first = g_strdup_printf ("lvcreate -L 1073741824b -n volume-%s " VG, volume->id);
    g_assert_cmpstr (lines[0], ==, first);
  }

  /* fake_command_log has the same lines, for readers outside the process */
  g_assert_true (g_file_get_contents (fx->log_path, &log, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (log, "\n"));
  log[strlen (log) - 1] = '\0';
  log_lines = g_strsplit (log, "\n", -1);
  g_assert_true (g_strv_equal ((const char *const *) log_lines, (const char *const *) lines));

  /* read-only */
  {
    GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (fx->driver), "commands");
    g_assert_nonnull (pspec);
    g_assert_true (pspec->flags & G_PARAM_READABLE);
    g_assert_false (pspec->flags & G_PARAM_WRITABLE);
    g_assert_true (pspec->value_type == G_TYPE_STRV);
  }
}

/* fake: exports through tgtadm */

static guint
tid_of (const NovaVolumeRecord *volume)
{
  const char *comma = strchr (volume->provider_location, ',');
  guint64 tid = 0;
  g_autofree char *digits = NULL;

  g_assert_nonnull (comma);
  digits = g_strndup (comma + 1, strcspn (comma + 1, " "));
  g_assert_true (g_ascii_string_to_unsigned (digits, 10, 1, G_MAXUINT, &tid, NULL));
  return (guint) tid;
}

static void
assert_chap (const char *auth, char **user, char **secret)
{
  g_auto(GStrv) words = g_strsplit (auth, " ", -1);

  g_assert_cmpuint (g_strv_length (words), ==, 3);
  g_assert_cmpstr (words[0], ==, "CHAP");
  g_assert_cmpuint (strlen (words[1]), ==, 16);
  g_assert_cmpuint (strlen (words[2]), >=, 16);
  for (const char *p = words[1]; *p != '\0'; p++)
    g_assert_true (g_ascii_isalnum (*p));
  for (const char *p = words[2]; *p != '\0'; p++)
    g_assert_true (g_ascii_isalnum (*p));
  *user = g_strdup (words[1]);
  *secret = g_strdup (words[2]);
}

/* the number @volume holds in the store, 0 for none */
static guint
stored_tid (Fixture *fx, const NovaVolumeRecord *volume)
{
  g_autoptr(GError) error = NULL;
  gboolean found = FALSE;
  guint tid = 0;

  g_assert_true (nova_volume_store_lookup_number (fx->store, "iscsi-target", volume->id, &tid, &found, &error));
  g_assert_no_error (error);
  return found ? tid : 0;
}

static void
test_fake_export_commands (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) volume = new_volume (fx, GiB);
  g_autoptr(NovaVolumeRecord) second = new_volume (fx, GiB);
  g_autoptr(NovaVolumeRecord) third = new_volume (fx, GiB);
  g_autoptr(NovaVolumeRecord) never = new_volume (fx, GiB);
  g_autoptr(GError) error = NULL;
  g_autofree char *iqn = g_strdup_printf (PREFIX "volume-%s", volume->id);
  g_autofree char *location = NULL;
  g_autofree char *user = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *log = NULL;
  g_auto(GStrv) no_ops = NULL;

  /* iscsi_helper's default: tgtadm, no configfs */
  g_assert_cmpstr (G_OBJECT_TYPE_NAME (fx->target), ==, "NovaIscsiTgtadm");
  g_assert_true (nova_volume_driver_create_export (fx->driver, volume, &error));
  g_assert_no_error (error);
  g_object_get (fx->driver, "target-operations", &no_ops, NULL);
  g_assert_cmpstrv (no_ops, ((const char *const[]) { NULL }));
  assert_chap (volume->provider_auth, &user, &secret);
  location = g_strdup_printf (PORTAL ",1 %s 1", iqn);
  g_assert_cmpstr (volume->provider_location, ==, location);
  g_assert_cmpuint (stored_tid (fx, volume), ==, 1);

  /* tgtadm would get the password itself: the executor masks it in what
   * it keeps, the driver does not */
  {
    g_autoptr(GPtrArray) unmasked = nova_volume_recording_executor_get_unmasked_commands (fx->recorder);

    g_assert_cmpuint (unmasked->len, ==, 6);
    assert_argv (CMD (unmasked, 4), "tgtadm", "--lld", "iscsi", "--mode", "account", "--op", "new",
                 "--user", user, "--password", secret, NULL);
  }
  /* tgtd showed nothing, so every step is made; no initiator is let in
   * yet (with no rule tgt refuses every login) */
  assert_commands (fx, volume, EXPORT_FRESH ("1"), NULL);

  /* the secret is never written down */
  g_assert_true (g_file_get_contents (fx->log_path, &log, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (strstr (log, secret));

  /* exporting again keeps the number and the credentials, and finds the
   * target as it is */
  {
    g_autofree char *auth = g_strdup (volume->provider_auth);
    g_assert_true (nova_volume_driver_create_export (fx->driver, volume, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (volume->provider_auth, ==, auth);
    g_assert_cmpstr (volume->provider_location, ==, location);
    assert_commands (fx, volume, SHOW_TARGETS, NULL);
  }

  g_assert_true (nova_volume_driver_create_export (fx->driver, second, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tid_of (second), ==, 2);
  g_assert_cmpstr (second->provider_auth, !=, volume->provider_auth);
  assert_commands (fx, second, EXPORT_FRESH ("2"), NULL);

  g_assert_true (nova_volume_driver_check_for_export (fx->driver, volume, &error));
  g_assert_no_error (error);
  assert_commands (fx, volume, SHOW_TARGETS, NULL);
  /* never exported: no number, nothing to ask tgtd */
  g_assert_false (nova_volume_driver_check_for_export (fx->driver, never, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_clear_error (&error);
  assert_commands (fx, never, NULL);

  /* --force: a host that never logged out does not keep the target */
  g_assert_true (nova_volume_driver_remove_export (fx->driver, volume, &error));
  g_assert_no_error (error);
  assert_commands (fx, volume, SHOW_TARGETS, DELETE_TARGET ("1"), DELETE_ACCOUNT, NULL);
  g_assert_cmpuint (stored_tid (fx, volume), ==, 0);
  g_assert_false (nova_volume_driver_check_for_export (fx->driver, volume, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_clear_error (&error);

  /* a freed target number is the next one handed out */
  g_assert_true (nova_volume_driver_create_export (fx->driver, third, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tid_of (third), ==, 1);
  assert_commands (fx, third, EXPORT_FRESH ("1"), NULL);

  /* nothing to remove or ensure for a volume that was never exported */
  g_assert_true (nova_volume_driver_remove_export (fx->driver, never, &error));
  g_assert_no_error (error);
  g_assert_true (nova_volume_driver_ensure_export (fx->driver, never, &error));
  g_assert_no_error (error);
  assert_commands (fx, never, NULL);
}

/* After a restart (a new driver; its tgtd starts empty, as tgtd after a
 * reboot), ensure_export makes each target again under the number the
 * store kept, whatever provider_location says. */
static void
test_fake_ensure_export (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) a = new_volume (fx, GiB);
  g_autoptr(NovaVolumeRecord) b = new_volume (fx, GiB);
  g_autoptr(NovaVolumeRecord) c = new_volume (fx, GiB);
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_volume_driver_create_export (fx->driver, a, &error));
  g_assert_true (nova_volume_driver_create_export (fx->driver, b, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tid_of (b), ==, 2);

  /* the same driver: everything is there, nothing is made */
  nova_volume_recording_executor_clear (fx->recorder);
  g_assert_true (nova_volume_driver_ensure_export (fx->driver, b, &error));
  g_assert_no_error (error);
  assert_commands (fx, b, SHOW_TARGETS, NULL);

  reload_driver (fx);
  nova_record_set_string (&b->provider_location, NULL);
  g_assert_true (nova_volume_driver_ensure_export (fx->driver, b, &error));
  g_assert_no_error (error);
  assert_commands (fx, b, EXPORT_FRESH ("2"), NULL);
  g_assert_true (nova_volume_driver_check_for_export (fx->driver, b, &error));
  g_assert_no_error (error);
  g_assert_false (nova_volume_driver_check_for_export (fx->driver, a, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_clear_error (&error);

  /* 1 and 2 are held in the store: a new export gets 3 */
  g_assert_true (nova_volume_driver_ensure_export (fx->driver, a, &error));
  g_assert_no_error (error);
  nova_volume_recording_executor_clear (fx->recorder);
  g_assert_true (nova_volume_driver_create_export (fx->driver, c, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tid_of (c), ==, 3);
  assert_commands (fx, c, EXPORT_FRESH ("3"), NULL);
}

static void
test_fake_connection (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) volume = new_volume (fx, GiB);
  g_autoptr(NovaVolumeRecord) bare = new_volume (fx, GiB);
  g_autoptr(GVariant) host_a = g_variant_ref_sink (
      g_variant_new_parsed ("{'ip': <'10.0.0.9'>, 'initiator': <%s>}", HOST_A));
  g_autoptr(GVariant) host_b = g_variant_ref_sink (
      g_variant_new_parsed ("{'host': <'compute2'>, 'initiator': <%s>}", HOST_B));
  g_autoptr(GVariant) no_initiator = g_variant_ref_sink (
      g_variant_new_parsed ("{'ip': <'10.0.0.9'>, 'host': <'compute1'>}"));
  g_autoptr(GVariant) all = g_variant_ref_sink (g_variant_new_parsed ("{'initiator': <'ALL'>}"));
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GVariant) expected = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *user = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *iqn = g_strdup_printf (PREFIX "volume-%s", volume->id);

  g_assert_true (nova_volume_driver_create_export (fx->driver, volume, &error));
  g_assert_no_error (error);
  assert_chap (volume->provider_auth, &user, &secret);
  nova_volume_recording_executor_clear (fx->recorder);

  /* the connector's initiator, and only it, is let in */
  info = nova_volume_driver_initialize_connection (fx->driver, volume, host_a, &error);
  g_assert_no_error (error);
  g_assert_nonnull (info);
  g_assert_false (g_variant_is_floating (info));
  expected = g_variant_ref_sink (g_variant_new_parsed (
      "{'driver_volume_type': <'iscsi'>,"
      " 'data': <{'target_discovered': <false>, 'target_iqn': <%s>, 'target_portal': <%s>,"
      "           'target_lun': <int32 1>, 'volume_id': <%s>, 'auth_method': <'CHAP'>,"
      "           'auth_username': <%s>, 'auth_password': <%s>}>}",
      iqn, PORTAL, volume->id, user, secret));
  assert_variant (info, expected);
  assert_commands (fx, volume, SHOW_TARGETS, ALLOW ("1", HOST_A), NULL);

  /* one rule per host; a host let in already is not bound again */
  g_clear_pointer (&info, g_variant_unref);
  info = nova_volume_driver_initialize_connection (fx->driver, volume, host_b, &error);
  g_assert_no_error (error);
  g_clear_pointer (&info, g_variant_unref);
  info = nova_volume_driver_initialize_connection (fx->driver, volume, host_a, &error);
  g_assert_no_error (error);
  assert_commands (fx, volume, SHOW_TARGETS, ALLOW ("1", HOST_B), SHOW_TARGETS, NULL);

  g_assert_true (nova_volume_driver_terminate_connection (fx->driver, volume, host_a, &error));
  g_assert_no_error (error);
  assert_commands (fx, volume, SHOW_TARGETS, DENY ("1", HOST_A), NULL);

  /* iSCSI lets hosts in by initiator name: without one there is nothing
   * to allow, and ALL is not a name */
  g_clear_pointer (&info, g_variant_unref);
  info = nova_volume_driver_initialize_connection (fx->driver, volume, no_initiator, &error);
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  g_assert_null (info);
  g_clear_error (&error);
  info = nova_volume_driver_initialize_connection (fx->driver, volume, all, &error);
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  g_assert_null (info);
  g_clear_error (&error);
  /* a host that gave none was never let in: nothing to take back */
  g_assert_true (nova_volume_driver_terminate_connection (fx->driver, volume, no_initiator, &error));
  g_assert_no_error (error);
  assert_commands (fx, volume, NULL);

  /* never exported: nothing to connect to */
  info = nova_volume_driver_initialize_connection (fx->driver, bare, host_a, &error);
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_STATE);
  g_assert_null (info);
  g_clear_error (&error);
  assert_commands (fx, bare, NULL);

  /* the rules go with the target */
  g_assert_true (nova_volume_driver_remove_export (fx->driver, volume, &error));
  g_assert_no_error (error);
  assert_commands (fx, volume, SHOW_TARGETS, DELETE_TARGET ("1"), DELETE_ACCOUNT, NULL);
  g_assert_true (nova_volume_driver_terminate_connection (fx->driver, volume, host_b, &error));
  g_assert_no_error (error);
  assert_commands (fx, volume, SHOW_TARGETS, NULL);
}

typedef struct {
  NovaVolumeDriver *driver;
  NovaVolumeStore  *store;
  GPtrArray        *volumes;   /* this thread's, NovaVolumeRecord* */
} ExportJob;

#define N_THREADS 8
#define N_PER_THREAD 50

static gpointer
export_thread (gpointer data)
{
  ExportJob *job = data;

  for (guint i = 0; i < N_PER_THREAD; i++)
    {
      g_autoptr(GError) error = NULL;
      NovaVolumeRecord *volume = test_new_volume (GiB);

      if (!nova_volume_store_put_volume (job->store, volume, &error))
        g_error ("put_volume: %s", error->message);
      if (!nova_volume_driver_create_export (job->driver, volume, &error))
        g_error ("create_export: %s", error->message);
      g_ptr_array_add (job->volumes, volume);
    }
  return NULL;
}

static void
test_fake_tids_threads (Fixture *fx, gconstpointer data)
{
  ExportJob jobs[N_THREADS];
  GThread *threads[N_THREADS];
  g_autoptr(GHashTable) seen = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_autoptr(GPtrArray) commands = NULL;
  g_autoptr(NovaVolumeRecord) one_too_many = new_volume (fx, GiB);
  g_autoptr(GError) error = NULL;
  g_autofree char *num_targets = g_strdup_printf ("%u", N_THREADS * N_PER_THREAD);

  /* exactly one target number for each export */
  test_config_set (fx->ctx->config, "iscsi_num_targets", num_targets);
  reload_driver (fx);

  for (guint t = 0; t < N_THREADS; t++)
    {
      jobs[t].driver = fx->driver;
      jobs[t].store = fx->store;
      jobs[t].volumes = g_ptr_array_new_with_free_func ((GDestroyNotify) nova_volume_record_free);
      threads[t] = g_thread_new ("export", export_thread, &jobs[t]);
    }
  for (guint t = 0; t < N_THREADS; t++)
    g_thread_join (threads[t]);

  for (guint t = 0; t < N_THREADS; t++)
    {
      for (guint i = 0; i < jobs[t].volumes->len; i++)
        {
          NovaVolumeRecord *volume = g_ptr_array_index (jobs[t].volumes, i);
          guint tid = tid_of (volume);

          g_assert_false (g_hash_table_contains (seen, GUINT_TO_POINTER (tid)));
          g_hash_table_add (seen, GUINT_TO_POINTER (tid));
          g_assert_cmpuint (tid, >=, 1);
          g_assert_cmpuint (tid, <=, N_THREADS * N_PER_THREAD);
          g_assert_cmpuint (stored_tid (fx, volume), ==, tid);
        }
      g_ptr_array_unref (jobs[t].volumes);
    }
  /* unique and dense: 1 .. 400, each made with its own six commands */
  g_assert_cmpuint (g_hash_table_size (seen), ==, N_THREADS * N_PER_THREAD);
  commands = nova_volume_recording_executor_get_commands (fx->recorder);
  g_assert_cmpuint (commands->len, ==, N_THREADS * N_PER_THREAD * 6);

  /* and not one more */
  g_assert_false (nova_volume_driver_create_export (fx->driver, one_too_many, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NO_SPACE);
}

static void
test_fake_stats (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) a = test_new_volume (GiB);
  g_autoptr(NovaVolumeRecord) b = test_new_volume (3 * GiB);
  g_autoptr(GVariant) stats = NULL;
  g_autoptr(GError) error = NULL;
  guint64 value = 0;
  const char *text = NULL;

  g_assert_true (nova_volume_driver_create_volume (fx->driver, a, &error));
  g_assert_true (nova_volume_driver_create_volume (fx->driver, b, &error));
  g_assert_no_error (error);
  stats = nova_volume_driver_get_volume_stats (fx->driver, TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (stats, "total_capacity", "t", &value));
  g_assert_cmpuint (value, ==, TiB);
  g_assert_true (g_variant_lookup (stats, "free_capacity", "t", &value));
  g_assert_cmpuint (value, ==, TiB);
  g_assert_true (g_variant_lookup (stats, "provisioned_capacity", "t", &value));
  g_assert_cmpuint (value, ==, 4 * GiB);
  g_assert_true (g_variant_lookup (stats, "storage_protocol", "&s", &text));
  g_assert_cmpstr (text, ==, "iSCSI");
  g_assert_true (g_variant_lookup (stats, "volume_backend_name", "&s", &text));
  g_assert_cmpstr (text, ==, "fake");
  g_assert_true (g_variant_lookup (stats, "vendor_name", "&s", &text));
  g_assert_true (g_variant_lookup (stats, "driver_version", "&s", &text));
}


/* the seed retries every command num_shell_tries (3) times */
static void
test_fake_command_failure (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) once = new_volume (fx, GiB);
  g_autoptr(NovaVolumeRecord) always = new_volume (fx, GiB);
  g_autoptr(GPtrArray) commands = NULL;
  g_autoptr(GError) error = NULL;

  nova_volume_recording_executor_push_result (fx->recorder, 5, "", "  Volume group busy");
  g_assert_true (nova_volume_driver_create_volume (fx->driver, once, &error));
  g_assert_no_error (error);
  commands = take_commands (fx);
  g_assert_cmpuint (commands->len, ==, 2);
  g_clear_pointer (&commands, g_ptr_array_unref);

  for (int i = 0; i < 3; i++)
    nova_volume_recording_executor_push_result (fx->recorder, 5, "", "  Volume group \"" VG "\" has insufficient free space");
  g_assert_false (nova_volume_driver_create_volume (fx->driver, always, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "insufficient free space"));
  commands = take_commands (fx);
  g_assert_cmpuint (commands->len, ==, 3);
  g_clear_error (&error);

  /* tgtd cannot be reached, three times: the export fails and gives its
   * target number back */
  for (int i = 0; i < 3; i++)
    nova_volume_recording_executor_push_result (fx->recorder, 107, "", "tgtadm: failed to send request hdr to tgt daemon");
  g_assert_false (nova_volume_driver_create_export (fx->driver, always, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "tgtd is not running"));
  g_clear_error (&error);
  assert_commands (fx, always, SHOW_TARGETS, SHOW_TARGETS, SHOW_TARGETS, NULL);
  g_assert_cmpuint (stored_tid (fx, always), ==, 0);
  g_assert_true (nova_volume_driver_create_export (fx->driver, once, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tid_of (once), ==, 1);
}

/* iscsi_num_targets numbers there are, 1 .. iscsi_num_targets */
static void
test_fake_num_targets (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) a = new_volume (fx, GiB);
  g_autoptr(NovaVolumeRecord) b = new_volume (fx, GiB);
  g_autoptr(NovaVolumeRecord) c = new_volume (fx, GiB);
  g_autoptr(GError) error = NULL;

  test_config_set (fx->ctx->config, "iscsi_num_targets", "2");
  reload_driver (fx);

  g_assert_true (nova_volume_driver_create_export (fx->driver, a, &error));
  g_assert_true (nova_volume_driver_create_export (fx->driver, b, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tid_of (b), ==, 2);
  nova_volume_recording_executor_clear (fx->recorder);

  g_assert_false (nova_volume_driver_create_export (fx->driver, c, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NO_SPACE);
  g_assert_nonnull (strstr (error->message, "1..2"));
  g_clear_error (&error);
  assert_commands (fx, c, NULL);
  g_assert_cmpstr (c->provider_auth, ==, "");

  /* a number given back is there to take again */
  g_assert_true (nova_volume_driver_remove_export (fx->driver, a, &error));
  g_assert_true (nova_volume_driver_create_export (fx->driver, c, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tid_of (c), ==, 1);
}

/* An export that stopped half-way is finished by the next call, from
 * wherever it stopped: tgtd shows what is there, the helper makes the
 * rest. One that cannot be made gives its number back. */
static void
test_fake_export_resume (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) volume = new_volume (fx, GiB);
  g_autoptr(NovaVolumeRecord) clash = new_volume (fx, GiB);
  g_autoptr(NovaVolumeRecord) next = new_volume (fx, GiB);
  g_autoptr(GError) error = NULL;

  /* the target and its LUN are there, the account is not */
  {
    g_autofree char *target = expand_template (NEW_TARGET ("1"), volume);
    g_autofree char *lun = expand_template (NEW_LUN ("1"), volume);
    g_auto(GStrv) target_argv = g_strsplit (target, " ", -1);
    g_auto(GStrv) lun_argv = g_strsplit (lun, " ", -1);

    g_assert_true (nova_volume_executor_run (NOVA_VOLUME_EXECUTOR (fx->recorder),
                                             (const char *const *) target_argv, NULL, NULL, NULL, &error));
    g_assert_true (nova_volume_executor_run (NOVA_VOLUME_EXECUTOR (fx->recorder),
                                             (const char *const *) lun_argv, NULL, NULL, NULL, &error));
    g_assert_no_error (error);
    nova_volume_recording_executor_clear (fx->recorder);
  }
  g_assert_true (nova_volume_driver_create_export (fx->driver, volume, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tid_of (volume), ==, 1);
  assert_commands (fx, volume, SHOW_TARGETS, SHOW_ACCOUNTS, NEW_ACCOUNT, BIND_ACCOUNT ("1"), NULL);

  /* tgtd holds the volume's name under another number (left by hand, or
   * by another host's store): refused, and the number goes back */
  {
    g_autofree char *target = expand_template (NEW_TARGET ("7"), clash);
    g_auto(GStrv) target_argv = g_strsplit (target, " ", -1);

    g_assert_true (nova_volume_executor_run (NOVA_VOLUME_EXECUTOR (fx->recorder),
                                             (const char *const *) target_argv, NULL, NULL, NULL, &error));
    g_assert_no_error (error);
    nova_volume_recording_executor_clear (fx->recorder);
  }
  g_assert_false (nova_volume_driver_create_export (fx->driver, clash, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_ALREADY_EXISTS);
  g_clear_error (&error);
  assert_commands (fx, clash, SHOW_TARGETS, NULL);
  g_assert_cmpuint (stored_tid (fx, clash), ==, 0);
  g_assert_true (nova_volume_driver_create_export (fx->driver, next, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tid_of (next), ==, 2);
}

/* provider_location outlives the export it names (an old store, or a
 * crash before the manager cleared it); once the number belongs to
 * another volume, the stale one must not reach that volume's target */
static void
test_fake_stale_location (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) old = new_volume (fx, GiB);
  g_autoptr(NovaVolumeRecord) current = new_volume (fx, GiB);
  g_autoptr(GVariant) connector = g_variant_ref_sink (g_variant_new_parsed ("{'initiator': <%s>}", HOST_A));
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_volume_driver_create_export (fx->driver, old, &error));
  g_assert_true (nova_volume_driver_remove_export (fx->driver, old, &error));
  g_assert_true (nova_volume_driver_create_export (fx->driver, current, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tid_of (old), ==, 1);
  g_assert_cmpuint (tid_of (current), ==, 1);
  nova_volume_recording_executor_clear (fx->recorder);

  /* the store says old holds no number: removing or ensuring its export
   * touches nothing, and it cannot be confirmed */
  g_assert_true (nova_volume_driver_remove_export (fx->driver, old, &error));
  g_assert_no_error (error);
  g_assert_true (nova_volume_driver_ensure_export (fx->driver, old, &error));
  g_assert_no_error (error);
  g_assert_false (nova_volume_driver_check_for_export (fx->driver, old, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_clear_error (&error);
  assert_commands (fx, old, NULL);

  /* a host connecting to it is not let into the other volume's target:
   * tgtd shows number 1 under the other name */
  info = nova_volume_driver_initialize_connection (fx->driver, old, connector, &error);
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_ALREADY_EXISTS);
  g_assert_null (info);
  g_clear_error (&error);
  assert_commands (fx, old, SHOW_TARGETS, NULL);
  g_assert_true (nova_volume_driver_terminate_connection (fx->driver, old, connector, &error));
  g_assert_no_error (error);
  assert_commands (fx, old, SHOW_TARGETS, NULL);

  /* the current holder's target is still its own */
  g_assert_true (nova_volume_driver_check_for_export (fx->driver, current, &error));
  g_assert_no_error (error);
  g_assert_true (nova_volume_driver_remove_export (fx->driver, current, &error));
  g_assert_no_error (error);
  assert_commands (fx, current, SHOW_TARGETS, SHOW_TARGETS, DELETE_TARGET ("1"), DELETE_ACCOUNT, NULL);
}

/* the volume name comes from volume_name_template: the LV, the device and
 * the target name */
static void
test_fake_name_template (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) volume = new_volume (fx, GiB);
  g_autoptr(NovaSnapshotRecord) snapshot = test_new_snapshot (volume);
  g_autoptr(GPtrArray) commands = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("lv_%s_data", volume->id);
  g_autofree char *snap_lv = g_strdup_printf (VG "/%s.snap", snapshot->id);
  g_autofree char *iqn = g_strdup_printf (PREFIX "lv_%s_data", volume->id);
  g_autofree char *dev = g_strdup_printf ("/dev/" VG "/lv_%s_data", volume->id);

  test_config_set (fx->ctx->config, "volume_name_template", "lv_%s_data");
  test_config_set (fx->ctx->config, "snapshot_name_template", "%s.snap");
  reload_driver (fx);

  g_assert_true (nova_volume_driver_create_volume (fx->driver, volume, &error));
  g_assert_true (nova_volume_driver_create_snapshot (fx->driver, snapshot, volume, &error));
  g_assert_true (nova_volume_driver_delete_snapshot (fx->driver, snapshot, &error));
  g_assert_true (nova_volume_driver_create_export (fx->driver, volume, &error));
  g_assert_no_error (error);
  commands = take_commands (fx);
  g_assert_cmpuint (commands->len, ==, 3 + 6);
  assert_argv (CMD (commands, 0), "lvcreate", "-L", "1073741824b", "-n", name, VG, NULL);
  assert_argv (CMD (commands, 2), "lvremove", "-f", snap_lv, NULL);
  assert_argv (CMD (commands, 4), "tgtadm", "--lld", "iscsi", "--mode", "target", "--op", "new",
               "--tid", "1", "--targetname", iqn, NULL);
  assert_argv (CMD (commands, 5), "tgtadm", "--lld", "iscsi", "--mode", "logicalunit", "--op", "new",
               "--tid", "1", "--lun", "1", "--backing-store", dev, NULL);
}

/* a fake without the store would lose its target numbers at a restart */
static void
test_fake_needs_store (void)
{
  g_autofree char *state_dir = test_make_tmp_dir ("nova-volume-fake-XXXXXX");
  g_autoptr(NovaVolumeExecutor) executor = NOVA_VOLUME_EXECUTOR (nova_volume_recording_executor_new ());
  g_autoptr(NovaVolumeDriverContext) ctx = make_context (state_dir, "fake", NULL, NULL, NULL, executor, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeDriver) driver = nova_volume_driver_load (ctx, &error);

  g_assert_null (driver);
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "state store"));
  test_remove_tree (state_dir);
}

/* fake: exports through lioadm, in <state dir>/fake-configfs */

#define LIO_EXPORT_FRESH \
  "mkdir iscsi", "mkdir core/iblock_1", "mkdir " SO, "write " SO "/udev_path @DEV@", \
  "write " SO "/control udev_path=@DEV@", "write " SO "/enable 1", "write " SO "/wwn/vpd_unit_serial *", \
  "mkdir iscsi/@IQN@", "mkdir " TPG, "mkdir " TPG "/lun/lun_0", "symlink " TPG "/lun/lun_0/@NAME@ -> " SO, \
  "mkdir " TPG "/np/10.0.0.5:3261", "write " TPG "/enable 1"
#define LIO_ALLOW(who) \
  "mkdir " TPG "/acls/" who, "write " TPG "/acls/" who "/auth/userid @USER@", \
  "write " TPG "/acls/" who "/auth/password " NOVA_VOLUME_EXECUTOR_MASK, "mkdir " TPG "/acls/" who "/lun_0", \
  "symlink " TPG "/acls/" who "/lun_0/tpg_lun_0 -> " TPG "/lun/lun_0"
#define LIO_DENY(who) \
  "unlink " TPG "/acls/" who "/lun_0/tpg_lun_0", "rmdir " TPG "/acls/" who "/lun_0", "rmdir " TPG "/acls/" who

static void
test_fake_lio_export (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) volume = new_volume (fx, GiB);
  g_autoptr(NovaVolumeRecord) second = new_volume (fx, GiB);
  g_autoptr(GVariant) host_a = g_variant_ref_sink (g_variant_new_parsed ("{'initiator': <%s>}", HOST_A));
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *iqn = g_strdup_printf (PREFIX "volume-%s", volume->id);
  g_autofree char *location = g_strdup_printf (PORTAL ",1 %s 0", iqn);
  g_autofree char *user = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *log = NULL;
  g_autofree char *tpg = g_build_filename (fx->state_dir, "fake-configfs", "target", "iscsi", iqn, "tpgt_1",
                                           NULL);

  g_assert_cmpstr (G_OBJECT_TYPE_NAME (fx->target), ==, "NovaIscsiLio");
  g_assert_true (nova_volume_driver_create_export (fx->driver, volume, &error));
  g_assert_no_error (error);
  assert_chap (volume->provider_auth, &user, &secret);
  g_assert_cmpstr (volume->provider_location, ==, location);
  assert_ops (fx, volume, LIO_EXPORT_FRESH, NULL);
  /* configfs is written, nothing is run */
  assert_commands (fx, volume, NULL);
  g_assert_true (g_file_test (tpg, G_FILE_TEST_IS_DIR));

  /* again: found as it is */
  g_assert_true (nova_volume_driver_create_export (fx->driver, volume, &error));
  g_assert_true (nova_volume_driver_check_for_export (fx->driver, volume, &error));
  g_assert_no_error (error);
  assert_ops (fx, volume, NULL);

  /* CHAP is on each host's node ACL */
  info = nova_volume_driver_initialize_connection (fx->driver, volume, host_a, &error);
  g_assert_no_error (error);
  {
    gint32 lun = -1;
    g_autoptr(GVariant) info_data = g_variant_lookup_value (info, "data", G_VARIANT_TYPE_VARDICT);

    g_assert_true (g_variant_lookup (info_data, "target_lun", "i", &lun));
    g_assert_cmpint (lun, ==, 0);
  }
  assert_ops (fx, volume, LIO_ALLOW (HOST_A), NULL);
  g_assert_true (nova_volume_driver_terminate_connection (fx->driver, volume, host_a, &error));
  g_assert_no_error (error);
  assert_ops (fx, volume, LIO_DENY (HOST_A), NULL);

  g_assert_true (nova_volume_driver_create_export (fx->driver, second, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tid_of (second), ==, 2);
  {
    g_auto(GStrv) ops = NULL;

    g_object_get (fx->driver, "target-operations", &ops, NULL);
    fx->ops_seen = g_strv_length (ops);
  }

  g_assert_true (nova_volume_driver_remove_export (fx->driver, volume, &error));
  g_assert_no_error (error);
  assert_ops (fx, volume,
              "write " TPG "/enable 0", "unlink " TPG "/lun/lun_0/@NAME@", "rmdir " TPG "/lun/lun_0",
              "rmdir " TPG "/np/10.0.0.5:3261", "rmdir " TPG, "rmdir iscsi/@IQN@", "rmdir " SO,
              "rmdir core/iblock_1", NULL);
  g_assert_false (g_file_test (tpg, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (stored_tid (fx, volume), ==, 0);

  /* fake_command_log has every change, secret masked, for readers
   * outside the process */
  g_assert_true (g_file_get_contents (fx->log_path, &log, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (strstr (log, secret));
  {
    g_autofree char *password_line = expand_template ("write " TPG "/acls/" HOST_A "/auth/password "
                                                      NOVA_VOLUME_EXECUTOR_MASK "\n", volume);
    g_autofree char *rmdir_line = expand_template ("\nrmdir iscsi/@IQN@\n", volume);

    g_assert_true (g_str_has_prefix (log, "mkdir iscsi\n"));
    g_assert_nonnull (strstr (log, password_line));
    g_assert_nonnull (strstr (log, rmdir_line));
  }
}

/* The stand-in for configfs is in the state directory: after a restart
 * of the daemon the targets are there, as configfs keeps them. */
static void
test_fake_lio_restart (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) volume = new_volume (fx, GiB);
  g_autoptr(GVariant) host_a = g_variant_ref_sink (g_variant_new_parsed ("{'initiator': <%s>}", HOST_A));
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_volume_driver_create_export (fx->driver, volume, &error));
  g_assert_no_error (error);
  info = nova_volume_driver_initialize_connection (fx->driver, volume, host_a, &error);
  g_assert_no_error (error);

  reload_driver (fx);
  g_assert_true (nova_volume_driver_ensure_export (fx->driver, volume, &error));
  g_assert_no_error (error);
  g_clear_pointer (&info, g_variant_unref);
  info = nova_volume_driver_initialize_connection (fx->driver, volume, host_a, &error);
  g_assert_no_error (error);
  g_assert_true (nova_volume_driver_check_for_export (fx->driver, volume, &error));
  g_assert_no_error (error);
  assert_ops (fx, volume, NULL);

  /* a reboot: configfs is empty, ensure_export makes it all again */
  {
    g_autofree char *target = g_build_filename (fx->state_dir, "fake-configfs", "target", NULL);
    g_autofree char *core = g_build_filename (target, "core", NULL);

    test_remove_tree (target);
    g_assert_cmpint (g_mkdir_with_parents (core, 0700), ==, 0);
  }
  g_assert_true (nova_volume_driver_ensure_export (fx->driver, volume, &error));
  g_assert_no_error (error);
  assert_ops (fx, volume, LIO_EXPORT_FRESH, NULL);
}

/* secrets */

static void
test_secret_generate (void)
{
  static const gsize lengths[] = { 0, 1, 16, 20, 61, 62, 63, 1000 };
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *long_secret = NULL;
  guint counts[256] = { 0 };

  for (gsize i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      g_autofree char *secret = nova_volume_secret_generate (lengths[i]);

      g_assert_nonnull (secret);
      g_assert_cmpuint (strlen (secret), ==, lengths[i]);
      for (const char *p = secret; *p != '\0'; p++)
        g_assert_true (g_ascii_isalnum (*p));
    }

  /* 1000 tokens as the fake's CHAP secrets, all different */
  for (guint i = 0; i < 1000; i++)
    g_assert_true (g_hash_table_add (seen, nova_volume_secret_generate (20)));
  g_assert_cmpuint (g_hash_table_size (seen), ==, 1000);

  /* every one of the 62 characters about as often as the others. A byte
   * taken modulo 62 would draw the first 8 a quarter more often (5/256
   * against 4/256): in 620000 draws about 12100 times instead of 10000,
   * where chance moves a count by about 100 */
  long_secret = nova_volume_secret_generate (62 * 10000);
  for (const char *p = long_secret; *p != '\0'; p++)
    counts[(guchar) *p]++;
  for (guint c = 0; c < G_N_ELEMENTS (counts); c++)
    {
      if (!g_ascii_isalnum ((char) c))
        g_assert_cmpuint (counts[c], ==, 0);
      else
        g_assert_cmpuint (ABS ((int) counts[c] - 10000), <, 800);
    }
}

/* logging */

static GStrv
get_calls (Fixture *fx)
{
  GStrv calls = NULL;

  g_object_get (fx->driver, "calls", &calls, NULL);
  g_assert_nonnull (calls);
  return calls;
}

static void
test_logging_calls (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) volume = test_new_volume (GiB);
  g_autoptr(NovaSnapshotRecord) snapshot = test_new_snapshot (volume);
  g_autoptr(GVariant) connector = g_variant_ref_sink (g_variant_new_parsed ("{'host': <'compute1'>}"));
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GVariant) expected = NULL;
  g_autoptr(GVariant) stats = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) calls = NULL;
  g_auto(GStrv) log_lines = NULL;
  g_autofree char *log = NULL;
  g_autofree char *want = NULL;
  const char *text = NULL;

  g_assert_cmpstr (nova_volume_driver_get_name (fx->driver), ==, "logging");
  g_assert_true (nova_volume_driver_create_volume (fx->driver, volume, &error));
  g_assert_true (nova_volume_driver_create_snapshot (fx->driver, snapshot, volume, &error));
  g_assert_true (nova_volume_driver_create_export (fx->driver, volume, &error));
  g_assert_no_error (error);
  info = nova_volume_driver_initialize_connection (fx->driver, volume, connector, &error);
  g_assert_no_error (error);
  expected = g_variant_ref_sink (g_variant_new_parsed (
      "{'driver_volume_type': <'logging'>, 'data': <{'volume_id': <%s>}>}", volume->id));
  assert_variant (info, expected);
  stats = nova_volume_driver_get_volume_stats (fx->driver, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (stats, "storage_protocol", "&s", &text));
  g_assert_cmpstr (text, ==, "logging");
  g_assert_true (nova_volume_driver_delete_volume (fx->driver, volume, &error));
  g_assert_no_error (error);

  calls = get_calls (fx);
  g_assert_cmpuint (g_strv_length (calls), ==, 8);
  g_assert_cmpstr (calls[0], ==, "do_setup");
  g_assert_cmpstr (calls[1], ==, "check_for_setup_error");
  want = g_strdup_printf ("create_volume id=%s size=1073741824", volume->id);
  g_assert_cmpstr (calls[2], ==, want);
  g_clear_pointer (&want, g_free);
  want = g_strdup_printf ("create_snapshot id=%s volume_id=%s size=1073741824", snapshot->id, volume->id);
  g_assert_cmpstr (calls[3], ==, want);
  g_clear_pointer (&want, g_free);
  want = g_strdup_printf ("create_export id=%s", volume->id);
  g_assert_cmpstr (calls[4], ==, want);
  g_clear_pointer (&want, g_free);
  want = g_strdup_printf ("initialize_connection id=%s host=compute1", volume->id);
  g_assert_cmpstr (calls[5], ==, want);
  g_assert_cmpstr (calls[6], ==, "get_volume_stats refresh=false");
  g_clear_pointer (&want, g_free);
  want = g_strdup_printf ("delete_volume id=%s", volume->id);
  g_assert_cmpstr (calls[7], ==, want);

  /* logging_driver_log: one JSON object a line, the same calls */
  g_assert_true (g_file_get_contents (fx->log_path, &log, NULL, &error));
  g_assert_no_error (error);
  log_lines = g_strsplit (g_strchomp (log), "\n", -1);
  g_assert_cmpuint (g_strv_length (log_lines), ==, 8);
  {
    g_autoptr(JsonParser) parser = json_parser_new ();
    JsonObject *object;

    g_assert_true (json_parser_load_from_data (parser, log_lines[2], -1, &error));
    g_assert_no_error (error);
    object = json_node_get_object (json_parser_get_root (parser));
    g_assert_cmpstr (json_object_get_string_member (object, "method"), ==, "create_volume");
    g_assert_cmpstr (json_object_get_string_member (object, "volume_id"), ==, volume->id);
    g_assert_cmpint (json_object_get_int_member (object, "size"), ==, (gint64) GiB);

    g_assert_true (json_parser_load_from_data (parser, log_lines[5], -1, &error));
    g_assert_no_error (error);
    object = json_node_get_object (json_parser_get_root (parser));
    g_assert_cmpstr (json_object_get_string_member (object, "method"), ==, "initialize_connection");
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (object, "connector"),
                                                    "host"), ==, "compute1");
  }
}

static void
test_logging_fail_method (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) volume = test_new_volume (GiB);
  g_autoptr(GError) error = NULL;
  g_autofree char *fail_method = NULL;
  g_auto(GStrv) calls = NULL;

  g_object_set (fx->driver, "fail-method", "delete_volume", NULL);
  /* other methods are not affected */
  g_assert_true (nova_volume_driver_create_volume (fx->driver, volume, &error));
  g_assert_no_error (error);

  g_assert_false (nova_volume_driver_delete_volume (fx->driver, volume, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "logging driver: delete_volume failed as asked");
  g_clear_error (&error);

  /* only the next call fails */
  g_object_get (fx->driver, "fail-method", &fail_method, NULL);
  g_assert_null (fail_method);
  g_assert_true (nova_volume_driver_delete_volume (fx->driver, volume, &error));
  g_assert_no_error (error);

  /* the failed call is recorded too */
  calls = get_calls (fx);
  g_assert_cmpuint (g_strv_length (calls), ==, 5);
  g_assert_true (g_str_has_prefix (calls[3], "delete_volume "));
  g_assert_true (g_str_has_prefix (calls[4], "delete_volume "));

  /* methods returning a variant fail the same way */
  g_object_set (fx->driver, "fail-method", "initialize_connection", NULL);
  g_assert_null (nova_volume_driver_initialize_connection (fx->driver, volume, NULL, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
}

/* an old config naming the seed's classes still works */
static void
test_seed_class_paths (void)
{
  static const struct {
    const char *class_path;
    const char *name;
  } cases[] = {
    { "nova.volume.driver.FakeISCSIDriver", "fake" },
    { "nova.volume.driver.LoggingVolumeDriver", "logging" },
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *state_dir = test_make_tmp_dir ("nova-volume-fake-XXXXXX");
  g_autoptr(NovaVolumeStore) store = open_store (state_dir);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(NovaVolumeExecutor) executor = nova_volume_executor_new (1);
      g_autoptr(NovaVolumeDriverContext) ctx = make_context (state_dir, cases[i].class_path, NULL,
                                                             NULL, NULL, executor, store);
      g_autoptr(NovaVolumeDriver) driver = nova_volume_driver_load (ctx, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (nova_volume_driver_get_name (driver), ==, cases[i].name);
    }
  test_remove_tree (state_dir);
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

#define ADD(setup, path, func) \
  g_test_add (path, Fixture, &setup, fixture_setup, func, fixture_teardown)
  ADD (setup_fake, "/fake-driver/volume-commands", test_fake_volume_commands);
  ADD (setup_fake, "/fake-driver/copy-commands", test_fake_copy_commands);
  ADD (setup_fake, "/fake-driver/commands-property", test_fake_commands_property);
  ADD (setup_fake, "/fake-driver/export-commands", test_fake_export_commands);
  ADD (setup_fake, "/fake-driver/ensure-export", test_fake_ensure_export);
  ADD (setup_fake, "/fake-driver/connection", test_fake_connection);
  ADD (setup_fake, "/fake-driver/tids-threads", test_fake_tids_threads);
  ADD (setup_fake, "/fake-driver/stats", test_fake_stats);
  ADD (setup_fake, "/fake-driver/command-failure", test_fake_command_failure);
  ADD (setup_fake, "/fake-driver/num-targets", test_fake_num_targets);
  ADD (setup_fake, "/fake-driver/export-resume", test_fake_export_resume);
  ADD (setup_fake, "/fake-driver/stale-location", test_fake_stale_location);
  ADD (setup_fake, "/fake-driver/name-template", test_fake_name_template);
  ADD (setup_fake_lio, "/fake-driver/lio/export", test_fake_lio_export);
  ADD (setup_fake_lio, "/fake-driver/lio/restart", test_fake_lio_restart);
  ADD (setup_logging, "/logging-driver/calls", test_logging_calls);
  ADD (setup_logging, "/logging-driver/fail-method", test_logging_fail_method);
#undef ADD
  g_test_add_func ("/fake-driver/needs-store", test_fake_needs_store);
  g_test_add_func ("/drivers/seed-class-paths", test_seed_class_paths);
  g_test_add_func ("/secret/generate", test_secret_generate);

  return g_test_run ();
}
