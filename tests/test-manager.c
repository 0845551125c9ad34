/* The manager's state machine with the logging driver (the seed's
 * LoggingVolumeDriver): every transition, every refusal, failures of the
 * driver, per-volume ordering, and init_host's reconcile. */
#include "config.h"

#include <glib/gstdio.h>

#include "nova-volume-backend.h"
#include "nova-volume-error.h"
#include "nova-volume-log.h"
#include "nova-volume-manager.h"
#include "test-util.h"

typedef struct {
  char              *dir;
  NovaVolumeConfig  *config;
  NovaVolumeStore   *store;
  NovaVolumeDriver  *driver;
  NovaVolumeManager *manager;
} Fixture;

static void
fixture_open (Fixture *fx)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = g_build_filename (fx->dir, "nova-volume.db", NULL);
  g_autoptr(NovaVolumeExecutor) executor = nova_volume_executor_new (1);
  g_autoptr(NovaVolumeDriverContext) ctx = NULL;

  fx->store = nova_volume_store_open (db, &error);
  g_assert_no_error (error);
  ctx = nova_volume_driver_context_new (fx->config, executor, NOVA_VOLUME_LEDGER (fx->store), fx->dir);
  fx->driver = nova_volume_driver_load (ctx, &error);
  g_assert_no_error (error);
  fx->manager = nova_volume_manager_new (fx->config, fx->store, fx->driver, &error);
  g_assert_no_error (error);
}

static void
fixture_close (Fixture *fx)
{
  g_clear_object (&fx->manager);
  g_clear_object (&fx->driver);
  g_clear_object (&fx->store);
}

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  fx->dir = test_make_tmp_dir ("nova-volume-manager-XXXXXX");
  fx->config = nova_volume_config_new ();
  test_config_set (fx->config, "volume_driver", "logging");
  fixture_open (fx);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  fixture_close (fx);
  g_clear_object (&fx->config);
  test_remove_tree (fx->dir);
  g_free (fx->dir);
}

/* ---- waiting for async results -------------------------------------- */

static void
store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static char *
create_volume (Fixture *fx, guint64 size, const char *snapshot_id, const char *source_id, GError **error)
{
  NovaVolumeCreateRequest request = { .size = size, .name = "test", .snapshot_id = snapshot_id,
                                      .source_volume_id = source_id };
  g_autoptr(GAsyncResult) result = NULL;

  nova_volume_manager_create_volume (fx->manager, &request, NULL, store_result, &result);
  return nova_volume_manager_create_volume_finish (fx->manager, wait_result (&result), error);
}

static gboolean
finish_operation (Fixture *fx, GAsyncResult **result, GError **error)
{
  gboolean ok = nova_volume_manager_operation_finish (fx->manager, wait_result (result), error);

  g_clear_object (result);
  return ok;
}

static gboolean
delete_volume (Fixture *fx, const char *id, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  nova_volume_manager_delete_volume (fx->manager, id, store_result, &result);
  return finish_operation (fx, &result, error);
}

static gboolean
extend_volume (Fixture *fx, const char *id, guint64 size, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  nova_volume_manager_extend_volume (fx->manager, id, size, store_result, &result);
  return finish_operation (fx, &result, error);
}

static gboolean
attach_volume (Fixture *fx, const char *id, const char *instance, const char *mountpoint, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  nova_volume_manager_attach_volume (fx->manager, id, instance, mountpoint, NULL, store_result, &result);
  return finish_operation (fx, &result, error);
}

static gboolean
detach_volume (Fixture *fx, const char *id, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  nova_volume_manager_detach_volume (fx->manager, id, store_result, &result);
  return finish_operation (fx, &result, error);
}

static char *
create_snapshot (Fixture *fx, const char *id, gboolean force, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  nova_volume_manager_create_snapshot (fx->manager, id, "snap", NULL, force, store_result, &result);
  return nova_volume_manager_create_snapshot_finish (fx->manager, wait_result (&result), error);
}

static gboolean
delete_snapshot (Fixture *fx, const char *id, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  nova_volume_manager_delete_snapshot (fx->manager, id, store_result, &result);
  return finish_operation (fx, &result, error);
}

static NovaVolumeStatus
stored_status (Fixture *fx, const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeRecord) volume = nova_volume_store_get_volume (fx->store, id, &error);

  g_assert_no_error (error);
  return volume->status;
}

static gboolean
stored (Fixture *fx, const char *id)
{
  g_autoptr(NovaVolumeRecord) volume = nova_volume_store_get_volume (fx->store, id, NULL);

  return volume != NULL;
}

/* a delete's answer comes before its row is gone (it is written behind):
 * until then */
static void
wait_row_gone (Fixture *fx, const char *id)
{
  while (stored (fx, id))
    g_main_context_iteration (NULL, TRUE);
}

/* how many times the driver was called with @prefix for volume @id */
static guint
driver_calls_for (Fixture *fx, const char *prefix, const char *id)
{
  g_auto(GStrv) calls = NULL;
  guint n = 0;

  g_object_get (fx->driver, "calls", &calls, NULL);
  for (guint i = 0; calls != NULL && calls[i] != NULL; i++)
    if (g_str_has_prefix (calls[i], prefix) && strstr (calls[i], id) != NULL)
      n++;
  return n;
}

static gboolean
driver_was_called (Fixture *fx, const char *prefix)
{
  return driver_calls_for (fx, prefix, "") > 0;
}

#define INSTANCE_A "0c36f3a2-5d29-4f4c-a0f5-6a5e8c7b9d10"
#define INSTANCE_B "9b1f7f1e-2a4d-4e57-8c55-3f0e6f7a1b22"
#define GIB        (G_GUINT64_CONSTANT (1) << 30)

/* ---- log events ------------------------------------------------------ */

/* Every structured record with a MESSAGE_ID, as "<event name> <volume id>
 * <snapshot id>" ("-" for a missing id); other records go to GLib's
 * default writer as usual. */
static GPtrArray *logged_events;

static const char *
field_value (const GLogField *fields, gsize n_fields, const char *key)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, key))
      return fields[i].value;
  return NULL;
}

static GLogWriterOutput
capture_events (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  const char *message_id = field_value (fields, n_fields, "MESSAGE_ID");

  if (message_id != NULL && logged_events != NULL)
    {
      const char *volume = field_value (fields, n_fields, "NOVA_VOLUME_ID");
      const char *snapshot = field_value (fields, n_fields, "NOVA_SNAPSHOT_ID");
      const char *name = NULL;

      for (NovaVolumeEvent e = 0; e < NOVA_VOLUME_EVENT_N_EVENTS; e++)
        if (g_str_equal (nova_volume_event_message_id (e), message_id))
          name = nova_volume_event_name (e);
      g_assert_nonnull (name);
      g_assert_null (strchr (field_value (fields, n_fields, "MESSAGE"), '\n'));
      g_ptr_array_add (logged_events, g_strdup_printf ("%s %s %s", name, volume != NULL ? volume : "-",
                                                       snapshot != NULL ? snapshot : "-"));
    }
  return g_log_writer_default (level, fields, n_fields, user_data);
}

static void
assert_events (const char *const *expected)
{
  g_assert_cmpuint (logged_events->len, ==, g_strv_length ((char **) expected));
  for (guint i = 0; i < logged_events->len; i++)
    g_assert_cmpstr (g_ptr_array_index (logged_events, i), ==, expected[i]);
  g_ptr_array_set_size (logged_events, 0);
}

/* ---- tests ----------------------------------------------------------- */

static void
test_create_delete (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = create_volume (fx, GIB, NULL, NULL, &error);
  const NovaVolumeRecord *volume;

  g_assert_no_error (error);
  g_assert_true (g_uuid_string_is_valid (id));
  volume = nova_volume_manager_lookup_volume (fx->manager, id);
  g_assert_nonnull (volume);
  g_assert_cmpint (volume->status, ==, NOVA_VOLUME_STATUS_AVAILABLE);
  g_assert_cmpuint (volume->size, ==, GIB);
  g_assert_cmpstr (volume->driver, ==, "logging");
  g_assert_cmpstr (volume->availability_zone, ==, "nova");
  g_assert_cmpint (stored_status (fx, id), ==, NOVA_VOLUME_STATUS_AVAILABLE);
  g_assert_true (driver_was_called (fx, "create_volume"));
  g_assert_true (driver_was_called (fx, "create_export"));

  g_assert_true (delete_volume (fx, id, &error));
  g_assert_no_error (error);
  g_assert_null (nova_volume_manager_lookup_volume (fx->manager, id));
  wait_row_gone (fx, id);
  g_assert_null (nova_volume_store_get_volume (fx->store, id, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND);
  g_assert_true (driver_was_called (fx, "remove_export"));
  g_assert_true (driver_was_called (fx, "delete_volume"));
}

static void
test_bad_create (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = g_uuid_string_random ();
  NovaVolumeCreateRequest bad_zone = { .size = GIB, .availability_zone = "elsewhere" };
  g_autoptr(GAsyncResult) result = NULL;
  char *id;

  id = create_volume (fx, 0, NULL, NULL, &error);
  g_assert_null (id);
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  id = create_volume (fx, GIB, missing, NULL, &error);
  g_assert_null (id);
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND);
  g_clear_error (&error);

  id = create_volume (fx, GIB, NULL, missing, &error);
  g_assert_null (id);
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND);
  g_clear_error (&error);

  nova_volume_manager_create_volume (fx->manager, &bad_zone, NULL, store_result, &result);
  id = nova_volume_manager_create_volume_finish (fx->manager, wait_result (&result), &error);
  g_assert_null (id);
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "elsewhere"));

  /* nothing was written */
  {
    g_autoptr(GPtrArray) volumes = nova_volume_store_list_volumes (fx->store, NULL);
    g_assert_cmpuint (volumes->len, ==, 0);
  }
}

static void
test_attach_detach (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = create_volume (fx, GIB, NULL, NULL, &error);
  const NovaVolumeRecord *volume;

  g_assert_no_error (error);
  g_assert_false (detach_volume (fx, id, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_STATE);
  g_clear_error (&error);

  g_assert_false (attach_volume (fx, id, "not-a-uuid", "/dev/vdb", &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (attach_volume (fx, id, INSTANCE_A, "vdb", &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (attach_volume (fx, id, INSTANCE_A, "/dev/../etc/passwd", &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_true (attach_volume (fx, id, INSTANCE_A, "/dev/vdb", &error));
  g_assert_no_error (error);
  volume = nova_volume_manager_lookup_volume (fx->manager, id);
  g_assert_cmpint (volume->status, ==, NOVA_VOLUME_STATUS_IN_USE);
  g_assert_true (volume->attached);
  g_assert_cmpstr (volume->instance_uuid, ==, INSTANCE_A);
  g_assert_cmpstr (volume->mountpoint, ==, "/dev/vdb");
  g_assert_cmpint (stored_status (fx, id), ==, NOVA_VOLUME_STATUS_IN_USE);

  g_assert_false (attach_volume (fx, id, INSTANCE_B, "/dev/vdc", &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_STATE);
  g_assert_nonnull (strstr (error->message, INSTANCE_A));
  g_clear_error (&error);

  g_assert_false (delete_volume (fx, id, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_STATE);
  g_clear_error (&error);

  g_assert_true (detach_volume (fx, id, &error));
  g_assert_no_error (error);
  volume = nova_volume_manager_lookup_volume (fx->manager, id);
  g_assert_cmpint (volume->status, ==, NOVA_VOLUME_STATUS_AVAILABLE);
  g_assert_false (volume->attached);
  g_assert_cmpstr (volume->instance_uuid, ==, "");

  g_assert_true (attach_volume (fx, id, INSTANCE_B, "/dev/vdc", &error));
  g_assert_no_error (error);
  g_assert_true (detach_volume (fx, id, &error));
  g_assert_true (delete_volume (fx, id, &error));
  g_assert_no_error (error);
}

static void
test_snapshots (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = create_volume (fx, GIB, NULL, NULL, &error);
  g_autofree char *snap = NULL, *from_snap = NULL, *clone = NULL;
  char *none;

  g_assert_no_error (error);
  g_assert_true (attach_volume (fx, id, INSTANCE_A, "/dev/vdb", &error));

  none = create_snapshot (fx, id, FALSE, &error);
  g_assert_null (none);
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_STATE);
  g_assert_nonnull (strstr (error->message, "force"));
  g_clear_error (&error);

  snap = create_snapshot (fx, id, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (nova_volume_manager_lookup_snapshot (fx->manager, snap)->status, ==,
                   NOVA_SNAPSHOT_STATUS_AVAILABLE);
  g_assert_cmpuint (nova_volume_manager_lookup_snapshot (fx->manager, snap)->size, ==, GIB);

  /* from a snapshot: 0 means its size; smaller is refused */
  none = create_volume (fx, GIB / 2, snap, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  from_snap = create_volume (fx, 0, snap, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (nova_volume_manager_lookup_volume (fx->manager, from_snap)->size, ==, GIB);
  g_assert_cmpstr (nova_volume_manager_lookup_volume (fx->manager, from_snap)->source_snapshot_id, ==, snap);
  g_assert_true (driver_was_called (fx, "create_volume_from_snapshot"));

  /* clones are allowed from in-use volumes */
  clone = create_volume (fx, 2 * GIB, NULL, id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (nova_volume_manager_lookup_volume (fx->manager, clone)->size, ==, 2 * GIB);
  g_assert_true (driver_was_called (fx, "create_cloned_volume"));

  g_assert_true (detach_volume (fx, id, &error));
  g_assert_false (delete_volume (fx, id, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_STATE);
  g_assert_nonnull (strstr (error->message, "snapshot"));
  g_clear_error (&error);

  g_assert_true (delete_snapshot (fx, snap, &error));
  g_assert_no_error (error);
  g_assert_null (nova_volume_manager_lookup_snapshot (fx->manager, snap));
  g_assert_false (delete_snapshot (fx, snap, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (delete_volume (fx, id, &error));
  g_assert_true (delete_volume (fx, from_snap, &error));
  g_assert_true (delete_volume (fx, clone, &error));
  g_assert_no_error (error);
}

static void
test_driver_failures (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) volumes = NULL;
  g_autofree char *id = NULL;
  char *none;

  /* a failed create is undone and leaves no record */
  g_object_set (fx->driver, "fail-method", "create_volume", NULL);
  none = create_volume (fx, GIB, NULL, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_clear_error (&error);
  volumes = nova_volume_store_list_volumes (fx->store, NULL);
  g_assert_cmpuint (volumes->len, ==, 0);

  /* a failed delete leaves error_deleting with the reason; a retry works */
  id = create_volume (fx, GIB, NULL, NULL, &error);
  g_assert_no_error (error);
  g_object_set (fx->driver, "fail-method", "delete_volume", NULL);
  g_assert_false (delete_volume (fx, id, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_cmpint (stored_status (fx, id), ==, NOVA_VOLUME_STATUS_ERROR_DELETING);
  g_assert_cmpstr (nova_volume_manager_lookup_volume (fx->manager, id)->status_reason, !=, "");
  g_assert_true (delete_volume (fx, id, &error));
  g_assert_no_error (error);
}

static gboolean
revert_volume (Fixture *fx, const char *id, const char *snapshot_id, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  nova_volume_manager_revert_volume (fx->manager, id, snapshot_id, FALSE, store_result, &result);
  return finish_operation (fx, &result, error);
}

/* A volume's record in the store, changed to @status reverting to @to */
static void
put_reverting (Fixture *fx, const char *id, const char *to)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeRecord) volume = nova_volume_store_get_volume (fx->store, id, &error);

  g_assert_no_error (error);
  volume->status = NOVA_VOLUME_STATUS_REVERTING;
  nova_record_set_string (&volume->reverting_to, to);
  g_assert_true (nova_volume_store_put_volume (fx->store, volume, &error));
  g_assert_no_error (error);
}

/* A refused revert changes nothing; a failed one leaves error naming
 * the snapshot, and reverting to it again finishes; init_host finishes a
 * revert a stop cut short, or says why it cannot. */
static void
test_revert_failures (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = create_volume (fx, GIB, NULL, NULL, &error);
  g_autofree char *other = create_volume (fx, GIB, NULL, NULL, &error);
  g_autofree char *snapshot = create_snapshot (fx, id, FALSE, &error);
  const NovaVolumeRecord *volume;
  g_auto(GStrv) calls = NULL;
  guint n_reverts = 0;

  g_assert_no_error (error);
  g_object_set (fx->driver, "fail-method", "revert_to_snapshot", "fail-code", NOVA_VOLUME_ERROR_NOT_SUPPORTED, NULL);
  g_assert_false (revert_volume (fx, id, snapshot, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  g_assert_cmpint (stored_status (fx, id), ==, NOVA_VOLUME_STATUS_AVAILABLE);
  g_assert_cmpstr (nova_volume_manager_lookup_volume (fx->manager, id)->reverting_to, ==, "");

  g_object_set (fx->driver, "fail-method", "revert_to_snapshot", "fail-code", NOVA_VOLUME_ERROR_FAILED, NULL);
  g_assert_false (revert_volume (fx, id, snapshot, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_cmpint (stored_status (fx, id), ==, NOVA_VOLUME_STATUS_ERROR);
  volume = nova_volume_manager_lookup_volume (fx->manager, id);
  g_assert_cmpstr (volume->reverting_to, ==, snapshot);
  g_assert_nonnull (strstr (volume->status_reason, "cannot revert"));
  g_assert_true (revert_volume (fx, id, snapshot, &error));
  g_assert_no_error (error);
  g_assert_cmpint (stored_status (fx, id), ==, NOVA_VOLUME_STATUS_AVAILABLE);
  volume = nova_volume_manager_lookup_volume (fx->manager, id);
  g_assert_cmpstr (volume->reverting_to, ==, "");
  g_assert_cmpstr (volume->status_reason, ==, "");

  /* stopped mid-way: finished at start; a snapshot gone: error, why */
  fixture_close (fx);
  {
    g_autofree char *db = g_build_filename (fx->dir, "nova-volume.db", NULL);
    fx->store = nova_volume_store_open (db, &error);
    g_assert_no_error (error);
  }
  put_reverting (fx, id, snapshot);
  put_reverting (fx, other, "00000000-0000-4000-8000-00000000dead");
  g_clear_object (&fx->store);
  fixture_open (fx);
  g_assert_true (nova_volume_manager_init_host (fx->manager, &error));
  g_assert_no_error (error);
  g_assert_cmpint (stored_status (fx, id), ==, NOVA_VOLUME_STATUS_AVAILABLE);
  g_assert_cmpstr (nova_volume_manager_lookup_volume (fx->manager, id)->reverting_to, ==, "");
  g_assert_cmpint (stored_status (fx, other), ==, NOVA_VOLUME_STATUS_ERROR);
  g_assert_nonnull (strstr (nova_volume_manager_lookup_volume (fx->manager, other)->status_reason, "is gone"));
  g_object_get (fx->driver, "calls", &calls, NULL);
  for (guint i = 0; calls[i] != NULL; i++)
    if (g_str_has_prefix (calls[i], "revert_to_snapshot") && strstr (calls[i], id) != NULL)
      n_reverts++;
  g_assert_cmpuint (n_reverts, ==, 1);
}

/* notify::fail-method: once the armed failure has fired, the next
 * create_export fails too */
static void
fail_create_export_next (GObject *driver, GParamSpec *pspec, gpointer user_data)
{
  gboolean *armed = user_data;
  g_autofree char *method = NULL;

  g_object_get (driver, "fail-method", &method, NULL);
  if (method == NULL && *armed)
    {
      *armed = FALSE;
      g_object_set (driver, "fail-method", "create_export", "fail-code", NOVA_VOLUME_ERROR_FAILED, NULL);
    }
}

/* A delete the driver refuses (BUSY: clones share the data, a client has
 * it open) changes nothing: the volume is exported again, with its
 * credentials, and keeps its status; so does a snapshot. */
static void
test_delete_refused (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = create_volume (fx, GIB, NULL, NULL, &error);
  g_autofree char *snap = NULL;
  g_autofree char *location = NULL;
  g_autofree char *auth = NULL;
  const NovaVolumeRecord *volume;
  g_auto(GStrv) calls = NULL;
  guint n_creates = 0;

  g_assert_no_error (error);
  volume = nova_volume_manager_lookup_volume (fx->manager, id);
  location = g_strdup (volume->provider_location);
  auth = g_strdup (volume->provider_auth);

  g_object_set (fx->driver, "fail-method", "delete_volume", "fail-code", NOVA_VOLUME_ERROR_BUSY, NULL);
  g_assert_false (delete_volume (fx, id, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_BUSY);
  g_assert_nonnull (strstr (error->message, "failed as asked"));
  g_clear_error (&error);
  g_assert_cmpint (stored_status (fx, id), ==, NOVA_VOLUME_STATUS_AVAILABLE);
  volume = nova_volume_manager_lookup_volume (fx->manager, id);
  g_assert_cmpstr (volume->status_reason, ==, "");
  g_assert_cmpstr (volume->provider_location, ==, location);
  g_assert_cmpstr (volume->provider_auth, ==, auth);
  /* removed by the delete, then made again */
  g_object_get (fx->driver, "calls", &calls, NULL);
  for (guint i = 0; calls[i] != NULL; i++)
    if (g_str_has_prefix (calls[i], "create_export "))
      n_creates++;
  g_assert_cmpuint (n_creates, ==, 2);
  g_assert_true (g_str_has_prefix (calls[g_strv_length (calls) - 1], "create_export "));

  /* a snapshot keeps its status too */
  snap = create_snapshot (fx, id, FALSE, &error);
  g_assert_no_error (error);
  g_object_set (fx->driver, "fail-method", "delete_snapshot", "fail-code", NOVA_VOLUME_ERROR_BUSY, NULL);
  g_assert_false (delete_snapshot (fx, snap, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_BUSY);
  g_clear_error (&error);
  g_assert_cmpint (nova_volume_manager_lookup_snapshot (fx->manager, snap)->status, ==,
                   NOVA_SNAPSHOT_STATUS_AVAILABLE);
  g_assert_true (delete_snapshot (fx, snap, &error));
  g_assert_no_error (error);

  /* a refusal whose export cannot come back is error_deleting, saying both */
  g_object_set (fx->driver, "fail-method", "delete_volume", "fail-code", NOVA_VOLUME_ERROR_BUSY, NULL);
  {
    g_autoptr(GError) again = NULL;
    gboolean armed = TRUE;
    gulong handler = g_signal_connect (fx->driver, "notify::fail-method", G_CALLBACK (fail_create_export_next),
                                       &armed);

    g_assert_false (delete_volume (fx, id, &again));
    g_signal_handler_disconnect (fx->driver, handler);
    g_assert_false (armed);
    g_assert_error (again, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
    g_assert_nonnull (strstr (again->message, "could not be made again"));
  }
  g_assert_cmpint (stored_status (fx, id), ==, NOVA_VOLUME_STATUS_ERROR_DELETING);

  g_assert_true (delete_volume (fx, id, &error));
  g_assert_no_error (error);
}

static void
test_extend (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = create_volume (fx, GIB, NULL, NULL, &error);
  g_autoptr(GAsyncResult) result = NULL;

  nova_volume_manager_extend_volume (fx->manager, id, GIB / 2, store_result, &result);
  g_assert_false (finish_operation (fx, &result, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_cmpuint (nova_volume_manager_lookup_volume (fx->manager, id)->size, ==, GIB);

  nova_volume_manager_extend_volume (fx->manager, id, 3 * GIB, store_result, &result);
  g_assert_true (finish_operation (fx, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (nova_volume_manager_lookup_volume (fx->manager, id)->size, ==, 3 * GIB);
  g_assert_cmpint (stored_status (fx, id), ==, NOVA_VOLUME_STATUS_AVAILABLE);
}

/* in use: extended, and in use after; a stop mid-way settles it in use */
static void
test_extend_in_use (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = create_volume (fx, GIB, NULL, NULL, &error);
  g_autoptr(GAsyncResult) result = NULL;

  g_assert_true (attach_volume (fx, id, INSTANCE_A, "/dev/vdb", &error));
  g_assert_no_error (error);
  nova_volume_manager_extend_volume (fx->manager, id, 2 * GIB, store_result, &result);
  g_assert_true (finish_operation (fx, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (nova_volume_manager_lookup_volume (fx->manager, id)->size, ==, 2 * GIB);
  g_assert_cmpint (stored_status (fx, id), ==, NOVA_VOLUME_STATUS_IN_USE);

  fixture_close (fx);
  {
    g_autofree char *db = g_build_filename (fx->dir, "nova-volume.db", NULL);
    g_autoptr(NovaVolumeRecord) stopped = NULL;

    fx->store = nova_volume_store_open (db, &error);
    g_assert_no_error (error);
    stopped = nova_volume_store_get_volume (fx->store, id, &error);
    g_assert_no_error (error);
    stopped->status = NOVA_VOLUME_STATUS_EXTENDING;
    g_assert_true (nova_volume_store_put_volume (fx->store, stopped, &error));
    g_assert_no_error (error);
    g_clear_object (&fx->store);
  }
  fixture_open (fx);
  g_assert_true (nova_volume_manager_init_host (fx->manager, &error));
  g_assert_no_error (error);
  g_assert_cmpint (stored_status (fx, id), ==, NOVA_VOLUME_STATUS_IN_USE);
}

static void
test_connections (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = create_volume (fx, GIB, NULL, NULL, &error);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GPtrArray) connections = NULL;
  GVariant *connector = g_variant_new_parsed ("{'initiator': <'iqn.1993-08.org.debian:01:abc'>, "
                                              "'ip': <'10.0.0.2'>, 'host': <'compute1'>}");
  const char *type = NULL;

  g_variant_ref_sink (connector);
  nova_volume_manager_initialize_connection (fx->manager, id, connector, store_result, &result);
  info = nova_volume_manager_initialize_connection_finish (fx->manager, wait_result (&result), &error);
  g_clear_object (&result);
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (info, "driver_volume_type", "&s", &type));
  connections = nova_volume_store_list_connections (fx->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (connections->len, ==, 1);
  g_clear_pointer (&connections, g_ptr_array_unref);

  nova_volume_manager_terminate_connection (fx->manager, id, connector, store_result, &result);
  g_assert_true (finish_operation (fx, &result, &error));
  g_assert_no_error (error);
  connections = nova_volume_store_list_connections (fx->store, id, &error);
  g_assert_cmpuint (connections->len, ==, 0);
  g_variant_unref (connector);

  /* a connector that names no host is refused */
  nova_volume_manager_initialize_connection (fx->manager, id, g_variant_new_parsed ("@a{sv} {}"),
                                             store_result, &result);
  g_assert_null (nova_volume_manager_initialize_connection_finish (fx->manager, wait_result (&result), &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  g_clear_object (&result);
  g_clear_error (&error);
  nova_volume_manager_initialize_connection (fx->manager, id, g_variant_new_parsed ("{'ip': <42>}"),
                                             store_result, &result);
  g_assert_null (nova_volume_manager_initialize_connection_finish (fx->manager, wait_result (&result), &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "'ip'"));
}

static guint
n_recorded_connections (Fixture *fx, const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) connections = nova_volume_store_list_connections (fx->store, id, &error);

  g_assert_no_error (error);
  return connections->len;
}

/* A connection that cannot be recorded: the access the driver gave is
 * withdrawn (a restart would not know to keep or end it), unless that
 * host had been let in and recorded before: it keeps what it had. */
static void
test_connection_commit_fails (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) connector = g_variant_ref_sink (
    g_variant_new_parsed ("{'initiator': <'iqn.1993-08.org.debian:01:abc'>, 'host': <'compute1'>}"));
  GVariant *info;
  GLogLevelFlags always_fatal;

  if (!NOVA_VOLUME_CRASH_POINTS)
    {
      g_test_skip ("SKIP: the failed commit is injected, which needs a build with -Dcrash_points=true");
      return;
    }
  id = create_volume (fx, GIB, NULL, NULL, &error);
  g_assert_no_error (error);
  /* the failures' warnings are expected (and not fatal) */
  always_fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);

  g_setenv ("NOVA_VOLUME_FAIL_AT", "connect-a-host:before-commit-connection", TRUE);
  nova_volume_manager_initialize_connection (fx->manager, id, connector, store_result, &result);
  g_assert_null (nova_volume_manager_initialize_connection_finish (fx->manager, wait_result (&result), &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NO_SPACE);
  g_clear_error (&error);
  g_clear_object (&result);
  g_assert_cmpuint (driver_calls_for (fx, "initialize_connection", id), ==, 1);
  g_assert_cmpuint (driver_calls_for (fx, "terminate_connection", id), ==, 1);
  g_assert_cmpuint (n_recorded_connections (fx, id), ==, 0);

  /* recorded once, the same host again with the commit failing */
  g_unsetenv ("NOVA_VOLUME_FAIL_AT");
  nova_volume_manager_initialize_connection (fx->manager, id, connector, store_result, &result);
  info = nova_volume_manager_initialize_connection_finish (fx->manager, wait_result (&result), &error);
  g_assert_no_error (error);
  g_variant_unref (info);
  g_clear_object (&result);
  g_setenv ("NOVA_VOLUME_FAIL_AT", "connect-a-host:before-commit-connection", TRUE);
  nova_volume_manager_initialize_connection (fx->manager, id, connector, store_result, &result);
  g_assert_null (nova_volume_manager_initialize_connection_finish (fx->manager, wait_result (&result), &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NO_SPACE);
  g_clear_error (&error);
  g_clear_object (&result);
  g_unsetenv ("NOVA_VOLUME_FAIL_AT");
  g_log_set_always_fatal (always_fatal);
  g_assert_cmpuint (driver_calls_for (fx, "initialize_connection", id), ==, 3);
  g_assert_cmpuint (driver_calls_for (fx, "terminate_connection", id), ==, 1);
  g_assert_cmpuint (n_recorded_connections (fx, id), ==, 1);

  /* the manager's own record agrees: the volume is connected */
  nova_volume_manager_delete_volume (fx->manager, id, store_result, &result);
  g_assert_false (finish_operation (fx, &result, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_STATE);
  g_assert_nonnull (strstr (error->message, "initiator:iqn.1993-08.org.debian:01:abc"));
  g_clear_error (&error);
  g_clear_object (&result);
  nova_volume_manager_terminate_connection (fx->manager, id, connector, store_result, &result);
  g_assert_true (finish_operation (fx, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_recorded_connections (fx, id), ==, 0);
}

/* A delete answers once the driver has deleted, its "deleting" on disk:
 * the row's removal is written behind. When that write fails, the store
 * keeps "deleting" and the next start finishes the delete. */
static void
test_delete_removal_behind (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = create_volume (fx, GIB, NULL, NULL, &error);
  g_autofree char *second = NULL;
  GLogLevelFlags always_fatal;

  g_assert_no_error (error);
  g_assert_true (delete_volume (fx, id, &error));
  g_assert_no_error (error);
  g_assert_null (nova_volume_manager_lookup_volume (fx->manager, id));
  wait_row_gone (fx, id);

  if (!NOVA_VOLUME_CRASH_POINTS)
    {
      g_test_skip ("SKIP: the failed write is injected, which needs a build with -Dcrash_points=true");
      return;
    }
  second = create_volume (fx, GIB, NULL, NULL, &error);
  g_assert_no_error (error);
  always_fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_setenv ("NOVA_VOLUME_FAIL_AT", "delete-volume:before-commit-removed", TRUE);
  g_assert_true (delete_volume (fx, second, &error));
  g_unsetenv ("NOVA_VOLUME_FAIL_AT");
  g_log_set_always_fatal (always_fatal);
  g_assert_no_error (error);
  g_assert_null (nova_volume_manager_lookup_volume (fx->manager, second));
  g_assert_cmpint (stored_status (fx, second), ==, NOVA_VOLUME_STATUS_DELETING);
  g_assert_cmpuint (driver_calls_for (fx, "delete_volume", second), ==, 1);

  fixture_close (fx);
  fixture_open (fx);
  g_assert_true (nova_volume_manager_init_host (fx->manager, &error));
  g_assert_no_error (error);
  g_assert_false (stored (fx, second));
  g_assert_null (nova_volume_manager_lookup_volume (fx->manager, second));
  /* (the restarted manager's driver: its own calls) the delete again */
  g_assert_cmpuint (driver_calls_for (fx, "delete_volume", second), ==, 1);
}

static NovaSnapshotStatus
stored_snapshot_status (Fixture *fx, const char *id, gboolean *found)
{
  g_autoptr(NovaSnapshotRecord) snapshot = nova_volume_store_get_snapshot (fx->store, id, NULL);

  *found = snapshot != NULL;
  return snapshot != NULL ? snapshot->status : NOVA_SNAPSHOT_STATUS_ERROR;
}

/* The same for a snapshot's delete. */
static void
test_delete_snapshot_removal_behind (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = create_volume (fx, GIB, NULL, NULL, &error);
  g_autofree char *first = NULL, *second = NULL;
  GLogLevelFlags always_fatal;
  gboolean found = TRUE;

  g_assert_no_error (error);
  first = create_snapshot (fx, id, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (delete_snapshot (fx, first, &error));
  g_assert_no_error (error);
  g_assert_null (nova_volume_manager_lookup_snapshot (fx->manager, first));
  for (stored_snapshot_status (fx, first, &found); found; stored_snapshot_status (fx, first, &found))
    g_main_context_iteration (NULL, TRUE);

  if (!NOVA_VOLUME_CRASH_POINTS)
    {
      g_test_skip ("SKIP: the failed write is injected, which needs a build with -Dcrash_points=true");
      return;
    }
  second = create_snapshot (fx, id, FALSE, &error);
  g_assert_no_error (error);
  always_fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_setenv ("NOVA_VOLUME_FAIL_AT", "delete-snapshot:before-commit-snapshot-removed", TRUE);
  g_assert_true (delete_snapshot (fx, second, &error));
  g_unsetenv ("NOVA_VOLUME_FAIL_AT");
  g_log_set_always_fatal (always_fatal);
  g_assert_no_error (error);
  g_assert_null (nova_volume_manager_lookup_snapshot (fx->manager, second));
  g_assert_cmpint (stored_snapshot_status (fx, second, &found), ==, NOVA_SNAPSHOT_STATUS_DELETING);
  g_assert_true (found);

  fixture_close (fx);
  fixture_open (fx);
  g_assert_true (nova_volume_manager_init_host (fx->manager, &error));
  g_assert_no_error (error);
  stored_snapshot_status (fx, second, &found);
  g_assert_false (found);
  g_assert_null (nova_volume_manager_lookup_snapshot (fx->manager, second));
  /* (the restarted manager's driver: its own calls) the delete again */
  g_assert_cmpuint (driver_calls_for (fx, "delete_snapshot", second), ==, 1);
}

/* Operations on one volume run in the order they were asked for, while
 * operations on another volume are not held up. */
static void
test_ordering (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = create_volume (fx, GIB, NULL, NULL, &error);
  GAsyncResult *results[4] = { NULL, };

  nova_volume_manager_attach_volume (fx->manager, id, INSTANCE_A, "/dev/vdb", NULL, store_result, &results[0]);
  nova_volume_manager_detach_volume (fx->manager, id, store_result, &results[1]);
  nova_volume_manager_attach_volume (fx->manager, id, INSTANCE_B, "/dev/vdc", NULL, store_result, &results[2]);
  nova_volume_manager_detach_volume (fx->manager, id, store_result, &results[3]);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    {
      g_assert_true (finish_operation (fx, &results[i], &error));
      g_assert_no_error (error);
    }
  g_assert_cmpint (nova_volume_manager_lookup_volume (fx->manager, id)->status, ==, NOVA_VOLUME_STATUS_AVAILABLE);
  g_assert_cmpuint (nova_volume_manager_get_n_operations (fx->manager), ==, 0);
}

/* The manager's signals fire only after the store has the change. The
 * store may be one step ahead: a create's driver step runs while the
 * main thread applies its "creating", and its "available" may be
 * committed by then. */
static void
on_changed_check_store (NovaVolumeManager *manager, const char *id, Fixture *fx)
{
  const NovaVolumeRecord *live = nova_volume_manager_lookup_volume (manager, id);
  NovaVolumeStatus stored = stored_status (fx, id);

  if (live->status == NOVA_VOLUME_STATUS_CREATING && stored == NOVA_VOLUME_STATUS_AVAILABLE)
    return;
  g_assert_cmpint (stored, ==, live->status);
}

static void
test_commit_before_signal (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  g_signal_connect (fx->manager, "volume-changed", G_CALLBACK (on_changed_check_store), fx);
  id = create_volume (fx, GIB, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (attach_volume (fx, id, INSTANCE_A, "/dev/vdb", &error));
  g_assert_true (detach_volume (fx, id, &error));
  g_assert_no_error (error);
}

static void
put_volume (Fixture *fx, const char *id, NovaVolumeStatus status, const char *driver)
{
  g_autoptr(NovaVolumeRecord) volume = nova_volume_record_new ();
  g_autoptr(GError) error = NULL;

  nova_record_set_string (&volume->id, id);
  nova_record_set_string (&volume->driver, driver);
  volume->size = GIB;
  volume->status = status;
  volume->created_at = g_get_real_time ();
  if (status == NOVA_VOLUME_STATUS_DETACHING || status == NOVA_VOLUME_STATUS_IN_USE
      || status == NOVA_VOLUME_STATUS_ATTACHING)
    {
      volume->attached = TRUE;
      nova_record_set_string (&volume->instance_uuid, INSTANCE_A);
      nova_record_set_string (&volume->mountpoint, "/dev/vdb");
    }
  g_assert_true (nova_volume_store_put_volume (fx->store, volume, &error));
  g_assert_no_error (error);
}

/* A stop at any point: init_host finishes or fails what was mid-way and
 * ensures every export. */
static void
test_init_host (Fixture *fx, gconstpointer data)
{
  const char *ids[] = {
    "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002",
    "00000000-0000-4000-8000-000000000003", "00000000-0000-4000-8000-000000000004",
    "00000000-0000-4000-8000-000000000005", "00000000-0000-4000-8000-000000000006",
    "00000000-0000-4000-8000-000000000007", "00000000-0000-4000-8000-000000000008",
  };
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) calls = NULL;
  guint n_ensured = 0;

  fixture_close (fx);
  {
    g_autofree char *db = g_build_filename (fx->dir, "nova-volume.db", NULL);
    fx->store = nova_volume_store_open (db, &error);
    g_assert_no_error (error);
  }
  put_volume (fx, ids[0], NOVA_VOLUME_STATUS_CREATING, "logging");
  put_volume (fx, ids[1], NOVA_VOLUME_STATUS_DELETING, "logging");
  put_volume (fx, ids[2], NOVA_VOLUME_STATUS_ATTACHING, "logging");
  put_volume (fx, ids[3], NOVA_VOLUME_STATUS_DETACHING, "logging");
  put_volume (fx, ids[4], NOVA_VOLUME_STATUS_EXTENDING, "logging");
  put_volume (fx, ids[5], NOVA_VOLUME_STATUS_AVAILABLE, "logging");
  put_volume (fx, ids[6], NOVA_VOLUME_STATUS_IN_USE, "logging");
  put_volume (fx, ids[7], NOVA_VOLUME_STATUS_CREATING, "file");
  /* a host connected to the in-use volume before the stop */
  g_assert_true (nova_volume_store_put_connection (fx->store, ids[6], "initiator:iqn.1993-08.org.debian:01:h",
                                                   g_variant_new_parsed ("{'initiator': <'iqn.1993-08.org.debian:01:h'>}"),
                                                   &error));
  g_assert_no_error (error);
  g_clear_object (&fx->store);
  fixture_open (fx);

  g_assert_true (nova_volume_manager_init_host (fx->manager, &error));
  g_assert_no_error (error);

  g_assert_cmpint (stored_status (fx, ids[0]), ==, NOVA_VOLUME_STATUS_ERROR);
  g_assert_cmpstr (nova_volume_manager_lookup_volume (fx->manager, ids[0])->status_reason, !=, "");
  g_assert_null (nova_volume_manager_lookup_volume (fx->manager, ids[1]));
  g_assert_null (nova_volume_store_get_volume (fx->store, ids[1], NULL));
  g_assert_cmpint (stored_status (fx, ids[2]), ==, NOVA_VOLUME_STATUS_AVAILABLE);
  g_assert_false (nova_volume_manager_lookup_volume (fx->manager, ids[2])->attached);
  g_assert_cmpint (stored_status (fx, ids[3]), ==, NOVA_VOLUME_STATUS_AVAILABLE);
  g_assert_cmpstr (nova_volume_manager_lookup_volume (fx->manager, ids[3])->instance_uuid, ==, "");
  g_assert_cmpint (stored_status (fx, ids[4]), ==, NOVA_VOLUME_STATUS_AVAILABLE);
  g_assert_cmpint (stored_status (fx, ids[5]), ==, NOVA_VOLUME_STATUS_AVAILABLE);
  g_assert_cmpint (stored_status (fx, ids[6]), ==, NOVA_VOLUME_STATUS_IN_USE);
  /* another driver's volume is left as it was */
  g_assert_cmpint (stored_status (fx, ids[7]), ==, NOVA_VOLUME_STATUS_CREATING);

  g_object_get (fx->driver, "calls", &calls, NULL);
  for (guint i = 0; calls[i] != NULL; i++)
    if (g_str_has_prefix (calls[i], "ensure_export"))
      n_ensured++;
  /* ids 2..6 end available or in-use */
  g_assert_cmpuint (n_ensured, ==, 5);
  /* and the recorded connection is let in again */
  {
    guint n_restored = 0;
    for (guint i = 0; calls[i] != NULL; i++)
      if (g_str_has_prefix (calls[i], "initialize_connection") && strstr (calls[i], ids[6]) != NULL)
        n_restored++;
    g_assert_cmpuint (n_restored, ==, 1);
  }

  /* a second run changes nothing */
  g_assert_true (nova_volume_manager_init_host (fx->manager, &error));
  g_assert_cmpint (stored_status (fx, ids[0]), ==, NOVA_VOLUME_STATUS_ERROR);
  g_assert_cmpint (stored_status (fx, ids[6]), ==, NOVA_VOLUME_STATUS_IN_USE);

  /* the other driver's volume cannot be touched from here */
  g_assert_false (delete_volume (fx, ids[7], &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_SUPPORTED);
}

static void
on_job_added (NovaVolumeManager *manager, NovaVolumeJob *job, NovaVolumeJob **slot)
{
  /* the first job: the one the test waits for */
  if (*slot == NULL)
    *slot = g_object_ref (job);
}

static void
on_job_completed (NovaVolumeJob *job, gboolean success, const char *message, char **slot)
{
  *slot = g_strdup_printf ("%s %s", success ? "success" : "failure", message);
}

/* A clone is a Job while it copies: it reports progress, and Cancel
 * stops it, undoes it and fails the create with Cancelled. */
static void
test_job_cancel (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *source = create_volume (fx, GIB, NULL, NULL, &error);
  g_autoptr(NovaVolumeJob) job = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) volumes = NULL;
  g_autofree char *completed = NULL;
  NovaVolumeCreateRequest request = { .source_volume_id = source, .caller_uid = 1000 };
  char *clone;

  g_assert_no_error (error);
  g_object_set (fx->driver, "hold-copies", TRUE, NULL);
  g_signal_connect (fx->manager, "job-added", G_CALLBACK (on_job_added), &job);
  nova_volume_manager_create_volume (fx->manager, &request, NULL, store_result, &result);
  while (job == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_signal_connect (job, "completed", G_CALLBACK (on_job_completed), &completed);
  g_assert_cmpstr (nova_volume_job_get_operation (job), ==, "volume-clone");
  g_assert_cmpuint (nova_volume_job_get_started_by_uid (job), ==, 1000);
  g_assert_true (g_strv_contains (nova_volume_job_get_volume_ids (job), source));
  /* the driver's progress reaches the main thread */
  while (nova_volume_job_get_progress (job) < 0.5)
    g_main_context_iteration (NULL, TRUE);
  /* meanwhile the new volume shows its transitional status, committed */
  {
    g_autoptr(GPtrArray) during = nova_volume_store_list_volumes (fx->store, NULL);
    const NovaVolumeRecord *copy = g_ptr_array_index (during, 1);

    g_assert_cmpuint (during->len, ==, 2);
    g_assert_cmpint (copy->status, ==, NOVA_VOLUME_STATUS_CREATING);
    g_assert_cmpint (nova_volume_manager_lookup_volume (fx->manager, copy->id)->status, ==,
                     NOVA_VOLUME_STATUS_CREATING);
  }

  nova_volume_manager_cancel_jobs (fx->manager);
  clone = nova_volume_manager_create_volume_finish (fx->manager, wait_result (&result), &error);
  g_assert_null (clone);
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_CANCELLED);
  g_assert_nonnull (completed);
  g_assert_true (g_str_has_prefix (completed, "failure "));
  /* undone: only the source is left */
  volumes = nova_volume_store_list_volumes (fx->store, NULL);
  g_assert_cmpuint (volumes->len, ==, 1);
  g_assert_true (driver_was_called (fx, "delete_volume"));
  g_object_set (fx->driver, "hold-copies", FALSE, NULL);
}

/* After cancel_jobs (shutdown), a copy that was still waiting in the queue
 * is cancelled as soon as it starts, instead of running for minutes. */
static void
test_jobs_after_shutdown (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *source = create_volume (fx, GIB, NULL, NULL, &error);
  g_autoptr(NovaVolumeJob) job = NULL;
  GAsyncResult *first = NULL, *extend = NULL, *second = NULL;
  NovaVolumeCreateRequest request = { .source_volume_id = source };
  char *clone;

  g_object_set (fx->driver, "hold-copies", TRUE, NULL);
  g_signal_connect (fx->manager, "job-added", G_CALLBACK (on_job_added), &job);
  nova_volume_manager_create_volume (fx->manager, &request, NULL, store_result, &first);
  while (job == NULL)
    g_main_context_iteration (NULL, TRUE);
  /* the extend holds the source exclusively: the second clone waits for it */
  nova_volume_manager_extend_volume (fx->manager, source, 2 * GIB, store_result, &extend);
  nova_volume_manager_create_volume (fx->manager, &request, NULL, store_result, &second);

  nova_volume_manager_cancel_jobs (fx->manager);
  clone = nova_volume_manager_create_volume_finish (fx->manager, wait_result (&first), &error);
  g_assert_null (clone);
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_true (finish_operation (fx, &extend, &error));
  clone = nova_volume_manager_create_volume_finish (fx->manager, wait_result (&second), &error);
  g_assert_null (clone);
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_CANCELLED);
  g_clear_object (&first);
  g_clear_object (&second);
  g_object_set (fx->driver, "hold-copies", FALSE, NULL);
}

/* TerminateConnection withdraws what InitializeConnection recorded for
 * that host, even with a connector that says less; another host's
 * connector is NotFound. */
static void
test_terminate_matches_host (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = create_volume (fx, GIB, NULL, NULL, &error);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GPtrArray) connections = NULL;

  nova_volume_manager_initialize_connection (fx->manager, id,
                                             g_variant_new_parsed ("{'initiator': <'iqn.1993-08.org.debian:01:a'>, "
                                                                   "'host': <'compute1'>, 'ip': <'10.0.0.2'>}"),
                                             store_result, &result);
  info = nova_volume_manager_initialize_connection_finish (fx->manager, wait_result (&result), &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  nova_volume_manager_terminate_connection (fx->manager, id, g_variant_new_parsed ("{'host': <'compute9'>}"),
                                            store_result, &result);
  g_assert_false (finish_operation (fx, &result, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "initiator:iqn.1993-08.org.debian:01:a"));
  g_clear_error (&error);

  nova_volume_manager_terminate_connection (fx->manager, id,
                                            g_variant_new_parsed ("{'host': <'compute1'>, 'ip': <'10.0.0.2'>}"),
                                            store_result, &result);
  g_assert_true (finish_operation (fx, &result, &error));
  g_assert_no_error (error);
  connections = nova_volume_store_list_connections (fx->store, id, &error);
  g_assert_cmpuint (connections->len, ==, 0);
  /* the driver was told the initiator it had let in */
  {
    g_auto(GStrv) calls = NULL;
    gboolean found = FALSE;

    g_object_get (fx->driver, "calls", &calls, NULL);
    for (guint i = 0; calls[i] != NULL; i++)
      if (g_str_has_prefix (calls[i], "terminate_connection") && strstr (calls[i], "iqn.1993-08.org.debian:01:a"))
        found = TRUE;
    g_assert_true (found);
  }
}

/* Two hosts behind one address are two hosts: the one that disconnects
 * does not take the other's connection with it. */
static void
test_terminate_same_ip (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = create_volume (fx, GIB, NULL, NULL, &error);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) connections = NULL;
  g_autofree char *left = NULL;

  nova_volume_manager_initialize_connection (fx->manager, id,
                                             g_variant_new_parsed ("{'host': <'compute1'>, 'ip': <'10.0.0.2'>}"),
                                             store_result, &result);
  g_variant_unref (nova_volume_manager_initialize_connection_finish (fx->manager, wait_result (&result), &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  nova_volume_manager_terminate_connection (fx->manager, id,
                                            g_variant_new_parsed ("{'host': <'compute2'>, 'ip': <'10.0.0.2'>}"),
                                            store_result, &result);
  g_assert_false (finish_operation (fx, &result, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND);
  g_clear_error (&error);
  connections = nova_volume_store_list_connections (fx->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (connections->len, ==, 1);
}

static void
test_stats (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) stats = NULL;
  g_autofree char *id = create_volume (fx, GIB, NULL, NULL, &error);
  guint32 count = 0;
  const char *protocol = NULL;

  nova_volume_manager_get_volume_stats (fx->manager, TRUE, store_result, &result);
  stats = nova_volume_manager_get_volume_stats_finish (fx->manager, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (stats, "volume_count", "u", &count));
  g_assert_cmpuint (count, ==, 1);
  g_assert_true (g_variant_lookup (stats, "storage_protocol", "&s", &protocol));
}

/* watches the backends until the refresh at start gave the first its figures */
static void
watch_until_stats (Fixture *fx)
{
  NovaVolumeBackend *backend = g_ptr_array_index (nova_volume_manager_get_backends (fx->manager), 0);

  nova_volume_manager_watch_backends (fx->manager, 60);
  while (nova_volume_backend_get_stats (backend) == NULL)
    g_main_context_iteration (NULL, TRUE);
}

/* A create whose room the backend's latest figures show does not ask the
 * driver again (no worker either); one they show no room for does, and
 * the driver's answer words the refusal. */
static void
test_free_space_from_latest_stats (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL, *second = NULL;
  guint before;

  watch_until_stats (fx);
  before = driver_calls_for (fx, "get_volume_stats", "");
  first = create_volume (fx, GIB, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (driver_calls_for (fx, "get_volume_stats", ""), ==, before);
  /* an extend the same way */
  g_assert_true (extend_volume (fx, first, 2 * GIB, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (driver_calls_for (fx, "get_volume_stats", ""), ==, before);

  /* everything kept free from now on: the figures refuse, the driver is
   * asked, and refuses with the reason */
  fixture_close (fx);
  test_config_set (fx->config, "reserved_percentage", "100");
  fixture_open (fx);
  watch_until_stats (fx);
  before = driver_calls_for (fx, "get_volume_stats", "");
  second = create_volume (fx, GIB, NULL, NULL, &error);
  g_assert_null (second);
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NO_SPACE);
  g_assert_nonnull (strstr (error->message, "reserved_percentage 100"));
  g_assert_cmpuint (driver_calls_for (fx, "get_volume_stats", ""), ==, before + 1);
  g_clear_error (&error);
  g_assert_false (extend_volume (fx, first, 3 * GIB, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NO_SPACE);
  g_assert_nonnull (strstr (error->message, "reserved_percentage 100"));
  g_assert_cmpuint (driver_calls_for (fx, "get_volume_stats", ""), ==, before + 2);
  g_assert_cmpuint (nova_volume_manager_lookup_volume (fx->manager, first)->size, ==, 2 * GIB);
}

/* What a backend's figures say since they were read: the bytes the
 * records provisioned on it after the read began; too old, nothing. */
static void
test_recent_stats (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeBackend) backend = nova_volume_backend_new_down (fx->config, "not set up here");
  NovaVolumeBackend *up = g_ptr_array_index (nova_volume_manager_get_backends (fx->manager), 0);
  g_autoptr(GVariant) stats = g_variant_ref_sink (g_variant_new_parsed ("{'free_capacity': <@t 100>}"));
  GVariant *seen = NULL;
  guint64 since = 0;
  gint64 now = g_get_monotonic_time ();

  /* a backend that is down has no figures to go by */
  nova_volume_backend_set_stats_read (backend, stats, 0, now);
  g_assert_false (nova_volume_backend_get_recent_stats (backend, G_USEC_PER_SEC, &seen, &since));

  nova_volume_backend_set_counts (up, 10, 1, 0);
  nova_volume_backend_set_stats_read (up, stats, 10, now);
  nova_volume_backend_set_counts (up, 40, 2, 0);
  g_assert_true (nova_volume_backend_get_recent_stats (up, G_USEC_PER_SEC, &seen, &since));
  g_assert_true (seen == stats);
  g_assert_cmpuint (since, ==, 30);
  /* fewer since (a delete): nothing consumed */
  nova_volume_backend_set_counts (up, 5, 0, 0);
  g_assert_true (nova_volume_backend_get_recent_stats (up, G_USEC_PER_SEC, &seen, &since));
  g_assert_cmpuint (since, ==, 0);
  /* read too long ago */
  nova_volume_backend_set_stats_read (up, stats, 5, now - 2 * G_USEC_PER_SEC);
  g_assert_false (nova_volume_backend_get_recent_stats (up, G_USEC_PER_SEC, &seen, &since));
}

static void
assert_counts (Fixture *fx, guint32 volumes, guint32 snapshots, guint64 provisioned)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) stats = NULL;
  NovaVolumeBackend *backend = g_ptr_array_index (nova_volume_manager_get_backends (fx->manager), 0);
  guint32 count = G_MAXUINT32;

  nova_volume_manager_get_volume_stats (fx->manager, FALSE, store_result, &result);
  stats = nova_volume_manager_get_volume_stats_finish (fx->manager, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (stats, "volume_count", "u", &count));
  g_assert_cmpuint (count, ==, volumes);
  g_assert_true (g_variant_lookup (stats, "snapshot_count", "u", &count));
  g_assert_cmpuint (count, ==, snapshots);
  g_assert_cmpuint (nova_volume_backend_get_provisioned (backend), ==, provisioned);
}

/* The counts of volumes, snapshots and bytes follow every create,
 * extend, snapshot and delete without counting the records again, and a
 * restart counts the same; a volume with snapshots refuses a delete by
 * the index of snapshots by volume, which names them. */
static void
test_stats_counts (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *a = create_volume (fx, GIB, NULL, NULL, &error);
  g_autofree char *b = create_volume (fx, 2 * GIB, NULL, NULL, &error);
  g_autofree char *snap_a1 = NULL, *snap_a2 = NULL, *snap_b = NULL;

  g_assert_no_error (error);
  assert_counts (fx, 2, 0, 3 * GIB);
  snap_a1 = create_snapshot (fx, a, FALSE, &error);
  g_assert_no_error (error);
  snap_a2 = create_snapshot (fx, a, FALSE, &error);
  g_assert_no_error (error);
  snap_b = create_snapshot (fx, b, FALSE, &error);
  g_assert_no_error (error);
  assert_counts (fx, 2, 3, 3 * GIB);

  g_assert_false (delete_volume (fx, a, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_STATE);
  g_assert_nonnull (strstr (error->message, snap_a1));
  g_assert_nonnull (strstr (error->message, snap_a2));
  g_assert_null (strstr (error->message, snap_b));
  g_clear_error (&error);

  nova_volume_manager_extend_volume (fx->manager, b, 3 * GIB, store_result, &result);
  g_assert_true (finish_operation (fx, &result, &error));
  g_assert_no_error (error);
  g_assert_true (delete_snapshot (fx, snap_b, &error));
  g_assert_no_error (error);
  assert_counts (fx, 2, 2, 4 * GIB);

  fixture_close (fx);
  fixture_open (fx);
  g_assert_true (nova_volume_manager_init_host (fx->manager, &error));
  g_assert_no_error (error);
  assert_counts (fx, 2, 2, 4 * GIB);

  g_assert_true (delete_volume (fx, b, &error));
  g_assert_no_error (error);
  g_assert_true (delete_snapshot (fx, snap_a1, &error));
  g_assert_true (delete_snapshot (fx, snap_a2, &error));
  g_assert_true (delete_volume (fx, a, &error));
  g_assert_no_error (error);
  assert_counts (fx, 0, 0, 0);
}

/* Each change of state logs one record with its event's MESSAGE_ID and
 * the ids it concerns; a volume that goes to error logs volume-error. */
static void
test_log_events (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) info = NULL;
  g_autofree char *id = NULL, *snap = NULL, *failed = NULL;
  g_autofree char *created = NULL, *attached = NULL, *detached = NULL, *extended = NULL;
  g_autofree char *exported = NULL, *unexported = NULL, *snap_created = NULL;
  g_autofree char *snap_deleted = NULL, *deleted = NULL, *went_wrong = NULL;
  GVariant *connector = g_variant_ref_sink (g_variant_new_parsed ("{'ip': <'10.0.0.2'>, 'host': <'compute1'>}"));

  logged_events = g_ptr_array_new_with_free_func (g_free);
  id = create_volume (fx, GIB, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (attach_volume (fx, id, INSTANCE_A, "/dev/vdb", &error));
  g_assert_true (detach_volume (fx, id, &error));
  nova_volume_manager_extend_volume (fx->manager, id, 2 * GIB, store_result, &result);
  g_assert_true (finish_operation (fx, &result, &error));
  nova_volume_manager_initialize_connection (fx->manager, id, connector, store_result, &result);
  info = nova_volume_manager_initialize_connection_finish (fx->manager, wait_result (&result), &error);
  g_clear_object (&result);
  g_assert_no_error (error);
  nova_volume_manager_terminate_connection (fx->manager, id, connector, store_result, &result);
  g_assert_true (finish_operation (fx, &result, &error));
  snap = create_snapshot (fx, id, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (delete_snapshot (fx, snap, &error));
  g_assert_true (delete_volume (fx, id, &error));
  g_assert_no_error (error);

  created = g_strdup_printf ("volume-created %s -", id);
  attached = g_strdup_printf ("volume-attached %s -", id);
  detached = g_strdup_printf ("volume-detached %s -", id);
  extended = g_strdup_printf ("volume-extended %s -", id);
  exported = g_strdup_printf ("volume-exported %s -", id);
  unexported = g_strdup_printf ("volume-unexported %s -", id);
  snap_created = g_strdup_printf ("snapshot-created %s %s", id, snap);
  snap_deleted = g_strdup_printf ("snapshot-deleted - %s", snap);
  deleted = g_strdup_printf ("volume-deleted %s -", id);
  {
    const char *const expected[] = { created, attached, detached, extended, exported, unexported,
                                     snap_created, snap_deleted, deleted, NULL };
    assert_events (expected);
  }

  /* a driver that fails to delete leaves the volume in error_deleting */
  failed = create_volume (fx, GIB, NULL, NULL, &error);
  g_assert_no_error (error);
  g_ptr_array_set_size (logged_events, 0);
  g_object_set (fx->driver, "fail-method", "delete_volume", NULL);
  g_assert_false (delete_volume (fx, failed, &error));
  went_wrong = g_strdup_printf ("volume-error %s -", failed);
  {
    const char *const expected[] = { went_wrong, NULL };
    assert_events (expected);
  }
  g_variant_unref (connector);
  g_clear_pointer (&logged_events, g_ptr_array_unref);
}

/* a driver that lost an export by itself ("export-lost", the aoe
 * driver's vblade that keeps dying) gets the volume marked error with its
 * reason, at once; a deleted volume's loss changes nothing */
static void
test_export_lost (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = create_volume (fx, 1024 * 1024, NULL, NULL, &error);
  g_autoptr(NovaVolumeRecord) stored = NULL;

  g_assert_no_error (error);
  nova_volume_driver_export_lost (fx->driver, id, "vblade exited 6 times within 60 seconds");
  while (nova_volume_manager_get_n_operations (fx->manager) > 0)
    g_main_context_iteration (NULL, TRUE);
  stored = nova_volume_store_get_volume (fx->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (stored->status, ==, NOVA_VOLUME_STATUS_ERROR);
  g_assert_nonnull (strstr (stored->status_reason, "vblade exited 6 times"));

  nova_volume_driver_export_lost (fx->driver, "no-such-volume", "gone");
  while (nova_volume_manager_get_n_operations (fx->manager) > 0)
    g_main_context_iteration (NULL, TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (capture_events, NULL, NULL);
#define ADD(path, func) \
  g_test_add ("/manager/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("create-delete", test_create_delete);
  ADD ("bad-create", test_bad_create);
  ADD ("attach-detach", test_attach_detach);
  ADD ("snapshots", test_snapshots);
  ADD ("driver-failures", test_driver_failures);
  ADD ("delete-refused", test_delete_refused);
  ADD ("extend", test_extend);
  ADD ("revert-failures", test_revert_failures);
  ADD ("extend-in-use", test_extend_in_use);
  ADD ("connections", test_connections);
  ADD ("connection-commit-fails", test_connection_commit_fails);
  ADD ("delete-removal-behind", test_delete_removal_behind);
  ADD ("delete-snapshot-removal-behind", test_delete_snapshot_removal_behind);
  ADD ("ordering", test_ordering);
  ADD ("commit-before-signal", test_commit_before_signal);
  ADD ("init-host", test_init_host);
  ADD ("stats", test_stats);
  ADD ("free-space-from-latest-stats", test_free_space_from_latest_stats);
  ADD ("recent-stats", test_recent_stats);
  ADD ("stats-counts", test_stats_counts);
  ADD ("job-cancel", test_job_cancel);
  ADD ("jobs-after-shutdown", test_jobs_after_shutdown);
  ADD ("terminate-matches-host", test_terminate_matches_host);
  ADD ("terminate-same-ip", test_terminate_same_ip);
  ADD ("log-events", test_log_events);
  ADD ("export-lost", test_export_lost);
#undef ADD
  return g_test_run ();
}
