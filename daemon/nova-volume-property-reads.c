/* nova-volume: reads off the main loop (see the header).
 *
 * A GDBus filter runs on the connection's worker thread for every message
 * that comes in; for Properties.Get and GetAll of an exported object it
 * reads the skeleton (whose properties GDBus's generated code guards with
 * a lock of their own) and sends the reply from there, and it hands a
 * GetManagedObjects to the listing's thread. While copies keep both CPUs
 * busy, each hand-over between threads may wait for the scheduler's next
 * tick (4 ms here): a read that went to the main loop and back made two
 * of them. */
#include "config.h"

#include "nova-volume-property-reads.h"
#include "nova-volume-skeleton-properties.h"

#define PROPERTIES_IFACE "org.freedesktop.DBus.Properties"
#define OBJECT_MANAGER_IFACE "org.freedesktop.DBus.ObjectManager"

/* an exported object; one interface each */
typedef struct {
  GDBusInterfaceSkeleton *skeleton;
  guint64                 changed_at; /* the generation of its latest change */
} Entry;

/* what the filter holds: it may still run once the daemon let go */
typedef struct {
  gatomicrefcount           refs;
  GRWLock                   changes;  /* readers: replies; the writer: the main thread's changes */
  GHashTable               *objects;  /* object path -> Entry, under the lock */
  guint64                   generation; /* changes so far, under the lock */
  char                     *root;     /* the object manager's path */
  GThreadPool              *listings; /* GetManagedObjects, one at a time */
  gboolean                  stopped;  /* under the lock: everything goes on to GDBus */
  gint                      count;    /* atomic: replies sent here */
} Shared;

struct _NovaVolumePropertyReads {
  GDBusConnection *connection;
  guint            filter_id;
  Shared          *shared;
};

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_object_unref (entry->skeleton);
  g_free (entry);
}

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
  g_hash_table_unref (shared->objects);
  g_free (shared->root);
  g_free (shared);
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
      g_autoptr(GVariant) all = nova_volume_skeleton_properties (skeleton);

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

/* sends @body as @message's reply, unless none is wanted; in the lock */
static void
reply (Shared *shared, GDBusConnection *connection, GDBusMessage *message, GVariant *body)
{
  g_autoptr(GDBusMessage) reply = NULL;

  if ((g_dbus_message_get_flags (message) & G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED) != 0)
    {
      g_variant_unref (g_variant_ref_sink (body));
      return;
    }
  reply = g_dbus_message_new_method_reply (message);
  g_dbus_message_set_body (reply, body);
  g_dbus_connection_send_message (connection, reply, G_DBUS_SEND_MESSAGE_FLAGS_NONE, NULL, NULL);
  g_atomic_int_inc (&shared->count);
}

/* ---- GetManagedObjects ----------------------------------------------- */

/* An object's {oa{sa{sv}}}, built without the lock. */
typedef struct {
  char                   *path;
  GDBusInterfaceSkeleton *skeleton;
  GVariant               *item;
} Listed;

static void
listed_clear (gpointer data)
{
  Listed *listed = data;

  g_free (listed->path);
  g_object_unref (listed->skeleton);
  g_clear_pointer (&listed->item, g_variant_unref);
}

/* a part of a listing's objects, read on a thread of their own */
typedef struct {
  Listed *first;
  guint   n;
} Part;

static gpointer
build_part (gpointer data)
{
  Part *part = data;

  for (guint i = 0; i < part->n; i++)
    part->first[i].item = nova_volume_skeleton_listing_entry (part->first[i].path, part->first[i].skeleton);
  return NULL;
}

/* Reads the objects on two threads where there are many: GDBus's
 * thread is idle while a listing is built, and a reader mostly waits
 * for memory, 10,000 skeletons' worth of it. */
static void
build_items (GArray *listed)
{
  Part parts[2] = {
    { (Listed *) (gpointer) listed->data, listed->len / 2 },
    { (Listed *) (gpointer) listed->data + listed->len / 2, listed->len - listed->len / 2 },
  };
  GThread *helper = NULL;

  if (listed->len >= 1000 && g_get_num_processors () > 1)
    helper = g_thread_try_new ("nova-listing", build_part, &parts[0], NULL);
  if (helper == NULL)
    {
      parts[1].first = (Listed *) (gpointer) listed->data;
      parts[1].n = listed->len;
    }
  build_part (&parts[1]);
  if (helper != NULL)
    g_thread_join (helper);
}

typedef struct {
  GDBusConnection *connection;
  GDBusMessage    *message;
} Call;

static void
call_free (Call *call)
{
  g_object_unref (call->connection);
  g_object_unref (call->message);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Call, call_free)

/* On a thread of its own, so neither GDBus's thread nor the main loop
 * waits while 10,000 objects are read. The objects are read outside the
 * lock; inside it, those changed since are read again (a change is rare
 * against the build's length) and the reply is sent, so that, as for a
 * Get, no signal sent before it announces anything it does not carry.
 * The main thread waits only for the reply's serialisation, which it
 * would wait for anyway: GDBus serialises under its connection's lock. */
static void
answer_listing (gpointer data, gpointer user_data)
{
  g_autoptr(Call) call = data;
  Shared *shared = user_data;
  g_autoptr(GArray) listed = g_array_new (FALSE, FALSE, sizeof (Listed));
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  GHashTableIter iter;
  gpointer path, value;
  guint64 generation;

  g_array_set_clear_func (listed, listed_clear);
  g_rw_lock_reader_lock (&shared->changes);
  generation = shared->generation;
  g_hash_table_iter_init (&iter, shared->objects);
  while (g_hash_table_iter_next (&iter, &path, &value))
    {
      Listed one = { g_strdup (path), g_object_ref (((Entry *) value)->skeleton), NULL };

      g_array_append_val (listed, one);
    }
  g_rw_lock_reader_unlock (&shared->changes);

  build_items (listed);

  g_rw_lock_reader_lock (&shared->changes);
  if (shared->generation == generation)
    for (guint i = 0; i < listed->len; i++)
      g_ptr_array_add (items, g_variant_ref (g_array_index (listed, Listed, i).item));
  else
    {
      g_autoptr(GHashTable) by_path = g_hash_table_new (g_str_hash, g_str_equal);

      for (guint i = 0; i < listed->len; i++)
        g_hash_table_insert (by_path, g_array_index (listed, Listed, i).path, &g_array_index (listed, Listed, i));
      g_hash_table_iter_init (&iter, shared->objects);
      while (g_hash_table_iter_next (&iter, &path, &value))
        {
          Entry *entry = value;
          Listed *one = g_hash_table_lookup (by_path, path);

          if (one != NULL && one->skeleton == entry->skeleton && entry->changed_at <= generation)
            g_ptr_array_add (items, g_variant_ref (one->item));
          else
            g_ptr_array_add (items, nova_volume_skeleton_listing_entry (path, entry->skeleton));
        }
    }
  reply (shared, call->connection, call->message,
         g_variant_new_tuple ((GVariant *[]) { g_variant_new_array (G_VARIANT_TYPE ("{oa{sa{sv}}}"),
                                                                    (GVariant **) items->pdata, items->len) },
                              1));
  g_rw_lock_reader_unlock (&shared->changes);
}

/* ---- the filter ------------------------------------------------------ */

static gboolean
is_listing (Shared *shared, GDBusMessage *message, const char *path, const char *member, GVariant *args)
{
  return g_str_equal (path, shared->root) && g_str_equal (member, "GetManagedObjects")
         && g_strcmp0 (g_dbus_message_get_interface (message), OBJECT_MANAGER_IFACE) == 0
         && (args == NULL || g_variant_n_children (args) == 0);
}

static GDBusMessage *
on_message (GDBusConnection *connection, GDBusMessage *message, gboolean incoming, gpointer user_data)
{
  Shared *shared = user_data;
  const char *path = g_dbus_message_get_path (message);
  const char *member = g_dbus_message_get_member (message);
  GVariant *args = g_dbus_message_get_body (message);
  const char *iface = NULL, *property = NULL;
  Entry *found;
  GVariant *body;

  if (!incoming || g_dbus_message_get_message_type (message) != G_DBUS_MESSAGE_TYPE_METHOD_CALL || path == NULL
      || member == NULL)
    return message;
  if (is_listing (shared, message, path, member, args))
    {
      gboolean queued = FALSE;

      /* queued in the lock, so that none is once the daemon let go */
      g_rw_lock_reader_lock (&shared->changes);
      if (!shared->stopped)
        {
          Call *call = g_new0 (Call, 1);

          call->connection = g_object_ref (connection);
          call->message = message;
          queued = g_thread_pool_push (shared->listings, call, NULL);
        }
      g_rw_lock_reader_unlock (&shared->changes);
      return queued ? NULL : message;
    }
  if (args == NULL || g_strcmp0 (g_dbus_message_get_interface (message), PROPERTIES_IFACE) != 0)
    return message;
  if (g_str_equal (member, "Get") && g_variant_is_of_type (args, G_VARIANT_TYPE ("(ss)")))
    g_variant_get (args, "(&s&s)", &iface, &property);
  else if (g_str_equal (member, "GetAll") && g_variant_is_of_type (args, G_VARIANT_TYPE ("(s)")))
    g_variant_get (args, "(&s)", &iface);
  else
    return message;

  /* the value and the reply's place among the signals, in one lock */
  g_rw_lock_reader_lock (&shared->changes);
  found = shared->stopped ? NULL : g_hash_table_lookup (shared->objects, path);
  body = found != NULL && g_str_equal (g_dbus_interface_skeleton_get_info (found->skeleton)->name, iface)
           ? read_body (connection, message, found->skeleton, property)
           : NULL;
  if (body != NULL)
    reply (shared, connection, message, body);
  g_rw_lock_reader_unlock (&shared->changes);
  if (body == NULL)
    return message;
  g_object_unref (message);
  return NULL;
}

NovaVolumePropertyReads *
nova_volume_property_reads_new (GDBusConnection *connection, const char *root)
{
  NovaVolumePropertyReads *self = g_new0 (NovaVolumePropertyReads, 1);
  Shared *shared = g_new0 (Shared, 1);

  g_atomic_ref_count_init (&shared->refs);
  g_rw_lock_init (&shared->changes);
  shared->objects = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, entry_free);
  shared->root = g_strdup (root);
  /* one thread: a listing waits for the one before, as on the main loop */
  shared->listings = g_thread_pool_new (answer_listing, shared, 1, FALSE, NULL);
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
  /* a filter under way may still run: it holds its own reference; the
   * listings queued are answered; the skeletons are let go of here, on
   * the main thread */
  g_dbus_connection_remove_filter (self->connection, self->filter_id);
  g_rw_lock_writer_lock (&self->shared->changes);
  self->shared->stopped = TRUE;
  g_rw_lock_writer_unlock (&self->shared->changes);
  g_thread_pool_free (g_steal_pointer (&self->shared->listings), FALSE, TRUE);
  g_rw_lock_writer_lock (&self->shared->changes);
  g_hash_table_remove_all (self->shared->objects);
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
  Entry *entry;

  if (self == NULL)
    return;
  entry = g_new0 (Entry, 1);
  entry->skeleton = g_object_ref (skeleton);
  entry->changed_at = ++self->shared->generation;
  g_hash_table_replace (self->shared->objects, g_strdup (path), entry);
}

void
nova_volume_property_reads_changed (NovaVolumePropertyReads *self, GDBusInterfaceSkeleton *skeleton)
{
  const char *path = g_dbus_interface_skeleton_get_object_path (skeleton);
  Entry *entry;

  if (self == NULL || path == NULL)
    return;
  entry = g_hash_table_lookup (self->shared->objects, path);
  if (entry != NULL && entry->skeleton == skeleton)
    entry->changed_at = ++self->shared->generation;
}

void
nova_volume_property_reads_remove (NovaVolumePropertyReads *self, const char *path)
{
  if (self != NULL && g_hash_table_remove (self->shared->objects, path))
    self->shared->generation++;
}

guint64
nova_volume_property_reads_get_count (NovaVolumePropertyReads *self)
{
  return (guint64) (guint) g_atomic_int_get (&self->shared->count);
}
