/* The sheepdog driver against a real one-node Sheepdog cluster, through
 * the real executor and the real dog (tests/test-sheepdog.sh starts the
 * cluster and runs this): every method, with bytes moved in and out by dog
 * vdi write/read at the name connection_info gives, and every refusal dog
 * makes, from a real dog: dog missing, the cluster unreachable, not
 * formatted, hung (sheep stopped: the timeout), VDI and snapshot existing
 * and missing, a shrink, and vdi delete's exit 0 on failure; and what
 * list_stored finds in the cluster. */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "nova-volume-error.h"
#include "sheepdog-util.h"
#include "test-util.h"

#define MIB ((guint64) 1024 * 1024)
#define DATA_LEN (64 * 1024)

typedef struct {
  const SheepdogTestEnv   *env;
  char                    *dir;
  NovaVolumeDriver        *driver;
} Fixture;

/* a context for the cluster at @port with the real executor */
static NovaVolumeDriverContext *
context_for (const char *dir, const char *command, const char *port, const char *timeout)
{
  return test_driver_context_new (dir, NULL, "volume_driver", "sheepdog", "sheepdog_command", command,
                                  "sheepdog_port", port, "sheepdog_timeout", timeout, NULL);
}

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeDriverContext) ctx = NULL;

  fx->env = sheepdog_test_env ();
  fx->dir = test_make_tmp_dir ("nova-volume-sheepdog-real-XXXXXX");
  ctx = context_for (fx->dir, fx->env->dog, fx->env->port, "30");
  fx->driver = test_driver_load (ctx);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  g_clear_object (&fx->driver);
  test_remove_tree (fx->dir);
  g_free (fx->dir);
}

static void
assert_error_has (GError *error, int code, const char *part)
{
  g_assert_nonnull (error);
  if (error->domain != NOVA_VOLUME_ERROR || error->code != code || strstr (error->message, part) == NULL)
    g_error ("expected code %d with '%s', got %d: %s", code, part, error->code, error->message);
  g_test_message ("refused as expected: %s", error->message);
}

/* the VDI name, host and port connection_info gives for @volume */
static void
connection_of (Fixture *fx, const NovaVolumeRecord *volume, char **name, char **host, char **port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) connector = g_variant_ref_sink (g_variant_new_parsed ("{'host': <'compute-1'>}"));
  g_autoptr(GVariant) info = nova_volume_driver_initialize_connection (fx->driver, volume, connector, &error);
  g_autoptr(GVariant) data = NULL;
  g_autofree const char **hosts = NULL;
  g_autofree const char **ports = NULL;
  const char *type = NULL;

  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (info, "driver_volume_type", "&s", &type));
  g_assert_cmpstr (type, ==, "sheepdog");
  data = g_variant_lookup_value (info, "data", G_VARIANT_TYPE_VARDICT);
  g_assert_true (g_variant_lookup (data, "name", "s", name));
  g_assert_true (g_variant_lookup (data, "hosts", "^a&s", &hosts));
  g_assert_true (g_variant_lookup (data, "ports", "^a&s", &ports));
  g_assert_cmpuint (g_strv_length ((char **) hosts), ==, 1);
  g_assert_cmpuint (g_strv_length ((char **) ports), ==, 1);
  *host = g_strdup (hosts[0]);
  *port = g_strdup (ports[0]);
  g_assert_true (nova_volume_driver_terminate_connection (fx->driver, volume, connector, &error));
}

static void
write_volume (Fixture *fx, const NovaVolumeRecord *volume, GBytes *bytes)
{
  g_autofree char *name = NULL, *host = NULL, *port = NULL;

  connection_of (fx, volume, &name, &host, &port);
  sheepdog_test_write (host, port, name, bytes);
}

static void
assert_volume_holds (Fixture *fx, const NovaVolumeRecord *volume, GBytes *bytes)
{
  g_autofree char *name = NULL, *host = NULL, *port = NULL;

  connection_of (fx, volume, &name, &host, &port);
  sheepdog_test_assert_reads (host, port, name, bytes);
}

/* the working VDI's size in `dog vdi list -r`, 0 when there is none */
static guint64
vdi_size (const char *id)
{
  g_autofree char *name = g_strconcat ("volume-", id, NULL);
  g_autofree char *list = sheepdog_test_list (name);
  g_auto(GStrv) lines = g_strsplit (list, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], " ", -1);

      if (g_strv_length (fields) > 3 && !g_str_equal (fields[0], "s") && g_str_equal (fields[1], name))
        return g_ascii_strtoull (fields[3], NULL, 10);
    }
  return 0;
}

/* ---- setup ------------------------------------------------------------ */

/* loading runs check_for_setup_error; @part must be in its error */
static void
assert_load_fails (Fixture *fx, const char *command, const char *port, const char *timeout, const char *part)
{
  g_autoptr(NovaVolumeDriverContext) ctx = context_for (fx->dir, command, port, timeout);
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeDriver) driver = nova_volume_driver_load (ctx, &error);

  g_assert_null (driver);
  assert_error_has (error, NOVA_VOLUME_ERROR_FAILED, part);
}

static void
test_setup_errors (Fixture *fx, gconstpointer data)
{
  g_autofree char *missing = g_build_filename (fx->dir, "no-such-dog", NULL);
  g_autofree char *not_executable = g_build_filename (fx->dir, "dog", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_volume_driver_check_for_setup_error (fx->driver, &error));
  g_assert_no_error (error);

  assert_load_fails (fx, missing, fx->env->port, "30", "is not installed or not on PATH");
  g_assert_true (g_file_set_contents (not_executable, "", 0, NULL));
  assert_load_fails (fx, not_executable, fx->env->port, "30", "cannot be run");
  assert_load_fails (fx, fx->env->dog, fx->env->free_port, "30", "cannot reach the Sheepdog cluster");
  assert_load_fails (fx, fx->env->dog, fx->env->unformatted_port, "30", "is not formatted yet");

  /* a sheep that accepts connections and never answers */
  g_assert_cmpint (kill (fx->env->sheep_pid, SIGSTOP), ==, 0);
  assert_load_fails (fx, fx->env->dog, fx->env->port, "2", "did not finish within 2 s");
  g_assert_cmpint (kill (fx->env->sheep_pid, SIGCONT), ==, 0);
  g_assert_true (nova_volume_driver_check_for_setup_error (fx->driver, &error));
  g_assert_no_error (error);
}

/* ---- volumes ---------------------------------------------------------- */

static void
test_lifecycle (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) volume = test_new_volume (8 * MIB);
  g_autoptr(NovaVolumeRecord) from_snapshot = test_new_volume (16 * MIB);
  g_autoptr(NovaVolumeRecord) clone = test_new_volume (8 * MIB);
  g_autoptr(NovaSnapshotRecord) snapshot = test_new_snapshot (volume);
  g_autoptr(GBytes) before = sheepdog_test_random_bytes (DATA_LEN);
  g_autoptr(GBytes) after = sheepdog_test_random_bytes (DATA_LEN);
  g_autoptr(GError) error = NULL;
  g_autofree char *list = NULL;

  g_assert_true (nova_volume_driver_create_volume (fx->driver, volume, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (vdi_size (volume->id), ==, 8 * MIB);
  g_assert_true (nova_volume_driver_check_for_export (fx->driver, volume, &error));
  g_assert_no_error (error);
  write_volume (fx, volume, before);

  g_assert_true (nova_volume_driver_create_snapshot (fx->driver, snapshot, volume, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (snapshot->size, ==, 8 * MIB);
  /* the volume changes after its snapshot; the snapshot does not */
  write_volume (fx, volume, after);

  g_assert_true (nova_volume_driver_create_volume_from_snapshot (fx->driver, from_snapshot, snapshot, NULL, NULL,
                                                                  NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (from_snapshot->size, ==, 16 * MIB);
  g_assert_cmpuint (vdi_size (from_snapshot->id), ==, 16 * MIB);
  assert_volume_holds (fx, from_snapshot, before);

  g_assert_true (nova_volume_driver_create_cloned_volume (fx->driver, clone, volume, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_volume_holds (fx, clone, after);
  /* the clone's temporary snapshot is gone; the user's snapshot stays */
  {
    g_autofree char *name = g_strconcat ("volume-", volume->id, NULL);

    list = sheepdog_test_list (name);
  }
  g_assert_null (strstr (list, "clone-"));
  g_assert_nonnull (strstr (list, snapshot->id));

  g_assert_true (nova_volume_driver_extend_volume (fx->driver, volume, 12 * MIB, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (vdi_size (volume->id), ==, 12 * MIB);
  assert_volume_holds (fx, volume, after);

  /* the snapshot and the volume go; what was made from them keeps its
   * bytes */
  g_assert_true (nova_volume_driver_delete_snapshot (fx->driver, snapshot, &error));
  g_assert_no_error (error);
  g_assert_true (nova_volume_driver_delete_volume (fx->driver, volume, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (vdi_size (volume->id), ==, 0);
  assert_volume_holds (fx, from_snapshot, before);
  assert_volume_holds (fx, clone, after);

  /* deleting again is fine (dog exits 0 and says "No VDI found" or
   * "Failed to find requested tag") */
  g_assert_true (nova_volume_driver_delete_snapshot (fx->driver, snapshot, &error));
  g_assert_no_error (error);
  g_assert_true (nova_volume_driver_delete_volume (fx->driver, volume, &error));
  g_assert_no_error (error);

  g_assert_true (nova_volume_driver_delete_volume (fx->driver, from_snapshot, &error));
  g_assert_true (nova_volume_driver_delete_volume (fx->driver, clone, &error));
  g_assert_no_error (error);
  g_free (list);
  list = sheepdog_test_list (NULL);
  g_assert_null (strstr (list, volume->id));
  g_assert_null (strstr (list, from_snapshot->id));
  g_assert_null (strstr (list, clone->id));
}

/* revert: dog's rollback to the latest snapshot and to an older one, the
 * snapshots kept; a rollback cut short after dog deleted the working VDI
 * is finished by the next revert */
static void
test_revert (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) volume = test_new_volume (8 * MIB);
  g_autoptr(NovaSnapshotRecord) older = test_new_snapshot (volume);
  g_autoptr(NovaSnapshotRecord) latest = test_new_snapshot (volume);
  g_autoptr(GBytes) first = sheepdog_test_random_bytes (DATA_LEN);
  g_autoptr(GBytes) second = sheepdog_test_random_bytes (DATA_LEN);
  g_autoptr(GBytes) third = sheepdog_test_random_bytes (DATA_LEN);
  g_autoptr(GError) error = NULL;
  g_autofree char *list = NULL;
  g_autofree char *name = g_strconcat ("volume-", volume->id, NULL);

  g_assert_true (nova_volume_driver_create_volume (fx->driver, volume, &error));
  g_assert_no_error (error);
  write_volume (fx, volume, first);
  g_assert_true (nova_volume_driver_create_snapshot (fx->driver, older, volume, &error));
  write_volume (fx, volume, second);
  g_assert_true (nova_volume_driver_create_snapshot (fx->driver, latest, volume, &error));
  write_volume (fx, volume, third);
  g_assert_no_error (error);

  g_assert_true (nova_volume_driver_revert_to_snapshot (fx->driver, volume, latest, TRUE, &error));
  g_assert_no_error (error);
  assert_volume_holds (fx, volume, second);
  g_assert_true (nova_volume_driver_revert_to_snapshot (fx->driver, volume, older, FALSE, &error));
  g_assert_no_error (error);
  assert_volume_holds (fx, volume, first);
  g_assert_cmpuint (vdi_size (volume->id), ==, 8 * MIB);
  list = sheepdog_test_list (name);
  g_assert_nonnull (strstr (list, older->id));
  g_assert_nonnull (strstr (list, latest->id));

  /* the working VDI gone, as dog leaves it when stopped mid-rollback */
  g_assert_true (nova_volume_driver_delete_volume (fx->driver, volume, &error));
  g_assert_cmpuint (vdi_size (volume->id), ==, 0);
  g_assert_true (nova_volume_driver_revert_to_snapshot (fx->driver, volume, latest, TRUE, &error));
  g_assert_no_error (error);
  assert_volume_holds (fx, volume, second);

  g_assert_true (nova_volume_driver_delete_snapshot (fx->driver, older, &error));
  g_assert_true (nova_volume_driver_delete_snapshot (fx->driver, latest, &error));
  g_assert_true (nova_volume_driver_delete_volume (fx->driver, volume, &error));
  g_assert_no_error (error);
  g_free (list);
  list = sheepdog_test_list (NULL);
  g_assert_null (strstr (list, volume->id));
}

/* a daemon killed between a clone's temporary snapshot and its removal:
 * the clone's delete removes that snapshot from its source */
static void
test_clone_leftover (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) volume = test_new_volume (8 * MIB);
  g_autoptr(NovaVolumeRecord) clone = test_new_volume (8 * MIB);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *tag = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  g_assert_true (nova_volume_driver_create_volume (fx->driver, volume, &error));
  g_assert_no_error (error);
  g_assert_true (nova_volume_driver_create_cloned_volume (fx->driver, clone, volume, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  name = g_strconcat ("volume-", volume->id, NULL);
  tag = g_strconcat ("clone-", clone->id, NULL);
  sheepdog_test_snapshot (name, tag);
  before = sheepdog_test_list (name);
  g_assert_nonnull (strstr (before, tag));

  nova_record_set_string (&clone->source_volume_id, volume->id);
  g_assert_true (nova_volume_driver_delete_volume (fx->driver, clone, &error));
  g_assert_no_error (error);
  after = sheepdog_test_list (name);
  g_assert_null (strstr (after, tag));
  g_assert_true (nova_volume_driver_delete_volume (fx->driver, volume, &error));
  g_assert_no_error (error);
}

static void
test_refusals (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) volume = test_new_volume (8 * MIB);
  g_autoptr(NovaVolumeRecord) gone = test_new_volume (8 * MIB);
  g_autoptr(NovaVolumeRecord) other = test_new_volume (8 * MIB);
  g_autoptr(NovaSnapshotRecord) snapshot = test_new_snapshot (volume);
  g_autoptr(NovaSnapshotRecord) missing_snapshot = test_new_snapshot (volume);
  g_autoptr(NovaSnapshotRecord) snapshot_of_gone = test_new_snapshot (gone);
  g_autoptr(NovaVolumeRecord) stale = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_volume_driver_create_volume (fx->driver, volume, &error));
  g_assert_no_error (error);
  g_assert_false (nova_volume_driver_create_volume (fx->driver, volume, &error));
  assert_error_has (error, NOVA_VOLUME_ERROR_ALREADY_EXISTS, "already exists");
  g_clear_error (&error);

  g_assert_true (nova_volume_driver_create_snapshot (fx->driver, snapshot, volume, &error));
  g_assert_no_error (error);
  g_assert_false (nova_volume_driver_create_snapshot (fx->driver, snapshot, volume, &error));
  assert_error_has (error, NOVA_VOLUME_ERROR_ALREADY_EXISTS, "already exists");
  g_clear_error (&error);

  g_assert_false (nova_volume_driver_create_snapshot (fx->driver, snapshot_of_gone, gone, &error));
  assert_error_has (error, NOVA_VOLUME_ERROR_NOT_FOUND, "is not in the Sheepdog cluster");
  g_clear_error (&error);
  g_assert_false (nova_volume_driver_create_volume_from_snapshot (fx->driver, other, missing_snapshot, NULL, NULL,
                                                                   NULL, &error));
  assert_error_has (error, NOVA_VOLUME_ERROR_NOT_FOUND, "Failed to find requested tag");
  g_clear_error (&error);
  g_assert_false (nova_volume_driver_create_volume_from_snapshot (fx->driver, other, snapshot_of_gone, NULL, NULL,
                                                                   NULL, &error));
  assert_error_has (error, NOVA_VOLUME_ERROR_NOT_FOUND, "No VDI found");
  g_clear_error (&error);
  g_assert_false (nova_volume_driver_create_cloned_volume (fx->driver, other, gone, NULL, NULL, NULL, &error));
  assert_error_has (error, NOVA_VOLUME_ERROR_NOT_FOUND, "No VDI found");
  g_clear_error (&error);
  g_assert_false (nova_volume_driver_extend_volume (fx->driver, gone, 16 * MIB, &error));
  assert_error_has (error, NOVA_VOLUME_ERROR_NOT_FOUND, "No VDI found");
  g_clear_error (&error);
  g_assert_false (nova_volume_driver_check_for_export (fx->driver, gone, &error));
  assert_error_has (error, NOVA_VOLUME_ERROR_NOT_FOUND, "deleted outside nova-volume");
  g_clear_error (&error);

  /* a record smaller than the VDI: dog refuses the shrink (exit 64) */
  g_assert_true (nova_volume_driver_extend_volume (fx->driver, volume, 12 * MIB, &error));
  stale = nova_volume_record_copy (volume);
  stale->size = 4 * MIB;
  g_assert_false (nova_volume_driver_extend_volume (fx->driver, stale, 6 * MIB, &error));
  assert_error_has (error, NOVA_VOLUME_ERROR_INVALID_ARGUMENT, "cannot shrink");
  g_clear_error (&error);
  g_assert_cmpuint (vdi_size (volume->id), ==, 12 * MIB);

  /* past 4 TiB */
  other->size = G_GUINT64_CONSTANT (5) << 40;
  g_assert_false (nova_volume_driver_create_volume (fx->driver, other, &error));
  assert_error_has (error, NOVA_VOLUME_ERROR_INVALID_ARGUMENT, "at most 4 TiB");
  g_clear_error (&error);

  g_assert_true (nova_volume_driver_delete_snapshot (fx->driver, snapshot, &error));
  g_assert_true (nova_volume_driver_delete_volume (fx->driver, volume, &error));
  g_assert_no_error (error);
}

/* dog vdi delete exits 0 when it cannot reach the cluster, or the cluster
 * is not formatted: the driver reads stderr and fails */
static void
test_delete_trap (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) volume = test_new_volume (8 * MIB);
  g_autoptr(NovaSnapshotRecord) snapshot = test_new_snapshot (volume);
  const char *const ports[] = { fx->env->free_port, fx->env->unformatted_port };
  const char *const reasons[] = { "cannot reach the Sheepdog cluster", "is not formatted yet" };

  for (gsize i = 0; i < G_N_ELEMENTS (ports); i++)
    {
      g_autoptr(NovaVolumeDriverContext) ctx = context_for (fx->dir, fx->env->dog, ports[i], "30");
      g_autoptr(NovaVolumeDriver) driver = g_object_new (g_type_from_name ("NovaVolumeSheepdogDriver"), NULL);
      g_autoptr(GError) error = NULL;

      /* set up without its check: the cluster is not there */
      g_assert_true (nova_volume_driver_do_setup (driver, ctx, &error));
      g_assert_false (nova_volume_driver_delete_volume (driver, volume, &error));
      assert_error_has (error, NOVA_VOLUME_ERROR_FAILED, reasons[i]);
      g_clear_error (&error);
      g_assert_false (nova_volume_driver_delete_snapshot (driver, snapshot, &error));
      assert_error_has (error, NOVA_VOLUME_ERROR_FAILED, reasons[i]);
      g_clear_error (&error);
      g_assert_null (nova_volume_driver_get_volume_stats (driver, TRUE, &error));
      assert_error_has (error, NOVA_VOLUME_ERROR_FAILED, reasons[i]);
    }
}

static int
compare_lines (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* list_stored's entries as sorted lines, "volume ID SIZE" and "snapshot
 * ID SIZE VOLUME-ID" (- when unknown), to compare as one string */
static char *
stored_lines (GPtrArray *stored)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < stored->len; i++)
    {
      const NovaVolumeStored *entry = g_ptr_array_index (stored, i);

      g_ptr_array_add (lines, entry->is_snapshot
                       ? g_strdup_printf ("snapshot %s %" G_GUINT64_FORMAT " %s", entry->id, entry->size,
                                          entry->volume_id != NULL ? entry->volume_id : "-")
                       : g_strdup_printf ("volume %s %" G_GUINT64_FORMAT, entry->id, entry->size));
    }
  g_ptr_array_sort (lines, compare_lines);
  for (guint i = 0; i < lines->len; i++)
    g_string_append_printf (text, "%s\n", (const char *) g_ptr_array_index (lines, i));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* what list_stored finds: the VDIs volume_name_template named (a clone
 * of a snapshot and a clone of a volume among them) with their sizes,
 * and their snapshots tagged by snapshot_name_template with their volume;
 * not a VDI the template named from no UUID, a snapshot of it, a snapshot
 * of another tag. Templates of its own keep the other tests' VDIs out of
 * its sight. A cluster that cannot answer is an error that says so. */
static void
test_list_stored (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeDriverContext) ctx =
    test_driver_context_new (fx->dir, NULL, "volume_driver", "sheepdog", "sheepdog_command", fx->env->dog,
                             "sheepdog_port", fx->env->port, "sheepdog_timeout", "30",
                             "volume_name_template", "listed-volume-%s",
                             "snapshot_name_template", "listed-snapshot-%s", NULL);
  g_autoptr(NovaVolumeDriver) driver = test_driver_load (ctx);
  g_autoptr(NovaVolumeRecord) first = test_new_volume (8 * MIB);
  g_autoptr(NovaVolumeRecord) second = test_new_volume (12 * MIB);
  g_autoptr(NovaVolumeRecord) from_snapshot = test_new_volume (16 * MIB);
  g_autoptr(NovaVolumeRecord) clone = test_new_volume (12 * MIB);
  g_autoptr(NovaSnapshotRecord) snapshot = test_new_snapshot (first);
  g_autofree char *first_vdi = g_strconcat ("listed-volume-", first->id, NULL);
  g_autofree char *stray_tag = g_strconcat ("listed-snapshot-", first->id, NULL);
  g_autoptr(GPtrArray) stored = NULL;
  g_autofree char *listed = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_volume_driver_create_volume (driver, first, &error));
  g_assert_true (nova_volume_driver_create_volume (driver, second, &error));
  g_assert_true (nova_volume_driver_create_snapshot (driver, snapshot, first, &error));
  g_assert_true (nova_volume_driver_create_volume_from_snapshot (driver, from_snapshot, snapshot, NULL, NULL, NULL,
                                                                  &error));
  g_assert_true (nova_volume_driver_create_cloned_volume (driver, clone, second, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  /* to be skipped */
  sheepdog_test_vdi ("create", "listed-volume-notauuid", "4M", NULL);
  sheepdog_test_snapshot ("listed-volume-notauuid", stray_tag);
  sheepdog_test_snapshot (first_vdi, "by-hand");

  stored = nova_volume_driver_list_stored (driver, &error);
  g_assert_no_error (error);
  g_assert_nonnull (stored);
  listed = stored_lines (stored);
  {
    g_autoptr(GPtrArray) wanted = g_ptr_array_new_with_free_func ((GDestroyNotify) nova_volume_stored_free);

    g_ptr_array_add (wanted, nova_volume_stored_new (FALSE, first->id, 8 * MIB, NULL));
    g_ptr_array_add (wanted, nova_volume_stored_new (FALSE, second->id, 12 * MIB, NULL));
    g_ptr_array_add (wanted, nova_volume_stored_new (FALSE, from_snapshot->id, 16 * MIB, NULL));
    g_ptr_array_add (wanted, nova_volume_stored_new (FALSE, clone->id, 12 * MIB, NULL));
    g_ptr_array_add (wanted, nova_volume_stored_new (TRUE, snapshot->id, 8 * MIB, first->id));
    expected = stored_lines (wanted);
  }
  g_test_message ("listed:\n%s", listed);
  g_assert_cmpstr (listed, ==, expected);

  /* no cluster there, or one not formatted: said so */
  {
    const char *const ports[] = { fx->env->free_port, fx->env->unformatted_port };
    const char *const reasons[] = { "cannot reach the Sheepdog cluster", "is not formatted yet" };

    for (gsize i = 0; i < G_N_ELEMENTS (ports); i++)
      {
        g_autoptr(NovaVolumeDriverContext) other_ctx = context_for (fx->dir, fx->env->dog, ports[i], "30");
        g_autoptr(NovaVolumeDriver) other = g_object_new (g_type_from_name ("NovaVolumeSheepdogDriver"), NULL);
        g_autoptr(GPtrArray) none = NULL;

        g_assert_true (nova_volume_driver_do_setup (other, other_ctx, &error));
        none = nova_volume_driver_list_stored (other, &error);
        g_assert_null (none);
        assert_error_has (error, NOVA_VOLUME_ERROR_FAILED, reasons[i]);
        g_clear_error (&error);
      }
  }

  sheepdog_test_vdi ("delete", "-s", "by-hand", first_vdi, NULL);
  sheepdog_test_vdi ("delete", "-s", stray_tag, "listed-volume-notauuid", NULL);
  sheepdog_test_vdi ("delete", "listed-volume-notauuid", NULL);
  g_assert_true (nova_volume_driver_delete_volume (driver, from_snapshot, &error));
  g_assert_true (nova_volume_driver_delete_volume (driver, clone, &error));
  g_assert_true (nova_volume_driver_delete_snapshot (driver, snapshot, &error));
  g_assert_true (nova_volume_driver_delete_volume (driver, second, &error));
  g_assert_true (nova_volume_driver_delete_volume (driver, first, &error));
  g_assert_no_error (error);
  g_ptr_array_unref (stored);
  stored = nova_volume_driver_list_stored (driver, &error);
  g_assert_no_error (error);
  g_free (listed);
  listed = stored_lines (stored);
  g_assert_cmpstr (listed, ==, "");
}

static void
test_stats (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) stats = nova_volume_driver_get_volume_stats (fx->driver, TRUE, &error);
  guint64 total = 0, free_capacity = 0;
  const char *protocol = NULL;

  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (stats, "total_capacity", "t", &total));
  g_assert_true (g_variant_lookup (stats, "free_capacity", "t", &free_capacity));
  g_assert_true (g_variant_lookup (stats, "storage_protocol", "&s", &protocol));
  g_assert_cmpuint (total, >, 0);
  g_assert_cmpuint (free_capacity, <=, total);
  g_assert_cmpstr (protocol, ==, "sheepdog");
}

/* the bytes as streams (Migrate): what the write stream takes is what
 * dog vdi read finds, what dog vdi write put is what the read stream
 * gives, to the volume's whole size; a VDI that is not there says so */
static void
test_streams (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) volume = test_new_volume (8 * MIB);
  g_autoptr(NovaVolumeRecord) missing = test_new_volume (8 * MIB);
  g_autoptr(GBytes) bytes = sheepdog_test_random_bytes (DATA_LEN);
  g_autoptr(GBytes) other = sheepdog_test_random_bytes (DATA_LEN);
  g_autoptr(GOutputStream) out = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *back = g_malloc (8 * MIB);
  gsize n = 0;

  g_assert_true (nova_volume_driver_create_volume (fx->driver, volume, &error));
  g_assert_no_error (error);
  out = nova_volume_driver_open_for_write (fx->driver, volume, &error);
  g_assert_no_error (error);
  g_assert_false (G_IS_SEEKABLE (out) && g_seekable_can_seek (G_SEEKABLE (out)));
  g_assert_true (g_output_stream_write_all (out, g_bytes_get_data (bytes, NULL), DATA_LEN, NULL, NULL, &error));
  g_assert_true (g_output_stream_close (out, NULL, &error));
  g_assert_no_error (error);
  assert_volume_holds (fx, volume, bytes);

  write_volume (fx, volume, other);
  in = nova_volume_driver_open_for_read (fx->driver, volume, &error);
  g_assert_no_error (error);
  g_assert_true (g_input_stream_read_all (in, back, 8 * MIB, &n, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 8 * MIB);
  g_assert_cmpmem (back, DATA_LEN, g_bytes_get_data (other, NULL), DATA_LEN);
  g_assert_true (g_input_stream_close (in, NULL, &error));
  g_assert_no_error (error);
  g_clear_object (&in);

  /* dog's own reason, not a short read */
  in = nova_volume_driver_open_for_read (fx->driver, missing, &error);
  g_assert_no_error (error);
  g_assert_false (g_input_stream_read_all (in, back, 8 * MIB, &n, NULL, &error));
  g_assert_nonnull (error);
  g_test_message ("reading a missing VDI: %s", error->message);
  g_assert_nonnull (strstr (error->message, "vdi read"));
  g_assert_true (nova_volume_driver_delete_volume (fx->driver, volume, NULL));
}

static void
test_connection (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) volume = test_new_volume (8 * MIB);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) connector = g_variant_ref_sink (g_variant_new_parsed ("{'host': <'compute-1'>}"));
  g_autoptr(GVariant) info = nova_volume_driver_initialize_connection (fx->driver, volume, connector, &error);
  g_autofree char *name = g_strconcat ("volume-", volume->id, NULL);
  g_autoptr(GVariant) expected = g_variant_ref_sink (g_variant_new_parsed (
    "{'driver_volume_type': <'sheepdog'>, 'data': <{'name': <%s>, 'hosts': <['127.0.0.1']>, 'ports': <[%s]>}>}",
    name, fx->env->port));

  g_assert_no_error (error);
  g_assert_true (g_variant_equal (info, expected));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (sheepdog_test_skip_without_cluster ("/sheepdog-real/no-cluster"))
    return g_test_run ();
  g_test_add ("/sheepdog-real/setup-errors", Fixture, NULL, fixture_setup, test_setup_errors, fixture_teardown);
  g_test_add ("/sheepdog-real/lifecycle", Fixture, NULL, fixture_setup, test_lifecycle, fixture_teardown);
  g_test_add ("/sheepdog-real/clone-leftover", Fixture, NULL, fixture_setup, test_clone_leftover,
              fixture_teardown);
  g_test_add ("/sheepdog-real/revert", Fixture, NULL, fixture_setup, test_revert, fixture_teardown);
  g_test_add ("/sheepdog-real/refusals", Fixture, NULL, fixture_setup, test_refusals, fixture_teardown);
  g_test_add ("/sheepdog-real/delete-exits-0", Fixture, NULL, fixture_setup, test_delete_trap, fixture_teardown);
  g_test_add ("/sheepdog-real/stats", Fixture, NULL, fixture_setup, test_stats, fixture_teardown);
  g_test_add ("/sheepdog-real/connection", Fixture, NULL, fixture_setup, test_connection, fixture_teardown);
  g_test_add ("/sheepdog-real/streams", Fixture, NULL, fixture_setup, test_streams, fixture_teardown);
  g_test_add ("/sheepdog-real/list-stored", Fixture, NULL, fixture_setup, test_list_stored, fixture_teardown);
  return g_test_run ();
}
