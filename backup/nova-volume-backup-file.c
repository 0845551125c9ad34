/* nova-volume: the file operations of a file-system backup repository. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nova-volume-backup-file.h"

static gboolean
write_all (int fd, const guint8 *data, gsize len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          if (n == 0)
            errno = EIO;
          return FALSE;
        }
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

int
nova_volume_backup_write_file (int dir_fd, const char *name, const guint8 *data, gsize len)
{
  g_autofree char *temporary = g_strdup_printf (NOVA_VOLUME_BACKUP_TEMPORARY_PREFIX "%s-%08x", name,
                                                g_random_int ());
  int fd, saved;

  fd = openat (dir_fd, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return errno;
  if (!write_all (fd, data, len) || fdatasync (fd) != 0)
    {
      saved = errno;
      close (fd);
      unlinkat (dir_fd, temporary, 0);
      return saved;
    }
  close (fd);
  /* the name appears only for written, flushed bytes */
  if (renameat (dir_fd, temporary, dir_fd, name) != 0 || fsync (dir_fd) != 0)
    {
      saved = errno;
      unlinkat (dir_fd, temporary, 0);
      return saved;
    }
  return 0;
}

GPtrArray *
nova_volume_backup_list_dir (int dir_fd)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  /* readdir needs a descriptor of its own */
  int copy = openat (dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *dir = copy >= 0 ? fdopendir (copy) : NULL;
  struct dirent *entry;

  if (dir == NULL)
    {
      int saved = errno;

      if (copy >= 0)
        close (copy);
      errno = saved;
      return NULL;
    }
  while ((entry = readdir (dir)) != NULL)
    if (strcmp (entry->d_name, ".") != 0 && strcmp (entry->d_name, "..") != 0)
      g_ptr_array_add (names, g_strdup (entry->d_name));
  closedir (dir);
  return g_steal_pointer (&names);
}
