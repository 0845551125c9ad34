/* The client library (lib/nova-volume-client.c) against the real daemon on
 * a private bus: lookups by path, id, name and id prefix (ambiguity and
 * absence as errors a person can act on), the daemon's errors in the
 * NOVA_VOLUME_ERROR domain, waits for a status and for a Job's end. */
#include "config.h"

#include <string.h>

#include "nova-volume-client.h"
#include "service-fixture.h"

/* on the fixture's own connection: the process's shared session-bus
 * connection would outlive each test's bus */
static NovaVolumeClient *
client_for (Fixture *fx)
{
  g_autoptr(GError) error = NULL;
  NovaVolumeClient *client = nova_volume_client_new_for_connection_sync (fx->connection, NULL, &error);

  g_assert_no_error (error);
  return client;
}

static char *
id_of_path (const char *path)
{
  return g_strdelimit (g_path_get_basename (path), "_", '-');
}

static void
test_lookup (Fixture *fx, gconstpointer data)
{
  g_autofree char *first = create_volume (fx, MIB, g_variant_new_parsed ("{'name': <'scratch'>}"));
  g_autofree char *second = create_volume (fx, MIB, g_variant_new_parsed ("{'name': <'twin'>}"));
  g_autofree char *third = create_volume (fx, MIB, g_variant_new_parsed ("{'name': <'twin'>}"));
  g_autofree char *snapshot = create_snapshot (fx, first, FALSE);
  g_autofree char *first_id = id_of_path (first);
  g_autofree char *prefix = g_strndup (first_id, 8);
  g_autoptr(NovaVolumeClient) client = client_for (fx);
  g_autoptr(NovaDBusManager) manager = nova_volume_client_get_manager (client);
  g_autoptr(NovaDBusVolume) by_path = NULL, by_id = NULL, by_name = NULL, by_prefix = NULL;
  g_autoptr(NovaDBusSnapshot) snap = NULL;
  g_autoptr(NovaDBusBackend) backend = NULL;
  g_autoptr(GError) error = NULL;
  GList *volumes = nova_volume_client_get_volumes (client);

  g_assert_nonnull (manager);
  g_assert_cmpuint (g_list_length (volumes), ==, 3);
  g_list_free_full (volumes, g_object_unref);

  by_path = nova_volume_client_lookup_volume (client, first, &error);
  g_assert_no_error (error);
  by_id = nova_volume_client_lookup_volume (client, first_id, &error);
  g_assert_no_error (error);
  by_name = nova_volume_client_lookup_volume (client, "scratch", &error);
  g_assert_no_error (error);
  by_prefix = nova_volume_client_lookup_volume (client, prefix, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_dbus_proxy_get_object_path (G_DBUS_PROXY (by_path)), ==, first);
  g_assert_true (by_id == by_path && by_name == by_path && by_prefix == by_path);
  g_assert_cmpstr (nova_dbus_volume_get_name (by_path), ==, "scratch");

  snap = nova_volume_client_lookup_snapshot (client, snapshot, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (nova_dbus_snapshot_get_volume (snap), ==, first);
  backend = nova_volume_client_lookup_backend (client, "file", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (nova_dbus_backend_get_state (backend), ==, "up");

  /* two volumes of one name, and no volume at all */
  g_assert_null (nova_volume_client_lookup_volume (client, "twin", &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "give the whole ID"));
  g_clear_error (&error);
  g_assert_null (nova_volume_client_lookup_volume (client, "nothing-like-it", &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* a short prefix is a name only */
  g_assert_null (nova_volume_client_lookup_volume (client, "abc", &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND);
  g_clear_error (&error);
  (void) second;
  (void) third;
}

/* backups and attachments, looked up as volumes are */
static void
test_lookup_backups_and_attachments (Fixture *fx, gconstpointer data)
{
  g_autofree char *volume = create_volume (fx, MIB, g_variant_new_parsed ("{'name': <'kept'>}"));
  g_autoptr(NovaVolumeClient) client = NULL;
  g_autoptr(NovaDBusBackup) by_name = NULL, by_path = NULL;
  g_autoptr(NovaDBusAttachment) attachment = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *backup = NULL, *attachment_path = NULL;
  GList *backups = NULL, *attachments = NULL;

  reply = call (fx, volume, IFACE_VOLUME, "Backup", g_variant_new_parsed ("({'name': <'nightly'>},)"), "(o)", &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(o)", &backup);
  g_clear_pointer (&reply, g_variant_unref);
  reply = call (fx, volume, IFACE_VOLUME, "Attach", g_variant_new_parsed ("(%s, '/dev/vdb', @a{sv} {})", INSTANCE_A),
                "(o)", &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(o)", &attachment_path);

  client = client_for (fx);
  backups = nova_volume_client_get_backups (client);
  g_assert_cmpuint (g_list_length (backups), ==, 1);
  g_list_free_full (backups, g_object_unref);
  by_name = nova_volume_client_lookup_backup (client, "nightly", &error);
  g_assert_no_error (error);
  by_path = nova_volume_client_lookup_backup (client, backup, &error);
  g_assert_no_error (error);
  g_assert_true (by_name == by_path);
  g_assert_cmpstr (nova_dbus_backup_get_status (by_name), ==, "available");
  g_assert_null (nova_volume_client_lookup_backup (client, "kept", &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND);
  g_clear_error (&error);

  attachments = nova_volume_client_get_attachments (client);
  g_assert_cmpuint (g_list_length (attachments), ==, 1);
  g_list_free_full (attachments, g_object_unref);
  attachment = nova_volume_client_lookup_attachment (client, attachment_path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (nova_dbus_attachment_get_volume (attachment), ==, volume);
}

/* a call through the library's proxies: the daemon's refusal in our domain,
 * then a change waited for */
static void
test_errors_and_waits (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeClient) client = client_for (fx);
  g_autoptr(NovaDBusManager) manager = nova_volume_client_get_manager (client);
  g_autoptr(NovaDBusVolume) volume = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  g_assert_false (nova_dbus_manager_call_create_volume_sync (manager, 0, g_variant_new_parsed ("@a{sv} {}"), NULL,
                                                             &path, NULL, NULL, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_true (nova_dbus_manager_call_create_volume_sync (manager, MIB, g_variant_new_parsed ("{'name': <'w'>}"),
                                                            NULL, &path, NULL, NULL, &error));
  g_assert_no_error (error);
  volume = nova_volume_client_lookup_volume (client, path, &error);
  g_assert_no_error (error);
  g_assert_true (nova_volume_client_wait_for_status (client, G_DBUS_PROXY (volume), "available", NULL, &error));
  g_assert_no_error (error);

  call_ok (fx, path, IFACE_VOLUME, "Attach", g_variant_new_parsed ("(%s, '/dev/vdb', @a{sv} {})", INSTANCE_A));
  g_assert_true (nova_volume_client_wait_for_status (client, G_DBUS_PROXY (volume), "in-use", NULL, &error));
  g_assert_no_error (error);

  /* a wait given up */
  g_cancellable_cancel (cancellable);
  g_assert_false (nova_volume_client_wait_for_status (client, G_DBUS_PROXY (volume), "available", cancellable,
                                                      &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* the object goes away while waited on */
  call_ok (fx, path, IFACE_VOLUME, "Detach", g_variant_new_parsed ("(@a{sv} {},)"));
  g_assert_true (nova_volume_client_wait_for_status (client, G_DBUS_PROXY (volume), "available", NULL, &error));
  call_ok (fx, path, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
  g_assert_false (nova_volume_client_wait_for_status (client, G_DBUS_PROXY (volume), "in-use", NULL, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND);
}

/* a clone held by the logging driver: its Job found, cancelled through the
 * library, and the wait says how it ended */
static void
test_job (Fixture *fx, gconstpointer data)
{
  g_autofree char *source = NULL, *job_path = NULL;
  g_autoptr(NovaVolumeClient) client = NULL;
  g_autoptr(NovaDBusJob) job = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GList *jobs;

  use_held_copies (fx);
  source = create_volume (fx, MIB, NULL);
  client = client_for (fx);
  job_path = start_held_clone (fx, source, &result);
  /* the client learns of it from the object manager */
  while ((jobs = nova_volume_client_get_jobs (client)) == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_list_free_full (jobs, g_object_unref);
  job = nova_volume_client_lookup_job (client, job_path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (nova_dbus_job_get_operation (job), ==, "volume-clone");
  g_assert_true (nova_dbus_job_call_cancel_sync (job, g_variant_new_parsed ("@a{sv} {}"), NULL, &error));
  g_assert_no_error (error);
  g_assert_false (nova_volume_client_wait_for_job (client, job, NULL, &error));
  g_test_message ("%s", error != NULL ? error->message : "");
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
}

static void
on_client (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
test_new_async (Fixture *fx, gconstpointer data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeClient) client = NULL;
  g_autoptr(NovaDBusManager) manager = NULL;

  g_setenv ("DBUS_SESSION_BUS_ADDRESS", fx->bus_address, TRUE);
  nova_volume_client_new (G_BUS_TYPE_SESSION, NULL, on_client, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  client = nova_volume_client_new_finish (result, &error);
  g_assert_no_error (error);
  /* the shared session-bus connection the async form took must not end
   * the process when this test's bus stops */
  g_dbus_connection_set_exit_on_close (g_dbus_object_manager_client_get_connection (
                                         G_DBUS_OBJECT_MANAGER_CLIENT (nova_volume_client_get_object_manager (client))),
                                       FALSE);
  manager = nova_volume_client_get_manager (client);
  g_assert_nonnull (manager);
  g_assert_cmpstr (nova_dbus_manager_get_version (manager), !=, NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) g_test_add ("/client/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("lookup", test_lookup);
  ADD ("lookup-backups-and-attachments", test_lookup_backups_and_attachments);
  ADD ("errors-and-waits", test_errors_and_waits);
  ADD ("job", test_job);
  ADD ("new-async", test_new_async);
#undef ADD
  return g_test_run ();
}
