/* The LVM layer on a host without device-mapper: names are checked before
 * anything reaches LVM, and every method reaches its virtual function
 * with what it was given; list_stored reads the LVs back as volumes and
 * snapshots, and a volume group that is not there is an error from the
 * real lvs. (The libblockdev side runs in the guest tier.)
 *
 * With NOVA_TEST_LVM_VG set (drivers/lvm/tests/lvm-guest.sh sets it, in a
 * guest with device-mapper), /lvm/real/ runs list_stored against that
 * real volume group: thick and thin volumes and snapshots made through
 * the driver. */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "nova-volume-error.h"
#include "nova-volume-lvm.h"
#include "nova-volume-lvm-driver.h"
#include "nova-volume-store.h"
#include "test-util.h"

#define MIB ((guint64) 1024 * 1024)

/* A NovaLvm that records its calls. */
typedef struct {
  NovaLvm    parent_instance;
  GPtrArray *calls;
  GPtrArray *lvs;    /* what list_lvs answers: NovaLvmLv */
} RecordingLvm;

typedef struct {
  NovaLvmClass parent_class;
} RecordingLvmClass;

static GType recording_lvm_get_type (void);
G_DEFINE_TYPE (RecordingLvm, recording_lvm, NOVA_TYPE_LVM)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RecordingLvm, g_object_unref)

static void
record (NovaLvm *lvm, char *call)
{
  g_ptr_array_add (((RecordingLvm *) lvm)->calls, call);
}

static gboolean
rec_create_lv (NovaLvm *self, const char *vg, const char *name, guint64 size, GError **error)
{
  record (self, g_strdup_printf ("create_lv %s %s %" G_GUINT64_FORMAT, vg, name, size));
  return TRUE;
}

static gboolean
rec_create_snapshot (NovaLvm *self, const char *vg, const char *origin, const char *name, guint64 cow_size,
                     GError **error)
{
  record (self, g_strdup_printf ("create_snapshot %s %s %s %" G_GUINT64_FORMAT, vg, origin, name, cow_size));
  return TRUE;
}

static gboolean
rec_remove_lv (NovaLvm *self, const char *vg, const char *name, GError **error)
{
  record (self, g_strdup_printf ("remove_lv %s %s", vg, name));
  return TRUE;
}

static GPtrArray *
rec_list_lvs (NovaLvm *self, const char *vg, GError **error)
{
  GPtrArray *lvs = ((RecordingLvm *) self)->lvs;
  GPtrArray *copy = g_ptr_array_new_with_free_func ((GDestroyNotify) nova_lvm_lv_free);

  record (self, g_strdup_printf ("list_lvs %s", vg));
  for (guint i = 0; i < lvs->len; i++)
    {
      const NovaLvmLv *lv = g_ptr_array_index (lvs, i);
      NovaLvmLv *entry = g_new0 (NovaLvmLv, 1);

      entry->name = g_strdup (lv->name);
      entry->size = lv->size;
      entry->origin = g_strdup (lv->origin);
      g_ptr_array_add (copy, entry);
    }
  return copy;
}

static void
recording_lvm_add_lv (RecordingLvm *lvm, const char *name, guint64 size, const char *origin)
{
  NovaLvmLv *lv = g_new0 (NovaLvmLv, 1);

  lv->name = g_strdup (name);
  lv->size = size;
  lv->origin = g_strdup (origin);
  g_ptr_array_add (lvm->lvs, lv);
}

static void
recording_lvm_finalize (GObject *object)
{
  g_ptr_array_unref (((RecordingLvm *) object)->calls);
  g_ptr_array_unref (((RecordingLvm *) object)->lvs);
  G_OBJECT_CLASS (recording_lvm_parent_class)->finalize (object);
}

static void
recording_lvm_class_init (RecordingLvmClass *klass)
{
  NovaLvmClass *lvm_class = NOVA_LVM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = recording_lvm_finalize;
  lvm_class->create_lv = rec_create_lv;
  lvm_class->create_snapshot = rec_create_snapshot;
  lvm_class->remove_lv = rec_remove_lv;
  lvm_class->list_lvs = rec_list_lvs;
}

static void
recording_lvm_init (RecordingLvm *self)
{
  self->calls = g_ptr_array_new_with_free_func (g_free);
  self->lvs = g_ptr_array_new_with_free_func ((GDestroyNotify) nova_lvm_lv_free);
}

/* The volume half alone: an LVM driver whose exports are nothing. */
typedef struct {
  NovaLvmDriver parent_instance;
} TestLvmDriver;

typedef struct {
  NovaLvmDriverClass parent_class;
} TestLvmDriverClass;

static GType test_lvm_driver_get_type (void);
G_DEFINE_TYPE (TestLvmDriver, test_lvm_driver, NOVA_TYPE_LVM_DRIVER)

static gboolean
test_lvm_driver_setup_exports (NovaLvmDriver *self, NovaVolumeDriverContext *ctx, GError **error)
{
  return TRUE;
}

static void
test_lvm_driver_class_init (TestLvmDriverClass *klass)
{
  NovaLvmDriverClass *lvm_class = NOVA_LVM_DRIVER_CLASS (klass);

  lvm_class->name = "lvm-test";
  lvm_class->storage_protocol = "none";
  lvm_class->setup_exports = test_lvm_driver_setup_exports;
}

static void
test_lvm_driver_init (TestLvmDriver *self)
{
}

/* the driver on volume group @vg (lvm_type @lvm_type, further key/value
 * pairs after it), set up with @lvm, or with libblockdev's when NULL, and
 * a store in @dir */
static NovaVolumeDriver *
lvm_driver_new (const char *dir, NovaVolumeStore *store, NovaLvm *lvm, const char *vg, const char *lvm_type,
                const char *key, const char *value)
{
  g_autoptr(NovaVolumeConfig) config = nova_volume_config_new ();
  g_autoptr(NovaVolumeExecutor) executor = nova_volume_executor_new (1);
  g_autoptr(NovaVolumeDriverContext) ctx = NULL;
  g_autoptr(GError) error = NULL;
  NovaVolumeDriver *driver = g_object_new (test_lvm_driver_get_type (), NULL);

  test_config_set (config, "volume_driver", "lvm-iscsi");
  test_config_set (config, "volume_group", vg);
  test_config_set (config, "lvm_type", lvm_type);
  if (key != NULL)
    test_config_set (config, key, value);
  ctx = nova_volume_driver_context_new (config, executor, NOVA_VOLUME_LEDGER (store), dir);
  if (lvm != NULL)
    nova_lvm_driver_set_lvm (NOVA_LVM_DRIVER (driver), lvm);
  g_assert_true (nova_volume_driver_do_setup (driver, ctx, &error));
  g_assert_no_error (error);
  return driver;
}

static NovaVolumeStore *
store_new (TestScratch *scratch)
{
  g_autofree char *path = test_scratch_path (scratch, "state.db");
  g_autoptr(GError) error = NULL;
  NovaVolumeStore *store = nova_volume_store_open (path, &error);

  g_assert_no_error (error);
  return store;
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

/* list_stored over the LVs list_lvs gives, and that only */
static char *
list_stored_lines (NovaVolumeDriver *driver)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) stored = nova_volume_driver_list_stored (driver, &error);

  g_assert_no_error (error);
  g_assert_nonnull (stored);
  return stored_lines (stored);
}

static void
test_names (void)
{
  const char *const good[] = { "nova-volumes", "volume-0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9", "a", "x+y_z.1", NULL };
  const char *const bad[] = { "", "-n", "--", ".", "..", "a/b", "a b", "a\nb", "é", "$(x)", "a;b", NULL };
  g_autofree char *long_name = g_strnfill (128, 'a');

  for (guint i = 0; good[i] != NULL; i++)
    g_assert_true (nova_lvm_check_name ("logical volume", good[i], NULL));
  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (nova_lvm_check_name ("logical volume", bad[i], &error));
      g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
    }
  g_assert_false (nova_lvm_check_name ("logical volume", long_name, NULL));
  g_assert_false (nova_lvm_check_name ("logical volume", NULL, NULL));
}

/* a bad name never reaches the implementation; good ones do, unchanged */
static void
test_wrappers (void)
{
  g_autoptr(RecordingLvm) lvm = g_object_new (recording_lvm_get_type (), NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  g_assert_false (nova_lvm_create_lv (NOVA_LVM (lvm), "nova-volumes", "--force", 4096, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (nova_lvm_remove_lv (NOVA_LVM (lvm), "../vg", "volume-1", &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_cmpuint (lvm->calls->len, ==, 0);

  g_assert_true (nova_lvm_create_lv (NOVA_LVM (lvm), "nova-volumes", "volume-1", 4096, &error));
  g_assert_true (nova_lvm_create_snapshot (NOVA_LVM (lvm), "nova-volumes", "volume-1", "snapshot-1", 0, &error));
  g_assert_true (nova_lvm_remove_lv (NOVA_LVM (lvm), "nova-volumes", "snapshot-1", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (lvm->calls->len, ==, 3);
  g_assert_cmpstr (lvm->calls->pdata[0], ==, "create_lv nova-volumes volume-1 4096");
  g_assert_cmpstr (lvm->calls->pdata[1], ==, "create_snapshot nova-volumes volume-1 snapshot-1 0");
  g_assert_cmpstr (lvm->calls->pdata[2], ==, "remove_lv nova-volumes snapshot-1");

  path = nova_lvm_lv_path (NOVA_LVM (lvm), "nova-volumes", "volume-1");
  g_assert_cmpstr (path, ==, "/dev/nova-volumes/volume-1");
}

/* list_stored reads each LV name back through the templates: volumes,
 * snapshots under the '_' LVM makes the driver put before "snapshot-",
 * their origin's volume (none when the origin is gone, or is no volume);
 * the thin pool, a name from no UUID, a name the driver would not have
 * made (a snapshot name without its '_', a volume name with one) and
 * other LVs are skipped */
static void
test_list_stored_names (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-lvm-XXXXXX");
  g_autoptr(NovaVolumeStore) store = store_new (scratch);
  g_autoptr(RecordingLvm) lvm = g_object_new (recording_lvm_get_type (), NULL);
  g_autoptr(NovaVolumeDriver) driver = NULL;
  const char *a = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9";
  const char *b = "1c2d3e4f-5061-4728-93a4-b5c6d7e8f901";
  const char *c = "2d3e4f50-6172-4839-a4b5-c6d7e8f90123";
  const char *s1 = "3e4f5061-7283-494a-b5c6-d7e8f9012345";
  const char *s2 = "4f506172-8394-4a5b-86d7-e8f901234567";
  const char *s3 = "50617283-94a5-4b6c-97e8-f90123456789";
  g_autofree char *lv_a = g_strconcat ("volume-", a, NULL);
  g_autofree char *lv_s1 = g_strconcat ("_snapshot-", s1, NULL);
  g_autofree char *listed = NULL;
  g_autofree char *expected = NULL;

  recording_lvm_add_lv (lvm, lv_a, 8 * MIB, NULL);
  {
    g_autofree char *lv_b = g_strconcat ("volume-", b, NULL);
    g_autofree char *lv_c = g_strconcat ("volume-", c, NULL);
    g_autofree char *lv_s2 = g_strconcat ("_snapshot-", s2, NULL);
    g_autofree char *lv_s3 = g_strconcat ("_snapshot-", s3, NULL);
    g_autofree char *unescaped = g_strconcat ("snapshot-", s2, NULL);
    g_autofree char *escaped_volume = g_strconcat ("_volume-", b, NULL);

    recording_lvm_add_lv (lvm, lv_b, 12 * MIB, NULL);
    recording_lvm_add_lv (lvm, lv_s1, 8 * MIB, lv_a);
    /* a thin volume made from a snapshot: a thin snapshot of it */
    recording_lvm_add_lv (lvm, lv_c, 16 * MIB, lv_s1);
    /* a thin snapshot whose volume is gone */
    recording_lvm_add_lv (lvm, lv_s2, 12 * MIB, NULL);
    /* a snapshot of an LV that is no volume */
    recording_lvm_add_lv (lvm, lv_s3, 4 * MIB, "other");
    recording_lvm_add_lv (lvm, "nova-volumes-pool", 64 * MIB, NULL);
    recording_lvm_add_lv (lvm, "volume-notauuid", 4 * MIB, NULL);
    recording_lvm_add_lv (lvm, unescaped, 4 * MIB, lv_a);
    recording_lvm_add_lv (lvm, escaped_volume, 4 * MIB, NULL);
    recording_lvm_add_lv (lvm, "other", 4 * MIB, NULL);
  }
  driver = lvm_driver_new (scratch->dir, store, NOVA_LVM (lvm), "nova-volumes", "thin", NULL, NULL);
  listed = list_stored_lines (driver);
  expected = g_strdup_printf ("snapshot %s %" G_GUINT64_FORMAT " %s\n"
                              "snapshot %s %" G_GUINT64_FORMAT " -\n"
                              "snapshot %s %" G_GUINT64_FORMAT " -\n"
                              "volume %s %" G_GUINT64_FORMAT "\n"
                              "volume %s %" G_GUINT64_FORMAT "\n"
                              "volume %s %" G_GUINT64_FORMAT "\n",
                              s1, 8 * MIB, a, s2, 12 * MIB, s3, 4 * MIB,
                              a, 8 * MIB, b, 12 * MIB, c, 16 * MIB);
  g_assert_cmpstr (listed, ==, expected);
  g_assert_cmpstr (lvm->calls->pdata[lvm->calls->len - 1], ==, "list_lvs nova-volumes");
}

/* a volume group that is not there: the real lvs says so, and the error
 * names the group and the key */
static void
test_list_stored_missing_vg (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-lvm-XXXXXX");
  g_autoptr(NovaVolumeStore) store = store_new (scratch);
  g_autoptr(NovaVolumeDriver) driver =
    lvm_driver_new (scratch->dir, store, NULL, "nova-test-no-such-vg", "default", NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) stored = nova_volume_driver_list_stored (driver, &error);

  g_assert_null (stored);
  g_assert_nonnull (error);
  g_test_message ("refused: %s", error->message);
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "cannot list the logical volumes of nova-test-no-such-vg"));
  g_assert_nonnull (strstr (error->message, "volume_group"));
}

/* ---- against a real volume group (in the guest) ------------------------ */

static NovaVolumeRecord *
real_volume (NovaVolumeDriver *driver, guint64 size)
{
  NovaVolumeRecord *volume = test_new_volume (size);
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_volume_driver_create_volume (driver, volume, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (volume->size, ==, size);
  return volume;
}

static NovaSnapshotRecord *
real_snapshot (NovaVolumeDriver *driver, const NovaVolumeRecord *volume)
{
  NovaSnapshotRecord *snapshot = test_new_snapshot (volume);
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_volume_driver_create_snapshot (driver, snapshot, volume, &error));
  g_assert_no_error (error);
  return snapshot;
}

/* thick volumes and a thick snapshot with half its volume's room for
 * changes (its LV is smaller than what it reads as), then thin ones (the
 * pool made on first use) with a thin snapshot and a thin volume made
 * from it, and LVs no template made: exactly the volumes and snapshots
 * come back, with their sizes and volumes, through a thick and a thin
 * driver alike; and a missing volume group is an error here too */
static void
test_real_list_stored (void)
{
  const char *vg = g_getenv ("NOVA_TEST_LVM_VG");
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-lvm-XXXXXX");
  g_autoptr(NovaVolumeStore) store = store_new (scratch);
  g_autoptr(NovaVolumeDriver) thick =
    lvm_driver_new (scratch->dir, store, NULL, vg, "default", "lvm_snapshot_percent", "50");
  g_autoptr(NovaVolumeDriver) thin = lvm_driver_new (scratch->dir, store, NULL, vg, "thin", NULL, NULL);
  g_autoptr(NovaVolumeRecord) first = real_volume (thick, 8 * MIB);
  g_autoptr(NovaVolumeRecord) second = real_volume (thick, 12 * MIB);
  g_autoptr(NovaSnapshotRecord) thick_snapshot = real_snapshot (thick, first);
  g_autoptr(NovaVolumeRecord) third = NULL;
  g_autoptr(NovaSnapshotRecord) thin_snapshot = NULL;
  g_autoptr(NovaVolumeRecord) from_snapshot = test_new_volume (16 * MIB);
  g_autoptr(NovaLvm) lvm = NULL;
  g_autoptr(GPtrArray) wanted = g_ptr_array_new_with_free_func ((GDestroyNotify) nova_volume_stored_free);
  g_autofree char *expected = NULL;
  g_autoptr(GError) error = NULL;

  /* LVs to be skipped, made before the pool takes what is free */
  lvm = nova_lvm_new (&error);
  g_assert_no_error (error);
  g_assert_true (nova_lvm_create_lv (lvm, vg, "volume-notauuid", 4 * MIB, &error));
  g_assert_true (nova_lvm_create_lv (lvm, vg, "other", 4 * MIB, &error));
  g_assert_no_error (error);

  third = real_volume (thin, 16 * MIB);
  thin_snapshot = real_snapshot (thin, third);
  g_assert_true (nova_volume_driver_create_volume_from_snapshot (thin, from_snapshot, thin_snapshot, NULL, NULL,
                                                                 NULL, &error));
  g_assert_no_error (error);

  g_ptr_array_add (wanted, nova_volume_stored_new (FALSE, first->id, 8 * MIB, NULL));
  g_ptr_array_add (wanted, nova_volume_stored_new (FALSE, second->id, 12 * MIB, NULL));
  g_ptr_array_add (wanted, nova_volume_stored_new (FALSE, third->id, 16 * MIB, NULL));
  g_ptr_array_add (wanted, nova_volume_stored_new (FALSE, from_snapshot->id, 16 * MIB, NULL));
  g_ptr_array_add (wanted, nova_volume_stored_new (TRUE, thick_snapshot->id, 8 * MIB, first->id));
  g_ptr_array_add (wanted, nova_volume_stored_new (TRUE, thin_snapshot->id, 16 * MIB, third->id));
  expected = stored_lines (wanted);
  {
    g_autofree char *by_thick = list_stored_lines (thick);
    g_autofree char *by_thin = list_stored_lines (thin);

    g_test_message ("listed:\n%s", by_thick);
    g_assert_cmpstr (by_thick, ==, expected);
    g_assert_cmpstr (by_thin, ==, expected);
  }

  /* no such volume group */
  {
    g_autoptr(NovaVolumeDriver) missing =
      lvm_driver_new (scratch->dir, store, NULL, "nova-test-no-such-vg", "default", NULL, NULL);
    g_autoptr(GPtrArray) none = nova_volume_driver_list_stored (missing, &error);

    g_assert_null (none);
    g_test_message ("refused: %s", error->message);
    g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
    g_assert_nonnull (strstr (error->message, "cannot list the logical volumes of nova-test-no-such-vg"));
    g_clear_error (&error);
  }

  /* all gone again: nothing listed */
  g_assert_true (nova_volume_driver_delete_volume (thin, from_snapshot, &error));
  g_assert_true (nova_volume_driver_delete_snapshot (thin, thin_snapshot, &error));
  g_assert_true (nova_volume_driver_delete_volume (thin, third, &error));
  g_assert_true (nova_volume_driver_delete_snapshot (thick, thick_snapshot, &error));
  g_assert_true (nova_volume_driver_delete_volume (thick, second, &error));
  g_assert_true (nova_volume_driver_delete_volume (thick, first, &error));
  g_assert_true (nova_lvm_remove_lv (lvm, vg, "volume-notauuid", &error));
  g_assert_true (nova_lvm_remove_lv (lvm, vg, "other", &error));
  g_assert_no_error (error);
  {
    g_autofree char *none = list_stored_lines (thick);

    g_assert_cmpstr (none, ==, "");
  }
}

/* @text at 4096 of @volume's LV, through its device node (a fresh open
 * each time: the last close drops the device's page cache, so a read
 * sees what a merge or a swap left) */
static void
real_write (NovaVolumeDriver *driver, const NovaVolumeRecord *volume, const char *text)
{
  g_autofree char *path = nova_lvm_driver_volume_path (NOVA_LVM_DRIVER (driver), volume->id);
  int fd = open (path, O_WRONLY | O_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, text, strlen (text), 4096), ==, (ssize_t) strlen (text));
  g_assert_cmpint (fsync (fd), ==, 0);
  close (fd);
}

static void
real_assert_holds (NovaVolumeDriver *driver, const NovaVolumeRecord *volume, const char *text)
{
  g_autofree char *path = nova_lvm_driver_volume_path (NOVA_LVM_DRIVER (driver), volume->id);
  g_autofree char *back = g_malloc0 (strlen (text) + 1);
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pread (fd, back, strlen (text), 4096), ==, (ssize_t) strlen (text));
  close (fd);
  g_assert_cmpstr (back, ==, text);
}

static gboolean
real_lv_exists (NovaLvm *lvm, const char *vg, const char *prefix, const char *id)
{
  g_autofree char *name = g_strconcat (prefix, id, NULL);
  g_autoptr(GError) error = NULL;
  NovaLvmLvInfo info;

  g_assert_true (nova_lvm_lv_info (lvm, vg, name, &info, &error));
  g_assert_no_error (error);
  return info.exists;
}

/* revert on real LVM: thick merges the latest snapshot (lvconvert
 * --merge) and takes it again, refusing an older one; thin swaps in a
 * thin snapshot of any snapshot, again and again; the bytes are the
 * snapshot's, every snapshot is still there, nothing is left over */
static void
test_real_revert (void)
{
  const char *vg = g_getenv ("NOVA_TEST_LVM_VG");
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-lvm-XXXXXX");
  g_autoptr(NovaVolumeStore) store = store_new (scratch);
  g_autoptr(NovaVolumeDriver) thick =
    lvm_driver_new (scratch->dir, store, NULL, vg, "default", "lvm_snapshot_percent", "50");
  g_autoptr(NovaVolumeDriver) thin = lvm_driver_new (scratch->dir, store, NULL, vg, "thin", NULL, NULL);
  g_autoptr(NovaVolumeRecord) thick_volume = real_volume (thick, 8 * MIB);
  g_autoptr(NovaVolumeRecord) thin_volume = NULL;
  g_autoptr(NovaSnapshotRecord) thick_older = NULL, thick_latest = NULL, thin_older = NULL, thin_latest = NULL;
  g_autoptr(NovaLvm) lvm = NULL;
  g_autoptr(GError) error = NULL;

  lvm = nova_lvm_new (&error);
  g_assert_no_error (error);

  real_write (thick, thick_volume, "first");
  thick_older = real_snapshot (thick, thick_volume);
  real_write (thick, thick_volume, "second");
  thick_latest = real_snapshot (thick, thick_volume);
  real_write (thick, thick_volume, "third!");
  g_assert_false (nova_volume_driver_revert_to_snapshot (thick, thick_volume, thick_older, FALSE, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  real_assert_holds (thick, thick_volume, "third!");
  nova_volume_driver_revert_to_snapshot (thick, thick_volume, thick_latest, TRUE, &error);
  g_assert_no_error (error);
  real_assert_holds (thick, thick_volume, "second");
  g_assert_true (real_lv_exists (lvm, vg, "_snapshot-", thick_latest->id));
  g_assert_true (real_lv_exists (lvm, vg, "_snapshot-", thick_older->id));
  /* the snapshot taken again holds the same bytes: a second revert */
  real_write (thick, thick_volume, "fourth");
  nova_volume_driver_revert_to_snapshot (thick, thick_volume, thick_latest, TRUE, &error);
  g_assert_no_error (error);
  real_assert_holds (thick, thick_volume, "second");

  thin_volume = real_volume (thin, 16 * MIB);
  real_write (thin, thin_volume, "first");
  thin_older = real_snapshot (thin, thin_volume);
  real_write (thin, thin_volume, "second");
  thin_latest = real_snapshot (thin, thin_volume);
  real_write (thin, thin_volume, "third!");
  nova_volume_driver_revert_to_snapshot (thin, thin_volume, thin_older, FALSE, &error);
  g_assert_no_error (error);
  real_assert_holds (thin, thin_volume, "first");
  nova_volume_driver_revert_to_snapshot (thin, thin_volume, thin_latest, TRUE, &error);
  g_assert_no_error (error);
  real_assert_holds (thin, thin_volume, "second");
  g_assert_true (real_lv_exists (lvm, vg, "_snapshot-", thin_older->id));
  g_assert_true (real_lv_exists (lvm, vg, "_snapshot-", thin_latest->id));
  {
    g_autofree char *replacement = g_strconcat (thin_volume->id, ".reverted", NULL);
    g_assert_false (real_lv_exists (lvm, vg, "volume-", replacement));
  }

  /* the pool's use is in the stats, for the thin-pool warning */
  {
    g_autoptr(GVariant) stats = nova_volume_driver_get_volume_stats (thin, TRUE, &error);
    double data = 0, metadata = 0;

    g_assert_no_error (error);
    g_assert_true (g_variant_lookup (stats, "thin_pool_data_percent", "d", &data));
    g_assert_true (g_variant_lookup (stats, "thin_pool_metadata_percent", "d", &metadata));
    g_test_message ("thin pool: data %.2f%%, metadata %.2f%%", data, metadata);
    /* whole percents from LVM: the few blocks written are 0 */
    g_assert_cmpfloat (data, >=, 0);
    g_assert_cmpfloat (data, <, 100);
    g_assert_cmpfloat (metadata, >, 0);
  }

  g_assert_true (nova_volume_driver_delete_snapshot (thin, thin_older, &error));
  g_assert_true (nova_volume_driver_delete_snapshot (thin, thin_latest, &error));
  g_assert_true (nova_volume_driver_delete_volume (thin, thin_volume, &error));
  g_assert_true (nova_volume_driver_delete_snapshot (thick, thick_older, &error));
  g_assert_true (nova_volume_driver_delete_snapshot (thick, thick_latest, &error));
  g_assert_true (nova_volume_driver_delete_volume (thick, thick_volume, &error));
  g_assert_no_error (error);
}

/* A ManageExisting the driver refuses with @code, naming @words; the LV
 * @reference keeps its name */
static void
real_manage_fails (NovaVolumeDriver *driver, NovaLvm *lvm, const char *vg, const char *reference,
                   NovaVolumeErrorCode code, const char *words)
{
  g_autoptr(NovaVolumeRecord) volume = test_new_volume (0);
  g_autoptr(GError) error = NULL;
  NovaLvmLvInfo info;

  g_assert_false (nova_volume_driver_manage_existing (driver, volume, reference, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, (gint) code);
  g_test_message ("refused: %s", error->message);
  g_assert_nonnull (strstr (error->message, words));
  g_clear_error (&error);
  g_assert_true (nova_lvm_lv_info (lvm, vg, reference, &info, &error));
  g_assert_no_error (error);
}

static void
real_write_lv (NovaLvm *lvm, const char *vg, const char *name, const char *text)
{
  g_autofree char *path = nova_lvm_lv_path (lvm, vg, name);
  int fd = open (path, O_WRONLY | O_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, text, strlen (text), 4096), ==, (ssize_t) strlen (text));
  g_assert_cmpint (fsync (fd), ==, 0);
  close (fd);
}

/* manage on real LVM: a plain thick LV and a thin LV of the pool become
 * volumes with their bytes, renamed; a snapshot, an LV with snapshots, an
 * open LV, the other kind, a missing or bad name are refused unchanged */
static void
test_real_manage (void)
{
  const char *vg = g_getenv ("NOVA_TEST_LVM_VG");
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-lvm-XXXXXX");
  g_autoptr(NovaVolumeStore) store = store_new (scratch);
  g_autoptr(NovaVolumeDriver) thick = lvm_driver_new (scratch->dir, store, NULL, vg, "default", NULL, NULL);
  g_autoptr(NovaVolumeDriver) thin = lvm_driver_new (scratch->dir, store, NULL, vg, "thin", NULL, NULL);
  g_autoptr(NovaVolumeRecord) thick_volume = test_new_volume (0);
  g_autoptr(NovaVolumeRecord) thin_volume = test_new_volume (0);
  g_autoptr(NovaVolumeRecord) made = NULL;
  g_autoptr(NovaLvm) lvm = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pool = g_strconcat (vg, "-pool", NULL);

  lvm = nova_lvm_new (&error);
  g_assert_no_error (error);
  /* the thin driver makes its pool with its first volume */
  made = real_volume (thin, 4 * MIB);
  g_assert_true (nova_lvm_create_lv (lvm, vg, "legacy-thick", 8 * MIB, &error));
  g_assert_no_error (error);
  g_assert_true (nova_lvm_create_thin_lv (lvm, vg, pool, "legacy-thin", 16 * MIB, &error));
  g_assert_no_error (error);
  real_write_lv (lvm, vg, "legacy-thick", "thick bytes");
  real_write_lv (lvm, vg, "legacy-thin", "thin bytes");

  real_manage_fails (thick, lvm, vg, "no-such-lv", NOVA_VOLUME_ERROR_NOT_FOUND, "no logical volume no-such-lv");
  real_manage_fails (thick, lvm, vg, "legacy-thin", NOVA_VOLUME_ERROR_INVALID_ARGUMENT, "a thin LV");
  real_manage_fails (thin, lvm, vg, "legacy-thick", NOVA_VOLUME_ERROR_INVALID_ARGUMENT, "a thick LV");
  real_manage_fails (thin, lvm, vg, pool, NOVA_VOLUME_ERROR_INVALID_ARGUMENT, "thin pool");
  {
    g_autoptr(NovaVolumeRecord) volume = test_new_volume (0);

    g_assert_false (nova_volume_driver_manage_existing (thick, volume, "../x", &error));
    g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }
  g_assert_true (nova_lvm_create_snapshot (lvm, vg, "legacy-thick", "legacy-snap", 4 * MIB, &error));
  g_assert_no_error (error);
  real_manage_fails (thick, lvm, vg, "legacy-thick", NOVA_VOLUME_ERROR_BUSY, "has snapshots");
  real_manage_fails (thick, lvm, vg, "legacy-snap", NOVA_VOLUME_ERROR_INVALID_ARGUMENT, "a snapshot");
  g_assert_true (nova_lvm_remove_lv (lvm, vg, "legacy-snap", &error));
  g_assert_no_error (error);
  {
    g_autofree char *path = nova_lvm_lv_path (lvm, vg, "legacy-thick");
    int held = open (path, O_RDONLY | O_CLOEXEC);

    g_assert_cmpint (held, >=, 0);
    real_manage_fails (thick, lvm, vg, "legacy-thick", NOVA_VOLUME_ERROR_BUSY, "still open");
    close (held);
  }

  g_assert_true (nova_volume_driver_manage_existing (thick, thick_volume, "legacy-thick", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (thick_volume->size, ==, 8 * MIB);
  real_assert_holds (thick, thick_volume, "thick bytes");
  g_assert_true (real_lv_exists (lvm, vg, "volume-", thick_volume->id));
  g_assert_false (real_lv_exists (lvm, vg, "legacy-", "thick"));
  g_assert_true (nova_volume_driver_manage_existing (thin, thin_volume, "legacy-thin", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (thin_volume->size, ==, 16 * MIB);
  real_assert_holds (thin, thin_volume, "thin bytes");
  g_assert_false (real_lv_exists (lvm, vg, "legacy-", "thin"));

  /* a name the template made keeps it: nothing to rename */
  {
    g_autoptr(NovaVolumeRecord) same = nova_volume_record_copy (thick_volume);
    g_autofree char *name = g_strconcat ("volume-", thick_volume->id, NULL);

    same->size = 0;
    g_assert_true (nova_volume_driver_manage_existing (thick, same, name, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (same->size, ==, 8 * MIB);
  }

  g_assert_true (nova_volume_driver_delete_volume (thick, thick_volume, &error));
  g_assert_true (nova_volume_driver_delete_volume (thin, thin_volume, &error));
  g_assert_true (nova_volume_driver_delete_volume (thin, made, &error));
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lvm/names", test_names);
  g_test_add_func ("/lvm/wrappers", test_wrappers);
  g_test_add_func ("/lvm/list-stored-names", test_list_stored_names);
  g_test_add_func ("/lvm/list-stored-missing-vg", test_list_stored_missing_vg);
  /* only where lvm-guest.sh made a volume group */
  if (g_getenv ("NOVA_TEST_LVM_VG") != NULL)
    {
      g_test_add_func ("/lvm/real/list-stored", test_real_list_stored);
      g_test_add_func ("/lvm/real/revert", test_real_revert);
      g_test_add_func ("/lvm/real/manage", test_real_manage);
    }
  return g_test_run ();
}
