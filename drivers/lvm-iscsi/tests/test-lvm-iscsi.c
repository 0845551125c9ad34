/* The lvm-iscsi driver on a host without device-mapper: a volume group of
 * sparse files (tests/lvm-files.c) and a target helper that records what
 * it is asked. What it checks: sizes rounded to extents, thick and thin
 * volumes, snapshots, copies with their bytes, volume_clear (a deleted
 * thick volume is zeros before its extents go back), target numbers from
 * the store (1..iscsi_num_targets, freed on failure and on remove), CHAP
 * made once and kept, one access rule per initiator, stats. The real
 * libblockdev and targets run in the guest and tgt tiers. */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "lvm-files.h"
#include "nova-volume-driver-lvm-iscsi.h"
#include "nova-volume-error.h"
#include "nova-volume-iscsi-location.h"
#include "test-util.h"

#define MIB ((guint64) 1024 * 1024)
#define GIB_FOR_STATS (1024 * MIB)
#define VG "nova-volumes"
#define INITIATOR_A "iqn.1993-08.org.debian:01:aaaa"
#define INITIATOR_B "iqn.1993-08.org.debian:01:bbbb"

/* ---- a target helper that records ------------------------------------- */

typedef struct {
  GObject    parent_instance;
  GPtrArray *calls;
  GHashTable *targets;    /* iqn -> tid */
  gboolean   fail_next_ensure;
} RecTarget;

typedef struct {
  GObjectClass parent_class;
} RecTargetClass;

static void rec_target_iface_init (NovaIscsiTargetInterface *iface);
static GType rec_target_get_type (void);
G_DEFINE_TYPE_WITH_CODE (RecTarget, rec_target, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (NOVA_TYPE_ISCSI_TARGET, rec_target_iface_init))

static guint
rec_get_lun (NovaIscsiTarget *target)
{
  return 1;
}

static gboolean
rec_ensure (NovaIscsiTarget *target, const NovaIscsiExport *export, GError **error)
{
  RecTarget *self = (RecTarget *) target;

  if (self->fail_next_ensure)
    {
      self->fail_next_ensure = FALSE;
      g_set_error_literal (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED, "tgtadm exited with status 107");
      return FALSE;
    }
  /* the secret is the helper's to keep out of logs; here it must arrive */
  g_assert_nonnull (export->chap_secret);
  g_assert_cmpuint (strlen (export->chap_secret), ==, NOVA_ISCSI_CHAP_SECRET_LEN);
  g_ptr_array_add (self->calls, g_strdup_printf ("ensure %s %u %s %s", export->iqn, export->tid,
                                                 export->backing_path, export->chap_user));
  g_hash_table_insert (self->targets, g_strdup (export->iqn), GUINT_TO_POINTER (export->tid));
  return TRUE;
}

static gboolean
rec_remove (NovaIscsiTarget *target, const NovaIscsiExport *export, GError **error)
{
  RecTarget *self = (RecTarget *) target;

  g_ptr_array_add (self->calls, g_strdup_printf ("remove %s %u", export->iqn, export->tid));
  g_hash_table_remove (self->targets, export->iqn);
  return TRUE;
}

static gboolean
rec_allow (NovaIscsiTarget *target, const NovaIscsiExport *export, const char *initiator, GError **error)
{
  g_ptr_array_add (((RecTarget *) target)->calls, g_strdup_printf ("allow %u %s", export->tid, initiator));
  return TRUE;
}

static gboolean
rec_deny (NovaIscsiTarget *target, const NovaIscsiExport *export, const char *initiator, GError **error)
{
  g_ptr_array_add (((RecTarget *) target)->calls, g_strdup_printf ("deny %u %s", export->tid, initiator));
  return TRUE;
}

static gboolean
rec_exists (NovaIscsiTarget *target, const NovaIscsiExport *export, gboolean *out, GError **error)
{
  *out = g_hash_table_contains (((RecTarget *) target)->targets, export->iqn);
  return TRUE;
}

static gboolean
rec_refresh (NovaIscsiTarget *target, const NovaIscsiExport *export, GError **error)
{
  g_ptr_array_add (((RecTarget *) target)->calls, g_strdup_printf ("refresh %s %u", export->iqn, export->tid));
  return TRUE;
}

static void
rec_target_iface_init (NovaIscsiTargetInterface *iface)
{
  iface->refresh_size = rec_refresh;
  iface->get_lun = rec_get_lun;
  iface->ensure_export = rec_ensure;
  iface->remove_export = rec_remove;
  iface->allow_initiator = rec_allow;
  iface->deny_initiator = rec_deny;
  iface->export_exists = rec_exists;
}

static void
rec_target_finalize (GObject *object)
{
  RecTarget *self = (RecTarget *) object;

  g_ptr_array_unref (self->calls);
  g_hash_table_unref (self->targets);
  G_OBJECT_CLASS (rec_target_parent_class)->finalize (object);
}

static void
rec_target_class_init (RecTargetClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rec_target_finalize;
}

static void
rec_target_init (RecTarget *self)
{
  self->calls = g_ptr_array_new_with_free_func (g_free);
  self->targets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/* ---- fixture ---------------------------------------------------------- */

typedef struct {
  char             *dir;
  NovaVolumeConfig *config;
  NovaVolumeStore  *store;
  NovaLvm          *lvm;
  RecTarget        *target;
  NovaVolumeDriver *driver;
} Fixture;

static void
fixture_start (Fixture *fx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeExecutor) executor = nova_volume_executor_new (1);
  g_autoptr(NovaVolumeDriverContext) ctx = nova_volume_driver_context_new (fx->config, executor, NOVA_VOLUME_LEDGER (fx->store), fx->dir);

  g_clear_object (&fx->driver);
  fx->driver = nova_volume_lvm_iscsi_driver_new_with (fx->lvm, NOVA_ISCSI_TARGET (fx->target));
  g_assert_true (nova_volume_driver_do_setup (fx->driver, ctx, &error));
  g_assert_no_error (error);
  g_assert_true (nova_volume_driver_check_for_setup_error (fx->driver, &error));
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  const char *lvm_type = data != NULL ? data : "default";

  fx->dir = test_make_tmp_dir ("nova-volume-lvm-iscsi-XXXXXX");
  fx->store = test_lvm_files_state_new (fx->dir, VG);
  fx->config = nova_volume_config_new ();
  test_config_set (fx->config, "volume_driver", "lvm-iscsi");
  test_config_set (fx->config, "lvm_type", lvm_type);
  test_config_set (fx->config, "iscsi_num_targets", "3");
  test_config_set (fx->config, "iscsi_ip_address", "192.0.2.10");
  fx->lvm = test_lvm_files_new (fx->dir, 64 * 1024 * MIB);
  fx->target = g_object_new (rec_target_get_type (), NULL);
  fixture_start (fx);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  g_clear_object (&fx->driver);
  g_clear_object (&fx->target);
  g_clear_object (&fx->lvm);
  g_clear_object (&fx->store);
  g_clear_object (&fx->config);
  test_remove_tree (fx->dir);
  g_free (fx->dir);
}

/* A volume as the manager has it when it calls the driver: in the store. */
static NovaVolumeRecord *
new_volume (Fixture *fx, guint64 size)
{
  g_autoptr(GError) error = NULL;
  NovaVolumeRecord *volume = nova_volume_record_new ();

  volume->id = g_uuid_string_random ();
  nova_record_set_string (&volume->driver, "lvm-iscsi");
  nova_record_set_string (&volume->backend, "lvm-iscsi");
  volume->size = size;
  volume->status = NOVA_VOLUME_STATUS_CREATING;
  g_assert_true (nova_volume_store_put_volume (fx->store, volume, &error));
  g_assert_no_error (error);
  return volume;
}

static char *
path_of (Fixture *fx, const char *lv_prefix, const char *id)
{
  g_autofree char *name = g_strconcat (lv_prefix, id, NULL);

  return nova_lvm_lv_path (fx->lvm, VG, name);
}

static void
write_at (const char *path, guint64 offset, const char *text)
{
  int fd = open (path, O_WRONLY | O_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, text, strlen (text), (off_t) offset), ==, (ssize_t) strlen (text));
  close (fd);
}

static char *
read_at (const char *path, guint64 offset, gsize length)
{
  char *buffer = g_malloc0 (length + 1);
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pread (fd, buffer, length, (off_t) offset), ==, (ssize_t) length);
  close (fd);
  return buffer;
}

/* ---- tests ------------------------------------------------------------ */

/* thick: rounded to extents, copies keep the bytes, and a deleted volume
 * is zeros before it goes (volume_clear = zero, the default) */
static void
test_thick_volumes (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeRecord) volume = new_volume (fx, 5 * MIB);
  g_autoptr(NovaVolumeRecord) from_snapshot = NULL;
  g_autoptr(NovaVolumeRecord) clone = NULL;
  g_autoptr(NovaSnapshotRecord) snapshot = NULL;
  g_autofree char *path = NULL;
  g_autofree char *copy_path = NULL;
  g_autofree char *clone_path = NULL;
  g_autofree char *snap_path = NULL;
  g_autofree char *back = NULL;
  g_autofree char *snap_id = g_uuid_string_random ();

  g_assert_true (nova_volume_driver_create_volume (fx->driver, volume, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (volume->size, ==, 8 * MIB);
  path = path_of (fx, "volume-", volume->id);
  write_at (path, 4096, "the same bytes");

  snapshot = nova_snapshot_record_new ();
  snapshot->id = g_strdup (snap_id);
  snapshot->volume_id = g_strdup (volume->id);
  g_assert_true (nova_volume_driver_create_snapshot (fx->driver, snapshot, volume, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (snapshot->size, ==, volume->size);
  /* LVM reserves names starting with "snapshot" */
  snap_path = path_of (fx, "_snapshot-", snapshot->id);
  g_assert_true (g_file_test (snap_path, G_FILE_TEST_EXISTS));
  write_at (path, 4096, "newer bytes!!!");

  from_snapshot = new_volume (fx, 0);
  g_assert_true (nova_volume_driver_create_volume_from_snapshot (fx->driver, from_snapshot, snapshot, NULL, NULL,
                                                                 NULL, &error));
  g_assert_no_error (error);
  copy_path = path_of (fx, "volume-", from_snapshot->id);
  back = read_at (copy_path, 4096, 14);
  g_assert_cmpstr (back, ==, "the same bytes");
  g_clear_pointer (&back, g_free);

  clone = new_volume (fx, 16 * MIB);
  g_assert_true (nova_volume_driver_create_cloned_volume (fx->driver, clone, volume, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (clone->size, ==, 16 * MIB);
  clone_path = path_of (fx, "volume-", clone->id);
  back = read_at (clone_path, 4096, 14);
  g_assert_cmpstr (back, ==, "newer bytes!!!");

  /* a thick origin with a snapshot is not extended, and says why */
  g_assert_false (nova_volume_driver_extend_volume (fx->driver, volume, 10 * MIB, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "snapshot"));
  g_clear_error (&error);
  g_assert_cmpuint (volume->size, ==, 8 * MIB);

  g_assert_true (nova_volume_driver_delete_snapshot (fx->driver, snapshot, &error));
  g_assert_true (nova_volume_driver_extend_volume (fx->driver, volume, 10 * MIB, &error));
  g_assert_cmpuint (volume->size, ==, 12 * MIB);
  g_assert_true (nova_volume_driver_delete_volume (fx->driver, volume, &error));
  g_assert_true (nova_volume_driver_delete_volume (fx->driver, clone, &error));
  g_assert_true (nova_volume_driver_delete_volume (fx->driver, from_snapshot, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  /* only the snapshot (a COW store, not a volume) went with bytes in it */
  g_assert_cmpuint (test_lvm_files_removed_dirty (fx->lvm), ==, 1);
  /* deleting what is gone succeeds */
  g_assert_true (nova_volume_driver_delete_volume (fx->driver, volume, &error));
  g_assert_no_error (error);
}

/* volume_clear = none leaves the bytes; volume_clear_size clears the
 * start only */
static void
test_volume_clear_settings (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeRecord) kept = new_volume (fx, 8 * MIB);
  g_autoptr(NovaVolumeRecord) partly = new_volume (fx, 8 * MIB);
  g_autofree char *kept_path = NULL;
  g_autofree char *partly_path = NULL;

  test_config_set (fx->config, "volume_clear", "none");
  fixture_start (fx);
  g_assert_true (nova_volume_driver_create_volume (fx->driver, kept, &error));
  kept_path = path_of (fx, "volume-", kept->id);
  write_at (kept_path, 0, "secret");
  g_assert_true (nova_volume_driver_delete_volume (fx->driver, kept, &error));
  g_assert_cmpuint (test_lvm_files_removed_dirty (fx->lvm), ==, 1);

  test_config_set (fx->config, "volume_clear", "zero");
  test_config_set (fx->config, "volume_clear_size", "1");
  fixture_start (fx);
  g_assert_true (nova_volume_driver_create_volume (fx->driver, partly, &error));
  partly_path = path_of (fx, "volume-", partly->id);
  write_at (partly_path, 0, "cleared");
  write_at (partly_path, 2 * MIB, "beyond volume_clear_size");
  g_assert_true (nova_volume_driver_delete_volume (fx->driver, partly, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (test_lvm_files_removed_dirty (fx->lvm), ==, 2);
}

/* a volume still open (a client holds its LV): Busy, asked before any
 * clearing, so its bytes and its LV are as they were; closed, it goes.
 * With volume_clear = none too. */
static void
test_delete_open (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeRecord) volume = new_volume (fx, 8 * MIB);
  g_autofree char *path = NULL;
  g_autofree char *lv = NULL;
  g_autofree char *back = NULL;

  g_assert_true (nova_volume_driver_create_volume (fx->driver, volume, &error));
  path = path_of (fx, "volume-", volume->id);
  lv = g_path_get_basename (path);
  write_at (path, 0, "still in use");
  test_lvm_files_set_open (fx->lvm, lv, TRUE);
  g_assert_false (nova_volume_driver_delete_volume (fx->driver, volume, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_BUSY);
  g_assert_nonnull (strstr (error->message, "open"));
  g_clear_error (&error);
  back = read_at (path, 0, 12);
  g_assert_cmpstr (back, ==, "still in use");

  test_lvm_files_set_open (fx->lvm, lv, FALSE);
  g_assert_true (nova_volume_driver_delete_volume (fx->driver, volume, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (test_lvm_files_removed_dirty (fx->lvm), ==, 0);

  /* with nothing to clear the driver does not look first: the removal
   * itself refuses the open LV, the same way */
  test_config_set (fx->config, "volume_clear", "none");
  fixture_start (fx);
  g_assert_true (nova_volume_driver_create_volume (fx->driver, volume, &error));
  g_assert_no_error (error);
  write_at (path, 0, "still in use");
  test_lvm_files_set_open (fx->lvm, lv, TRUE);
  g_assert_false (nova_volume_driver_delete_volume (fx->driver, volume, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_BUSY);
  g_assert_nonnull (strstr (error->message, "open"));
  g_clear_error (&error);
  g_clear_pointer (&back, g_free);
  back = read_at (path, 0, 12);
  g_assert_cmpstr (back, ==, "still in use");
  test_lvm_files_set_open (fx->lvm, lv, FALSE);
  g_assert_true (nova_volume_driver_delete_volume (fx->driver, volume, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

/* thin: the pool is made on first use, copies are thin snapshots, and
 * thin volumes need no clearing */
static void
test_thin_volumes (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeRecord) volume = new_volume (fx, 8 * MIB);
  g_autoptr(NovaVolumeRecord) clone = new_volume (fx, 0);
  g_autofree char *path = NULL;
  g_autofree char *clone_path = NULL;
  g_autofree char *back = NULL;
  NovaLvmLvInfo info;

  g_assert_true (nova_lvm_lv_info (fx->lvm, VG, VG "-pool", &info, &error));
  g_assert_false (info.exists);
  g_assert_true (nova_volume_driver_create_volume (fx->driver, volume, &error));
  g_assert_no_error (error);
  g_assert_true (nova_lvm_lv_info (fx->lvm, VG, VG "-pool", &info, &error));
  g_assert_true (info.exists);
  path = path_of (fx, "volume-", volume->id);
  g_assert_true (nova_lvm_lv_info (fx->lvm, VG, strrchr (path, '/') + 1, &info, &error));
  g_assert_true (info.thin);
  write_at (path, 0, "thin bytes");

  g_assert_true (nova_volume_driver_create_cloned_volume (fx->driver, clone, volume, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  clone_path = path_of (fx, "volume-", clone->id);
  back = read_at (clone_path, 0, 10);
  g_assert_cmpstr (back, ==, "thin bytes");

  g_assert_true (nova_volume_driver_delete_volume (fx->driver, volume, &error));
  g_assert_true (nova_volume_driver_delete_volume (fx->driver, clone, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (test_lvm_files_removed_dirty (fx->lvm), ==, 2);
}

static NovaSnapshotRecord *
new_snapshot (Fixture *fx, const NovaVolumeRecord *volume)
{
  g_autoptr(GError) error = NULL;
  NovaSnapshotRecord *snapshot = nova_snapshot_record_new ();

  snapshot->id = g_uuid_string_random ();
  snapshot->volume_id = g_strdup (volume->id);
  g_assert_true (nova_volume_driver_create_snapshot (fx->driver, snapshot, volume, &error));
  g_assert_no_error (error);
  return snapshot;
}

static void
assert_holds (const char *path, const char *text)
{
  g_autofree char *back = read_at (path, 4096, strlen (text));

  g_assert_cmpstr (back, ==, text);
}

/* how many of the target helper's calls start with @prefix */
static guint
count_calls (Fixture *fx, const char *prefix)
{
  guint n = 0;

  for (guint i = 0; i < fx->target->calls->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (fx->target->calls, i), prefix))
      n++;
  return n;
}

/* thick revert: only to the latest snapshot, merged and taken again, the
 * export down for it and up after; a merge a stop cut short (the snapshot
 * LV consumed) is finished by taking the snapshot again; an open volume
 * is refused, changing nothing */
static void
test_revert_thick (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeRecord) volume = new_volume (fx, 8 * MIB);
  g_autoptr(NovaSnapshotRecord) older = NULL, latest = NULL;
  g_autofree char *path = NULL, *latest_path = NULL;
  guint removes, ensures;

  g_assert_true (nova_volume_driver_create_volume (fx->driver, volume, &error));
  g_assert_true (nova_volume_driver_create_export (fx->driver, volume, &error));
  g_assert_no_error (error);
  path = path_of (fx, "volume-", volume->id);
  write_at (path, 4096, "first");
  older = new_snapshot (fx, volume);
  write_at (path, 4096, "second");
  latest = new_snapshot (fx, volume);
  write_at (path, 4096, "third!");
  latest_path = path_of (fx, "_snapshot-", latest->id);

  g_assert_false (nova_volume_driver_revert_to_snapshot (fx->driver, volume, older, FALSE, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_SUPPORTED);
  g_test_message ("refused: %s", error->message);
  g_clear_error (&error);
  assert_holds (path, "third!");

  removes = count_calls (fx, "remove");
  ensures = count_calls (fx, "ensure");
  g_assert_true (nova_volume_driver_revert_to_snapshot (fx->driver, volume, latest, TRUE, &error));
  g_assert_no_error (error);
  assert_holds (path, "second");
  g_assert_true (g_file_test (latest_path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_calls (fx, "remove"), ==, removes + 1);
  g_assert_cmpuint (count_calls (fx, "ensure"), ==, ensures + 1);
  g_assert_cmpstr (volume->provider_location, !=, "");

  /* stopped after the merge: the snapshot LV consumed */
  write_at (path, 4096, "fourth");
  {
    g_autofree char *name = g_strconcat ("_snapshot-", latest->id, NULL);
    g_assert_true (nova_lvm_merge_snapshot (fx->lvm, VG, name, &error));
    g_assert_no_error (error);
  }
  g_assert_false (g_file_test (latest_path, G_FILE_TEST_EXISTS));
  g_assert_true (nova_volume_driver_revert_to_snapshot (fx->driver, volume, latest, TRUE, &error));
  g_assert_no_error (error);
  assert_holds (path, "second");
  g_assert_true (g_file_test (latest_path, G_FILE_TEST_EXISTS));

  /* open on this host: Busy, and the export is back */
  write_at (path, 4096, "fifth!");
  test_lvm_files_set_open (fx->lvm, strrchr (path, '/') + 1, TRUE);
  g_assert_false (nova_volume_driver_revert_to_snapshot (fx->driver, volume, latest, TRUE, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_BUSY);
  g_clear_error (&error);
  test_lvm_files_set_open (fx->lvm, strrchr (path, '/') + 1, FALSE);
  assert_holds (path, "fifth!");
  g_assert_true (nova_volume_driver_check_for_export (fx->driver, volume, &error));
  g_assert_no_error (error);
}

/* thin revert: to any snapshot, a thin snapshot of it swapped in under
 * the volume's name; cut short after the old LV went, the next run
 * renames the replacement; nothing is left over, the export is back */
static void
test_revert_thin (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeRecord) volume = new_volume (fx, 8 * MIB);
  g_autoptr(NovaSnapshotRecord) older = NULL, latest = NULL;
  g_autofree char *path = NULL, *replacement = NULL;

  g_assert_true (nova_volume_driver_create_volume (fx->driver, volume, &error));
  g_assert_true (nova_volume_driver_create_export (fx->driver, volume, &error));
  g_assert_no_error (error);
  path = path_of (fx, "volume-", volume->id);
  replacement = g_strconcat (path, ".reverted", NULL);
  write_at (path, 4096, "first");
  older = new_snapshot (fx, volume);
  write_at (path, 4096, "second");
  latest = new_snapshot (fx, volume);
  write_at (path, 4096, "third!");

  g_assert_true (nova_volume_driver_revert_to_snapshot (fx->driver, volume, older, FALSE, &error));
  g_assert_no_error (error);
  assert_holds (path, "first");
  g_assert_false (g_file_test (replacement, G_FILE_TEST_EXISTS));
  {
    g_autofree char *older_path = path_of (fx, "_snapshot-", older->id);
    g_assert_true (g_file_test (older_path, G_FILE_TEST_EXISTS));
  }

  /* stopped with the replacement made and the old LV removed */
  {
    g_autofree char *snap = g_strconcat ("_snapshot-", latest->id, NULL);
    g_autofree char *name = g_strconcat ("volume-", volume->id, NULL);
    g_autofree char *new_name = g_strconcat (name, ".reverted", NULL);

    g_assert_true (nova_lvm_create_snapshot (fx->lvm, VG, snap, new_name, 0, &error));
    g_assert_true (nova_lvm_remove_lv (fx->lvm, VG, name, &error));
    g_assert_no_error (error);
  }
  g_assert_true (nova_volume_driver_revert_to_snapshot (fx->driver, volume, latest, TRUE, &error));
  g_assert_no_error (error);
  assert_holds (path, "second");
  g_assert_false (g_file_test (replacement, G_FILE_TEST_EXISTS));
  g_assert_true (nova_volume_driver_check_for_export (fx->driver, volume, &error));
  g_assert_no_error (error);

  /* a thin pool takes discarded blocks back: discard in connection_info */
  {
    g_autoptr(GVariant) connector = g_variant_ref_sink (
        g_variant_new_parsed ("{'initiator': <%s>, 'ip': <'10.0.0.2'>, 'host': <'compute1'>}", INITIATOR_A));
    g_autoptr(GVariant) info = nova_volume_driver_initialize_connection (fx->driver, volume, connector, &error);
    g_autoptr(GVariant) info_data = NULL;
    gboolean discard = FALSE;

    g_assert_no_error (error);
    info_data = g_variant_lookup_value (info, "data", G_VARIANT_TYPE_VARDICT);
    g_assert_true (g_variant_lookup (info_data, "discard", "b", &discard));
    g_assert_true (discard);
    g_assert_true (g_variant_lookup (info_data, "target_iqn", "&s", NULL));
    g_assert_true (nova_volume_driver_terminate_connection (fx->driver, volume, connector, &error));
    g_assert_no_error (error);
  }

  /* open on this host: Busy, nothing made or left */
  write_at (path, 4096, "fifth!");
  test_lvm_files_set_open (fx->lvm, strrchr (path, '/') + 1, TRUE);
  g_assert_false (nova_volume_driver_revert_to_snapshot (fx->driver, volume, older, FALSE, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_BUSY);
  g_clear_error (&error);
  test_lvm_files_set_open (fx->lvm, strrchr (path, '/') + 1, FALSE);
  assert_holds (path, "fifth!");
  g_assert_false (g_file_test (replacement, G_FILE_TEST_EXISTS));
}

/* target numbers from the store, 1..iscsi_num_targets; CHAP made once;
 * a failed export gives its new number back; remove frees it */
static void
test_exports (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  NovaVolumeRecord *volumes[4];
  g_autofree char *auth = NULL;
  g_autofree char *iqn = NULL;
  guint tid = 0;

  for (guint i = 0; i < G_N_ELEMENTS (volumes); i++)
    {
      volumes[i] = new_volume (fx, 8 * MIB);
      g_assert_true (nova_volume_driver_create_volume (fx->driver, volumes[i], &error));
      g_assert_no_error (error);
    }
  for (guint i = 0; i < 3; i++)
    {
      g_assert_true (nova_volume_driver_create_export (fx->driver, volumes[i], &error));
      g_assert_no_error (error);
      g_assert_true (nova_iscsi_location_parse (volumes[i]->provider_location, NULL, &tid, &iqn, NULL));
      g_assert_cmpuint (tid, ==, i + 1);
      g_assert_true (g_str_has_prefix (volumes[i]->provider_location, "192.0.2.10:3260,"));
      g_assert_true (g_str_has_prefix (iqn, "iqn.2010-10.org.openstack:volume-"));
      g_clear_pointer (&iqn, g_free);
      g_assert_true (g_str_has_prefix (volumes[i]->provider_auth, "CHAP "));
    }
  /* the fourth finds every number taken */
  g_assert_false (nova_volume_driver_create_export (fx->driver, volumes[3], &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NO_SPACE);
  g_clear_error (&error);

  /* exporting again keeps the number and the credentials */
  auth = g_strdup (volumes[1]->provider_auth);
  g_assert_true (nova_volume_driver_create_export (fx->driver, volumes[1], &error));
  g_assert_cmpstr (volumes[1]->provider_auth, ==, auth);
  g_assert_true (nova_iscsi_location_parse (volumes[1]->provider_location, NULL, &tid, NULL, NULL));
  g_assert_cmpuint (tid, ==, 2);

  /* remove frees number 2; a failing target gives a new number back */
  g_assert_true (nova_volume_driver_remove_export (fx->driver, volumes[1], &error));
  g_assert_no_error (error);
  fx->target->fail_next_ensure = TRUE;
  g_assert_false (nova_volume_driver_create_export (fx->driver, volumes[3], &error));
  g_clear_error (&error);
  g_assert_true (nova_volume_driver_create_export (fx->driver, volumes[3], &error));
  g_assert_no_error (error);
  g_assert_true (nova_iscsi_location_parse (volumes[3]->provider_location, NULL, &tid, NULL, NULL));
  g_assert_cmpuint (tid, ==, 2);

  /* an exported volume that grows has its LUN refreshed; one not
   * exported has nothing to refresh */
  g_assert_true (nova_volume_driver_extend_volume (fx->driver, volumes[3], 16 * MIB, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_calls (fx, "refresh"), ==, 1);
  g_assert_true (nova_volume_driver_extend_volume (fx->driver, volumes[1], 16 * MIB, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_calls (fx, "refresh"), ==, 1);

  /* after a reboot the target comes back with the same number */
  g_hash_table_remove_all (fx->target->targets);
  g_assert_false (nova_volume_driver_check_for_export (fx->driver, volumes[0], &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_true (nova_volume_driver_ensure_export (fx->driver, volumes[0], &error));
  g_assert_true (nova_volume_driver_check_for_export (fx->driver, volumes[0], &error));
  g_assert_no_error (error);
  {
    g_autofree char *user = NULL;
    g_autofree char *expected = NULL;

    g_assert_true (nova_iscsi_auth_parse (volumes[0]->provider_auth, NULL, &user, NULL));
    expected = g_strdup_printf ("ensure iqn.2010-10.org.openstack:volume-%s 1 %s/%s/volume-%s %s",
                                volumes[0]->id, fx->dir, VG, volumes[0]->id, user);
    g_assert_cmpstr (fx->target->calls->pdata[fx->target->calls->len - 1], ==, expected);
  }

  for (guint i = 0; i < G_N_ELEMENTS (volumes); i++)
    nova_volume_record_free (volumes[i]);
}

/* each connecting host's initiator is let in, and only while connected;
 * the connection_info is os-brick's iSCSI shape with the CHAP secret */
static void
test_connections (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeRecord) volume = new_volume (fx, 8 * MIB);
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GVariant) info_b = NULL;
  g_autoptr(GVariant) info_data = NULL;
  g_autoptr(GVariant) no_initiator = g_variant_ref_sink (g_variant_new_parsed ("{'host': <'compute1'>}"));
  g_autoptr(GVariant) host_a = g_variant_ref_sink (g_variant_new_parsed ("{'initiator': <%s>, 'host': <'a'>}",
                                                                         INITIATOR_A));
  g_autoptr(GVariant) host_b = g_variant_ref_sink (g_variant_new_parsed ("{'initiator': <%s>, 'host': <'b'>}",
                                                                         INITIATOR_B));
  const char *type = NULL, *portal = NULL, *password = NULL;
  gint32 lun = -1;
  guint tid = 0;

  g_assert_true (nova_volume_driver_create_volume (fx->driver, volume, &error));
  g_assert_true (nova_volume_driver_create_export (fx->driver, volume, &error));
  g_assert_no_error (error);
  g_assert_true (nova_iscsi_location_parse (volume->provider_location, NULL, &tid, NULL, NULL));

  g_assert_null (nova_volume_driver_initialize_connection (fx->driver, volume, no_initiator, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  info = nova_volume_driver_initialize_connection (fx->driver, volume, host_a, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (info, "driver_volume_type", "&s", &type));
  g_assert_cmpstr (type, ==, "iscsi");
  info_data = g_variant_lookup_value (info, "data", G_VARIANT_TYPE_VARDICT);
  /* thick extents keep discarded blocks: no discard */
  {
    g_autoptr(GVariant) discard = g_variant_lookup_value (info_data, "discard", NULL);
    g_assert_null (discard);
  }
  g_assert_true (g_variant_lookup (info_data, "target_portal", "&s", &portal));
  g_assert_cmpstr (portal, ==, "192.0.2.10:3260");
  g_assert_true (g_variant_lookup (info_data, "target_lun", "i", &lun));
  g_assert_cmpint (lun, ==, 1);
  g_assert_true (g_variant_lookup (info_data, "auth_password", "&s", &password));
  g_assert_cmpstr (password, ==, strrchr (volume->provider_auth, ' ') + 1);
  /* a second host at once (live migration) */
  info_b = nova_volume_driver_initialize_connection (fx->driver, volume, host_b, &error);
  g_assert_no_error (error);

  g_assert_true (nova_volume_driver_terminate_connection (fx->driver, volume, host_a, &error));
  g_assert_true (nova_volume_driver_terminate_connection (fx->driver, volume, no_initiator, &error));
  g_assert_no_error (error);
  {
    g_autofree char *allow_a = g_strdup_printf ("allow %u %s", tid, INITIATOR_A);
    g_autofree char *allow_b = g_strdup_printf ("allow %u %s", tid, INITIATOR_B);
    g_autofree char *deny_a = g_strdup_printf ("deny %u %s", tid, INITIATOR_A);
    GPtrArray *calls = fx->target->calls;

    g_assert_cmpstr (calls->pdata[calls->len - 3], ==, allow_a);
    g_assert_cmpstr (calls->pdata[calls->len - 2], ==, allow_b);
    g_assert_cmpstr (calls->pdata[calls->len - 1], ==, deny_a);
  }
}

static void
test_stats (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeRecord) volume = new_volume (fx, GIB_FOR_STATS);
  g_autoptr(GVariant) stats = NULL;
  guint64 total = 0, free_space = 0;
  const char *protocol = NULL;

  g_assert_true (nova_volume_driver_create_volume (fx->driver, volume, &error));
  stats = nova_volume_driver_get_volume_stats (fx->driver, TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (stats, "total_capacity", "t", &total));
  g_assert_true (g_variant_lookup (stats, "free_capacity", "t", &free_space));
  g_assert_true (g_variant_lookup (stats, "storage_protocol", "&s", &protocol));
  g_assert_cmpuint (total, ==, 64 * 1024 * MIB);
  g_assert_cmpuint (free_space, ==, total - GIB_FOR_STATS);
  g_assert_cmpstr (protocol, ==, "iSCSI");
  /* what the store gave this driver's volumes, the new one included */
  {
    guint64 provisioned = 0;

    g_assert_true (g_variant_lookup (stats, "provisioned_capacity", "t", &provisioned));
    g_assert_cmpuint (provisioned, ==, GIB_FOR_STATS);
  }
}

/* a volume group that does not exist is what check_for_setup_error says */
static void
test_missing_vg (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeExecutor) executor = nova_volume_executor_new (1);
  g_autoptr(NovaVolumeDriverContext) ctx = NULL;
  g_autoptr(NovaVolumeDriver) driver = nova_volume_lvm_iscsi_driver_new_with (fx->lvm, NOVA_ISCSI_TARGET (fx->target));

  test_config_set (fx->config, "volume_group", "no-such-vg");
  ctx = nova_volume_driver_context_new (fx->config, executor, NOVA_VOLUME_LEDGER (fx->store), fx->dir);
  g_assert_true (nova_volume_driver_do_setup (driver, ctx, &error));
  g_assert_false (nova_volume_driver_check_for_setup_error (driver, &error));
  g_assert_nonnull (strstr (error->message, "no-such-vg"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/lvm-iscsi/thick-volumes", Fixture, NULL, fixture_setup, test_thick_volumes, fixture_teardown);
  g_test_add ("/lvm-iscsi/volume-clear-settings", Fixture, NULL, fixture_setup, test_volume_clear_settings,
              fixture_teardown);
  g_test_add ("/lvm-iscsi/delete-open", Fixture, NULL, fixture_setup, test_delete_open, fixture_teardown);
  g_test_add ("/lvm-iscsi/thin-volumes", Fixture, "thin", fixture_setup, test_thin_volumes, fixture_teardown);
  g_test_add ("/lvm-iscsi/revert-thick", Fixture, NULL, fixture_setup, test_revert_thick, fixture_teardown);
  g_test_add ("/lvm-iscsi/revert-thin", Fixture, "thin", fixture_setup, test_revert_thin, fixture_teardown);
  g_test_add ("/lvm-iscsi/exports", Fixture, NULL, fixture_setup, test_exports, fixture_teardown);
  g_test_add ("/lvm-iscsi/connections", Fixture, NULL, fixture_setup, test_connections, fixture_teardown);
  g_test_add ("/lvm-iscsi/stats", Fixture, NULL, fixture_setup, test_stats, fixture_teardown);
  g_test_add ("/lvm-iscsi/missing-vg", Fixture, NULL, fixture_setup, test_missing_vg, fixture_teardown);
  return g_test_run ();
}
