/* nova-volume: the lioadm target helper, LIO's configfs written directly */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "nova-volume-error.h"
#include "nova-volume-executor.h"
#include "nova-volume-iscsi-lio.h"
#include "nova-volume-iscsi-lio-tree.h"

/* statfs(2)'s f_type of configfs (linux/magic.h) */
#define CONFIGFS_MAGIC 0x62656570
/* the name of the link in a node ACL's mapped LUN (rtslib picks a random
 * one; any name works, a fixed one makes the operations predictable) */
#define MAPPED_LUN_LINK "tpg_lun_0"
/* LIO's limits: an auth attribute holds 255 characters, a udev_path 511,
 * an iSCSI name 223 */
#define MAX_AUTH_LEN     255
#define MAX_UDEV_PATH    511
#define MAX_ISCSI_NAME   223

struct _NovaIscsiLio {
  GObject parent_instance;

  char    *root;        /* the configfs mount point */
  char    *lio_dir;     /* root/target */
  char    *portal_ip;
  guint    portal_port;
  const NovaLioStandIn *stand_in; /* NULL: the real configfs */

  /* calls come from many worker threads at once (one per volume) */
  GMutex      lock;
  gboolean    recording;
  GPtrArray  *operations;   /* of char *, secrets masked */
  char       *log_path;
  GHashTable *injected;     /* "op path" -> errno (GINT_TO_POINTER) */
};

static void nova_iscsi_lio_target_iface_init (NovaIscsiTargetInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (NovaIscsiLio, nova_iscsi_lio, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (NOVA_TYPE_ISCSI_TARGET,
                                                      nova_iscsi_lio_target_iface_init))

/* One call of the interface: the object and what must never be written
 * down (the export's CHAP secret). */
typedef struct {
  NovaIscsiLio *self;
  const char   *secrets[2];
} Call;

static void
call_init (Call *call, NovaIscsiLio *self, const NovaIscsiExport *export)
{
  call->self = self;
  call->secrets[0] = export != NULL && export->chap_secret != NULL && export->chap_secret[0] != '\0'
                     ? export->chap_secret : NULL;
  call->secrets[1] = NULL;
}

static char *
call_mask (const Call *call, const char *text)
{
  return nova_volume_executor_mask_secrets (text, call->secrets);
}

static void call_set_error (const Call *call, GError **error, int code, const char *format, ...)
  G_GNUC_PRINTF (4, 5);

/* every message goes through here, masked: a path or a kernel message
 * could, by chance, hold the secret */
static void
call_set_error (const Call *call, GError **error, int code, const char *format, ...)
{
  va_list args;
  g_autofree char *text = NULL;
  g_autofree char *masked = NULL;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  masked = call_mask (call, text);
  g_set_error_literal (error, NOVA_VOLUME_ERROR, code, masked);
}

static char *
lio_path (NovaIscsiLio *self, const char *rel)
{
  if (rel == NULL || rel[0] == '\0')
    return g_strdup (self->lio_dir);
  return g_build_filename (self->lio_dir, rel, NULL);
}

/* ------------------------------------------------------------------ */
/* the seam: every access to configfs. Each returns 0 or an errno.    */

typedef enum {
  NODE_NONE,
  NODE_DIR,
  NODE_FILE,
  NODE_LINK,
  NODE_OTHER,
} NodeKind;

static gboolean
append_line (const char *path, const char *line)
{
  g_autofree char *text = g_strconcat (line, "\n", NULL);
  gsize len = strlen (text);
  gsize done = 0;
  int fd = g_open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

  if (fd < 0)
    return FALSE;
  while (done < len)
    {
      gssize n = write (fd, text + done, len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        break;
      done += (gsize) n;
    }
  close (fd);
  return done == len;
}

/* The gate every access passes: an injected failure, then the record of
 * a change (@line NULL for reads). Returns the injected errno or 0. */
static int
seam_enter (const Call *call, const char *op, const char *rel, const char *line)
{
  NovaIscsiLio *self = call->self;
  g_autofree char *access = g_strdup_printf ("%s %s", op, rel);
  g_autofree char *masked = line != NULL ? call_mask (call, line) : NULL;
  g_autofree char *log_path = NULL;
  gpointer key = NULL;
  gpointer value = NULL;
  int injected = 0;

  g_mutex_lock (&self->lock);
  if (g_hash_table_steal_extended (self->injected, access, &key, &value))
    {
      injected = GPOINTER_TO_INT (value);
      g_free (key);
    }
  if (masked != NULL && self->recording)
    g_ptr_array_add (self->operations, g_strdup (masked));
  log_path = g_strdup (self->log_path);
  g_mutex_unlock (&self->lock);

  if (masked != NULL)
    {
      g_debug ("LIO: %s", masked);
      if (log_path != NULL && !append_line (log_path, masked))
        g_debug ("LIO: cannot append to %s: %s", log_path, g_strerror (errno));
    }
  return injected;
}

static NodeKind
seam_kind (const Call *call, const char *rel)
{
  g_autofree char *path = lio_path (call->self, rel);
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return NODE_NONE;
  if (S_ISLNK (st.st_mode))
    return NODE_LINK;
  if (S_ISDIR (st.st_mode))
    return NODE_DIR;
  if (S_ISREG (st.st_mode))
    return NODE_FILE;
  return NODE_OTHER;
}

static int
seam_mkdir (const Call *call, const char *rel)
{
  g_autofree char *line = g_strdup_printf ("mkdir %s", rel);
  g_autofree char *path = NULL;
  int rc = seam_enter (call, "mkdir", rel, line);

  if (rc != 0)
    return rc;
  if (call->self->stand_in != NULL)
    return call->self->stand_in->mkdir (call->self->lio_dir, rel);
  path = lio_path (call->self, rel);
  return g_mkdir (path, 0755) == 0 ? 0 : errno;
}

static int
seam_write (const Call *call, const char *rel, const char *value)
{
  g_autofree char *line = g_strdup_printf ("write %s %s", rel, value);
  g_autofree char *path = NULL;
  int rc = seam_enter (call, "write", rel, line);

  if (rc != 0)
    return rc;
  path = lio_path (call->self, rel);
  if (call->self->stand_in != NULL)
    return call->self->stand_in->write (call->self->lio_dir, rel, value);
  /* configfs attributes exist or not; they are never made by a write */
  return nova_lio_write_whole (path, value, O_WRONLY);
}

static int
seam_symlink (const Call *call, const char *rel, const char *target_rel)
{
  g_autofree char *line = g_strdup_printf ("symlink %s -> %s", rel, target_rel);
  g_autofree char *path = NULL;
  g_autofree char *target = NULL;
  int rc = seam_enter (call, "symlink", rel, line);

  if (rc != 0)
    return rc;
  path = lio_path (call->self, rel);
  target = lio_path (call->self, target_rel);
  if (call->self->stand_in != NULL)
    {
      rc = call->self->stand_in->symlink_refusal (call->self->lio_dir, rel, target_rel);
      if (rc != 0)
        return rc;
    }
  return symlink (target, path) == 0 ? 0 : errno;
}

static int
seam_unlink (const Call *call, const char *rel)
{
  g_autofree char *line = g_strdup_printf ("unlink %s", rel);
  g_autofree char *path = NULL;
  int rc = seam_enter (call, "unlink", rel, line);

  if (rc != 0)
    return rc;
  path = lio_path (call->self, rel);
  return g_unlink (path) == 0 ? 0 : errno;
}

static int
seam_rmdir (const Call *call, const char *rel)
{
  g_autofree char *line = g_strdup_printf ("rmdir %s", rel);
  g_autofree char *path = NULL;
  int rc = seam_enter (call, "rmdir", rel, line);

  if (rc != 0)
    return rc;
  path = lio_path (call->self, rel);
  if (call->self->stand_in != NULL)
    return call->self->stand_in->rmdir (call->self->lio_dir, rel);
  return g_rmdir (path) == 0 ? 0 : errno;
}

static int
seam_read (const Call *call, const char *rel, char **out_value)
{
  g_autofree char *path = NULL;
  int rc = seam_enter (call, "read", rel, NULL);

  if (rc != 0)
    return rc;
  path = lio_path (call->self, rel);
  return nova_lio_read_whole (path, out_value);
}

static int
seam_readlink (const Call *call, const char *rel, char **out_target)
{
  g_autofree char *path = NULL;
  GError *local_error = NULL;
  int rc = seam_enter (call, "readlink", rel, NULL);

  if (rc != 0)
    return rc;
  path = lio_path (call->self, rel);
  *out_target = g_file_read_link (path, &local_error);
  if (*out_target == NULL)
    {
      rc = g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT) ? ENOENT : EIO;
      g_error_free (local_error);
      return rc;
    }
  return 0;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* the names in directory @rel, sorted */
static int
seam_list (const Call *call, const char *rel, GPtrArray **out_names)
{
  g_autofree char *path = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *entry;
  int rc = seam_enter (call, "list", rel, NULL);

  if (rc != 0)
    return rc;
  path = lio_path (call->self, rel);
  errno = 0;
  dir = g_dir_open (path, 0, NULL);
  if (dir == NULL)
    return errno != 0 ? errno : ENOENT;
  while ((entry = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (entry));
  g_ptr_array_sort (names, compare_names);
  *out_names = g_steal_pointer (&names);
  return 0;
}

/* ------------------------------------------------------------------ */
/* errors a person can act on                                          */

static const char *
errno_hint (const char *op, const char *rel, int errnum)
{
  NovaLioDirKind kind = nova_lio_classify (rel);
  g_autofree char *dir = g_path_get_dirname (rel);
  g_autofree char *name = g_path_get_basename (rel);

  if (g_str_equal (op, "mkdir") && kind == NOVA_LIO_KIND_FABRIC
      && (errnum == EINVAL || errnum == ENODEV || errnum == ENOENT || errnum == ENOSYS))
    return "LIO's iSCSI fabric is not available: load iscsi_target_mod";
  if (g_str_equal (op, "mkdir") && kind == NOVA_LIO_KIND_HBA
      && (errnum == EINVAL || errnum == ENODEV || errnum == ENOENT || errnum == ENOSYS))
    return "LIO's block backstore is not available: load target_core_iblock";
  if (g_str_equal (op, "mkdir") && kind == NOVA_LIO_KIND_PORTAL && errnum == EADDRINUSE)
    return "another program, a tgtd perhaps, already listens on this address and port: "
           "check iscsi_ip_address and iscsi_port";
  if (g_str_equal (op, "mkdir") && kind == NOVA_LIO_KIND_PORTAL && errnum == EADDRNOTAVAIL)
    return "the address is not one of this host's: check iscsi_ip_address";
  if (g_str_equal (op, "write") && nova_lio_classify (dir) == NOVA_LIO_KIND_BACKSTORE && g_str_equal (name, "enable"))
    return "LIO could not open the backing device: check that it exists, is a block device "
           "and is not held by a mount or another target";
  if (g_str_equal (op, "symlink") && errnum == ENODEV)
    return "the backstore is not enabled";
  switch (errnum)
    {
    case EACCES:
    case EPERM:
    case EROFS:
      return "nova-volumed must run as root with write access to configfs";
    case EBUSY:
      return "it is still in use by an iSCSI session or another target";
    case ENOTEMPTY:
      return "something that nova-volume did not make is still inside: remove it with targetcli";
    case ENOMEM:
    case ENOSPC:
      return "the kernel is short of memory";
    default:
      return NULL;
    }
}

static void
set_errno_error (const Call *call, GError **error, const char *op, const char *rel, int errnum)
{
  g_autofree char *path = lio_path (call->self, rel);
  const char *hint = errno_hint (op, rel, errnum);
  g_autofree char *suffix = hint != NULL ? g_strdup_printf (" (%s)", hint) : g_strdup ("");
  int code = errnum == EBUSY ? NOVA_VOLUME_ERROR_BUSY : NOVA_VOLUME_ERROR_FAILED;

  call_set_error (call, error, code, "LIO: %s %s failed: %s%s", op, path, g_strerror (errnum), suffix);
}

/* ------------------------------------------------------------------ */
/* steps, each idempotent                                              */

static gboolean
lio_read (const Call *call, const char *rel, char **out_value, GError **error)
{
  int rc = seam_read (call, rel, out_value);

  if (rc != 0)
    {
      set_errno_error (call, error, "read", rel, rc);
      return FALSE;
    }
  return TRUE;
}

static gboolean
lio_list (const Call *call, const char *rel, GPtrArray **out_names, GError **error)
{
  int rc = seam_list (call, rel, out_names);

  if (rc == ENOENT)
    {
      *out_names = g_ptr_array_new_with_free_func (g_free);
      return TRUE;
    }
  if (rc != 0)
    {
      set_errno_error (call, error, "list", rel, rc);
      return FALSE;
    }
  return TRUE;
}

/* @rc of the access @what on @rel: 0 (or @tolerated) is success, anything
 * else becomes an error a person can act on */
static gboolean
check_rc (const Call *call, const char *what, const char *rel, int rc, int tolerated, GError **error)
{
  if (rc == 0 || rc == tolerated)
    return TRUE;
  set_errno_error (call, error, what, rel, rc);
  return FALSE;
}

static gboolean
lio_mkdir (const Call *call, const char *rel, GError **error)
{
  if (seam_kind (call, rel) == NODE_DIR)
    return TRUE;
  /* another volume's export made the same shared directory (iscsi) */
  return check_rc (call, "mkdir", rel, seam_mkdir (call, rel), EEXIST, error);
}

static gboolean
lio_write (const Call *call, const char *rel, const char *value, GError **error)
{
  return check_rc (call, "write", rel, seam_write (call, rel, value), 0, error);
}

/* writes @value unless the attribute already reads so */
static gboolean
lio_set_attr (const Call *call, const char *rel, const char *value, GError **error)
{
  g_autofree char *current = NULL;

  if (seam_read (call, rel, &current) == 0 && g_str_equal (current, value))
    return TRUE;
  return lio_write (call, rel, value, error);
}

static gboolean
lio_unlink (const Call *call, const char *rel, GError **error)
{
  return check_rc (call, "unlink", rel, seam_unlink (call, rel), ENOENT, error);
}

static gboolean
lio_rmdir (const Call *call, const char *rel, GError **error)
{
  if (seam_kind (call, rel) == NODE_NONE)
    return TRUE;
  return check_rc (call, "rmdir", rel, seam_rmdir (call, rel), ENOENT, error);
}

/* the entries of directory @rel that are of @kind, sorted */
static gboolean
lio_list_kind (const Call *call, const char *rel, NodeKind kind, const char *prefix, GPtrArray **out_names,
               GError **error)
{
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func (g_free);

  if (!lio_list (call, rel, &names, error))
    return FALSE;
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autofree char *child = g_build_filename (rel, name, NULL);

      if (prefix != NULL && !g_str_has_prefix (name, prefix))
        continue;
      if (seam_kind (call, child) == kind)
        g_ptr_array_add (kept, g_strdup (name));
    }
  *out_names = g_steal_pointer (&kept);
  return TRUE;
}

/* the target of the first symbolic link in @dir_rel (a LUN or a mapped
 * LUN), NULL when it has none */
static gboolean
lio_find_link (const Call *call, const char *dir_rel, char **out_target, GError **error)
{
  g_autoptr(GPtrArray) links = NULL;
  g_autofree char *link_rel = NULL;
  int rc;

  *out_target = NULL;
  if (seam_kind (call, dir_rel) != NODE_DIR)
    return TRUE;
  if (!lio_list_kind (call, dir_rel, NODE_LINK, NULL, &links, error))
    return FALSE;
  if (links->len == 0)
    return TRUE;
  link_rel = g_build_filename (dir_rel, g_ptr_array_index (links, 0), NULL);
  rc = seam_readlink (call, link_rel, out_target);
  if (rc != 0)
    {
      set_errno_error (call, error, "readlink", link_rel, rc);
      return FALSE;
    }
  return TRUE;
}

/* configfs answers readlink with a relative path ("../../../core/..."),
 * the plain tree with an absolute one: both end with the target's path
 * below target/ */
static gboolean
link_points_to (const char *target, const char *rel)
{
  g_autofree char *suffix = g_strconcat ("/", rel, NULL);

  return g_str_has_suffix (target, suffix);
}

/* unlinks the links in @rel (a LUN or a mapped LUN), then removes it */
static gboolean
lio_remove_lun_dir (const Call *call, const char *rel, GError **error)
{
  g_autoptr(GPtrArray) links = NULL;

  if (!lio_list_kind (call, rel, NODE_LINK, NULL, &links, error))
    return FALSE;
  for (guint i = 0; i < links->len; i++)
    {
      g_autofree char *link_rel = g_build_filename (rel, g_ptr_array_index (links, i), NULL);

      if (!lio_unlink (call, link_rel, error))
        return FALSE;
    }
  return lio_rmdir (call, rel, error);
}

/* a node ACL: its mapped LUNs first, then the ACL */
static gboolean
lio_remove_acl (const Call *call, const char *acl_rel, GError **error)
{
  g_autoptr(GPtrArray) luns = NULL;

  if (seam_kind (call, acl_rel) == NODE_NONE)
    return TRUE;
  if (!lio_list_kind (call, acl_rel, NODE_DIR, "lun_", &luns, error))
    return FALSE;
  for (guint i = 0; i < luns->len; i++)
    {
      g_autofree char *lun_rel = g_build_filename (acl_rel, g_ptr_array_index (luns, i), NULL);

      if (!lio_remove_lun_dir (call, lun_rel, error))
        return FALSE;
    }
  return lio_rmdir (call, acl_rel, error);
}

/* the backstore named @name under any core/iblock_*, NULL when none */
static gboolean
lio_find_backstore (const Call *call, const char *name, char **out_rel, GError **error)
{
  g_autoptr(GPtrArray) hbas = NULL;

  *out_rel = NULL;
  if (!lio_list_kind (call, "core", NODE_DIR, "iblock_", &hbas, error))
    return FALSE;
  for (guint i = 0; i < hbas->len; i++)
    {
      g_autofree char *rel = g_strdup_printf ("core/%s/%s", (const char *) g_ptr_array_index (hbas, i), name);

      if (seam_kind (call, rel) == NODE_DIR)
        {
          *out_rel = g_steal_pointer (&rel);
          return TRUE;
        }
    }
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* names and checks                                                    */

/* iSCSI names as RFC 3720 allows them after stringprep, plus '_' that
 * some initiators use; nothing that could leave the directory */
static gboolean
valid_iscsi_name (const char *name)
{
  gsize len;

  if (name == NULL)
    return FALSE;
  len = strlen (name);
  if (len == 0 || len > MAX_ISCSI_NAME || !g_ascii_isalnum (name[0]))
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr (".:-_", *p) == NULL)
      return FALSE;
  return TRUE;
}

/* CHAP user and secret: what an auth attribute keeps as it was written */
static gboolean
valid_auth_value (const char *value)
{
  gsize len = strlen (value);

  if (len == 0 || len > MAX_AUTH_LEN || g_str_equal (value, "NULL"))
    return FALSE;
  if (g_ascii_isspace (value[0]) || g_ascii_isspace (value[len - 1]))
    return FALSE;
  for (const char *p = value; *p != '\0'; p++)
    if (g_ascii_iscntrl (*p))
      return FALSE;
  return TRUE;
}

/* the backstore's name: the volume name after the prefix's last ':' */
static char *
backstore_name (const char *iqn)
{
  const char *colon = strrchr (iqn, ':');

  if (colon != NULL && colon[1] != '\0')
    return g_strdup (colon + 1);
  return g_strdup (iqn);
}

static gboolean
check_export (const Call *call, const NovaIscsiExport *export, gboolean need_backing, GError **error)
{
  if (export == NULL || !valid_iscsi_name (export->iqn))
    {
      call_set_error (call, error, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                      "LIO: \"%s\" is not an iSCSI name LIO can take (letters, digits, '.', ':', '-', '_'; "
                      "at most %d characters)", export != NULL && export->iqn != NULL ? export->iqn : "",
                      MAX_ISCSI_NAME);
      return FALSE;
    }
  if (need_backing
      && (export->backing_path == NULL || export->backing_path[0] != '/'
          || strlen (export->backing_path) > MAX_UDEV_PATH || strpbrk (export->backing_path, ",\n") != NULL))
    {
      call_set_error (call, error, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                      "LIO: the backing device of %s must be an absolute path "
                      "without ',' or a newline: \"%s\"",
                      export->iqn, export->backing_path != NULL ? export->backing_path : "");
      return FALSE;
    }
  if (export->chap_user != NULL
      && (!valid_auth_value (export->chap_user) || export->chap_secret == NULL
          || !valid_auth_value (export->chap_secret)))
    {
      call_set_error (call, error, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                      "LIO: the CHAP user and secret of %s must be 1 to %d printable characters, "
                      "not \"NULL\", without leading or trailing blanks", export->iqn, MAX_AUTH_LEN);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_initiator (const Call *call, const char *initiator, GError **error)
{
  if (!valid_iscsi_name (initiator))
    {
      call_set_error (call, error, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                      "LIO: the initiator \"%s\" is not an iSCSI name (iqn.*, eui.* or naa.*)",
                      initiator != NULL ? initiator : "");
      return FALSE;
    }
  return TRUE;
}

/* Whether LIO is there to be configured. *out_loaded FALSE with TRUE
 * returned: configfs is mounted but target_core_mod is not loaded, so
 * there is no export at all. */
static gboolean
check_lio (const Call *call, gboolean *out_loaded, GError **error)
{
  NovaIscsiLio *self = call->self;
  struct statfs fs;

  *out_loaded = FALSE;
  if (self->stand_in == NULL && (statfs (self->root, &fs) != 0 || fs.f_type != CONFIGFS_MAGIC))
    {
      call_set_error (call, error, NOVA_VOLUME_ERROR_FAILED,
                      "LIO is not available: configfs is not mounted at %s (mount -t configfs configfs %s)",
                      self->root, self->root);
      return FALSE;
    }
  *out_loaded = seam_kind (call, "") == NODE_DIR;
  return TRUE;
}

static gboolean
require_lio (const Call *call, GError **error)
{
  gboolean loaded;

  if (!check_lio (call, &loaded, error))
    return FALSE;
  if (!loaded)
    {
      call_set_error (call, error, NOVA_VOLUME_ERROR_FAILED,
                      "LIO is not available: %s does not exist (load target_core_mod and iscsi_target_mod)",
                      call->self->lio_dir);
      return FALSE;
    }
  return TRUE;
}

static char *
portal_name (NovaIscsiLio *self)
{
  if (strchr (self->portal_ip, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", self->portal_ip, self->portal_port);
  return g_strdup_printf ("%s:%u", self->portal_ip, self->portal_port);
}

static gboolean
check_portal (const Call *call, GError **error)
{
  NovaIscsiLio *self = call->self;
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (self->portal_ip);

  if (address == NULL || self->portal_port == 0 || self->portal_port > 65535)
    {
      call_set_error (call, error, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                      "LIO: the portal %s:%u is not an IP address and port: "
                      "check iscsi_ip_address and iscsi_port",
                      self->portal_ip, self->portal_port);
      return FALSE;
    }
  return TRUE;
}

/* a T10 unit serial that stays the same for an IQN across reboots (a
 * name-based UUID, version 5 layout), so hosts see the same disk */
static char *
unit_serial (const char *iqn)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA1);
  guint8 d[20];
  gsize len = sizeof d;

  g_checksum_update (sum, (const guchar *) "nova-volume LIO unit serial\n", -1);
  g_checksum_update (sum, (const guchar *) iqn, -1);
  g_checksum_get_digest (sum, d, &len);
  d[6] = (guint8) ((d[6] & 0x0f) | 0x50);
  d[8] = (guint8) ((d[8] & 0x3f) | 0x80);
  return g_strdup_printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                          d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11],
                          d[12], d[13], d[14], d[15]);
}

/* "T10 VPD Unit Serial Number: <serial>" -> "<serial>" */
static const char *
parse_unit_serial (const char *text)
{
  const char *colon = strchr (text, ':');

  if (colon == NULL)
    return text;
  colon++;
  while (*colon == ' ')
    colon++;
  return colon;
}

/* ------------------------------------------------------------------ */
/* the interface                                                       */

static guint
lio_get_lun (NovaIscsiTarget *target)
{
  return NOVA_ISCSI_LIO_LUN;
}

/* the backstore, made and enabled if needed; *out_rel its path */
static gboolean
ensure_backstore (const Call *call, const NovaIscsiExport *export, const char *name, char **out_rel,
                  GError **error)
{
  g_autofree char *rel = NULL;
  g_autofree char *enable_rel = NULL;
  g_autofree char *enabled = NULL;
  g_autofree char *udev_rel = NULL;

  if (!lio_find_backstore (call, name, &rel, error))
    return FALSE;
  if (rel == NULL)
    {
      g_autofree char *hba = g_strdup_printf ("core/iblock_%u", export->tid);

      rel = g_strdup_printf ("%s/%s", hba, name);
      if (!lio_mkdir (call, hba, error) || !lio_mkdir (call, rel, error))
        return FALSE;
    }

  enable_rel = g_strdup_printf ("%s/enable", rel);
  udev_rel = g_strdup_printf ("%s/udev_path", rel);
  if (!lio_read (call, enable_rel, &enabled, error))
    return FALSE;
  if (!g_str_equal (enabled, "1"))
    {
      /* as rtslib: udev_path (what is shown and saved), the device for
       * iblock to open (control is write-only), then enable, which opens
       * it; the kernel refuses both writes once it is enabled */
      g_autofree char *control_rel = g_strdup_printf ("%s/control", rel);
      g_autofree char *control = g_strdup_printf ("udev_path=%s", export->backing_path);

      if (!lio_set_attr (call, udev_rel, export->backing_path, error)
          || !lio_write (call, control_rel, control, error)
          || !lio_write (call, enable_rel, "1", error))
        return FALSE;
    }
  else
    {
      g_autofree char *udev_path = NULL;

      if (!lio_read (call, udev_rel, &udev_path, error))
        return FALSE;
      if (udev_path[0] != '\0' && !g_str_equal (udev_path, export->backing_path))
        {
          call_set_error (call, error, NOVA_VOLUME_ERROR_ALREADY_EXISTS,
                          "LIO: the backstore %s/%s exists for %s, not %s: "
                          "remove it (targetcli) or rename the volume",
                          call->self->lio_dir, rel, udev_path, export->backing_path);
          return FALSE;
        }
    }
  *out_rel = g_steal_pointer (&rel);
  return TRUE;
}

static gboolean
lio_ensure_export (NovaIscsiTarget *target, const NovaIscsiExport *export, GError **error)
{
  NovaIscsiLio *self = NOVA_ISCSI_LIO (target);
  Call call;
  g_autofree char *name = NULL;
  g_autofree char *backstore = NULL;
  g_autofree char *target_rel = NULL;
  g_autofree char *tpg = NULL;
  g_autofree char *lun = NULL;
  g_autofree char *linked = NULL;
  g_autofree char *portal = NULL;
  g_autofree char *np = NULL;
  g_autofree char *enable = NULL;

  call_init (&call, self, export);
  if (!check_export (&call, export, TRUE, error) || !check_portal (&call, error)
      || !require_lio (&call, error))
    return FALSE;
  name = backstore_name (export->iqn);
  target_rel = g_strdup_printf ("iscsi/%s", export->iqn);
  tpg = g_strdup_printf ("%s/tpgt_%d", target_rel, NOVA_ISCSI_LIO_TPGT);
  lun = g_strdup_printf ("%s/lun/lun_%d", tpg, NOVA_ISCSI_LIO_LUN);

  /* mkdir iscsi is what loads iscsi_target_mod, as rtslib does it */
  if (!lio_mkdir (&call, "iscsi", error) || !ensure_backstore (&call, export, name, &backstore, error))
    return FALSE;
  if (!lio_find_link (&call, lun, &linked, error))
    return FALSE;

  /* the unit serial can change only while no LUN links the backstore */
  if (linked == NULL)
    {
      g_autofree char *serial_rel = g_strdup_printf ("%s/wwn/vpd_unit_serial", backstore);
      g_autofree char *current = NULL;
      g_autofree char *wanted = unit_serial (export->iqn);

      if (!lio_read (&call, serial_rel, &current, error))
        return FALSE;
      if (!g_str_equal (parse_unit_serial (current), wanted) && !lio_write (&call, serial_rel, wanted, error))
        return FALSE;
    }

  if (!lio_mkdir (&call, target_rel, error) || !lio_mkdir (&call, tpg, error))
    return FALSE;

  /* before anything can log in: CHAP required (when the export has it)
   * and only initiators with a node ACL, read-only for anyone else */
  {
    const NovaLioAttr settings[] = {
      { "attrib/authentication", export->chap_user != NULL ? "1" : "0" },
      { "attrib/generate_node_acls", "0" },
      { "attrib/demo_mode_write_protect", "1" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS (settings); i++)
      {
        g_autofree char *rel = g_strdup_printf ("%s/%s", tpg, settings[i].name);

        if (!lio_set_attr (&call, rel, settings[i].value, error))
          return FALSE;
      }
  }

  if (!lio_mkdir (&call, lun, error))
    return FALSE;
  if (linked == NULL)
    {
      g_autofree char *link_rel = g_strdup_printf ("%s/%s", lun, name);
      int rc = seam_symlink (&call, link_rel, backstore);

      if (rc != 0)
        {
          set_errno_error (&call, error, "symlink", link_rel, rc);
          return FALSE;
        }
    }
  else if (!link_points_to (linked, backstore))
    {
      call_set_error (&call, error, NOVA_VOLUME_ERROR_ALREADY_EXISTS,
                      "LIO: LUN %d of %s is linked to %s, not to %s/%s: "
                      "remove the target (targetcli) and try again",
                      NOVA_ISCSI_LIO_LUN, export->iqn, linked, self->lio_dir, backstore);
      return FALSE;
    }

  portal = portal_name (self);
  np = g_strdup_printf ("%s/np/%s", tpg, portal);
  enable = g_strdup_printf ("%s/enable", tpg);
  return lio_mkdir (&call, np, error) && lio_set_attr (&call, enable, "1", error);
}

static gboolean
lio_remove_export (NovaIscsiTarget *target, const NovaIscsiExport *export, GError **error)
{
  NovaIscsiLio *self = NOVA_ISCSI_LIO (target);
  Call call;
  gboolean loaded;
  g_autofree char *name = NULL;
  g_autofree char *target_rel = NULL;
  g_autofree char *backstore = NULL;
  g_autoptr(GPtrArray) tpgs = NULL;

  call_init (&call, self, export);
  if (!check_export (&call, export, FALSE, error) || !check_lio (&call, &loaded, error))
    return FALSE;
  /* no LIO loaded, no export left */
  if (!loaded)
    return TRUE;
  name = backstore_name (export->iqn);
  target_rel = g_strdup_printf ("iscsi/%s", export->iqn);

  /* as the kernel needs it: each portal group disabled (which ends its
   * sessions), its ACLs with their mapped LUNs, its LUN links and LUNs,
   * its portals, the group; then the target, then the backstore */
  if (!lio_list_kind (&call, target_rel, NODE_DIR, "tpgt_", &tpgs, error))
    return FALSE;
  for (guint i = 0; i < tpgs->len; i++)
    {
      g_autofree char *tpg = g_build_filename (target_rel, g_ptr_array_index (tpgs, i), NULL);
      g_autofree char *enable_rel = g_strdup_printf ("%s/enable", tpg);
      g_autofree char *enabled = NULL;
      g_autofree char *acls_rel = g_strdup_printf ("%s/acls", tpg);
      g_autofree char *luns_rel = g_strdup_printf ("%s/lun", tpg);
      g_autofree char *nps_rel = g_strdup_printf ("%s/np", tpg);
      g_autoptr(GPtrArray) acls = NULL;
      g_autoptr(GPtrArray) luns = NULL;
      g_autoptr(GPtrArray) nps = NULL;

      if (seam_read (&call, enable_rel, &enabled) == 0 && g_str_equal (enabled, "1")
          && !lio_write (&call, enable_rel, "0", error))
        return FALSE;

      if (!lio_list_kind (&call, acls_rel, NODE_DIR, NULL, &acls, error))
        return FALSE;
      for (guint j = 0; j < acls->len; j++)
        {
          g_autofree char *acl = g_build_filename (acls_rel, g_ptr_array_index (acls, j), NULL);

          if (!lio_remove_acl (&call, acl, error))
            return FALSE;
        }

      if (!lio_list_kind (&call, luns_rel, NODE_DIR, "lun_", &luns, error))
        return FALSE;
      for (guint j = 0; j < luns->len; j++)
        {
          g_autofree char *lun = g_build_filename (luns_rel, g_ptr_array_index (luns, j), NULL);

          if (!lio_remove_lun_dir (&call, lun, error))
            return FALSE;
        }

      if (!lio_list_kind (&call, nps_rel, NODE_DIR, NULL, &nps, error))
        return FALSE;
      for (guint j = 0; j < nps->len; j++)
        {
          g_autofree char *np = g_build_filename (nps_rel, g_ptr_array_index (nps, j), NULL);

          if (!lio_rmdir (&call, np, error))
            return FALSE;
        }

      if (!lio_rmdir (&call, tpg, error))
        return FALSE;
    }
  if (!lio_rmdir (&call, target_rel, error))
    return FALSE;

  if (!lio_find_backstore (&call, name, &backstore, error))
    return FALSE;
  if (backstore != NULL)
    {
      g_autofree char *udev_rel = g_strdup_printf ("%s/udev_path", backstore);
      g_autofree char *udev_path = NULL;
      g_autofree char *hba = g_path_get_dirname (backstore);
      g_autoptr(GPtrArray) others = NULL;

      /* a backstore of the same name for another device is not ours */
      if (export->backing_path != NULL && seam_read (&call, udev_rel, &udev_path) == 0
          && udev_path[0] != '\0' && !g_str_equal (udev_path, export->backing_path))
        {
          g_debug ("LIO: leaving %s: it is for %s, not %s", backstore, udev_path, export->backing_path);
          return TRUE;
        }
      if (!lio_rmdir (&call, backstore, error))
        return FALSE;
      /* one HBA per backstore, as rtslib keeps them; one that holds
       * another backstore stays */
      if (!lio_list_kind (&call, hba, NODE_DIR, NULL, &others, error))
        return FALSE;
      if (others->len == 0 && !lio_rmdir (&call, hba, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
lio_allow_initiator (NovaIscsiTarget *target, const NovaIscsiExport *export, const char *initiator,
                     GError **error)
{
  NovaIscsiLio *self = NOVA_ISCSI_LIO (target);
  Call call;
  g_autofree char *tpg = NULL;
  g_autofree char *acl = NULL;
  g_autofree char *mapped = NULL;
  g_autofree char *lun = NULL;
  g_autofree char *linked = NULL;

  call_init (&call, self, export);
  if (!check_export (&call, export, FALSE, error) || !check_initiator (&call, initiator, error)
      || !require_lio (&call, error))
    return FALSE;
  tpg = g_strdup_printf ("iscsi/%s/tpgt_%d", export->iqn, NOVA_ISCSI_LIO_TPGT);
  lun = g_strdup_printf ("%s/lun/lun_%d", tpg, NOVA_ISCSI_LIO_LUN);
  acl = g_strdup_printf ("%s/acls/%s", tpg, initiator);
  mapped = g_strdup_printf ("%s/lun_%d", acl, NOVA_ISCSI_LIO_LUN);

  if (seam_kind (&call, lun) != NODE_DIR)
    {
      call_set_error (&call, error, NOVA_VOLUME_ERROR_FAILED,
                      "LIO: there is no target %s with LUN %d to allow %s on: the export is missing "
                      "(restart nova-volumed to restore its exports)",
                      export->iqn, NOVA_ISCSI_LIO_LUN, initiator);
      return FALSE;
    }

  /* the ACL, its CHAP account, and only then its LUN: an initiator that
   * logs in between the steps is refused or sees no disk */
  if (!lio_mkdir (&call, acl, error))
    return FALSE;
  if (export->chap_user != NULL)
    {
      g_autofree char *userid = g_strdup_printf ("%s/auth/userid", acl);
      g_autofree char *password = g_strdup_printf ("%s/auth/password", acl);

      if (!lio_set_attr (&call, userid, export->chap_user, error)
          || !lio_set_attr (&call, password, export->chap_secret, error))
        return FALSE;
    }
  if (!lio_mkdir (&call, mapped, error) || !lio_find_link (&call, mapped, &linked, error))
    return FALSE;
  if (linked == NULL)
    {
      g_autofree char *link_rel = g_strdup_printf ("%s/%s", mapped, MAPPED_LUN_LINK);
      int rc = seam_symlink (&call, link_rel, lun);

      if (rc != 0)
        {
          set_errno_error (&call, error, "symlink", link_rel, rc);
          return FALSE;
        }
    }
  return TRUE;
}

/* the initiator's mapped LUN write-protected, or not: LIO refuses its
 * writes (DATA PROTECT) while the other initiators of the LUN write */
static gboolean
lio_set_read_only (NovaIscsiTarget *target, const NovaIscsiExport *export, const char *initiator,
                   gboolean read_only, GError **error)
{
  NovaIscsiLio *self = NOVA_ISCSI_LIO (target);
  Call call;
  g_autofree char *mapped = NULL;
  g_autofree char *attribute = NULL;

  call_init (&call, self, export);
  if (!check_export (&call, export, FALSE, error) || !check_initiator (&call, initiator, error)
      || !require_lio (&call, error))
    return FALSE;
  mapped = g_strdup_printf ("iscsi/%s/tpgt_%d/acls/%s/lun_%d", export->iqn, NOVA_ISCSI_LIO_TPGT, initiator,
                            NOVA_ISCSI_LIO_LUN);
  if (seam_kind (&call, mapped) != NODE_DIR)
    {
      call_set_error (&call, error, NOVA_VOLUME_ERROR_FAILED,
                      "LIO: %s is not allowed on target %s: no mapped LUN to make %s", initiator, export->iqn,
                      read_only ? "read-only" : "writable");
      return FALSE;
    }
  /* the link exists: LIO applies write_protect to a mapped LUN in use */
  attribute = g_strdup_printf ("%s/write_protect", mapped);
  return lio_set_attr (&call, attribute, read_only ? "1" : "0", error);
}

static gboolean
lio_deny_initiator (NovaIscsiTarget *target, const NovaIscsiExport *export, const char *initiator,
                    GError **error)
{
  NovaIscsiLio *self = NOVA_ISCSI_LIO (target);
  Call call;
  gboolean loaded;
  g_autofree char *acl = NULL;

  call_init (&call, self, export);
  if (!check_export (&call, export, FALSE, error) || !check_initiator (&call, initiator, error)
      || !check_lio (&call, &loaded, error))
    return FALSE;
  if (!loaded)
    return TRUE;
  acl = g_strdup_printf ("iscsi/%s/tpgt_%d/acls/%s", export->iqn, NOVA_ISCSI_LIO_TPGT, initiator);
  return lio_remove_acl (&call, acl, error);
}

static gboolean
lio_export_exists (NovaIscsiTarget *target, const NovaIscsiExport *export, gboolean *out_exists,
                   GError **error)
{
  NovaIscsiLio *self = NOVA_ISCSI_LIO (target);
  Call call;
  g_autofree char *name = NULL;
  g_autofree char *backstore = NULL;
  g_autofree char *tpg = NULL;
  g_autofree char *lun = NULL;
  g_autofree char *linked = NULL;
  g_autofree char *portal = NULL;
  g_autofree char *np = NULL;
  g_autofree char *enable_rel = NULL;
  g_autofree char *enabled = NULL;
  g_autofree char *so_enable_rel = NULL;
  g_autofree char *so_enabled = NULL;

  call_init (&call, self, export);
  *out_exists = FALSE;
  if (!check_export (&call, export, FALSE, error) || !require_lio (&call, error))
    return FALSE;
  name = backstore_name (export->iqn);
  tpg = g_strdup_printf ("iscsi/%s/tpgt_%d", export->iqn, NOVA_ISCSI_LIO_TPGT);
  lun = g_strdup_printf ("%s/lun/lun_%d", tpg, NOVA_ISCSI_LIO_LUN);
  portal = portal_name (self);
  np = g_strdup_printf ("%s/np/%s", tpg, portal);
  enable_rel = g_strdup_printf ("%s/enable", tpg);

  if (!lio_find_backstore (&call, name, &backstore, error) || !lio_find_link (&call, lun, &linked, error))
    return FALSE;
  if (backstore == NULL || linked == NULL || !link_points_to (linked, backstore)
      || seam_kind (&call, np) != NODE_DIR)
    return TRUE;
  if (seam_read (&call, enable_rel, &enabled) != 0 || !g_str_equal (enabled, "1"))
    return TRUE;
  so_enable_rel = g_strdup_printf ("%s/enable", backstore);
  if (seam_read (&call, so_enable_rel, &so_enabled) != 0 || !g_str_equal (so_enabled, "1"))
    return TRUE;
  *out_exists = TRUE;
  return TRUE;
}

static void
nova_iscsi_lio_target_iface_init (NovaIscsiTargetInterface *iface)
{
  iface->get_lun = lio_get_lun;
  iface->ensure_export = lio_ensure_export;
  iface->remove_export = lio_remove_export;
  iface->allow_initiator = lio_allow_initiator;
  iface->deny_initiator = lio_deny_initiator;
  iface->export_exists = lio_export_exists;
  iface->set_read_only = lio_set_read_only;
}

/* ------------------------------------------------------------------ */

static void
nova_iscsi_lio_finalize (GObject *object)
{
  NovaIscsiLio *self = NOVA_ISCSI_LIO (object);

  g_free (self->root);
  g_free (self->lio_dir);
  g_free (self->portal_ip);
  g_ptr_array_unref (self->operations);
  g_free (self->log_path);
  g_hash_table_unref (self->injected);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (nova_iscsi_lio_parent_class)->finalize (object);
}

static void
nova_iscsi_lio_class_init (NovaIscsiLioClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = nova_iscsi_lio_finalize;
}

static void
nova_iscsi_lio_init (NovaIscsiLio *self)
{
  g_mutex_init (&self->lock);
  self->operations = g_ptr_array_new_with_free_func (g_free);
  self->injected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

NovaIscsiLio *
nova_iscsi_lio_new (const char *configfs_root, const char *portal_ip, guint portal_port)
{
  NovaIscsiLio *self;

  g_return_val_if_fail (configfs_root != NULL, NULL);
  g_return_val_if_fail (portal_ip != NULL, NULL);

  self = g_object_new (NOVA_TYPE_ISCSI_LIO, NULL);
  self->root = g_strdup (configfs_root);
  self->lio_dir = g_build_filename (configfs_root, "target", NULL);
  self->portal_ip = g_strdup (portal_ip);
  self->portal_port = portal_port;
  return self;
}

void
nova_iscsi_lio_set_stand_in (NovaIscsiLio *self, const NovaLioStandIn *stand_in)
{
  g_return_if_fail (NOVA_IS_ISCSI_LIO (self));
  self->stand_in = stand_in;
}

void
nova_iscsi_lio_set_recording (NovaIscsiLio *self, gboolean recording)
{
  g_return_if_fail (NOVA_IS_ISCSI_LIO (self));
  g_mutex_lock (&self->lock);
  self->recording = recording;
  g_mutex_unlock (&self->lock);
}

GStrv
nova_iscsi_lio_get_operations (NovaIscsiLio *self)
{
  GStrv lines;

  g_return_val_if_fail (NOVA_IS_ISCSI_LIO (self), NULL);
  g_mutex_lock (&self->lock);
  lines = g_new0 (char *, self->operations->len + 1);
  for (guint i = 0; i < self->operations->len; i++)
    lines[i] = g_strdup (g_ptr_array_index (self->operations, i));
  g_mutex_unlock (&self->lock);
  return lines;
}

void
nova_iscsi_lio_clear_operations (NovaIscsiLio *self)
{
  g_return_if_fail (NOVA_IS_ISCSI_LIO (self));
  g_mutex_lock (&self->lock);
  g_ptr_array_set_size (self->operations, 0);
  g_mutex_unlock (&self->lock);
}

void
nova_iscsi_lio_set_log_path (NovaIscsiLio *self, const char *path)
{
  g_return_if_fail (NOVA_IS_ISCSI_LIO (self));
  g_mutex_lock (&self->lock);
  g_free (self->log_path);
  self->log_path = g_strdup (path);
  g_mutex_unlock (&self->lock);
}

void
nova_iscsi_lio_inject_error (NovaIscsiLio *self, const char *access, int errnum)
{
  g_return_if_fail (NOVA_IS_ISCSI_LIO (self));
  g_return_if_fail (access != NULL && errnum > 0);
  g_mutex_lock (&self->lock);
  g_hash_table_insert (self->injected, g_strdup (access), GINT_TO_POINTER (errnum));
  g_mutex_unlock (&self->lock);
}
