/* nova-volume: CreateVolume: a blank volume, one from a snapshot, a clone;
 * where it goes (the backend or type asked for, else the default type,
 * else the backend with the most free space), the precheck of its size on
 * that backend, the creating record, the driver's create, available. */
#include "config.h"

#include "nova-volume-log.h"
#include "nova-volume-manager-private.h"
#include "nova-volume-size.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>



/* a create's own: what the new volume is to be */
typedef struct {
  guint64     size;          /* 0 with a source: the source's */
  char       *name;
  char       *description;
  GHashTable *metadata;      /* may be NULL */
  char       *volume_type;   /* asked for, or default_volume_type's; may be NULL */
  gboolean    multiattach;   /* may be attached to several instances */
  /* an import: the caller's image (our duplicate of its descriptor) */
  int                    image_fd;   /* -1: none */
  NovaVolumeImageFormat  image_format;
  guint64                image_size; /* the disk it holds, once inspected */
  /* a restore: the backup (op->backup_id) as it was when the create started */
  NovaBackupRecord      *backup;
} CreateData;

static void
create_data_free (CreateData *data)
{
  if (data->image_fd >= 0)
    close (data->image_fd);
  g_free (data->name);
  g_free (data->description);
  g_clear_pointer (&data->metadata, g_hash_table_unref);
  g_free (data->volume_type);
  g_clear_pointer (&data->backup, nova_backup_record_free);
  g_free (data);
}

#define CR(op) ((CreateData *) (op)->data)

/* The backend a new volume without a source goes to: the one asked for,
 * else the type's (asked for, else default_volume_type), else the one
 * that is up with the most free space by its latest figures. Fails the
 * operation and returns FALSE when that backend cannot take it. */
static gboolean
create_take_backend (Op *op)
{
  NovaVolumeManager *self = op->self;
  const char *type_name = CR (op)->volume_type;
  const char *default_type = nova_volume_config_get_string (self->config, "default_volume_type");
  NovaVolumeBackend *freest = NULL;
  guint64 freest_bytes = 0;

  if (type_name == NULL && op->backend_name == NULL && default_type[0] != '\0')
    {
      type_name = default_type;
      CR (op)->volume_type = g_strdup (default_type);
    }
  if (type_name != NULL)
    {
      const NovaVolumeType *type = nova_volume_config_lookup_type (self->config, type_name);
      NovaVolumeBackend *backend;

      if (type == NULL)
        {
          manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                           "cannot %s: there is no volume type '%s'", op->what, type_name);
          return FALSE;
        }
      if (op->backend_name != NULL && !g_str_equal (op->backend_name, type->backend))
        {
          manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                           "cannot %s: volume type '%s' puts its volumes on backend '%s', not on "
                           "backend '%s'; give one of the two", op->what, type->name, type->backend,
                           op->backend_name);
          return FALSE;
        }
      backend = manager_lookup_backend (self, type->backend);
      if (backend != NULL && !nova_volume_backend_is_up (backend))
        {
          manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                           "cannot %s: volume type '%s' puts its volumes on backend '%s', which is "
                           "down: %s", op->what, type->name, type->backend,
                           nova_volume_backend_get_state_reason (backend));
          return FALSE;
        }
      return manager_op_take_backend (op, type->backend, NULL);
    }
  if (op->backend_name != NULL)
    return manager_op_take_backend (op, op->backend_name, NULL);

  for (guint i = 0; i < self->backends->len; i++)
    {
      NovaVolumeBackend *backend = g_ptr_array_index (self->backends, i);
      GVariant *stats = nova_volume_backend_get_stats (backend);
      guint64 free_bytes = 0;

      const char *reason = NULL;

      /* down, or its latest refresh failed (a cluster gone since): not a
       * place for a new volume */
      if (g_str_equal (nova_volume_backend_get_state (backend, &reason), "down"))
        continue;
      if (stats != NULL)
        g_variant_lookup (stats, "free_capacity", "t", &free_bytes);
      if (freest == NULL || free_bytes > freest_bytes)
        {
          freest = backend;
          freest_bytes = free_bytes;
        }
    }
  if (freest == NULL)
    freest = g_ptr_array_index (self->backends, 0);
  return manager_op_take_backend (op, nova_volume_backend_get_name (freest), NULL);
}

/* A volume made from a snapshot or a clone is made by its source's
 * backend: a backend or type that names another one is refused. */
static gboolean
create_take_source_backend (Op *op, const NovaVolumeRecord *source, const char *what)
{
  const NovaVolumeType *type = CR (op)->volume_type != NULL
                               ? nova_volume_config_lookup_type (op->self->config, CR (op)->volume_type) : NULL;

  if (CR (op)->volume_type != NULL && type == NULL)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                       "cannot %s: there is no volume type '%s'", op->what, CR (op)->volume_type);
      return FALSE;
    }
  if ((op->backend_name != NULL && !g_str_equal (op->backend_name, source->backend))
      || (type != NULL && !g_str_equal (type->backend, source->backend)))
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                       "cannot %s: %s lives on backend '%s', which makes it, and backend '%s' was "
                       "asked for; make it there, then Migrate the new volume", op->what, what,
                       source->backend, op->backend_name != NULL ? op->backend_name : type->backend);
      return FALSE;
    }
  return manager_op_take_backend (op, source->backend, source->driver);
}

/* ---- create volume --------------------------------------------------- */

static void create_precheck_thread (Op *op);
static void create_commit_creating (Op *op);
static void create_creating_committed (Op *op);
static void create_thread (Op *op);
static void create_done (Op *op);
static void create_commit_available (Op *op);
static void create_available_committed (Op *op);

static void
create_start (Op *op)
{
  NovaVolumeManager *self = op->self;
  NovaVolumeRecord *volume;
  guint64 source_size = 0;

  if (op->snapshot_id != NULL)
    {
      const NovaVolumeRecord *parent = manager_op_take_available_snapshot (op, "create a volume from");

      if (parent == NULL || !create_take_source_backend (op, parent, "the snapshot's volume"))
        return;
      source_size = op->snapshot->size;
    }
  else if (op->source_volume_id != NULL)
    {
      const NovaVolumeRecord *source = nova_volume_manager_lookup_volume (self, op->source_volume_id);

      if (source == NULL)
        {
          manager_op_fail (op, NOVA_VOLUME_ERROR_NOT_FOUND, "source volume %s not found",
                           op->source_volume_id);
          return;
        }
      if (source->status != NOVA_VOLUME_STATUS_AVAILABLE && source->status != NOVA_VOLUME_STATUS_IN_USE)
        {
          manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
                           "cannot clone volume %s: it is %s; only available and in-use volumes "
                           "can be cloned",
                           source->id, nova_volume_status_to_string (source->status));
          return;
        }
      if (!create_take_source_backend (op, source, "the source volume"))
        return;
      op->source = nova_volume_record_copy (source);
      source_size = source->size;
    }
  else if (op->backup_id != NULL)
    {
      const NovaBackupRecord *backup = manager_op_take_available_backup (op, "restore");

      if (backup == NULL || !create_take_backend (op))
        return;
      if (!nova_volume_driver_can_stream (op->driver, TRUE))
        {
          manager_op_fail (op, NOVA_VOLUME_ERROR_NOT_SUPPORTED,
                           "cannot restore backup %s: the %s driver of backend '%s' does not take bytes to "
                           "write; give another backend", backup->id,
                           nova_volume_backend_get_driver_name (op->backend), nova_volume_backend_get_name (op->backend));
          return;
        }
      CR (op)->backup = nova_backup_record_copy (backup);
      source_size = backup->size;
    }
  else if (!create_take_backend (op))
    return;

  if (CR (op)->size == 0)
    CR (op)->size = source_size;
  if (CR (op)->size < source_size)
    {
      g_autofree char *want = g_format_size_full (CR (op)->size, G_FORMAT_SIZE_IEC_UNITS);
      g_autofree char *have = nova_volume_size_format (source_size);

      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                       "a size of %s is smaller than the source's %s; "
                       "give 0 or at least %" G_GUINT64_FORMAT " bytes",
                       want, have, source_size);
      return;
    }

  volume = op->volume = nova_volume_record_new ();
  nova_record_set_string (&volume->id, op->volume_id);
  nova_record_set_string (&volume->name, CR (op)->name != NULL ? CR (op)->name : "");
  nova_record_set_string (&volume->description, CR (op)->description != NULL ? CR (op)->description : "");
  volume->size = CR (op)->size;
  volume->status = NOVA_VOLUME_STATUS_CREATING;
  nova_record_set_string (&volume->availability_zone,
                          nova_volume_config_get_string (self->config, "storage_availability_zone"));
  nova_record_set_string (&volume->source_snapshot_id, op->snapshot_id);
  nova_record_set_string (&volume->source_volume_id, op->source_volume_id);
  nova_record_set_string (&volume->driver, nova_volume_backend_get_driver_name (op->backend));
  nova_record_set_string (&volume->backend, nova_volume_backend_get_name (op->backend));
  volume->created_at = g_get_real_time ();
  volume->multiattach = CR (op)->multiattach;
  if (CR (op)->metadata != NULL)
    {
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, CR (op)->metadata);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_replace (volume->metadata, g_strdup (key), g_strdup (value));
    }

  /* room by the backend's latest figures: no worker to ask the driver */
  if (CR (op)->image_fd < 0
      && manager_free_space_known (op->self, op->backend, op->volume->size, CR (op)->volume_type,
                                   CR (op)->multiattach))
    create_commit_creating (op);
  else
    manager_op_in_thread_then_commit (op, create_precheck_thread, create_commit_creating, manager_op_return);
}

/* worker thread: the image is inspected before anything is made; its
 * disk sets the size when none was asked for */
static gboolean
create_inspect_image (Op *op)
{
  guint64 max_gib = (guint64) nova_volume_config_get_int (op->self->config, "image_max_virtual_size");

  if (!nova_volume_image_inspect (op->self->image_executor, CR (op)->image_fd, CR (op)->image_format,
                                  max_gib * 1024 * 1024 * 1024, NULL, &CR (op)->image_size, &op->error))
    {
      g_prefix_error (&op->error, "cannot create a volume from the image: ");
      return FALSE;
    }
  if (op->volume->size == 0)
    op->volume->size = CR (op)->image_size;
  else if (op->volume->size < CR (op)->image_size)
    {
      g_autofree char *want = nova_volume_size_format (op->volume->size);
      g_autofree char *need = nova_volume_size_format (CR (op)->image_size);

      g_set_error (&op->error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "cannot create a volume from the image: a size of %s (%" G_GUINT64_FORMAT " bytes) is smaller "
                   "than the disk the image holds, %s (%" G_GUINT64_FORMAT " bytes); give 0 or at least that",
                   want, op->volume->size, need, CR (op)->image_size);
      return FALSE;
    }
  return TRUE;
}

static void
create_precheck_thread (Op *op)
{
  if (CR (op)->image_fd >= 0 && !create_inspect_image (op))
    return;
  manager_check_free_space (op->self, op->backend, op->volume->size, CR (op)->volume_type, CR (op)->multiattach,
                            &op->error);
  if (g_error_matches (op->error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_SUPPORTED) && CR (op)->multiattach)
    g_prefix_error (&op->error, "cannot %s with multiattach: ", op->what);
}

/* on the precheck's thread, or the main thread when there was none. A
 * create with nothing to copy has no job to start: it goes on to the
 * driver from the store's writer */
static void
create_commit_creating (Op *op)
{
  if (op->snapshot == NULL && op->source == NULL && CR (op)->image_fd < 0 && CR (op)->backup == NULL)
    manager_op_commit_volume_status_then_in_thread (op, NOVA_VOLUME_STATUS_CREATING, create_thread,
                                                    create_commit_available, create_done);
  else
    manager_op_commit_volume_status_then (op, NOVA_VOLUME_STATUS_CREATING, NULL, create_creating_committed);
}

static void
create_creating_committed (Op *op)
{
  if (op->error != NULL)
    {
      manager_op_return (op);
      return;
    }
  /* copies take long: show them as a Job that can be cancelled */
  if (op->snapshot != NULL)
    manager_op_start_job (op, "volume-create-from-snapshot", op->snapshot->size);
  else if (op->source != NULL)
    manager_op_start_job (op, "volume-clone", op->source->size);
  else if (CR (op)->image_fd >= 0)
    manager_op_start_job (op, "image-import", CR (op)->image_size);
  else if (CR (op)->backup != NULL)
    manager_op_start_job (op, "backup-restore", CR (op)->backup->size);
  manager_op_in_thread_then_commit (op, create_thread, create_commit_available, create_done);
}

static void
create_thread (Op *op)
{
  NovaVolumeDriver *driver = op->driver;
  g_autoptr(GError) cleanup_error = NULL;
  gboolean ok;

  MANAGER_CRASH_POINT (op, "before-driver-create");
  if (op->snapshot != NULL)
    ok = nova_volume_driver_create_volume_from_snapshot (driver, op->volume, op->snapshot,
                                                         nova_volume_job_report_progress, op->job,
                                                         nova_volume_job_get_cancellable (op->job),
                                                         &op->error);
  else if (op->source != NULL)
    ok = nova_volume_driver_create_cloned_volume (driver, op->volume, op->source,
                                                  nova_volume_job_report_progress, op->job,
                                                  nova_volume_job_get_cancellable (op->job),
                                                  &op->error);
  else
    ok = nova_volume_driver_create_volume (driver, op->volume, &op->error);
  MANAGER_CRASH_POINT (op, "after-driver-create");

  if (ok && nova_volume_driver_create_export (driver, op->volume, &op->error))
    {
      MANAGER_CRASH_POINT (op, "after-driver-create-export");
      /* the backup's bytes into the new volume; a failed or cancelled
       * restore leaves no volume */
      if (CR (op)->backup != NULL)
        {
          if (manager_restore_into (op->self, driver, CR (op)->backup, op->volume, TRUE, op->job, &op->error))
            {
              MANAGER_CRASH_POINT (op, "after-backup-restore");
              return;
            }
        }
      else if (CR (op)->image_fd < 0)
        return;
      /* the image's disk into the new volume; a failed or cancelled
       * import leaves no volume */
      else if (nova_volume_image_import (op->self->image_executor, driver, op->volume, CR (op)->image_fd,
                                    CR (op)->image_format, CR (op)->image_size, nova_volume_job_report_progress,
                                    op->job, nova_volume_job_get_cancellable (op->job), &op->error))
        {
          MANAGER_CRASH_POINT (op, "after-image-import");
          return;
        }
    }

  /* undo what the driver did, so a failed create leaves nothing behind */
  if (ok)
    nova_volume_driver_remove_export (driver, op->volume, NULL);
  op->cleaned_up = nova_volume_driver_delete_volume (driver, op->volume, &cleanup_error);
  if (!op->cleaned_up)
    g_warning ("volume %s: cleaning up after a failed create failed too: %s",
               op->volume->id, cleanup_error->message);
}

static void
create_done (Op *op)
{
  if (op->error == NULL)
    {
      create_commit_available (op);
      return;
    }

  g_prefix_error (&op->error, "cannot create volume: ");
  /* the job ends after the last commit, with the final word */
  if (op->cleaned_up)
    manager_op_commit_volume_removed_then (op, manager_op_finish);
  else
    manager_op_commit_volume_failure_then (op, NOVA_VOLUME_STATUS_ERROR, manager_op_finish);
}

/* on the create's thread, or the main thread */
static void
create_commit_available (Op *op)
{
  manager_op_commit_volume_status_then (op, NOVA_VOLUME_STATUS_AVAILABLE, NULL, create_available_committed);
}

static void
create_available_committed (Op *op)
{
  if (op->error == NULL)
    nova_volume_log_event (NOVA_VOLUME_EVENT_VOLUME_CREATED, op->volume->id, NULL,
                           "created volume %s (%" G_GUINT64_FORMAT " bytes)", op->volume->id, op->volume->size);
  manager_op_finish (op);
}

/* The image a create is to be filled from: its format one that
 * image_formats_allowed names, its descriptor open for reading; our own
 * duplicate of it, or -1 with the error. */
static int
take_image (NovaVolumeManager *self, const NovaVolumeCreateRequest *request, NovaVolumeImageFormat *out_format,
            GError **error)
{
  const char *name = request->image_format != NULL ? request->image_format : "raw";
  const char *allowed = nova_volume_config_get_string (self->config, "image_formats_allowed");
  g_auto(GStrv) allowed_list = g_strsplit (allowed, ",", -1);
  gboolean is_allowed = FALSE;
  int flags, fd;

  for (gsize i = 0; allowed_list[i] != NULL; i++)
    is_allowed |= g_str_equal (g_strstrip (allowed_list[i]), name);
  if (!nova_volume_image_format_from_string (name, out_format))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "image-format '%s' is not an image format; give raw, qcow2, vmdk, vhdx or vpc", name);
      return -1;
    }
  if (!is_allowed)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "image-format '%s' is not taken here: image_formats_allowed = %s", name,
                   *allowed != '\0' ? allowed : "(none)");
      return -1;
    }
  flags = fcntl (request->image_fd, F_GETFL);
  if (flags < 0 || (flags & O_ACCMODE) == O_WRONLY)
    {
      g_set_error_literal (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                           "image-fd is not open for reading");
      return -1;
    }
  fd = fcntl (request->image_fd, F_DUPFD_CLOEXEC, 3);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED, "cannot take image-fd: %s",
                   g_strerror (saved));
    }
  return fd;
}

void
nova_volume_manager_create_volume (NovaVolumeManager *self, const NovaVolumeCreateRequest *request,
                                   GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  /* the three kinds of create have their own names (crash points, messages) */
  Op *op = manager_op_new (self,
                           request->snapshot_id != NULL ? "create volume from snapshot"
                           : request->source_volume_id != NULL ? "clone volume"
                           : request->with_image ? "create volume from image"
                           : request->backup_id != NULL ? "restore backup" : "create volume",
                           RESULT_VOLUME_ID, callback, user_data);
  const char *zone = nova_volume_config_get_string (self->config, "storage_availability_zone");
  g_autoptr(GError) error = NULL;
  NovaVolumeImageFormat image_format = NOVA_VOLUME_IMAGE_RAW;
  int image_fd = -1;

  if (request->snapshot_id != NULL && request->source_volume_id != NULL)
    error = g_error_new_literal (NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                                 "give either a snapshot or a source volume, not both");
  else if ((request->with_image ? 1 : 0) + (request->snapshot_id != NULL || request->source_volume_id != NULL ? 1 : 0)
           + (request->backup_id != NULL ? 1 : 0) > 1)
    error = g_error_new_literal (NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                                 "give an image, a snapshot, a source volume or a backup, not two of them");
  else if (request->size == 0 && request->snapshot_id == NULL && request->source_volume_id == NULL
           && !request->with_image && request->backup_id == NULL)
    error = g_error_new_literal (NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                                 "a size of 0 bytes is only allowed with a snapshot, a source volume, an image or a "
                                 "backup");
  else if (request->size > (guint64) G_MAXINT64)
    error = g_error_new (NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                         "a size of %" G_GUINT64_FORMAT " bytes is beyond any block device (at most 2^63 - 1)",
                         request->size);
  else if (request->availability_zone != NULL && g_strcmp0 (request->availability_zone, zone) != 0)
    error = g_error_new (NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                         "availability zone '%s' is not served here; this host serves '%s'",
                         request->availability_zone, zone);
  if (error == NULL)
    {
      if (manager_check_text ("name", request->name, NAME_MAX_LEN, &error)
          && manager_check_text ("description", request->description, DESCRIPTION_MAX_LEN, &error))
        manager_check_metadata (request->metadata, &error);
    }
  if (error == NULL && request->with_image)
    image_fd = take_image (self, request, &image_format, &error);
  if (error != NULL)
    {
      manager_op_reject (op, g_steal_pointer (&error));
      return;
    }

  op->volume_id = g_uuid_string_random ();
  op->data = g_new0 (CreateData, 1);
  op->data_free = (GDestroyNotify) create_data_free;
  CR (op)->image_fd = image_fd;
  CR (op)->image_format = image_format;
  CR (op)->size = request->size;
  op->backend_name = g_strdup (request->backend);
  CR (op)->volume_type = g_strdup (request->volume_type);
  CR (op)->name = g_strdup (request->name);
  CR (op)->description = g_strdup (request->description);
  CR (op)->multiattach = request->multiattach;
  op->snapshot_id = g_strdup (request->snapshot_id);
  op->snapshot_shared = TRUE;
  op->source_volume_id = g_strdup (request->source_volume_id);
  op->backup_id = g_strdup (request->backup_id);
  op->caller_uid = request->caller_uid;
  op->caller_bus_name = g_strdup (request->caller_bus_name);
  if (request->metadata != NULL)
    CR (op)->metadata = g_hash_table_ref (request->metadata);
  manager_op_submit (op, create_start);
}

char *
nova_volume_manager_create_volume_finish (NovaVolumeManager *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
