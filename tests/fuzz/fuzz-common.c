/* nova-volume: what the fuzz targets share */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "fuzz-common.h"

int
fuzz_compare_strings_indirect (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* GLib 2.74's GKeyFile sets its GError twice for a value with two bad
 * escapes ("\\x\\" at the end of a line) and warns about itself: its bug,
 * not ours, and the config still refuses the value */
static gboolean
is_glib_keyfile_warning (GLogLevelFlags level, const GLogField *fields, gsize n_fields)
{
  const char *domain = NULL;
  const char *message = NULL;

  if ((level & G_LOG_LEVEL_WARNING) == 0)
    return FALSE;
  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_str_equal (fields[i].key, "GLIB_DOMAIN") && fields[i].length < 0)
        domain = fields[i].value;
      else if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0)
        message = fields[i].value;
    }
  return g_strcmp0 (domain, "GLib") == 0 && message != NULL
         && strstr (message, "GError set over the top") != NULL
         && strstr (message, "The overwriting error message was: Key file contains") != NULL;
}

static GLogWriterOutput
fuzz_log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  gboolean verbose = GPOINTER_TO_INT (user_data);

  if (is_glib_keyfile_warning (level, fields, n_fields))
    return G_LOG_WRITER_HANDLED;
  if ((level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) != 0)
    {
      g_log_writer_standard_streams (level, fields, n_fields, NULL);
      fprintf (stderr, "fuzz: a warning or critical is a bug; aborting\n");
      abort ();
    }
  if (verbose)
    return g_log_writer_standard_streams (level, fields, n_fields, NULL);
  return G_LOG_WRITER_HANDLED;
}

void
fuzz_setup_logging (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      gboolean verbose = g_strcmp0 (g_getenv ("NOVA_VOLUME_FUZZ_VERBOSE"), "1") == 0;

      g_log_set_writer_func (fuzz_log_writer, GINT_TO_POINTER (verbose), NULL);
      g_once_init_leave (&done, 1);
    }
}

char *
fuzz_make_scratch_dir (const char *what)
{
  g_autofree char *template = NULL;
  const char *base = g_get_tmp_dir ();

  if (g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) && access ("/dev/shm", W_OK) == 0)
    base = "/dev/shm";
  template = g_strdup_printf ("%s/nova-volume-fuzz-%s-XXXXXX", base, what);
  if (g_mkdtemp (template) == NULL)
    g_error ("cannot make a scratch directory %s: %s", template, g_strerror (errno));
  return g_steal_pointer (&template);
}

void
fuzz_remove_tree (const char *path)
{
  GStatBuf st;

  if (g_lstat (path, &st) < 0)
    return;
  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          fuzz_remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    {
      g_unlink (path);
    }
}

void
fuzz_reader_init (FuzzReader *reader, const guint8 *data, gsize len)
{
  reader->data = data;
  reader->len = len;
  reader->pos = 0;
}

gboolean
fuzz_reader_empty (const FuzzReader *reader)
{
  return reader->pos >= reader->len;
}

guint8
fuzz_reader_u8 (FuzzReader *reader)
{
  if (reader->pos >= reader->len)
    return 0;
  return reader->data[reader->pos++];
}

guint32
fuzz_reader_u32 (FuzzReader *reader)
{
  guint32 value = 0;

  for (int i = 0; i < 4; i++)
    value = (value << 8) | fuzz_reader_u8 (reader);
  return value;
}

guint64
fuzz_reader_u64 (FuzzReader *reader)
{
  guint64 value = 0;

  for (int i = 0; i < 8; i++)
    value = (value << 8) | fuzz_reader_u8 (reader);
  return value;
}

const guint8 *
fuzz_reader_bytes (FuzzReader *reader, gsize max, gsize *out_len)
{
  gsize len = fuzz_reader_u8 (reader);
  const guint8 *start;

  if (len == 255)
    len = ((gsize) fuzz_reader_u8 (reader) << 8 | fuzz_reader_u8 (reader)) + 255;
  len = MIN (len, max);
  len = MIN (len, reader->len - MIN (reader->pos, reader->len));
  start = reader->data + MIN (reader->pos, reader->len);
  reader->pos += len;
  *out_len = len;
  return start;
}
