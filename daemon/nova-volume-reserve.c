/* nova-volume: space kept for the operations that free space (see the
 * header). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nova-volume-error.h"
#include "nova-volume-reserve.h"

struct _NovaVolumeReserve
{
  GObject  parent_instance;
  GMutex   lock;
  int      fd;
  char    *path;   /* for messages */
  guint64  bytes;
};

G_DEFINE_FINAL_TYPE (NovaVolumeReserve, nova_volume_reserve, G_TYPE_OBJECT)

static void
nova_volume_reserve_finalize (GObject *object)
{
  NovaVolumeReserve *self = NOVA_VOLUME_RESERVE (object);

  if (self->fd >= 0)
    close (self->fd);
  g_free (self->path);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (nova_volume_reserve_parent_class)->finalize (object);
}

static void
nova_volume_reserve_class_init (NovaVolumeReserveClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = nova_volume_reserve_finalize;
}

static void
nova_volume_reserve_init (NovaVolumeReserve *self)
{
  self->fd = -1;
  g_mutex_init (&self->lock);
}

NovaVolumeReserve *
nova_volume_reserve_new (int dir_fd, const char *dir_path, const char *name, guint64 bytes, GError **error)
{
  g_autoptr(NovaVolumeReserve) self = g_object_new (NOVA_VOLUME_TYPE_RESERVE, NULL);
  struct stat st;

  self->path = g_build_filename (dir_path, name, NULL);
  self->bytes = bytes;
  /* O_NONBLOCK: a FIFO put in its place must not hang the start */
  self->fd = openat (dir_fd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
  if (self->fd < 0)
    {
      int saved = errno;
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED, "cannot open %s: %s%s", self->path,
                   g_strerror (saved), saved == ELOOP ? " (it is a symbolic link; remove it)" : "");
      return NULL;
    }
  if (fstat (self->fd, &st) < 0 || !S_ISREG (st.st_mode) || st.st_uid != geteuid ())
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "%s is not a regular file of nova-volumed's uid %u; remove it", self->path,
                   (guint) geteuid ());
      return NULL;
    }
  return g_steal_pointer (&self);
}

static guint64
held_locked (NovaVolumeReserve *self)
{
  struct stat st;

  /* allocated blocks, not the length: that is what a full disk needs */
  if (fstat (self->fd, &st) < 0)
    return 0;
  return MIN ((guint64) st.st_blocks * 512, (guint64) st.st_size);
}

guint64
nova_volume_reserve_get_held (NovaVolumeReserve *self)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  return held_locked (self);
}

/* where fallocate is not supported: written zeros are allocated too */
static gboolean
fill_with_zeros (NovaVolumeReserve *self)
{
  static const char zeros[64 * 1024];

  for (guint64 offset = 0; offset < self->bytes; offset += sizeof zeros)
    {
      gsize n = (gsize) MIN ((guint64) sizeof zeros, self->bytes - offset);

      if (pwrite (self->fd, zeros, n, (off_t) offset) != (gssize) n)
        return FALSE;
    }
  return fdatasync (self->fd) == 0;
}

gboolean
nova_volume_reserve_fill (NovaVolumeReserve *self)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  gboolean filled;

  g_return_val_if_fail (NOVA_VOLUME_IS_RESERVE (self), FALSE);
  if (held_locked (self) >= self->bytes)
    return TRUE;
  filled = fallocate (self->fd, 0, 0, (off_t) self->bytes) == 0;
  if (!filled && (errno == EOPNOTSUPP || errno == ENOSYS))
    filled = fill_with_zeros (self);
  if (!filled)
    /* what it got stays: a part of the reserve still lets deletes run */
    g_debug ("cannot fill the reserve %s: %s", self->path, g_strerror (errno));
  return filled;
}

gboolean
nova_volume_reserve_release (NovaVolumeReserve *self)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  guint64 held;

  g_return_val_if_fail (NOVA_VOLUME_IS_RESERVE (self), FALSE);
  held = held_locked (self);
  if (held == 0)
    return FALSE;
  if (ftruncate (self->fd, 0) < 0)
    {
      g_warning ("cannot give back the reserve %s: %s", self->path, g_strerror (errno));
      return FALSE;
    }
  g_message ("the file system of %s is full: gave back %" G_GUINT64_FORMAT " KiB kept for deletes and "
             "disconnects", self->path, held / 1024);
  return TRUE;
}
