/* Default deny before polkit: on the system bus only root may change
 * state, on a session bus only the daemon's own user; everyone may read.
 * Callers are real gdbus processes running as another uid. */
#include "config.h"

#include <grp.h>
#include <unistd.h>

#include "service-fixture.h"

#define NOBODY 65534

static void
become_nobody (gpointer user_data)
{
  if (setgroups (0, NULL) != 0 || setgid (NOBODY) != 0 || setuid (NOBODY) != 0)
    _exit (126);
}

/* Runs `gdbus call` as uid nobody; returns its exit status, output in
 * @out (stdout and stderr). */
static int
gdbus_as_nobody (Fixture *fx, const char *path, const char *method, const char *const *args, char **out)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                                       | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (argv, (gpointer) "gdbus");
  g_ptr_array_add (argv, (gpointer) "call");
  g_ptr_array_add (argv, (gpointer) (fx->system_bus ? "--system" : "--session"));
  g_ptr_array_add (argv, (gpointer) "--dest");
  g_ptr_array_add (argv, (gpointer) BUS_NAME);
  g_ptr_array_add (argv, (gpointer) "--object-path");
  g_ptr_array_add (argv, (gpointer) path);
  g_ptr_array_add (argv, (gpointer) "--method");
  g_ptr_array_add (argv, (gpointer) method);
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  g_subprocess_launcher_set_child_setup (launcher, become_nobody, NULL, NULL);
  g_subprocess_launcher_setenv (launcher, fx->system_bus ? "DBUS_SYSTEM_BUS_ADDRESS" : "DBUS_SESSION_BUS_ADDRESS",
                                fx->bus_address, TRUE);
  process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  return g_subprocess_get_exit_status (process);
}

static gboolean
require_root (void)
{
  if (geteuid () == 0)
    return TRUE;
  g_test_skip ("calling as another uid needs root: run the suite as root (CI does)");
  return FALSE;
}

/* Every mutating method refused for nobody, with nothing changed. */
static void
check_mutations_refused (Fixture *fx)
{
  g_autofree char *volume = create_volume (fx, 8 * 1024 * 1024, NULL);
  g_autofree char *attached = create_volume (fx, 8 * 1024 * 1024, NULL);
  g_autofree char *snapshot = create_snapshot (fx, volume, FALSE);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  const char *connector_text = "{'ip': <'127.0.0.1'>, 'host': <'h'>}";
  const char *attach_args[] = { "'" INSTANCE_B "'", "/dev/vdc", "{}", NULL };
  const char *extend_args[] = { "16777216", "{}", NULL };
  const char *create_args[] = { "1048576", "{}", NULL };
  const char *options_args[] = { "{}", NULL };
  const char *connector_args[] = { connector_text, NULL };
  const struct {
    const char        *path;
    const char        *method;
    const char *const *args;
  } calls[] = {
    { MANAGER_PATH, IFACE_MANAGER ".CreateVolume", create_args },
    { volume, IFACE_VOLUME ".Delete", options_args },
    { volume, IFACE_VOLUME ".Extend", extend_args },
    { volume, IFACE_VOLUME ".CreateSnapshot", options_args },
    { volume, IFACE_VOLUME ".Attach", attach_args },
    { attached, IFACE_VOLUME ".Detach", options_args },
    { volume, IFACE_VOLUME ".InitializeConnection", connector_args },
    { volume, IFACE_VOLUME ".TerminateConnection", connector_args },
    { snapshot, IFACE_SNAPSHOT ".Delete", options_args },
  };

  call_ok (fx, attached, IFACE_VOLUME, "Attach", g_variant_new_parsed ("(%s, '/dev/vdb', @a{sv} {})", INSTANCE_A));
  before = fingerprint (fx);
  for (gsize i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      g_autofree char *out = NULL;
      int status = gdbus_as_nobody (fx, calls[i].path, calls[i].method, calls[i].args, &out);

      g_test_message ("%s as nobody: %s", calls[i].method, out);
      g_assert_cmpint (status, !=, 0);
      g_assert_nonnull (strstr (out, "org.openstack.Volume1.Error.NotAuthorized"));
    }
  after = fingerprint (fx);
  g_assert_cmpstr (before, ==, after);

  /* reading stays open */
  {
    const char *stats_args[] = { "false", NULL };
    const char *get_args[] = { IFACE_VOLUME, "Status", NULL };
    g_autofree char *out = NULL;

    g_assert_cmpint (gdbus_as_nobody (fx, MANAGER_PATH, IFACE_MANAGER ".GetVolumeStats", stats_args, &out), ==, 0);
    g_assert_nonnull (strstr (out, "total_capacity"));
    g_clear_pointer (&out, g_free);
    g_assert_cmpint (gdbus_as_nobody (fx, volume, IFACE_VOLUME ".CheckForExport", NULL, &out), ==, 0);
    g_clear_pointer (&out, g_free);
    g_assert_cmpint (gdbus_as_nobody (fx, volume, "org.freedesktop.DBus.Properties.Get", get_args, &out), ==, 0);
    g_assert_nonnull (strstr (out, "available"));
  }
}

static void
test_system_bus_default_deny (Fixture *fx, gconstpointer data)
{
  if (!require_root ())
    return;
  check_mutations_refused (fx);
}

static void
test_session_bus_other_uid (Fixture *fx, gconstpointer data)
{
  if (!require_root ())
    return;
  check_mutations_refused (fx);
}

/* Job.Cancel is a change too: nobody may not cancel root's copy. */
static void
test_job_cancel_refused (Fixture *fx, gconstpointer data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *source = NULL;
  g_autofree char *job = NULL;
  g_autofree char *out = NULL;
  const char *options_args[] = { "{}", NULL };

  if (!require_root ())
    return;
  use_held_copies (fx);
  source = create_volume (fx, 8 * 1024 * 1024, NULL);
  job = start_held_clone (fx, source, &result);

  g_assert_cmpint (gdbus_as_nobody (fx, job, "org.openstack.Volume1.Job.Cancel", options_args, &out), !=, 0);
  g_assert_nonnull (strstr (out, "org.openstack.Volume1.Error.NotAuthorized"));
  /* the refusal changed nothing: after a round trip and whatever it let
   * arrive, the job is still there and the clone still running */
  {
    g_autoptr(GVariant) progress = get_property (fx, job, "org.openstack.Volume1.Job", "Progress");
    while (g_main_context_iteration (NULL, FALSE))
      ;
    g_assert_null (result);
  }

  call_ok (fx, job, "org.openstack.Volume1.Job", "Cancel", g_variant_new_parsed ("(@a{sv} {},)"));
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  reply = g_dbus_connection_call_finish (fx->connection, result, &error);
  assert_dbus_error (error, "Cancelled");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/service-auth/system-bus-default-deny", Fixture, NULL,
              fixture_setup_system_bus, test_system_bus_default_deny, fixture_teardown);
  g_test_add ("/service-auth/session-bus-other-uid", Fixture, NULL,
              fixture_setup_shared_session_bus, test_session_bus_other_uid, fixture_teardown);
  g_test_add ("/service-auth/job-cancel-refused", Fixture, NULL,
              fixture_setup_system_bus, test_job_cancel_refused, fixture_teardown);
  return g_test_run ();
}
