/* nova-volume: the D-Bus face of the manager.
 *
 * Every interface skeleton is made by export_interface(), which connects
 * the authorization handler before the interface is on the bus: no method
 * can be reached without passing NovaVolumeAuth. Handlers only parse and
 * check their arguments; the manager does the work and commits it, and
 * its "*-changed" signals update the properties afterwards. */
#include "config.h"

#include <unistd.h>

#include <gio/gunixfdlist.h>

#include "nova-dbus-generated.h"
#include "nova-volume-daemon.h"
#include "nova-volume-error.h"
#include "nova-volume-log.h"
#include "nova-volume-property-reads.h"

struct _NovaVolumeDaemon {
  GObject                   parent_instance;
  GDBusConnection          *connection;
  NovaVolumeManager        *manager;
  NovaVolumeAuth           *auth;
  GDBusObjectManagerServer *object_manager;
  NovaVolumePropertyReads  *property_reads;  /* Get, GetAll and GetManagedObjects off the main loop */
  NovaDBusManager          *manager_iface;
  GHashTable               *volume_ifaces;    /* id -> NovaDBusVolume */
  GHashTable               *snapshot_ifaces;  /* id -> NovaDBusSnapshot */
  GHashTable               *backup_ifaces;    /* id -> NovaDBusBackup */
  GHashTable               *attachment_ifaces; /* id -> NovaDBusAttachment */
  GHashTable               *job_ifaces;       /* NovaVolumeJob -> NovaDBusJob */
  GPtrArray                *backend_ifaces;   /* NovaDBusBackend, one per backend */
  guint                     missing_volumes_id;
  guint                     missing_snapshots_id;
  gboolean                  shutting_down;
};

G_DEFINE_TYPE (NovaVolumeDaemon, nova_volume_daemon, G_TYPE_OBJECT)

/* ---- paths ----------------------------------------------------------- */

static char *
path_for (const char *prefix, const char *id)
{
  g_autofree char *escaped = g_strdelimit (g_strdup (id), "-", '_');

  return g_strconcat (prefix, escaped, NULL);
}

char *
nova_volume_daemon_volume_path (const char *id)
{
  return path_for (NOVA_VOLUME_DBUS_VOLUMES, id);
}

char *
nova_volume_daemon_snapshot_path (const char *id)
{
  return path_for (NOVA_VOLUME_DBUS_SNAPSHOTS, id);
}

char *
nova_volume_daemon_attachment_path (const char *id)
{
  return path_for (NOVA_VOLUME_DBUS_ATTACHMENTS, id);
}

char *
nova_volume_daemon_backup_path (const char *id)
{
  return path_for (NOVA_VOLUME_DBUS_BACKUPS, id);
}

char *
nova_volume_daemon_id_from_path (const char *path, const char *prefix, GError **error)
{
  const char *kind = g_str_equal (prefix, NOVA_VOLUME_DBUS_VOLUMES) ? "volume"
                     : g_str_equal (prefix, NOVA_VOLUME_DBUS_ATTACHMENTS) ? "attachment"
                     : g_str_equal (prefix, NOVA_VOLUME_DBUS_BACKUPS) ? "backup" : "snapshot";
  g_autofree char *id = NULL;

  if (path == NULL || !g_str_has_prefix (path, prefix))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "'%s' is not a %s object path (%s<id>)", path != NULL ? path : "", kind, prefix);
      return NULL;
    }
  id = g_strdelimit (g_strdup (path + strlen (prefix)), "_", '-');
  if (!g_uuid_string_is_valid (id))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "'%s' is not a %s object path: the last element must be a UUID", path, kind);
      return NULL;
    }
  return g_steal_pointer (&id);
}

static const char *
optional_path (const char *prefix, const char *id, char **storage)
{
  if (id == NULL)
    return "/";
  *storage = path_for (prefix, id);
  return *storage;
}

/* ---- replies --------------------------------------------------------- */

/* A failed change is an event (operation-failed); a failed reading call
 * is only the caller's business, and anyone may make those. */
static void
log_failure (GDBusMethodInvocation *invocation, const GError *error)
{
  const char *interface_name = g_dbus_method_invocation_get_interface_name (invocation);
  const char *method_name = g_dbus_method_invocation_get_method_name (invocation);
  const char *path = g_dbus_method_invocation_get_object_path (invocation);
  g_autofree char *volume_id = nova_volume_daemon_id_from_path (path, NOVA_VOLUME_DBUS_VOLUMES, NULL);
  g_autofree char *snapshot_id = nova_volume_daemon_id_from_path (path, NOVA_VOLUME_DBUS_SNAPSHOTS, NULL);
  const char *action = NULL;

  if (!nova_volume_auth_lookup_action (interface_name, method_name, &action) || action == NULL)
    {
      g_debug ("%s.%s failed: %s", interface_name, method_name, error->message);
      return;
    }
  nova_volume_log_event (NOVA_VOLUME_EVENT_OPERATION_FAILED, volume_id, snapshot_id,
                         "%s on %s failed (uid %u): %s", method_name, path,
                         nova_volume_auth_get_caller_uid (invocation), error->message);
}

static void
return_error (GDBusMethodInvocation *invocation, GError *error)
{
  nova_volume_error_convert (&error);
  log_failure (invocation, error);
  g_dbus_method_invocation_return_gerror (invocation, error);
  g_error_free (error);
}

/* A method call waiting for the manager. */
typedef struct {
  NovaVolumeDaemon      *daemon;
  GDBusMethodInvocation *invocation;
  gpointer               iface;       /* the generated skeleton, for complete_* */
  guint64                size_before; /* Extend: the volume's Size when called */
  char                  *target_path; /* Restore into a volume: its path */
} Call;

static Call *
call_new (NovaVolumeDaemon *daemon, GDBusMethodInvocation *invocation, gpointer iface)
{
  Call *call = g_new0 (Call, 1);

  call->daemon = g_object_ref (daemon);
  /* a handler that returns HANDLED owns the invocation: the call takes it */
  call->invocation = invocation;
  call->iface = g_object_ref (iface);
  return call;
}

static void
call_free (Call *call)
{
  g_object_unref (call->daemon);
  g_clear_object (&call->invocation);   /* NULL once answered */
  g_object_unref (call->iface);
  g_free (call->target_path);
  g_free (call);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Call, call_free)

/* Refuses calls while the daemon stops; TRUE when the call may go on. */
static gboolean
accepting_calls (NovaVolumeDaemon *self, GDBusMethodInvocation *invocation)
{
  if (!self->shutting_down)
    return TRUE;
  g_dbus_method_invocation_return_error_literal (invocation, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_BUSY,
                                                 "nova-volumed is shutting down; try again when it is back");
  return FALSE;
}

/* ---- options --------------------------------------------------------- */

typedef struct {
  const char *key;
  const char *type;      /* GVariant type string */
  GVariant  **value;     /* where to put it (a new reference) */
} OptionSpec;

/* Checks an a{sv} options dictionary against @specs: unknown keys and
 * wrong types are InvalidArgument naming the key. auth.no_user_interaction
 * is accepted everywhere (polkit reads it). */
static gboolean
parse_options (GVariant *options, const char *method, const OptionSpec *specs, gsize n_specs,
               GError **error)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_iter_init (&iter, options);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr(GVariant) owned = value;
      const OptionSpec *spec = NULL;
      const char *expected = NULL;

      if (g_str_equal (key, "auth.no_user_interaction"))
        expected = "b";
      for (gsize i = 0; i < n_specs && expected == NULL; i++)
        if (g_str_equal (key, specs[i].key))
          {
            spec = &specs[i];
            expected = spec->type;
          }
      if (expected == NULL)
        {
          g_autoptr(GString) known = g_string_new ("auth.no_user_interaction");

          for (gsize i = 0; i < n_specs; i++)
            g_string_append_printf (known, ", %s", specs[i].key);
          g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                       "%s does not take the option '%s' (it takes: %s)",
                       method, g_utf8_validate (key, -1, NULL) ? key : "(not UTF-8)", known->str);
          return FALSE;
        }
      if (!g_variant_is_of_type (value, G_VARIANT_TYPE (expected)))
        {
          g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                       "option '%s' of %s must be of type %s, not %s",
                       key, method, expected, g_variant_get_type_string (value));
          return FALSE;
        }
      if (spec != NULL)
        {
          g_clear_pointer (spec->value, g_variant_unref);
          *spec->value = g_steal_pointer (&owned);
        }
    }
  return TRUE;
}

static const char *
variant_string_or_null (GVariant *value)
{
  return value != NULL ? g_variant_get_string (value, NULL) : NULL;
}

/* ---- Manager interface ---------------------------------------------- */

static void
create_volume_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(Call) call = user_data;
  GError *error = NULL;
  g_autofree char *id = nova_volume_manager_create_volume_finish (NOVA_VOLUME_MANAGER (source), result, &error);
  g_autofree char *path = NULL;

  if (id == NULL)
    {
      return_error (g_steal_pointer (&call->invocation), error);
      return;
    }
  path = nova_volume_daemon_volume_path (id);
  nova_dbus_manager_complete_create_volume (call->iface, g_steal_pointer (&call->invocation), NULL, path);
}

/* The descriptor that handle @handle of the call's @fd_list carries (a
 * duplicate: close it), or -1 with InvalidArgument naming @what. */
static int
take_passed_fd (GUnixFDList *fd_list, GVariant *handle, const char *what, GError **error)
{
  gint32 index = g_variant_get_handle (handle);
  g_autoptr(GError) local_error = NULL;
  int fd;

  if (fd_list == NULL || index < 0 || index >= g_unix_fd_list_get_length (fd_list))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "%s is handle %d, but the call carries %d file descriptors: pass the descriptor with the "
                   "message (a Unix socket bus)", what, index, fd_list != NULL ? g_unix_fd_list_get_length (fd_list) : 0);
      return -1;
    }
  fd = g_unix_fd_list_get (fd_list, index, &local_error);
  if (fd < 0)
    g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT, "%s: %s", what, local_error->message);
  return fd;
}

static GHashTable *
metadata_from_variant (GVariant *metadata)
{
  GHashTable *table;
  GVariantIter iter;
  const char *key, *value;

  if (metadata == NULL)
    return NULL;
  table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_variant_iter_init (&iter, metadata);
  while (g_variant_iter_next (&iter, "{&s&s}", &key, &value))
    g_hash_table_replace (table, g_strdup (key), g_strdup (value));
  return table;
}

static gboolean
handle_create_volume (NovaDBusManager *iface, GDBusMethodInvocation *invocation, GUnixFDList *fd_list,
                      guint64 size, GVariant *options, NovaVolumeDaemon *self)
{
  g_autoptr(GVariant) name = NULL, description = NULL, snapshot = NULL, source = NULL;
  g_autoptr(GVariant) zone = NULL, metadata = NULL, backend = NULL, type = NULL;
  g_autoptr(GVariant) image_fd = NULL, image_format = NULL, multiattach = NULL, backup = NULL;
  const OptionSpec specs[] = {
    { "backup", "o", &backup },
    { "multiattach", "b", &multiattach },
    { "image-fd", "h", &image_fd },
    { "image-format", "s", &image_format },
    { "backend", "s", &backend },
    { "type", "s", &type },
    { "name", "s", &name },
    { "description", "s", &description },
    { "snapshot", "o", &snapshot },
    { "source-volume", "o", &source },
    { "availability-zone", "s", &zone },
    { "metadata", "a{ss}", &metadata },
  };
  g_autofree char *snapshot_id = NULL, *source_id = NULL, *backup_id = NULL;
  g_autoptr(GHashTable) metadata_table = NULL;
  NovaVolumeCreateRequest request = { 0 };
  int fd = -1;
  GError *error = NULL;

  if (!accepting_calls (self, invocation))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  if (!parse_options (options, "CreateVolume", specs, G_N_ELEMENTS (specs), &error)
      || (image_fd != NULL && (fd = take_passed_fd (fd_list, image_fd, "image-fd", &error)) < 0)
      || (snapshot != NULL
          && (snapshot_id = nova_volume_daemon_id_from_path (g_variant_get_string (snapshot, NULL),
                                                             NOVA_VOLUME_DBUS_SNAPSHOTS, &error)) == NULL)
      || (source != NULL
          && (source_id = nova_volume_daemon_id_from_path (g_variant_get_string (source, NULL),
                                                           NOVA_VOLUME_DBUS_VOLUMES, &error)) == NULL)
      || (backup != NULL
          && (backup_id = nova_volume_daemon_id_from_path (g_variant_get_string (backup, NULL),
                                                           NOVA_VOLUME_DBUS_BACKUPS, &error)) == NULL))
    {
      if (fd >= 0)
        close (fd);
      return_error (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  metadata_table = metadata_from_variant (metadata);

  request.size = size;
  request.name = variant_string_or_null (name);
  request.description = variant_string_or_null (description);
  request.snapshot_id = snapshot_id;
  request.source_volume_id = source_id;
  request.backup_id = backup_id;
  request.availability_zone = variant_string_or_null (zone);
  request.backend = variant_string_or_null (backend);
  request.volume_type = variant_string_or_null (type);
  request.metadata = metadata_table;
  request.with_image = image_fd != NULL;
  request.image_fd = fd;
  request.image_format = variant_string_or_null (image_format);
  request.caller_uid = nova_volume_auth_get_caller_uid (invocation);
  request.caller_bus_name = g_dbus_method_invocation_get_sender (invocation);
  request.multiattach = multiattach != NULL && g_variant_get_boolean (multiattach);
  nova_volume_manager_create_volume (self->manager, &request, NULL, create_volume_done,
                                     call_new (self, invocation, iface));
  /* the manager took its own duplicate */
  if (fd >= 0)
    close (fd);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
manage_existing_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(Call) call = user_data;
  GError *error = NULL;
  g_autofree char *id = nova_volume_manager_create_volume_finish (NOVA_VOLUME_MANAGER (source), result, &error);
  g_autofree char *path = NULL;

  if (id == NULL)
    {
      return_error (g_steal_pointer (&call->invocation), error);
      return;
    }
  path = nova_volume_daemon_volume_path (id);
  nova_dbus_manager_complete_manage_existing (call->iface, g_steal_pointer (&call->invocation), path);
}

static gboolean
handle_manage_existing (NovaDBusManager *iface, GDBusMethodInvocation *invocation, const char *reference,
                        GVariant *options, NovaVolumeDaemon *self)
{
  g_autoptr(GVariant) backend = NULL, name = NULL, description = NULL, metadata = NULL, keep_name = NULL;
  const OptionSpec specs[] = {
    { "backend", "s", &backend },
    { "name", "s", &name },
    { "description", "s", &description },
    { "metadata", "a{ss}", &metadata },
    { "keep-name", "b", &keep_name },
  };
  g_autoptr(GHashTable) metadata_table = NULL;
  NovaVolumeManageRequest request = { 0 };
  GError *error = NULL;

  if (!accepting_calls (self, invocation))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  if (!parse_options (options, "ManageExisting", specs, G_N_ELEMENTS (specs), &error))
    {
      return_error (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  metadata_table = metadata_from_variant (metadata);
  request.reference = reference;
  request.backend = variant_string_or_null (backend);
  request.name = variant_string_or_null (name);
  request.description = variant_string_or_null (description);
  request.metadata = metadata_table;
  request.keep_name = keep_name != NULL && g_variant_get_boolean (keep_name);
  nova_volume_manager_manage_existing (self->manager, &request, manage_existing_done,
                                       call_new (self, invocation, iface));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
get_volume_stats_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(Call) call = user_data;
  GError *error = NULL;
  g_autoptr(GVariant) stats = nova_volume_manager_get_volume_stats_finish (NOVA_VOLUME_MANAGER (source),
                                                                           result, &error);

  if (stats == NULL)
    {
      return_error (g_steal_pointer (&call->invocation), error);
      return;
    }
  nova_dbus_manager_complete_get_volume_stats (call->iface, g_steal_pointer (&call->invocation), stats);
}

static gboolean
handle_get_volume_stats (NovaDBusManager *iface, GDBusMethodInvocation *invocation,
                         gboolean refresh, NovaVolumeDaemon *self)
{
  if (!accepting_calls (self, invocation))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  nova_volume_manager_get_volume_stats (self->manager, refresh, get_volume_stats_done,
                                        call_new (self, invocation, iface));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- Volume interface ------------------------------------------------ */

/* The finish of every operation that returns nothing: completes the call
 * with an empty reply. */
static void
operation_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(Call) call = user_data;
  GError *error = NULL;

  if (!nova_volume_manager_operation_finish (NOVA_VOLUME_MANAGER (source), result, &error))
    {
      return_error (g_steal_pointer (&call->invocation), error);
      return;
    }
  g_dbus_method_invocation_return_value (g_steal_pointer (&call->invocation), NULL);
}

/* The skeletons of volumes and snapshots: their methods are the daemon's
 * through the interface's handle_* slots (the class handler of each
 * handle-* signal) and the class's g_authorize_method, so an object holds
 * one pointer to the daemon where a handler connected per method made 14
 * closures per volume (a sixth of the daemon's memory with 10,000). */
typedef struct {
  NovaDBusVolumeSkeleton parent_instance;
  NovaVolumeDaemon      *daemon;   /* not a reference: the daemon outlives them */
} NovaVolumeDaemonVolume;
typedef NovaDBusVolumeSkeletonClass NovaVolumeDaemonVolumeClass;
GType nova_volume_daemon_volume_get_type (void);

typedef struct {
  NovaDBusSnapshotSkeleton parent_instance;
  NovaVolumeDaemon        *daemon;
} NovaVolumeDaemonSnapshot;
typedef NovaDBusSnapshotSkeletonClass NovaVolumeDaemonSnapshotClass;
GType nova_volume_daemon_snapshot_get_type (void);

static NovaVolumeDaemon *
daemon_of (gpointer object)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (object, nova_volume_daemon_volume_get_type ()))
    return ((NovaVolumeDaemonVolume *) object)->daemon;
  g_assert (G_TYPE_CHECK_INSTANCE_TYPE (object, nova_volume_daemon_snapshot_get_type ()));
  return ((NovaVolumeDaemonSnapshot *) object)->daemon;
}

static const char *
volume_id_of (NovaDBusVolume *iface)
{
  return nova_dbus_volume_get_id (iface);
}

/* The common start of a Volume method with an options dictionary. */
static gboolean
begin_volume_call (NovaVolumeDaemon *self, GDBusMethodInvocation *invocation, GVariant *options,
                   const char *method, const OptionSpec *specs, gsize n_specs)
{
  GError *error = NULL;

  if (!accepting_calls (self, invocation))
    return FALSE;
  if (options != NULL && !parse_options (options, method, specs, n_specs, &error))
    {
      return_error (invocation, error);
      return FALSE;
    }
  return TRUE;
}

static gboolean
handle_volume_delete (NovaDBusVolume *iface, GDBusMethodInvocation *invocation,
                      GVariant *options)
{
  NovaVolumeDaemon *self = daemon_of (iface);
  if (begin_volume_call (self, invocation, options, "Delete", NULL, 0))
    nova_volume_manager_delete_volume (self->manager, volume_id_of (iface), operation_done,
                                       call_new (self, invocation, iface));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_volume_unmanage (NovaDBusVolume *iface, GDBusMethodInvocation *invocation,
                        GVariant *options)
{
  NovaVolumeDaemon *self = daemon_of (iface);
  if (begin_volume_call (self, invocation, options, "Unmanage", NULL, 0))
    nova_volume_manager_unmanage_volume (self->manager, volume_id_of (iface), operation_done,
                                         call_new (self, invocation, iface));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* An Extend's end: answered, then Extended for the hosts to rescan */
static void
extend_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(Call) call = user_data;
  GError *error = NULL;
  const NovaVolumeRecord *volume;

  if (!nova_volume_manager_operation_finish (NOVA_VOLUME_MANAGER (source), result, &error))
    {
      return_error (g_steal_pointer (&call->invocation), error);
      return;
    }
  g_dbus_method_invocation_return_value (g_steal_pointer (&call->invocation), NULL);
  volume = nova_volume_manager_lookup_volume (call->daemon->manager, volume_id_of (call->iface));
  if (volume != NULL && volume->size != call->size_before)
    nova_dbus_volume_emit_extended (call->iface, call->size_before, volume->size);
}

static gboolean
handle_volume_extend (NovaDBusVolume *iface, GDBusMethodInvocation *invocation,
                      guint64 size, GVariant *options)
{
  NovaVolumeDaemon *self = daemon_of (iface);
  Call *call;

  if (!begin_volume_call (self, invocation, options, "Extend", NULL, 0))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  call = call_new (self, invocation, iface);
  call->size_before = nova_dbus_volume_get_size (iface);
  nova_volume_manager_extend_volume (self->manager, volume_id_of (iface), size, extend_done, call);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Update of a volume (@snapshot_id NULL) or a snapshot */
static void
update (NovaVolumeDaemon *self, GDBusMethodInvocation *invocation, gpointer iface, GVariant *options,
        const char *volume_id, const char *snapshot_id)
{
  g_autoptr(GVariant) name = NULL, description = NULL, metadata = NULL, metadata_set = NULL, metadata_unset = NULL;
  const OptionSpec specs[] = {
    { "name", "s", &name },
    { "description", "s", &description },
    { "metadata", "a{ss}", &metadata },
    { "metadata-set", "a{ss}", &metadata_set },
    { "metadata-unset", "as", &metadata_unset },
  };
  g_autoptr(GHashTable) metadata_table = NULL, set_table = NULL;
  g_autofree const char **unset = NULL;
  NovaVolumeUpdate request = { 0 };

  /* a snapshot takes a name and a description only */
  if (!begin_volume_call (self, invocation, options, "Update", specs, volume_id != NULL ? G_N_ELEMENTS (specs) : 2))
    return;
  metadata_table = metadata_from_variant (metadata);
  set_table = metadata_from_variant (metadata_set);
  unset = metadata_unset != NULL ? g_variant_get_strv (metadata_unset, NULL) : NULL;
  request.name = variant_string_or_null (name);
  request.description = variant_string_or_null (description);
  request.metadata = metadata_table;
  request.metadata_set = set_table;
  request.metadata_unset = unset;
  if (volume_id != NULL)
    nova_volume_manager_update_volume (self->manager, volume_id, &request, operation_done,
                                       call_new (self, invocation, iface));
  else
    nova_volume_manager_update_snapshot (self->manager, snapshot_id, &request, operation_done,
                                         call_new (self, invocation, iface));
}

static gboolean
handle_volume_update (NovaDBusVolume *iface, GDBusMethodInvocation *invocation, GVariant *options)
{
  NovaVolumeDaemon *self = daemon_of (iface);
  update (self, invocation, iface, options, volume_id_of (iface), NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_volume_migrate (NovaDBusVolume *iface, GDBusMethodInvocation *invocation,
                       const char *backend, GVariant *options)
{
  NovaVolumeDaemon *self = daemon_of (iface);
  if (begin_volume_call (self, invocation, options, "Migrate", NULL, 0))
    nova_volume_manager_migrate_volume (self->manager, volume_id_of (iface), backend,
                                        nova_volume_auth_get_caller_uid (invocation),
                                        g_dbus_method_invocation_get_sender (invocation), operation_done,
                                        call_new (self, invocation, iface));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_volume_revert_to_snapshot (NovaDBusVolume *iface, GDBusMethodInvocation *invocation,
                                  const char *snapshot, GVariant *options)
{
  NovaVolumeDaemon *self = daemon_of (iface);
  g_autoptr(GVariant) any = NULL;
  const OptionSpec specs[] = {
    { "any", "b", &any },
  };
  g_autofree char *snapshot_id = NULL;
  GError *error = NULL;

  if (!begin_volume_call (self, invocation, options, "RevertToSnapshot", specs, G_N_ELEMENTS (specs)))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  snapshot_id = nova_volume_daemon_id_from_path (snapshot, NOVA_VOLUME_DBUS_SNAPSHOTS, &error);
  if (snapshot_id == NULL)
    {
      return_error (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  nova_volume_manager_revert_volume (self->manager, volume_id_of (iface), snapshot_id,
                                     any != NULL && g_variant_get_boolean (any), operation_done,
                                     call_new (self, invocation, iface));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* CopyToImage of a volume (@is_snapshot FALSE) or a snapshot */
static void
copy_to_image (NovaVolumeDaemon *self, GDBusMethodInvocation *invocation, gpointer iface, GUnixFDList *fd_list,
               GVariant *handle, const char *format, GVariant *options, gboolean is_snapshot, const char *id)
{
  g_autoptr(GVariant) compressed = NULL;
  const OptionSpec specs[] = { { "compressed", "b", &compressed } };
  GError *error = NULL;
  int fd;

  if (!begin_volume_call (self, invocation, options, "CopyToImage", specs, G_N_ELEMENTS (specs)))
    return;
  fd = take_passed_fd (fd_list, handle, "fd", &error);
  if (fd < 0)
    {
      return_error (invocation, error);
      return;
    }
  (is_snapshot ? nova_volume_manager_copy_snapshot_to_image : nova_volume_manager_copy_volume_to_image) (
    self->manager, id, fd, format, compressed != NULL && g_variant_get_boolean (compressed),
    nova_volume_auth_get_caller_uid (invocation), g_dbus_method_invocation_get_sender (invocation),
    operation_done, call_new (self, invocation, iface));
  /* the manager took its own duplicate */
  close (fd);
}

static gboolean
handle_volume_copy_to_image (NovaDBusVolume *iface, GDBusMethodInvocation *invocation, GUnixFDList *fd_list,
                             GVariant *handle, const char *format, GVariant *options)
{
  NovaVolumeDaemon *self = daemon_of (iface);
  copy_to_image (self, invocation, iface, fd_list, handle, format, options, FALSE, volume_id_of (iface));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
create_snapshot_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(Call) call = user_data;
  GError *error = NULL;
  g_autofree char *id = nova_volume_manager_create_snapshot_finish (NOVA_VOLUME_MANAGER (source),
                                                                     result, &error);
  g_autofree char *path = NULL;

  if (id == NULL)
    {
      return_error (g_steal_pointer (&call->invocation), error);
      return;
    }
  path = nova_volume_daemon_snapshot_path (id);
  nova_dbus_volume_complete_create_snapshot (call->iface, g_steal_pointer (&call->invocation), path);
}

static gboolean
handle_volume_create_snapshot (NovaDBusVolume *iface, GDBusMethodInvocation *invocation,
                               GVariant *options)
{
  NovaVolumeDaemon *self = daemon_of (iface);
  g_autoptr(GVariant) name = NULL, description = NULL, force = NULL;
  const OptionSpec specs[] = {
    { "name", "s", &name },
    { "description", "s", &description },
    { "force", "b", &force },
  };

  if (begin_volume_call (self, invocation, options, "CreateSnapshot", specs, G_N_ELEMENTS (specs)))
    nova_volume_manager_create_snapshot (self->manager, volume_id_of (iface),
                                         variant_string_or_null (name),
                                         variant_string_or_null (description),
                                         force != NULL && g_variant_get_boolean (force),
                                         create_snapshot_done, call_new (self, invocation, iface));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
attach_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(Call) call = user_data;
  GError *error = NULL;
  g_autofree char *id = nova_volume_manager_attach_finish (NOVA_VOLUME_MANAGER (source), result, &error);
  g_autofree char *path = NULL;

  if (id == NULL)
    {
      return_error (g_steal_pointer (&call->invocation), error);
      return;
    }
  path = nova_volume_daemon_attachment_path (id);
  nova_dbus_volume_complete_attach (call->iface, g_steal_pointer (&call->invocation), path);
}

static gboolean
handle_volume_attach (NovaDBusVolume *iface, GDBusMethodInvocation *invocation,
                      const char *instance_uuid, const char *mountpoint, GVariant *options)
{
  NovaVolumeDaemon *self = daemon_of (iface);
  g_autoptr(GVariant) host = NULL, mode = NULL, connector = NULL;
  const OptionSpec specs[] = {
    { "host", "s", &host },
    { "mode", "s", &mode },
    { "connector", "a{sv}", &connector },
  };
  NovaVolumeAttachRequest request = { 0 };

  if (!begin_volume_call (self, invocation, options, "Attach", specs, G_N_ELEMENTS (specs)))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  request.instance_uuid = instance_uuid;
  request.mountpoint = mountpoint;
  request.host = variant_string_or_null (host);
  request.mode = variant_string_or_null (mode);
  request.connector = connector;
  nova_volume_manager_attach (self->manager, volume_id_of (iface), &request, attach_done,
                              call_new (self, invocation, iface));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_volume_detach (NovaDBusVolume *iface, GDBusMethodInvocation *invocation,
                      GVariant *options)
{
  NovaVolumeDaemon *self = daemon_of (iface);
  g_autoptr(GVariant) attachment = NULL;
  const OptionSpec specs[] = { { "attachment", "o", &attachment } };
  g_autofree char *attachment_id = NULL;
  GError *error = NULL;

  if (!begin_volume_call (self, invocation, options, "Detach", specs, G_N_ELEMENTS (specs)))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  if (attachment != NULL
      && (attachment_id = nova_volume_daemon_id_from_path (g_variant_get_string (attachment, NULL),
                                                           NOVA_VOLUME_DBUS_ATTACHMENTS, &error)) == NULL)
    {
      return_error (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  nova_volume_manager_detach (self->manager, volume_id_of (iface), attachment_id, operation_done,
                              call_new (self, invocation, iface));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
initialize_connection_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(Call) call = user_data;
  GError *error = NULL;
  g_autoptr(GVariant) info = nova_volume_manager_initialize_connection_finish (NOVA_VOLUME_MANAGER (source),
                                                                               result, &error);

  if (info == NULL)
    {
      return_error (g_steal_pointer (&call->invocation), error);
      return;
    }
  nova_dbus_volume_complete_initialize_connection (call->iface, g_steal_pointer (&call->invocation), info);
}

static gboolean
handle_volume_initialize_connection (NovaDBusVolume *iface, GDBusMethodInvocation *invocation,
                                     GVariant *connector)
{
  NovaVolumeDaemon *self = daemon_of (iface);
  if (begin_volume_call (self, invocation, NULL, "InitializeConnection", NULL, 0))
    nova_volume_manager_initialize_connection (self->manager, volume_id_of (iface), connector,
                                               initialize_connection_done,
                                               call_new (self, invocation, iface));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_volume_terminate_connection (NovaDBusVolume *iface, GDBusMethodInvocation *invocation,
                                    GVariant *connector)
{
  NovaVolumeDaemon *self = daemon_of (iface);
  if (begin_volume_call (self, invocation, NULL, "TerminateConnection", NULL, 0))
    nova_volume_manager_terminate_connection (self->manager, volume_id_of (iface), connector,
                                              operation_done, call_new (self, invocation, iface));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_volume_check_for_export (NovaDBusVolume *iface, GDBusMethodInvocation *invocation)
{
  NovaVolumeDaemon *self = daemon_of (iface);
  if (!accepting_calls (self, invocation))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  nova_volume_manager_check_for_export (self->manager, volume_id_of (iface), operation_done,
                                        call_new (self, invocation, iface));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- Snapshot interface ---------------------------------------------- */

/* Backup of a volume (@is_snapshot FALSE) or a snapshot */
static void
backup_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(Call) call = user_data;
  GError *error = NULL;
  g_autofree char *id = nova_volume_manager_create_backup_finish (NOVA_VOLUME_MANAGER (source), result, &error);
  g_autofree char *path = NULL;

  if (id == NULL)
    {
      return_error (g_steal_pointer (&call->invocation), error);
      return;
    }
  path = nova_volume_daemon_backup_path (id);
  g_dbus_method_invocation_return_value (g_steal_pointer (&call->invocation), g_variant_new ("(o)", path));
}

static void
backup (NovaVolumeDaemon *self, GDBusMethodInvocation *invocation, gpointer iface, GVariant *options,
        gboolean is_snapshot, const char *id)
{
  g_autoptr(GVariant) name = NULL, description = NULL, incremental = NULL, force = NULL;
  const OptionSpec specs[] = {
    { "name", "s", &name },
    { "description", "s", &description },
    { "incremental", "b", &incremental },
    { "force", "b", &force },
  };
  NovaVolumeBackupRequest request = { 0 };

  /* a snapshot is backed up as it is: no force */
  if (!begin_volume_call (self, invocation, options, "Backup", specs, G_N_ELEMENTS (specs) - (is_snapshot ? 1 : 0)))
    return;
  request.volume_id = is_snapshot ? NULL : id;
  request.snapshot_id = is_snapshot ? id : NULL;
  request.name = variant_string_or_null (name);
  request.description = variant_string_or_null (description);
  request.incremental = incremental != NULL && g_variant_get_boolean (incremental);
  request.force = force != NULL && g_variant_get_boolean (force);
  request.caller_uid = nova_volume_auth_get_caller_uid (invocation);
  request.caller_bus_name = g_dbus_method_invocation_get_sender (invocation);
  nova_volume_manager_create_backup (self->manager, &request, backup_done, call_new (self, invocation, iface));
}

static gboolean
handle_volume_backup (NovaDBusVolume *iface, GDBusMethodInvocation *invocation, GVariant *options)
{
  backup (daemon_of (iface), invocation, iface, options, FALSE, volume_id_of (iface));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_snapshot_backup (NovaDBusSnapshot *iface, GDBusMethodInvocation *invocation, GVariant *options)
{
  backup (daemon_of (iface), invocation, iface, options, TRUE, nova_dbus_snapshot_get_id (iface));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_snapshot_delete (NovaDBusSnapshot *iface, GDBusMethodInvocation *invocation,
                        GVariant *options)
{
  NovaVolumeDaemon *self = daemon_of (iface);
  if (begin_volume_call (self, invocation, options, "Delete", NULL, 0))
    nova_volume_manager_delete_snapshot (self->manager, nova_dbus_snapshot_get_id (iface),
                                         operation_done, call_new (self, invocation, iface));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_snapshot_update (NovaDBusSnapshot *iface, GDBusMethodInvocation *invocation, GVariant *options)
{
  NovaVolumeDaemon *self = daemon_of (iface);
  update (self, invocation, iface, options, NULL, nova_dbus_snapshot_get_id (iface));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_snapshot_copy_to_image (NovaDBusSnapshot *iface, GDBusMethodInvocation *invocation, GUnixFDList *fd_list,
                               GVariant *handle, const char *format, GVariant *options)
{
  NovaVolumeDaemon *self = daemon_of (iface);
  copy_to_image (self, invocation, iface, fd_list, handle, format, options, TRUE, nova_dbus_snapshot_get_id (iface));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- objects --------------------------------------------------------- */

/* The only way an interface reaches the bus: with authorization. */
static gboolean
authorize_daemon_object (GDBusInterfaceSkeleton *skeleton, GDBusMethodInvocation *invocation)
{
  return nova_volume_auth_authorize_method (skeleton, invocation, daemon_of (skeleton)->auth);
}

static void
daemon_volume_iface_init (NovaDBusVolumeIface *iface)
{
  iface->handle_delete = handle_volume_delete;
  iface->handle_unmanage = handle_volume_unmanage;
  iface->handle_extend = handle_volume_extend;
  iface->handle_update = handle_volume_update;
  iface->handle_migrate = handle_volume_migrate;
  iface->handle_revert_to_snapshot = handle_volume_revert_to_snapshot;
  iface->handle_copy_to_image = handle_volume_copy_to_image;
  iface->handle_create_snapshot = handle_volume_create_snapshot;
  iface->handle_attach = handle_volume_attach;
  iface->handle_detach = handle_volume_detach;
  iface->handle_initialize_connection = handle_volume_initialize_connection;
  iface->handle_terminate_connection = handle_volume_terminate_connection;
  iface->handle_check_for_export = handle_volume_check_for_export;
  iface->handle_backup = handle_volume_backup;
}

G_DEFINE_TYPE_WITH_CODE (NovaVolumeDaemonVolume, nova_volume_daemon_volume, NOVA_DBUS_TYPE_VOLUME_SKELETON,
                         G_IMPLEMENT_INTERFACE (NOVA_DBUS_TYPE_VOLUME, daemon_volume_iface_init))

static void
nova_volume_daemon_volume_class_init (NovaVolumeDaemonVolumeClass *klass)
{
  G_DBUS_INTERFACE_SKELETON_CLASS (klass)->g_authorize_method = authorize_daemon_object;
}

static void
nova_volume_daemon_volume_init (NovaVolumeDaemonVolume *volume)
{
}

static void
daemon_snapshot_iface_init (NovaDBusSnapshotIface *iface)
{
  iface->handle_delete = handle_snapshot_delete;
  iface->handle_update = handle_snapshot_update;
  iface->handle_copy_to_image = handle_snapshot_copy_to_image;
  iface->handle_backup = handle_snapshot_backup;
}

G_DEFINE_TYPE_WITH_CODE (NovaVolumeDaemonSnapshot, nova_volume_daemon_snapshot, NOVA_DBUS_TYPE_SNAPSHOT_SKELETON,
                         G_IMPLEMENT_INTERFACE (NOVA_DBUS_TYPE_SNAPSHOT, daemon_snapshot_iface_init))

static void
nova_volume_daemon_snapshot_class_init (NovaVolumeDaemonSnapshotClass *klass)
{
  G_DBUS_INTERFACE_SKELETON_CLASS (klass)->g_authorize_method = authorize_daemon_object;
}

static void
nova_volume_daemon_snapshot_init (NovaVolumeDaemonSnapshot *snapshot)
{
}

/* Exports and unexports happen inside a change of the property reads
 * (nova-volume-property-reads.h), which list the same objects. */
static void
export_interface (NovaVolumeDaemon *self, const char *path, gpointer iface,
                  void (*set) (NovaDBusObjectSkeleton *, gpointer))
{
  g_autoptr(NovaDBusObjectSkeleton) object = nova_dbus_object_skeleton_new (path);

  /* the daemon's own skeletons authorize by their class */
  if (!G_TYPE_CHECK_INSTANCE_TYPE (iface, nova_volume_daemon_volume_get_type ())
      && !G_TYPE_CHECK_INSTANCE_TYPE (iface, nova_volume_daemon_snapshot_get_type ()))
    g_signal_connect (iface, "g-authorize-method", G_CALLBACK (nova_volume_auth_authorize_method), self->auth);
  set (object, iface);
  g_dbus_object_manager_server_export (self->object_manager, G_DBUS_OBJECT_SKELETON (object));
  nova_volume_property_reads_add (self->property_reads, path, G_DBUS_INTERFACE_SKELETON (iface));
}

static void
unexport (NovaVolumeDaemon *self, const char *path)
{
  nova_volume_property_reads_remove (self->property_reads, path);
  g_dbus_object_manager_server_unexport (self->object_manager, path);
}

/* Inside a change: @iface's properties were set. */
static void
changed (NovaVolumeDaemon *self, gpointer iface)
{
  nova_volume_property_reads_changed (self->property_reads, G_DBUS_INTERFACE_SKELETON (iface));
}

static void
set_volume_iface (NovaDBusObjectSkeleton *object, gpointer iface)
{
  nova_dbus_object_skeleton_set_volume (object, iface);
}

static void
set_snapshot_iface (NovaDBusObjectSkeleton *object, gpointer iface)
{
  nova_dbus_object_skeleton_set_snapshot (object, iface);
}

static void
set_attachment_iface (NovaDBusObjectSkeleton *object, gpointer iface)
{
  nova_dbus_object_skeleton_set_attachment (object, iface);
}

static void
set_job_iface (NovaDBusObjectSkeleton *object, gpointer iface)
{
  nova_dbus_object_skeleton_set_job (object, iface);
}

static void
set_backup_iface (NovaDBusObjectSkeleton *object, gpointer iface)
{
  nova_dbus_object_skeleton_set_backup (object, iface);
}

static void
set_manager_iface (NovaDBusObjectSkeleton *object, gpointer iface)
{
  nova_dbus_object_skeleton_set_manager (object, iface);
}

static void
set_backend_iface (NovaDBusObjectSkeleton *object, gpointer iface)
{
  nova_dbus_object_skeleton_set_backend (object, iface);
}

static GVariant *
metadata_variant (GHashTable *metadata)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a{ss}"));
  g_autoptr(GList) keys = g_list_sort (g_hash_table_get_keys (metadata), (GCompareFunc) g_strcmp0);

  for (GList *l = keys; l != NULL; l = l->next)
    g_variant_builder_add (&builder, "{ss}", l->data, g_hash_table_lookup (metadata, l->data));
  return g_variant_builder_end (&builder);
}

/* Copies a committed record into the properties. Never provider_auth. */
static void
sync_volume (NovaDBusVolume *iface, const NovaVolumeRecord *volume)
{
  g_autofree char *snapshot_path = NULL, *source_path = NULL;

  nova_dbus_volume_set_id (iface, volume->id);
  nova_dbus_volume_set_name (iface, volume->name);
  nova_dbus_volume_set_description (iface, volume->description);
  nova_dbus_volume_set_size (iface, volume->size);
  nova_dbus_volume_set_status (iface, nova_volume_status_to_string (volume->status));
  nova_dbus_volume_set_status_reason (iface, volume->status_reason);
  nova_dbus_volume_set_attach_status (iface, volume->attached ? "attached" : "detached");
  nova_dbus_volume_set_instance_uuid (iface, volume->instance_uuid);
  nova_dbus_volume_set_mountpoint (iface, volume->mountpoint);
  nova_dbus_volume_set_attached_host (iface, volume->attached_host);
  nova_dbus_volume_set_availability_zone (iface, volume->availability_zone);
  nova_dbus_volume_set_source_snapshot (iface, optional_path (NOVA_VOLUME_DBUS_SNAPSHOTS,
                                                              volume->source_snapshot_id, &snapshot_path));
  nova_dbus_volume_set_source_volume (iface, optional_path (NOVA_VOLUME_DBUS_VOLUMES,
                                                            volume->source_volume_id, &source_path));
  nova_dbus_volume_set_provider_location (iface, volume->provider_location);
  nova_dbus_volume_set_driver (iface, volume->driver);
  nova_dbus_volume_set_backend (iface, volume->backend);
  nova_dbus_volume_set_created_at (iface, (guint64) volume->created_at);
  nova_dbus_volume_set_metadata (iface, metadata_variant (volume->metadata));
  nova_dbus_volume_set_multiattach (iface, volume->multiattach);
  {
    g_autoptr(GStrvBuilder) paths = g_strv_builder_new ();
    g_auto(GStrv) list = NULL;

    for (guint i = 0; i < volume->attachments->len; i++)
      {
        const NovaAttachmentRecord *attachment = g_ptr_array_index (volume->attachments, i);
        g_autofree char *path = nova_volume_daemon_attachment_path (attachment->id);

        g_strv_builder_add (paths, path);
      }
    list = g_strv_builder_end (paths);
    nova_dbus_volume_set_attachments (iface, (const char *const *) list);
  }
}

static void
sync_attachment (NovaDBusAttachment *iface, const NovaVolumeRecord *volume, const NovaAttachmentRecord *attachment)
{
  g_autofree char *volume_path = nova_volume_daemon_volume_path (volume->id);
  g_autoptr(GVariant) connector = NULL;

  if (attachment->connector[0] != '\0')
    connector = g_variant_parse (G_VARIANT_TYPE_VARDICT, attachment->connector, NULL, NULL, NULL);
  nova_dbus_attachment_set_id (iface, attachment->id);
  nova_dbus_attachment_set_volume (iface, volume_path);
  nova_dbus_attachment_set_instance_uuid (iface, attachment->instance_uuid);
  nova_dbus_attachment_set_mountpoint (iface, attachment->mountpoint);
  nova_dbus_attachment_set_host (iface, attachment->host);
  nova_dbus_attachment_set_mode (iface, attachment->mode);
  nova_dbus_attachment_set_attached_at (iface, (guint64) attachment->attached_at);
  nova_dbus_attachment_set_connector (iface, connector != NULL ? connector : g_variant_new ("a{sv}", NULL));
}

/* The Attachment objects of @volume_id made to be @volume's attachments
 * (none when @volume is NULL: the volume is gone) */
static void
sync_attachments (NovaVolumeDaemon *self, const char *volume_id, const NovaVolumeRecord *volume)
{
  g_autofree char *volume_path = nova_volume_daemon_volume_path (volume_id);
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer id, iface;

  g_hash_table_iter_init (&iter, self->attachment_ifaces);
  while (g_hash_table_iter_next (&iter, &id, &iface))
    if (g_str_equal (nova_dbus_attachment_get_volume (iface), volume_path)
        && (volume == NULL || nova_volume_record_find_attachment (volume, id) == NULL))
      g_ptr_array_add (gone, g_strdup (id));
  for (guint i = 0; i < gone->len; i++)
    {
      g_autofree char *path = nova_volume_daemon_attachment_path (g_ptr_array_index (gone, i));

      unexport (self, path);
      g_hash_table_remove (self->attachment_ifaces, g_ptr_array_index (gone, i));
    }
  for (guint i = 0; volume != NULL && i < volume->attachments->len; i++)
    {
      const NovaAttachmentRecord *attachment = g_ptr_array_index (volume->attachments, i);
      NovaDBusAttachment *existing = g_hash_table_lookup (self->attachment_ifaces, attachment->id);
      g_autofree char *path = NULL;

      if (existing != NULL)
        {
          sync_attachment (existing, volume, attachment);
          changed (self, existing);
          continue;
        }
      existing = nova_dbus_attachment_skeleton_new ();
      sync_attachment (existing, volume, attachment);
      g_hash_table_insert (self->attachment_ifaces, g_strdup (attachment->id), existing);
      path = nova_volume_daemon_attachment_path (attachment->id);
      export_interface (self, path, existing, set_attachment_iface);
    }
}

static void
sync_snapshot (NovaDBusSnapshot *iface, const NovaSnapshotRecord *snapshot)
{
  g_autofree char *volume_path = nova_volume_daemon_volume_path (snapshot->volume_id);

  nova_dbus_snapshot_set_id (iface, snapshot->id);
  nova_dbus_snapshot_set_volume (iface, volume_path);
  nova_dbus_snapshot_set_name (iface, snapshot->name);
  nova_dbus_snapshot_set_description (iface, snapshot->description);
  nova_dbus_snapshot_set_size (iface, snapshot->size);
  nova_dbus_snapshot_set_status (iface, nova_snapshot_status_to_string (snapshot->status));
  nova_dbus_snapshot_set_status_reason (iface, snapshot->status_reason);
  nova_dbus_snapshot_set_progress (iface, snapshot->progress);
  nova_dbus_snapshot_set_created_at (iface, (guint64) snapshot->created_at);
}

static void
on_volume_changed (NovaVolumeManager *manager, const char *id, NovaVolumeDaemon *self)
{
  const NovaVolumeRecord *volume = nova_volume_manager_lookup_volume (manager, id);
  NovaDBusVolume *iface = g_hash_table_lookup (self->volume_ifaces, id);

  g_return_if_fail (volume != NULL);
  nova_volume_property_reads_change_begin (self->property_reads);
  if (iface == NULL)
    {
      g_autofree char *path = nova_volume_daemon_volume_path (id);

      iface = g_object_new (nova_volume_daemon_volume_get_type (), NULL);
      ((NovaVolumeDaemonVolume *) iface)->daemon = self;
      sync_volume (iface, volume);
      g_hash_table_insert (self->volume_ifaces, g_strdup (id), iface);
      /* its attachments first: the volume's Attachments name objects that exist */
      sync_attachments (self, id, volume);
      export_interface (self, path, iface, set_volume_iface);
    }
  else
    {
      sync_attachments (self, id, volume);
      sync_volume (iface, volume);
      changed (self, iface);
      /* PropertiesChanged now, not from an idle: a client must see the
       * new state no later than the reply of the call that made it */
      g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (iface));
    }
  nova_volume_property_reads_change_end (self->property_reads);
}

static void
on_volume_removed (NovaVolumeManager *manager, const char *id, NovaVolumeDaemon *self)
{
  g_autofree char *path = nova_volume_daemon_volume_path (id);

  nova_volume_property_reads_change_begin (self->property_reads);
  unexport (self, path);
  g_hash_table_remove (self->volume_ifaces, id);
  sync_attachments (self, id, NULL);
  nova_volume_property_reads_change_end (self->property_reads);
}

static void
on_snapshot_changed (NovaVolumeManager *manager, const char *id, NovaVolumeDaemon *self)
{
  const NovaSnapshotRecord *snapshot = nova_volume_manager_lookup_snapshot (manager, id);
  NovaDBusSnapshot *iface = g_hash_table_lookup (self->snapshot_ifaces, id);

  g_return_if_fail (snapshot != NULL);
  nova_volume_property_reads_change_begin (self->property_reads);
  if (iface == NULL)
    {
      g_autofree char *path = nova_volume_daemon_snapshot_path (id);

      iface = g_object_new (nova_volume_daemon_snapshot_get_type (), NULL);
      ((NovaVolumeDaemonSnapshot *) iface)->daemon = self;
      sync_snapshot (iface, snapshot);
      g_hash_table_insert (self->snapshot_ifaces, g_strdup (id), iface);
      export_interface (self, path, iface, set_snapshot_iface);
    }
  else
    {
      sync_snapshot (iface, snapshot);
      changed (self, iface);
      g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (iface));
    }
  nova_volume_property_reads_change_end (self->property_reads);
}

static void
on_snapshot_removed (NovaVolumeManager *manager, const char *id, NovaVolumeDaemon *self)
{
  g_autofree char *path = nova_volume_daemon_snapshot_path (id);

  nova_volume_property_reads_change_begin (self->property_reads);
  unexport (self, path);
  g_hash_table_remove (self->snapshot_ifaces, id);
  nova_volume_property_reads_change_end (self->property_reads);
}

/* ---- backups ---------------------------------------------------------- */

/* The Restore's volume, made or written into: its path is the answer. */
static void
restore_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(Call) call = user_data;
  GError *error = NULL;
  g_autofree char *path = NULL;

  if (call->target_path == NULL)
    {
      g_autofree char *id = nova_volume_manager_create_volume_finish (NOVA_VOLUME_MANAGER (source), result, &error);

      if (id != NULL)
        path = nova_volume_daemon_volume_path (id);
    }
  else if (nova_volume_manager_operation_finish (NOVA_VOLUME_MANAGER (source), result, &error))
    path = g_strdup (call->target_path);
  if (path == NULL)
    {
      return_error (g_steal_pointer (&call->invocation), error);
      return;
    }
  nova_dbus_backup_complete_restore (call->iface, g_steal_pointer (&call->invocation), path);
}

static gboolean
handle_backup_restore (NovaDBusBackup *iface, GDBusMethodInvocation *invocation, GVariant *options,
                       NovaVolumeDaemon *self)
{
  g_autoptr(GVariant) volume = NULL, name = NULL, backend = NULL, type = NULL;
  const OptionSpec specs[] = {
    { "volume", "o", &volume },
    { "name", "s", &name },
    { "backend", "s", &backend },
    { "type", "s", &type },
  };
  g_autofree char *volume_id = NULL;
  GError *error = NULL;
  Call *call;

  if (!begin_volume_call (self, invocation, options, "Restore", specs, G_N_ELEMENTS (specs)))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  if (volume != NULL
      && (volume_id = nova_volume_daemon_id_from_path (g_variant_get_string (volume, NULL), NOVA_VOLUME_DBUS_VOLUMES,
                                                       &error)) == NULL)
    {
      return_error (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  if (volume_id != NULL && (name != NULL || backend != NULL || type != NULL))
    {
      return_error (invocation, g_error_new_literal (NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                                                     "name, backend and type are for a new volume; a restore "
                                                     "into volume keeps the volume's name and place"));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  call = call_new (self, invocation, iface);
  if (volume_id != NULL)
    {
      call->target_path = g_strdup (g_variant_get_string (volume, NULL));
      nova_volume_manager_restore_backup (self->manager, nova_dbus_backup_get_id (iface), volume_id,
                                          nova_volume_auth_get_caller_uid (invocation),
                                          g_dbus_method_invocation_get_sender (invocation), restore_done, call);
    }
  else
    {
      NovaVolumeCreateRequest request = { 0 };

      request.backup_id = nova_dbus_backup_get_id (iface);
      request.name = variant_string_or_null (name);
      request.backend = variant_string_or_null (backend);
      request.volume_type = variant_string_or_null (type);
      request.caller_uid = nova_volume_auth_get_caller_uid (invocation);
      request.caller_bus_name = g_dbus_method_invocation_get_sender (invocation);
      nova_volume_manager_create_volume (self->manager, &request, NULL, restore_done, call);
    }
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_backup_delete (NovaDBusBackup *iface, GDBusMethodInvocation *invocation, GVariant *options,
                      NovaVolumeDaemon *self)
{
  if (begin_volume_call (self, invocation, options, "Delete", NULL, 0))
    nova_volume_manager_delete_backup (self->manager, nova_dbus_backup_get_id (iface), operation_done,
                                       call_new (self, invocation, iface));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* a reply of one a{sv}, the manager's */
static void
variant_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(Call) call = user_data;
  GError *error = NULL;
  g_autoptr(GVariant) value = nova_volume_manager_variant_finish (NOVA_VOLUME_MANAGER (source), result, &error);

  if (value == NULL)
    {
      return_error (g_steal_pointer (&call->invocation), error);
      return;
    }
  g_dbus_method_invocation_return_value (g_steal_pointer (&call->invocation), g_variant_new ("(@a{sv})", value));
}

static gboolean
handle_backup_verify (NovaDBusBackup *iface, GDBusMethodInvocation *invocation, GVariant *options,
                      NovaVolumeDaemon *self)
{
  if (begin_volume_call (self, invocation, options, "Verify", NULL, 0))
    nova_volume_manager_verify_backup (self->manager, nova_dbus_backup_get_id (iface),
                                       nova_volume_auth_get_caller_uid (invocation),
                                       g_dbus_method_invocation_get_sender (invocation), variant_done,
                                       call_new (self, invocation, iface));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_import_backups (NovaDBusManager *iface, GDBusMethodInvocation *invocation, GVariant *options,
                       NovaVolumeDaemon *self)
{
  if (begin_volume_call (self, invocation, options, "ImportBackups", NULL, 0))
    nova_volume_manager_import_backups (self->manager, variant_done, call_new (self, invocation, iface));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Copies a committed record into the properties; never where the
 * repository is. */
static void
sync_backup (NovaVolumeDaemon *self, NovaDBusBackup *iface, const NovaBackupRecord *backup)
{
  g_autofree char *parent_path = NULL;

  nova_dbus_backup_set_id (iface, backup->id);
  nova_dbus_backup_set_volume (iface, backup->volume_id);
  nova_dbus_backup_set_snapshot (iface, backup->snapshot_id);
  nova_dbus_backup_set_name (iface, backup->name);
  nova_dbus_backup_set_description (iface, backup->description);
  nova_dbus_backup_set_size (iface, backup->size);
  nova_dbus_backup_set_stored_bytes (iface, backup->stored_bytes);
  nova_dbus_backup_set_status (iface, nova_backup_status_to_string (backup->status));
  nova_dbus_backup_set_status_reason (iface, backup->status_reason);
  nova_dbus_backup_set_parent (iface, optional_path (NOVA_VOLUME_DBUS_BACKUPS,
                                                    backup->parent_id[0] != '\0' ? backup->parent_id : NULL,
                                                    &parent_path));
  nova_dbus_backup_set_created_at (iface, (guint64) backup->created_at);
  nova_dbus_backup_set_repository (iface, nova_volume_manager_get_backup_kind (self->manager));
}

static void
on_backup_changed (NovaVolumeManager *manager, const char *id, NovaVolumeDaemon *self)
{
  const NovaBackupRecord *backup = nova_volume_manager_lookup_backup (manager, id);
  NovaDBusBackup *iface = g_hash_table_lookup (self->backup_ifaces, id);

  g_return_if_fail (backup != NULL);
  nova_volume_property_reads_change_begin (self->property_reads);
  if (iface == NULL)
    {
      g_autofree char *path = nova_volume_daemon_backup_path (id);

      iface = nova_dbus_backup_skeleton_new ();
      sync_backup (self, iface, backup);
      g_signal_connect (iface, "handle-restore", G_CALLBACK (handle_backup_restore), self);
      g_signal_connect (iface, "handle-delete", G_CALLBACK (handle_backup_delete), self);
      g_signal_connect (iface, "handle-verify", G_CALLBACK (handle_backup_verify), self);
      g_hash_table_insert (self->backup_ifaces, g_strdup (id), iface);
      export_interface (self, path, iface, set_backup_iface);
    }
  else
    {
      sync_backup (self, iface, backup);
      changed (self, iface);
      g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (iface));
    }
  nova_volume_property_reads_change_end (self->property_reads);
}

static void
on_backup_removed (NovaVolumeManager *manager, const char *id, NovaVolumeDaemon *self)
{
  g_autofree char *path = nova_volume_daemon_backup_path (id);

  nova_volume_property_reads_change_begin (self->property_reads);
  unexport (self, path);
  g_hash_table_remove (self->backup_ifaces, id);
  nova_volume_property_reads_change_end (self->property_reads);
}

/* ---- jobs ------------------------------------------------------------ */

static char *
job_path (NovaVolumeJob *job)
{
  return g_strdup_printf (NOVA_VOLUME_DBUS_JOBS "%u", nova_volume_job_get_number (job));
}

static gboolean
handle_job_cancel (NovaDBusJob *iface, GDBusMethodInvocation *invocation, GVariant *options,
                   NovaVolumeJob *job)
{
  g_autoptr(GError) error = NULL;

  if (!parse_options (options, "Cancel", NULL, 0, &error))
    {
      return_error (invocation, g_steal_pointer (&error));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  if (!nova_volume_job_get_cancelable (job))
    {
      return_error (invocation, g_error_new (NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_SUPPORTED,
                                             "job %u (%s) cannot be cancelled; it runs to its end",
                                             nova_volume_job_get_number (job),
                                             nova_volume_job_get_operation (job)));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  g_message ("cancelling job %u (%s)", nova_volume_job_get_number (job), nova_volume_job_get_operation (job));
  nova_volume_job_cancel (job);
  nova_dbus_job_complete_cancel (iface, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_job_progress (NovaVolumeJob *job, GParamSpec *pspec, NovaVolumeDaemon *self)
{
  NovaDBusJob *iface = g_hash_table_lookup (self->job_ifaces, job);

  g_return_if_fail (iface != NULL);
  nova_volume_property_reads_change_begin (self->property_reads);
  nova_dbus_job_set_progress (iface, nova_volume_job_get_progress (job));
  nova_dbus_job_set_rate (iface, nova_volume_job_get_rate (job));
  changed (self, iface);
  nova_volume_property_reads_change_end (self->property_reads);
}

static void
on_job_completed (NovaVolumeJob *job, gboolean success, const char *message, NovaVolumeDaemon *self)
{
  NovaDBusJob *iface = g_hash_table_lookup (self->job_ifaces, job);

  g_return_if_fail (iface != NULL);
  /* the last progress first, so a client sees 1.0 before Completed */
  nova_volume_property_reads_change_begin (self->property_reads);
  nova_dbus_job_set_progress (iface, nova_volume_job_get_progress (job));
  changed (self, iface);
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (iface));
  nova_volume_property_reads_change_end (self->property_reads);
  nova_dbus_job_emit_completed (iface, success, message);
}

static void
on_job_added (NovaVolumeManager *manager, NovaVolumeJob *job, NovaVolumeDaemon *self)
{
  g_autoptr(GPtrArray) objects = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *path = job_path (job);
  NovaDBusJob *iface = nova_dbus_job_skeleton_new ();
  const char *const *ids;

  for (ids = nova_volume_job_get_volume_ids (job); *ids != NULL; ids++)
    g_ptr_array_add (objects, nova_volume_daemon_volume_path (*ids));
  for (ids = nova_volume_job_get_snapshot_ids (job); *ids != NULL; ids++)
    g_ptr_array_add (objects, nova_volume_daemon_snapshot_path (*ids));
  if (nova_volume_job_get_backup_id (job) != NULL)
    g_ptr_array_add (objects, nova_volume_daemon_backup_path (nova_volume_job_get_backup_id (job)));
  g_ptr_array_add (objects, NULL);

  nova_dbus_job_set_operation (iface, nova_volume_job_get_operation (job));
  nova_dbus_job_set_objects (iface, (const char *const *) objects->pdata);
  nova_dbus_job_set_progress (iface, nova_volume_job_get_progress (job));
  nova_dbus_job_set_bytes (iface, nova_volume_job_get_bytes (job));
  nova_dbus_job_set_started_at (iface, (guint64) nova_volume_job_get_started_at (job));
  nova_dbus_job_set_started_by_uid (iface, nova_volume_job_get_started_by_uid (job));
  nova_dbus_job_set_started_by (iface, nova_volume_job_get_started_by (job));
  nova_dbus_job_set_cancelable (iface, nova_volume_job_get_cancelable (job));
  g_signal_connect_data (iface, "handle-cancel", G_CALLBACK (handle_job_cancel), g_object_ref (job),
                         (GClosureNotify) (void (*) (void)) g_object_unref, 0);
  g_signal_connect_object (job, "notify::progress", G_CALLBACK (on_job_progress), self, 0);
  g_signal_connect_object (job, "completed", G_CALLBACK (on_job_completed), self, 0);
  g_hash_table_insert (self->job_ifaces, g_object_ref (job), iface);
  nova_volume_property_reads_change_begin (self->property_reads);
  export_interface (self, path, iface, set_job_iface);
  nova_volume_property_reads_change_end (self->property_reads);
}

static void
on_job_removed (NovaVolumeManager *manager, NovaVolumeJob *job, NovaVolumeDaemon *self)
{
  g_autofree char *path = job_path (job);

  g_signal_handlers_disconnect_by_data (job, self);
  nova_volume_property_reads_change_begin (self->property_reads);
  unexport (self, path);
  nova_volume_property_reads_change_end (self->property_reads);
  g_hash_table_remove (self->job_ifaces, job);
}

static void
export_manager (NovaVolumeDaemon *self)
{
  NovaVolumeConfig *config = nova_volume_manager_get_config (self->manager);
  NovaVolumeBackend *backend = nova_volume_manager_get_default_backend (self->manager);

  self->manager_iface = nova_dbus_manager_skeleton_new ();
  nova_dbus_manager_set_version (self->manager_iface, PACKAGE_VERSION);
  nova_dbus_manager_set_driver_name (self->manager_iface, nova_volume_backend_get_driver_name (backend));
  nova_dbus_manager_set_availability_zone (self->manager_iface,
                                           nova_volume_config_get_string (config, "storage_availability_zone"));
  nova_dbus_manager_set_host (self->manager_iface, nova_volume_config_get_string (config, "host"));
  g_signal_connect (self->manager_iface, "handle-create-volume", G_CALLBACK (handle_create_volume), self);
  g_signal_connect (self->manager_iface, "handle-get-volume-stats", G_CALLBACK (handle_get_volume_stats), self);
  g_signal_connect (self->manager_iface, "handle-manage-existing", G_CALLBACK (handle_manage_existing), self);
  g_signal_connect (self->manager_iface, "handle-import-backups", G_CALLBACK (handle_import_backups), self);
  nova_volume_property_reads_change_begin (self->property_reads);
  export_interface (self, NOVA_VOLUME_DBUS_MANAGER, self->manager_iface, set_manager_iface);
  nova_volume_property_reads_change_end (self->property_reads);
}

/* ---- backends -------------------------------------------------------- */

/* Copies a backend's state and figures into its properties; the
 * skeleton announces what changed with PropertiesChanged. */
static void
sync_backend (NovaVolumeBackend *backend, NovaDBusBackend *iface)
{
  GVariant *stats = nova_volume_backend_get_stats (backend);
  const char *reason = "";
  const char *state = nova_volume_backend_get_state (backend, &reason);
  const char *protocol = "";
  guint64 total = 0, free_bytes = 0;
  gboolean thin = FALSE;

  if (stats != NULL)
    {
      g_variant_lookup (stats, "storage_protocol", "&s", &protocol);
      g_variant_lookup (stats, "total_capacity", "t", &total);
      g_variant_lookup (stats, "free_capacity", "t", &free_bytes);
      g_variant_lookup (stats, "thin_provisioning_support", "b", &thin);
    }
  nova_dbus_backend_set_name (iface, nova_volume_backend_get_name (backend));
  nova_dbus_backend_set_driver (iface, nova_volume_backend_get_driver_name (backend));
  nova_dbus_backend_set_storage_protocol (iface, protocol);
  nova_dbus_backend_set_total_capacity (iface, total);
  nova_dbus_backend_set_free_capacity (iface, free_bytes);
  /* the manager's count is current at every change; the driver's only
   * after its refresh */
  nova_dbus_backend_set_provisioned_capacity (iface, nova_volume_backend_get_provisioned (backend));
  nova_dbus_backend_set_thin_provisioning (iface, thin);
  nova_dbus_backend_set_state (iface, state);
  nova_dbus_backend_set_state_reason (iface, reason);
}

char *
nova_volume_daemon_backend_path (const char *name)
{
  g_autofree char *escaped = g_dbus_escape_object_path (name);

  return g_strconcat (NOVA_VOLUME_DBUS_BACKENDS, escaped, NULL);
}

/* The Manager's Warnings: every backend's, in config order */
static void
sync_warnings (NovaVolumeDaemon *self)
{
  GPtrArray *backends = nova_volume_manager_get_backends (self->manager);
  g_autoptr(GPtrArray) warnings = g_ptr_array_new ();

  for (guint i = 0; i < backends->len; i++)
    {
      const char *warning = nova_volume_backend_get_warning (g_ptr_array_index (backends, i));

      if (warning != NULL)
        g_ptr_array_add (warnings, (gpointer) warning);
    }
  g_ptr_array_add (warnings, NULL);
  nova_dbus_manager_set_warnings (self->manager_iface, (const char *const *) warnings->pdata);
  changed (self, self->manager_iface);
}

static void
on_backend_changed (NovaVolumeBackend *backend, NovaVolumeDaemon *self)
{
  guint i;

  if (!g_ptr_array_find (nova_volume_manager_get_backends (self->manager), backend, &i))
    return;
  nova_volume_property_reads_change_begin (self->property_reads);
  sync_backend (backend, g_ptr_array_index (self->backend_ifaces, i));
  changed (self, g_ptr_array_index (self->backend_ifaces, i));
  sync_warnings (self);
  nova_volume_property_reads_change_end (self->property_reads);
}

static void
export_backends (NovaVolumeDaemon *self)
{
  GPtrArray *backends = nova_volume_manager_get_backends (self->manager);

  nova_volume_property_reads_change_begin (self->property_reads);
  for (guint i = 0; i < backends->len; i++)
    {
      NovaVolumeBackend *backend = g_ptr_array_index (backends, i);
      g_autofree char *path = nova_volume_daemon_backend_path (nova_volume_backend_get_name (backend));
      NovaDBusBackend *iface = nova_dbus_backend_skeleton_new ();

      sync_backend (backend, iface);
      /* a backend's figures and the Manager's Warnings change together */
      g_signal_connect_object (backend, "changed", G_CALLBACK (on_backend_changed), self, 0);
      export_interface (self, path, iface, set_backend_iface);
      g_ptr_array_add (self->backend_ifaces, iface);
    }
  sync_warnings (self);
  nova_volume_property_reads_change_end (self->property_reads);
}

/* ---- missing objects ------------------------------------------------- */

/* A call on /volumes/<id> or /snapshots/<id> that names no object (a
 * deleted volume, a mistyped id) reaches these subtrees, which answer
 * NotFound in words, instead of the bus's "no such interface". Existing
 * objects are registered at their own paths and never get here. */

/* GDBus passes the subtree's root to enumerate but the called object's
 * own path to introspect: both are recognised. */
static gboolean
is_volumes_subtree (const char *object_path)
{
  return g_str_equal (object_path, NOVA_VOLUME_DBUS_ROOT "/volumes")
         || g_str_has_prefix (object_path, NOVA_VOLUME_DBUS_VOLUMES);
}

static char **
missing_enumerate (GDBusConnection *connection, const char *sender, const char *object_path,
                   gpointer user_data)
{
  NovaVolumeDaemon *self = user_data;
  GHashTable *table = is_volumes_subtree (object_path) ? self->volume_ifaces : self->snapshot_ifaces;
  g_autoptr(GStrvBuilder) nodes = g_strv_builder_new ();
  GHashTableIter iter;
  gpointer id;


  /* the existing objects, so introspection of the subtree lists them */
  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    {
      g_autofree char *node = g_strdelimit (g_strdup (id), "-", '_');
      g_strv_builder_add (nodes, node);
    }
  return g_strv_builder_end (nodes);
}

static GDBusInterfaceInfo **
missing_introspect (GDBusConnection *connection, const char *sender, const char *object_path,
                    const char *node, gpointer user_data)
{
  GDBusInterfaceInfo **infos = g_new0 (GDBusInterfaceInfo *, 2);

  if (node != NULL)
    infos[0] = g_dbus_interface_info_ref (is_volumes_subtree (object_path)
                                          ? nova_dbus_volume_interface_info ()
                                          : nova_dbus_snapshot_interface_info ());
  return infos;
}

static void
missing_method_call (GDBusConnection *connection, const char *sender, const char *object_path,
                     const char *interface_name, const char *method_name, GVariant *parameters,
                     GDBusMethodInvocation *invocation, gpointer user_data)
{
  gboolean volume = g_str_has_prefix (object_path, NOVA_VOLUME_DBUS_VOLUMES);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = nova_volume_daemon_id_from_path (object_path,
                                                         volume ? NOVA_VOLUME_DBUS_VOLUMES
                                                                : NOVA_VOLUME_DBUS_SNAPSHOTS,
                                                         &error);

  if (id == NULL)
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    g_dbus_method_invocation_return_error (invocation, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND,
                                           "%s %s not found: it does not exist or was deleted "
                                           "(GetManagedObjects on %s lists what exists)",
                                           volume ? "volume" : "snapshot", id, NOVA_VOLUME_DBUS_ROOT);
}

static const GDBusInterfaceVTable missing_vtable = {
  .method_call = missing_method_call,
};

static const GDBusInterfaceVTable *
missing_dispatch (GDBusConnection *connection, const char *sender, const char *object_path,
                  const char *interface_name, const char *node, gpointer *out_user_data,
                  gpointer user_data)
{
  *out_user_data = user_data;
  return &missing_vtable;
}

static const GDBusSubtreeVTable missing_subtree_vtable = {
  .enumerate = missing_enumerate,
  .introspect = missing_introspect,
  .dispatch = missing_dispatch,
};

static void
register_missing_subtrees (NovaVolumeDaemon *self)
{
  g_autoptr(GError) error = NULL;

  self->missing_volumes_id =
    g_dbus_connection_register_subtree (self->connection, NOVA_VOLUME_DBUS_ROOT "/volumes",
                                        &missing_subtree_vtable,
                                        G_DBUS_SUBTREE_FLAGS_DISPATCH_TO_UNENUMERATED_NODES,
                                        self, NULL, &error);
  if (self->missing_volumes_id != 0)
    self->missing_snapshots_id =
      g_dbus_connection_register_subtree (self->connection, NOVA_VOLUME_DBUS_ROOT "/snapshots",
                                          &missing_subtree_vtable,
                                          G_DBUS_SUBTREE_FLAGS_DISPATCH_TO_UNENUMERATED_NODES,
                                          self, NULL, &error);
  if (error != NULL)
    g_warning ("calls on missing objects will get the bus's own error: %s", error->message);
}

/* ---- object ---------------------------------------------------------- */

static void
nova_volume_daemon_dispose (GObject *object)
{
  NovaVolumeDaemon *self = NOVA_VOLUME_DAEMON (object);

  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  if (self->missing_volumes_id != 0)
    g_dbus_connection_unregister_subtree (self->connection, self->missing_volumes_id);
  if (self->missing_snapshots_id != 0)
    g_dbus_connection_unregister_subtree (self->connection, self->missing_snapshots_id);
  self->missing_volumes_id = self->missing_snapshots_id = 0;
  if (self->property_reads != NULL)
    g_debug ("%" G_GUINT64_FORMAT " property reads were answered on the bus thread",
             nova_volume_property_reads_get_count (self->property_reads));
  g_clear_pointer (&self->property_reads, nova_volume_property_reads_free);
  if (self->object_manager != NULL)
    g_dbus_object_manager_server_set_connection (self->object_manager, NULL);
  g_clear_object (&self->object_manager);
  g_clear_object (&self->manager_iface);
  g_clear_pointer (&self->volume_ifaces, g_hash_table_unref);
  g_clear_pointer (&self->snapshot_ifaces, g_hash_table_unref);
  g_clear_pointer (&self->backup_ifaces, g_hash_table_unref);
  g_clear_pointer (&self->attachment_ifaces, g_hash_table_unref);
  g_clear_pointer (&self->job_ifaces, g_hash_table_unref);
  g_clear_pointer (&self->backend_ifaces, g_ptr_array_unref);
  g_clear_object (&self->manager);
  g_clear_object (&self->auth);
  g_clear_object (&self->connection);
  G_OBJECT_CLASS (nova_volume_daemon_parent_class)->dispose (object);
}

static void
nova_volume_daemon_class_init (NovaVolumeDaemonClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = nova_volume_daemon_dispose;
}

static void
nova_volume_daemon_init (NovaVolumeDaemon *self)
{
  self->volume_ifaces = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->snapshot_ifaces = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->backup_ifaces = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->attachment_ifaces = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->job_ifaces = g_hash_table_new_full (NULL, NULL, g_object_unref, g_object_unref);
  self->backend_ifaces = g_ptr_array_new_with_free_func (g_object_unref);
}

NovaVolumeDaemon *
nova_volume_daemon_new (GDBusConnection *connection, NovaVolumeManager *manager, NovaVolumeAuth *auth)
{
  NovaVolumeDaemon *self = g_object_new (NOVA_VOLUME_TYPE_DAEMON, NULL);
  g_autoptr(GPtrArray) volumes = nova_volume_manager_list_volumes (manager);
  g_autoptr(GPtrArray) snapshots = nova_volume_manager_list_snapshots (manager);
  g_autoptr(GPtrArray) backups = nova_volume_manager_list_backups (manager);

  self->connection = g_object_ref (connection);
  self->manager = g_object_ref (manager);
  self->auth = g_object_ref (auth);
  self->object_manager = g_dbus_object_manager_server_new (NOVA_VOLUME_DBUS_ROOT);
  /* before the objects: each is added to it as it is exported */
  self->property_reads = nova_volume_property_reads_new (connection, NOVA_VOLUME_DBUS_ROOT);

  export_manager (self);
  export_backends (self);
  for (guint i = 0; i < volumes->len; i++)
    on_volume_changed (manager, ((NovaVolumeRecord *) g_ptr_array_index (volumes, i))->id, self);
  for (guint i = 0; i < snapshots->len; i++)
    on_snapshot_changed (manager, ((NovaSnapshotRecord *) g_ptr_array_index (snapshots, i))->id, self);
  for (guint i = 0; i < backups->len; i++)
    on_backup_changed (manager, ((NovaBackupRecord *) g_ptr_array_index (backups, i))->id, self);

  g_signal_connect (manager, "volume-changed", G_CALLBACK (on_volume_changed), self);
  g_signal_connect (manager, "volume-removed", G_CALLBACK (on_volume_removed), self);
  g_signal_connect (manager, "snapshot-changed", G_CALLBACK (on_snapshot_changed), self);
  g_signal_connect (manager, "snapshot-removed", G_CALLBACK (on_snapshot_removed), self);
  g_signal_connect (manager, "backup-changed", G_CALLBACK (on_backup_changed), self);
  g_signal_connect (manager, "backup-removed", G_CALLBACK (on_backup_removed), self);
  g_signal_connect (manager, "job-added", G_CALLBACK (on_job_added), self);
  g_signal_connect (manager, "job-removed", G_CALLBACK (on_job_removed), self);

  g_dbus_object_manager_server_set_connection (self->object_manager, connection);
  register_missing_subtrees (self);
  return self;
}

void
nova_volume_daemon_shutdown (NovaVolumeDaemon *self)
{
  self->shutting_down = TRUE;
}
