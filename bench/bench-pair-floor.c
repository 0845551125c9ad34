/* nova-volume-bench: the floor of a create+delete pair (see the header). */
#include "config.h"

#include "bench-daemon.h"
#include "bench-pair-floor.h"
#include "bench-server.h"

/* the volume a create answers with: one client at a time deletes it next */
#define FLOOR_VOLUME_PATH BENCH_ROOT_PATH "/floor_volume"

static const char floor_xml[] =
  "<node>"
  "  <interface name='" BENCH_IFACE_MANAGER "'>"
  "    <method name='CreateVolume'>"
  "      <arg type='t' name='size' direction='in'/>"
  "      <arg type='a{sv}' name='options' direction='in'/>"
  "      <arg type='o' name='volume' direction='out'/>"
  "    </method>"
  "  </interface>"
  "  <interface name='" BENCH_IFACE_VOLUME "'>"
  "    <method name='Delete'>"
  "      <arg type='a{sv}' name='options' direction='in'/>"
  "    </method>"
  "  </interface>"
  "</node>";

struct _BenchPairFloor {
  BenchServer   *server;
  GDBusNodeInfo *node;
  BenchBare     *bare;
  BenchBareKind  kind;
  char          *volume_id;   /* made and not yet deleted; the server's thread's */
};

static void
on_create (GDBusConnection *connection, const char *sender, const char *path, const char *iface,
           const char *method, GVariant *params, GDBusMethodInvocation *invocation, gpointer user_data)
{
  BenchPairFloor *self = user_data;
  g_autofree char *id = g_uuid_string_random ();
  GError *error = NULL;
  guint64 size;

  g_variant_get (params, "(t@a{sv})", &size, NULL);
  if (self->volume_id != NULL || !bench_bare_create (self->bare, self->kind, id, size, &error))
    {
      if (error == NULL)
        error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_BUSY, "one volume at a time");
      g_dbus_method_invocation_take_error (invocation, error);
      return;
    }
  self->volume_id = g_steal_pointer (&id);
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", FLOOR_VOLUME_PATH));
}

static void
on_delete (GDBusConnection *connection, const char *sender, const char *path, const char *iface,
           const char *method, GVariant *params, GDBusMethodInvocation *invocation, gpointer user_data)
{
  BenchPairFloor *self = user_data;
  g_autofree char *id = g_steal_pointer (&self->volume_id);
  GError *error = NULL;

  if (id == NULL || !bench_bare_delete (self->bare, self->kind, id, &error))
    {
      if (error == NULL)
        error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no volume to delete");
      g_dbus_method_invocation_take_error (invocation, error);
      return;
    }
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static const GDBusInterfaceVTable create_vtable = { on_create, NULL, NULL, { 0 } };
static const GDBusInterfaceVTable delete_vtable = { on_delete, NULL, NULL, { 0 } };

BenchPairFloor *
bench_pair_floor_new (const char *bus_address, const char *dir, BenchBareKind kind, GError **error)
{
  g_autoptr(BenchPairFloor) self = g_new0 (BenchPairFloor, 1);

  self->kind = kind;
  self->node = g_dbus_node_info_new_for_xml (floor_xml, error);
  if (self->node == NULL)
    return NULL;
  self->bare = bench_bare_new (dir, error);
  if (self->bare == NULL)
    return NULL;
  self->server = bench_server_new (bus_address, error);
  if (self->server == NULL
      || !bench_server_register (self->server, BENCH_MANAGER_PATH, self->node->interfaces[0], &create_vtable, self,
                                 error)
      || !bench_server_register (self->server, FLOOR_VOLUME_PATH, self->node->interfaces[1], &delete_vtable, self,
                                 error))
    return NULL;
  bench_server_start (self->server);
  return g_steal_pointer (&self);
}

void
bench_pair_floor_free (BenchPairFloor *self)
{
  if (self == NULL)
    return;
  /* the thread stops first: nothing works on the files after this */
  g_clear_pointer (&self->server, bench_server_free);
  g_clear_pointer (&self->bare, bench_bare_free);
  g_clear_pointer (&self->node, g_dbus_node_info_unref);
  g_free (self->volume_id);
  g_free (self);
}

const char *
bench_pair_floor_get_name (BenchPairFloor *self)
{
  return bench_server_get_name (self->server);
}
