/* nova-volume: the "fake" driver, the seed's FakeISCSIDriver. It is an
 * LVM + tgt iSCSI driver whose commands are recorded instead of run: every
 * method composes the argv the real driver would run and hands it to a
 * NovaVolumeRecordingExecutor of its own, never to the context's executor,
 * so nothing on the host is touched. Tests read what would have run from
 * the "commands" property or, from outside the process, from
 * fake_command_log.
 *
 * CHAP passwords go to the executor as secrets, so what it records and
 * logs shows them masked: the fake never runs the command, and its log is
 * an ordinary file, so a secret has no business there (DESIGN: secrets
 * leave the daemon only in InitializeConnection). */
#include "config.h"

#include <string.h>

#include <gmodule.h>

#include "nova-volume-driver.h"
#include "nova-volume-error.h"
#include "nova-volume-iscsi-location.h"
#include "nova-volume-recording-executor.h"
#include "nova-volume-secret.h"

/* lvcreate rounds up to whole extents; 4 MiB is LVM's default extent */
#define FAKE_EXTENT_SIZE ((guint64) 4 * 1024 * 1024)
#define FAKE_CAPACITY    ((guint64) 1024 * 1024 * 1024 * 1024)
#define FAKE_LUN         1

#define NOVA_VOLUME_TYPE_FAKE_DRIVER (nova_volume_fake_driver_get_type ())
G_DECLARE_FINAL_TYPE (NovaVolumeFakeDriver, nova_volume_fake_driver, NOVA_VOLUME, FAKE_DRIVER, GObject)

struct _NovaVolumeFakeDriver {
  GObject                      parent_instance;
  NovaVolumeRecordingExecutor *executor;

  /* from the config, set once in do_setup */
  NovaVolumeConfig            *config;       /* the name templates */
  char                        *volume_group;
  char                        *target_prefix;
  char                        *ip_address;
  gint64                       port;
  guint                        num_targets;  /* target numbers are 1 .. num_targets */
  char                        *backend_name;

  GMutex                       lock;         /* guards what follows */
  GHashTable                  *volume_tids;  /* volume id -> GUINT_TO_POINTER (tid) */
  GHashTable                  *tid_volumes;  /* GUINT_TO_POINTER (tid) -> volume id */
  GHashTable                  *sizes;        /* volume id -> guint64* */
};

enum {
  PROP_0,
  PROP_COMMANDS,
  PROP_EXECUTOR,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void nova_volume_fake_driver_iface_init (NovaVolumeDriverInterface *iface);

G_DEFINE_TYPE_WITH_CODE (NovaVolumeFakeDriver, nova_volume_fake_driver, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (NOVA_VOLUME_TYPE_DRIVER,
                                                nova_volume_fake_driver_iface_init))

/* helpers */

/* ids become LV names and argv words: nothing that could be read as an
 * option or a path */
static gboolean
check_id (const char *kind, const char *id, GError **error)
{
  if (id == NULL || *id == '\0' || strchr (id, '/') != NULL || id[0] == '.' || id[0] == '-'
      || strchr (id, ' ') != NULL)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "invalid %s id '%s'", kind, id != NULL ? id : "(null)");
      return FALSE;
    }
  return TRUE;
}

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

/* the one @id already has, or else the lowest target number nobody
 * holds, up to iscsi_num_targets */
static gboolean
allocate_tid (NovaVolumeFakeDriver *self, const char *id, guint *out_tid, gboolean *out_new,
              GError **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  gpointer found;
  guint tid;

  if (g_hash_table_lookup_extended (self->volume_tids, id, NULL, &found))
    {
      *out_tid = GPOINTER_TO_UINT (found);
      *out_new = FALSE;
      return TRUE;
    }
  for (tid = 1; tid <= self->num_targets; tid++)
    if (!g_hash_table_contains (self->tid_volumes, GUINT_TO_POINTER (tid)))
      break;
  if (tid > self->num_targets)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NO_SPACE,
                   "no free iSCSI target number (iscsi_num_targets = %u)", self->num_targets);
      return FALSE;
    }
  g_hash_table_insert (self->volume_tids, g_strdup (id), GUINT_TO_POINTER (tid));
  g_hash_table_insert (self->tid_volumes, GUINT_TO_POINTER (tid), g_strdup (id));
  *out_tid = tid;
  *out_new = TRUE;
  return TRUE;
}

static void
release_tid (NovaVolumeFakeDriver *self, const char *id)
{
  gpointer found;

  g_mutex_lock (&self->lock);
  if (g_hash_table_lookup_extended (self->volume_tids, id, NULL, &found))
    {
      g_hash_table_remove (self->tid_volumes, found);
      g_hash_table_remove (self->volume_tids, id);
    }
  g_mutex_unlock (&self->lock);
}

/* takes @tid for @id after a restart, from what the store remembers */
static gboolean
claim_tid (NovaVolumeFakeDriver *self, const char *id, guint tid, GError **error)
{
  const char *owner;
  gboolean ok = TRUE;

  g_mutex_lock (&self->lock);
  owner = g_hash_table_lookup (self->tid_volumes, GUINT_TO_POINTER (tid));
  if (owner != NULL && !g_str_equal (owner, id))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "volume %s: target %u is already held by volume %s", id, tid, owner);
      ok = FALSE;
    }
  else if (owner == NULL)
    {
      g_hash_table_insert (self->volume_tids, g_strdup (id), GUINT_TO_POINTER (tid));
      g_hash_table_insert (self->tid_volumes, GUINT_TO_POINTER (tid), g_strdup (id));
    }
  g_mutex_unlock (&self->lock);
  return ok;
}

typedef enum {
  TID_NONE,   /* never exported, or its export is gone */
  TID_FOUND,
  TID_TAKEN,  /* provider_location names a number another volume holds now */
} TidLookup;

/* @volume's target number: the one it holds, else the one its
 * provider_location remembers from before a restart. A remembered number
 * that another volume holds now is stale (that export was removed and the
 * number handed out again), and acting on it would reach the other
 * volume's target; *out_tid is still set then, for messages */
static TidLookup
lookup_tid (NovaVolumeFakeDriver *self, const NovaVolumeRecord *volume, guint *out_tid)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  gpointer found = NULL;

  if (g_hash_table_lookup_extended (self->volume_tids, volume->id, NULL, &found))
    {
      *out_tid = GPOINTER_TO_UINT (found);
      return TID_FOUND;
    }
  if (!nova_iscsi_location_parse (volume->provider_location, NULL, out_tid, NULL, NULL))
    return TID_NONE;
  if (g_hash_table_contains (self->tid_volumes, GUINT_TO_POINTER (*out_tid)))
    return TID_TAKEN;
  return TID_FOUND;
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
  g_free (self->target_prefix);
  self->target_prefix = g_strdup (nova_volume_config_get_string (config, "iscsi_target_prefix"));
  g_free (self->ip_address);
  self->ip_address = g_strdup (nova_volume_config_get_string (config, "iscsi_ip_address"));
  self->port = nova_volume_config_get_int (config, "iscsi_port");
  /* the config keeps it within 1..65535 */
  self->num_targets = (guint) nova_volume_config_get_int (config, "iscsi_num_targets");
  g_free (self->backend_name);
  self->backend_name = g_strdup (backend_name != NULL && *backend_name != '\0' ? backend_name : "fake");
}

static gboolean
nova_volume_fake_driver_do_setup (NovaVolumeDriver *driver, NovaVolumeDriverContext *ctx, GError **error)
{
  NovaVolumeFakeDriver *self = NOVA_VOLUME_FAKE_DRIVER (driver);
  NovaVolumeConfig *config = ctx->config;
  const char *log_path = nova_volume_config_get_string (config, "fake_command_log");
  gint64 tries = nova_volume_config_get_int (config, "num_shell_tries");

  set_config (self, config);

  /* the seed retries every command num_shell_tries times; a fake has no
   * reason to sleep between the tries */
  nova_volume_executor_set_tries (NOVA_VOLUME_EXECUTOR (self->executor), (guint) CLAMP (tries, 1, 100));
  nova_volume_executor_set_backoff_ms (NOVA_VOLUME_EXECUTOR (self->executor), 0);
  if (log_path != NULL && *log_path != '\0')
    nova_volume_recording_executor_set_log_path (self->executor, log_path);
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

  if (!check_id ("volume", volume->id, error) || !round_to_extent (volume->size, &size, error))
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

  if (!check_id ("volume", volume->id, error))
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

  if (!check_id ("volume", volume->id, error) || !round_to_extent (new_size, &size, error))
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

  if (!check_id ("snapshot", snapshot->id, error) || !check_id ("volume", volume->id, error))
    return FALSE;
  name = nova_volume_config_snapshot_name (self->config, snapshot->id);
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

  if (!check_id ("snapshot", snapshot->id, error))
    return FALSE;
  name = nova_volume_config_snapshot_name (self->config, snapshot->id);
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
  if (!check_id ("volume", volume->id, error))
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

  if (!check_id ("snapshot", snapshot->id, error))
    return FALSE;
  if (!create_copy_target (self, volume, snapshot->size, cancellable, &size, error))
    return FALSE;
  name = volume_name (self, volume);
  snap_name = nova_volume_config_snapshot_name (self->config, snapshot->id);
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

  if (!check_id ("volume", source->id, error))
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

/* exports: tgtadm, as the seed's TgtAdm */

static char *
target_iqn (NovaVolumeFakeDriver *self, const NovaVolumeRecord *volume)
{
  g_autofree char *name = volume_name (self, volume);

  return g_strconcat (self->target_prefix, name, NULL);
}

/* the steps of making a target, in order; a failed export undoes the
 * ones that were done */
enum {
  STEP_NEW_TARGET,
  STEP_NEW_LUN,
  STEP_NEW_ACCOUNT,
  STEP_BIND_ACCOUNT,
  STEP_BIND_TARGET,
  N_STEPS
};

/* takes target @tid apart, the reverse of run_target_create: its LUN
 * when @lun, the target, the CHAP account of @user unless NULL (the
 * bindings go with the target and the account); stops at the first step
 * that fails */
static gboolean
run_target_delete (NovaVolumeFakeDriver *self, guint tid, gboolean lun, const char *user, GError **error)
{
  g_autofree char *tid_text = g_strdup_printf ("%u", tid);
  g_autofree char *lun_text = g_strdup_printf ("%d", FAKE_LUN);
  const char *delete_lun[] = { "tgtadm", "--lld", "iscsi", "--mode", "logicalunit", "--op", "delete",
                               "--tid", tid_text, "--lun", lun_text, NULL };
  const char *delete_target[] = { "tgtadm", "--lld", "iscsi", "--mode", "target", "--op", "delete",
                                  "--tid", tid_text, NULL };
  const char *delete_account[] = { "tgtadm", "--lld", "iscsi", "--mode", "account", "--op", "delete",
                                   "--user", user, NULL };

  return (!lun || run (self, delete_lun, error))
      && run (self, delete_target, error)
      && (user == NULL || run (self, delete_account, error));
}

/* the commands that make target @tid for @volume, with its CHAP account.
 * With @undo, a failure takes apart what the steps before it made, so
 * that no half target is left holding the number */
static gboolean
run_target_create (NovaVolumeFakeDriver *self, const NovaVolumeRecord *volume, guint tid,
                   const char *user, const char *secret, gboolean undo, GError **error)
{
  g_autofree char *tid_text = g_strdup_printf ("%u", tid);
  g_autofree char *lun_text = g_strdup_printf ("%d", FAKE_LUN);
  g_autofree char *iqn = target_iqn (self, volume);
  g_autofree char *name = volume_name (self, volume);
  g_autofree char *backing = dev_path (self, name);
  const char *new_target[] = { "tgtadm", "--lld", "iscsi", "--mode", "target", "--op", "new",
                               "--tid", tid_text, "--targetname", iqn, NULL };
  const char *new_lun[] = { "tgtadm", "--lld", "iscsi", "--mode", "logicalunit", "--op", "new",
                            "--tid", tid_text, "--lun", lun_text, "--backing-store", backing, NULL };
  const char *new_account[] = { "tgtadm", "--lld", "iscsi", "--mode", "account", "--op", "new",
                                "--user", user, "--password", secret, NULL };
  const char *bind_account[] = { "tgtadm", "--lld", "iscsi", "--mode", "account", "--op", "bind",
                                 "--tid", tid_text, "--user", user, NULL };
  const char *bind_target[] = { "tgtadm", "--lld", "iscsi", "--mode", "target", "--op", "bind",
                                "--tid", tid_text, "--initiator-address", "ALL", NULL };
  const char *const *steps[N_STEPS] = {
    [STEP_NEW_TARGET] = new_target,
    [STEP_NEW_LUN] = new_lun,
    [STEP_NEW_ACCOUNT] = new_account,
    [STEP_BIND_ACCOUNT] = bind_account,
    [STEP_BIND_TARGET] = bind_target,
  };
  const char *const secrets[] = { secret, NULL };
  g_autoptr(GError) undo_error = NULL;
  guint done;

  for (done = 0; done < N_STEPS; done++)
    if (!nova_volume_executor_run_secret (NOVA_VOLUME_EXECUTOR (self->executor), steps[done], secrets,
                                          NULL, NULL, NULL, error))
      break;
  if (done == N_STEPS)
    return TRUE;

  if (undo && done > STEP_NEW_TARGET
      && !run_target_delete (self, tid, done > STEP_NEW_LUN, done > STEP_NEW_ACCOUNT ? user : NULL,
                             &undo_error))
    g_warning ("volume %s: cannot take the half-made target %u apart: %s",
               volume->id, tid, undo_error->message);
  return FALSE;
}

static gboolean
nova_volume_fake_driver_create_export (NovaVolumeDriver *driver, NovaVolumeRecord *volume, GError **error)
{
  NovaVolumeFakeDriver *self = NOVA_VOLUME_FAKE_DRIVER (driver);
  g_autofree char *method = NULL;
  g_autofree char *user = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *iqn = NULL;
  g_autofree char *location = NULL;
  gboolean is_new = FALSE;
  guint tid;

  if (!check_id ("volume", volume->id, error))
    return FALSE;
  if (!nova_iscsi_auth_parse (volume->provider_auth, &method, &user, &secret))
    {
      g_autofree char *auth = nova_iscsi_auth_generate ();

      nova_record_set_string (&volume->provider_auth, auth);
      nova_iscsi_auth_parse (auth, &method, &user, &secret);
    }

  if (!allocate_tid (self, volume->id, &tid, &is_new, error))
    return FALSE;
  /* a target that was there before this call is left as it is */
  if (!run_target_create (self, volume, tid, user, secret, is_new, error))
    {
      if (is_new)
        release_tid (self, volume->id);
      return FALSE;
    }

  iqn = target_iqn (self, volume);
  location = nova_iscsi_location_format (self->ip_address, self->port, tid, iqn, FAKE_LUN);
  nova_record_set_string (&volume->provider_location, location);
  return TRUE;
}

/* after a restart tgt has forgotten every target: make it again with the
 * number the store kept */
static gboolean
nova_volume_fake_driver_ensure_export (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                       GError **error)
{
  NovaVolumeFakeDriver *self = NOVA_VOLUME_FAKE_DRIVER (driver);
  g_autofree char *method = NULL;
  g_autofree char *user = NULL;
  g_autofree char *secret = NULL;
  guint tid;

  if (!check_id ("volume", volume->id, error))
    return FALSE;
  /* as the seed: a volume that never had a target has nothing to restore;
   * a number another volume holds is claim_tid's conflict to report */
  if (lookup_tid (self, volume, &tid) == TID_NONE)
    {
      g_debug ("volume %s has no target, nothing to ensure", volume->id);
      return TRUE;
    }
  if (!claim_tid (self, volume->id, tid, error))
    return FALSE;
  if (!nova_iscsi_auth_parse (volume->provider_auth, &method, &user, &secret))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "volume %s: no CHAP credentials to restore its export with", volume->id);
      return FALSE;
    }
  return run_target_create (self, volume, tid, user, secret, FALSE, error);
}

static gboolean
nova_volume_fake_driver_remove_export (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                       GError **error)
{
  NovaVolumeFakeDriver *self = NOVA_VOLUME_FAKE_DRIVER (driver);
  g_autofree char *method = NULL;
  g_autofree char *user = NULL;
  g_autofree char *secret = NULL;
  guint tid;

  if (!check_id ("volume", volume->id, error))
    return FALSE;
  /* a stale number is another volume's target now: this export is gone */
  switch (lookup_tid (self, volume, &tid))
    {
    case TID_NONE:
      g_debug ("volume %s has no target, nothing to remove", volume->id);
      return TRUE;
    case TID_TAKEN:
      g_debug ("volume %s: its stored target %u belongs to another volume now, nothing to remove",
               volume->id, tid);
      return TRUE;
    case TID_FOUND:
    default:
      break;
    }
  nova_iscsi_auth_parse (volume->provider_auth, &method, &user, &secret);
  if (!run_target_delete (self, tid, TRUE, user, error))
    return FALSE;
  release_tid (self, volume->id);
  return TRUE;
}

static gboolean
nova_volume_fake_driver_check_for_export (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                          GError **error)
{
  NovaVolumeFakeDriver *self = NOVA_VOLUME_FAKE_DRIVER (driver);
  g_autofree char *tid_text = NULL;
  guint tid;

  if (!check_id ("volume", volume->id, error))
    return FALSE;
  switch (lookup_tid (self, volume, &tid))
    {
    case TID_NONE:
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "cannot confirm exported volume %s: it has no target", volume->id);
      return FALSE;
    case TID_TAKEN:
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "cannot confirm exported volume %s: its target %u belongs to another volume now",
                   volume->id, tid);
      return FALSE;
    case TID_FOUND:
    default:
      break;
    }
  tid_text = g_strdup_printf ("%u", tid);
  {
    const char *show[] = { "tgtadm", "--lld", "iscsi", "--mode", "target", "--op", "show",
                           "--tid", tid_text, NULL };
    return run (self, show, error);
  }
}

/* the seed's _get_iscsi_properties: from provider_location when the
 * volume was exported, from the config otherwise */
static GVariant *
nova_volume_fake_driver_initialize_connection (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                               GVariant *connector, GError **error)
{
  NovaVolumeFakeDriver *self = NOVA_VOLUME_FAKE_DRIVER (driver);
  g_autofree char *portal = NULL;
  g_autofree char *iqn = NULL;
  gint32 lun = FAKE_LUN;

  if (!check_id ("volume", volume->id, error))
    return NULL;
  if (!nova_iscsi_location_parse (volume->provider_location, &portal, NULL, &iqn, &lun))
    {
      g_clear_pointer (&portal, g_free);
      g_clear_pointer (&iqn, g_free);
      lun = FAKE_LUN;
      portal = g_strdup_printf ("%s:%" G_GINT64_FORMAT, self->ip_address, self->port);
      iqn = target_iqn (self, volume);
    }

  return nova_iscsi_connection_info (portal, iqn, lun, volume->id, volume->provider_auth);
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

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "total_capacity", g_variant_new_uint64 (FAKE_CAPACITY));
  g_variant_builder_add (&builder, "{sv}", "free_capacity", g_variant_new_uint64 (FAKE_CAPACITY));
  g_variant_builder_add (&builder, "{sv}", "provisioned_capacity", g_variant_new_uint64 (provisioned));
  g_variant_builder_add (&builder, "{sv}", "volume_count", g_variant_new_uint32 (count));
  g_variant_builder_add (&builder, "{sv}", "storage_protocol", g_variant_new_string ("iSCSI"));
  g_variant_builder_add (&builder, "{sv}", "volume_backend_name", g_variant_new_string (self->backend_name));
  g_variant_builder_add (&builder, "{sv}", "vendor_name", g_variant_new_string ("nova-volume"));
  g_variant_builder_add (&builder, "{sv}", "driver_version", g_variant_new_string ("1.0"));
  g_variant_builder_add (&builder, "{sv}", "reserved_percentage", g_variant_new_uint32 (0));
  g_variant_builder_add (&builder, "{sv}", "thin_provisioning_support", g_variant_new_boolean (FALSE));
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
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
    }
}

static void
nova_volume_fake_driver_finalize (GObject *object)
{
  NovaVolumeFakeDriver *self = NOVA_VOLUME_FAKE_DRIVER (object);

  g_clear_object (&self->executor);
  g_clear_object (&self->config);
  g_free (self->volume_group);
  g_free (self->target_prefix);
  g_free (self->ip_address);
  g_free (self->backend_name);
  g_hash_table_unref (self->volume_tids);
  g_hash_table_unref (self->tid_volumes);
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
  self->volume_tids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->tid_volumes = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  self->sizes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

G_MODULE_EXPORT GType nova_volume_driver_module_get_type (void);

G_MODULE_EXPORT GType
nova_volume_driver_module_get_type (void)
{
  return NOVA_VOLUME_TYPE_FAKE_DRIVER;
}
