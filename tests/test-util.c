/* nova-volume: helpers that every test program links */
#include "config.h"

#include <errno.h>

#include <glib/gstdio.h>

#include "test-util.h"

char *
test_make_tmp_dir (const char *template)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp (template, &error);

  g_assert_no_error (error);
  g_assert_nonnull (dir);
  return dir;
}

void
test_remove_tree (const char *path)
{
  GStatBuf st;

  /* lstat: a link is removed as a link, never followed out of the tree */
  if (g_lstat (path, &st) < 0)
    {
      int errsv = errno;

      if (errsv != ENOENT)
        g_error ("cannot stat %s: %s", path, g_strerror (errsv));
      return;
    }
  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GDir) dir = g_dir_open (path, 0, &error);
      const char *name;

      g_assert_no_error (error);
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          test_remove_tree (child);
        }
      if (g_rmdir (path) < 0)
        g_error ("cannot remove %s: %s", path, g_strerror (errno));
    }
  else if (g_unlink (path) < 0)
    {
      g_error ("cannot remove %s: %s", path, g_strerror (errno));
    }
}

TestScratch *
test_scratch_new (const char *template)
{
  TestScratch *scratch = g_new0 (TestScratch, 1);

  scratch->dir = test_make_tmp_dir (template);
  return scratch;
}

void
test_scratch_free (TestScratch *scratch)
{
  if (scratch == NULL)
    return;
  test_remove_tree (scratch->dir);
  g_free (scratch->dir);
  g_free (scratch);
}

char *
test_scratch_path (TestScratch *scratch, const char *name)
{
  return g_build_filename (scratch->dir, name, NULL);
}

void
test_config_set (NovaVolumeConfig *config, const char *key, const char *value)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_volume_config_set (config, key, value, &error));
  g_assert_no_error (error);
}

NovaVolumeDriverContext *
test_driver_context_new (const char         *state_dir,
                         NovaVolumeExecutor *executor,
                         const char         *first_key,
                         ...)
{
  g_autoptr(NovaVolumeConfig) config = nova_volume_config_new ();
  g_autoptr(NovaVolumeExecutor) own_executor = NULL;
  va_list args;

  va_start (args, first_key);
  for (const char *key = first_key; key != NULL; key = va_arg (args, const char *))
    test_config_set (config, key, va_arg (args, const char *));
  va_end (args);

  if (executor == NULL)
    executor = own_executor = nova_volume_executor_new (1);
  return nova_volume_driver_context_new (config, executor, NULL, state_dir);
}

NovaVolumeDriver *
test_driver_load (NovaVolumeDriverContext *ctx)
{
  g_autoptr(GError) error = NULL;
  NovaVolumeDriver *driver = nova_volume_driver_load (ctx, &error);

  g_assert_no_error (error);
  g_assert_nonnull (driver);
  return driver;
}

NovaVolumeRecord *
test_new_volume (guint64 size)
{
  NovaVolumeRecord *volume = nova_volume_record_new ();

  volume->id = g_uuid_string_random ();
  volume->size = size;
  return volume;
}

NovaSnapshotRecord *
test_new_snapshot (const NovaVolumeRecord *volume)
{
  NovaSnapshotRecord *snapshot = nova_snapshot_record_new ();

  snapshot->id = g_uuid_string_random ();
  nova_record_set_string (&snapshot->volume_id, volume->id);
  return snapshot;
}
