/* nova-volume: the tree of LIO's configfs as the lioadm helper and its
 * plain-directory stand-in both see it: what kind of directory a path
 * below <configfs>/target is, and an attribute read or written whole. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  NOVA_LIO_KIND_UNKNOWN,
  NOVA_LIO_KIND_HBA,        /* core/iblock_N */
  NOVA_LIO_KIND_BACKSTORE,  /* core/iblock_N/<name> */
  NOVA_LIO_KIND_FABRIC,     /* iscsi */
  NOVA_LIO_KIND_TARGET,     /* iscsi/<iqn> */
  NOVA_LIO_KIND_TPG,        /* iscsi/<iqn>/tpgt_N */
  NOVA_LIO_KIND_LUN,        /* .../tpgt_N/lun/lun_N */
  NOVA_LIO_KIND_PORTAL,     /* .../tpgt_N/np/<ip>:<port> */
  NOVA_LIO_KIND_ACL,        /* .../tpgt_N/acls/<initiator> */
  NOVA_LIO_KIND_MAPPED_LUN, /* .../acls/<initiator>/lun_N */
} NovaLioDirKind;

/* an attribute (relative to its directory) and a value for it */
typedef struct {
  const char *name;
  const char *value;
} NovaLioAttr;

/* @rel: relative to <configfs>/target */
NovaLioDirKind nova_lio_classify (const char *rel);

/* One write(2) of @value (configfs hands each write to the attribute's
 * store), one read of the whole attribute (stripped); 0 or an errno. */
int nova_lio_write_whole (const char *path, const char *value, int flags);
int nova_lio_read_whole  (const char *path, char **out_value);

G_END_DECLS
