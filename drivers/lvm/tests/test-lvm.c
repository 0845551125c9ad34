/* The LVM layer on a host without device-mapper: names are checked before
 * anything reaches LVM, and every method reaches its virtual function
 * with what it was given. (The libblockdev side runs in the guest tier.) */
#include "config.h"

#include "nova-volume-error.h"
#include "nova-volume-lvm.h"

/* A NovaLvm that records its calls. */
typedef struct {
  NovaLvm    parent_instance;
  GPtrArray *calls;
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

static void
recording_lvm_finalize (GObject *object)
{
  g_ptr_array_unref (((RecordingLvm *) object)->calls);
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
}

static void
recording_lvm_init (RecordingLvm *self)
{
  self->calls = g_ptr_array_new_with_free_func (g_free);
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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lvm/names", test_names);
  g_test_add_func ("/lvm/wrappers", test_wrappers);
  return g_test_run ();
}
