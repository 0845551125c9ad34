/* Concurrency: 1,000 operations from 16 clients (each its own bus
 * connection, one call in flight at a time, as 16 processes would be) over
 * a pool of 100 volumes, mixing create, snapshot, delete snapshot, attach,
 * detach, connect, disconnect and delete. Afterwards:
 * - every refusal was one a racing client must expect (InvalidState,
 *   NotFound), never Failed, a timeout or a lost reply;
 * - no lost update: per volume, the successful attaches and detaches, the
 *   snapshots made and deleted, and each client's connects and
 *   disconnects add up to the final state; so do the creates and deletes;
 * - what the daemon shows is what its store holds, row for row;
 * - a 17th client read Properties.Get throughout and was always answered;
 * and Properties.Get, answered off the daemon's main loop, replies with
 * the value the latest PropertiesChanged before it announced.
 * Which client wins a race differs from run to run; the sums may not. */
#include "config.h"

#include <sqlite3.h>

#include "service-fixture.h"

#define N_CLIENTS     16
#define N_VOLUMES     100
#define N_OPERATIONS  1000

typedef enum {
  OP_CREATE, OP_SNAPSHOT, OP_DELETE_SNAPSHOT, OP_ATTACH, OP_DETACH,
  OP_CONNECT, OP_DISCONNECT, OP_DELETE, N_OPS,
} OpKind;

static const char *const op_names[N_OPS] = {
  "create", "snapshot", "delete-snapshot", "attach", "detach", "connect", "disconnect", "delete",
};

/* What the successful replies say happened to one volume. */
typedef struct {
  int      attaches;        /* successful attaches minus detaches */
  int      snapshots;       /* snapshots made minus deleted */
  gboolean connected[N_CLIENTS];
  gboolean deleted;
} VolumeTally;

typedef struct _Run Run;

typedef struct {
  Run             *run;
  guint            index;
  GDBusConnection *connection;
  GRand           *rand;
  char            *host;
  OpKind           kind;      /* the call in flight */
  char            *target;    /* its volume's path (snapshot: the volume's) */
  char            *snapshot;  /* for OP_DELETE_SNAPSHOT */
} Client;

struct _Run {
  Fixture    *fx;
  Client      clients[N_CLIENTS];
  guint       started;        /* operations sent */
  guint       finished;       /* operations answered */
  guint       outcomes[N_OPS][2];  /* [kind][0 refused, 1 done] */
  GPtrArray  *volumes;        /* paths of volumes that exist, as far as we know */
  GPtrArray  *snapshots;      /* "snapshot-path volume-path" */
  GHashTable *tallies;        /* volume path -> VolumeTally */
  guint       created;
  guint       deleted;
  GPtrArray  *vanished;       /* objects a call found unregistered (see on_reply) */
};

static VolumeTally *
tally_of (Run *run, const char *volume)
{
  VolumeTally *tally = g_hash_table_lookup (run->tallies, volume);

  if (tally == NULL)
    {
      tally = g_new0 (VolumeTally, 1);
      g_hash_table_insert (run->tallies, g_strdup (volume), tally);
    }
  return tally;
}

static const char *
pick (Client *client, GPtrArray *array)
{
  if (array->len == 0)
    return NULL;
  return g_ptr_array_index (array, g_rand_int_range (client->rand, 0, (gint32) array->len));
}

static void send_next (Client *client);

static void
on_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Client *client = user_data;
  Run *run = client->run;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (client->connection, result, &error);
  VolumeTally *tally = client->target != NULL ? tally_of (run, client->target) : NULL;

  run->finished++;
  if (reply == NULL)
    {
      g_autofree char *remote = g_dbus_error_get_remote_error (error);

      /* GDBus itself answers UnknownMethod when the object it routed the
       * call to is unexported before the call is dispatched: a delete by
       * another client won that race. The end checks that the object is
       * gone indeed. */
      if (g_strcmp0 (remote, "org.freedesktop.DBus.Error.UnknownMethod") == 0
          && (client->kind == OP_DELETE_SNAPSHOT ? client->snapshot : client->target) != NULL)
        g_ptr_array_add (run->vanished, g_strdup (client->kind == OP_DELETE_SNAPSHOT ? client->snapshot
                                                                                       : client->target));
      /* otherwise a race lost to another client, and nothing else */
      else if (g_strcmp0 (remote, "org.openstack.Volume1.Error.InvalidState") != 0
               && g_strcmp0 (remote, "org.openstack.Volume1.Error.NotFound") != 0)
        g_error ("client %u: %s of %s failed: %s", client->index, op_names[client->kind],
                 client->target != NULL ? client->target : "(new)", error->message);
      run->outcomes[client->kind][0]++;
    }
  else
    {
      run->outcomes[client->kind][1]++;
      switch (client->kind)
        {
        case OP_CREATE:
          {
            char *path = NULL;

            g_variant_get (reply, "(o)", &path);
            g_ptr_array_add (run->volumes, path);
            tally_of (run, path);
            run->created++;
          }
          break;
        case OP_SNAPSHOT:
          {
            g_autofree char *path = NULL;

            g_variant_get (reply, "(o)", &path);
            g_ptr_array_add (run->snapshots, g_strdup_printf ("%s %s", path, client->target));
            tally->snapshots++;
          }
          break;
        case OP_DELETE_SNAPSHOT:
          for (guint i = 0; i < run->snapshots->len; i++)
            if (g_str_has_prefix (g_ptr_array_index (run->snapshots, i), client->snapshot))
              {
                g_ptr_array_remove_index (run->snapshots, i);
                break;
              }
          tally->snapshots--;
          break;
        case OP_ATTACH:
          tally->attaches++;
          break;
        case OP_DETACH:
          tally->attaches--;
          break;
        case OP_CONNECT:
          tally->connected[client->index] = TRUE;
          break;
        case OP_DISCONNECT:
          tally->connected[client->index] = FALSE;
          break;
        case OP_DELETE:
          tally->deleted = TRUE;
          {
            guint index;

            if (g_ptr_array_find_with_equal_func (run->volumes, client->target, g_str_equal, &index))
              g_ptr_array_remove_index (run->volumes, index);
          }
          run->deleted++;
          break;
        case N_OPS:
        default:
          g_assert_not_reached ();
        }
    }
  g_clear_pointer (&client->target, g_free);
  g_clear_pointer (&client->snapshot, g_free);
  send_next (client);
}

static void
send_call (Client *client, const char *path, const char *iface, const char *method, GVariant *params)
{
  client->run->started++;
  g_dbus_connection_call (client->connection, BUS_NAME, path, iface, method, params, NULL,
                          G_DBUS_CALL_FLAGS_NONE, 600 * 1000, NULL, on_reply, client);
}

/* The first 100 operations fill the pool; the rest are a mix. */
static void
send_next (Client *client)
{
  Run *run = client->run;
  const char *volume;
  OpKind kind;

  if (run->started >= N_OPERATIONS)
    return;
  if (run->started < N_VOLUMES)
    kind = OP_CREATE;
  else
    {
      /* creates and deletes rarer than the rest, so the pool stays near 100 */
      static const OpKind mix[] = {
        OP_CREATE, OP_SNAPSHOT, OP_SNAPSHOT, OP_DELETE_SNAPSHOT, OP_DELETE_SNAPSHOT,
        OP_ATTACH, OP_ATTACH, OP_DETACH, OP_DETACH, OP_CONNECT, OP_CONNECT,
        OP_DISCONNECT, OP_DISCONNECT, OP_DELETE,
      };
      kind = mix[g_rand_int_range (client->rand, 0, G_N_ELEMENTS (mix))];
    }

  volume = pick (client, run->volumes);
  if (kind == OP_DELETE_SNAPSHOT && run->snapshots->len == 0)
    kind = OP_SNAPSHOT;
  if (volume == NULL)
    kind = OP_CREATE;
  client->kind = kind;

  switch (kind)
    {
    case OP_CREATE:
      send_call (client, MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
                 g_variant_new_parsed ("(@t 1048576, @a{sv} {})"));
      break;
    case OP_SNAPSHOT:
      client->target = g_strdup (volume);
      send_call (client, volume, IFACE_VOLUME, "CreateSnapshot", g_variant_new_parsed ("({'force': <true>},)"));
      break;
    case OP_DELETE_SNAPSHOT:
      {
        g_auto(GStrv) pair = g_strsplit (pick (client, run->snapshots), " ", 2);

        client->snapshot = g_strdup (pair[0]);
        client->target = g_strdup (pair[1]);
        send_call (client, pair[0], IFACE_SNAPSHOT, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
      }
      break;
    case OP_ATTACH:
      client->target = g_strdup (volume);
      send_call (client, volume, IFACE_VOLUME, "Attach",
                 g_variant_new_parsed ("(%s, '/dev/vdb', {'host': <%s>})", INSTANCE_A, client->host));
      break;
    case OP_DETACH:
      client->target = g_strdup (volume);
      send_call (client, volume, IFACE_VOLUME, "Detach", g_variant_new_parsed ("(@a{sv} {},)"));
      break;
    case OP_CONNECT:
    case OP_DISCONNECT:
      client->target = g_strdup (volume);
      send_call (client, volume, IFACE_VOLUME, kind == OP_CONNECT ? "InitializeConnection" : "TerminateConnection",
                 g_variant_new_parsed ("({'ip': <'10.0.0.1'>, 'host': <%s>},)", client->host));
      break;
    case OP_DELETE:
      client->target = g_strdup (volume);
      send_call (client, volume, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
      break;
    case N_OPS:
    default:
      g_assert_not_reached ();
    }
}

/* ---- the reader that must always be answered --------------------------- */

typedef struct {
  char    *address;
  gint     stop;
  guint    answered;
  gint64   slowest;   /* microseconds, reported, never asserted */
  GError  *error;
} Reader;

static gpointer
read_properties (gpointer data)
{
  Reader *reader = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GDBusConnection) connection = NULL;

  g_main_context_push_thread_default (context);
  connection = g_dbus_connection_new_for_address_sync (reader->address,
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                                       | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, &reader->error);
  while (connection != NULL && !g_atomic_int_get (&reader->stop))
    {
      gint64 start = g_get_monotonic_time ();
      /* a hang guard, not a deadline: a slow machine answers late, a
       * daemon that blocks its main loop does not answer at all */
      g_autoptr(GVariant) reply = g_dbus_connection_call_sync (connection, BUS_NAME, MANAGER_PATH,
                                                               "org.freedesktop.DBus.Properties", "Get",
                                                               g_variant_new ("(ss)", IFACE_MANAGER, "DriverName"),
                                                               G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE,
                                                               120 * 1000, NULL, &reader->error);
      if (reply == NULL)
        break;
      reader->answered++;
      reader->slowest = MAX (reader->slowest, g_get_monotonic_time () - start);
      g_usleep (2000);
    }
  g_main_context_pop_thread_default (context);
  return NULL;
}

/* ---- the checks ------------------------------------------------------- */

static guint
count_rows (sqlite3 *db, const char *sql, const char *arg)
{
  sqlite3_stmt *stmt = NULL;
  guint n;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (arg != NULL)
    sqlite3_bind_text (stmt, 1, arg, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = (guint) sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

static char *
id_of (const char *path)
{
  return g_strdelimit (g_strdup (strrchr (path, '/') + 1), "_", '-');
}

static void
check_volume (Run *run, sqlite3 *db, GVariant *objects, const char *path, const VolumeTally *tally)
{
  g_autofree char *id = id_of (path);
  g_autoptr(GVariant) ifaces = g_variant_lookup_value (objects, path, NULL);
  g_autoptr(GVariant) props = NULL;
  const char *status = NULL;
  const char *attach_status = NULL;
  gboolean attached;
  guint connections = 0;

  if (tally->deleted)
    {
      g_assert_null (ifaces);
      g_assert_cmpuint (count_rows (db, "SELECT count(*) FROM volumes WHERE id = ?", id), ==, 0);
      return;
    }
  g_assert_nonnull (ifaces);
  props = g_variant_lookup_value (ifaces, IFACE_VOLUME, G_VARIANT_TYPE_VARDICT);
  g_assert_true (g_variant_lookup (props, "Status", "&s", &status));
  g_assert_true (g_variant_lookup (props, "AttachStatus", "&s", &attach_status));
  attached = g_str_equal (attach_status, "attached");

  /* the sums of the successful replies */
  g_assert_cmpint (tally->attaches, >=, 0);
  g_assert_cmpint (tally->attaches, <=, 1);
  g_assert_cmpint (attached, ==, tally->attaches == 1);
  g_assert_cmpstr (status, ==, attached ? "in-use" : "available");
  g_assert_cmpuint (count_rows (db, "SELECT count(*) FROM snapshots WHERE volume_id = ?", id), ==,
                    (guint) tally->snapshots);
  for (guint c = 0; c < N_CLIENTS; c++)
    connections += tally->connected[c] ? 1 : 0;
  g_assert_cmpuint (count_rows (db, "SELECT count(*) FROM connections WHERE volume_id = ?", id), ==, connections);

  /* and the store says the same as the bus */
  {
    g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM volumes WHERE id = ? AND status = '%s' "
                                            "AND attached = %d", status, attached ? 1 : 0);
    g_assert_cmpuint (count_rows (db, sql, id), ==, 1);
  }
}

static void
test_concurrency (Fixture *fx, gconstpointer data)
{
  Run run = { 0 };
  Reader reader = { 0 };
  g_autoptr(GThread) reader_thread = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) objects = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *db_path = g_build_filename (fx->state_dir, "nova-volume.db", NULL);
  GHashTableIter iter;
  gpointer key, value;
  sqlite3 *db = NULL;
  guint n_volumes = 0;

  run.fx = fx;
  run.volumes = g_ptr_array_new_with_free_func (g_free);
  run.snapshots = g_ptr_array_new_with_free_func (g_free);
  run.tallies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  run.vanished = g_ptr_array_new_with_free_func (g_free);

  reader.address = fx->bus_address;
  reader_thread = g_thread_new ("reader", read_properties, &reader);

  for (guint c = 0; c < N_CLIENTS; c++)
    {
      Client *client = &run.clients[c];

      client->run = &run;
      client->index = c;
      client->rand = g_rand_new_with_seed (c + 1);
      client->host = g_strdup_printf ("compute%u", c);
      client->connection = g_dbus_connection_new_for_address_sync (fx->bus_address,
                                                                   G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                                                   | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                                   NULL, NULL, &error);
      g_assert_no_error (error);
    }
  for (guint c = 0; c < N_CLIENTS; c++)
    send_next (&run.clients[c]);
  while (run.finished < N_OPERATIONS)
    g_main_context_iteration (NULL, TRUE);

  g_atomic_int_set (&reader.stop, 1);
  g_thread_join (g_steal_pointer (&reader_thread));
  g_assert_no_error (reader.error);
  g_assert_cmpuint (reader.answered, >, 0);

  for (guint k = 0; k < N_OPS; k++)
    g_test_message ("%-16s %4u done, %4u refused", op_names[k], run.outcomes[k][1], run.outcomes[k][0]);
  g_test_message ("Properties.Get answered %u times during the run, slowest in %.1f ms",
                  reader.answered, reader.slowest / 1000.0);
  /* every kind happened, and every kind that can race did race sometimes
   * or not: only the sum is asserted */
  for (guint k = 0; k < N_OPS; k++)
    g_assert_cmpuint (run.outcomes[k][1], >, 0);

  reply = call (fx, ROOT_PATH, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", NULL,
                "(a{oa{sa{sv}}})", &error);
  g_assert_no_error (error);
  objects = g_variant_get_child_value (reply, 0);
  g_test_message ("%u calls raced a delete of their object inside GDBus (UnknownMethod)", run.vanished->len);
  for (guint i = 0; i < run.vanished->len; i++)
    {
      g_autoptr(GVariant) still = g_variant_lookup_value (objects, g_ptr_array_index (run.vanished, i), NULL);
      g_assert_null (still);
    }
  daemon_stop (fx);

  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpuint (count_rows (db, "SELECT count(*) FROM volumes", NULL), ==, run.created - run.deleted);
  g_hash_table_iter_init (&iter, run.tallies);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      check_volume (&run, db, objects, key, value);
      n_volumes += ((VolumeTally *) value)->deleted ? 0 : 1;
    }
  g_assert_cmpuint (n_volumes, ==, run.volumes->len);
  g_assert_cmpuint (count_rows (db, "SELECT count(*) FROM snapshots", NULL), ==, run.snapshots->len);
  sqlite3_close (db);
  daemon_start (fx);   /* the fixture stops it */

  for (guint c = 0; c < N_CLIENTS; c++)
    {
      g_dbus_connection_close_sync (run.clients[c].connection, NULL, NULL);
      g_object_unref (run.clients[c].connection);
      g_rand_free (run.clients[c].rand);
      g_free (run.clients[c].host);
    }
  g_ptr_array_unref (run.volumes);
  g_ptr_array_unref (run.snapshots);
  g_hash_table_unref (run.tallies);
  g_ptr_array_unref (run.vanished);
}

/* ---- property reads and signals in order ------------------------------ */

#define N_RENAMES 150
#define GETS_PER_RENAME 3

/* What reached the client, in the order it arrived (seen by a filter on
 * the connection's own thread): each PropertiesChanged of the volume's
 * Name and each Get reply. (The renames may run in another order than
 * sent: each call is authorized on a thread of its own.) */
typedef struct {
  GMutex      lock;
  const char *path;
  GHashTable *get_serials;  /* serials of the Get calls */
  char       *last_signal;  /* the name the latest signal announced */
  guint       n_signals;
  guint       n_replies;
  guint       n_stale;      /* replies with another name than the latest signal's */
} ReadOrder;

static GDBusMessage *
watch_order (GDBusConnection *connection, GDBusMessage *message, gboolean incoming, gpointer user_data)
{
  ReadOrder *order = user_data;
  GVariant *body = g_dbus_message_get_body (message);

  if (!incoming || body == NULL)
    return message;
  g_mutex_lock (&order->lock);
  if (g_dbus_message_get_message_type (message) == G_DBUS_MESSAGE_TYPE_SIGNAL
      && g_strcmp0 (g_dbus_message_get_member (message), "PropertiesChanged") == 0
      && g_strcmp0 (g_dbus_message_get_path (message), order->path) == 0)
    {
      g_autoptr(GVariant) changed = g_variant_get_child_value (body, 1);
      const char *name = NULL;

      if (g_variant_lookup (changed, "Name", "&s", &name))
        {
          g_free (order->last_signal);
          order->last_signal = g_strdup (name);
          order->n_signals++;
        }
    }
  else if (g_dbus_message_get_message_type (message) == G_DBUS_MESSAGE_TYPE_METHOD_RETURN
           && g_hash_table_contains (order->get_serials, GUINT_TO_POINTER (g_dbus_message_get_reply_serial (message))))
    {
      g_autoptr(GVariant) value = NULL;

      g_variant_get (body, "(v)", &value);
      /* the value a reply reads was signalled before it, and nothing
       * newer was */
      if (g_strcmp0 (g_variant_get_string (value, NULL), order->last_signal) != 0)
        order->n_stale++;
      order->n_replies++;
    }
  g_mutex_unlock (&order->lock);
  return message;
}

static void
count_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  guint *pending = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  g_assert_no_error (error);
  (*pending)--;
}

static void
count_message_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  guint *pending = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusMessage) reply = g_dbus_connection_send_message_with_reply_finish (G_DBUS_CONNECTION (source),
                                                                                    result, &error);

  g_assert_no_error (error);
  g_assert_cmpint (g_dbus_message_get_message_type (reply), ==, G_DBUS_MESSAGE_TYPE_METHOD_RETURN);
  (*pending)--;
}

static void
ignore_signal (GDBusConnection *connection, const char *sender, const char *path, const char *iface,
               const char *name, GVariant *parameters, gpointer user_data)
{
}

/* Properties.Get is answered off the main loop, while renames change the
 * property and signal it: no reply may carry a name older than one a
 * PropertiesChanged announced before it on the same connection. */
static void
test_reads_in_order (Fixture *fx, gconstpointer data)
{
  g_autofree char *volume = create_volume (fx, 1024 * 1024, NULL);
  ReadOrder order = { .path = volume, .get_serials = g_hash_table_new (NULL, NULL), .last_signal = g_strdup ("") };
  guint filter = g_dbus_connection_add_filter (fx->connection, watch_order, &order, NULL);
  guint subscription = g_dbus_connection_signal_subscribe (fx->connection, NULL, "org.freedesktop.DBus.Properties",
                                                           "PropertiesChanged", volume, NULL,
                                                           G_DBUS_SIGNAL_FLAGS_NONE, ignore_signal, NULL, NULL);
  g_autofree char *name = NULL;
  guint pending = 0;

  g_mutex_init (&order.lock);
  for (int k = 1; k <= N_RENAMES; k++)
    {
      g_autofree char *new_name = g_strdup_printf ("n%d", k);

      g_dbus_connection_call (fx->connection, "org.openstack.Volume1", volume, IFACE_VOLUME, "Update",
                              g_variant_new_parsed ("({'name': <%s>},)", new_name), NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                              NULL, count_reply, &pending);
      pending++;
      for (int g = 0; g < GETS_PER_RENAME; g++)
        {
          g_autoptr(GDBusMessage) get = g_dbus_message_new_method_call ("org.openstack.Volume1", volume,
                                                                        "org.freedesktop.DBus.Properties", "Get");
          guint32 serial = 0;

          g_dbus_message_set_body (get, g_variant_new ("(ss)", IFACE_VOLUME, "Name"));
          /* the serial is known before the reply can come */
          g_mutex_lock (&order.lock);
          g_dbus_connection_send_message_with_reply (fx->connection, get, G_DBUS_SEND_MESSAGE_FLAGS_NONE, -1,
                                                     &serial, NULL, count_message_reply, &pending);
          g_hash_table_add (order.get_serials, GUINT_TO_POINTER (serial));
          g_mutex_unlock (&order.lock);
          pending++;
        }
    }
  while (pending > 0)
    g_main_context_iteration (NULL, TRUE);

  g_test_message ("%u Get replies among %u PropertiesChanged of Name", order.n_replies, order.n_signals);
  g_assert_cmpuint (order.n_replies, ==, N_RENAMES * GETS_PER_RENAME);
  g_assert_cmpuint (order.n_signals, ==, N_RENAMES);
  g_assert_cmpuint (order.n_stale, ==, 0);
  name = get_string (fx, volume, IFACE_VOLUME, "Name");
  g_assert_cmpstr (name, ==, order.last_signal);
  /* GetAll the same way; what the bus thread does not answer, GDBus does
   * as before */
  {
    g_autoptr(GVariant) all = call (fx, volume, "org.freedesktop.DBus.Properties", "GetAll",
                                    g_variant_new ("(s)", IFACE_VOLUME), "(a{sv})", NULL);
    g_autoptr(GVariant) props = g_variant_get_child_value (all, 0);
    const char *all_name = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) none = NULL;
    g_autofree char *remote = NULL;

    g_assert_true (g_variant_lookup (props, "Name", "&s", &all_name));
    g_assert_cmpstr (all_name, ==, name);
    none = call (fx, volume, "org.freedesktop.DBus.Properties", "Get", g_variant_new ("(ss)", IFACE_VOLUME, "NoSuch"),
                 "(v)", &error);
    g_assert_null (none);
    remote = g_dbus_error_get_remote_error (error);
    g_assert_cmpstr (remote, ==, "org.freedesktop.DBus.Error.InvalidArgs");
  }

  g_dbus_connection_signal_unsubscribe (fx->connection, subscription);
  g_dbus_connection_remove_filter (fx->connection, filter);
  g_mutex_clear (&order.lock);
  g_hash_table_unref (order.get_serials);
  g_free (order.last_signal);
}

/* ---- listings and signals in order ------------------------------------ */

#define N_LISTED      400
#define VOLUMES_PREFIX ROOT_PATH "/volumes/"
#define N_LIST_ROUNDS 60

/* What reached the client, in order: the Name a PropertiesChanged of one
 * volume announced, the volumes InterfacesAdded and InterfacesRemoved
 * announced, and each GetManagedObjects reply, which must agree with all
 * of them. */
typedef struct {
  GMutex      lock;
  const char *path;          /* the renamed volume */
  GHashTable *list_serials;  /* serials of the GetManagedObjects calls */
  GHashTable *announced;     /* volume path -> TRUE (added) or FALSE (removed) */
  char       *last_signal;
  guint       n_replies;
  guint       n_stale;
} ListOrder;

static void
check_listing (ListOrder *order, GVariant *body)
{
  g_autoptr(GVariant) objects = g_variant_get_child_value (body, 0);
  g_autoptr(GVariant) renamed = g_variant_lookup_value (objects, order->path, NULL);
  const char *name = NULL;
  GHashTableIter iter;
  gpointer path, added;

  g_assert_nonnull (renamed);
  {
    g_autoptr(GVariant) properties = g_variant_lookup_value (renamed, IFACE_VOLUME, NULL);

    g_assert_true (g_variant_lookup (properties, "Name", "&s", &name));
  }
  if (g_strcmp0 (name, order->last_signal) != 0)
    order->n_stale++;
  g_hash_table_iter_init (&iter, order->announced);
  while (g_hash_table_iter_next (&iter, &path, &added))
    {
      g_autoptr(GVariant) listed = g_variant_lookup_value (objects, path, NULL);

      if ((listed != NULL) != GPOINTER_TO_INT (added))
        order->n_stale++;
    }
  order->n_replies++;
}

static GDBusMessage *
watch_listings (GDBusConnection *connection, GDBusMessage *message, gboolean incoming, gpointer user_data)
{
  ListOrder *order = user_data;
  GVariant *body = g_dbus_message_get_body (message);
  const char *member = g_dbus_message_get_member (message);

  if (!incoming || body == NULL)
    return message;
  g_mutex_lock (&order->lock);
  if (g_dbus_message_get_message_type (message) == G_DBUS_MESSAGE_TYPE_SIGNAL)
    {
      const char *path = NULL;

      if (g_strcmp0 (member, "PropertiesChanged") == 0 && g_strcmp0 (g_dbus_message_get_path (message), order->path) == 0)
        {
          g_autoptr(GVariant) changed = g_variant_get_child_value (body, 1);
          const char *name = NULL;

          if (g_variant_lookup (changed, "Name", "&s", &name))
            {
              g_free (order->last_signal);
              order->last_signal = g_strdup (name);
            }
        }
      else if ((g_strcmp0 (member, "InterfacesAdded") == 0 || g_strcmp0 (member, "InterfacesRemoved") == 0)
               && g_str_has_prefix ((g_variant_get_child (body, 0, "&o", &path), path), VOLUMES_PREFIX))
        g_hash_table_insert (order->announced, g_strdup (path),
                             GINT_TO_POINTER (g_str_equal (member, "InterfacesAdded")));
    }
  else if (g_dbus_message_get_message_type (message) == G_DBUS_MESSAGE_TYPE_METHOD_RETURN
           && g_hash_table_contains (order->list_serials, GUINT_TO_POINTER (g_dbus_message_get_reply_serial (message))))
    check_listing (order, body);
  g_mutex_unlock (&order->lock);
  return message;
}

/* GetManagedObjects is answered on a thread of its own, which reads the
 * objects without the lock and again those changed since: while renames,
 * creates and deletes go on, no listing may be older than a signal that
 * came before it. */
static void
test_listings_in_order (Fixture *fx, gconstpointer data)
{
  g_autofree char *volume = create_volume (fx, 1024 * 1024, NULL);
  ListOrder order = {
    .path = volume,
    .list_serials = g_hash_table_new (NULL, NULL),
    .announced = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
    .last_signal = g_strdup (""),
  };
  g_autoptr(GPtrArray) made = g_ptr_array_new_with_free_func (g_free);
  guint filter, subscription;
  guint pending = 0;

  /* enough objects that a listing takes a while to read */
  for (guint i = 0; i < N_LISTED; i++)
    {
      g_dbus_connection_call (fx->connection, "org.openstack.Volume1", MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
                              g_variant_new ("(t@a{sv})", (guint64) 1024 * 1024, g_variant_new ("a{sv}", NULL)),
                              NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, count_reply, &pending);
      pending++;
      while (pending >= 16)
        g_main_context_iteration (NULL, TRUE);
    }
  while (pending > 0)
    g_main_context_iteration (NULL, TRUE);

  g_mutex_init (&order.lock);
  filter = g_dbus_connection_add_filter (fx->connection, watch_listings, &order, NULL);
  subscription = g_dbus_connection_signal_subscribe (fx->connection, NULL, NULL, NULL, NULL, NULL,
                                                     G_DBUS_SIGNAL_FLAGS_NONE, ignore_signal, NULL, NULL);
  for (int k = 1; k <= N_LIST_ROUNDS; k++)
    {
      g_autofree char *new_name = g_strdup_printf ("n%d", k);
      g_autoptr(GDBusMessage) list = g_dbus_message_new_method_call ("org.openstack.Volume1", ROOT_PATH,
                                                                     "org.freedesktop.DBus.ObjectManager",
                                                                     "GetManagedObjects");
      guint32 serial = 0;

      g_dbus_connection_call (fx->connection, "org.openstack.Volume1", volume, IFACE_VOLUME, "Update",
                              g_variant_new_parsed ("({'name': <%s>},)", new_name), NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                              NULL, count_reply, &pending);
      pending++;
      g_dbus_connection_call (fx->connection, "org.openstack.Volume1", MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
                              g_variant_new ("(t@a{sv})", (guint64) 1024 * 1024, g_variant_new ("a{sv}", NULL)),
                              NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, count_reply, &pending);
      pending++;
      g_mutex_lock (&order.lock);
      g_dbus_connection_send_message_with_reply (fx->connection, list, G_DBUS_SEND_MESSAGE_FLAGS_NONE, -1, &serial,
                                                 NULL, count_message_reply, &pending);
      g_hash_table_add (order.list_serials, GUINT_TO_POINTER (serial));
      g_mutex_unlock (&order.lock);
      pending++;
      /* and a volume made in an earlier round goes */
      g_mutex_lock (&order.lock);
      {
        GHashTableIter iter;
        gpointer path, added;

        g_hash_table_iter_init (&iter, order.announced);
        while (g_hash_table_iter_next (&iter, &path, &added))
          if (GPOINTER_TO_INT (added) && !g_str_equal (path, volume)
              && !g_ptr_array_find_with_equal_func (made, path, g_str_equal, NULL))
            {
              g_ptr_array_add (made, g_strdup (path));
              break;
            }
      }
      g_mutex_unlock (&order.lock);
      if (made->len > 0 && k % 2 == 0)
        {
          g_dbus_connection_call (fx->connection, "org.openstack.Volume1", g_ptr_array_index (made, made->len - 1),
                                  IFACE_VOLUME, "Delete", g_variant_new ("(a{sv})", NULL), NULL,
                                  G_DBUS_CALL_FLAGS_NONE, -1, NULL, count_reply, &pending);
          pending++;
        }
      while (pending > 8)
        g_main_context_iteration (NULL, TRUE);
    }
  while (pending > 0)
    g_main_context_iteration (NULL, TRUE);

  g_test_message ("%u listings of %u objects or more; %u volumes announced", order.n_replies, N_LISTED,
                  g_hash_table_size (order.announced));
  g_assert_cmpuint (order.n_replies, ==, N_LIST_ROUNDS);
  g_assert_cmpuint (order.n_stale, ==, 0);
  g_dbus_connection_signal_unsubscribe (fx->connection, subscription);
  g_dbus_connection_remove_filter (fx->connection, filter);
  g_mutex_clear (&order.lock);
  g_hash_table_unref (order.list_serials);
  g_hash_table_unref (order.announced);
  g_free (order.last_signal);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/concurrency/1000-operations-16-clients", Fixture, NULL, fixture_setup, test_concurrency,
              fixture_teardown);
  g_test_add ("/concurrency/reads-in-order", Fixture, NULL, fixture_setup, test_reads_in_order, fixture_teardown);
  g_test_add ("/concurrency/listings-in-order", Fixture, NULL, fixture_setup, test_listings_in_order,
              fixture_teardown);
  return g_test_run ();
}
