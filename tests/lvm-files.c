/* A volume group of sparse files standing in for LVM in tests. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "lvm-files.h"
#include "nova-volume-block-copy.h"
#include "nova-volume-error.h"

typedef struct {
  NovaLvm     parent_instance;
  char       *dir;
  guint64     capacity;
  GHashTable *thin;      /* names of thin LVs and pools */
  GHashTable *cow_origin; /* thick snapshot name -> its origin's name */
  GHashTable *thin_origin; /* thin snapshot name -> its origin's name */
  GHashTable *open;      /* names of LVs a client holds open */
  guint       removed_dirty;  /* LVs removed with bytes other than zero */
  GMutex      lock;
} FilesLvm;

typedef struct {
  NovaLvmClass parent_class;
} FilesLvmClass;

static GType files_lvm_get_type (void);
G_DEFINE_TYPE (FilesLvm, files_lvm, NOVA_TYPE_LVM)

#define FILES(o) ((FilesLvm *) (o))

static char *
files_lv_path (NovaLvm *self, const char *vg, const char *name)
{
  return g_build_filename (FILES (self)->dir, vg, name, NULL);
}

static guint64
used (FilesLvm *self, const char *vg)
{
  g_autofree char *vg_dir = g_build_filename (self->dir, vg, NULL);
  g_autoptr(GDir) dir = g_dir_open (vg_dir, 0, NULL);
  const char *name;
  guint64 total = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (vg_dir, name, NULL);
      GStatBuf st;

      if (g_stat (path, &st) == 0)
        total += (guint64) st.st_size;
    }
  return total;
}

static gboolean
files_vg_info (NovaLvm *lvm, const char *vg, NovaLvmVgInfo *out, GError **error)
{
  FilesLvm *self = FILES (lvm);
  g_autofree char *vg_dir = g_build_filename (self->dir, vg, NULL);

  if (!g_file_test (vg_dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "volume group %s not found", vg);
      return FALSE;
    }
  out->size = self->capacity;
  out->free = self->capacity - MIN (self->capacity, used (self, vg));
  out->extent_size = 4 * 1024 * 1024;
  return TRUE;
}

static gboolean
files_lv_info (NovaLvm *lvm, const char *vg, const char *name, NovaLvmLvInfo *out, GError **error)
{
  g_autofree char *path = files_lv_path (lvm, vg, name);
  GStatBuf st;

  memset (out, 0, sizeof *out);
  if (g_stat (path, &st) != 0)
    return TRUE;
  out->exists = TRUE;
  out->size = (guint64) st.st_size;
  g_mutex_lock (&FILES (lvm)->lock);
  out->thin = g_hash_table_contains (FILES (lvm)->thin, name);
  out->open = g_hash_table_contains (FILES (lvm)->open, name);
  {
    GHashTableIter iter;
    gpointer origin;

    g_hash_table_iter_init (&iter, FILES (lvm)->cow_origin);
    while (g_hash_table_iter_next (&iter, NULL, &origin))
      out->origin |= g_str_equal (origin, name);
  }
  g_mutex_unlock (&FILES (lvm)->lock);
  return TRUE;
}

/* LVM rounds sizes up to whole 4 MiB extents */
static guint64
round_up (guint64 size)
{
  const guint64 extent = 4 * 1024 * 1024;
  return (size + extent - 1) / extent * extent;
}

static gboolean
make_file (NovaLvm *lvm, const char *vg, const char *name, guint64 size, gboolean thin, GError **error)
{
  g_autofree char *path = files_lv_path (lvm, vg, name);
  int fd;

  /* as lvcreate: these prefixes are LVM's own */
  if (g_str_has_prefix (name, "snapshot") || g_str_has_prefix (name, "pvmove"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Names starting \"snapshot\" or \"pvmove\" are reserved: %s", name);
      return FALSE;
    }
  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

  if (fd < 0 || ftruncate (fd, (off_t) round_up (size)) < 0)
    {
      int errsv = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "lvcreate %s/%s: %s", vg, name,
                   g_strerror (errsv));
      return FALSE;
    }
  close (fd);
  if (thin)
    {
      g_mutex_lock (&FILES (lvm)->lock);
      g_hash_table_add (FILES (lvm)->thin, g_strdup (name));
      g_mutex_unlock (&FILES (lvm)->lock);
    }
  return TRUE;
}

static gboolean
files_create_lv (NovaLvm *lvm, const char *vg, const char *name, guint64 size, GError **error)
{
  return make_file (lvm, vg, name, size, FALSE, error);
}

static gboolean
files_create_thin_pool (NovaLvm *lvm, const char *vg, const char *pool, guint64 size, GError **error)
{
  /* the pool's own file stays empty: its volumes count themselves */
  return make_file (lvm, vg, pool, 0, TRUE, error);
}

static gboolean
files_create_thin_lv (NovaLvm *lvm, const char *vg, const char *pool, const char *name, guint64 size,
                      GError **error)
{
  return make_file (lvm, vg, name, size, TRUE, error);
}

static gboolean
files_create_snapshot (NovaLvm *lvm, const char *vg, const char *origin, const char *name, guint64 cow_size,
                       GError **error)
{
  g_autofree char *src = files_lv_path (lvm, vg, origin);
  g_autofree char *dst = NULL;
  NovaLvmLvInfo info;

  if (!files_lv_info (lvm, vg, origin, &info, error))
    return FALSE;
  if (!info.exists)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no origin %s/%s", vg, origin);
      return FALSE;
    }
  if (!make_file (lvm, vg, name, info.size, cow_size == 0, error))
    return FALSE;
  g_mutex_lock (&FILES (lvm)->lock);
  g_hash_table_insert (cow_size > 0 ? FILES (lvm)->cow_origin : FILES (lvm)->thin_origin, g_strdup (name),
                       g_strdup (origin));
  g_mutex_unlock (&FILES (lvm)->lock);
  dst = files_lv_path (lvm, vg, name);
  return nova_block_copy (src, dst, info.size, NULL, NULL, NULL, error);
}

/* whether @path holds anything but zeros */
static gboolean
is_dirty (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (contents[i] != 0)
      return TRUE;
  return FALSE;
}

static gboolean
files_remove_lv (NovaLvm *lvm, const char *vg, const char *name, GError **error)
{
  g_autofree char *path = files_lv_path (lvm, vg, name);
  gboolean open;

  g_mutex_lock (&FILES (lvm)->lock);
  open = g_hash_table_contains (FILES (lvm)->open, name);
  g_mutex_unlock (&FILES (lvm)->lock);
  if (open)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_BUSY,
                   "logical volume %s/%s is open (a client, a mount or a copy holds it): it was not removed",
                   vg, name);
      return FALSE;
    }
  if (is_dirty (path))
    g_atomic_int_inc (&FILES (lvm)->removed_dirty);

  if (g_unlink (path) != 0 && errno != ENOENT)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "lvremove %s/%s: %s", vg, name,
                   g_strerror (errno));
      return FALSE;
    }
  g_mutex_lock (&FILES (lvm)->lock);
  g_hash_table_remove (FILES (lvm)->thin, name);
  g_hash_table_remove (FILES (lvm)->cow_origin, name);
  g_hash_table_remove (FILES (lvm)->thin_origin, name);
  g_mutex_unlock (&FILES (lvm)->lock);
  return TRUE;
}

static gboolean
files_resize_lv (NovaLvm *lvm, const char *vg, const char *name, guint64 size, GError **error)
{
  g_autofree char *path = files_lv_path (lvm, vg, name);
  NovaLvmLvInfo info;

  /* as lvresize: an active origin of thick snapshots stays as it is */
  if (files_lv_info (lvm, vg, name, &info, NULL) && info.origin)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "Snapshot origin volumes can be resized only while inactive: try lvchange -an");
      return FALSE;
    }

  if (truncate (path, (off_t) round_up (size)) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "lvresize %s/%s: %s", vg, name,
                   g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

/* as lvrename: the file and what is known of it move to the new name */
static gboolean
files_rename_lv (NovaLvm *lvm, const char *vg, const char *name, const char *new_name, GError **error)
{
  FilesLvm *self = FILES (lvm);
  g_autofree char *from = files_lv_path (lvm, vg, name);
  g_autofree char *to = files_lv_path (lvm, vg, new_name);
  gpointer origin = NULL, old_key = NULL;

  if (g_file_test (to, G_FILE_TEST_EXISTS) || g_rename (from, to) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "lvrename %s/%s %s: %s", vg, name, new_name,
                   g_file_test (to, G_FILE_TEST_EXISTS) ? "exists" : g_strerror (errno));
      return FALSE;
    }
  g_mutex_lock (&self->lock);
  if (g_hash_table_remove (self->thin, name))
    g_hash_table_add (self->thin, g_strdup (new_name));
  if (g_hash_table_steal_extended (self->cow_origin, name, &old_key, &origin))
    {
      g_free (old_key);
      g_hash_table_insert (self->cow_origin, g_strdup (new_name), origin);
    }
  if (g_hash_table_steal_extended (self->thin_origin, name, &old_key, &origin))
    {
      g_free (old_key);
      g_hash_table_insert (self->thin_origin, g_strdup (new_name), origin);
    }
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/* as lvconvert --merge: the snapshot's bytes become its origin's, and the
 * snapshot goes (at once: the files have no activation to wait for) */
static gboolean
files_merge_snapshot (NovaLvm *lvm, const char *vg, const char *snapshot, GError **error)
{
  FilesLvm *self = FILES (lvm);
  g_autofree char *origin = NULL;
  g_autofree char *src = files_lv_path (lvm, vg, snapshot);
  g_autofree char *dst = NULL;
  GStatBuf st;

  g_mutex_lock (&self->lock);
  origin = g_strdup (g_hash_table_lookup (self->cow_origin, snapshot));
  if (origin == NULL)
    origin = g_strdup (g_hash_table_lookup (self->thin_origin, snapshot));
  g_mutex_unlock (&self->lock);
  if (origin == NULL || g_stat (src, &st) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "lvconvert --merge %s/%s: not a snapshot", vg,
                   snapshot);
      return FALSE;
    }
  dst = files_lv_path (lvm, vg, origin);
  if (!nova_block_copy (src, dst, (guint64) st.st_size, NULL, NULL, NULL, error))
    return FALSE;
  g_unlink (src);
  g_mutex_lock (&self->lock);
  g_hash_table_remove (self->cow_origin, snapshot);
  g_hash_table_remove (self->thin_origin, snapshot);
  g_hash_table_remove (self->thin, snapshot);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/* files are always there to open */
static gboolean
files_set_active (NovaLvm *lvm, const char *vg, const char *name, gboolean active, GError **error)
{
  return TRUE;
}

static void
files_lvm_finalize (GObject *object)
{
  FilesLvm *self = FILES (object);

  g_free (self->dir);
  g_hash_table_unref (self->thin);
  g_hash_table_unref (self->cow_origin);
  g_hash_table_unref (self->thin_origin);
  g_hash_table_unref (self->open);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (files_lvm_parent_class)->finalize (object);
}

static void
files_lvm_class_init (FilesLvmClass *klass)
{
  NovaLvmClass *lvm_class = NOVA_LVM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = files_lvm_finalize;
  lvm_class->vg_info = files_vg_info;
  lvm_class->lv_info = files_lv_info;
  lvm_class->create_lv = files_create_lv;
  lvm_class->create_thin_pool = files_create_thin_pool;
  lvm_class->create_thin_lv = files_create_thin_lv;
  lvm_class->create_snapshot = files_create_snapshot;
  lvm_class->remove_lv = files_remove_lv;
  lvm_class->resize_lv = files_resize_lv;
  lvm_class->lv_path = files_lv_path;
  lvm_class->merge_snapshot = files_merge_snapshot;
  lvm_class->set_active = files_set_active;
  lvm_class->rename_lv = files_rename_lv;
}

static void
files_lvm_init (FilesLvm *self)
{
  self->thin = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cow_origin = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->thin_origin = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->open = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_mutex_init (&self->lock);
}

NovaLvm *
test_lvm_files_new (const char *dir, guint64 capacity)
{
  FilesLvm *self = g_object_new (files_lvm_get_type (), NULL);

  self->dir = g_strdup (dir);
  self->capacity = capacity;
  return NOVA_LVM (self);
}

void
test_lvm_files_set_open (NovaLvm *lvm, const char *name, gboolean open)
{
  g_mutex_lock (&FILES (lvm)->lock);
  if (open)
    g_hash_table_add (FILES (lvm)->open, g_strdup (name));
  else
    g_hash_table_remove (FILES (lvm)->open, name);
  g_mutex_unlock (&FILES (lvm)->lock);
}

guint
test_lvm_files_removed_dirty (NovaLvm *lvm)
{
  return (guint) g_atomic_int_get (&FILES (lvm)->removed_dirty);
}

NovaVolumeStore *
test_lvm_files_state_new (const char *dir, const char *vg)
{
  g_autofree char *vg_dir = g_build_filename (dir, vg, NULL);
  g_autofree char *db = g_build_filename (dir, "state.db", NULL);
  g_autoptr(GError) error = NULL;
  NovaVolumeStore *store;

  g_assert_cmpint (g_mkdir (vg_dir, 0700), ==, 0);
  store = nova_volume_store_open (db, &error);
  g_assert_no_error (error);
  return store;
}
