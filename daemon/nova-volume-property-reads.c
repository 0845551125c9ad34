/* nova-volume: property reads on the bus's own thread (see the header).
 *
 * A GDBus filter runs on the connection's worker thread for every message
 * that comes in; for Properties.Get and GetAll of a volume, snapshot or
 * backup it reads the skeleton (whose properties GDBus's generated code
 * guards with a lock of their own) and sends the reply from there. While
 * copies keep both CPUs busy, each hand-over between threads may wait for
 * the scheduler's next tick (4 ms here): a read that went to the main loop
 * and back made two of them. */
#include "config.h"

#include "nova-volume-daemon.h"
#include "nova-volume-property-reads.h"

#define PROPERTIES_IFACE "org.freedesktop.DBus.Properties"

/* what the filter holds: it may still run once the daemon let go */
typedef struct {
  gatomicrefcount           refs;
  GRWLock                   changes;  /* readers: replies; the writer: the main thread's changes */
  GHashTable               *skeletons; /* object path -> GDBusInterfaceSkeleton, under the lock */
  gint                      stopped;  /* atomic: everything goes on to GDBus */
  gint                      count;    /* atomic: replies sent here */
} Shared;

struct _NovaVolumePropertyReads {
  GDBusConnection *connection;
  guint            filter_id;
  Shared          *shared;
};

static Shared *
shared_ref (Shared *shared)
{
  g_atomic_ref_count_inc (&shared->refs);
  return shared;
}

static void
shared_unref (gpointer data)
{
  Shared *shared = data;

  if (!g_atomic_ref_count_dec (&shared->refs))
    return;
  g_rw_lock_clear (&shared->changes);
  g_hash_table_unref (shared->skeletons);
  g_free (shared);
}

/* TRUE for an interface of one of the kinds answered here, at a path of
 * its kind */
static gboolean
is_answered (const char *path, const char *iface)
{
  static const struct {
    const char *prefix;
    const char *iface;
  } kinds[] = {
    { NOVA_VOLUME_DBUS_VOLUMES, "org.openstack.Volume1.Volume" },
    { NOVA_VOLUME_DBUS_SNAPSHOTS, "org.openstack.Volume1.Snapshot" },
    { NOVA_VOLUME_DBUS_BACKUPS, "org.openstack.Volume1.Backup" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_str_equal (iface, kinds[i].iface) && g_str_has_prefix (path, kinds[i].prefix))
      return TRUE;
  return FALSE;
}

/* The reply's body, or NULL where GDBus should answer (it words the
 * errors): a property the interface does not have or does not let read. */
static GVariant *
read_body (GDBusConnection *connection, GDBusMessage *message, GDBusInterfaceSkeleton *skeleton,
           const char *property)
{
  GDBusInterfaceInfo *info = g_dbus_interface_skeleton_get_info (skeleton);
  GDBusInterfaceVTable *vtable = g_dbus_interface_skeleton_get_vtable (skeleton);
  GDBusPropertyInfo *property_info;
  GVariant *value;

  if (property == NULL)
    {
      g_autoptr(GVariant) all = g_dbus_interface_skeleton_get_properties (skeleton);

      return g_variant_new ("(@a{sv})", all);
    }
  property_info = g_dbus_interface_info_lookup_property (info, property);
  if (property_info == NULL || (property_info->flags & G_DBUS_PROPERTY_INFO_FLAGS_READABLE) == 0
      || vtable == NULL || vtable->get_property == NULL)
    return NULL;
  value = vtable->get_property (connection, g_dbus_message_get_sender (message), g_dbus_message_get_path (message),
                                info->name, property, NULL, skeleton);
  if (value == NULL)
    return NULL;
  g_variant_take_ref (value);
  {
    GVariant *body = g_variant_new ("(v)", value);

    g_variant_unref (value);
    return body;
  }
}

static GDBusMessage *
on_message (GDBusConnection *connection, GDBusMessage *message, gboolean incoming, gpointer user_data)
{
  Shared *shared = user_data;
  const char *path = g_dbus_message_get_path (message);
  const char *member = g_dbus_message_get_member (message);
  GVariant *args = g_dbus_message_get_body (message);
  const char *iface = NULL, *property = NULL;
  GDBusInterfaceSkeleton *found;
  g_autoptr(GDBusMessage) reply = NULL;
  GVariant *body;

  if (!incoming || g_dbus_message_get_message_type (message) != G_DBUS_MESSAGE_TYPE_METHOD_CALL || path == NULL
      || member == NULL || args == NULL || g_strcmp0 (g_dbus_message_get_interface (message), PROPERTIES_IFACE) != 0)
    return message;
  if (g_str_equal (member, "Get") && g_variant_is_of_type (args, G_VARIANT_TYPE ("(ss)")))
    g_variant_get (args, "(&s&s)", &iface, &property);
  else if (g_str_equal (member, "GetAll") && g_variant_is_of_type (args, G_VARIANT_TYPE ("(s)")))
    g_variant_get (args, "(&s)", &iface);
  else
    return message;
  if (!is_answered (path, iface) || g_atomic_int_get (&shared->stopped))
    return message;

  /* the value and the reply's place among the signals, in one lock */
  g_rw_lock_reader_lock (&shared->changes);
  found = g_hash_table_lookup (shared->skeletons, path);
  body = found != NULL && g_str_equal (g_dbus_interface_skeleton_get_info (found)->name, iface)
           ? read_body (connection, message, found, property)
           : NULL;
  if (body != NULL)
    {
      reply = g_dbus_message_new_method_reply (message);
      g_dbus_message_set_body (reply, body);
      g_dbus_connection_send_message (connection, reply, G_DBUS_SEND_MESSAGE_FLAGS_NONE, NULL, NULL);
      g_atomic_int_inc (&shared->count);
    }
  g_rw_lock_reader_unlock (&shared->changes);
  if (body == NULL)
    return message;
  g_object_unref (message);
  return NULL;
}

NovaVolumePropertyReads *
nova_volume_property_reads_new (GDBusConnection *connection)
{
  NovaVolumePropertyReads *self = g_new0 (NovaVolumePropertyReads, 1);
  Shared *shared = g_new0 (Shared, 1);

  g_atomic_ref_count_init (&shared->refs);
  g_rw_lock_init (&shared->changes);
  shared->skeletons = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->connection = g_object_ref (connection);
  self->shared = shared;
  self->filter_id = g_dbus_connection_add_filter (connection, on_message, shared_ref (shared), shared_unref);
  return self;
}

void
nova_volume_property_reads_free (NovaVolumePropertyReads *self)
{
  if (self == NULL)
    return;
  g_atomic_int_set (&self->shared->stopped, TRUE);
  /* a filter under way may still run: it holds its own reference; the
   * skeletons are let go of here, on the main thread */
  g_dbus_connection_remove_filter (self->connection, self->filter_id);
  g_rw_lock_writer_lock (&self->shared->changes);
  g_hash_table_remove_all (self->shared->skeletons);
  g_rw_lock_writer_unlock (&self->shared->changes);
  g_object_unref (self->connection);
  shared_unref (self->shared);
  g_free (self);
}

void
nova_volume_property_reads_change_begin (NovaVolumePropertyReads *self)
{
  if (self != NULL)
    g_rw_lock_writer_lock (&self->shared->changes);
}

void
nova_volume_property_reads_change_end (NovaVolumePropertyReads *self)
{
  if (self != NULL)
    g_rw_lock_writer_unlock (&self->shared->changes);
}

void
nova_volume_property_reads_add (NovaVolumePropertyReads *self, const char *path, GDBusInterfaceSkeleton *skeleton)
{
  if (self != NULL)
    g_hash_table_replace (self->shared->skeletons, g_strdup (path), g_object_ref (skeleton));
}

void
nova_volume_property_reads_remove (NovaVolumePropertyReads *self, const char *path)
{
  if (self != NULL)
    g_hash_table_remove (self->shared->skeletons, path);
}

guint64
nova_volume_property_reads_get_count (NovaVolumePropertyReads *self)
{
  return (guint64) (guint) g_atomic_int_get (&self->shared->count);
}
