/* nova-volume: a plain directory standing in for LIO's configfs (see the
 * header) */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "nova-volume-lio-plain-tree.h"
#include "nova-volume-iscsi-lio-tree.h"


static const char *const backstore_groups[] = { "alua", "attrib", "pr", "statistics", "wwn", NULL };
static const char *const fabric_groups[] = { "discovery_auth", NULL };
static const char *const target_groups[] = { "fabric_statistics", NULL };
static const char *const tpg_groups[] = { "acls", "attrib", "auth", "lun", "np", "param", NULL };
static const char *const acl_groups[] = { "attrib", "auth", "fabric_statistics", "param", NULL };
static const char *const lun_groups[] = { "statistics", NULL };

/* the kernel's defaults (target_core_configfs.c, iscsi_target_core.h) */
static const NovaLioAttr backstore_attrs[] = {
  { "enable", "0\n" }, { "udev_path", "" }, { "wwn/vpd_unit_serial", "T10 VPD Unit Serial Number: \n" },
  { NULL, NULL },
};
static const NovaLioAttr tpg_attrs[] = {
  { "enable", "0\n" }, { "attrib/authentication", "1\n" }, { "attrib/generate_node_acls", "0\n" },
  { "attrib/demo_mode_write_protect", "1\n" }, { NULL, NULL },
};
static const NovaLioAttr acl_attrs[] = {
  { "auth/userid", "\n" }, { "auth/password", "\n" }, { NULL, NULL },
};
static const NovaLioAttr mapped_lun_attrs[] = {
  { "write_protect", "0\n" }, { NULL, NULL },
};

static const char *const *
default_groups (NovaLioDirKind kind)
{
  switch (kind)
    {
    case NOVA_LIO_KIND_BACKSTORE:
      return backstore_groups;
    case NOVA_LIO_KIND_FABRIC:
      return fabric_groups;
    case NOVA_LIO_KIND_TARGET:
      return target_groups;
    case NOVA_LIO_KIND_TPG:
      return tpg_groups;
    case NOVA_LIO_KIND_ACL:
      return acl_groups;
    case NOVA_LIO_KIND_LUN:
    case NOVA_LIO_KIND_MAPPED_LUN:
      return lun_groups;
    case NOVA_LIO_KIND_UNKNOWN:
    case NOVA_LIO_KIND_HBA:
    case NOVA_LIO_KIND_PORTAL:
    default:
      return NULL;
    }
}

static const NovaLioAttr *
default_attrs (NovaLioDirKind kind)
{
  switch (kind)
    {
    case NOVA_LIO_KIND_BACKSTORE:
      return backstore_attrs;
    case NOVA_LIO_KIND_TPG:
      return tpg_attrs;
    case NOVA_LIO_KIND_ACL:
      return acl_attrs;
    case NOVA_LIO_KIND_MAPPED_LUN:
      return mapped_lun_attrs;
    case NOVA_LIO_KIND_UNKNOWN:
    case NOVA_LIO_KIND_HBA:
    case NOVA_LIO_KIND_FABRIC:
    case NOVA_LIO_KIND_TARGET:
    case NOVA_LIO_KIND_LUN:
    case NOVA_LIO_KIND_PORTAL:
    default:
      return NULL;
    }
}

/* plain tree: the attribute @name of the directory @dir_rel, as read */
static char *
plain_read_attr (const char *lio_dir, const char *dir_rel, const char *name)
{
  g_autofree char *path = g_build_filename (lio_dir, dir_rel, name, NULL);
  char *value = NULL;

  if (nova_lio_read_whole (path, &value) != 0)
    return NULL;
  return value;
}

static int
plain_mkdir (const char *lio_dir, const char *rel)
{
  g_autofree char *path = g_build_filename (lio_dir, rel, NULL);
  NovaLioDirKind kind = nova_lio_classify (rel);
  const char *const *groups = default_groups (kind);
  const NovaLioAttr *attrs = default_attrs (kind);

  if (g_mkdir (path, 0755) != 0)
    return errno;
  for (gsize i = 0; groups != NULL && groups[i] != NULL; i++)
    {
      g_autofree char *group = g_build_filename (path, groups[i], NULL);

      if (g_mkdir (group, 0755) != 0)
        return errno;
    }
  for (gsize i = 0; attrs != NULL && attrs[i].name != NULL; i++)
    {
      g_autofree char *attr = g_build_filename (path, attrs[i].name, NULL);
      int rc = nova_lio_write_whole (attr, attrs[i].value, O_WRONLY | O_CREAT | O_TRUNC);

      if (rc != 0)
        return rc;
    }
  return 0;
}

/* the kernel's refusals that a wrong order would run into */
static int
plain_write_refusal (const char *lio_dir, const char *rel, const char *value)
{
  g_autofree char *dir = g_path_get_dirname (rel);
  g_autofree char *name = g_path_get_basename (rel);
  NovaLioDirKind kind = nova_lio_classify (dir);
  g_autofree char *enabled = NULL;

  if (kind == NOVA_LIO_KIND_BACKSTORE && g_str_equal (name, "enable"))
    {
      enabled = plain_read_attr (lio_dir, dir, "enable");
      if (!g_str_equal (value, "1"))
        return EINVAL;
      if (g_strcmp0 (enabled, "1") == 0)
        return EEXIST;
    }
  else if (kind == NOVA_LIO_KIND_BACKSTORE && g_str_equal (name, "control") && g_str_has_prefix (value, "udev_path="))
    {
      enabled = plain_read_attr (lio_dir, dir, "enable");
      if (g_strcmp0 (enabled, "1") == 0)
        return EEXIST;
    }
  else if (kind == NOVA_LIO_KIND_TPG && g_str_equal (name, "enable"))
    {
      enabled = plain_read_attr (lio_dir, dir, "enable");
      if (g_str_equal (value, "1") && g_strcmp0 (enabled, "1") == 0)
        return EINVAL;
    }
  return 0;
}

/* plain tree: may @rel be removed as configfs would? Only default groups
 * (holding attributes alone) and attributes may be left inside. */
static int
plain_rmdir_check (const char *path, const char *const *groups)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *entry;

  if (dir == NULL)
    return errno != 0 ? errno : ENOENT;
  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, entry, NULL);
      GStatBuf st;

      if (g_lstat (child, &st) != 0)
        return errno;
      if (S_ISREG (st.st_mode))
        continue;
      if (S_ISDIR (st.st_mode) && groups != NULL && g_strv_contains (groups, entry))
        {
          int rc = plain_rmdir_check (child, NULL);

          if (rc != 0)
            return rc;
          continue;
        }
      return ENOTEMPTY;
    }
  return 0;
}

static int
plain_rmdir_remove (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *entry;

  if (dir == NULL)
    return errno != 0 ? errno : ENOENT;
  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, entry, NULL);
      int rc;

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        rc = plain_rmdir_remove (child);
      else
        rc = g_unlink (child) == 0 ? 0 : errno;
      if (rc != 0)
        return rc;
    }
  return g_rmdir (path) == 0 ? 0 : errno;
}

static int
plain_write (const char *lio_dir, const char *rel, const char *value)
{
  g_autofree char *path = g_build_filename (lio_dir, rel, NULL);
  int rc = plain_write_refusal (lio_dir, rel, value);

  if (rc != 0)
    return rc;
  return nova_lio_write_whole (path, value, O_WRONLY | O_CREAT | O_TRUNC);
}

static gboolean
is_dir (const char *lio_dir, const char *rel)
{
  g_autofree char *path = g_build_filename (lio_dir, rel, NULL);
  GStatBuf st;

  return g_lstat (path, &st) == 0 && S_ISDIR (st.st_mode);
}

static int
plain_symlink_refusal (const char *lio_dir, const char *rel, const char *target_rel)
{
  g_autofree char *dir = g_path_get_dirname (rel);

  if (!is_dir (lio_dir, target_rel))
    return ENOENT;
  if (nova_lio_classify (dir) == NOVA_LIO_KIND_LUN)
    {
      g_autofree char *enabled = plain_read_attr (lio_dir, target_rel, "enable");

      if (nova_lio_classify (target_rel) != NOVA_LIO_KIND_BACKSTORE || g_strcmp0 (enabled, "1") != 0)
        return ENODEV;
    }
  else if (nova_lio_classify (dir) == NOVA_LIO_KIND_MAPPED_LUN && nova_lio_classify (target_rel) != NOVA_LIO_KIND_LUN)
    return EINVAL;
  return 0;
}

static int
plain_rmdir (const char *lio_dir, const char *rel)
{
  g_autofree char *path = g_build_filename (lio_dir, rel, NULL);
  int rc;

  if (!is_dir (lio_dir, rel))
    return ENOENT;
  rc = plain_rmdir_check (path, default_groups (nova_lio_classify (rel)));
  if (rc != 0)
    return rc;
  return plain_rmdir_remove (path);
}

const NovaLioStandIn nova_lio_plain_tree = {
  .mkdir = plain_mkdir,
  .write = plain_write,
  .symlink_refusal = plain_symlink_refusal,
  .rmdir = plain_rmdir,
};
