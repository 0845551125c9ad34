/* Default deny before polkit: on the system bus only root may change
 * state, on a session bus only the daemon's own user; everyone may read.
 * Callers are real gdbus processes running as another uid. */
#include "config.h"

#include <fcntl.h>
#include <grp.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "nova-dbus-generated.h"
#include "nova-volume-auth.h"
#include "polkit-fixture.h"
#include "service-fixture.h"
#include "test-util.h"

#define NOBODY 65534

static void
become_nobody (gpointer user_data)
{
  if (setgroups (0, NULL) != 0 || setgid (NOBODY) != 0 || setuid (NOBODY) != 0)
    _exit (126);
}

/* Runs `gdbus call` as uid nobody (with --interactive when asked); returns its exit status, output in
 * @out (stdout and stderr). */
static int
gdbus_as (Fixture *fx, gboolean interactive, const char *path, const char *method, const char *const *args,
          char **out)
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
  if (interactive)
    g_ptr_array_add (argv, (gpointer) "--interactive");
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  /* as root, become nobody; anyone else is not root already */
  if (geteuid () == 0)
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

static int
gdbus_as_nobody (Fixture *fx, const char *path, const char *method, const char *const *args, char **out)
{
  return gdbus_as (fx, FALSE, path, method, args, out);
}

static gboolean
require_root (void)
{
  if (geteuid () == 0)
    return TRUE;
  g_test_skip ("calling as another uid needs root: run the suite as root (CI does)");
  return FALSE;
}

/* a file of the volumes directory for ManageExisting to take */
static void
make_unmanaged_file (Fixture *fx)
{
  g_autofree char *path = g_build_filename (fx->state_dir, "volumes", "legacy.img", NULL);
  int fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, 1024 * 1024), ==, 0);
  close (fd);
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
  const char *rename_args[] = { "{'name': <'renamed'>}", NULL };
  const char *create_args[] = { "1048576", "{}", NULL };
  const char *options_args[] = { "{}", NULL };
  const char *connector_args[] = { connector_text, NULL };
  const char *manage_args[] = { "'legacy.img'", "{}", NULL };
  const char *revert_args[] = { snapshot, "{}", NULL };
  const struct {
    const char        *path;
    const char        *method;
    const char *const *args;
  } calls[] = {
    { MANAGER_PATH, IFACE_MANAGER ".CreateVolume", create_args },
    { volume, IFACE_VOLUME ".Delete", options_args },
    { volume, IFACE_VOLUME ".Extend", extend_args },
    { volume, IFACE_VOLUME ".Update", rename_args },
    { snapshot, IFACE_SNAPSHOT ".Update", rename_args },
    { volume, IFACE_VOLUME ".CreateSnapshot", options_args },
    { volume, IFACE_VOLUME ".Attach", attach_args },
    { attached, IFACE_VOLUME ".Detach", options_args },
    { volume, IFACE_VOLUME ".InitializeConnection", connector_args },
    { volume, IFACE_VOLUME ".TerminateConnection", connector_args },
    { snapshot, IFACE_SNAPSHOT ".Delete", options_args },
    { MANAGER_PATH, IFACE_MANAGER ".ManageExisting", manage_args },
    { volume, IFACE_VOLUME ".Unmanage", options_args },
    { volume, IFACE_VOLUME ".RevertToSnapshot", revert_args },
  };

  make_unmanaged_file (fx);
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

/* ---- polkit ------------------------------------------------------------ */

/* Every mutating method, called as nobody, with the action it needs. */
typedef enum { ON_MANAGER, ON_VOLUME, ON_ATTACHED, ON_SNAPSHOT, ON_SPARE } Target;

static const struct {
  Target      target;
  const char *method;
  const char *args;    /* gdbus's text form, space-separated */
  const char *action;
} polkit_calls[] = {
  { ON_MANAGER, IFACE_MANAGER ".CreateVolume", "1048576 {}", NOVA_VOLUME_ACTION_MANAGE_VOLUMES },
  /* SNAPSHOT stands for the volume's snapshot */
  { ON_VOLUME, IFACE_VOLUME ".RevertToSnapshot", "SNAPSHOT {}", NOVA_VOLUME_ACTION_MANAGE_VOLUMES },
  { ON_MANAGER, IFACE_MANAGER ".ManageExisting", "'legacy.img' {}", NOVA_VOLUME_ACTION_MANAGE_VOLUMES },
  { ON_SPARE, IFACE_VOLUME ".Unmanage", "{}", NOVA_VOLUME_ACTION_MANAGE_VOLUMES },
  { ON_VOLUME, IFACE_VOLUME ".Extend", "16777216 {}", NOVA_VOLUME_ACTION_MANAGE_VOLUMES },
  { ON_VOLUME, IFACE_VOLUME ".Update", "{'name':<'renamed'>}", NOVA_VOLUME_ACTION_MANAGE_VOLUMES },
  { ON_SNAPSHOT, IFACE_SNAPSHOT ".Update", "{'name':<'renamed'>}", NOVA_VOLUME_ACTION_MANAGE_SNAPSHOTS },
  { ON_VOLUME, IFACE_VOLUME ".CreateSnapshot", "{}", NOVA_VOLUME_ACTION_MANAGE_SNAPSHOTS },
  { ON_VOLUME, IFACE_VOLUME ".Attach", "'" INSTANCE_B "' /dev/vdc {}", NOVA_VOLUME_ACTION_ATTACH },
  { ON_ATTACHED, IFACE_VOLUME ".Detach", "{}", NOVA_VOLUME_ACTION_ATTACH },
  { ON_VOLUME, IFACE_VOLUME ".InitializeConnection", "{'ip':<'127.0.0.1'>,'host':<'h'>}", NOVA_VOLUME_ACTION_CONNECT },
  { ON_VOLUME, IFACE_VOLUME ".TerminateConnection", "{'ip':<'127.0.0.1'>,'host':<'h'>}", NOVA_VOLUME_ACTION_CONNECT },
  { ON_SNAPSHOT, IFACE_SNAPSHOT ".Delete", "{}", NOVA_VOLUME_ACTION_MANAGE_SNAPSHOTS },
  { ON_ATTACHED, IFACE_VOLUME ".Delete", "{}", NOVA_VOLUME_ACTION_MANAGE_VOLUMES },
};

typedef struct {
  char *volume;
  char *attached;
  char *snapshot;
  char *spare;     /* for Unmanage */
} Targets;

static void
targets_make (Fixture *fx, Targets *t)
{
  t->volume = create_volume (fx, 8 * 1024 * 1024, NULL);
  t->attached = create_volume (fx, 8 * 1024 * 1024, NULL);
  t->snapshot = create_snapshot (fx, t->volume, FALSE);
  t->spare = create_volume (fx, 1024 * 1024, NULL);
  make_unmanaged_file (fx);
  call_ok (fx, t->attached, IFACE_VOLUME, "Attach", g_variant_new_parsed ("(%s, '/dev/vdb', @a{sv} {})", INSTANCE_A));
}

static void
targets_clear (Targets *t)
{
  g_free (t->volume);
  g_free (t->attached);
  g_free (t->snapshot);
  g_free (t->spare);
}

static const char *
target_path (const Targets *t, Target target)
{
  switch (target)
    {
    case ON_VOLUME:
      return t->volume;
    case ON_ATTACHED:
      return t->attached;
    case ON_SNAPSHOT:
      return t->snapshot;
    case ON_SPARE:
      return t->spare;
    case ON_MANAGER:
    default:
      return MANAGER_PATH;
    }
}

static int
polkit_call (PolkitFixture *pf, const Targets *t, gsize i, gboolean interactive, char **out)
{
  g_auto(GStrv) args = g_strsplit (polkit_calls[i].args, " ", -1);

  for (guint j = 0; args[j] != NULL; j++)
    if (g_str_equal (args[j], "SNAPSHOT"))
      {
        g_free (args[j]);
        args[j] = g_strdup (t->snapshot);
      }

  return gdbus_as (&pf->fx, interactive, target_path (t, polkit_calls[i].target), polkit_calls[i].method,
                   (const char *const *) args, out);
}

static const char *
method_name (const char *qualified)
{
  return strrchr (qualified, '.') + 1;
}

/* polkit says no: every method refused with NotAuthorized naming the
 * action, nothing changed, and polkit was asked about the caller's bus
 * name for exactly the right action. */
static void
test_polkit_denied (PolkitFixture *pf, gconstpointer data)
{
  Fixture *fx = &pf->fx;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  Targets t;

  targets_make (fx, &t);
  g_clear_pointer (&before, g_free);
  before = fingerprint (fx);
  g_variant_unref (polkit_take_checks (pf));
  for (gsize i = 0; i < G_N_ELEMENTS (polkit_calls); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *method = NULL;

      g_assert_cmpint (polkit_call (pf, &t, i, FALSE, &out), !=, 0);
      g_test_message ("%s denied: %s", polkit_calls[i].method, out);
      g_assert_nonnull (strstr (out, "org.openstack.Volume1.Error.NotAuthorized:"));
      g_assert_nonnull (strstr (out, polkit_calls[i].action));
      method = polkit_assert_one_check (pf, polkit_calls[i].action, 0);
      g_assert_cmpstr (method, ==, method_name (polkit_calls[i].method));
    }
  after = fingerprint (fx);
  g_assert_cmpstr (before, ==, after);
  targets_clear (&t);
}

/* polkit says yes: every method succeeds for nobody, one check each. */
static void
test_polkit_allowed (PolkitFixture *pf, gconstpointer data)
{
  Fixture *fx = &pf->fx;
  const char *const actions[] = {
    NOVA_VOLUME_ACTION_MANAGE_VOLUMES, NOVA_VOLUME_ACTION_MANAGE_SNAPSHOTS,
    NOVA_VOLUME_ACTION_ATTACH, NOVA_VOLUME_ACTION_CONNECT,
  };
  Targets t;

  for (gsize i = 0; i < G_N_ELEMENTS (actions); i++)
    polkit_set_result (pf, actions[i], "yes");
  targets_make (fx, &t);
  g_variant_unref (polkit_take_checks (pf));
  for (gsize i = 0; i < G_N_ELEMENTS (polkit_calls); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *method = NULL;
      int status = polkit_call (pf, &t, i, FALSE, &out);

      g_test_message ("%s allowed: %s", polkit_calls[i].method, out);
      g_assert_cmpint (status, ==, 0);
      method = polkit_assert_one_check (pf, polkit_calls[i].action, 0);
      g_assert_cmpstr (method, ==, method_name (polkit_calls[i].method));
    }
  /* what they did happened: the attached volume is gone, the snapshot too */
  call_fails (fx, t.attached, "org.freedesktop.DBus.Properties", "Get",
              g_variant_new ("(ss)", IFACE_VOLUME, "Status"), "NotFound");
  assert_status (fx, t.volume, IFACE_VOLUME, "in-use");
  g_assert_cmpuint (get_uint64 (fx, t.volume, IFACE_VOLUME, "Size"), ==, 16 * 1024 * 1024);
  call_fails (fx, t.spare, "org.freedesktop.DBus.Properties", "Get",
              g_variant_new ("(ss)", IFACE_VOLUME, "Status"), "NotFound");
  {
    g_autofree char *legacy = g_build_filename (fx->state_dir, "volumes", "legacy.img", NULL);

    g_assert_false (g_file_test (legacy, G_FILE_TEST_EXISTS));
  }
  targets_clear (&t);
}

/* polkit would let the caller in after authenticating: without
 * interaction that is NotAuthorizedCanObtain and nothing changes; with
 * --interactive (ALLOW_INTERACTIVE_AUTHORIZATION) polkit is asked to
 * interact and the call goes through; auth.no_user_interaction wins over
 * the flag. */
static void
test_polkit_challenge (PolkitFixture *pf, gconstpointer data)
{
  Fixture *fx = &pf->fx;
  const char *no_interaction[] = { "1048576", "{'auth.no_user_interaction': <true>}", NULL };
  const char *plain[] = { "1048576", "{}", NULL };
  const char *method = IFACE_MANAGER ".CreateVolume";
  g_autofree char *before = fingerprint (fx);
  g_autofree char *after = NULL;
  g_autofree char *out = NULL;
  g_autofree char *checked = NULL;

  polkit_set_result (pf, NOVA_VOLUME_ACTION_MANAGE_VOLUMES, "challenge");

  g_assert_cmpint (gdbus_as (fx, FALSE, MANAGER_PATH, method, plain, &out), !=, 0);
  g_assert_nonnull (strstr (out, "org.openstack.Volume1.Error.NotAuthorizedCanObtain:"));
  g_free (polkit_assert_one_check (pf, NOVA_VOLUME_ACTION_MANAGE_VOLUMES, 0));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (gdbus_as (fx, TRUE, MANAGER_PATH, method, no_interaction, &out), !=, 0);
  g_assert_nonnull (strstr (out, "org.openstack.Volume1.Error.NotAuthorizedCanObtain:"));
  g_free (polkit_assert_one_check (pf, NOVA_VOLUME_ACTION_MANAGE_VOLUMES, 0));
  g_clear_pointer (&out, g_free);

  after = fingerprint (fx);
  g_assert_cmpstr (before, ==, after);

  g_assert_cmpint (gdbus_as (fx, TRUE, MANAGER_PATH, method, plain, &out), ==, 0);
  g_assert_nonnull (strstr (out, "/org/openstack/Volume1/volumes/"));
  checked = polkit_assert_one_check (pf, NOVA_VOLUME_ACTION_MANAGE_VOLUMES, 1);
  g_assert_cmpstr (checked, ==, "CreateVolume");
}

/* Job.Cancel of root's copy by nobody: polkit is asked for
 * manage-volumes; denied, the copy runs on; allowed, it is cancelled. */
static void
test_polkit_job_cancel (PolkitFixture *pf, gconstpointer data)
{
  Fixture *fx = &pf->fx;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *source = NULL;
  g_autofree char *job = NULL;
  g_autofree char *out = NULL;
  g_autofree char *checked = NULL;
  const char *options_args[] = { "{}", NULL };

  use_held_copies (fx);
  source = create_volume (fx, 8 * 1024 * 1024, NULL);
  job = start_held_clone (fx, source, &result);

  g_assert_cmpint (gdbus_as_nobody (fx, job, "org.openstack.Volume1.Job.Cancel", options_args, &out), !=, 0);
  g_assert_nonnull (strstr (out, "org.openstack.Volume1.Error.NotAuthorized:"));
  checked = polkit_assert_one_check (pf, NOVA_VOLUME_ACTION_MANAGE_VOLUMES, 0);
  g_assert_cmpstr (checked, ==, "Cancel");
  {
    g_autoptr(GVariant) progress = get_property (fx, job, "org.openstack.Volume1.Job", "Progress");
    while (g_main_context_iteration (NULL, FALSE))
      ;
    g_assert_null (result);
  }

  polkit_set_result (pf, NOVA_VOLUME_ACTION_MANAGE_VOLUMES, "yes");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (gdbus_as_nobody (fx, job, "org.openstack.Volume1.Job.Cancel", options_args, &out), ==, 0);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  reply = g_dbus_connection_call_finish (fx->connection, result, &error);
  assert_dbus_error (error, "Cancelled");
}

/* ---- secrets ----------------------------------------------------------- */

/* Appends what @process printed, stdout and stderr, to @seen. */
static void
run_and_collect (Fixture *fx, GString *seen, const char *const *argv)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                                       | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  g_subprocess_launcher_setenv (launcher, "DBUS_SYSTEM_BUS_ADDRESS", fx->bus_address, TRUE);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_string_append (seen, out);
}

static void
call_and_collect (Fixture *fx, GString *seen, const char *path, const char *iface, const char *method,
                  GVariant *params)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (fx, path, iface, method, params, NULL, &error);

  if (reply != NULL)
    {
      g_autofree char *text = g_variant_print (reply, TRUE);
      g_string_append_printf (seen, "%s\n", text);
    }
  else
    g_string_append_printf (seen, "%s\n", error->message);
}

/* The CHAP password InitializeConnection hands @volume's host. */
static char *
connection_password (Fixture *fx, const char *volume)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (fx, volume, IFACE_VOLUME, "InitializeConnection", connector (), "(a{sv})", &error);
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GVariant) info_data = NULL;
  char *password = NULL;

  g_assert_no_error (error);
  info = g_variant_get_child_value (reply, 0);
  info_data = g_variant_lookup_value (info, "data", G_VARIANT_TYPE_VARDICT);
  g_assert_true (g_variant_lookup (info_data, "auth_password", "s", &password));
  return password;
}

/* The CHAP secret a driver makes (provider_auth) is handed out only in
 * the reply to an authorized InitializeConnection: no property, no other
 * reply, no error message, no log line (all debug included, across a
 * restart that restores the connection), no CLI output shows it. */
static void
test_secret_never_shown (PolkitFixture *pf, gconstpointer data)
{
  Fixture *fx = &pf->fx;
  g_autoptr(GString) seen = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *volume = NULL;
  g_autofree char *other = NULL;
  g_autofree char *snapshot = NULL;
  g_autofree char *log = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *secret_again = NULL;
  const char *options_args[] = { "{}", NULL };
  const char *connector_args[] = { "{'ip':<'10.0.0.9'>,'host':<'compute9'>}", NULL };

  daemon_stop (fx);
  write_config (fx, "fake");
  daemon_start (fx);
  volume = create_volume (fx, GIB, NULL);
  other = create_volume (fx, GIB, NULL);

  secret = connection_password (fx, volume);
  g_assert_cmpuint (strlen (secret), >=, 12);

  /* everything a reader can see */
  call_and_collect (fx, seen, "/org/openstack/Volume1", "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", NULL);
  call_and_collect (fx, seen, volume, "org.freedesktop.DBus.Properties", "GetAll", g_variant_new ("(s)", IFACE_VOLUME));
  call_and_collect (fx, seen, MANAGER_PATH, "org.freedesktop.DBus.Properties", "GetAll", g_variant_new ("(s)", IFACE_MANAGER));
  call_and_collect (fx, seen, MANAGER_PATH, IFACE_MANAGER, "GetVolumeStats", g_variant_new ("(b)", TRUE));
  call_and_collect (fx, seen, volume, IFACE_VOLUME, "CheckForExport", NULL);
  /* errors about the volume, its connection and its export */
  call_and_collect (fx, seen, volume, IFACE_VOLUME, "InitializeConnection", g_variant_new_parsed ("({'ip': <42>},)"));
  call_and_collect (fx, seen, volume, IFACE_VOLUME, "Extend", g_variant_new_parsed ("(@t 1, @a{sv} {})"));
  call_and_collect (fx, seen, volume, IFACE_VOLUME, "Attach", g_variant_new_parsed ("('not-a-uuid', '/dev/vdb', @a{sv} {})"));
  call_and_collect (fx, seen, volume, IFACE_VOLUME, "CreateSnapshot", g_variant_new_parsed ("({'force': <'yes'>},)"));
  snapshot = create_snapshot (fx, volume, TRUE);
  call_and_collect (fx, seen, volume, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
  /* refusals for another user, polkit asked and denying */
  {
    g_autofree char *out = NULL;

    gdbus_as_nobody (fx, volume, IFACE_VOLUME ".InitializeConnection", connector_args, &out);
    g_string_append (seen, out);
    g_clear_pointer (&out, g_free);
    gdbus_as_nobody (fx, volume, IFACE_VOLUME ".Delete", options_args, &out);
    g_string_append (seen, out);
  }
  /* the CLI's views */
  {
    g_autofree char *id = g_strdelimit (g_strdup (strrchr (volume, '/') + 1), "_", '-');
    const char *show[] = { nova_volumectl_path (), "show", id, NULL };
    const char *show_json[] = { nova_volumectl_path (), "--json", "show", id, NULL };
    const char *list_json[] = { nova_volumectl_path (), "--json", "list", NULL };

    run_and_collect (fx, seen, show);
    run_and_collect (fx, seen, show_json);
    run_and_collect (fx, seen, list_json);
  }

  /* a restart restores the connection (the driver sets the secret on its
   * target again) and the host gets the same credentials */
  daemon_stop (fx);
  daemon_start (fx);
  secret_again = connection_password (fx, volume);
  g_assert_cmpstr (secret_again, ==, secret);
  /* it is real: the state store holds it (the same search finds it), until
   * the volume is deleted */
  {
    g_autoptr(GString) stored = g_string_new (NULL);
    g_autoptr(GDir) dir = g_dir_open (fx->state_dir, 0, &error);
    const char *name;

    g_assert_no_error (error);
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *path = g_build_filename (fx->state_dir, name, NULL);
        g_autofree char *bytes = NULL;
        gsize length = 0;

        if (g_file_test (path, G_FILE_TEST_IS_REGULAR) && g_file_get_contents (path, &bytes, &length, NULL))
          g_string_append_len (stored, bytes, length);
      }
    /* memmem: the database has NUL bytes, where g_strstr_len stops */
    g_assert_nonnull (memmem (stored->str, stored->len, secret, strlen (secret)));
  }
  call_ok (fx, snapshot, IFACE_SNAPSHOT, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
  disconnect_volume (fx, volume);
  call_ok (fx, volume, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
  daemon_stop (fx);

  g_assert_true (g_file_get_contents (fx->log_path, &log, NULL, NULL));
  /* the daemon did log at debug level, and about this volume */
  g_assert_nonnull (strstr (log, "-DEBUG"));
  {
    g_autofree char *id = g_strdelimit (g_strdup (strrchr (volume, '/') + 1), "_", '-');
    g_assert_nonnull (strstr (log, id));
  }
  g_string_append (seen, log);
  g_test_message ("looked for the secret in %" G_GSIZE_FORMAT " bytes of replies, errors, CLI output and logs",
                  seen->len);
  g_assert_null (strstr (seen->str, secret));
}

/* Images: CopyToImage needs copy-data; CreateVolume with image-fd needs
 * manage-volumes and copy-data, asked in that order, and without an
 * image-fd only manage-volumes. Refusals change nothing. */
static void
test_polkit_copy_data (PolkitFixture *pf, gconstpointer data)
{
  Fixture *fx = &pf->fx;
  g_autofree char *volume = create_volume (fx, 8 * 1024 * 1024, NULL);
  g_autofree char *before = NULL, *after = NULL, *out = NULL, *method = NULL;
  g_autoptr(GVariant) checks = NULL;
  const char *action = NULL;

  polkit_set_result (pf, NOVA_VOLUME_ACTION_MANAGE_VOLUMES, "yes");
  before = fingerprint (fx);
  g_variant_unref (polkit_take_checks (pf));

  g_assert_cmpint (gdbus_as_nobody (fx, volume, IFACE_VOLUME ".CopyToImage",
                                    (const char *[]) { "handle 0", "raw", "{}", NULL }, &out), !=, 0);
  g_test_message ("CopyToImage: %s", out);
  g_assert_nonnull (strstr (out, "org.openstack.Volume1.Error.NotAuthorized:"));
  g_assert_nonnull (strstr (out, NOVA_VOLUME_ACTION_COPY_DATA));
  method = polkit_assert_one_check (pf, NOVA_VOLUME_ACTION_COPY_DATA, 0);
  g_assert_cmpstr (method, ==, "CopyToImage");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (gdbus_as_nobody (fx, MANAGER_PATH, IFACE_MANAGER ".CreateVolume",
                                    (const char *[]) { "0", "{'image-fd': <handle 0>}", NULL }, &out), !=, 0);
  g_test_message ("CreateVolume with image-fd: %s", out);
  g_assert_nonnull (strstr (out, "org.openstack.Volume1.Error.NotAuthorized:"));
  g_assert_nonnull (strstr (out, NOVA_VOLUME_ACTION_COPY_DATA));
  checks = polkit_take_checks (pf);
  g_assert_cmpuint (g_variant_n_children (checks), ==, 2);
  g_variant_get_child (checks, 0, "(&s&s&su@a{ss})", NULL, NULL, &action, NULL, NULL);
  g_assert_cmpstr (action, ==, NOVA_VOLUME_ACTION_MANAGE_VOLUMES);
  g_variant_get_child (checks, 1, "(&s&s&su@a{ss})", NULL, NULL, &action, NULL, NULL);
  g_assert_cmpstr (action, ==, NOVA_VOLUME_ACTION_COPY_DATA);
  g_clear_pointer (&out, g_free);
  after = fingerprint (fx);
  g_assert_cmpstr (before, ==, after);

  /* with copy-data too the call gets past polkit: here it has no
   * descriptor to go with its handle */
  polkit_set_result (pf, NOVA_VOLUME_ACTION_COPY_DATA, "yes");
  g_assert_cmpint (gdbus_as_nobody (fx, MANAGER_PATH, IFACE_MANAGER ".CreateVolume",
                                    (const char *[]) { "0", "{'image-fd': <handle 0>}", NULL }, &out), !=, 0);
  g_assert_nonnull (strstr (out, "org.openstack.Volume1.Error.InvalidArgument:"));
  g_assert_nonnull (strstr (out, "carries 0 file descriptors"));
}

/* Backups: every backup call needs the backup action; a restore into a
 * new volume (CreateVolume with backup) needs manage-volumes and backup,
 * in that order. Refusals change nothing; with the action granted a
 * backup is made. */
static void
test_polkit_backup (PolkitFixture *pf, gconstpointer data)
{
  Fixture *fx = &pf->fx;
  g_autofree char *volume = create_volume (fx, 8 * 1024 * 1024, NULL);
  g_autofree char *before = NULL, *after = NULL, *out = NULL, *method = NULL, *option = NULL;
  g_autoptr(GVariant) checks = NULL;
  const char *action = NULL;

  polkit_set_result (pf, NOVA_VOLUME_ACTION_MANAGE_VOLUMES, "yes");
  before = fingerprint (fx);
  g_variant_unref (polkit_take_checks (pf));

  g_assert_cmpint (gdbus_as_nobody (fx, volume, IFACE_VOLUME ".Backup", (const char *[]) { "{}", NULL }, &out),
                   !=, 0);
  g_test_message ("Backup: %s", out);
  g_assert_nonnull (strstr (out, "org.openstack.Volume1.Error.NotAuthorized:"));
  g_assert_nonnull (strstr (out, NOVA_VOLUME_ACTION_BACKUP));
  g_assert_nonnull (strstr (out, "back up volumes or restore them"));
  method = polkit_assert_one_check (pf, NOVA_VOLUME_ACTION_BACKUP, 0);
  g_assert_cmpstr (method, ==, "Backup");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&method, g_free);

  g_assert_cmpint (gdbus_as_nobody (fx, MANAGER_PATH, IFACE_MANAGER ".ImportBackups", (const char *[]) { "{}", NULL },
                                    &out), !=, 0);
  g_assert_nonnull (strstr (out, "org.openstack.Volume1.Error.NotAuthorized:"));
  method = polkit_assert_one_check (pf, NOVA_VOLUME_ACTION_BACKUP, 0);
  g_assert_cmpstr (method, ==, "ImportBackups");
  g_clear_pointer (&out, g_free);

  option = g_strdup ("{'backup': <objectpath '/org/openstack/Volume1/backups/0c36f3a2_5d29_4f4c_a0f5_6a5e8c7b9d10'>}");
  g_assert_cmpint (gdbus_as_nobody (fx, MANAGER_PATH, IFACE_MANAGER ".CreateVolume",
                                    (const char *[]) { "0", option, NULL }, &out), !=, 0);
  g_test_message ("CreateVolume with backup: %s", out);
  g_assert_nonnull (strstr (out, "org.openstack.Volume1.Error.NotAuthorized:"));
  checks = polkit_take_checks (pf);
  g_assert_cmpuint (g_variant_n_children (checks), ==, 2);
  g_variant_get_child (checks, 0, "(&s&s&su@a{ss})", NULL, NULL, &action, NULL, NULL);
  g_assert_cmpstr (action, ==, NOVA_VOLUME_ACTION_MANAGE_VOLUMES);
  g_variant_get_child (checks, 1, "(&s&s&su@a{ss})", NULL, NULL, &action, NULL, NULL);
  g_assert_cmpstr (action, ==, NOVA_VOLUME_ACTION_BACKUP);
  g_clear_pointer (&out, g_free);
  after = fingerprint (fx);
  g_assert_cmpstr (before, ==, after);

  /* granted: the backup is made, and the missing one is NotFound */
  polkit_set_result (pf, NOVA_VOLUME_ACTION_BACKUP, "yes");
  g_assert_cmpint (gdbus_as_nobody (fx, volume, IFACE_VOLUME ".Backup", (const char *[]) { "{}", NULL }, &out), ==, 0);
  g_assert_nonnull (strstr (out, "/org/openstack/Volume1/backups/"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (gdbus_as_nobody (fx, MANAGER_PATH, IFACE_MANAGER ".CreateVolume",
                                    (const char *[]) { "0", option, NULL }, &out), !=, 0);
  g_assert_nonnull (strstr (out, "org.openstack.Volume1.Error.NotFound:"));
}

/* ---- the callers' uids the authorization keeps ------------------------ */

static gboolean
handle_stats (NovaDBusManager *iface, GDBusMethodInvocation *invocation, gboolean refresh, gpointer user_data)
{
  nova_dbus_manager_complete_get_volume_stats (iface, invocation, g_variant_new_parsed ("@a{sv} {}"));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
count_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  g_assert_no_error (error);
  g_assert_nonnull (reply);
  (*(guint *) user_data)++;
}

/* calls GetVolumeStats @n times from @client, one after the other (calls
 * made at once by a new client may each ask before the first answer is
 * kept), answered in this thread */
static void
call_stats (GDBusConnection *client, const char *server_name, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      guint done = 0;

      g_dbus_connection_call (client, server_name, "/test", "org.openstack.Volume1.Manager", "GetVolumeStats",
                              g_variant_new ("(b)", FALSE), G_VARIANT_TYPE ("(a{sv})"), G_DBUS_CALL_FLAGS_NONE,
                              -1, NULL, count_reply, &done);
      while (done == 0)
        g_main_context_iteration (NULL, TRUE);
    }
}

static guint
n_known (NovaVolumeAuth *auth)
{
  guint known = 0;

  nova_volume_auth_get_caller_counts (auth, &known, NULL);
  return known;
}

/* The uid of each caller is asked of the bus once, while its name is on
 * the bus: two clients' five calls make two lookups, and a client that
 * leaves is forgotten (as the NameOwnerChanged for its name arrives). */
static void
test_known_callers (void)
{
  Fixture fx = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) server = NULL, first = NULL, second = NULL;
  g_autoptr(NovaVolumeAuth) auth = nova_volume_auth_new (G_BUS_TYPE_SESSION, getuid ());
  g_autoptr(NovaDBusManager) iface = nova_dbus_manager_skeleton_new ();
  guint64 lookups = 0;
  gint64 deadline;

  fx.dir = test_make_tmp_dir ("nova-volume-known-callers-XXXXXX");
  bus_start (&fx);
  server = bus_connect (&fx);
  first = bus_connect (&fx);
  second = bus_connect (&fx);
  g_signal_connect (iface, "g-authorize-method", G_CALLBACK (nova_volume_auth_authorize_method), auth);
  g_signal_connect (iface, "handle-get-volume-stats", G_CALLBACK (handle_stats), NULL);
  g_assert_true (g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (iface), server, "/test", &error));
  g_assert_no_error (error);

  call_stats (first, g_dbus_connection_get_unique_name (server), 3);
  call_stats (second, g_dbus_connection_get_unique_name (server), 2);
  nova_volume_auth_get_caller_counts (auth, NULL, &lookups);
  g_assert_cmpuint (lookups, ==, 2);
  g_assert_cmpuint (n_known (auth), ==, 2);

  g_assert_true (g_dbus_connection_close_sync (first, NULL, &error));
  g_assert_no_error (error);
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (n_known (auth) > 1)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  call_stats (second, g_dbus_connection_get_unique_name (server), 1);
  nova_volume_auth_get_caller_counts (auth, NULL, &lookups);
  g_assert_cmpuint (lookups, ==, 2);

  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (iface));
  g_clear_object (&auth);
  g_dbus_connection_close_sync (second, NULL, NULL);
  g_dbus_connection_close_sync (server, NULL, NULL);
  /* the subscription's last references go on the main loop */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  bus_stop (&fx);
  test_remove_tree (fx.dir);
  g_free (fx.dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/service-auth/known-callers", test_known_callers);
  g_test_add ("/service-auth/system-bus-default-deny", Fixture, NULL,
              fixture_setup_system_bus, test_system_bus_default_deny, fixture_teardown);
  g_test_add ("/service-auth/session-bus-other-uid", Fixture, NULL,
              fixture_setup_shared_session_bus, test_session_bus_other_uid, fixture_teardown);
  g_test_add ("/service-auth/job-cancel-refused", Fixture, NULL,
              fixture_setup_system_bus, test_job_cancel_refused, fixture_teardown);
  g_test_add ("/service-auth/polkit-denied", PolkitFixture, NULL,
              polkit_fixture_setup, test_polkit_denied, polkit_fixture_teardown);
  g_test_add ("/service-auth/polkit-allowed", PolkitFixture, NULL,
              polkit_fixture_setup, test_polkit_allowed, polkit_fixture_teardown);
  g_test_add ("/service-auth/polkit-challenge", PolkitFixture, NULL,
              polkit_fixture_setup, test_polkit_challenge, polkit_fixture_teardown);
  g_test_add ("/service-auth/polkit-job-cancel", PolkitFixture, NULL,
              polkit_fixture_setup, test_polkit_job_cancel, polkit_fixture_teardown);
  g_test_add ("/service-auth/polkit-copy-data", PolkitFixture, NULL,
              polkit_fixture_setup, test_polkit_copy_data, polkit_fixture_teardown);
  g_test_add ("/service-auth/polkit-backup", PolkitFixture, NULL,
              polkit_fixture_setup, test_polkit_backup, polkit_fixture_teardown);
  g_test_add ("/service-auth/secret-never-shown", PolkitFixture, NULL,
              polkit_fixture_setup, test_secret_never_shown, polkit_fixture_teardown);
  return g_test_run ();
}
