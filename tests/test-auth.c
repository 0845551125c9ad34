/* Authorization decisions: default deny, reading open, session bus only
 * for the daemon's own uid, system bus only for root (until polkit). */
#include "config.h"

#include "nova-volume-auth.h"
#include "nova-volume-error.h"

static const char *const mutating[][2] = {
  { "org.openstack.Volume1.Manager", "CreateVolume" },
  { "org.openstack.Volume1.Volume", "Delete" },
  { "org.openstack.Volume1.Volume", "Extend" },
  { "org.openstack.Volume1.Volume", "CreateSnapshot" },
  { "org.openstack.Volume1.Volume", "Attach" },
  { "org.openstack.Volume1.Volume", "Detach" },
  { "org.openstack.Volume1.Volume", "InitializeConnection" },
  { "org.openstack.Volume1.Volume", "TerminateConnection" },
  { "org.openstack.Volume1.Snapshot", "Delete" },
  { "org.openstack.Volume1.Job", "Cancel" },
};

static const char *const reading[][2] = {
  { "org.openstack.Volume1.Manager", "GetVolumeStats" },
  { "org.openstack.Volume1.Volume", "CheckForExport" },
};

/* Every method in the introspection XML is in the table: a method added
 * to the API without a decision would be denied, and this says so. */
static void
test_every_method_known (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "introspection",
                                                 "org.openstack.Volume1.xml", NULL);
  g_autofree char *xml = NULL;
  g_autoptr(GDBusNodeInfo) node = NULL;
  g_autoptr(GError) error = NULL;
  guint n = 0;

  g_assert_true (g_file_get_contents (path, &xml, NULL, &error));
  g_assert_no_error (error);
  node = g_dbus_node_info_new_for_xml (xml, &error);
  g_assert_no_error (error);
  for (guint i = 0; node->interfaces[i] != NULL; i++)
    for (guint j = 0; node->interfaces[i]->methods[j] != NULL; j++)
      {
        const char *action = NULL;

        g_assert_true (nova_volume_auth_lookup_action (node->interfaces[i]->name,
                                                       node->interfaces[i]->methods[j]->name, &action));
        n++;
      }
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (mutating) + G_N_ELEMENTS (reading));
}

static void
test_system_bus (void)
{
  g_autoptr(NovaVolumeAuth) auth = nova_volume_auth_new (G_BUS_TYPE_SYSTEM, 0);

  for (gsize i = 0; i < G_N_ELEMENTS (mutating); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (nova_volume_auth_decide (auth, 0, mutating[i][0], mutating[i][1], &error));
      g_assert_no_error (error);
      g_assert_false (nova_volume_auth_decide (auth, 1000, mutating[i][0], mutating[i][1], &error));
      g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_AUTHORIZED);
      g_assert_nonnull (strstr (error->message, mutating[i][1]));
    }
  for (gsize i = 0; i < G_N_ELEMENTS (reading); i++)
    g_assert_true (nova_volume_auth_decide (auth, 1000, reading[i][0], reading[i][1], NULL));
}

static void
test_session_bus (void)
{
  g_autoptr(NovaVolumeAuth) auth = nova_volume_auth_new (G_BUS_TYPE_SESSION, 1000);

  for (gsize i = 0; i < G_N_ELEMENTS (mutating); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (nova_volume_auth_decide (auth, 1000, mutating[i][0], mutating[i][1], NULL));
      /* not even root may change another user's per-user instance */
      g_assert_false (nova_volume_auth_decide (auth, 0, mutating[i][0], mutating[i][1], &error));
      g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_AUTHORIZED);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (reading); i++)
    g_assert_true (nova_volume_auth_decide (auth, 1001, reading[i][0], reading[i][1], NULL));
}

static void
test_unknown_denied (void)
{
  g_autoptr(NovaVolumeAuth) auth = nova_volume_auth_new (G_BUS_TYPE_SYSTEM, 0);
  g_autoptr(GError) error = NULL;
  const char *action = "x";

  g_assert_false (nova_volume_auth_lookup_action ("org.openstack.Volume1.Volume", "Format", &action));
  g_assert_null (action);
  /* even root: a method nobody decided on is not callable */
  g_assert_false (nova_volume_auth_decide (auth, 0, "org.openstack.Volume1.Volume", "Format", &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_AUTHORIZED);
}

static void
test_actions (void)
{
  const char *action = NULL;

  g_assert_true (nova_volume_auth_lookup_action ("org.openstack.Volume1.Volume", "Attach", &action));
  g_assert_cmpstr (action, ==, NOVA_VOLUME_ACTION_ATTACH);
  g_assert_true (nova_volume_auth_lookup_action ("org.openstack.Volume1.Volume", "InitializeConnection", &action));
  g_assert_cmpstr (action, ==, NOVA_VOLUME_ACTION_CONNECT);
  g_assert_true (nova_volume_auth_lookup_action ("org.openstack.Volume1.Snapshot", "Delete", &action));
  g_assert_cmpstr (action, ==, NOVA_VOLUME_ACTION_MANAGE_SNAPSHOTS);
  g_assert_true (nova_volume_auth_lookup_action ("org.openstack.Volume1.Manager", "CreateVolume", &action));
  g_assert_cmpstr (action, ==, NOVA_VOLUME_ACTION_MANAGE_VOLUMES);
  g_assert_true (nova_volume_auth_lookup_action ("org.openstack.Volume1.Manager", "GetVolumeStats", &action));
  g_assert_null (action);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/auth/every-method-known", test_every_method_known);
  g_test_add_func ("/auth/system-bus", test_system_bus);
  g_test_add_func ("/auth/session-bus", test_session_bus);
  g_test_add_func ("/auth/unknown-denied", test_unknown_denied);
  g_test_add_func ("/auth/actions", test_actions);
  return g_test_run ();
}
