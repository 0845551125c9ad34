/* nova-volume-bench: the floor of a listing (see the header). */
#include "config.h"

#include "bench-daemon.h"
#include "bench-listing-floor.h"
#include "bench-server.h"

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
  BenchServer   *server;
  GDBusNodeInfo *node;
  GVariant      *reply;
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

BenchListingFloor *
bench_listing_floor_new (const char *bus_address, GVariant *reply, GError **error)
{
  g_autoptr(BenchListingFloor) self = g_new0 (BenchListingFloor, 1);

  self->reply = g_variant_ref (reply);
  self->node = g_dbus_node_info_new_for_xml (floor_xml, error);
  if (self->node == NULL)
    return NULL;
  self->server = bench_server_new (bus_address, error);
  if (self->server == NULL
      || !bench_server_register (self->server, BENCH_ROOT_PATH, self->node->interfaces[0], &listing_vtable, self,
                                 error)
      || !bench_server_register (self->server, BENCH_FLOOR_PATH, self->node->interfaces[1], &property_vtable,
                                 self, error))
    return NULL;
  bench_server_start (self->server);
  return g_steal_pointer (&self);
}

void
bench_listing_floor_free (BenchListingFloor *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->server, bench_server_free);
  g_clear_pointer (&self->node, g_dbus_node_info_unref);
  g_clear_pointer (&self->reply, g_variant_unref);
  g_free (self);
}

const char *
bench_listing_floor_get_name (BenchListingFloor *self)
{
  return bench_server_get_name (self->server);
}
