/* Authorization decisions made without polkit: default deny, reading
 * open, session bus only for the daemon's own uid, root always, and which
 * polkit action every other change needs. */
#include "config.h"

#include "nova-volume-auth.h"
#include "nova-volume-error.h"

static const char *const mutating[][2] = {
  { "org.openstack.Volume1.Manager", "ManageExisting" },
  { "org.openstack.Volume1.Volume", "Unmanage" },
  { "org.openstack.Volume1.Manager", "CreateVolume" },
  { "org.openstack.Volume1.Volume", "Delete" },
  { "org.openstack.Volume1.Volume", "Extend" },
  { "org.openstack.Volume1.Volume", "Update" },
  { "org.openstack.Volume1.Volume", "CreateSnapshot" },
  { "org.openstack.Volume1.Volume", "Attach" },
  { "org.openstack.Volume1.Volume", "Detach" },
  { "org.openstack.Volume1.Volume", "InitializeConnection" },
  { "org.openstack.Volume1.Volume", "TerminateConnection" },
  { "org.openstack.Volume1.Volume", "Migrate" },
  { "org.openstack.Volume1.Volume", "RevertToSnapshot" },
  { "org.openstack.Volume1.Volume", "CopyToImage" },
  { "org.openstack.Volume1.Snapshot", "Delete" },
  { "org.openstack.Volume1.Snapshot", "Update" },
  { "org.openstack.Volume1.Snapshot", "CopyToImage" },
  { "org.openstack.Volume1.Job", "Cancel" },
  { "org.openstack.Volume1.Manager", "ImportBackups" },
  { "org.openstack.Volume1.Volume", "Backup" },
  { "org.openstack.Volume1.Snapshot", "Backup" },
  { "org.openstack.Volume1.Backup", "Restore" },
  { "org.openstack.Volume1.Backup", "Delete" },
  { "org.openstack.Volume1.Backup", "Verify" },
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

static NovaVolumeAuthVerdict
decide (NovaVolumeAuth *auth, uid_t uid, const char *const *method, const char **action, GError **error)
{
  return nova_volume_auth_decide (auth, uid, method[0], method[1], G_MAXUINT, action, error);
}

/* root always, polkit for everyone else, with the method's action */
static void
test_system_bus (void)
{
  g_autoptr(NovaVolumeAuth) auth = nova_volume_auth_new (G_BUS_TYPE_SYSTEM, 0);

  for (gsize i = 0; i < G_N_ELEMENTS (mutating); i++)
    {
      const char *expected = NULL;
      const char *action = NULL;

      g_assert_true (nova_volume_auth_lookup_action (mutating[i][0], mutating[i][1], &expected));
      g_assert_nonnull (expected);
      g_assert_cmpint (decide (auth, 0, mutating[i], &action, NULL), ==, NOVA_VOLUME_AUTH_ALLOW);
      g_assert_null (action);
      g_assert_cmpint (decide (auth, 1000, mutating[i], &action, NULL), ==, NOVA_VOLUME_AUTH_ASK_POLKIT);
      g_assert_cmpstr (action, ==, expected);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (reading); i++)
    {
      const char *action = "x";

      g_assert_cmpint (decide (auth, 1000, reading[i], &action, NULL), ==, NOVA_VOLUME_AUTH_ALLOW);
      g_assert_null (action);
    }
}

/* a user may cancel the job they started, not someone else's */
static void
test_job_starter_cancels (void)
{
  g_autoptr(NovaVolumeAuth) auth = nova_volume_auth_new (G_BUS_TYPE_SYSTEM, 0);
  const char *action = NULL;

  g_assert_cmpint (nova_volume_auth_decide (auth, 1000, "org.openstack.Volume1.Job", "Cancel", 1000, &action, NULL),
                   ==, NOVA_VOLUME_AUTH_ALLOW);
  g_assert_cmpint (nova_volume_auth_decide (auth, 1001, "org.openstack.Volume1.Job", "Cancel", 1000, &action, NULL),
                   ==, NOVA_VOLUME_AUTH_ASK_POLKIT);
  g_assert_cmpstr (action, ==, NOVA_VOLUME_ACTION_MANAGE_VOLUMES);
}

static void
test_session_bus (void)
{
  g_autoptr(NovaVolumeAuth) auth = nova_volume_auth_new (G_BUS_TYPE_SESSION, 1000);

  for (gsize i = 0; i < G_N_ELEMENTS (mutating); i++)
    {
      g_autoptr(GError) error = NULL;
      const char *action = NULL;

      g_assert_cmpint (decide (auth, 1000, mutating[i], &action, NULL), ==, NOVA_VOLUME_AUTH_ALLOW);
      /* not even root may change another user's per-user instance, and
       * polkit is not asked */
      g_assert_cmpint (decide (auth, 0, mutating[i], &action, &error), ==, NOVA_VOLUME_AUTH_DENY);
      g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_AUTHORIZED);
      g_assert_nonnull (strstr (error->message, mutating[i][1]));
    }
  for (gsize i = 0; i < G_N_ELEMENTS (reading); i++)
    {
      const char *action = NULL;

      g_assert_cmpint (decide (auth, 1001, reading[i], &action, NULL), ==, NOVA_VOLUME_AUTH_ALLOW);
    }
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
  g_assert_cmpint (nova_volume_auth_decide (auth, 0, "org.openstack.Volume1.Volume", "Format", G_MAXUINT,
                                            &action, &error), ==, NOVA_VOLUME_AUTH_DENY);
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_AUTHORIZED);
}

/* interaction needs the message flag, and auth.no_user_interaction in
 * any options dictionary turns it off */
static void
test_interaction (void)
{
  const GDBusMessageFlags allow = G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION;
  g_autoptr(GVariant) plain = g_variant_ref_sink (g_variant_new_parsed ("(uint64 5, @a{sv} {})"));
  g_autoptr(GVariant) refused = g_variant_ref_sink (g_variant_new_parsed (
    "(uint64 5, {'auth.no_user_interaction': <true>})"));
  g_autoptr(GVariant) asked = g_variant_ref_sink (g_variant_new_parsed (
    "(uint64 5, {'auth.no_user_interaction': <false>})"));
  g_autoptr(GVariant) wrong_type = g_variant_ref_sink (g_variant_new_parsed (
    "(uint64 5, {'auth.no_user_interaction': <'yes'>})"));

  g_assert_true (nova_volume_auth_allows_interaction (allow, plain));
  g_assert_false (nova_volume_auth_allows_interaction (G_DBUS_MESSAGE_FLAGS_NONE, plain));
  g_assert_false (nova_volume_auth_allows_interaction (allow, refused));
  g_assert_true (nova_volume_auth_allows_interaction (allow, asked));
  /* the handler refuses the wrong type later; here it is not a "no" */
  g_assert_true (nova_volume_auth_allows_interaction (allow, wrong_type));
  g_assert_true (nova_volume_auth_allows_interaction (allow, NULL));
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
  g_assert_true (nova_volume_auth_lookup_action ("org.openstack.Volume1.Volume", "CopyToImage", &action));
  g_assert_cmpstr (action, ==, NOVA_VOLUME_ACTION_COPY_DATA);
}

/* an image to import needs copy-data besides manage-volumes; the option
 * decides, whatever else the call carries */
static void
test_option_actions (void)
{
  g_autoptr(GVariant) with_image = g_variant_ref_sink (
    g_variant_new_parsed ("(@t 0, {'name': <'x'>, 'image-fd': <@h 0>})"));
  g_autoptr(GVariant) without = g_variant_ref_sink (g_variant_new_parsed ("(@t 1, {'name': <'x'>})"));

  g_assert_cmpstr (nova_volume_auth_lookup_option_action ("org.openstack.Volume1.Manager", "CreateVolume", with_image),
                   ==, NOVA_VOLUME_ACTION_COPY_DATA);
  g_assert_null (nova_volume_auth_lookup_option_action ("org.openstack.Volume1.Manager", "CreateVolume", without));
  g_assert_null (nova_volume_auth_lookup_option_action ("org.openstack.Volume1.Manager", "CreateVolume", NULL));
  g_assert_null (nova_volume_auth_lookup_option_action ("org.openstack.Volume1.Volume", "Extend", with_image));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/auth/every-method-known", test_every_method_known);
  g_test_add_func ("/auth/system-bus", test_system_bus);
  g_test_add_func ("/auth/session-bus", test_session_bus);
  g_test_add_func ("/auth/job-starter-cancels", test_job_starter_cancels);
  g_test_add_func ("/auth/interaction", test_interaction);
  g_test_add_func ("/auth/unknown-denied", test_unknown_denied);
  g_test_add_func ("/auth/actions", test_actions);
  g_test_add_func ("/auth/option-actions", test_option_actions);
  return g_test_run ();
}
