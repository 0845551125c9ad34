/* nova-volume: a disk image handed over as a descriptor, inspected before
 * anything reads it as its format (see the header) */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "nova-volume-error.h"
#include "nova-volume-image.h"
#include "nova-volume-size.h"

static const char *const format_names[NOVA_VOLUME_IMAGE_N_FORMATS] = {
  "raw", "qcow2", "vmdk", "vhdx", "vpc",
};

/* what the header of each format starts with */
#define QCOW_MAGIC     "QFI\xfb"
#define VMDK_MAGIC     "KDMV"
#define VMDK3_MAGIC    "COWD"
#define VMDK_DESC      "# Disk DescriptorFile"
#define VHDX_MAGIC     "vhdxfile"
#define VPC_MAGIC      "conectix"

/* qcow2 header extension types that name or need something outside */
#define QCOW2_EXT_END       0x00000000u
#define QCOW2_EXT_DATA_FILE 0x44415441u
#define QCOW2_EXT_CRYPTO    0x0537be77u
/* incompatible feature bits */
#define QCOW2_INCOMPAT_CORRUPT   (G_GUINT64_CONSTANT (1) << 1)
#define QCOW2_INCOMPAT_DATA_FILE (G_GUINT64_CONSTANT (1) << 2)

/* the limits OpenStack runs qemu-img info under since OSSA-2015-014: a
 * crafted image must not make it eat the host's memory or CPU */
#define LIMIT_ADDRESS_SPACE "--as=1073741824"
#define LIMIT_CPU_SECONDS   "--cpu=30"

const char *
nova_volume_image_format_to_string (NovaVolumeImageFormat format)
{
  g_return_val_if_fail (format < NOVA_VOLUME_IMAGE_N_FORMATS, NULL);
  return format_names[format];
}

gboolean
nova_volume_image_format_from_string (const char *name, NovaVolumeImageFormat *out_format)
{
  for (guint i = 0; i < NOVA_VOLUME_IMAGE_N_FORMATS; i++)
    if (g_strcmp0 (name, format_names[i]) == 0)
      {
        *out_format = i;
        return TRUE;
      }
  return FALSE;
}

const char *const *
nova_volume_image_limits_argv (void)
{
  static const char *const argv[] = { "prlimit", LIMIT_ADDRESS_SPACE, LIMIT_CPU_SECONDS, "--", NULL };

  return argv;
}

static gboolean
refuse (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
refuse (GError **error, const char *format, ...)
{
  va_list args;
  g_autofree char *why = NULL;

  va_start (args, format);
  why = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT, "the image %s", why);
  return FALSE;
}

/* @len bytes at @offset, or fewer at the end of the image: the count */
static gssize
read_at (int fd, void *buf, gsize len, guint64 offset, GError **error)
{
  gsize done = 0;

  while (done < len)
    {
      gssize n = pread (fd, (char *) buf + done, len - done, (off_t) (offset + done));

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                       "cannot read the image: %s", g_strerror (saved));
          return -1;
        }
      if (n == 0)
        break;
      done += (gsize) n;
    }
  return (gssize) done;
}

static guint32
be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static guint64
be64 (const guint8 *p)
{
  return ((guint64) be32 (p) << 32) | be32 (p + 4);
}

static guint64
le64 (const guint8 *p)
{
  guint64 v = 0;

  for (int i = 7; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

/* the size of what @fd reads: a file's length, a block device's size */
static gboolean
image_length (int fd, guint64 *out_length, GError **error)
{
  struct stat st;
  off_t end;

  if (fstat (fd, &st) != 0 || !(S_ISREG (st.st_mode) || S_ISBLK (st.st_mode)))
    {
      g_set_error_literal (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                           "the image must be a regular file or a block device opened for reading "
                           "(a pipe or socket cannot be inspected)");
      return FALSE;
    }
  end = lseek (fd, 0, SEEK_END);
  if (end < 0)
    {
      int saved = errno;

      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "cannot find the image's size: %s", g_strerror (saved));
      return FALSE;
    }
  *out_length = (guint64) end;
  return TRUE;
}

gboolean
nova_volume_image_sniff (int fd, NovaVolumeImageFormat *out_format, GError **error)
{
  guint8 head[512] = { 0 };
  guint8 tail[512] = { 0 };
  guint64 length = 0;
  gssize n;

  if (!image_length (fd, &length, error) || (n = read_at (fd, head, sizeof head, 0, error)) < 0)
    return FALSE;
  *out_format = NOVA_VOLUME_IMAGE_RAW;
  if (memcmp (head, QCOW_MAGIC, 4) == 0)
    *out_format = NOVA_VOLUME_IMAGE_QCOW2;
  else if (memcmp (head, VMDK_MAGIC, 4) == 0 || memcmp (head, VMDK3_MAGIC, 4) == 0
           || memcmp (head, VMDK_DESC, strlen (VMDK_DESC)) == 0)
    *out_format = NOVA_VOLUME_IMAGE_VMDK;
  else if (memcmp (head, VHDX_MAGIC, 8) == 0)
    *out_format = NOVA_VOLUME_IMAGE_VHDX;
  else if (memcmp (head, VPC_MAGIC, 8) == 0)
    *out_format = NOVA_VOLUME_IMAGE_VPC;
  /* a fixed VHD is its data with a footer at the end */
  else if (length >= sizeof tail && read_at (fd, tail, sizeof tail, length - sizeof tail, NULL) == sizeof tail
           && memcmp (tail, VPC_MAGIC, 8) == 0)
    *out_format = NOVA_VOLUME_IMAGE_VPC;
  return TRUE;
}

/* qcow2: no backing file, no external data file, not encrypted, not
 * marked corrupt; what qemu would open besides the image is in its header
 * and its header extensions, read here before qemu ever sees it */
static gboolean
check_qcow2_header (int fd, GError **error)
{
  guint8 header[104] = { 0 };
  guint32 version, cluster_bits, header_length = 72;
  guint64 offset, incompatible = 0;
  gssize n = read_at (fd, header, sizeof header, 0, error);

  if (n < 0)
    return FALSE;
  if (n < 72)
    return refuse (error, "is truncated: its qcow2 header is %zd bytes", n);
  version = be32 (header + 4);
  if (version != 2 && version != 3)
    return refuse (error, "is qcow version %u; only qcow2 (versions 2 and 3) is taken", version);
  if (be64 (header + 8) != 0)
    return refuse (error, "names a backing file: an image must hold all its data itself");
  if (be32 (header + 32) != 0)
    return refuse (error, "is encrypted");
  cluster_bits = be32 (header + 20);
  if (cluster_bits < 9 || cluster_bits > 21)
    return refuse (error, "is corrupt: its qcow2 cluster size is 2^%u bytes", cluster_bits);
  if (version == 3)
    {
      if (n < 104)
        return refuse (error, "is truncated: its qcow2 header is %zd bytes", n);
      incompatible = be64 (header + 72);
      header_length = be32 (header + 100);
      if (incompatible & QCOW2_INCOMPAT_DATA_FILE)
        return refuse (error, "keeps its data in an external data file: an image must hold all its data itself");
      if (incompatible & QCOW2_INCOMPAT_CORRUPT)
        return refuse (error, "is marked corrupt in its qcow2 header");
      if (header_length < 104 || header_length >= (1u << cluster_bits))
        return refuse (error, "is corrupt: its qcow2 header length is %u", header_length);
    }

  /* the header extensions, up to the end of the first cluster */
  offset = (header_length + 7) & ~(guint64) 7;
  while (offset + 8 <= (1u << cluster_bits))
    {
      guint8 ext[8];
      guint32 type, length;
      gssize got = read_at (fd, ext, sizeof ext, offset, error);

      if (got < 0)
        return FALSE;
      if (got != sizeof ext)
        return refuse (error, "is truncated in its qcow2 header extensions");
      type = be32 (ext);
      length = be32 (ext + 4);
      if (type == QCOW2_EXT_END)
        return TRUE;
      if (type == QCOW2_EXT_DATA_FILE)
        return refuse (error, "names an external data file: an image must hold all its data itself");
      if (type == QCOW2_EXT_CRYPTO)
        return refuse (error, "is encrypted");
      offset += 8 + (((guint64) length + 7) & ~(guint64) 7);
    }
  return refuse (error, "is corrupt: its qcow2 header extensions do not end in the first cluster");
}

/* vmdk: one file only. A text descriptor names its extents in other files
 * (OSSA-2023-002); a sparse file carries a descriptor too, which must be
 * of a single-file type with at most one extent (itself) and no parent. */
static gboolean
check_vmdk_header (int fd, GError **error)
{
  guint8 header[64] = { 0 };
  guint64 desc_offset, desc_size;
  g_autofree char *desc = NULL;
  g_auto(GStrv) lines = NULL;
  gssize n = read_at (fd, header, sizeof header, 0, error);
  guint n_extents = 0;
  gboolean single_file_type = FALSE;

  if (n < 0)
    return FALSE;
  if (memcmp (header, VMDK_DESC, MIN ((gsize) n, strlen (VMDK_DESC))) == 0 || memcmp (header, VMDK3_MAGIC, 4) == 0)
    return refuse (error, "is a VMDK descriptor or a VMware 3 disk, whose data is in other files: "
                          "convert it to a single-file (monolithicSparse or streamOptimized) VMDK");
  if (n < 44)
    return refuse (error, "is truncated: its VMDK header is %zd bytes", n);
  desc_offset = le64 (header + 28);
  desc_size = le64 (header + 36);
  if (desc_offset == 0 || desc_size == 0)
    return TRUE;
  if (desc_size > 2048)
    return refuse (error, "is corrupt: its VMDK descriptor is %" G_GUINT64_FORMAT " sectors", desc_size);
  desc = g_malloc0 (desc_size * 512 + 1);
  n = read_at (fd, desc, desc_size * 512, desc_offset * 512, error);
  if (n < 0)
    return FALSE;
  lines = g_strsplit (desc, "\n", -1);
  for (gsize i = 0; lines[i] != NULL; i++)
    {
      const char *line = g_strstrip (lines[i]);

      if (g_str_has_prefix (line, "createType"))
        single_file_type = strstr (line, "\"monolithicSparse\"") != NULL || strstr (line, "\"streamOptimized\"") != NULL;
      else if (g_str_has_prefix (line, "RW ") || g_str_has_prefix (line, "RDONLY ") || g_str_has_prefix (line, "NOACCESS "))
        n_extents++;
      else if (g_str_has_prefix (line, "parentFileNameHint"))
        return refuse (error, "is a VMDK that names a parent disk: an image must hold all its data itself");
    }
  if (!single_file_type)
    return refuse (error, "is a VMDK whose createType is not monolithicSparse or streamOptimized, so its data "
                          "would be in other files");
  if (n_extents > 1)
    return refuse (error, "is a VMDK with %u extents: an image must hold all its data itself", n_extents);
  return TRUE;
}

/* the argv of qemu-img @subcommand on the image as the child's fd 3,
 * under the limits */
static GStrv
qemu_img_argv (const char *subcommand, NovaVolumeImageFormat format)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_strv_builder_addv (builder, (const char **) nova_volume_image_limits_argv ());
  g_strv_builder_add_many (builder, "qemu-img", subcommand, "--output=json", "-f",
                           nova_volume_image_format_to_string (format), "/proc/self/fd/3", NULL);
  return g_strv_builder_end (builder);
}

/* the first line of qemu-img's complaint, for a message */
static char *
first_line (const char *text)
{
  g_autofree char *copy = g_strstrip (g_strdup (text != NULL ? text : ""));
  char *newline = strchr (copy, '\n');

  if (newline != NULL)
    *newline = '\0';
  return g_strdup (*copy != '\0' ? copy : "no reason given");
}

/* qemu-img info: it must see the format claimed, one file, no backing
 * file, no data file; *out_virtual_size */
static gboolean
qemu_img_info (NovaVolumeExecutor *executor, int fd, NovaVolumeImageFormat format, GCancellable *cancellable,
               guint64 *out_virtual_size, GError **error)
{
  g_auto(GStrv) argv = qemu_img_argv ("info", format);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  JsonObject *info, *specific = NULL, *data = NULL;
  int status = 0;

  if (!nova_volume_executor_run_long (executor, (const char *const *) argv, &fd, 1, NULL, NULL, cancellable,
                                      &out, &err, &status, error))
    return FALSE;
  if (status != 0)
    {
      g_autofree char *why = first_line (err);

      return refuse (error, "cannot be read as %s: %s", nova_volume_image_format_to_string (format), why);
    }
  if (!json_parser_load_from_data (parser, out, -1, &local_error)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "qemu-img info gave no JSON object: %s", local_error != NULL ? local_error->message : out);
      return FALSE;
    }
  info = json_node_get_object (json_parser_get_root (parser));
  if (g_strcmp0 (json_object_get_string_member_with_default (info, "format", ""),
                 nova_volume_image_format_to_string (format)) != 0)
    return refuse (error, "is %s to qemu-img, not %s", json_object_get_string_member_with_default (info, "format", "?"),
                   nova_volume_image_format_to_string (format));
  if (json_object_has_member (info, "backing-filename") || json_object_has_member (info, "full-backing-filename"))
    return refuse (error, "names a backing file: an image must hold all its data itself");
  if (json_object_get_boolean_member_with_default (info, "encrypted", FALSE))
    return refuse (error, "is encrypted");
  if (json_object_has_member (info, "format-specific"))
    specific = json_object_get_object_member (info, "format-specific");
  if (specific != NULL && json_object_has_member (specific, "data"))
    data = json_object_get_object_member (specific, "data");
  if (data != NULL && json_object_has_member (data, "data-file"))
    return refuse (error, "names an external data file: an image must hold all its data itself");
  if (data != NULL && json_object_has_member (data, "extents")
      && json_array_get_length (json_object_get_array_member (data, "extents")) > 1)
    return refuse (error, "is a VMDK with %u extents: an image must hold all its data itself",
                   json_array_get_length (json_object_get_array_member (data, "extents")));
  if (!json_object_has_member (info, "virtual-size") || json_object_get_int_member (info, "virtual-size") <= 0)
    return refuse (error, "has no virtual size");
  *out_virtual_size = (guint64) json_object_get_int_member (info, "virtual-size");
  return TRUE;
}

/* qemu-img check, for the formats that have it: 0 is clean, 3 leaked
 * clusters only (harmless to read), 2 corruptions, 1 it could not check
 * (a truncated image), 63 the format has no check */
static gboolean
qemu_img_check (NovaVolumeExecutor *executor, int fd, NovaVolumeImageFormat format, GCancellable *cancellable,
                GError **error)
{
  g_auto(GStrv) argv = qemu_img_argv ("check", format);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  if (!nova_volume_executor_run_long (executor, (const char *const *) argv, &fd, 1, NULL, NULL, cancellable,
                                      &out, &err, &status, error))
    return FALSE;
  if (status == 0 || status == 3 || status == 63)
    return TRUE;
  if (status == 2)
    return refuse (error, "is corrupt (qemu-img check found errors in its %s structure)",
                   nova_volume_image_format_to_string (format));
  {
    g_autofree char *why = first_line (err);

    return refuse (error, "cannot be checked as %s: %s", nova_volume_image_format_to_string (format), why);
  }
}

gboolean
nova_volume_image_inspect (NovaVolumeExecutor     *executor,
                           int                     fd,
                           NovaVolumeImageFormat   format,
                           guint64                 max_virtual_size,
                           GCancellable           *cancellable,
                           guint64                *out_virtual_size,
                           GError                **error)
{
  NovaVolumeImageFormat sniffed = NOVA_VOLUME_IMAGE_RAW;
  guint64 virtual_size = 0;

  g_return_val_if_fail (NOVA_VOLUME_IS_EXECUTOR (executor), FALSE);
  g_return_val_if_fail (format < NOVA_VOLUME_IMAGE_N_FORMATS, FALSE);

  if (!nova_volume_image_sniff (fd, &sniffed, error))
    return FALSE;
  /* never probed: the bytes must be what the caller says they are */
  if (sniffed != format)
    return refuse (error, "is %s, not %s as claimed: its header says so",
                   nova_volume_image_format_to_string (sniffed), nova_volume_image_format_to_string (format));
  switch (format)
    {
    case NOVA_VOLUME_IMAGE_RAW:
      /* nothing to read as a format: the disk is the bytes */
      if (!image_length (fd, &virtual_size, error))
        return FALSE;
      break;
    case NOVA_VOLUME_IMAGE_QCOW2:
      if (!check_qcow2_header (fd, error))
        return FALSE;
      break;
    case NOVA_VOLUME_IMAGE_VMDK:
      if (!check_vmdk_header (fd, error))
        return FALSE;
      break;
    case NOVA_VOLUME_IMAGE_VHDX:
    case NOVA_VOLUME_IMAGE_VPC:
    case NOVA_VOLUME_IMAGE_N_FORMATS:
    default:
      break;
    }
  if (format != NOVA_VOLUME_IMAGE_RAW
      && (!qemu_img_info (executor, fd, format, cancellable, &virtual_size, error)
          || (format != NOVA_VOLUME_IMAGE_VPC && !qemu_img_check (executor, fd, format, cancellable, error))))
    return FALSE;
  if (max_virtual_size > 0 && virtual_size > max_virtual_size)
    {
      g_autofree char *size_text = nova_volume_size_format (virtual_size);
      g_autofree char *max_text = nova_volume_size_format (max_virtual_size);

      return refuse (error, "holds a disk of %s, more than image_max_virtual_size allows (%s)", size_text, max_text);
    }
  *out_virtual_size = virtual_size;
  return TRUE;
}
