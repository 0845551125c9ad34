/* The service tests' polkit authority on the private system bus. */
#include "config.h"

#include <signal.h>

#include "polkit-fixture.h"

#define POLKIT_NAME "org.freedesktop.PolicyKit1"
#define POLKIT_PATH "/org/freedesktop/PolicyKit1/Authority"
#define MOCK_IFACE  "org.freedesktop.DBus.Mock"

static gboolean
polkit_has_owner (PolkitFixture *pf)
{
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync (pf->fx.connection, "org.freedesktop.DBus",
                                                           "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                                           "NameHasOwner", g_variant_new ("(s)", POLKIT_NAME),
                                                           G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE,
                                                           -1, NULL, NULL);
  gboolean has_owner = FALSE;

  if (reply != NULL)
    g_variant_get (reply, "(b)", &has_owner);
  return has_owner;
}

void
polkit_fixture_setup (PolkitFixture *pf, gconstpointer data)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autofree char *template = g_test_build_filename (G_TEST_DIST, "polkitd-mock.py", NULL);
  g_autoptr(GError) error = NULL;
  /* a hang guard only: the mock owns its name in about a second */
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  fixture_setup_system_bus (&pf->fx, data);
  g_subprocess_launcher_setenv (launcher, "DBUS_SYSTEM_BUS_ADDRESS", pf->fx.bus_address, TRUE);
  /* Debian's python3-dbusmock belongs to Debian's python */
  pf->polkitd = g_subprocess_launcher_spawn (launcher, &error, "/usr/bin/python3", "-m", "dbusmock",
                                             "--system", "--template", template, NULL);
  g_assert_no_error (error);
  while (!polkit_has_owner (pf))
    {
      if (g_subprocess_get_identifier (pf->polkitd) == NULL || g_get_monotonic_time () > deadline)
        g_error ("the mock polkit authority (%s) did not start", template);
      g_usleep (20 * 1000);
    }
}

void
polkit_fixture_teardown (PolkitFixture *pf, gconstpointer data)
{
  fixture_teardown (&pf->fx, data);
  if (pf->polkitd != NULL)
    {
      g_subprocess_send_signal (pf->polkitd, SIGTERM);
      wait_or_kill (pf->polkitd, "the mock polkit authority");
      g_clear_object (&pf->polkitd);
    }
}

void
polkit_set_result (PolkitFixture *pf, const char *action_id, const char *result)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync (pf->fx.connection, POLKIT_NAME, POLKIT_PATH, MOCK_IFACE,
                                                           "SetResult", g_variant_new ("(ss)", action_id, result),
                                                           NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);

  g_assert_no_error (error);
}

GVariant *
polkit_take_checks (PolkitFixture *pf)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync (pf->fx.connection, POLKIT_NAME, POLKIT_PATH, MOCK_IFACE,
                                                           "TakeChecks", NULL, G_VARIANT_TYPE ("(a(sssua{ss}))"),
                                                           G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);

  g_assert_no_error (error);
  return g_variant_get_child_value (reply, 0);
}

char *
polkit_assert_one_check (PolkitFixture *pf, const char *action_id, guint32 flags)
{
  g_autoptr(GVariant) checks = polkit_take_checks (pf);
  g_autoptr(GVariant) details = NULL;
  const char *kind, *name, *action;
  char *method = NULL;
  guint32 got_flags;

  g_assert_cmpuint (g_variant_n_children (checks), ==, 1);
  g_variant_get_child (checks, 0, "(&s&s&su@a{ss})", &kind, &name, &action, &got_flags, &details);
  g_assert_cmpstr (kind, ==, "system-bus-name");
  g_assert_true (name[0] == ':');
  g_assert_cmpstr (action, ==, action_id);
  g_assert_cmpuint (got_flags, ==, flags);
  g_assert_true (g_variant_lookup (details, "nova_volume.method", "s", &method));
  return method;
}
