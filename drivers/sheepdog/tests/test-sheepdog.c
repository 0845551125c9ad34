/* The sheepdog driver with a recording executor: the exact dog command
 * line of every method (-a ADDR -p PORT on each, under timeout), every
 * answer dog gives (as measured on a real Sheepdog: tests/test-sheepdog.sh
 * runs the same against one) mapped to an error a person can act on,
 * dog's trap: `vdi delete` exits 0 when it failed, and list_stored read
 * from `dog vdi list -r`. */
#include "config.h"

#include <string.h>

#include "nova-volume-dog-stream.h"
#include "nova-volume-error.h"
#include "nova-volume-recording-executor.h"
#include "test-util.h"

#define VOLUME_ID  "6f1c3b7e-0d2a-4c55-9e8b-1a2b3c4d5e6f"
#define OTHER_ID   "a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d"
#define SNAP_ID    "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d"
#define VDI        "volume-" VOLUME_ID
#define OTHER_VDI  "volume-" OTHER_ID
#define TAG        "snapshot-" SNAP_ID
#define CLONE_TAG  "clone-" OTHER_ID
#define MIB        ((guint64) 1024 * 1024)

/* what every command starts with, for host 192.0.2.10, port 7001 and a
 * 30 s limit */
#define DOG(object, verb) "timeout --kill-after=5 30 dog " object " " verb " -a 192.0.2.10 -p 7001"

#define RUNNING "Cluster status: running, auto-recovery enabled\n\nCluster created at Wed Nov 25 17:25:29 2026\n"
#define UNREACHABLE "failed to connect to 192.0.2.10:7001: Connection refused\n" \
                    "failed to connect to 192.0.2.10:7001: Connection refused\n"

typedef struct {
  char                        *dir;
  NovaVolumeRecordingExecutor *recorder;
  NovaVolumeDriver            *driver;
  NovaVolumeRecord            *volume;
  NovaSnapshotRecord          *snapshot;
} Fixture;

static void
push (Fixture *fx, int status, const char *out, const char *err)
{
  nova_volume_recording_executor_push_result (fx->recorder, status, out, err);
}

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeDriverContext) ctx = NULL;

  fx->dir = test_make_tmp_dir ("nova-volume-sheepdog-XXXXXX");
  fx->recorder = nova_volume_recording_executor_new ();
  nova_volume_executor_set_tries (NOVA_VOLUME_EXECUTOR (fx->recorder), 1);
  nova_volume_executor_set_backoff_ms (NOVA_VOLUME_EXECUTOR (fx->recorder), 0);
  ctx = test_driver_context_new (fx->dir, NOVA_VOLUME_EXECUTOR (fx->recorder),
                                 "volume_driver", data != NULL ? data : "sheepdog",
                                 "sheepdog_host", "192.0.2.10",
                                 "sheepdog_port", "7001",
                                 "sheepdog_timeout", "30",
                                 NULL);
  /* loading runs check_for_setup_error: the cluster answers it */
  push (fx, 0, RUNNING, "");
  fx->driver = test_driver_load (ctx);
  nova_volume_recording_executor_clear (fx->recorder);

  fx->volume = test_new_volume (10 * MIB);
  nova_record_set_string (&fx->volume->id, VOLUME_ID);
  fx->snapshot = test_new_snapshot (fx->volume);
  nova_record_set_string (&fx->snapshot->id, SNAP_ID);
  fx->snapshot->size = fx->volume->size;
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  g_clear_object (&fx->driver);
  g_clear_object (&fx->recorder);
  g_clear_pointer (&fx->volume, nova_volume_record_free);
  g_clear_pointer (&fx->snapshot, nova_snapshot_record_free);
  test_remove_tree (fx->dir);
  g_free (fx->dir);
}

/* the commands run since the last check, exactly @expected (NULL-ended) */
static void
assert_commands (Fixture *fx, const char *const *expected)
{
  g_auto(GStrv) lines = nova_volume_recording_executor_get_command_lines (fx->recorder);

  for (guint i = 0; expected[i] != NULL || lines[i] != NULL; i++)
    {
      if (g_strcmp0 (lines[i], expected[i]) != 0)
        g_error ("command %u: expected '%s', ran '%s'", i, expected[i] != NULL ? expected[i] : "(none)",
                 lines[i] != NULL ? lines[i] : "(none)");
    }
  nova_volume_recording_executor_clear (fx->recorder);
}

static NovaVolumeRecord *
other_volume (guint64 size)
{
  NovaVolumeRecord *volume = test_new_volume (size);

  nova_record_set_string (&volume->id, OTHER_ID);
  return volume;
}

/* ---- command lines ------------------------------------------------------ */

static void
test_setup_argv (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  push (fx, 0, RUNNING, "");
  g_assert_true (nova_volume_driver_check_for_setup_error (fx->driver, &error));
  g_assert_no_error (error);
  assert_commands (fx, (const char *const[]) { DOG ("cluster", "info"), NULL });
}

static void
test_volume_argv (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_volume_driver_create_volume (fx->driver, fx->volume, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fx->volume->size, ==, 10 * MIB);
  g_assert_cmpstr (fx->volume->provider_location, ==, "sheepdog:" VDI);

  g_assert_true (nova_volume_driver_extend_volume (fx->driver, fx->volume, 20 * MIB, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fx->volume->size, ==, 20 * MIB);

  g_assert_true (nova_volume_driver_check_for_export (fx->driver, fx->volume, &error) == FALSE);
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND);
  g_clear_error (&error);
  push (fx, 0, "= " VDI " 0 20971520 0 0 1795627535 709129 1  22\n", "");
  g_assert_true (nova_volume_driver_check_for_export (fx->driver, fx->volume, &error));
  g_assert_no_error (error);

  g_assert_true (nova_volume_driver_delete_volume (fx->driver, fx->volume, &error));
  g_assert_no_error (error);

  assert_commands (fx, (const char *const[]) {
    DOG ("vdi", "create") " " VDI " 10485760",
    DOG ("vdi", "resize") " " VDI " 20971520",
    DOG ("vdi", "list") " -r " VDI,
    DOG ("vdi", "list") " -r " VDI,
    /* delete, then the lookup that proves it */
    DOG ("vdi", "delete") " " VDI,
    DOG ("vdi", "list") " -r " VDI,
    NULL });
}

static void
test_snapshot_argv (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) same = other_volume (10 * MIB);
  g_autoptr(NovaVolumeRecord) larger = other_volume (30 * MIB);
  g_autoptr(GError) error = NULL;

  fx->snapshot->size = 0;
  g_assert_true (nova_volume_driver_create_snapshot (fx->driver, fx->snapshot, fx->volume, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fx->snapshot->size, ==, fx->volume->size);

  g_assert_true (nova_volume_driver_create_volume_from_snapshot (fx->driver, same, fx->snapshot, NULL, NULL,
                                                                  NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (same->size, ==, 10 * MIB);
  g_assert_cmpstr (same->provider_location, ==, "sheepdog:" OTHER_VDI);
  assert_commands (fx, (const char *const[]) {
    DOG ("vdi", "snapshot") " -s " TAG " " VDI,
    DOG ("vdi", "clone") " -s " TAG " " VDI " " OTHER_VDI,
    NULL });

  /* asked for larger than the snapshot: the clone grows */
  g_assert_true (nova_volume_driver_create_volume_from_snapshot (fx->driver, larger, fx->snapshot, NULL, NULL,
                                                                  NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (larger->size, ==, 30 * MIB);

  g_assert_true (nova_volume_driver_delete_snapshot (fx->driver, fx->snapshot, &error));
  g_assert_no_error (error);
  assert_commands (fx, (const char *const[]) {
    DOG ("vdi", "clone") " -s " TAG " " VDI " " OTHER_VDI,
    DOG ("vdi", "resize") " " OTHER_VDI " 31457280",
    DOG ("vdi", "delete") " -s " TAG " " VDI,
    DOG ("vdi", "list") " -r " VDI,
    NULL });
}

static void
record_progress (double fraction, gpointer user_data)
{
  *(double *) user_data = fraction;
}

static void
test_clone_argv (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) clone = other_volume (40 * MIB);
  g_autoptr(GError) error = NULL;
  double progress = 0;

  g_assert_true (nova_volume_driver_create_cloned_volume (fx->driver, clone, fx->volume, record_progress,
                                                          &progress, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (clone->size, ==, 40 * MIB);
  g_assert_cmpfloat (progress, ==, 1.0);
  /* through a temporary snapshot, deleted (and looked for) at once */
  assert_commands (fx, (const char *const[]) {
    DOG ("vdi", "snapshot") " -s " CLONE_TAG " " VDI,
    DOG ("vdi", "clone") " -s " CLONE_TAG " " VDI " " OTHER_VDI,
    DOG ("vdi", "resize") " " OTHER_VDI " 41943040",
    DOG ("vdi", "delete") " -s " CLONE_TAG " " VDI,
    DOG ("vdi", "list") " -r " VDI,
    NULL });

  /* its delete also removes a temporary snapshot a crash left behind */
  nova_record_set_string (&clone->source_volume_id, VOLUME_ID);
  g_assert_true (nova_volume_driver_delete_volume (fx->driver, clone, &error));
  g_assert_no_error (error);
  assert_commands (fx, (const char *const[]) {
    DOG ("vdi", "delete") " " OTHER_VDI,
    DOG ("vdi", "list") " -r " OTHER_VDI,
    DOG ("vdi", "delete") " -s " CLONE_TAG " " VDI,
    DOG ("vdi", "list") " -r " VDI,
    NULL });
  /* and when there is none, dog says so: nothing to do */
  push (fx, 0, "", "");
  push (fx, 0, "", "");
  push (fx, 0, "", "Failed to delete VDI " VDI ": Failed to find requested tag\n");
  g_assert_true (nova_volume_driver_delete_volume (fx->driver, clone, &error));
  g_assert_no_error (error);
  assert_commands (fx, (const char *const[]) {
    DOG ("vdi", "delete") " " OTHER_VDI,
    DOG ("vdi", "list") " -r " OTHER_VDI,
    DOG ("vdi", "delete") " -s " CLONE_TAG " " VDI,
    NULL });
}

static void
test_connection (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) connector = g_variant_ref_sink (g_variant_new_parsed ("{'host': <'compute-1'>}"));
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GVariant) expected = NULL;

  info = nova_volume_driver_initialize_connection (fx->driver, fx->volume, connector, &error);
  g_assert_no_error (error);
  /* Nova's libvirt driver zips hosts and ports into <host name= port=/>:
   * both lists of strings */
  expected = g_variant_ref_sink (g_variant_new_parsed (
    "{'driver_volume_type': <'sheepdog'>, 'data': <{'name': <%s>, 'hosts': <['192.0.2.10']>, "
    "'ports': <['7001']>}>}", VDI));
  g_assert_true (g_variant_equal (info, expected));

  g_assert_true (nova_volume_driver_terminate_connection (fx->driver, fx->volume, connector, &error));
  g_assert_true (nova_volume_driver_create_export (fx->driver, fx->volume, &error));
  g_assert_true (nova_volume_driver_ensure_export (fx->driver, fx->volume, &error));
  g_assert_true (nova_volume_driver_remove_export (fx->driver, fx->volume, &error));
  g_assert_no_error (error);
  /* nothing to export: no command at all */
  assert_commands (fx, (const char *const[]) { NULL });
}

static void
test_stats (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) stats = NULL;
  guint64 total = 0, free_capacity = 0;
  const char *protocol = NULL;

  push (fx, 0, "0 82967740416 4096 82967736320 0%\nTotal 82967740416 4194304 82963546112 0% 1000000\n", "");
  stats = nova_volume_driver_get_volume_stats (fx->driver, TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (stats, "total_capacity", "t", &total));
  g_assert_true (g_variant_lookup (stats, "free_capacity", "t", &free_capacity));
  g_assert_true (g_variant_lookup (stats, "storage_protocol", "&s", &protocol));
  g_assert_cmpuint (total, ==, G_GUINT64_CONSTANT (82967740416));
  g_assert_cmpuint (free_capacity, ==, G_GUINT64_CONSTANT (82963546112));
  g_assert_cmpstr (protocol, ==, "sheepdog");
  assert_commands (fx, (const char *const[]) { DOG ("node", "info") " -r", NULL });

  push (fx, 0, "", "");
  g_assert_null (nova_volume_driver_get_volume_stats (fx->driver, TRUE, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "no Total line"));
}

/* ---- what dog says, as errors ------------------------------------------ */

/* @message holds each of the NULL-ended fragments after @code */
static void
assert_error (GError *error, int code, ...)
{
  va_list args;

  g_assert_nonnull (error);
  if (error->domain != NOVA_VOLUME_ERROR || error->code != code)
    g_error ("expected code %d, got %s:%d: %s", code, g_quark_to_string (error->domain), error->code,
             error->message);
  va_start (args, code);
  for (const char *part = va_arg (args, const char *); part != NULL; part = va_arg (args, const char *))
    if (strstr (error->message, part) == NULL)
      g_error ("'%s' is not in the message: %s", part, error->message);
  va_end (args);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

static void
test_setup_errors (Fixture *fx, gconstpointer data)
{
  static const struct {
    int         status;
    const char *out;
    const char *err;
    const char *hint;
  } cases[] = {
    /* timeout(1) could not find dog */
    { 127, "", "timeout: failed to run command 'dog': No such file or directory\n", "not installed" },
    { 126, "", "timeout: failed to run command 'dog': Permission denied\n", "cannot be run" },
    { 2, "", UNREACHABLE "Failed to get node list\n", "cannot reach the Sheepdog cluster at 192.0.2.10:7001" },
    { 0, "Cluster status: Waiting for cluster to be formatted\n", "", "dog cluster format -a 192.0.2.10 -p 7001" },
    { 0, "Cluster status: Waiting for other nodes to join cluster\n", "", "other nodes to join" },
    { 0, "Cluster status: System is shutting down\n", "", "System is shutting down" },
    { 0, "", "", "dog printed no cluster status" },
    { 124, "", "", "did not finish within 30 s (sheepdog_timeout)" },
    { 137, "", "", "did not finish within 30 s" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;

      push (fx, cases[i].status, cases[i].out, cases[i].err);
      g_assert_false (nova_volume_driver_check_for_setup_error (fx->driver, &error));
      assert_error (error, NOVA_VOLUME_ERROR_FAILED, cases[i].hint, NULL);
    }
}

static void
test_refusals (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) other = other_volume (10 * MIB);
  g_autoptr(GError) error = NULL;

  push (fx, 1, "", "Failed to create VDI " VDI ": VDI exists already\n");
  g_assert_false (nova_volume_driver_create_volume (fx->driver, fx->volume, &error));
  assert_error (error, NOVA_VOLUME_ERROR_ALREADY_EXISTS, "VDI " VDI " already exists", NULL);
  g_clear_error (&error);

  push (fx, 1, "", "Failed to create VDI " VDI ": Waiting for cluster to be formatted\n");
  g_assert_false (nova_volume_driver_create_volume (fx->driver, fx->volume, &error));
  assert_error (error, NOVA_VOLUME_ERROR_FAILED, "not formatted", "dog cluster format", NULL);
  g_clear_error (&error);

  push (fx, 2, "", UNREACHABLE);
  g_assert_false (nova_volume_driver_create_volume (fx->driver, fx->volume, &error));
  assert_error (error, NOVA_VOLUME_ERROR_FAILED, "cannot reach", "sheepdog_host, sheepdog_port", NULL);
  g_clear_error (&error);

  push (fx, 1, "", "Failed to create VDI " VDI ": Server has no space for new objects\n");
  g_assert_false (nova_volume_driver_create_volume (fx->driver, fx->volume, &error));
  assert_error (error, NOVA_VOLUME_ERROR_NO_SPACE, "no room for VDI " VDI, NULL);
  g_clear_error (&error);

  push (fx, 64, "Usage: dog vdi create [-P] ...\n", "Invalid size '10485760x'\n");
  g_assert_false (nova_volume_driver_create_volume (fx->driver, fx->volume, &error));
  assert_error (error, NOVA_VOLUME_ERROR_FAILED, "usage error", "Invalid size", NULL);
  g_clear_error (&error);

  push (fx, 1, "", "Failed to create snapshot for " VDI ": No VDI found\n");
  g_assert_false (nova_volume_driver_create_snapshot (fx->driver, fx->snapshot, fx->volume, &error));
  assert_error (error, NOVA_VOLUME_ERROR_NOT_FOUND, "VDI " VDI " is not in the Sheepdog cluster", NULL);
  g_clear_error (&error);

  push (fx, 1, "", "Failed to create snapshot for " VDI ", maybe snapshot id (0) or tag (" TAG ") is existed\n");
  g_assert_false (nova_volume_driver_create_snapshot (fx->driver, fx->snapshot, fx->volume, &error));
  assert_error (error, NOVA_VOLUME_ERROR_ALREADY_EXISTS, "snapshot " TAG " of VDI " VDI, NULL);
  g_clear_error (&error);

  push (fx, 1, "", "Failed to open VDI " VDI " (snapshot id: 0 snapshot tag: " TAG "): Failed to find requested tag\n");
  g_assert_false (nova_volume_driver_create_volume_from_snapshot (fx->driver, other, fx->snapshot, NULL, NULL,
                                                                   NULL, &error));
  assert_error (error, NOVA_VOLUME_ERROR_NOT_FOUND, "snapshot " TAG " of VDI " VDI " is not in", NULL);
  g_clear_error (&error);

  push (fx, 1, "", "Failed to create VDI " OTHER_VDI ": VDI exists already\n");
  g_assert_false (nova_volume_driver_create_volume_from_snapshot (fx->driver, other, fx->snapshot, NULL, NULL,
                                                                   NULL, &error));
  assert_error (error, NOVA_VOLUME_ERROR_ALREADY_EXISTS, "VDI " OTHER_VDI " already exists", NULL);
  g_clear_error (&error);

  push (fx, 1, "", "Failed to open VDI " VDI " (snapshot id: 0 snapshot tag: ): No VDI found\n");
  g_assert_false (nova_volume_driver_extend_volume (fx->driver, fx->volume, 20 * MIB, &error));
  assert_error (error, NOVA_VOLUME_ERROR_NOT_FOUND, "VDI " VDI " is not in", NULL);
  g_clear_error (&error);
  g_assert_cmpuint (fx->volume->size, ==, 10 * MIB);

  /* the record says 10 MiB and the VDI is larger: dog's own refusal */
  push (fx, 64, "Usage: dog vdi resize [-a address] ...\n", "Shrinking VDIs is not implemented\n");
  g_assert_false (nova_volume_driver_extend_volume (fx->driver, fx->volume, 20 * MIB, &error));
  assert_error (error, NOVA_VOLUME_ERROR_INVALID_ARGUMENT, "cannot shrink VDI " VDI, NULL);
  g_clear_error (&error);
  nova_volume_recording_executor_clear (fx->recorder);

  /* and the driver's, before any command */
  g_assert_false (nova_volume_driver_extend_volume (fx->driver, fx->volume, 5 * MIB, &error));
  assert_error (error, NOVA_VOLUME_ERROR_INVALID_ARGUMENT, "cannot shrink volume " VOLUME_ID, NULL);
  g_clear_error (&error);
  assert_commands (fx, (const char *const[]) { NULL });

  /* past 4 TiB: dog says so with a usage error, or (past 2^64) makes a
   * VDI of 0 bytes, so it is not asked */
  push (fx, 64, "Usage: dog vdi create [-P] ...\n",
        "VDI size is larger than 4.0 TB bytes, please use '-y' to create a hyper volume\n");
  g_assert_false (nova_volume_driver_create_volume (fx->driver, fx->volume, &error));
  assert_error (error, NOVA_VOLUME_ERROR_INVALID_ARGUMENT, "at most 4 TiB", NULL);
  g_clear_error (&error);
  nova_volume_recording_executor_clear (fx->recorder);
  fx->volume->size = G_MAXUINT64;
  g_assert_false (nova_volume_driver_create_volume (fx->driver, fx->volume, &error));
  assert_error (error, NOVA_VOLUME_ERROR_INVALID_ARGUMENT, "at most 4 TiB", NULL);
  g_clear_error (&error);
  fx->volume->size = 10 * MIB;
  g_assert_false (nova_volume_driver_extend_volume (fx->driver, fx->volume, (G_GUINT64_CONSTANT (4) << 40) + 1,
                                                    &error));
  assert_error (error, NOVA_VOLUME_ERROR_INVALID_ARGUMENT, "at most 4 TiB", NULL);
  g_clear_error (&error);
  assert_commands (fx, (const char *const[]) { NULL });

  push (fx, 1, "", "Failed to do something new\n");
  g_assert_false (nova_volume_driver_create_volume (fx->driver, fx->volume, &error));
  assert_error (error, NOVA_VOLUME_ERROR_FAILED, "dog vdi create " VDI " 10485760 failed with status 1: "
                "Failed to do something new", NULL);
}

/* dog vdi delete exits 0 whatever happened: its stderr is read */
static void
test_delete_trap (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  /* gone already: success, and nothing more to ask */
  push (fx, 0, "", "Failed to open VDI " VDI " (snapshot id: 0 snapshot tag: ): No VDI found\n");
  g_assert_true (nova_volume_driver_delete_volume (fx->driver, fx->volume, &error));
  g_assert_no_error (error);
  push (fx, 0, "", "Failed to open VDI " VDI " (snapshot id: 0 snapshot tag: " TAG "): Failed to find requested tag\n");
  g_assert_true (nova_volume_driver_delete_snapshot (fx->driver, fx->snapshot, &error));
  g_assert_no_error (error);
  push (fx, 0, "", "Failed to open VDI " VDI " (snapshot id: 0 snapshot tag: " TAG "): No VDI found\n");
  g_assert_true (nova_volume_driver_delete_snapshot (fx->driver, fx->snapshot, &error));
  g_assert_no_error (error);
  assert_commands (fx, (const char *const[]) {
    DOG ("vdi", "delete") " " VDI,
    DOG ("vdi", "delete") " -s " TAG " " VDI,
    DOG ("vdi", "delete") " -s " TAG " " VDI,
    NULL });

  /* the cluster down, exit status 0 */
  push (fx, 0, "", UNREACHABLE "Failed to open VDI " VDI " (snapshot id: 0 snapshot tag: ): I/O error\n");
  g_assert_false (nova_volume_driver_delete_volume (fx->driver, fx->volume, &error));
  assert_error (error, NOVA_VOLUME_ERROR_FAILED, "cannot reach the Sheepdog cluster", NULL);
  g_clear_error (&error);

  push (fx, 0, "", "Failed to open VDI " VDI " (snapshot id: 0 snapshot tag: ): Waiting for cluster to be formatted\n");
  g_assert_false (nova_volume_driver_delete_volume (fx->driver, fx->volume, &error));
  assert_error (error, NOVA_VOLUME_ERROR_FAILED, "not formatted", NULL);
  g_clear_error (&error);

  /* silent, and the VDI still there */
  push (fx, 0, "", "");
  push (fx, 0, "= " VDI " 0 10485760 0 0 1795627535 709129 1  22\n", "");
  g_assert_false (nova_volume_driver_delete_volume (fx->driver, fx->volume, &error));
  assert_error (error, NOVA_VOLUME_ERROR_FAILED, "reported no error, but VDI " VDI " is still in the cluster", NULL);
  g_clear_error (&error);

  /* silent, and only the snapshot left: the volume is gone */
  push (fx, 0, "", "");
  push (fx, 0, "s " VDI " 1 10485760 0 0 1795627535 709128 1 " TAG " 22\n", "");
  g_assert_true (nova_volume_driver_delete_volume (fx->driver, fx->volume, &error));
  g_assert_no_error (error);

  /* a snapshot delete that left its tag */
  push (fx, 0, "", "");
  push (fx, 0, "s " VDI " 1 10485760 0 0 1795627535 709128 1 " TAG " 22\n"
               "= " VDI " 0 10485760 0 0 1795627535 709129 1  22\n", "");
  g_assert_false (nova_volume_driver_delete_snapshot (fx->driver, fx->snapshot, &error));
  assert_error (error, NOVA_VOLUME_ERROR_FAILED, "snapshot " TAG " of VDI " VDI " is still in the cluster", NULL);
}

/* only "cannot reach" is tried again, num_shell_tries times */
static void
test_retries (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  nova_volume_executor_set_tries (NOVA_VOLUME_EXECUTOR (fx->recorder), 3);
  push (fx, 2, "", UNREACHABLE);
  push (fx, 2, "", UNREACHABLE);
  g_assert_true (nova_volume_driver_create_volume (fx->driver, fx->volume, &error));
  g_assert_no_error (error);
  assert_commands (fx, (const char *const[]) {
    DOG ("vdi", "create") " " VDI " 10485760",
    DOG ("vdi", "create") " " VDI " 10485760",
    DOG ("vdi", "create") " " VDI " 10485760",
    NULL });

  push (fx, 1, "", "Failed to create VDI " VDI ": VDI exists already\n");
  g_assert_false (nova_volume_driver_create_volume (fx->driver, fx->volume, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_ALREADY_EXISTS);
  assert_commands (fx, (const char *const[]) { DOG ("vdi", "create") " " VDI " 10485760", NULL });
}

/* the temporary snapshot of a clone never stays */
static void
test_clone_cleanup (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) clone = other_volume (10 * MIB);
  g_autoptr(GError) error = NULL;

  /* the clone refused: the snapshot still goes */
  push (fx, 0, "", "");
  push (fx, 1, "", "Failed to create VDI " OTHER_VDI ": VDI exists already\n");
  g_assert_false (nova_volume_driver_create_cloned_volume (fx->driver, clone, fx->volume, NULL, NULL, NULL, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_ALREADY_EXISTS);
  g_clear_error (&error);
  assert_commands (fx, (const char *const[]) {
    DOG ("vdi", "snapshot") " -s " CLONE_TAG " " VDI,
    DOG ("vdi", "clone") " -s " CLONE_TAG " " VDI " " OTHER_VDI,
    DOG ("vdi", "delete") " -s " CLONE_TAG " " VDI,
    DOG ("vdi", "list") " -r " VDI,
    NULL });

  /* a leftover of an earlier attempt is removed first */
  push (fx, 1, "", "Failed to create snapshot for " VDI ", maybe snapshot id (0) or tag (" CLONE_TAG ") is existed\n");
  g_assert_true (nova_volume_driver_create_cloned_volume (fx->driver, clone, fx->volume, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_commands (fx, (const char *const[]) {
    DOG ("vdi", "snapshot") " -s " CLONE_TAG " " VDI,
    DOG ("vdi", "delete") " -s " CLONE_TAG " " VDI,
    DOG ("vdi", "list") " -r " VDI,
    DOG ("vdi", "snapshot") " -s " CLONE_TAG " " VDI,
    DOG ("vdi", "clone") " -s " CLONE_TAG " " VDI " " OTHER_VDI,
    DOG ("vdi", "delete") " -s " CLONE_TAG " " VDI,
    DOG ("vdi", "list") " -r " VDI,
    NULL });

  /* a clone that cannot grow is not kept */
  clone->size = 20 * MIB;
  push (fx, 0, "", "");
  push (fx, 0, "", "");
  push (fx, 1, "", "Failed to do something\n");
  g_assert_false (nova_volume_driver_create_cloned_volume (fx->driver, clone, fx->volume, NULL, NULL, NULL, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  assert_commands (fx, (const char *const[]) {
    DOG ("vdi", "snapshot") " -s " CLONE_TAG " " VDI,
    DOG ("vdi", "clone") " -s " CLONE_TAG " " VDI " " OTHER_VDI,
    DOG ("vdi", "resize") " " OTHER_VDI " 20971520",
    DOG ("vdi", "delete") " " OTHER_VDI,
    DOG ("vdi", "list") " -r " OTHER_VDI,
    DOG ("vdi", "delete") " -s " CLONE_TAG " " VDI,
    DOG ("vdi", "list") " -r " VDI,
    NULL });
}

/* the command name and its place come from the config */
static void
test_command_key (void)
{
  g_autofree char *dir = test_make_tmp_dir ("nova-volume-sheepdog-XXXXXX");
  g_autoptr(NovaVolumeRecordingExecutor) recorder = nova_volume_recording_executor_new ();
  g_autoptr(NovaVolumeDriverContext) ctx =
    test_driver_context_new (dir, NOVA_VOLUME_EXECUTOR (recorder),
                             "volume_driver", "nova.volume.driver.SheepdogDriver",
                             "sheepdog_command", "/opt/sheepdog/bin/collie", NULL);
  g_autoptr(NovaVolumeDriver) driver = NULL;
  g_auto(GStrv) lines = NULL;

  nova_volume_recording_executor_push_result (recorder, 0, RUNNING, "");
  driver = test_driver_load (ctx);
  g_assert_cmpstr (nova_volume_driver_get_name (driver), ==, "sheepdog");
  lines = nova_volume_recording_executor_get_command_lines (recorder);
  g_assert_cmpstr (lines[0], ==,
                   "timeout --kill-after=5 60 /opt/sheepdog/bin/collie cluster info -a 127.0.0.1 -p 7000");
  g_assert_null (lines[1]);
  test_remove_tree (dir);
}

/* the byte streams of a copy, with stand-ins for dog: one that says a
 * lot on stderr and fails (its reason comes through, nothing blocks on a
 * full pipe), one that never ends (given up, it is killed: a regression
 * hangs past the test's timeout) */
static void
test_streams (void)
{
  const char *const loud[] = { "/bin/sh", "-c",
                               "head -c 300000 /dev/zero | tr '\\0' x >&2; echo ' no such VDI' >&2; "
                               "printf abc; exit 3", NULL };
  const char *const stuck[] = { "/bin/sh", "-c", "exec sleep 1000", NULL };
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GOutputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  char buffer[16];
  gsize n = 0;

  in = nova_dog_read_stream_new (loud, &error);
  g_assert_no_error (error);
  g_assert_false (g_input_stream_read_all (in, buffer, sizeof buffer, &n, NULL, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "no such VDI"));
  g_assert_cmpuint (n, ==, 3);
  g_clear_object (&in);
  g_clear_error (&error);

  in = nova_dog_read_stream_new (stuck, &error);
  g_assert_no_error (error);
  g_clear_object (&in);
  out = nova_dog_write_stream_new (stuck, &error);
  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (out, "abc", 3, NULL, NULL, &error));
  g_clear_object (&out);
}

/* list_stored from one `dog vdi list -r`: working VDIs and clones the
 * volume template named, snapshots of them the snapshot template tagged
 * (with their volume); not a clone's temporary tag, an untagged
 * snapshot, a name from no UUID, another VDI's snapshot. No rows are
 * believed only from a cluster that says it runs: an unformatted sheep
 * lists nothing and exits 0. */
static void
test_list_stored (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) stored = NULL;
  g_autoptr(GString) listed = g_string_new (NULL);

  push (fx, 0,
        "s " VDI " 1 10485760 0 4194304 1795627535 709128 1 " TAG " 22\n"
        "s " VDI " 2 10485760 0 4194304 1795627536 709127 1 " CLONE_TAG " 22\n"
        "s " VDI " 3 10485760 0 4194304 1795627537 709126 1  22\n"
        "= " VDI " 0 20971520 4194304 0 1795627535 709129 1  22\n"
        "c " OTHER_VDI " 0 16777216 0 4194304 1795627538 709130 1  22\n"
        "= volume-notauuid 0 4194304 0 0 1795627539 709131 1  22\n"
        "s other 1 4194304 0 0 1795627540 709132 1 " TAG " 22\n"
        "= other 0 4194304 0 0 1795627540 709133 1  22\n", "");
  stored = nova_volume_driver_list_stored (fx->driver, &error);
  g_assert_no_error (error);
  assert_commands (fx, (const char *const[]) { DOG ("vdi", "list") " -r", NULL });
  for (guint i = 0; i < stored->len; i++)
    {
      const NovaVolumeStored *entry = g_ptr_array_index (stored, i);

      g_string_append_printf (listed, "%s %s %" G_GUINT64_FORMAT " %s\n", entry->is_snapshot ? "snapshot" : "volume",
                              entry->id, entry->size, entry->volume_id != NULL ? entry->volume_id : "-");
    }
  g_assert_cmpstr (listed->str, ==,
                   "snapshot " SNAP_ID " 10485760 " VOLUME_ID "\n"
                   "volume " VOLUME_ID " 20971520 -\n"
                   "volume " OTHER_ID " 16777216 -\n");
  g_clear_pointer (&stored, g_ptr_array_unref);

  /* nothing in a running cluster */
  push (fx, 0, "", "");
  push (fx, 0, RUNNING, "");
  stored = nova_volume_driver_list_stored (fx->driver, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stored->len, ==, 0);
  assert_commands (fx, (const char *const[]) { DOG ("vdi", "list") " -r", DOG ("cluster", "info"), NULL });
  g_clear_pointer (&stored, g_ptr_array_unref);

  /* nothing from a sheep not formatted yet: an error, not an empty list */
  push (fx, 0, "", "");
  push (fx, 0, "Cluster status: Waiting for cluster to be formatted\n", "");
  stored = nova_volume_driver_list_stored (fx->driver, &error);
  g_assert_null (stored);
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "is not formatted yet"));
  g_clear_error (&error);

  /* an unreachable cluster */
  nova_volume_recording_executor_clear (fx->recorder);
  push (fx, 2, "", UNREACHABLE);
  stored = nova_volume_driver_list_stored (fx->driver, &error);
  g_assert_null (stored);
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "cannot reach the Sheepdog cluster at 192.0.2.10:7001"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/sheepdog/argv/setup", Fixture, NULL, fixture_setup, test_setup_argv, fixture_teardown);
  g_test_add ("/sheepdog/argv/volume", Fixture, NULL, fixture_setup, test_volume_argv, fixture_teardown);
  g_test_add ("/sheepdog/argv/snapshot", Fixture, NULL, fixture_setup, test_snapshot_argv, fixture_teardown);
  g_test_add ("/sheepdog/argv/clone", Fixture, NULL, fixture_setup, test_clone_argv, fixture_teardown);
  g_test_add ("/sheepdog/connection", Fixture, NULL, fixture_setup, test_connection, fixture_teardown);
  g_test_add ("/sheepdog/stats", Fixture, NULL, fixture_setup, test_stats, fixture_teardown);
  g_test_add ("/sheepdog/errors/setup", Fixture, NULL, fixture_setup, test_setup_errors, fixture_teardown);
  g_test_add ("/sheepdog/errors/refusals", Fixture, NULL, fixture_setup, test_refusals, fixture_teardown);
  g_test_add ("/sheepdog/errors/delete-exits-0", Fixture, NULL, fixture_setup, test_delete_trap, fixture_teardown);
  g_test_add ("/sheepdog/errors/retries", Fixture, NULL, fixture_setup, test_retries, fixture_teardown);
  g_test_add ("/sheepdog/clone-cleanup", Fixture, NULL, fixture_setup, test_clone_cleanup, fixture_teardown);
  g_test_add ("/sheepdog/list-stored", Fixture, NULL, fixture_setup, test_list_stored, fixture_teardown);
  g_test_add_func ("/sheepdog/command-key", test_command_key);
  g_test_add_func ("/sheepdog/streams", test_streams);
  return g_test_run ();
}
