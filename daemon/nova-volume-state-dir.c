/* nova-volume: the state directory (see the header). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nova-volume-private-dir.h"
#include "nova-volume-state-dir.h"

struct _NovaVolumeStateDir
{
  char *path;
  int   fd;
};

NovaVolumeStateDir *
nova_volume_state_dir_open (const char *path, GError **error)
{
  g_autoptr(NovaVolumeStateDir) self = g_new0 (NovaVolumeStateDir, 1);

  g_return_val_if_fail (g_path_is_absolute (path), NULL);
  self->path = g_strdup (path);
  self->fd = -1;
  if (g_mkdir_with_parents (path, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot create the state directory %s: %s",
                   path, g_strerror (saved));
      return NULL;
    }
  self->fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (self->fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot open the state directory %s: %s",
                   path, g_strerror (saved));
      return NULL;
    }
  if (!nova_volume_check_private_dir (self->fd, "the state directory", path, error))
    return NULL;
  return g_steal_pointer (&self);
}

void
nova_volume_state_dir_free (NovaVolumeStateDir *self)
{
  if (self == NULL)
    return;
  /* closing drops the lock: only when the daemon is done with the directory */
  if (self->fd >= 0)
    close (self->fd);
  g_free (self->path);
  g_free (self);
}

const char *
nova_volume_state_dir_get_path (NovaVolumeStateDir *self)
{
  return self->path;
}

int
nova_volume_state_dir_get_fd (NovaVolumeStateDir *self)
{
  return self->fd;
}

/* ---- small files beneath the directory ------------------------------- */

/* Reads up to @size - 1 bytes of the regular file @name; FALSE when it is
 * missing or not a regular file (a link is never followed, a FIFO never
 * waited on). */
static gboolean
read_small_file (NovaVolumeStateDir *self, const char *name, char *text, gsize size)
{
  int fd = openat (self->fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  struct stat st;
  gssize n = -1;

  memset (text, 0, size);
  if (fd < 0)
    return FALSE;
  if (fstat (fd, &st) == 0 && S_ISREG (st.st_mode))
    n = read (fd, text, size - 1);
  close (fd);
  return n > 0;
}

/* Replaces the content of the regular file @name with @text, durably. */
static gboolean
write_small_file (NovaVolumeStateDir *self, const char *name, const char *text, GError **error)
{
  int fd = openat (self->fd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
  struct stat st;
  gsize length = strlen (text);
  gboolean ok = fd >= 0 && fstat (fd, &st) == 0;
  int saved;

  if (ok && !S_ISREG (st.st_mode))
    {
      ok = FALSE;
      errno = EINVAL;
    }
  ok = ok && ftruncate (fd, 0) == 0 && pwrite (fd, text, length, 0) == (gssize) length && fsync (fd) == 0;
  saved = errno;
  if (fd >= 0)
    close (fd);
  if (!ok)
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot write %s/%s: %s%s", self->path, name,
                 g_strerror (saved), saved == EINVAL ? " (not a regular file; remove it)" : "");
  return ok;
}

/* ---- the lock --------------------------------------------------------- */

int
nova_volume_state_dir_try_lock (NovaVolumeStateDir *self)
{
  return flock (self->fd, LOCK_EX | LOCK_NB) == 0 ? 0 : errno;
}

void
nova_volume_state_dir_write_pid (NovaVolumeStateDir *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pid = g_strdup_printf ("%ld\n", (long) getpid ());

  if (!write_small_file (self, "lock", pid, &error))
    g_debug ("%s", error->message);
}

long
nova_volume_state_dir_lock_owner (NovaVolumeStateDir *self)
{
  char text[32];

  return read_small_file (self, "lock", text, sizeof text) ? strtol (text, NULL, 10) : 0;
}

/* ---- the directory knows its store ------------------------------------ */

/* The identity kept beside the store (state-id, 8 hex digits), 0 when
 * there is none. */
static guint32
read_state_id (NovaVolumeStateDir *self)
{
  char text[16];

  return read_small_file (self, "state-id", text, sizeof text) ? (guint32) g_ascii_strtoull (text, NULL, 16) : 0;
}

/* A store that is gone or empty while the directory says it had one is
 * not a fresh start: the volumes it knew of still hold data on their
 * backends, and starting empty would orphan them without a word. */
gboolean
nova_volume_state_dir_check_store_present (NovaVolumeStateDir *self, gboolean recovering, GError **error)
{
  guint32 recorded = read_state_id (self);
  struct stat st;
  gboolean exists = fstatat (self->fd, NOVA_VOLUME_STATE_DIR_STORE, &st, AT_SYMLINK_NOFOLLOW) == 0;

  if (exists && !S_ISREG (st.st_mode))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s/%s is not a regular file: put the store back in its place", self->path,
                   NOVA_VOLUME_STATE_DIR_STORE);
      return FALSE;
    }
  if (recorded == 0 || (exists && st.st_size > 0))
    return TRUE;
  if (recovering)
    {
      g_message ("the store %s/%s is %s: starting a new one, and recording again what the backends hold",
                 self->path, NOVA_VOLUME_STATE_DIR_STORE, exists ? "empty" : "missing");
      return TRUE;
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
               "the state directory %s had a store (state-id %08x), but %s/%s is %s: the volumes it recorded "
               "would be forgotten while their data stays on the backends. Restore %s/%s from a backup; or "
               "start nova-volumed --recover to record again the volumes and snapshots the backends still hold "
               "(their names, descriptions, metadata and connections are lost); or, to start with no volumes on "
               "purpose, remove %s/state-id",
               self->path, recorded, self->path, NOVA_VOLUME_STATE_DIR_STORE, exists ? "empty" : "missing",
               self->path, NOVA_VOLUME_STATE_DIR_STORE, self->path);
  return FALSE;
}

gboolean
nova_volume_state_dir_settle_store_identity (NovaVolumeStateDir *self, NovaVolumeStore *store, gboolean recovering,
                                             GError **error)
{
  guint32 recorded = read_state_id (self);
  guint32 identity = nova_volume_store_get_identity (store, error);
  g_autofree char *text = NULL;

  if (identity == 0 && error != NULL && *error != NULL)
    return FALSE;
  if (recorded != 0 && identity != recorded && identity != 0 && recovering)
    g_message ("%s becomes the store of the state directory %s (--recover)", nova_volume_store_get_path (store),
               self->path);
  else if (recorded != 0 && identity != recorded && !recovering)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s is not the store of the state directory %s (its identity is %08x, the directory's "
                   "state-id %08x): restore the directory's own store, or start nova-volumed --recover to adopt "
                   "this one (and record again what the backends hold that it does not know)",
                   nova_volume_store_get_path (store), self->path, identity, recorded);
      return FALSE;
    }
  if (identity == 0)
    {
      /* a new store, or one from before identities */
      do
        identity = g_random_int ();
      while (identity == 0 || identity > G_MAXINT32);
      if (!nova_volume_store_set_identity (store, identity, error))
        return FALSE;
    }
  if (recorded == identity)
    return TRUE;
  text = g_strdup_printf ("%08x\n", identity);
  return write_small_file (self, "state-id", text, error);
}
