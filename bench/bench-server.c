/* nova-volume-bench: a bare GDBus server in a thread (see the header). */
#include "config.h"

#include "bench-server.h"

struct _BenchServer {
  GThread         *thread;
  GMainContext    *context;
  GMainLoop       *loop;
  GDBusConnection *connection;
  GArray          *ids;   /* guint: registrations */
};

static gpointer
serve (gpointer data)
{
  BenchServer *self = data;

  g_main_context_push_thread_default (self->context);
  g_main_loop_run (self->loop);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

BenchServer *
bench_server_new (const char *bus_address, GError **error)
{
  g_autoptr(BenchServer) self = g_new0 (BenchServer, 1);

  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->ids = g_array_new (FALSE, FALSE, sizeof (guint));
  /* the connection's signals and calls go to the context that is the
   * thread's default when it is made and its objects registered: ours */
  g_main_context_push_thread_default (self->context);
  self->connection = g_dbus_connection_new_for_address_sync (
    bus_address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, error);
  g_main_context_pop_thread_default (self->context);
  if (self->connection == NULL)
    return NULL;
  return g_steal_pointer (&self);
}

gboolean
bench_server_register (BenchServer *self, const char *path, GDBusInterfaceInfo *iface,
                       const GDBusInterfaceVTable *vtable, gpointer user_data, GError **error)
{
  guint id;

  g_return_val_if_fail (self->thread == NULL, FALSE);
  g_main_context_push_thread_default (self->context);
  id = g_dbus_connection_register_object (self->connection, path, iface, vtable, user_data, NULL, error);
  g_main_context_pop_thread_default (self->context);
  if (id == 0)
    return FALSE;
  g_array_append_val (self->ids, id);
  return TRUE;
}

void
bench_server_start (BenchServer *self)
{
  g_return_if_fail (self->thread == NULL);
  self->thread = g_thread_new ("bench-server", serve, self);
}

static gboolean
quit (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
bench_server_free (BenchServer *self)
{
  if (self == NULL)
    return;
  if (self->thread != NULL)
    {
      g_main_context_invoke (self->context, quit, self->loop);
      g_thread_join (self->thread);
    }
  for (guint i = 0; self->connection != NULL && i < self->ids->len; i++)
    g_dbus_connection_unregister_object (self->connection, g_array_index (self->ids, guint, i));
  if (self->connection != NULL)
    g_dbus_connection_close_sync (self->connection, NULL, NULL);
  g_clear_object (&self->connection);
  g_array_unref (self->ids);
  /* what the connection still had queued for this context */
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self);
}

const char *
bench_server_get_name (BenchServer *self)
{
  return g_dbus_connection_get_unique_name (self->connection);
}
