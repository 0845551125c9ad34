/* nova-volume: the "fake" driver, the seed's FakeISCSIDriver. It is an
 * LVM + iSCSI driver whose commands are recorded instead of run: every
 * LVM method composes the argv the real driver would run and hands it to a
 * NovaVolumeRecordingExecutor of its own, never to the context's executor,
 * so nothing on the host is touched.
 *
 * Exports go through the lvm-iscsi driver's own code: the shared export
 * bookkeeping (NovaIscsiExporter: target numbers in the store, CHAP,
 * one access rule per connected initiator) and the target helper that
 * iscsi_helper names:
 *
 *  - tgtadm: the tgtadm helper on the fake's recording executor, which a
 *    tgtd kept in memory answers (NovaIscsiFakeTgtd), so the helper runs
 *    the command lines it would run against a real tgtd. The fake tgtd
 *    starts empty, as a tgtd after a restart: ensure_export makes every
 *    target again.
 *  - lioadm: the LIO helper writing a plain directory that stands in for
 *    configfs, <state dir>/fake-configfs, and recording each change.
 *
 * Tests read what would have run from the "commands" property (the
 * executor's command lines), "target-operations" (the LIO helper's
 * configfs changes) or, from outside the process, fake_command_log,
 * which gets both, one a line, in the order they were made.
 *
 * The CHAP secret is masked in everything recorded: the executor and the
 * LIO helper mask it, and the fake tgtd only ever sees the masked argv.
 * The fake never runs a command, and its log is an ordinary file, so a
 * secret has no business there (DESIGN: secrets leave the daemon only in
 * InitializeConnection). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <gmodule.h>

#include <glib/gstdio.h>

#include "nova-volume-driver.h"
#include "nova-volume-error.h"
#include "nova-volume-stats.h"
#include "nova-volume-lvm.h"
#include "nova-volume-lvm-driver.h"
#include "nova-volume-iscsi-exporter.h"
#include "nova-volume-fake-tgtd.h"
#include "nova-volume-iscsi-lio.h"
#include "nova-volume-lio-plain-tree.h"
#include "nova-volume-iscsi-tgtadm.h"
#include "nova-volume-recording-executor.h"

/* the fake driver's own keys */
static const NovaVolumeConfigKey fake_keys[] = {
  { "fake_command_log", NOVA_VOLUME_KEY_STRING, "", 0, 0, NULL, nova_volume_check_optional_absolute_path,
    "fake driver: file to append each command line it would have run to; empty for none." },
  NOVA_VOLUME_CONFIG_KEYS_END
};

/* lvcreate rounds up to whole extents; 4 MiB is LVM's default extent */
#define FAKE_EXTENT_SIZE ((guint64) 4 * 1024 * 1024)
#define FAKE_CAPACITY    ((guint64) 1024 * 1024 * 1024 * 1024)
/* below the state directory: the lioadm helper's stand-in for configfs */
#define FAKE_CONFIGFS    "fake-configfs"

#define NOVA_VOLUME_TYPE_FAKE_DRIVER (nova_volume_fake_driver_get_type ())
G_DECLARE_FINAL_TYPE (NovaVolumeFakeDriver, nova_volume_fake_driver, NOVA_VOLUME, FAKE_DRIVER, GObject)

struct _NovaVolumeFakeDriver {
  GObject                      parent_instance;
  NovaVolumeRecordingExecutor *executor;

  /* from the config, set once in do_setup */
  NovaVolumeConfig            *config;       /* the name templates */
  char                        *volume_group;
  char                        *backend_name;
  NovaIscsiTarget             *target;       /* the iscsi_helper's helper */
  NovaIscsiExporter           *exporter;     /* target numbers, CHAP, access rules */

  GMutex                       lock;         /* guards what follows */
  GHashTable                  *sizes;        /* volume id -> guint64* */
};

enum {
  PROP_0,
  PROP_COMMANDS,
  PROP_EXECUTOR,
  PROP_TARGET,
  PROP_TARGET_OPERATIONS,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void nova_volume_fake_driver_iface_init (NovaVolumeDriverInterface *iface);

G_DEFINE_TYPE_WITH_CODE (NovaVolumeFakeDriver, nova_volume_fake_driver, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (NOVA_VOLUME_TYPE_DRIVER,
                                                nova_volume_fake_driver_iface_init))

/* helpers */

static gboolean
round_to_extent (guint64 size, guint64 *out, GError **error)
{
  if (size == 0 || size > G_MAXUINT64 - FAKE_EXTENT_SIZE)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "invalid volume size %" G_GUINT64_FORMAT, size);
      return FALSE;
    }
  *out = (size + FAKE_EXTENT_SIZE - 1) / FAKE_EXTENT_SIZE * FAKE_EXTENT_SIZE;
  return TRUE;
}

static gboolean
run (NovaVolumeFakeDriver *self, const char *const *argv, GError **error)
{
  return nova_volume_executor_run (NOVA_VOLUME_EXECUTOR (self->executor), argv, NULL, NULL, NULL, error);
}

static char *
volume_name (NovaVolumeFakeDriver *self, const NovaVolumeRecord *volume)
{
  return nova_volume_config_volume_name (self->config, volume->id);
}

static char *
lv_path (NovaVolumeFakeDriver *self, const char *lv_name)
{
  return g_strdup_printf ("%s/%s", self->volume_group, lv_name);
}

static char *
dev_path (NovaVolumeFakeDriver *self, const char *lv_name)
{
  return g_strdup_printf ("/dev/%s/%s", self->volume_group, lv_name);
}

static char *
size_arg (guint64 size)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT "b", size);
}

static void
track_size (NovaVolumeFakeDriver *self, const char *id, guint64 size)
{
  g_mutex_lock (&self->lock);
  g_hash_table_insert (self->sizes, g_strdup (id), g_memdup2 (&size, sizeof size));
  g_mutex_unlock (&self->lock);
}

/* setup */

static const char *
nova_volume_fake_driver_get_name (NovaVolumeDriver *driver)
{
  return "fake";
}

/* the values of @config the driver works with */
static void
set_config (NovaVolumeFakeDriver *self, NovaVolumeConfig *config)
{
  const char *backend_name = nova_volume_config_get_string (config, "volume_backend_name");

  g_set_object (&self->config, config);
  g_free (self->volume_group);
  self->volume_group = g_strdup (nova_volume_config_get_string (config, "volume_group"));
  g_free (self->backend_name);
  self->backend_name = g_strdup (backend_name != NULL && *backend_name != '\0' ? backend_name : "fake");
}

/* the LUN of a volume's target: the logical volume's device */
static char *
export_backing_path (const char *volume_id, gpointer user_data)
{
  NovaVolumeFakeDriver *self = user_data;
  g_autofree char *name = nova_volume_config_volume_name (self->config, volume_id);

  return dev_path (self, name);
}

/* lioadm: the LIO helper on a plain directory in the state directory, as
 * the kernel leaves configfs once target_core_mod is loaded; it stays
 * there across restarts of the daemon, as configfs would */
static NovaIscsiTarget *
make_lio (NovaVolumeDriverContext *ctx, const char *log_path, GError **error)
{
  const char *ip = nova_volume_config_get_string (ctx->config, "iscsi_ip_address");
  gint64 port = nova_volume_config_get_int (ctx->config, "iscsi_port");
  g_autofree char *root = NULL;
  g_autofree char *core = NULL;
  NovaIscsiLio *lio;

  if (ctx->state_dir == NULL)
    {
      g_set_error_literal (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                           "the fake driver with iscsi_helper = lioadm keeps its stand-in for configfs "
                           "in the state directory, and has none");
      return NULL;
    }
  root = g_build_filename (ctx->state_dir, FAKE_CONFIGFS, NULL);
  core = g_build_filename (root, "target", "core", NULL);
  if (g_mkdir_with_parents (core, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "cannot make the fake driver's stand-in for configfs %s: %s", core, g_strerror (saved));
      return NULL;
    }
  /* the config keeps the port within 1..65535 */
  lio = nova_iscsi_lio_new (root, ip, (guint) port);
  nova_iscsi_lio_set_stand_in (lio, &nova_lio_plain_tree);
  nova_iscsi_lio_set_recording (lio, TRUE);
  if (log_path != NULL && *log_path != '\0')
    nova_iscsi_lio_set_log_path (lio, log_path);
  return NOVA_ISCSI_TARGET (lio);
}

static gboolean
nova_volume_fake_driver_do_setup (NovaVolumeDriver *driver, NovaVolumeDriverContext *ctx, GError **error)
{
  NovaVolumeFakeDriver *self = NOVA_VOLUME_FAKE_DRIVER (driver);
  NovaVolumeConfig *config = ctx->config;
  const char *log_path = nova_volume_config_get_string (config, "fake_command_log");
  gint64 tries = nova_volume_config_get_int (config, "num_shell_tries");

  /* as lvm-iscsi: target numbers survive a restart and are handed out in
   * a transaction */
  if (ctx->ledger == NULL)
    {
      g_set_error_literal (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                           "the fake driver keeps its target numbers in the state store, and has none");
      return FALSE;
    }
  set_config (self, config);

  /* the seed retries every command num_shell_tries times; a fake has no
   * reason to sleep between the tries */
  nova_volume_executor_set_tries (NOVA_VOLUME_EXECUTOR (self->executor), (guint) CLAMP (tries, 1, 100));
  nova_volume_executor_set_backoff_ms (NOVA_VOLUME_EXECUTOR (self->executor), 0);
  if (log_path != NULL && *log_path != '\0')
    nova_volume_recording_executor_set_log_path (self->executor, log_path);

  g_clear_object (&self->exporter);
  g_clear_object (&self->target);
  if (g_str_equal (nova_volume_config_get_string (config, "iscsi_helper"), "lioadm"))
    {
      if ((self->target = make_lio (ctx, log_path, error)) == NULL)
        return FALSE;
    }
  else
    {
      nova_iscsi_fake_tgtd_attach (self->executor);
      self->target = nova_iscsi_tgtadm_new (NOVA_VOLUME_EXECUTOR (self->executor), NULL);
    }
  self->exporter = nova_iscsi_exporter_new (self->target, ctx->ledger, config, export_backing_path, self);
  return TRUE;
}

/* the seed's fake: "No setup necessary in fake mode" */
static gboolean
nova_volume_fake_driver_check_for_setup_error (NovaVolumeDriver *driver, GError **error)
{
  return TRUE;
}

/* volumes */

static gboolean
lvcreate (NovaVolumeFakeDriver *self, const NovaVolumeRecord *volume, guint64 size, GError **error)
{
  g_autofree char *name = volume_name (self, volume);
  g_autofree char *size_text = size_arg (size);
  const char *argv[] = { "lvcreate", "-L", size_text, "-n", name, self->volume_group, NULL };

  if (!run (self, argv, error))
    return FALSE;
  track_size (self, volume->id, size);
  return TRUE;
}

static gboolean
lvremove (NovaVolumeFakeDriver *self, const char *lv_name, GError **error)
{
  g_autofree char *lv = lv_path (self, lv_name);
  const char *argv[] = { "lvremove", "-f", lv, NULL };

  return run (self, argv, error);
}

static gboolean
nova_volume_fake_driver_create_volume (NovaVolumeDriver *driver, NovaVolumeRecord *volume, GError **error)
{
  NovaVolumeFakeDriver *self = NOVA_VOLUME_FAKE_DRIVER (driver);
  guint64 size;

  if (!nova_volume_check_id ("volume", volume->id, error) || !round_to_extent (volume->size, &size, error))
    return FALSE;
  if (!lvcreate (self, volume, size, error))
    return FALSE;
  volume->size = size;
  return TRUE;
}

static gboolean
nova_volume_fake_driver_delete_volume (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                       GError **error)
{
  NovaVolumeFakeDriver *self = NOVA_VOLUME_FAKE_DRIVER (driver);
  g_autofree char *name = NULL;

  if (!nova_volume_check_id ("volume", volume->id, error))
    return FALSE;
  name = volume_name (self, volume);
  if (!lvremove (self, name, error))
    return FALSE;
  g_mutex_lock (&self->lock);
  g_hash_table_remove (self->sizes, volume->id);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static gboolean
nova_volume_fake_driver_extend_volume (NovaVolumeDriver *driver, NovaVolumeRecord *volume,
                                       guint64 new_size, GError **error)
{
  NovaVolumeFakeDriver *self = NOVA_VOLUME_FAKE_DRIVER (driver);
  g_autofree char *name = NULL;
  g_autofree char *lv = NULL;
  g_autofree char *size_text = NULL;
  guint64 size;

  if (!nova_volume_check_id ("volume", volume->id, error) || !round_to_extent (new_size, &size, error))
    return FALSE;
  if (size < volume->size)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "volume %s: cannot shrink from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT " bytes",
                   volume->id, volume->size, size);
      return FALSE;
    }
  name = volume_name (self, volume);
  lv = lv_path (self, name);
  size_text = size_arg (size);
  {
    const char *argv[] = { "lvextend", "-L", size_text, lv, NULL };
    if (!run (self, argv, error))
      return FALSE;
  }
  track_size (self, volume->id, size);
  volume->size = size;
  return TRUE;
}

static gboolean
nova_volume_fake_driver_create_snapshot (NovaVolumeDriver *driver, NovaSnapshotRecord *snapshot,
                                         const NovaVolumeRecord *volume, GError **error)
{
  NovaVolumeFakeDriver *self = NOVA_VOLUME_FAKE_DRIVER (driver);
  g_autofree char *name = NULL;
  g_autofree char *origin_name = NULL;
  g_autofree char *origin = NULL;
  g_autofree char *size_text = NULL;

  if (!nova_volume_check_id ("snapshot", snapshot->id, error) || !nova_volume_check_id ("volume", volume->id, error))
    return FALSE;
  name = nova_lvm_escape_name (nova_volume_config_snapshot_name (self->config, snapshot->id));
  origin_name = volume_name (self, volume);
  origin = lv_path (self, origin_name);
  size_text = size_arg (volume->size);
  {
    const char *argv[] = { "lvcreate", "-L", size_text, "--name", name, "--snapshot", origin, NULL };
    if (!run (self, argv, error))
      return FALSE;
  }
  snapshot->size = volume->size;
  return TRUE;
}

static gboolean
nova_volume_fake_driver_delete_snapshot (NovaVolumeDriver *driver, const NovaSnapshotRecord *snapshot,
                                         GError **error)
{
  NovaVolumeFakeDriver *self = NOVA_VOLUME_FAKE_DRIVER (driver);
  g_autofree char *name = NULL;

  if (!nova_volume_check_id ("snapshot", snapshot->id, error))
    return FALSE;
  name = nova_lvm_escape_name (nova_volume_config_snapshot_name (self->config, snapshot->id));
  return lvremove (self, name, error);
}

/* the seed's _copy_volume: dd in MiB blocks, the count rounded up */
static gboolean
dd_copy (NovaVolumeFakeDriver *self, const char *src_lv, const char *dest_lv, guint64 size,
         GError **error)
{
  g_autofree char *src = dev_path (self, src_lv);
  g_autofree char *dest = dev_path (self, dest_lv);
  g_autofree char *if_arg = g_strconcat ("if=", src, NULL);
  g_autofree char *of_arg = g_strconcat ("of=", dest, NULL);
  g_autofree char *count_arg = g_strdup_printf ("count=%" G_GUINT64_FORMAT,
                                                (size + 1024 * 1024 - 1) / (1024 * 1024));
  const char *argv[] = { "dd", if_arg, of_arg, "bs=1M", count_arg, "oflag=direct", NULL };

  return run (self, argv, error);
}

/* the size of a volume made from a source of @source_size */
static gboolean
copy_target_size (const NovaVolumeRecord *volume, guint64 source_size, guint64 *out, GError **error)
{
  if (volume->size != 0 && volume->size < source_size)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "volume %s: %" G_GUINT64_FORMAT " bytes is smaller than its source (%"
                   G_GUINT64_FORMAT " bytes)", volume->id, volume->size, source_size);
      return FALSE;
    }
  return round_to_extent (MAX (volume->size, source_size), out, error);
}

/* the volume a copy of @source_size bytes goes into, made with lvcreate;
 * a cancellation before or right after takes it away again */
static gboolean
create_copy_target (NovaVolumeFakeDriver *self, NovaVolumeRecord *volume, guint64 source_size,
                    GCancellable *cancellable, guint64 *out_size, GError **error)
{
  if (!nova_volume_check_id ("volume", volume->id, error))
    return FALSE;
  if (!copy_target_size (volume, source_size, out_size, error))
    return FALSE;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (!lvcreate (self, volume, *out_size, error))
    return FALSE;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      g_autofree char *name = volume_name (self, volume);

      lvremove (self, name, NULL);
      return FALSE;
    }
  return TRUE;
}

static gboolean
nova_volume_fake_driver_create_volume_from_snapshot (NovaVolumeDriver *driver, NovaVolumeRecord *volume,
                                                     const NovaSnapshotRecord *snapshot,
                                                     NovaVolumeProgressFunc progress, gpointer progress_data,
                                                     GCancellable *cancellable, GError **error)
{
  NovaVolumeFakeDriver *self = NOVA_VOLUME_FAKE_DRIVER (driver);
  g_autofree char *name = NULL;
  g_autofree char *snap_name = NULL;
  guint64 size;

  if (!nova_volume_check_id ("snapshot", snapshot->id, error))
    return FALSE;
  if (!create_copy_target (self, volume, snapshot->size, cancellable, &size, error))
    return FALSE;
  name = volume_name (self, volume);
  snap_name = nova_lvm_escape_name (nova_volume_config_snapshot_name (self->config, snapshot->id));
  if (!dd_copy (self, snap_name, name, snapshot->size, error))
    return FALSE;
  if (progress != NULL)
    progress (1.0, progress_data);
  volume->size = size;
  return TRUE;
}

/* Cinder's LVM clone: a temporary snapshot of the source, copied */
static gboolean
nova_volume_fake_driver_create_cloned_volume (NovaVolumeDriver *driver, NovaVolumeRecord *volume,
                                              const NovaVolumeRecord *source,
                                              NovaVolumeProgressFunc progress, gpointer progress_data,
                                              GCancellable *cancellable, GError **error)
{
  NovaVolumeFakeDriver *self = NOVA_VOLUME_FAKE_DRIVER (driver);
  g_autofree char *name = NULL;
  g_autofree char *source_name = NULL;
  g_autofree char *source_lv = NULL;
  g_autofree char *temp_name = NULL;
  g_autofree char *source_size = NULL;
  guint64 size;

  if (!nova_volume_check_id ("volume", source->id, error))
    return FALSE;
  if (!create_copy_target (self, volume, source->size, cancellable, &size, error))
    return FALSE;
  name = volume_name (self, volume);
  source_name = volume_name (self, source);
  source_lv = lv_path (self, source_name);
  temp_name = g_strdup_printf ("clone-snap-%s", volume->id);
  source_size = size_arg (source->size);
  {
    const char *argv[] = { "lvcreate", "-L", source_size, "--name", temp_name, "--snapshot", source_lv, NULL };
    if (!run (self, argv, error))
      return FALSE;
  }
  if (!dd_copy (self, temp_name, name, source->size, error))
    {
      lvremove (self, temp_name, NULL);
      return FALSE;
    }
  if (!lvremove (self, temp_name, error))
    return FALSE;
  if (progress != NULL)
    progress (1.0, progress_data);
  volume->size = size;
  return TRUE;
}

/* exports: the lvm-iscsi driver's, through the configured helper; the
 * ids are checked first, as every other method does */

static gboolean
nova_volume_fake_driver_create_export (NovaVolumeDriver *driver, NovaVolumeRecord *volume, GError **error)
{
  NovaVolumeFakeDriver *self = NOVA_VOLUME_FAKE_DRIVER (driver);

  return nova_volume_check_id ("volume", volume->id, error)
         && nova_iscsi_exporter_create_export (self->exporter, volume, error);
}

static gboolean
nova_volume_fake_driver_ensure_export (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                       GError **error)
{
  NovaVolumeFakeDriver *self = NOVA_VOLUME_FAKE_DRIVER (driver);

  return nova_volume_check_id ("volume", volume->id, error)
         && nova_iscsi_exporter_ensure_export (self->exporter, volume, error);
}

static gboolean
nova_volume_fake_driver_remove_export (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                       GError **error)
{
  NovaVolumeFakeDriver *self = NOVA_VOLUME_FAKE_DRIVER (driver);

  return nova_volume_check_id ("volume", volume->id, error)
         && nova_iscsi_exporter_remove_export (self->exporter, volume, error);
}

static gboolean
nova_volume_fake_driver_check_for_export (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                          GError **error)
{
  NovaVolumeFakeDriver *self = NOVA_VOLUME_FAKE_DRIVER (driver);

  return nova_volume_check_id ("volume", volume->id, error)
         && nova_iscsi_exporter_check_for_export (self->exporter, volume, error);
}

static GVariant *
nova_volume_fake_driver_initialize_connection (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                               GVariant *connector, GError **error)
{
  NovaVolumeFakeDriver *self = NOVA_VOLUME_FAKE_DRIVER (driver);

  if (!nova_volume_check_id ("volume", volume->id, error))
    return NULL;
  return nova_iscsi_exporter_initialize_connection (self->exporter, volume, connector, error);
}

static gboolean
nova_volume_fake_driver_terminate_connection (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                              GVariant *connector, GError **error)
{
  NovaVolumeFakeDriver *self = NOVA_VOLUME_FAKE_DRIVER (driver);

  return nova_volume_check_id ("volume", volume->id, error)
         && nova_iscsi_exporter_terminate_connection (self->exporter, volume, connector, error);
}

static GVariant *
nova_volume_fake_driver_get_volume_stats (NovaVolumeDriver *driver, gboolean refresh, GError **error)
{
  NovaVolumeFakeDriver *self = NOVA_VOLUME_FAKE_DRIVER (driver);
  GVariantBuilder builder;
  GHashTableIter iter;
  gpointer value;
  guint64 provisioned = 0;
  guint count;

  g_mutex_lock (&self->lock);
  g_hash_table_iter_init (&iter, self->sizes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    provisioned += *(guint64 *) value;
  count = g_hash_table_size (self->sizes);
  g_mutex_unlock (&self->lock);

  nova_volume_stats_builder_init (&builder, &(NovaVolumeStats) {
    .backend_name = self->backend_name, .storage_protocol = "iSCSI", .thin = FALSE,
    /* as tgt: several initiators, none of them read-only */
    .multiattach = TRUE,
    .capacity_known = TRUE, .total = FAKE_CAPACITY, .free = FAKE_CAPACITY,
    .provisioned_known = TRUE, .provisioned = provisioned,
  });
  g_variant_builder_add (&builder, "{sv}", "volume_count", g_variant_new_uint32 (count));
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/* GObject */

static void
nova_volume_fake_driver_iface_init (NovaVolumeDriverInterface *iface)
{
  iface->get_name = nova_volume_fake_driver_get_name;
  iface->do_setup = nova_volume_fake_driver_do_setup;
  iface->check_for_setup_error = nova_volume_fake_driver_check_for_setup_error;
  iface->create_volume = nova_volume_fake_driver_create_volume;
  iface->create_volume_from_snapshot = nova_volume_fake_driver_create_volume_from_snapshot;
  iface->create_cloned_volume = nova_volume_fake_driver_create_cloned_volume;
  iface->delete_volume = nova_volume_fake_driver_delete_volume;
  iface->extend_volume = nova_volume_fake_driver_extend_volume;
  iface->create_snapshot = nova_volume_fake_driver_create_snapshot;
  iface->delete_snapshot = nova_volume_fake_driver_delete_snapshot;
  iface->create_export = nova_volume_fake_driver_create_export;
  iface->ensure_export = nova_volume_fake_driver_ensure_export;
  iface->remove_export = nova_volume_fake_driver_remove_export;
  iface->check_for_export = nova_volume_fake_driver_check_for_export;
  iface->initialize_connection = nova_volume_fake_driver_initialize_connection;
  iface->terminate_connection = nova_volume_fake_driver_terminate_connection;
  iface->get_volume_stats = nova_volume_fake_driver_get_volume_stats;
}

static void
nova_volume_fake_driver_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  NovaVolumeFakeDriver *self = NOVA_VOLUME_FAKE_DRIVER (object);

  switch (prop_id)
    {
    case PROP_COMMANDS:
      g_value_take_boxed (value, nova_volume_recording_executor_get_command_lines (self->executor));
      break;
    case PROP_EXECUTOR:
      g_value_set_object (value, self->executor);
      break;
    case PROP_TARGET:
      g_value_set_object (value, self->target);
      break;
    case PROP_TARGET_OPERATIONS:
      if (NOVA_IS_ISCSI_LIO (self->target))
        g_value_take_boxed (value, nova_iscsi_lio_get_operations (NOVA_ISCSI_LIO (self->target)));
      else
        g_value_take_boxed (value, g_new0 (char *, 1));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
    }
}

static void
nova_volume_fake_driver_finalize (GObject *object)
{
  NovaVolumeFakeDriver *self = NOVA_VOLUME_FAKE_DRIVER (object);

  g_clear_object (&self->exporter);
  g_clear_object (&self->target);
  g_clear_object (&self->executor);
  g_clear_object (&self->config);
  g_free (self->volume_group);
  g_free (self->backend_name);
  g_hash_table_unref (self->sizes);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (nova_volume_fake_driver_parent_class)->finalize (object);
}

static void
nova_volume_fake_driver_class_init (NovaVolumeFakeDriverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = nova_volume_fake_driver_get_property;
  object_class->finalize = nova_volume_fake_driver_finalize;

  /* every command line that would have run, in order */
  props[PROP_COMMANDS] = g_param_spec_boxed ("commands", NULL, NULL, G_TYPE_STRV,
                                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* the executor itself, so a test can script a failing command */
  props[PROP_EXECUTOR] = g_param_spec_object ("executor", NULL, NULL, NOVA_VOLUME_TYPE_RECORDING_EXECUTOR,
                                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* the target helper (a NovaIscsiTgtadm or a NovaIscsiLio), NULL
   * before do_setup */
  props[PROP_TARGET] = g_param_spec_object ("target", NULL, NULL, NOVA_TYPE_ISCSI_TARGET,
                                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* lioadm: every configfs change the LIO helper made, in order, the
   * CHAP secret masked (empty for tgtadm, whose commands are in
   * "commands"); a test links no copy of the helper to ask it itself */
  props[PROP_TARGET_OPERATIONS] = g_param_spec_boxed ("target-operations", NULL, NULL, G_TYPE_STRV,
                                                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
nova_volume_fake_driver_init (NovaVolumeFakeDriver *self)
{
  g_autoptr(NovaVolumeConfig) defaults = nova_volume_config_new ();

  g_mutex_init (&self->lock);
  self->executor = nova_volume_recording_executor_new ();
  /* do_setup replaces them with the daemon's */
  set_config (self, defaults);
  self->sizes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/* what the registry and the configuration know of this driver */
static const char *const fake_aliases[] = { "nova.volume.driver.FakeISCSIDriver", NULL };
static const NovaVolumeConfigKey *const fake_key_tables[] = { fake_keys, nova_volume_iscsi_config_keys, nova_volume_lvm_config_keys, NULL };
static const NovaVolumeDriverInfo fake_info = {
  .name = "fake",
  .aliases = fake_aliases,
  .get_type = nova_volume_fake_driver_get_type,
  .keys = fake_key_tables,
};

NOVA_VOLUME_DRIVER_MODULE (fake_info)
