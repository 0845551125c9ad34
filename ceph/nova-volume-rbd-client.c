/* nova-volume: the rbd driver's connection to a Ceph cluster. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "nova-volume-error.h"
#include "nova-volume-rbd-client.h"

/* one rados_t; the last reference shuts it down */
struct _NovaRbdConnection {
  gint    ref_count;
  rados_t cluster;
};

struct _NovaRbdClient {
  char              *conf_path;
  char              *user;        /* "" for librados' default */
  char              *cluster_name;
  guint              timeout;     /* seconds */

  GMutex             lock;        /* guards what follows; held while connecting */
  NovaRbdConnection *connection;  /* NULL until connected, or after a timeout */
  gint               attempts;    /* connection attempts finished (atomic reads) */
  GError            *last_error;  /* why the last one failed, or NULL */
};

static NovaRbdConnection *
connection_ref (NovaRbdConnection *connection)
{
  g_atomic_int_inc (&connection->ref_count);
  return connection;
}

static void
connection_unref (NovaRbdConnection *connection)
{
  if (!g_atomic_int_dec_and_test (&connection->ref_count))
    return;
  rados_shutdown (connection->cluster);
  g_free (connection);
}

NovaRbdClient *
nova_rbd_client_new (const char *conf_path, const char *user, const char *cluster_name, guint timeout_seconds)
{
  NovaRbdClient *client = g_new0 (NovaRbdClient, 1);

  client->conf_path = g_strdup (conf_path);
  client->user = g_strdup (user);
  client->cluster_name = g_strdup (cluster_name);
  client->timeout = timeout_seconds;
  g_mutex_init (&client->lock);
  return client;
}

void
nova_rbd_client_free (NovaRbdClient *client)
{
  if (client == NULL)
    return;
  g_clear_pointer (&client->connection, connection_unref);
  g_clear_error (&client->last_error);
  g_mutex_clear (&client->lock);
  g_free (client->conf_path);
  g_free (client->user);
  g_free (client->cluster_name);
  g_free (client);
}

guint
nova_rbd_client_get_connect_attempts (NovaRbdClient *client)
{
  return (guint) g_atomic_int_get (&client->attempts);
}

const char *
nova_rbd_client_get_user (NovaRbdClient *client)
{
  return client->user;
}

static char *
entity_name (NovaRbdClient *client)
{
  return g_strconcat ("client.", *client->user != '\0' ? client->user : "admin", NULL);
}

/* a conf value of @cluster, "" when unset or unknown */
static char *
conf_get (rados_t cluster, const char *option)
{
  char buffer[4096];

  if (rados_conf_get (cluster, option, buffer, sizeof buffer) < 0)
    return g_strdup ("");
  return g_strdup (buffer);
}

/* cephx needs a key: from key, keyfile, or one of the keyring files the
 * conf names (librados expands $cluster and $name in them) */
static gboolean
check_keyring (NovaRbdClient *client, rados_t cluster, GError **error)
{
  g_autofree char *auth = conf_get (cluster, "auth_client_required");
  g_autofree char *key = conf_get (cluster, "key");
  g_autofree char *keyfile = conf_get (cluster, "keyfile");
  g_autofree char *keyring = conf_get (cluster, "keyring");
  g_autofree char *name = entity_name (client);
  g_auto(GStrv) paths = NULL;

  if (strstr (auth, "cephx") == NULL || *key != '\0'
      || (*keyfile != '\0' && g_file_test (keyfile, G_FILE_TEST_IS_REGULAR)))
    return TRUE;
  paths = g_strsplit_set (keyring, ",; \t", -1);
  for (gsize i = 0; paths[i] != NULL; i++)
    if (*paths[i] != '\0' && g_file_test (paths[i], G_FILE_TEST_IS_REGULAR))
      return TRUE;
  g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
               "no keyring for %s: cephx is on (%s) and none of the keyring files exists (%s); "
               "put the key of %s in one of them, or name its file with 'keyring =' in %s",
               name, client->conf_path, keyring, name, client->conf_path);
  return FALSE;
}

static gboolean
set_option (rados_t cluster, const char *option, const char *value, GError **error)
{
  int r = rados_conf_set (cluster, option, value);

  if (r < 0)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "librados refused %s = %s: %s", option, value, g_strerror (-r));
      return FALSE;
    }
  return TRUE;
}

/* a new connection: the conf read, the timeouts set, connected */
static NovaRbdConnection *
connect_cluster (NovaRbdClient *client, GError **error)
{
  g_autofree char *name = entity_name (client);
  g_autofree char *timeout = g_strdup_printf ("%u", client->timeout);
  g_autofree char *mon_host = NULL;
  rados_t cluster = NULL;
  int r;

  if (!g_file_test (client->conf_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "no Ceph configuration file %s (rbd_ceph_conf): copy the cluster's ceph.conf there "
                   "or set rbd_ceph_conf", client->conf_path);
      return NULL;
    }
  r = rados_create2 (&cluster, client->cluster_name, name, 0);
  if (r < 0)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "librados cannot make a handle for %s of cluster %s: %s", name, client->cluster_name,
                   g_strerror (-r));
      return NULL;
    }
  r = rados_conf_read_file (cluster, client->conf_path);
  if (r < 0)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "cannot read the Ceph configuration %s (rbd_ceph_conf): %s", client->conf_path,
                   g_strerror (-r));
      rados_shutdown (cluster);
      return NULL;
    }
  /* every wait bounded; librados' own log lines stay out of the daemon's
   * output: the errors below say what went wrong */
  if (!set_option (cluster, "client_mount_timeout", timeout, error)
      || !set_option (cluster, "rados_mon_op_timeout", timeout, error)
      || !set_option (cluster, "rados_osd_op_timeout", timeout, error)
      || !set_option (cluster, "log_to_stderr", "false", error)
      || !set_option (cluster, "err_to_stderr", "false", error)
      || !check_keyring (client, cluster, error))
    {
      rados_shutdown (cluster);
      return NULL;
    }
  mon_host = conf_get (cluster, "mon_host");
  if (*mon_host == '\0')
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "%s names no monitor: add 'mon host = ...' to it", client->conf_path);
      rados_shutdown (cluster);
      return NULL;
    }

  r = rados_connect (cluster);
  if (r < 0)
    {
      if (r == -ETIMEDOUT || r == -ECONNREFUSED)
        g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                     "cannot reach the Ceph cluster: no monitor of %s answered within %u s "
                     "(rados_connect_timeout); is the cluster up and reachable from here?",
                     mon_host, client->timeout);
      else if (r == -EACCES || r == -EPERM)
        g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                     "the Ceph monitors (%s) refused %s: its key in the keyring does not match the "
                     "cluster's (ceph auth get %s)", mon_host, name, name);
      else if (r == -ENOENT)
        g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                     "cannot connect to the Ceph cluster as %s: no key for it was found "
                     "(keyring in %s)", name, client->conf_path);
      else
        g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                     "cannot connect to the Ceph cluster (monitors %s) as %s: %s",
                     mon_host, name, g_strerror (-r));
      rados_shutdown (cluster);
      return NULL;
    }

  {
    NovaRbdConnection *connection = g_new0 (NovaRbdConnection, 1);

    connection->ref_count = 1;
    connection->cluster = cluster;
    return connection;
  }
}

/* the current connection, made first when there is none. One thread
 * connects while the others wait for its result: a thread that waited
 * while an attempt failed takes that failure instead of trying again
 * itself, so no call waits for more than about two timeouts however many
 * are queued behind an unreachable cluster. */
static NovaRbdConnection *
get_connection (NovaRbdClient *client, GError **error)
{
  gint seen = g_atomic_int_get (&client->attempts);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&client->lock);
  g_autoptr(GError) local_error = NULL;

  if (client->connection != NULL)
    return connection_ref (client->connection);
  if (client->attempts != seen && client->last_error != NULL)
    {
      g_propagate_error (error, g_error_copy (client->last_error));
      return NULL;
    }
  client->connection = connect_cluster (client, &local_error);
  g_clear_error (&client->last_error);
  if (client->connection == NULL)
    client->last_error = g_error_copy (local_error);
  g_atomic_int_inc (&client->attempts);
  if (client->connection == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return connection_ref (client->connection);
}

/* drops @connection as the current one (when it still is): the next call
 * connects again */
static void
forget_connection (NovaRbdClient *client, NovaRbdConnection *connection)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&client->lock);

  if (client->connection == connection)
    g_clear_pointer (&client->connection, connection_unref);
}

static NovaVolumeErrorCode
error_code (int r)
{
  switch (-r)
    {
    case ENOENT:
      return NOVA_VOLUME_ERROR_NOT_FOUND;
    case EEXIST:
      return NOVA_VOLUME_ERROR_ALREADY_EXISTS;
    case EBUSY:
    case ENOTEMPTY:
      return NOVA_VOLUME_ERROR_BUSY;
    case ENOSPC:
    case EDQUOT:
      return NOVA_VOLUME_ERROR_NO_SPACE;
    case EINVAL:
    case ERANGE:
      return NOVA_VOLUME_ERROR_INVALID_ARGUMENT;
    case ENOSYS:
    case EOPNOTSUPP:
      return NOVA_VOLUME_ERROR_NOT_SUPPORTED;
    default:
      return NOVA_VOLUME_ERROR_FAILED;
    }
}

static gboolean
is_timeout (int r)
{
  return r == -ETIMEDOUT || r == -ESHUTDOWN || r == -ENOTCONN;
}

gboolean
nova_rbd_pool_fail (NovaRbdPool *pool, int r, GError **error, const char *format, ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  if (is_timeout (r))
    {
      forget_connection (pool->client, pool->connection);
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "%s: the Ceph cluster did not answer within %u s (rados_connect_timeout)",
                   what, pool->client->timeout);
    }
  else
    g_set_error (error, NOVA_VOLUME_ERROR, error_code (r), "%s: %s", what, g_strerror (-r));
  return FALSE;
}

NovaRbdPool *
nova_rbd_client_open_pool (NovaRbdClient *client, const char *name, GError **error)
{
  g_autoptr(NovaRbdPool) pool = g_new0 (NovaRbdPool, 1);
  int r;

  pool->client = client;
  pool->name = g_strdup (name);
  pool->connection = get_connection (client, error);
  if (pool->connection == NULL)
    return NULL;
  r = rados_ioctx_create (pool->connection->cluster, name, &pool->ioctx);
  if (r == -ENOENT)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "the Ceph cluster has no pool '%s' (rbd_pool): create it with "
                   "'ceph osd pool create %s' and 'rbd pool init %s', or set rbd_pool",
                   name, name, name);
      return NULL;
    }
  if (r < 0)
    {
      pool->ioctx = NULL;
      nova_rbd_pool_fail (pool, r, error, "cannot open pool '%s'", name);
      return NULL;
    }
  return g_steal_pointer (&pool);
}

void
nova_rbd_pool_free (NovaRbdPool *pool)
{
  if (pool == NULL)
    return;
  if (pool->ioctx != NULL)
    rados_ioctx_destroy (pool->ioctx);
  if (pool->connection != NULL)
    connection_unref (pool->connection);
  g_free (pool->name);
  g_free (pool);
}

rados_t
nova_rbd_pool_cluster (NovaRbdPool *pool)
{
  return pool->connection->cluster;
}

gboolean
nova_rbd_client_check (NovaRbdClient *client, const char *pool_name, GError **error)
{
  g_autoptr(NovaRbdPool) pool = nova_rbd_client_open_pool (client, pool_name, error);

  return pool != NULL;
}

char *
nova_rbd_pool_mon_command (NovaRbdPool *pool, const char *prefix, GError **error)
{
  g_autofree char *command = g_strdup_printf ("{\"prefix\": \"%s\", \"format\": \"json\"}", prefix);
  const char *argv[] = { command };
  char *out = NULL, *status = NULL;
  size_t out_len = 0, status_len = 0;
  char *json = NULL;
  int r;

  r = rados_mon_command (nova_rbd_pool_cluster (pool), argv, 1, "", 0, &out, &out_len, &status, &status_len);
  if (r >= 0)
    json = g_strndup (out, out_len);
  rados_buffer_free (out);
  rados_buffer_free (status);
  if (r < 0)
    nova_rbd_pool_fail (pool, r, error, "the monitors did not answer '%s'", prefix);
  return json;
}
