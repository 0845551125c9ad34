/* nova-volume: LIO's configfs tree (see the header) */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "nova-volume-iscsi-lio-tree.h"

NovaLioDirKind
nova_lio_classify (const char *rel)
{
  g_auto(GStrv) parts = g_strsplit (rel, "/", -1);
  guint n = g_strv_length (parts);

  if (n == 1 && g_str_equal (parts[0], "iscsi"))
    return NOVA_LIO_KIND_FABRIC;
  if (g_str_equal (parts[0], "core"))
    return n == 2 ? NOVA_LIO_KIND_HBA : n == 3 ? NOVA_LIO_KIND_BACKSTORE : NOVA_LIO_KIND_UNKNOWN;
  if (!g_str_equal (parts[0], "iscsi") || n < 2)
    return NOVA_LIO_KIND_UNKNOWN;
  if (n == 2)
    return NOVA_LIO_KIND_TARGET;
  if (!g_str_has_prefix (parts[2], "tpgt_"))
    return NOVA_LIO_KIND_UNKNOWN;
  if (n == 3)
    return NOVA_LIO_KIND_TPG;
  if (n == 5 && g_str_equal (parts[3], "lun"))
    return NOVA_LIO_KIND_LUN;
  if (n == 5 && g_str_equal (parts[3], "np"))
    return NOVA_LIO_KIND_PORTAL;
  if (n == 5 && g_str_equal (parts[3], "acls"))
    return NOVA_LIO_KIND_ACL;
  if (n == 6 && g_str_equal (parts[3], "acls"))
    return NOVA_LIO_KIND_MAPPED_LUN;
  return NOVA_LIO_KIND_UNKNOWN;
}

int
nova_lio_write_whole (const char *path, const char *value, int flags)
{
  gsize len = strlen (value);
  int fd = g_open (path, flags | O_CLOEXEC, 0644);
  gssize n;
  int saved = 0;

  if (fd < 0)
    return errno;
  /* one write(2): configfs hands each write to the attribute's store */
  do
    n = write (fd, value, len);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    saved = errno;
  else if ((gsize) n != len)
    saved = EIO;
  if (close (fd) != 0 && saved == 0)
    saved = errno;
  return saved;
}

int
nova_lio_read_whole (const char *path, char **out_value)
{
  g_autoptr(GString) text = g_string_new (NULL);
  char buf[4096];
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);

  if (fd < 0)
    return errno;
  for (;;)
    {
      gssize n = read (fd, buf, sizeof buf);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          close (fd);
          return saved;
        }
      if (n == 0)
        break;
      g_string_append_len (text, buf, n);
    }
  close (fd);
  *out_value = g_strstrip (g_string_free (g_steal_pointer (&text), FALSE));
  return 0;
}
