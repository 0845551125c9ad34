/* The rbd driver. Without a cluster (always): its config keys, the
 * monitors read from a monmap, the pool usage read from `ceph df`, the
 * connection_info's exact shape, and check_for_setup_error's word for a
 * missing conf, a missing keyring and a cluster that does not answer.
 * Against a real cluster (when tests/test-ceph.sh runs it with
 * NOVA_TEST_CEPH_CONF set, see there): every method and every refusal,
 * looked at through librbd itself, what list_stored finds in the pool,
 * and calls failing within rados_connect_timeout while the cluster is
 * frozen, then working again. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

#include <rados/librados.h>
#include <rbd/librbd.h>

#include "nova-volume-driver-rbd.h"
#include "nova-volume-error.h"
#include "nova-volume-rbd-client.h"
#include "nova-volume-rbd-info.h"
#include "test-util.h"

#define MIB ((guint64) 1024 * 1024)

/* a well-formed cephx key nobody holds (ceph-authtool --gen-print-key) */
#define UNUSED_KEY "AQBiGwdr8RRjFBAAvLjfwYOsdeJUHr3/mXDwUw=="

/* ---- without a cluster ------------------------------------------------ */

/* the seed's class path, and what only the rbd keys accept (their
 * defaults and bad values are in test-config) */
static void
test_config (void)
{
  g_autoptr(NovaVolumeConfig) config = nova_volume_config_new ();

  g_assert_cmpstr (nova_volume_driver_registry_lookup ("nova.volume.driver.RBDDriver", NULL)->name, ==, "rbd");
  test_config_set (config, "volume_driver", "nova.volume.driver.RBDDriver");
  g_assert_cmpstr (nova_volume_config_get_driver (config), ==, "rbd");
  test_config_set (config, "rbd_secret_uuid", "457eb676-33da-42ec-9a8c-9293d545c337");
  test_config_set (config, "rbd_user", "client.cinder");
  test_config_set (config, "rbd_pool", "volumes.ssd-1");
  test_config_set (config, "rbd_max_clone_depth", "0");
}

static void
test_mon_dump (void)
{
  /* Pacific's shape: an addrvec with msgr2 first, and the legacy addr */
  static const char *const pacific =
    "{\"epoch\":1,\"mons\":["
    "{\"rank\":0,\"name\":\"a\",\"public_addrs\":{\"addrvec\":["
    "{\"type\":\"v2\",\"addr\":\"10.0.0.1:3300\",\"nonce\":0},"
    "{\"type\":\"v1\",\"addr\":\"10.0.0.1:6789\",\"nonce\":0}]},"
    "\"addr\":\"10.0.0.1:6789/0\",\"public_addr\":\"10.0.0.1:6789/0\"},"
    "{\"rank\":1,\"name\":\"b\",\"public_addrs\":{\"addrvec\":["
    "{\"type\":\"v2\",\"addr\":\"[fd00::2]:3300\",\"nonce\":0}]},\"addr\":\"[fd00::2]:3300/0\"},"
    "{\"rank\":2,\"name\":\"c\",\"addr\":\"10.0.0.3:6790/0\"}]}";
  static const char *const broken[] = {
    "not json", "{}", "{\"mons\": []}", "{\"mons\": [{\"addr\": \"no-port\"}]}",
    "{\"mons\": [{\"addr\": \"host:port/0\"}]}",
  };
  g_autoptr(GPtrArray) hosts = NULL;
  g_autoptr(GPtrArray) ports = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_rbd_parse_mon_dump (pacific, &hosts, &ports, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (hosts->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (hosts, 0), ==, "10.0.0.1");
  g_assert_cmpstr (g_ptr_array_index (ports, 0), ==, "6789");
  g_assert_cmpstr (g_ptr_array_index (hosts, 1), ==, "fd00::2");
  g_assert_cmpstr (g_ptr_array_index (ports, 1), ==, "3300");
  g_assert_cmpstr (g_ptr_array_index (hosts, 2), ==, "10.0.0.3");
  g_assert_cmpstr (g_ptr_array_index (ports, 2), ==, "6790");

  for (gsize i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      g_autoptr(GPtrArray) h = NULL;
      g_autoptr(GPtrArray) p = NULL;
      g_autoptr(GError) local_error = NULL;

      g_assert_false (nova_rbd_parse_mon_dump (broken[i], &h, &p, &local_error));
      g_assert_error (local_error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
      g_assert_true (g_str_has_prefix (local_error->message, "cannot read the cluster's monitor map"));
      g_assert_null (h);
    }
}

static void
test_df (void)
{
  /* Pacific's shape with a mgr: pool rbd stores 1 GiB and can take 9 more */
  static const char *const with_mgr =
    "{\"stats\":{\"total_bytes\":32212254720,\"total_avail_bytes\":29527900160},"
    "\"stats_by_class\":{},\"pools\":["
    "{\"name\":\"other\",\"id\":1,\"stats\":{\"stored\":5,\"max_avail\":7}},"
    "{\"name\":\"rbd\",\"id\":2,\"stats\":{\"stored\":1073741824,\"objects\":256,"
    "\"bytes_used\":3221225472,\"percent_used\":0.1,\"max_avail\":9663676416}}]}";
  /* what a cluster without a mgr says */
  static const char *const no_mgr =
    "{\"stats\":{\"total_bytes\":0,\"total_avail_bytes\":0,\"total_used_bytes\":0},"
    "\"stats_by_class\":{},\"pools\":[]}";
  static const char *const broken[] = {
    "[", "{}", "{\"stats\":{\"total_bytes\":1},\"pools\":[]}",
    "{\"stats\":{\"total_bytes\":1},\"pools\":[{\"name\":\"rbd\",\"stats\":{}}]}",
  };
  gboolean known = TRUE;
  guint64 total = 0, free_space = 0;
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_rbd_parse_df (with_mgr, "rbd", &known, &total, &free_space, &error));
  g_assert_no_error (error);
  g_assert_true (known);
  g_assert_cmpuint (free_space, ==, 9663676416);
  g_assert_cmpuint (total, ==, 9663676416 + 1073741824);
  g_assert_true (nova_rbd_parse_df (no_mgr, "rbd", &known, &total, &free_space, &error));
  g_assert_false (known);
  for (gsize i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      g_autoptr(GError) local_error = NULL;

      g_assert_false (nova_rbd_parse_df (broken[i], "rbd", &known, &total, &free_space, &local_error));
      g_assert_error (local_error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
      g_assert_true (g_str_has_prefix (local_error->message, "cannot read the cluster's usage"));
    }
}

/* the connection_info has exactly Nova's keys, with these types */
static void
assert_connection_info_shape (GVariant *info)
{
  static const char *const keys[] = {
    "name", "hosts", "ports", "auth_enabled", "auth_username", "secret_type", "secret_uuid", "cluster_name",
    "discard",
  };
  static const char *const types[] = { "s", "as", "as", "b", "s", "s", "s", "s", "b" };
  g_autoptr(GVariant) data = NULL;
  const char *type = NULL;

  g_assert_true (g_variant_is_of_type (info, G_VARIANT_TYPE_VARDICT));
  g_assert_cmpuint (g_variant_n_children (info), ==, 2);
  g_assert_true (g_variant_lookup (info, "driver_volume_type", "&s", &type));
  g_assert_cmpstr (type, ==, "rbd");
  data = g_variant_lookup_value (info, "data", G_VARIANT_TYPE_VARDICT);
  g_assert_nonnull (data);
  g_assert_cmpuint (g_variant_n_children (data), ==, G_N_ELEMENTS (keys));
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autoptr(GVariant) value = g_variant_lookup_value (data, keys[i], G_VARIANT_TYPE (types[i]));

      if (value == NULL)
        g_error ("connection_info data has no %s of type %s", keys[i], types[i]);
    }
}

static void
test_connection_info (void)
{
  const char *hosts[] = { "10.0.0.1", "10.0.0.2", NULL };
  const char *ports[] = { "6789", "6789", NULL };
  g_autoptr(GVariant) with_auth = nova_rbd_connection_info_new ("volumes", "volume-1", hosts, ports, "cinder",
                                                                "457eb676-33da-42ec-9a8c-9293d545c337", "ceph");
  g_autoptr(GVariant) without = nova_rbd_connection_info_new ("rbd", "volume-2", hosts, ports, "", "", "ceph");
  g_autofree char *text = NULL;

  assert_connection_info_shape (with_auth);
  assert_connection_info_shape (without);
  text = g_variant_print (with_auth, FALSE);
  g_assert_cmpstr (text, ==,
                   "{'driver_volume_type': <'rbd'>, 'data': <{'name': <'volumes/volume-1'>, "
                   "'hosts': <['10.0.0.1', '10.0.0.2']>, 'ports': <['6789', '6789']>, "
                   "'auth_enabled': <true>, 'auth_username': <'cinder'>, 'secret_type': <'ceph'>, "
                   "'secret_uuid': <'457eb676-33da-42ec-9a8c-9293d545c337'>, 'cluster_name': <'ceph'>, "
                   "'discard': <true>}>}");
  g_clear_pointer (&text, g_free);
  text = g_variant_print (without, FALSE);
  g_assert_nonnull (strstr (text, "'auth_enabled': <false>, 'auth_username': <''>"));
}

/* loads the rbd driver on @conf (timeout 2 s) and returns the error of
 * its check_for_setup_error */
static GError *
setup_error (const char *dir, const char *conf)
{
  g_autoptr(NovaVolumeDriverContext) ctx =
    test_driver_context_new (dir, NULL, "volume_driver", "rbd", "rbd_ceph_conf", conf,
                             "rados_connect_timeout", "2", NULL);
  g_autoptr(NovaVolumeDriver) driver = NULL;
  GError *error = NULL;

  driver = nova_volume_driver_load (ctx, &error);
  g_assert_null (driver);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  return error;
}

/* a TCP port on 127.0.0.1 that nobody listens on: bound, then closed */
static guint
closed_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  guint port;

  g_assert_nonnull (socket);
  g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, NULL);
  return port;
}

static void
write_file (const char *path, const char *text)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, text, -1, &error));
  g_assert_no_error (error);
}

static void
test_setup_errors (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-rbd-XXXXXX");
  g_autofree char *conf = test_scratch_path (scratch, "ceph.conf");
  g_autofree char *keyring = test_scratch_path (scratch, "admin.keyring");
  g_autofree char *missing = test_scratch_path (scratch, "missing.conf");
  g_autofree char *text = NULL;
  g_autoptr(GError) no_conf = NULL;
  g_autoptr(GError) no_keyring = NULL;
  g_autoptr(GError) unreachable = NULL;
  guint port = closed_port ();

  no_conf = setup_error (scratch->dir, missing);
  g_assert_nonnull (strstr (no_conf->message, "no Ceph configuration file"));
  g_assert_nonnull (strstr (no_conf->message, missing));

  text = g_strdup_printf ("[global]\nmon host = 127.0.0.1:%u\nauth client required = cephx\nkeyring = %s\n",
                          port, keyring);
  write_file (conf, text);
  no_keyring = setup_error (scratch->dir, conf);
  g_assert_nonnull (strstr (no_keyring->message, "no keyring for client.admin"));
  g_assert_nonnull (strstr (no_keyring->message, keyring));

  g_clear_pointer (&text, g_free);
  text = g_strdup_printf ("[client.admin]\n\tkey = %s\n", UNUSED_KEY);
  write_file (keyring, text);
  unreachable = setup_error (scratch->dir, conf);
  g_assert_nonnull (strstr (unreachable->message, "cannot reach the Ceph cluster"));
  g_assert_nonnull (strstr (unreachable->message, "within 2 s (rados_connect_timeout)"));
}

/* calls queued behind an unreachable cluster share the failure of the
 * attempt they waited for instead of each waiting out its own timeout */
#define N_CONNECTING 8

static gpointer
open_pool_thread (gpointer data)
{
  NovaRbdClient *client = data;
  GError *error = NULL;
  NovaRbdPool *pool = nova_rbd_client_open_pool (client, "rbd", &error);

  g_assert_null (pool);
  return error;
}

static void
test_connect_shared_failure (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-rbd-XXXXXX");
  g_autofree char *conf = test_scratch_path (scratch, "ceph.conf");
  g_autofree char *keyring = test_scratch_path (scratch, "admin.keyring");
  g_autofree char *text = g_strdup_printf ("[global]\nmon host = 127.0.0.1:%u\nkeyring = %s\n", closed_port (),
                                           keyring);
  g_autofree char *key = g_strdup_printf ("[client.admin]\n\tkey = %s\n", UNUSED_KEY);
  g_autoptr(NovaRbdClient) client = NULL;
  GThread *threads[N_CONNECTING];
  guint attempts;

  write_file (conf, text);
  write_file (keyring, key);
  client = nova_rbd_client_new (conf, "", "ceph", 2);
  for (guint i = 0; i < N_CONNECTING; i++)
    threads[i] = g_thread_new ("connect", open_pool_thread, client);
  for (guint i = 0; i < N_CONNECTING; i++)
    {
      g_autoptr(GError) error = g_thread_join (threads[i]);

      g_assert_nonnull (error);
      g_assert_nonnull (strstr (error->message, "cannot reach the Ceph cluster"));
    }
  /* all start together and wait for the first attempt (2 s); only a
   * thread that came after an attempt ended tries again */
  attempts = nova_rbd_client_get_connect_attempts (client);
  g_test_message ("%u connection attempts for %u calls", attempts, N_CONNECTING);
  g_assert_cmpuint (attempts, >=, 1);
  g_assert_cmpuint (attempts, <, N_CONNECTING);
}

/* ---- against a cluster ------------------------------------------------ */

static const char *
cluster_conf (void)
{
  return g_getenv ("NOVA_TEST_CEPH_CONF");
}

static const char *
cluster_pool (void)
{
  const char *pool = g_getenv ("NOVA_TEST_CEPH_POOL");

  return pool != NULL ? pool : "rbd";
}

/* the cluster as the test sees it, through librados directly */
typedef struct {
  rados_t       cluster;
  rados_ioctx_t ioctx;
} Cluster;

static Cluster *
cluster_open (void)
{
  Cluster *c = g_new0 (Cluster, 1);

  g_assert_cmpint (rados_create2 (&c->cluster, "ceph", "client.admin", 0), ==, 0);
  g_assert_cmpint (rados_conf_read_file (c->cluster, cluster_conf ()), ==, 0);
  g_assert_cmpint (rados_conf_set (c->cluster, "client_mount_timeout", "30"), ==, 0);
  g_assert_cmpint (rados_connect (c->cluster), ==, 0);
  g_assert_cmpint (rados_ioctx_create (c->cluster, cluster_pool (), &c->ioctx), ==, 0);
  return c;
}

static void
cluster_close (Cluster *c)
{
  rados_ioctx_destroy (c->ioctx);
  rados_shutdown (c->cluster);
  g_free (c);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Cluster, cluster_close)

typedef rbd_image_t TestImage;
static void
test_image_close (rbd_image_t image)
{
  rbd_close (image);
}
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (TestImage, test_image_close, NULL)

static char *
image_of (const NovaVolumeRecord *volume)
{
  return g_strconcat ("volume-", volume->id, NULL);
}

static gboolean
image_exists (Cluster *c, const NovaVolumeRecord *volume)
{
  g_autofree char *name = image_of (volume);
  rbd_image_t image = NULL;
  int r = rbd_open_read_only (c->ioctx, name, &image, NULL);

  if (r == 0)
    rbd_close (image);
  g_assert_true (r == 0 || r == -ENOENT);
  return r == 0;
}

static rbd_image_t
image_open (Cluster *c, const NovaVolumeRecord *volume)
{
  g_autofree char *name = image_of (volume);
  rbd_image_t image = NULL;

  g_assert_cmpint (rbd_open (c->ioctx, name, &image, NULL), ==, 0);
  return image;
}

/* "image@snap" of @volume's parent, or NULL */
static char *
parent_of (Cluster *c, const NovaVolumeRecord *volume)
{
  g_auto(TestImage) image = image_open (c, volume);
  rbd_linked_image_spec_t parent;
  rbd_snap_spec_t snap;
  char *text;

  if (rbd_get_parent (image, &parent, &snap) == -ENOENT)
    return NULL;
  text = g_strdup_printf ("%s@%s", parent.image_name, snap.name);
  rbd_linked_image_spec_cleanup (&parent);
  rbd_snap_spec_cleanup (&snap);
  return text;
}

static gboolean
snap_exists (Cluster *c, const NovaVolumeRecord *volume, const char *snap)
{
  g_auto(TestImage) image = image_open (c, volume);
  bool exists = FALSE;

  g_assert_cmpint (rbd_snap_exists (image, snap, &exists), ==, 0);
  return exists;
}

static void
write_pattern (Cluster *c, const NovaVolumeRecord *volume, const char *pattern)
{
  g_auto(TestImage) image = image_open (c, volume);
  gsize len = strlen (pattern);

  g_assert_cmpint (rbd_write (image, MIB, len, pattern), ==, (int) len);
  g_assert_cmpint (rbd_flush (image), ==, 0);
}

static void
assert_pattern (Cluster *c, const NovaVolumeRecord *volume, const char *pattern)
{
  g_auto(TestImage) image = image_open (c, volume);
  gsize len = strlen (pattern);
  g_autofree char *buffer = g_malloc0 (len + 1);

  g_assert_cmpint (rbd_read (image, MIB, len, buffer), ==, (int) len);
  g_assert_cmpstr (buffer, ==, pattern);
}

/* the driver on the cluster; extra key/value pairs after the first two */
static NovaVolumeDriver *
cluster_driver (const char *dir, const char *key, const char *value)
{
  g_autoptr(NovaVolumeDriverContext) ctx =
    test_driver_context_new (dir, NULL, "volume_driver", "rbd", "rbd_ceph_conf", cluster_conf (),
                             "rbd_pool", cluster_pool (), "rados_connect_timeout", "10", key, value, NULL);

  return test_driver_load (ctx);
}

static void
assert_error_says (GError *error, gint code, const char *words)
{
  g_assert_nonnull (error);
  g_test_message ("refused: %s", error->message);
  g_assert_error (error, NOVA_VOLUME_ERROR, code);
  if (strstr (error->message, words) == NULL)
    g_error ("'%s' does not say '%s'", error->message, words);
}

static NovaVolumeRecord *
create_volume (NovaVolumeDriver *driver, guint64 size)
{
  NovaVolumeRecord *volume = test_new_volume (size);
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_volume_driver_create_volume (driver, volume, &error));
  g_assert_no_error (error);
  return volume;
}

static void
delete_volume (NovaVolumeDriver *driver, const NovaVolumeRecord *volume)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_volume_driver_delete_volume (driver, volume, &error));
  g_assert_no_error (error);
}

static NovaSnapshotRecord *
create_snapshot (NovaVolumeDriver *driver, const NovaVolumeRecord *volume)
{
  NovaSnapshotRecord *snapshot = test_new_snapshot (volume);
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_volume_driver_create_snapshot (driver, snapshot, volume, &error));
  g_assert_no_error (error);
  return snapshot;
}

static void
delete_snapshot (NovaVolumeDriver *driver, const NovaSnapshotRecord *snapshot)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_volume_driver_delete_snapshot (driver, snapshot, &error));
  g_assert_no_error (error);
}

static NovaVolumeRecord *
from_snapshot (NovaVolumeDriver *driver, const NovaSnapshotRecord *snapshot, guint64 size)
{
  NovaVolumeRecord *volume = test_new_volume (size);
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_volume_driver_create_volume_from_snapshot (driver, volume, snapshot, NULL, NULL, NULL,
                                                                 &error));
  g_assert_no_error (error);
  return volume;
}

static NovaVolumeRecord *
clone_of (NovaVolumeDriver *driver, const NovaVolumeRecord *source)
{
  NovaVolumeRecord *volume = test_new_volume (source->size);
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_volume_driver_create_cloned_volume (driver, volume, source, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  return volume;
}

static char *
snap_of (const NovaSnapshotRecord *snapshot)
{
  return g_strconcat ("snapshot-", snapshot->id, NULL);
}

static char *
temp_snap_of (const NovaVolumeRecord *clone)
{
  return g_strconcat ("volume-", clone->id, NOVA_RBD_CLONE_SNAP_SUFFIX, NULL);
}

static void
test_cluster_setup (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-rbd-XXXXXX");
  g_autoptr(NovaVolumeDriver) driver = cluster_driver (scratch->dir, NULL, NULL);
  g_autoptr(NovaVolumeDriverContext) ctx =
    test_driver_context_new (scratch->dir, NULL, "volume_driver", "rbd", "rbd_ceph_conf", cluster_conf (),
                             "rbd_pool", "no-such-pool", NULL);
  g_autoptr(NovaVolumeDriver) no_pool = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_volume_driver_check_for_setup_error (driver, &error));
  g_assert_no_error (error);
  no_pool = nova_volume_driver_load (ctx, &error);
  g_assert_null (no_pool);
  assert_error_says (error, NOVA_VOLUME_ERROR_FAILED, "has no pool 'no-such-pool' (rbd_pool)");
}

static void
test_cluster_volume (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-rbd-XXXXXX");
  g_autoptr(NovaVolumeDriver) driver = cluster_driver (scratch->dir, NULL, NULL);
  g_autoptr(Cluster) c = cluster_open ();
  g_autoptr(NovaVolumeRecord) volume = create_volume (driver, 10 * MIB + 1);
  g_autoptr(NovaVolumeRecord) again = nova_volume_record_copy (volume);
  g_autoptr(GError) error = NULL;
  uint64_t features = 0, size = 0;
  uint8_t old_format = 1;

  g_assert_cmpuint (volume->size, ==, 11 * MIB);
  {
    g_auto(TestImage) image = image_open (c, volume);

    g_assert_cmpint (rbd_get_old_format (image, &old_format), ==, 0);
    g_assert_cmpint (old_format, ==, 0);
    g_assert_cmpint (rbd_get_features (image, &features), ==, 0);
    g_assert_cmpuint (features, ==, RBD_FEATURE_LAYERING);
    g_assert_cmpint (rbd_get_size (image, &size), ==, 0);
    g_assert_cmpuint (size, ==, 11 * MIB);
  }
  g_assert_false (nova_volume_driver_create_volume (driver, again, &error));
  assert_error_says (error, NOVA_VOLUME_ERROR_ALREADY_EXISTS, "cannot create image");
  g_clear_error (&error);

  g_assert_true (nova_volume_driver_extend_volume (driver, volume, 20 * MIB, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (volume->size, ==, 20 * MIB);
  g_assert_false (nova_volume_driver_extend_volume (driver, volume, 12 * MIB, &error));
  assert_error_says (error, NOVA_VOLUME_ERROR_INVALID_ARGUMENT, "cannot shrink");
  g_clear_error (&error);
  {
    g_auto(TestImage) image = image_open (c, volume);

    g_assert_cmpint (rbd_get_size (image, &size), ==, 0);
    g_assert_cmpuint (size, ==, 20 * MIB);
  }

  /* exports are no-ops, and so is terminate_connection */
  g_assert_true (nova_volume_driver_create_export (driver, volume, &error));
  g_assert_true (nova_volume_driver_ensure_export (driver, volume, &error));
  g_assert_true (nova_volume_driver_remove_export (driver, volume, &error));
  g_assert_no_error (error);

  delete_volume (driver, volume);
  g_assert_false (image_exists (c, volume));
  /* idempotent */
  delete_volume (driver, volume);
}

static void
test_cluster_snapshot (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-rbd-XXXXXX");
  g_autoptr(NovaVolumeDriver) driver = cluster_driver (scratch->dir, NULL, NULL);
  g_autoptr(Cluster) c = cluster_open ();
  g_autoptr(NovaVolumeRecord) volume = create_volume (driver, 8 * MIB);
  g_autoptr(NovaSnapshotRecord) snapshot = NULL;
  g_autoptr(NovaVolumeRecord) clone = NULL;
  g_autofree char *snap = NULL;
  g_autofree char *expected_parent = NULL;
  g_autofree char *parent = NULL;
  g_autoptr(GError) error = NULL;
  int is_protected = 0;

  write_pattern (c, volume, "before the snapshot");
  snapshot = create_snapshot (driver, volume);
  snap = snap_of (snapshot);
  g_assert_cmpuint (snapshot->size, ==, 8 * MIB);
  write_pattern (c, volume, "after the snapshot!");
  {
    g_auto(TestImage) image = image_open (c, volume);

    g_assert_cmpint (rbd_snap_is_protected (image, snap, &is_protected), ==, 0);
    g_assert_true (is_protected);
  }

  /* a copy-on-write clone, bigger than its snapshot */
  clone = from_snapshot (driver, snapshot, 16 * MIB);
  g_assert_cmpuint (clone->size, ==, 16 * MIB);
  parent = parent_of (c, clone);
  expected_parent = g_strdup_printf ("volume-%s@%s", volume->id, snap);
  g_assert_cmpstr (parent, ==, expected_parent);
  assert_pattern (c, clone, "before the snapshot");

  /* refusals: the snapshot has a clone, the volume has a snapshot */
  g_assert_false (nova_volume_driver_delete_snapshot (driver, snapshot, &error));
  assert_error_says (error, NOVA_VOLUME_ERROR_BUSY, clone->id);
  g_clear_error (&error);
  g_assert_true (snap_exists (c, volume, snap));
  g_assert_false (nova_volume_driver_delete_volume (driver, volume, &error));
  assert_error_says (error, NOVA_VOLUME_ERROR_BUSY, "has snapshots");
  g_clear_error (&error);
  g_assert_true (image_exists (c, volume));

  delete_volume (driver, clone);
  delete_snapshot (driver, snapshot);
  g_assert_false (snap_exists (c, volume, snap));
  /* idempotent */
  delete_snapshot (driver, snapshot);
  delete_volume (driver, volume);
  delete_snapshot (driver, snapshot);
}

static int
compare_lines (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* list_stored's entries as sorted lines, "volume ID SIZE" and "snapshot
 * ID SIZE VOLUME-ID" (- when unknown), to compare as one string */
static char *
stored_lines (GPtrArray *stored)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < stored->len; i++)
    {
      const NovaVolumeStored *entry = g_ptr_array_index (stored, i);

      g_ptr_array_add (lines, entry->is_snapshot
                       ? g_strdup_printf ("snapshot %s %" G_GUINT64_FORMAT " %s", entry->id, entry->size,
                                          entry->volume_id != NULL ? entry->volume_id : "-")
                       : g_strdup_printf ("volume %s %" G_GUINT64_FORMAT, entry->id, entry->size));
    }
  g_ptr_array_sort (lines, compare_lines);
  for (guint i = 0; i < lines->len; i++)
    g_string_append_printf (text, "%s\n", (const char *) g_ptr_array_index (lines, i));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* the lines of volumes (NULL-terminated) then of @snapshots */
static char *
expected_lines (NovaVolumeRecord **volumes, NovaSnapshotRecord **snapshots)
{
  g_autoptr(GPtrArray) stored = g_ptr_array_new_with_free_func ((GDestroyNotify) nova_volume_stored_free);

  for (guint i = 0; volumes[i] != NULL; i++)
    g_ptr_array_add (stored, nova_volume_stored_new (FALSE, volumes[i]->id, volumes[i]->size, NULL));
  for (guint i = 0; snapshots[i] != NULL; i++)
    g_ptr_array_add (stored, nova_volume_stored_new (TRUE, snapshots[i]->id, snapshots[i]->size,
                                                     snapshots[i]->volume_id));
  return stored_lines (stored);
}

/* list_stored: the images volume_name_template named (clones of a
 * snapshot and of a volume among them) with their sizes, and their
 * snapshots snapshot_name_template named with their volume; not other
 * images, an image the template named from no UUID, a snapshot of such
 * an image, a snapshot of another name, a clone's temporary snapshot.
 * Templates of its own keep the other tests' images out of its sight. */
static void
test_cluster_list_stored (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-rbd-XXXXXX");
  g_autoptr(NovaVolumeDriverContext) ctx =
    test_driver_context_new (scratch->dir, NULL, "volume_driver", "rbd", "rbd_ceph_conf", cluster_conf (),
                             "rbd_pool", cluster_pool (), "rados_connect_timeout", "10",
                             "volume_name_template", "listed-volume-%s",
                             "snapshot_name_template", "listed-snapshot-%s", NULL);
  g_autoptr(NovaVolumeDriver) driver = test_driver_load (ctx);
  g_autoptr(Cluster) c = cluster_open ();
  g_autoptr(NovaVolumeRecord) first = create_volume (driver, 8 * MIB);
  g_autoptr(NovaVolumeRecord) second = create_volume (driver, 12 * MIB);
  g_autoptr(NovaSnapshotRecord) snapshot = create_snapshot (driver, first);
  g_autoptr(NovaVolumeRecord) from_snap = from_snapshot (driver, snapshot, 16 * MIB);
  g_autoptr(NovaVolumeRecord) clone = clone_of (driver, second);
  g_autofree char *stray_snap = g_strconcat ("listed-snapshot-", snapshot->volume_id, NULL);
  const char *const others[] = { "listed-volume-notauuid", "other-image", NULL };
  g_autoptr(GPtrArray) stored = NULL;
  g_autofree char *listed = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GError) error = NULL;

  /* what must be skipped: images of other names, with snapshots a
   * template could have named, and a snapshot of another name */
  for (guint i = 0; others[i] != NULL; i++)
    {
      g_auto(TestImage) image = NULL;
      int order = 0;

      g_assert_cmpint (rbd_create2 (c->ioctx, others[i], 4 * MIB, RBD_FEATURE_LAYERING, &order), ==, 0);
      g_assert_cmpint (rbd_open (c->ioctx, others[i], &image, NULL), ==, 0);
      g_assert_cmpint (rbd_snap_create (image, stray_snap), ==, 0);
    }
  {
    g_autofree char *name = g_strconcat ("listed-volume-", first->id, NULL);
    g_auto(TestImage) image = NULL;

    g_assert_cmpint (rbd_open (c->ioctx, name, &image, NULL), ==, 0);
    g_assert_cmpint (rbd_snap_create (image, "by-hand"), ==, 0);
  }

  stored = nova_volume_driver_list_stored (driver, &error);
  g_assert_no_error (error);
  g_assert_nonnull (stored);
  listed = stored_lines (stored);
  expected = expected_lines ((NovaVolumeRecord *[]) { first, second, from_snap, clone, NULL },
                             (NovaSnapshotRecord *[]) { snapshot, NULL });
  g_test_message ("listed:\n%s", listed);
  g_assert_cmpstr (listed, ==, expected);
  g_assert_cmpuint (stored->len, ==, 5);

  /* a pool that is not there: said so, with what to do */
  {
    g_autoptr(NovaVolumeDriverContext) no_pool_ctx =
      test_driver_context_new (scratch->dir, NULL, "volume_driver", "rbd", "rbd_ceph_conf", cluster_conf (),
                               "rbd_pool", "no-such-pool", "rados_connect_timeout", "10", NULL);
    const NovaVolumeDriverInfo *info = nova_volume_driver_registry_lookup ("rbd", &error);
    g_autoptr(NovaVolumeDriver) no_pool = NULL;
    g_autoptr(GPtrArray) none = NULL;

    g_assert_no_error (error);
    no_pool = g_object_new (info->get_type (), NULL);
    g_assert_true (nova_volume_driver_do_setup (no_pool, no_pool_ctx, &error));
    g_assert_no_error (error);
    none = nova_volume_driver_list_stored (no_pool, &error);
    g_assert_null (none);
    assert_error_says (error, NOVA_VOLUME_ERROR_FAILED, "has no pool 'no-such-pool' (rbd_pool)");
    g_clear_error (&error);
  }

  {
    g_autofree char *name = g_strconcat ("listed-volume-", first->id, NULL);
    g_auto(TestImage) image = NULL;

    g_assert_cmpint (rbd_open (c->ioctx, name, &image, NULL), ==, 0);
    g_assert_cmpint (rbd_snap_remove (image, "by-hand"), ==, 0);
  }
  for (guint i = 0; others[i] != NULL; i++)
    {
      {
        g_auto(TestImage) image = NULL;

        g_assert_cmpint (rbd_open (c->ioctx, others[i], &image, NULL), ==, 0);
        g_assert_cmpint (rbd_snap_remove (image, stray_snap), ==, 0);
      }
      g_assert_cmpint (rbd_remove (c->ioctx, others[i]), ==, 0);
    }
  delete_volume (driver, clone);
  delete_volume (driver, from_snap);
  delete_snapshot (driver, snapshot);
  delete_volume (driver, second);
  delete_volume (driver, first);
  g_ptr_array_unref (stored);
  stored = nova_volume_driver_list_stored (driver, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stored->len, ==, 0);
}

static void
test_cluster_flatten_by_config (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-rbd-XXXXXX");
  g_autoptr(NovaVolumeDriver) driver = cluster_driver (scratch->dir, "rbd_flatten_volume_from_snapshot", "true");
  g_autoptr(Cluster) c = cluster_open ();
  g_autoptr(NovaVolumeRecord) volume = create_volume (driver, 8 * MIB);
  g_autoptr(NovaSnapshotRecord) snapshot = NULL;
  g_autoptr(NovaVolumeRecord) copy = NULL;
  g_autofree char *parent = NULL;

  write_pattern (c, volume, "flattened bytes");
  snapshot = create_snapshot (driver, volume);
  copy = from_snapshot (driver, snapshot, 0);
  parent = parent_of (c, copy);
  g_assert_null (parent);
  assert_pattern (c, copy, "flattened bytes");
  /* nothing depends on the snapshot any more */
  delete_snapshot (driver, snapshot);
  delete_volume (driver, volume);
  assert_pattern (c, copy, "flattened bytes");
  delete_volume (driver, copy);
}

/* the Job of a flattening copy cancelled half-way: it stops, and nothing
 * of the new volume is left */
static void
cancel_at_first_progress (double fraction, gpointer data)
{
  if (fraction < 1.0)
    g_cancellable_cancel (data);
}

static void
test_cluster_flatten_cancelled (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-rbd-XXXXXX");
  g_autoptr(NovaVolumeDriver) driver = cluster_driver (scratch->dir, "rbd_flatten_volume_from_snapshot", "true");
  g_autoptr(Cluster) c = cluster_open ();
  g_autoptr(NovaVolumeRecord) volume = create_volume (driver, 64 * MIB);
  g_autoptr(NovaVolumeRecord) copy = test_new_volume (0);
  g_autoptr(NovaVolumeRecord) early = test_new_volume (0);
  g_autoptr(NovaSnapshotRecord) snapshot = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  /* data in every object, so the flatten has each to copy */
  for (guint64 offset = 0; offset < 64 * MIB; offset += 4 * MIB)
    {
      g_auto(TestImage) image = image_open (c, volume);

      g_assert_cmpint (rbd_write (image, offset, 5, "bytes"), ==, 5);
    }
  snapshot = create_snapshot (driver, volume);
  g_assert_false (nova_volume_driver_create_volume_from_snapshot (driver, copy, snapshot, cancel_at_first_progress,
                                                                  cancellable, cancellable, &error));
  assert_error_says (error, NOVA_VOLUME_ERROR_CANCELLED, "cancelled");
  g_clear_error (&error);
  g_assert_false (image_exists (c, copy));

  /* cancelled before it started */
  g_assert_false (nova_volume_driver_create_volume_from_snapshot (driver, early, snapshot, NULL, NULL, cancellable,
                                                                  &error));
  assert_error_says (error, NOVA_VOLUME_ERROR_CANCELLED, "cancelled");
  g_assert_false (image_exists (c, early));

  delete_snapshot (driver, snapshot);
  delete_volume (driver, volume);
}

static void
test_cluster_flatten_by_depth (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-rbd-XXXXXX");
  g_autoptr(NovaVolumeDriver) driver = cluster_driver (scratch->dir, "rbd_max_clone_depth", "2");
  g_autoptr(Cluster) c = cluster_open ();
  g_autoptr(NovaVolumeRecord) v0 = create_volume (driver, 4 * MIB);
  g_autoptr(NovaVolumeRecord) c1 = NULL;
  g_autoptr(NovaVolumeRecord) c2 = NULL;
  g_autoptr(NovaVolumeRecord) c3 = NULL;
  g_autofree char *p1 = NULL;
  g_autofree char *p2 = NULL;
  g_autofree char *p3 = NULL;
  g_autofree char *temp3 = NULL;

  write_pattern (c, v0, "deep bytes");
  c1 = clone_of (driver, v0);
  c2 = clone_of (driver, c1);
  c3 = clone_of (driver, c2);
  p1 = parent_of (c, c1);
  p2 = parent_of (c, c2);
  p3 = parent_of (c, c3);
  g_assert_nonnull (p1);
  g_assert_nonnull (p2);
  /* depth 3 > rbd_max_clone_depth: a full copy, its temporary snapshot gone */
  g_assert_null (p3);
  temp3 = temp_snap_of (c3);
  g_assert_false (snap_exists (c, c2, temp3));
  assert_pattern (c, c3, "deep bytes");

  delete_volume (driver, c3);
  delete_volume (driver, c2);
  delete_volume (driver, c1);
  delete_volume (driver, v0);
}

static void
test_cluster_clone_of_volume (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-rbd-XXXXXX");
  g_autoptr(NovaVolumeDriver) driver = cluster_driver (scratch->dir, NULL, NULL);
  g_autoptr(Cluster) c = cluster_open ();
  g_autoptr(NovaVolumeRecord) source = create_volume (driver, 8 * MIB);
  g_autoptr(NovaVolumeRecord) clone = NULL;
  g_autoptr(NovaVolumeRecord) second = NULL;
  g_autofree char *temp = NULL;
  g_autofree char *temp2 = NULL;
  g_autofree char *parent = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GError) error = NULL;

  write_pattern (c, source, "source bytes");
  clone = clone_of (driver, source);
  second = clone_of (driver, source);
  temp = temp_snap_of (clone);
  temp2 = temp_snap_of (second);
  parent = parent_of (c, clone);
  expected = g_strdup_printf ("volume-%s@%s", source->id, temp);
  g_assert_cmpstr (parent, ==, expected);
  assert_pattern (c, clone, "source bytes");
  write_pattern (c, source, "changed later");
  assert_pattern (c, clone, "source bytes");

  /* the source has clones: refused, named */
  g_assert_false (nova_volume_driver_delete_volume (driver, source, &error));
  assert_error_says (error, NOVA_VOLUME_ERROR_BUSY, clone->id);
  g_assert_nonnull (strstr (error->message, second->id));
  g_clear_error (&error);

  /* a deleted clone takes its temporary snapshot with it, not the other's */
  delete_volume (driver, clone);
  g_assert_false (snap_exists (c, source, temp));
  g_assert_true (snap_exists (c, source, temp2));

  /* a temporary snapshot left without clones (a crash between the steps):
   * the source's delete removes it */
  {
    g_auto(TestImage) image = image_open (c, second);

    g_assert_cmpint (rbd_flatten (image), ==, 0);
  }
  g_assert_null (parent_of (c, second));
  g_assert_true (snap_exists (c, source, temp2));

  /* a clone whose image is gone already (a create that failed half-way):
   * its delete still removes its temporary snapshot, found through the
   * record's source volume */
  {
    g_autoptr(NovaVolumeRecord) third = clone_of (driver, source);
    g_autofree char *name = image_of (third);
    g_autofree char *temp3 = temp_snap_of (third);

    g_assert_cmpint (rbd_remove (c->ioctx, name), ==, 0);
    nova_record_set_string (&third->source_volume_id, source->id);
    g_assert_true (snap_exists (c, source, temp3));
    delete_volume (driver, third);
    g_assert_false (snap_exists (c, source, temp3));
  }
  delete_volume (driver, source);
  g_assert_false (image_exists (c, source));
  delete_volume (driver, second);
}

static void
test_cluster_watchers (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-rbd-XXXXXX");
  g_autoptr(NovaVolumeDriver) driver = cluster_driver (scratch->dir, NULL, NULL);
  g_autoptr(Cluster) c = cluster_open ();
  g_autoptr(NovaVolumeRecord) volume = create_volume (driver, 4 * MIB);
  g_autoptr(GError) error = NULL;

  {
    /* as a hypervisor has it open */
    g_auto(TestImage) image = image_open (c, volume);

    g_assert_false (nova_volume_driver_delete_volume (driver, volume, &error));
    assert_error_says (error, NOVA_VOLUME_ERROR_BUSY, "is open by 1 client");
    g_clear_error (&error);
    g_assert_true (image_exists (c, volume));
  }
  delete_volume (driver, volume);
  g_assert_false (image_exists (c, volume));
}

static void
test_cluster_connection (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-rbd-XXXXXX");
  g_autoptr(NovaVolumeDriverContext) ctx =
    test_driver_context_new (scratch->dir, NULL, "volume_driver", "rbd", "rbd_ceph_conf", cluster_conf (),
                             "rbd_pool", cluster_pool (), "rbd_user", "client.admin",
                             "rbd_secret_uuid", "457eb676-33da-42ec-9a8c-9293d545c337", NULL);
  g_autoptr(NovaVolumeDriver) driver = test_driver_load (ctx);
  g_autoptr(NovaVolumeRecord) volume = create_volume (driver, 4 * MIB);
  g_autoptr(GVariant) connector = g_variant_ref_sink (g_variant_new_parsed ("{'host': <'compute-a'>}"));
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GVariant) stats = NULL;
  g_autoptr(GVariant) data = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *expected_name = NULL;
  g_autofree const char **hosts = NULL;
  g_autofree const char **ports = NULL;
  const char *user = NULL, *uuid = NULL, *protocol = NULL;
  gboolean auth = FALSE;
  guint64 total = 0, free_space = 0;

  info = nova_volume_driver_initialize_connection (driver, volume, connector, &error);
  g_assert_no_error (error);
  assert_connection_info_shape (info);
  data = g_variant_lookup_value (info, "data", G_VARIANT_TYPE_VARDICT);
  g_assert_true (g_variant_lookup (data, "name", "s", &name));
  expected_name = g_strdup_printf ("%s/volume-%s", cluster_pool (), volume->id);
  g_assert_cmpstr (name, ==, expected_name);
  g_assert_true (g_variant_lookup (data, "hosts", "^a&s", &hosts));
  g_assert_true (g_variant_lookup (data, "ports", "^a&s", &ports));
  g_assert_cmpuint (g_strv_length ((char **) hosts), ==, 1);
  g_assert_cmpstr (hosts[0], ==, "127.0.0.1");
  if (g_getenv ("NOVA_TEST_CEPH_MON_PORT") != NULL)
    g_assert_cmpstr (ports[0], ==, g_getenv ("NOVA_TEST_CEPH_MON_PORT"));
  g_assert_true (g_variant_lookup (data, "auth_enabled", "b", &auth));
  g_assert_true (auth);
  g_assert_true (g_variant_lookup (data, "auth_username", "&s", &user));
  g_assert_cmpstr (user, ==, "admin");
  g_assert_true (g_variant_lookup (data, "secret_uuid", "&s", &uuid));
  g_assert_cmpstr (uuid, ==, "457eb676-33da-42ec-9a8c-9293d545c337");
  g_assert_true (nova_volume_driver_terminate_connection (driver, volume, connector, &error));
  g_assert_no_error (error);

  stats = nova_volume_driver_get_volume_stats (driver, TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (stats, "storage_protocol", "&s", &protocol));
  g_assert_cmpstr (protocol, ==, "ceph");
  /* the usage comes from the ceph-mgr (NOVA_TEST_CEPH_MGR: one runs, and
   * the cluster helper waited for `ceph df` to list the pool); without
   * one the capacity is unknown: absent */
  if (g_getenv ("NOVA_TEST_CEPH_MGR") != NULL && *g_getenv ("NOVA_TEST_CEPH_MGR") != '\0')
    {
      g_assert_true (g_variant_lookup (stats, "total_capacity", "t", &total));
      g_assert_true (g_variant_lookup (stats, "free_capacity", "t", &free_space));
      g_assert_cmpuint (free_space, >, 0);
      g_assert_cmpuint (free_space, <=, total);
      g_test_message ("total %" G_GUINT64_FORMAT ", free %" G_GUINT64_FORMAT, total, free_space);
    }
  else
    {
      g_assert_false (g_variant_lookup (stats, "total_capacity", "t", &total));
      g_assert_false (g_variant_lookup (stats, "free_capacity", "t", &free_space));
    }
  delete_volume (driver, volume);
}

typedef struct {
  NovaVolumeDriver *driver;
  guint             failures;
} Parallel;

static gpointer
create_and_delete (gpointer data)
{
  Parallel *p = data;

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(NovaVolumeRecord) volume = test_new_volume (4 * MIB);
      g_autoptr(NovaSnapshotRecord) snapshot = test_new_snapshot (volume);
      g_autoptr(GError) error = NULL;

      if (!nova_volume_driver_create_volume (p->driver, volume, &error)
          || !nova_volume_driver_create_snapshot (p->driver, snapshot, volume, &error)
          || !nova_volume_driver_delete_snapshot (p->driver, snapshot, &error)
          || !nova_volume_driver_delete_volume (p->driver, volume, &error))
        {
          g_printerr ("parallel call failed: %s\n", error->message);
          g_atomic_int_inc (&p->failures);
        }
    }
  return NULL;
}

/* one driver, one connection, many worker threads at once */
static void
test_cluster_parallel (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-rbd-XXXXXX");
  g_autoptr(NovaVolumeDriver) driver = cluster_driver (scratch->dir, NULL, NULL);
  Parallel p = { driver, 0 };
  GThread *threads[6];

  for (gsize i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("rbd-test", create_and_delete, &p);
  for (gsize i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  g_assert_cmpuint (p.failures, ==, 0);
}

/* the cluster frozen (SIGSTOP to its daemons, so nothing answers and
 * nothing refuses either): calls fail within rados_connect_timeout and
 * say so; thawed, the same driver works again */
static void
signal_daemons (int signum)
{
  g_auto(GStrv) pids = g_strsplit (g_getenv ("NOVA_TEST_CEPH_PIDS"), " ", -1);

  for (gsize i = 0; pids[i] != NULL; i++)
    if (*pids[i] != '\0')
      g_assert_cmpint (kill ((pid_t) g_ascii_strtoll (pids[i], NULL, 10), signum), ==, 0);
}

static void
test_cluster_frozen (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-rbd-XXXXXX");
  g_autoptr(NovaVolumeDriver) driver = cluster_driver (scratch->dir, "rados_connect_timeout", "3");
  g_autoptr(NovaVolumeRecord) before = create_volume (driver, 4 * MIB);
  g_autoptr(NovaVolumeRecord) during = test_new_volume (4 * MIB);
  g_autoptr(GError) create_error = NULL;
  g_autoptr(GError) stats_error = NULL;
  g_autoptr(GVariant) stats = NULL;
  gboolean created;
  gint64 deadline;

  signal_daemons (SIGSTOP);
  created = nova_volume_driver_create_volume (driver, during, &create_error);
  stats = nova_volume_driver_get_volume_stats (driver, TRUE, &stats_error);
  signal_daemons (SIGCONT);

  g_assert_false (created);
  assert_error_says (create_error, NOVA_VOLUME_ERROR_FAILED, "within 3 s (rados_connect_timeout)");
  g_assert_null (stats);
  assert_error_says (stats_error, NOVA_VOLUME_ERROR_FAILED, "within 3 s (rados_connect_timeout)");

  /* back: the next calls connect again (the monitor may need a moment) */
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  for (;;)
    {
      g_autoptr(GError) error = NULL;

      if (nova_volume_driver_delete_volume (driver, before, &error))
        break;
      g_test_message ("not yet: %s", error->message);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (G_USEC_PER_SEC / 2);
    }
  /* the create that timed out may have reached the cluster after all */
  delete_volume (driver, during);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/rbd/config", test_config);
  g_test_add_func ("/rbd/mon-dump", test_mon_dump);
  g_test_add_func ("/rbd/df", test_df);
  g_test_add_func ("/rbd/connection-info", test_connection_info);
  g_test_add_func ("/rbd/setup-errors", test_setup_errors);
  g_test_add_func ("/rbd/connect-shared-failure", test_connect_shared_failure);

  /* the cluster tests exist only where tests/test-ceph.sh runs them */
  if (cluster_conf () != NULL)
    {
      g_test_add_func ("/rbd/cluster/setup", test_cluster_setup);
      g_test_add_func ("/rbd/cluster/volume", test_cluster_volume);
      g_test_add_func ("/rbd/cluster/snapshot", test_cluster_snapshot);
      g_test_add_func ("/rbd/cluster/flatten-by-config", test_cluster_flatten_by_config);
      g_test_add_func ("/rbd/cluster/flatten-cancelled", test_cluster_flatten_cancelled);
      g_test_add_func ("/rbd/cluster/flatten-by-depth", test_cluster_flatten_by_depth);
      g_test_add_func ("/rbd/cluster/clone-of-volume", test_cluster_clone_of_volume);
      g_test_add_func ("/rbd/cluster/watchers", test_cluster_watchers);
      g_test_add_func ("/rbd/cluster/connection-and-stats", test_cluster_connection);
      g_test_add_func ("/rbd/cluster/parallel", test_cluster_parallel);
      g_test_add_func ("/rbd/cluster/list-stored", test_cluster_list_stored);
      if (g_getenv ("NOVA_TEST_CEPH_PIDS") != NULL)
        g_test_add_func ("/rbd/cluster/frozen", test_cluster_frozen);
    }
  return g_test_run ();
}
