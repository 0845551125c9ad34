/* nova-volume: the StrictModes check of a directory the daemon trusts. */
#include "config.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nova-volume-error.h"
#include "nova-volume-private-dir.h"

gboolean
nova_volume_check_private_dir (int dir_fd, const char *what, const char *path, GError **error)
{
  struct stat st;

  if (dir_fd < 0 || fstat (dir_fd, &st) < 0)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED, "%s %s: cannot open it", what, path);
      return FALSE;
    }
  if (!S_ISDIR (st.st_mode))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED, "%s %s: not a directory", what, path);
      return FALSE;
    }
  if (st.st_uid != geteuid ())
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "%s %s belongs to uid %u, not to nova-volumed's uid %u: another user could replace the "
                   "files in it; chown %u %s", what, path, (guint) st.st_uid, (guint) geteuid (),
                   (guint) geteuid (), path);
      return FALSE;
    }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "%s %s is writable by %s (mode %04o): another user could replace the files in it; "
                   "chmod go-w %s", what, path, (st.st_mode & S_IWOTH) != 0 ? "others" : "its group",
                   (guint) (st.st_mode & 07777), path);
      return FALSE;
    }
  return TRUE;
}
