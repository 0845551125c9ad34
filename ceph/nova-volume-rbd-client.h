/* nova-volume: the rbd driver's one connection to a Ceph cluster, shared
 * by the worker threads. librados is thread-safe, so calls run on it at
 * the same time; only making (or replacing) the connection is serialized.
 * Every wait is bounded by rados_connect_timeout: connecting
 * (client_mount_timeout), monitor commands (rados_mon_op_timeout) and
 * object operations (rados_osd_op_timeout), so a cluster that is gone
 * makes calls fail with a message instead of hanging. */
#pragma once

#include <gio/gio.h>
#include <rados/librados.h>

G_BEGIN_DECLS

typedef struct _NovaRbdClient NovaRbdClient;
typedef struct _NovaRbdConnection NovaRbdConnection;

/* Where and who: nothing is connected yet. @user is the cephx id without
 * "client." (empty: librados' default, admin). */
NovaRbdClient *nova_rbd_client_new  (const char *conf_path,
                                     const char *user,
                                     const char *cluster_name,
                                     guint       timeout_seconds);
void           nova_rbd_client_free (NovaRbdClient *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NovaRbdClient, nova_rbd_client_free)

/* How many times it tried to connect so far (calls that waited while an
 * attempt failed share that failure): for tests and debug logs. */
guint nova_rbd_client_get_connect_attempts (NovaRbdClient *client);

/* check_for_setup_error: the conf file, a keyring when cephx is on, a
 * monitor that answers, and @pool; the error says which is missing. */
gboolean nova_rbd_client_check (NovaRbdClient *client, const char *pool, GError **error);

/* A pool of the cluster, connecting first when no connection is up. The
 * handle keeps its connection alive until nova_rbd_pool_free, even when
 * another thread replaces it meanwhile. */
typedef struct {
  NovaRbdClient     *client;
  NovaRbdConnection *connection;
  rados_ioctx_t      ioctx;
  char              *name;
} NovaRbdPool;

NovaRbdPool *nova_rbd_client_open_pool (NovaRbdClient *client, const char *pool, GError **error);
void         nova_rbd_pool_free        (NovaRbdPool *pool);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NovaRbdPool, nova_rbd_pool_free)

rados_t nova_rbd_pool_cluster (NovaRbdPool *pool);

/* Sets @error from the negative errno @r of a librados/librbd call on
 * @pool, "<what>: <reason>", with the code that fits it (ENOENT NotFound,
 * EBUSY Busy, ENOSPC NoSpace, ...). A timeout also drops the connection,
 * so the next call connects anew and says whether the cluster is back.
 * Returns FALSE. */
gboolean nova_rbd_pool_fail (NovaRbdPool *pool, int r, GError **error,
                             const char *format, ...) G_GNUC_PRINTF (4, 5);

/* The JSON a monitor command answers ("mon dump", "df"), NULL with
 * @error set when it failed. */
char *nova_rbd_pool_mon_command (NovaRbdPool *pool, const char *prefix, GError **error);

/* For the connection_info: the cephx user name hypervisors use ("" when
 * rbd_user is empty) and the cluster name. */
const char *nova_rbd_client_get_user (NovaRbdClient *client);

G_END_DECLS
