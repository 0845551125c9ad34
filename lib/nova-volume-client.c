/* nova-volume: the client library's entry point (see the header). */
#include "config.h"

#include <string.h>

#include "nova-volume-client.h"

#define BUS_NAME      "org.openstack.Volume1"
#define ROOT_PATH     "/org/openstack/Volume1"
#define MANAGER_PATH  ROOT_PATH "/Manager"
#define VOLUMES       ROOT_PATH "/volumes/"
#define SNAPSHOTS     ROOT_PATH "/snapshots/"
#define JOBS          ROOT_PATH "/jobs/"
#define BACKENDS      ROOT_PATH "/backends/"
#define BACKUPS       ROOT_PATH "/backups/"
#define ATTACHMENTS   ROOT_PATH "/attachments/"

/* an ID prefix shorter than this is taken for a name only */
#define MIN_ID_PREFIX 4

/**
 * NovaVolumeClient:
 *
 * A connection to the nova-volume service (org.openstack.Volume1) and its
 * object manager. Its objects' signals and property changes arrive in the
 * thread-default main context of the thread that made it; the waits run
 * that context, so call them from that thread.
 */
struct _NovaVolumeClient
{
  GObject             parent_instance;
  GDBusObjectManager *object_manager;
  GMainContext       *context;
};

G_DEFINE_FINAL_TYPE (NovaVolumeClient, nova_volume_client, G_TYPE_OBJECT)

static void
nova_volume_client_finalize (GObject *object)
{
  NovaVolumeClient *self = NOVA_VOLUME_CLIENT (object);

  g_clear_object (&self->object_manager);
  g_clear_pointer (&self->context, g_main_context_unref);
  G_OBJECT_CLASS (nova_volume_client_parent_class)->finalize (object);
}

static void
nova_volume_client_class_init (NovaVolumeClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = nova_volume_client_finalize;
}

static void
nova_volume_client_init (NovaVolumeClient *self)
{
  /* registers the error domain, so that replies carry our codes */
  (void) NOVA_VOLUME_ERROR;
  self->context = g_main_context_ref_thread_default ();
}

static NovaVolumeClient *
client_new (GDBusObjectManager *object_manager)
{
  NovaVolumeClient *self = g_object_new (NOVA_VOLUME_TYPE_CLIENT, NULL);

  self->object_manager = object_manager;
  return self;
}

/**
 * nova_volume_client_new_sync:
 * @bus_type: %G_BUS_TYPE_SYSTEM for the service, %G_BUS_TYPE_SESSION for a
 *   per-user instance
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Connects to the service, starting it by D-Bus activation if it does not
 * run, and loads its objects.
 *
 * Returns: (transfer full): the client, or %NULL with @error set
 */
NovaVolumeClient *
nova_volume_client_new_sync (GBusType bus_type, GCancellable *cancellable, GError **error)
{
  g_autoptr(GDBusConnection) connection = g_bus_get_sync (bus_type, cancellable, error);

  return connection != NULL ? nova_volume_client_new_for_connection_sync (connection, cancellable, error) : NULL;
}

/**
 * nova_volume_client_new_for_connection_sync:
 * @connection: a connection to the bus the service is on
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * As nova_volume_client_new_sync(), on a connection of the caller's (a
 * private bus, a connection made with its own flags).
 *
 * Returns: (transfer full): the client, or %NULL with @error set
 */
NovaVolumeClient *
nova_volume_client_new_for_connection_sync (GDBusConnection *connection, GCancellable *cancellable, GError **error)
{
  g_autoptr(NovaDBusManager) manager = NULL;
  GDBusObjectManager *object_manager;

  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);
  /* a proxy loads its properties with a call, which activates the
   * service; the object manager then finds its name owned */
  manager = nova_dbus_manager_proxy_new_sync (connection, G_DBUS_PROXY_FLAGS_NONE, BUS_NAME, MANAGER_PATH,
                                              cancellable, error);
  if (manager == NULL)
    return NULL;
  object_manager = nova_dbus_object_manager_client_new_sync (connection, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE,
                                                             BUS_NAME, ROOT_PATH, cancellable, error);
  return object_manager != NULL ? client_new (object_manager) : NULL;
}

static void
on_object_manager (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GDBusObjectManager *object_manager = nova_dbus_object_manager_client_new_for_bus_finish (result, &error);

  if (object_manager == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, client_new (object_manager), g_object_unref);
}

static void
on_manager (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  g_autoptr(NovaDBusManager) manager = nova_dbus_manager_proxy_new_for_bus_finish (result, &error);

  if (manager == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  nova_dbus_object_manager_client_new_for_bus ((GBusType) GPOINTER_TO_INT (g_task_get_task_data (task)),
                                               G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE, BUS_NAME, ROOT_PATH,
                                               g_task_get_cancellable (task), on_object_manager, task);
}

/**
 * nova_volume_client_new:
 * @bus_type: as for nova_volume_client_new_sync()
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the client is ready
 * @user_data: (closure): data for @callback
 *
 * The asynchronous form of nova_volume_client_new_sync(); finish it with
 * nova_volume_client_new_finish().
 */
void
nova_volume_client_new (GBusType bus_type, GCancellable *cancellable, GAsyncReadyCallback callback,
                        gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_task_data (task, GINT_TO_POINTER (bus_type), NULL);
  nova_dbus_manager_proxy_new_for_bus (bus_type, G_DBUS_PROXY_FLAGS_NONE, BUS_NAME, MANAGER_PATH, cancellable,
                                       on_manager, task);
}

/**
 * nova_volume_client_new_finish:
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes nova_volume_client_new().
 *
 * Returns: (transfer full): the client, or %NULL with @error set
 */
NovaVolumeClient *
nova_volume_client_new_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * nova_volume_client_new_for_object_manager:
 * @object_manager: a client of the service's object manager, made by
 *   nova_dbus_object_manager_client_new_sync() or its kin
 *
 * A client over an object manager the caller already has.
 *
 * Returns: (transfer full): the client
 */
NovaVolumeClient *
nova_volume_client_new_for_object_manager (GDBusObjectManager *object_manager)
{
  g_return_val_if_fail (G_IS_DBUS_OBJECT_MANAGER (object_manager), NULL);
  return client_new (g_object_ref (object_manager));
}

/**
 * nova_volume_client_get_object_manager:
 * @self: a #NovaVolumeClient
 *
 * The object manager client the client reads the service's objects from: its signals say when objects come and go.
 *
 * Returns: (transfer none): the object manager of the service's objects
 */
GDBusObjectManager *
nova_volume_client_get_object_manager (NovaVolumeClient *self)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_CLIENT (self), NULL);
  return self->object_manager;
}

/**
 * nova_volume_client_get_manager:
 * @self: a #NovaVolumeClient
 *
 * The service's Manager (CreateVolume, GetVolumeStats, its properties).
 *
 * Returns: (transfer full) (nullable): the Manager object's interface
 */
NovaDBusManager *
nova_volume_client_get_manager (NovaVolumeClient *self)
{
  g_autoptr(GDBusObject) object = NULL;

  g_return_val_if_fail (NOVA_VOLUME_IS_CLIENT (self), NULL);
  object = g_dbus_object_manager_get_object (self->object_manager, MANAGER_PATH);
  return object != NULL ? nova_dbus_object_get_manager (NOVA_DBUS_OBJECT (object)) : NULL;
}

/* ---- listing and looking up ------------------------------------------ */

typedef gpointer (*InterfaceGetter) (NovaDBusObject *object);

static gint
compare_by_path (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (g_dbus_proxy_get_object_path ((GDBusProxy *) a), g_dbus_proxy_get_object_path ((GDBusProxy *) b));
}

/* Dispatches what has arrived (an InterfacesAdded that came before the
 * reply a synchronous call just returned), when this thread may run the
 * client's context: a lookup then finds what the daemon has already
 * announced. */
static void
catch_up (NovaVolumeClient *self)
{
  if (!g_main_context_acquire (self->context))
    return;
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_main_context_release (self->context);
}

/* the interfaces of the objects under @prefix, sorted by object path */
static GList *
objects_under (NovaVolumeClient *self, const char *prefix, InterfaceGetter getter)
{
  GList *objects = NULL;

  catch_up (self);
  objects = g_dbus_object_manager_get_objects (self->object_manager);
  GList *found = NULL;

  for (GList *l = objects; l != NULL; l = l->next)
    {
      gpointer iface = g_str_has_prefix (g_dbus_object_get_object_path (l->data), prefix)
                       ? getter (NOVA_DBUS_OBJECT (l->data)) : NULL;

      if (iface != NULL)
        found = g_list_prepend (found, iface);
    }
  g_list_free_full (objects, g_object_unref);
  return g_list_sort (found, compare_by_path);
}

/**
 * nova_volume_client_get_volumes:
 * @self: a #NovaVolumeClient
 *
 * Every volume the service has.
 *
 * Returns: (transfer full) (element-type NovaDBusVolume): every volume,
 *   by object path
 */
GList *
nova_volume_client_get_volumes (NovaVolumeClient *self)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_CLIENT (self), NULL);
  return objects_under (self, VOLUMES, (InterfaceGetter) nova_dbus_object_get_volume);
}

/**
 * nova_volume_client_get_snapshots:
 * @self: a #NovaVolumeClient
 *
 * Every snapshot the service has.
 *
 * Returns: (transfer full) (element-type NovaDBusSnapshot): every snapshot
 */
GList *
nova_volume_client_get_snapshots (NovaVolumeClient *self)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_CLIENT (self), NULL);
  return objects_under (self, SNAPSHOTS, (InterfaceGetter) nova_dbus_object_get_snapshot);
}

/**
 * nova_volume_client_get_jobs:
 * @self: a #NovaVolumeClient
 *
 * The long operations (copies) that run now.
 *
 * Returns: (transfer full) (element-type NovaDBusJob): the running Jobs
 */
GList *
nova_volume_client_get_jobs (NovaVolumeClient *self)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_CLIENT (self), NULL);
  return objects_under (self, JOBS, (InterfaceGetter) nova_dbus_object_get_job);
}

/**
 * nova_volume_client_get_backends:
 * @self: a #NovaVolumeClient
 *
 * The backends the service serves, up or down.
 *
 * Returns: (transfer full) (element-type NovaDBusBackend): the backends
 */
GList *
nova_volume_client_get_backends (NovaVolumeClient *self)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_CLIENT (self), NULL);
  return objects_under (self, BACKENDS, (InterfaceGetter) nova_dbus_object_get_backend);
}

/**
 * nova_volume_client_get_backups:
 * @self: a #NovaVolumeClient
 *
 * Every backup the service knows, in its repository.
 *
 * Returns: (transfer full) (element-type NovaDBusBackup): every backup
 */
GList *
nova_volume_client_get_backups (NovaVolumeClient *self)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_CLIENT (self), NULL);
  return objects_under (self, BACKUPS, (InterfaceGetter) nova_dbus_object_get_backup);
}

/**
 * nova_volume_client_get_attachments:
 * @self: a #NovaVolumeClient
 *
 * Every attachment of every volume (a volume's Attachments names its own).
 *
 * Returns: (transfer full) (element-type NovaDBusAttachment): every attachment
 */
GList *
nova_volume_client_get_attachments (NovaVolumeClient *self)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_CLIENT (self), NULL);
  return objects_under (self, ATTACHMENTS, (InterfaceGetter) nova_dbus_object_get_attachment);
}

/* the id an object path ends with: its '_' were '-' */
static char *
id_of (GDBusProxy *proxy)
{
  return g_strdelimit (g_path_get_basename (g_dbus_proxy_get_object_path (proxy)), "_", '-');
}

static char *
name_of (GDBusProxy *proxy)
{
  g_autoptr(GVariant) name = g_dbus_proxy_get_cached_property (proxy, "Name");

  return name != NULL && g_variant_is_of_type (name, G_VARIANT_TYPE_STRING) ? g_variant_dup_string (name, NULL)
                                                                              : NULL;
}

/* The one object of @candidates that @what names: its object path, its
 * id, its name, or a unique prefix of its id (as stratis and cinder
 * take them); NotFound for none, InvalidArgument naming the candidates
 * when several match. Takes @candidates. */
static gpointer
pick (GList *candidates, const char *what, const char *kind, GError **error)
{
  g_autoptr(GPtrArray) matches = g_ptr_array_new ();
  gpointer found = NULL;
  g_autoptr(GString) ids = NULL;

  g_return_val_if_fail (what != NULL, NULL);
  /* exact: the path or the id, then the name */
  for (int pass = 0; pass < 3 && matches->len == 0; pass++)
    for (GList *l = candidates; l != NULL; l = l->next)
      {
        g_autofree char *id = id_of (l->data);
        g_autofree char *name = pass == 1 ? name_of (l->data) : NULL;
        const char *path = g_dbus_proxy_get_object_path (l->data);
        /* the ID as the object path spells it ('_' for '-') is the ID too */
        gboolean match = pass == 0 ? g_str_equal (path, what) || g_str_equal (id, what)
                                     || g_str_equal (strrchr (path, '/') + 1, what)
                       : pass == 1 ? g_strcmp0 (name, what) == 0 && *what != '\0'
                       : strlen (what) >= MIN_ID_PREFIX && g_str_has_prefix (id, what);

        if (match)
          g_ptr_array_add (matches, l->data);
      }
  if (matches->len == 1)
    found = g_object_ref (g_ptr_array_index (matches, 0));
  else if (matches->len == 0)
    g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND, "no %s is \u201c%s\u201d", kind, what);
  else
    {
      ids = g_string_new (NULL);
      for (guint i = 0; i < matches->len; i++)
        {
          g_autofree char *id = id_of (g_ptr_array_index (matches, i));

          g_string_append_printf (ids, "%s%s", i > 0 ? ", " : "", id);
        }
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "\u201c%s\u201d names %u %ss (%s): give the whole ID", what, matches->len, kind, ids->str);
    }
  g_list_free_full (candidates, g_object_unref);
  return found;
}

/**
 * nova_volume_client_lookup_volume:
 * @self: a #NovaVolumeClient
 * @what: the volume's object path, ID, name, or a unique prefix of its ID
 *   (4 characters at least)
 * @error: return location for a #GError
 *
 * Finds a volume by what a person would type.
 *
 * Returns: (transfer full) (nullable): the volume, or %NULL with @error set
 *   (%NOVA_VOLUME_ERROR_NOT_FOUND, or %NOVA_VOLUME_ERROR_INVALID_ARGUMENT
 *   when several match)
 */
NovaDBusVolume *
nova_volume_client_lookup_volume (NovaVolumeClient *self, const char *what, GError **error)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_CLIENT (self), NULL);
  return pick (nova_volume_client_get_volumes (self), what, "volume", error);
}

/**
 * nova_volume_client_lookup_snapshot:
 * @self: a #NovaVolumeClient
 * @what: as for nova_volume_client_lookup_volume()
 * @error: return location for a #GError
 *
 * Finds a snapshot by what a person would type.
 *
 * Returns: (transfer full) (nullable): the snapshot, or %NULL with @error set
 */
NovaDBusSnapshot *
nova_volume_client_lookup_snapshot (NovaVolumeClient *self, const char *what, GError **error)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_CLIENT (self), NULL);
  return pick (nova_volume_client_get_snapshots (self), what, "snapshot", error);
}

/**
 * nova_volume_client_lookup_backup:
 * @self: a #NovaVolumeClient
 * @what: as for nova_volume_client_lookup_volume()
 * @error: return location for a #GError
 *
 * Finds a backup by what a person would type.
 *
 * Returns: (transfer full) (nullable): the backup, or %NULL with @error set
 */
NovaDBusBackup *
nova_volume_client_lookup_backup (NovaVolumeClient *self, const char *what, GError **error)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_CLIENT (self), NULL);
  return pick (nova_volume_client_get_backups (self), what, "backup", error);
}

/**
 * nova_volume_client_lookup_attachment:
 * @self: a #NovaVolumeClient
 * @what: the attachment's object path, ID, or a unique prefix of its ID
 * @error: return location for a #GError
 *
 * Finds an attachment (an attachment has no name).
 *
 * Returns: (transfer full) (nullable): the attachment, or %NULL with @error set
 */
NovaDBusAttachment *
nova_volume_client_lookup_attachment (NovaVolumeClient *self, const char *what, GError **error)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_CLIENT (self), NULL);
  return pick (nova_volume_client_get_attachments (self), what, "attachment", error);
}

/**
 * nova_volume_client_lookup_job:
 * @self: a #NovaVolumeClient
 * @what: the Job's object path or number
 * @error: return location for a #GError
 *
 * Finds a running Job.
 *
 * Returns: (transfer full) (nullable): the Job, or %NULL with @error set
 */
NovaDBusJob *
nova_volume_client_lookup_job (NovaVolumeClient *self, const char *what, GError **error)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_CLIENT (self), NULL);
  return pick (nova_volume_client_get_jobs (self), what, "job", error);
}

/**
 * nova_volume_client_lookup_backend:
 * @self: a #NovaVolumeClient
 * @name: the backend's name or object path
 * @error: return location for a #GError
 *
 * Finds a backend by its name.
 *
 * Returns: (transfer full) (nullable): the backend, or %NULL with @error set
 */
NovaDBusBackend *
nova_volume_client_lookup_backend (NovaVolumeClient *self, const char *name, GError **error)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_CLIENT (self), NULL);
  return pick (nova_volume_client_get_backends (self), name, "backend", error);
}

/* ---- waiting ----------------------------------------------------------- */

typedef struct {
  const char *path;      /* the object waited on */
  gboolean    changed;   /* something to look at again */
  gboolean    removed;   /* it went away */
  gboolean    completed; /* a Job's Completed came */
  gboolean    success;
  char       *message;
} Wait;

static void
on_changed (gpointer source, gpointer a, gpointer b, Wait *wait)
{
  wait->changed = TRUE;
}

static void
on_removed (GDBusObjectManager *manager, GDBusObject *object, Wait *wait)
{
  if (g_str_equal (g_dbus_object_get_object_path (object), wait->path))
    wait->removed = TRUE;
  wait->changed = TRUE;
}

static void
on_completed (NovaDBusJob *job, gboolean success, const char *message, Wait *wait)
{
  wait->completed = TRUE;
  wait->success = success;
  g_free (wait->message);
  wait->message = g_strdup (message);
  wait->changed = TRUE;
}

static void
on_cancelled (GCancellable *cancellable, GMainContext *context)
{
  g_main_context_wakeup (context);
}

/* runs the client's context until something happens to @wait or
 * @cancellable is cancelled (FALSE) */
static gboolean
wait_once (NovaVolumeClient *self, Wait *wait, GCancellable *cancellable, GError **error)
{
  while (!wait->changed)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      g_main_context_iteration (self->context, TRUE);
    }
  wait->changed = FALSE;
  return TRUE;
}

/**
 * nova_volume_client_wait_for_status:
 * @self: a #NovaVolumeClient
 * @object: a volume or a snapshot (#NovaDBusVolume, #NovaDBusSnapshot)
 * @status: the Status to wait for ("available", "in-use", ...)
 * @cancellable: (nullable): a #GCancellable, to give up
 * @error: return location for a #GError
 *
 * Runs the main context the client was made in until @object's Status is
 * @status. Fails when it goes to an error status instead
 * (%NOVA_VOLUME_ERROR_INVALID_STATE, with its StatusReason), when it goes
 * away (%NOVA_VOLUME_ERROR_NOT_FOUND), or when @cancellable is cancelled.
 *
 * Returns: %TRUE when @object has @status
 */
gboolean
nova_volume_client_wait_for_status (NovaVolumeClient *self, GDBusProxy *object, const char *status,
                                    GCancellable *cancellable, GError **error)
{
  Wait wait = { g_dbus_proxy_get_object_path (object), TRUE, FALSE, FALSE, FALSE, NULL };
  gulong changed_id = g_signal_connect (object, "g-properties-changed", G_CALLBACK (on_changed), &wait);
  gulong removed_id = g_signal_connect (self->object_manager, "object-removed", G_CALLBACK (on_removed), &wait);
  gulong cancelled_id = cancellable != NULL ? g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled),
                                                                     self->context, NULL) : 0;
  gboolean done = FALSE;
  g_autoptr(GDBusObject) still = NULL;

  g_return_val_if_fail (NOVA_VOLUME_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (status != NULL, FALSE);
  /* a proxy keeps its last properties after its object went away */
  catch_up (self);
  still = g_dbus_object_manager_get_object (self->object_manager, wait.path);
  wait.removed = still == NULL;
  while (!done && wait_once (self, &wait, cancellable, error))
    {
      g_autoptr(GVariant) now = g_dbus_proxy_get_cached_property (object, "Status");
      const char *current = now != NULL ? g_variant_get_string (now, NULL) : "";

      if (wait.removed)
        {
          g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND, "%s went away", wait.path);
          break;
        }
      if (g_str_equal (current, status))
        done = TRUE;
      else if (g_str_has_prefix (current, "error") && !g_str_has_prefix (status, "error"))
        {
          g_autoptr(GVariant) reason = g_dbus_proxy_get_cached_property (object, "StatusReason");

          g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_STATE, "%s is %s: %s", wait.path, current,
                       reason != NULL ? g_variant_get_string (reason, NULL) : "");
          break;
        }
    }
  g_signal_handler_disconnect (object, changed_id);
  g_signal_handler_disconnect (self->object_manager, removed_id);
  g_cancellable_disconnect (cancellable, cancelled_id);
  return done;
}

/**
 * nova_volume_client_wait_for_job:
 * @self: a #NovaVolumeClient
 * @job: a running Job
 * @cancellable: (nullable): a #GCancellable, to give up waiting (the Job
 *   goes on; Cancel it with nova_dbus_job_call_cancel())
 * @error: return location for a #GError
 *
 * Runs the main context the client was made in until @job ends.
 *
 * Returns: %TRUE when it succeeded (or had ended before the wait began);
 *   %FALSE with its message in @error when it failed
 */
gboolean
nova_volume_client_wait_for_job (NovaVolumeClient *self, NovaDBusJob *job, GCancellable *cancellable, GError **error)
{
  Wait wait = { g_dbus_proxy_get_object_path (G_DBUS_PROXY (job)), FALSE, FALSE, FALSE, FALSE, NULL };
  gulong completed_id = g_signal_connect (job, "completed", G_CALLBACK (on_completed), &wait);
  gulong removed_id = g_signal_connect (self->object_manager, "object-removed", G_CALLBACK (on_removed), &wait);
  gulong cancelled_id = cancellable != NULL ? g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled),
                                                                     self->context, NULL) : 0;
  g_autoptr(GDBusObject) still = NULL;
  gboolean ok = TRUE;

  g_return_val_if_fail (NOVA_VOLUME_IS_CLIENT (self), FALSE);
  catch_up (self);
  still = g_dbus_object_manager_get_object (self->object_manager, wait.path);
  wait.removed = still == NULL && !wait.completed;
  while (!wait.completed && !wait.removed && (ok = wait_once (self, &wait, cancellable, error)))
    ;
  if (ok && wait.completed && !wait.success)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED, "%s", wait.message);
      ok = FALSE;
    }
  g_signal_handler_disconnect (job, completed_id);
  g_signal_handler_disconnect (self->object_manager, removed_id);
  g_cancellable_disconnect (cancellable, cancelled_id);
  g_free (wait.message);
  return ok;
}
