/* nova-volume-bench: the floor of a listing (see the header). */
#include "config.h"

#include "bench-daemon.h"
#include "bench-listing-floor.h"

static const char floor_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.DBus.ObjectManager'>"
  "    <method name='GetManagedObjects'>"
  "      <arg type='a{oa{sa{sv}}}' name='objects' direction='out'/>"
  "    </method>"
  "  </interface>"
  "  <interface name='" BENCH_FLOOR_IFACE "'>"
  "    <property name='Status' type='s' access='read'/>"
  "  </interface>"
  "</node>";

struct _BenchListingFloor {
  GThread         *thread;
  GMainContext    *context;
  GMainLoop       *loop;
  GDBusConnection *connection;
  GDBusNodeInfo   *node;
  GVariant        *reply;
  guint            ids[2];
};

static void
on_call (GDBusConnection *connection, const char *sender, const char *path, const char *iface,
         const char *method, GVariant *params, GDBusMethodInvocation *invocation, gpointer user_data)
{
  BenchListingFloor *self = user_data;

  g_dbus_method_invocation_return_value (invocation, self->reply);
}

static GVariant *
on_get_property (GDBusConnection *connection, const char *sender, const char *path, const char *iface,
                 const char *property, GError **error, gpointer user_data)
{
  return g_variant_new_string ("available");
}

static const GDBusInterfaceVTable listing_vtable = { on_call, NULL, NULL, { 0 } };
static const GDBusInterfaceVTable property_vtable = { NULL, on_get_property, NULL, { 0 } };

static gpointer
serve (gpointer data)
{
  BenchListingFloor *self = data;

  g_main_context_push_thread_default (self->context);
  g_main_loop_run (self->loop);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

BenchListingFloor *
bench_listing_floor_new (const char *bus_address, GVariant *reply, GError **error)
{
  g_autoptr(BenchListingFloor) self = g_new0 (BenchListingFloor, 1);

  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->reply = g_variant_ref (reply);
  self->node = g_dbus_node_info_new_for_xml (floor_xml, error);
  if (self->node == NULL)
    return NULL;
  /* the calls are dispatched in the context that is the thread's default
   * when the objects are registered: the server's own */
  g_main_context_push_thread_default (self->context);
  self->connection = g_dbus_connection_new_for_address_sync (
    bus_address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, error);
  if (self->connection != NULL)
    {
      self->ids[0] = g_dbus_connection_register_object (self->connection, BENCH_ROOT_PATH, self->node->interfaces[0],
                                                        &listing_vtable, self, NULL, error);
      if (self->ids[0] != 0)
        self->ids[1] = g_dbus_connection_register_object (self->connection, BENCH_FLOOR_PATH,
                                                          self->node->interfaces[1], &property_vtable, self, NULL,
                                                          error);
    }
  g_main_context_pop_thread_default (self->context);
  if (self->connection == NULL || self->ids[0] == 0 || self->ids[1] == 0)
    return NULL;
  self->thread = g_thread_new ("bench-listing-floor", serve, self);
  return g_steal_pointer (&self);
}

static gboolean
quit (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
bench_listing_floor_free (BenchListingFloor *self)
{
  if (self == NULL)
    return;
  if (self->thread != NULL)
    {
      g_main_context_invoke (self->context, quit, self->loop);
      g_thread_join (self->thread);
    }
  for (guint i = 0; i < G_N_ELEMENTS (self->ids); i++)
    if (self->ids[i] != 0)
      g_dbus_connection_unregister_object (self->connection, self->ids[i]);
  if (self->connection != NULL)
    g_dbus_connection_close_sync (self->connection, NULL, NULL);
  g_clear_object (&self->connection);
  g_clear_pointer (&self->node, g_dbus_node_info_unref);
  g_clear_pointer (&self->reply, g_variant_unref);
  /* what the connection still had queued for this context */
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self);
}

const char *
bench_listing_floor_get_name (BenchListingFloor *self)
{
  return g_dbus_connection_get_unique_name (self->connection);
}
