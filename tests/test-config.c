/* nova-volume: tests for NovaVolumeConfig, data/nova-volume.conf and the
 * error domain */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "nova-volume-config.h"
#include "nova-volume-driver.h"
#include "nova-volume-error.h"
#include "test-util.h"

static char *
scratch_write (TestScratch *scratch, const char *name, const char *contents)
{
  g_autofree char *path = test_scratch_path (scratch, name);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

/* expected defaults, written out here rather than read from the table, so
 * a changed default is a deliberate change to two places */
typedef enum { T_STRING, T_INT, T_BOOL } ExpectType;
static const struct {
  const char *key;
  ExpectType  type;
  const char *text;   /* the default as text (key_default) */
  gint64      number; /* T_INT, T_BOOL */
} expected_defaults[] = {
  /* the daemon's own */
  { "volume_driver", T_STRING, "file", 0 },
  { "storage_availability_zone", T_STRING, "nova", 0 },
  { "num_shell_tries", T_INT, "3", 3 },
  { "volume_topic", T_STRING, "volume", 0 },
  { "volume_manager", T_STRING, "nova.volume.manager.VolumeManager", 0 },
  { "host", T_STRING, "", 0 },
  { "enabled_backends", T_STRING, "", 0 },
  { "default_volume_type", T_STRING, "", 0 },
  { "backend_stats_interval", T_INT, "60", 60 },
  { "max_over_subscription_ratio", T_STRING, "20.0", 0 },
  { "reserved_percentage", T_INT, "0", 0 },
  { "thin_pool_warn_percent", T_INT, "80", 80 },
  { "shutdown_timeout", T_INT, "30", 30 },
  { "image_formats_allowed", T_STRING, "raw,qcow2", 0 },
  { "image_max_virtual_size", T_INT, "1024", 1024 },
  { "backup_driver", T_STRING, "posix", 0 },
  { "backup_path", T_STRING, "", 0 },
  { "backup_ceph_conf", T_STRING, "/etc/ceph/ceph.conf", 0 },
  { "backup_ceph_user", T_STRING, "", 0 },
  { "backup_ceph_pool", T_STRING, "backups", 0 },
  { "backup_chunk_size", T_INT, "4", 4 },
  { "volume_backend_name", T_STRING, "", 0 },
  { "volume_name_template", T_STRING, "volume-%s", 0 },
  { "snapshot_name_template", T_STRING, "snapshot-%s", 0 },
  /* the aoe driver, and the LVM keys it shares */
  { "aoe_eth_dev", T_STRING, "eth0", 0 },
  { "aoe_shelf", T_INT, "0", 0 },
  { "aoe_blades_per_shelf", T_INT, "16", 16 },
  { "aoe_vblade_command", T_STRING, "vblade", 0 },
  { "volume_group", T_STRING, "nova-volumes", 0 },
  { "lvm_type", T_STRING, "default", 0 },
  { "lvm_snapshot_percent", T_INT, "100", 100 },
  { "volume_clear", T_STRING, "zero", 0 },
  { "volume_clear_size", T_INT, "0", 0 },
  /* the fake driver, and the iSCSI keys it shares */
  { "fake_command_log", T_STRING, "", 0 },
  { "iscsi_target_prefix", T_STRING, "iqn.2010-10.org.openstack:", 0 },
  { "iscsi_ip_address", T_STRING, "127.0.0.1", 0 },
  { "iscsi_port", T_INT, "3260", 3260 },
  { "iscsi_num_targets", T_INT, "100", 100 },
  { "iscsi_helper", T_STRING, "tgtadm", 0 },
  /* the file driver */
  { "file_volumes_dir", T_STRING, "", 0 },
  /* the logging driver */
  { "logging_driver_log", T_STRING, "", 0 },
  { "logging_driver_hold_copies", T_BOOL, "false", FALSE },
  /* the rbd driver */
  { "rbd_pool", T_STRING, "rbd", 0 },
  { "rbd_user", T_STRING, "", 0 },
  { "rbd_ceph_conf", T_STRING, "/etc/ceph/ceph.conf", 0 },
  { "rbd_cluster_name", T_STRING, "ceph", 0 },
  { "rbd_secret_uuid", T_STRING, "", 0 },
  { "rados_connect_timeout", T_INT, "30", 30 },
  { "rbd_flatten_volume_from_snapshot", T_BOOL, "false", FALSE },
  { "rbd_max_clone_depth", T_INT, "5", 5 },
  /* the sheepdog driver */
  { "sheepdog_command", T_STRING, "dog", 0 },
  { "sheepdog_host", T_STRING, "127.0.0.1", 0 },
  { "sheepdog_port", T_INT, "7000", 7000 },
  { "sheepdog_timeout", T_INT, "60", 60 },
};

static void
test_defaults (void)
{
  g_autoptr(NovaVolumeConfig) config = nova_volume_config_new ();
  const char *const *keys = nova_volume_config_list_keys ();

  g_assert_null (nova_volume_config_get_path (config));
  g_assert_cmpuint (g_strv_length ((char **) keys), ==, G_N_ELEMENTS (expected_defaults));

  for (gsize i = 0; i < G_N_ELEMENTS (expected_defaults); i++)
    {
      const char *key = expected_defaults[i].key;

      g_test_message ("default of %s", key);
      g_assert_true (g_strv_contains (keys, key));
      g_assert_cmpstr (nova_volume_config_key_default (key), ==, expected_defaults[i].text);
      if (expected_defaults[i].type == T_INT)
        g_assert_cmpint (nova_volume_config_get_int (config, key), ==, expected_defaults[i].number);
      else if (expected_defaults[i].type == T_BOOL)
        g_assert_cmpint (nova_volume_config_get_boolean (config, key), ==, expected_defaults[i].number);
      else if (g_str_equal (key, "host"))
        g_assert_cmpstr (nova_volume_config_get_string (config, key), ==, g_get_host_name ());
      else if (g_str_equal (key, "volume_backend_name"))
        g_assert_cmpstr (nova_volume_config_get_string (config, key), ==, "file");
      else
        g_assert_cmpstr (nova_volume_config_get_string (config, key), ==, expected_defaults[i].text);
    }
  g_assert_cmpstr (nova_volume_config_get_driver (config), ==, "file");
}

static void
test_list_keys_order (void)
{
  const char *const *keys = nova_volume_config_list_keys ();

  /* the daemon's keys, then each driver's, drivers by name */
  g_assert_cmpstr (keys[0], ==, "volume_driver");
  for (gsize i = 0; i < G_N_ELEMENTS (expected_defaults); i++)
    g_assert_cmpstr (keys[i], ==, expected_defaults[i].key);
  g_assert_null (keys[G_N_ELEMENTS (expected_defaults)]);
}

/* at least one refused value for every key */
static const struct {
  const char *key;
  const char *value;
} bad_values[] = {
  { "image_formats_allowed", "raw,qed" },
  { "image_formats_allowed", "qcow2,qcow2" },
  { "image_formats_allowed", "raw,,qcow2" },
  { "image_max_virtual_size", "-1" },
  { "backup_driver", "tape" },
  { "backup_path", "relative/backups" },
  { "backup_chunk_size", "0" },
  { "backup_ceph_conf", "ceph.conf" },
  { "backup_ceph_user", "client admin" },
  { "backup_ceph_pool", "" },
  { "backup_chunk_size", "65" },
  { "volume_driver", "nosuch" },
  { "volume_driver", "nova.volume.driver.NoSuchDriver" },
  { "volume_driver", "" },
  { "volume_group", "" },
  { "volume_group", "my group" },
  { "volume_group", "-vg" },
  { "storage_availability_zone", "" },
  { "num_shell_tries", "abc" },
  { "num_shell_tries", "3x" },
  { "num_shell_tries", "0x3" },
  { "num_shell_tries", "" },
  { "num_shell_tries", "0" },
  { "num_shell_tries", "101" },
  { "num_shell_tries", "-1" },
  { "num_shell_tries", "99999999999999999999999" },
  { "volume_topic", "" },
  { "volume_manager", "" },
  { "host", "my host" },
  { "enabled_backends", "a,,b" },
  { "enabled_backends", "fast, fast" },
  { "enabled_backends", "a b" },
  { "default_volume_type", "no/slash" },
  { "backend_stats_interval", "-1" },
  { "backend_stats_interval", "86401" },
  { "shutdown_timeout", "0" },
  { "max_over_subscription_ratio", "0.5" },
  { "max_over_subscription_ratio", "lots" },
  { "max_over_subscription_ratio", "20x" },
  { "reserved_percentage", "101" },
  { "thin_pool_warn_percent", "0" },
  { "shutdown_timeout", "3601" },
  { "volume_backend_name", "tab\there" },
  { "volume_backend_name", "new\nline" },
  { "volume_name_template", "volume" },
  { "volume_name_template", "%s-%s" },
  { "volume_name_template", "vol-%d-%s" },
  { "volume_name_template", "vol-%s%" },
  { "volume_name_template", "a/%s" },
  { "volume_name_template", "-%s" },
  { "volume_name_template", "vol %s" },
  { "snapshot_name_template", "snap$(x)-%s" },
  { "snapshot_name_template", "snapshot" },
  { "file_volumes_dir", "relative/dir" },
  { "fake_command_log", "commands.log" },
  { "logging_driver_log", "calls.json" },
  { "logging_driver_hold_copies", "maybe" },
  { "iscsi_target_prefix", "target:" },
  { "iscsi_target_prefix", "iqn.2010-10.org open:" },
  { "iscsi_ip_address", "localhost" },
  { "iscsi_ip_address", "300.1.1.1" },
  { "iscsi_port", "0" },
  { "iscsi_port", "65536" },
  { "iscsi_port", "http" },
  { "iscsi_num_targets", "0" },
  { "iscsi_num_targets", "1.5" },
  { "iscsi_helper", "targetcli" },
  { "iscsi_helper", "" },
  { "lvm_type", "thick" },
  { "volume_clear", "shred" },
  { "lvm_snapshot_percent", "0" },
  { "lvm_snapshot_percent", "101" },
  { "volume_clear_size", "-1" },
  { "volume_clear_size", "1048577" },
  /* the sheepdog driver */
  { "sheepdog_command", "" },
  { "sheepdog_command", "-dog" },
  { "sheepdog_command", "bin/dog" },
  { "sheepdog_command", "dog --verbose" },
  { "sheepdog_host", "sheep.example.org" },
  { "sheepdog_host", "127.0.0.1 -p 1" },
  { "sheepdog_port", "0" },
  { "sheepdog_port", "65536" },
  { "sheepdog_timeout", "0" },
  { "sheepdog_timeout", "3601" },
  /* the aoe driver */
  { "aoe_eth_dev", "" },
  { "aoe_eth_dev", "sixteen-letters0" },
  { "aoe_eth_dev", "eth0:1" },
  { "aoe_eth_dev", "eth 0" },
  { "aoe_shelf", "-1" },
  { "aoe_shelf", "65535" },
  { "aoe_blades_per_shelf", "0" },
  { "aoe_blades_per_shelf", "256" },
  { "aoe_vblade_command", "" },
  { "aoe_vblade_command", "-vblade" },
  { "aoe_vblade_command", "vblade -r" },
  /* the rbd driver */
  { "rbd_pool", "" },
  { "rbd_pool", "a/b" },
  { "rbd_pool", "a@b" },
  { "rbd_user", "two words" },
  { "rbd_ceph_conf", "ceph.conf" },
  { "rbd_ceph_conf", "" },
  { "rbd_cluster_name", "my cluster" },
  { "rbd_secret_uuid", "not-a-uuid" },
  { "rados_connect_timeout", "0" },
  { "rados_connect_timeout", "3601" },
  { "rbd_flatten_volume_from_snapshot", "maybe" },
  { "rbd_max_clone_depth", "-1" },
};

static void
test_bad_values_set (void)
{
  const char *const *keys = nova_volume_config_list_keys ();

  /* the table above covers every key */
  for (gsize k = 0; keys[k] != NULL; k++)
    {
      gboolean found = FALSE;

      for (gsize i = 0; i < G_N_ELEMENTS (bad_values) && !found; i++)
        found = g_str_equal (bad_values[i].key, keys[k]);
      if (!found)
        g_error ("no bad value tested for %s", keys[k]);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (bad_values); i++)
    {
      g_autoptr(NovaVolumeConfig) config = nova_volume_config_new ();
      g_autoptr(GError) error = NULL;
      /* control characters are shown escaped (the values here are ASCII) */
      g_autofree char *shown = g_strescape (bad_values[i].value, NULL);
      g_autofree char *prefix = g_strdup_printf ("%s = '%s': ", bad_values[i].key, shown);

      g_test_message ("set %s = '%s'", bad_values[i].key, bad_values[i].value);
      g_assert_false (nova_volume_config_set (config, bad_values[i].key, bad_values[i].value, &error));
      g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
      g_assert_true (g_str_has_prefix (error->message, prefix));
      g_test_message ("  %s", error->message);

      /* the refused value left the default in place */
      g_assert_cmpstr (nova_volume_config_get_driver (config), ==, "file");
      if (g_str_equal (bad_values[i].key, "num_shell_tries"))
        g_assert_cmpint (nova_volume_config_get_int (config, "num_shell_tries"), ==, 3);
    }
}

static void
test_bad_values_file (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-config-XXXXXX");

  for (gsize i = 0; i < G_N_ELEMENTS (bad_values); i++)
    {
      g_autoptr(GKeyFile) keyfile = g_key_file_new ();
      g_autoptr(NovaVolumeConfig) config = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *data = NULL;
      g_autofree char *path = NULL;
      g_autofree char *prefix = NULL;
      g_autofree char *shown = g_strescape (bad_values[i].value, NULL);

      /* set_string escapes what needs it (the tab), as an editor would */
      g_key_file_set_string (keyfile, "DEFAULT", bad_values[i].key, bad_values[i].value);
      data = g_key_file_to_data (keyfile, NULL, NULL);
      path = scratch_write (scratch, "bad.conf", data);

      config = nova_volume_config_load (path, FALSE, &error);
      g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
      g_assert_null (config);
      prefix = g_strdup_printf ("%s: %s = '%s': ", path, bad_values[i].key, shown);
      g_assert_true (g_str_has_prefix (error->message, prefix));
    }
}

static void
test_bad_int_message (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-config-XXXXXX");
  g_autofree char *path = scratch_write (scratch, "nova-volume.conf",
                                         "[DEFAULT]\nnum_shell_tries = abc\n");
  g_autofree char *expected = g_strdup_printf ("%s: num_shell_tries = 'abc': not an integer (1..100)", path);
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeConfig) config = nova_volume_config_load (path, FALSE, &error);

  g_assert_null (config);
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, expected);
}

static void
test_load_values (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-config-XXXXXX");
  g_autofree char *path = scratch_write (scratch, "nova-volume.conf",
                                         "# a comment\n"
                                         "[DEFAULT]\n"
                                         "volume_driver = fake\t\n"
                                         "volume_group = vg0   \n"
                                         "num_shell_tries = 7  \n"
                                         "iscsi_helper=lioadm\n"
                                         "host = storage-1\n"
                                         "volume_backend_name = fast\n"
                                         "iscsi_ip_address = ::1\n"
                                         "volume_name_template = vol_%s_data\n"
                                         "fake_command_log = /tmp/commands.log\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeConfig) config = nova_volume_config_load (path, FALSE, &error);

  g_assert_no_error (error);
  g_assert_nonnull (config);
  g_assert_cmpstr (nova_volume_config_get_path (config), ==, path);
  g_assert_cmpstr (nova_volume_config_get_driver (config), ==, "fake");
  g_assert_cmpstr (nova_volume_config_get_string (config, "volume_driver"), ==, "fake");
  /* blanks around a value are not part of it */
  g_assert_cmpstr (nova_volume_config_get_string (config, "volume_group"), ==, "vg0");
  g_assert_cmpint (nova_volume_config_get_int (config, "num_shell_tries"), ==, 7);
  g_assert_cmpstr (nova_volume_config_get_string (config, "iscsi_helper"), ==, "lioadm");
  g_assert_cmpstr (nova_volume_config_get_string (config, "host"), ==, "storage-1");
  g_assert_cmpstr (nova_volume_config_get_string (config, "volume_backend_name"), ==, "fast");
  g_assert_cmpstr (nova_volume_config_get_string (config, "iscsi_ip_address"), ==, "::1");
  g_assert_cmpstr (nova_volume_config_get_string (config, "volume_name_template"), ==, "vol_%s_data");
  g_assert_cmpstr (nova_volume_config_get_string (config, "fake_command_log"), ==, "/tmp/commands.log");
  /* untouched keys keep their defaults */
  g_assert_cmpstr (nova_volume_config_get_string (config, "storage_availability_zone"), ==, "nova");
  g_assert_cmpint (nova_volume_config_get_int (config, "iscsi_port"), ==, 3260);
}

/* the backend names come from the templates, with the id as plain text */
static void
test_backend_names (void)
{
  static const struct {
    const char *volume_template;
    const char *snapshot_template;
    const char *volume_name;
    const char *snapshot_name;
  } cases[] = {
    { NULL, NULL,
      "volume-3f2a0c8e-1b2c-4d5e-8f90-123456789abc", "snapshot-3f2a0c8e-1b2c-4d5e-8f90-123456789abc" },
    { "vol_%s.img", "%s.snap",
      "vol_3f2a0c8e-1b2c-4d5e-8f90-123456789abc.img", "3f2a0c8e-1b2c-4d5e-8f90-123456789abc.snap" },
    { "%s", "snap-%s-x",
      "3f2a0c8e-1b2c-4d5e-8f90-123456789abc", "snap-3f2a0c8e-1b2c-4d5e-8f90-123456789abc-x" },
  };
  const char *id = "3f2a0c8e-1b2c-4d5e-8f90-123456789abc";

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(NovaVolumeConfig) config = nova_volume_config_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *volume_name = NULL;
      g_autofree char *snapshot_name = NULL;

      if (cases[i].volume_template != NULL)
        {
          g_assert_true (nova_volume_config_set (config, "volume_name_template", cases[i].volume_template, &error));
          g_assert_true (nova_volume_config_set (config, "snapshot_name_template", cases[i].snapshot_template, &error));
          g_assert_no_error (error);
        }
      volume_name = nova_volume_config_volume_name (config, id);
      snapshot_name = nova_volume_config_snapshot_name (config, id);
      g_assert_cmpstr (volume_name, ==, cases[i].volume_name);
      g_assert_cmpstr (snapshot_name, ==, cases[i].snapshot_name);
    }

  /* an id is text, not a format: a % in it stays a % */
  {
    g_autoptr(NovaVolumeConfig) config = nova_volume_config_new ();
    g_autofree char *name = nova_volume_config_volume_name (config, "a%sb%n");

    g_assert_cmpstr (name, ==, "volume-a%sb%n");
  }
}

static void
test_driver_aliases (void)
{
  static const struct {
    const char *value;
    const char *driver;
  } aliases[] = {
    { "file", "file" },
    { "fake", "fake" },
    { "logging", "logging" },
    { "lvm-iscsi", "lvm-iscsi" },
    { "rbd", "rbd" },
    { "sheepdog", "sheepdog" },
    { "aoe", "aoe" },
    { "nova.volume.driver.FakeISCSIDriver", "fake" },
    { "nova.volume.driver.ISCSIDriver", "lvm-iscsi" },
    { "nova.volume.driver.RBDDriver", "rbd" },
    { "nova.volume.driver.SheepdogDriver", "sheepdog" },
    { "nova.volume.driver.LoggingVolumeDriver", "logging" },
    { "nova.volume.driver.AOEDriver", "aoe" },
  };
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-config-XXXXXX");

  for (gsize i = 0; i < G_N_ELEMENTS (aliases); i++)
    {
      g_autoptr(NovaVolumeConfig) config = nova_volume_config_new ();
      g_autoptr(NovaVolumeConfig) loaded = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *contents = g_strdup_printf ("[DEFAULT]\nvolume_driver = %s\n", aliases[i].value);
      g_autofree char *path = scratch_write (scratch, "driver.conf", contents);

      g_assert_true (nova_volume_config_set (config, "volume_driver", aliases[i].value, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (nova_volume_config_get_driver (config), ==, aliases[i].driver);
      /* the backend name follows the driver while it is not set */
      g_assert_cmpstr (nova_volume_config_get_string (config, "volume_backend_name"), ==, aliases[i].driver);

      loaded = nova_volume_config_load (path, FALSE, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (nova_volume_config_get_driver (loaded), ==, aliases[i].driver);
    }
}

static void
test_unknown_driver (void)
{
  g_autoptr(NovaVolumeConfig) config = nova_volume_config_new ();
  g_autoptr(GError) error = NULL;
  const char *const *known = nova_volume_driver_registry_names ();

  g_assert_false (nova_volume_config_set (config, "volume_driver", "nova.volume.driver.NetAppDriver", &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "volume_driver"));
  g_assert_nonnull (strstr (error->message, "NetAppDriver"));
  /* it lists what would have worked */
  for (gsize i = 0; known[i] != NULL; i++)
    g_assert_nonnull (strstr (error->message, known[i]));
}

static void
test_unknown_key (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-config-XXXXXX");
  g_autofree char *path = scratch_write (scratch, "nova-volume.conf",
                                         "[DEFAULT]\nvolume_group = vg0\nvolume_grup = vg1\n");
  g_autofree char *expected = g_strdup_printf ("%s: unknown key 'volume_grup' in [DEFAULT]; did you mean volume_group?", path);
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeConfig) config = nova_volume_config_load (path, FALSE, &error);
  g_autoptr(NovaVolumeConfig) defaults = nova_volume_config_new ();

  g_assert_null (config);
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);

  g_assert_false (nova_volume_config_set (defaults, "volume_grup", "vg1", &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "volume_grup"));
}

static void
test_unknown_group (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-config-XXXXXX");
  g_autofree char *path = scratch_write (scratch, "nova-volume.conf",
                                         "[DEFAULT]\nvolume_group = vg0\n"
                                         "[lvm]\nvolume_group = vg1\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeConfig) config = nova_volume_config_load (path, FALSE, &error);

  g_assert_null (config);
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  g_assert_true (g_str_has_prefix (error->message, path));
  g_assert_nonnull (strstr (error->message, "[lvm]"));
}

static void
test_syntax_error (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-config-XXXXXX");
  g_autofree char *path = scratch_write (scratch, "nova-volume.conf",
                                         "[DEFAULT]\nthis line has no equals sign\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeConfig) config = nova_volume_config_load (path, FALSE, &error);

  g_assert_null (config);
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  g_assert_true (g_str_has_prefix (error->message, path));
}

static void
test_empty_file (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-config-XXXXXX");
  g_autofree char *empty = scratch_write (scratch, "empty.conf", "");
  g_autofree char *group = scratch_write (scratch, "group.conf", "[DEFAULT]\n# nothing set\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeConfig) config1 = nova_volume_config_load (empty, FALSE, &error);
  g_autoptr(NovaVolumeConfig) config2 = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (nova_volume_config_get_driver (config1), ==, "file");
  config2 = nova_volume_config_load (group, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (nova_volume_config_get_int (config2, "num_shell_tries"), ==, 3);
}

static void
test_missing_file (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-config-XXXXXX");
  g_autofree char *path = g_build_filename (scratch->dir, "absent.conf", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeConfig) config = NULL;

  config = nova_volume_config_load (path, FALSE, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_null (config);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);

  config = nova_volume_config_load (path, TRUE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (config);
  /* nothing came from the file */
  g_assert_null (nova_volume_config_get_path (config));
  g_assert_cmpstr (nova_volume_config_get_driver (config), ==, "file");
  g_assert_cmpint (nova_volume_config_get_int (config, "num_shell_tries"), ==, 3);
}

static void
test_set (void)
{
  g_autoptr(NovaVolumeConfig) config = nova_volume_config_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_volume_config_set (config, "num_shell_tries", "10", &error));
  g_assert_no_error (error);
  g_assert_cmpint (nova_volume_config_get_int (config, "num_shell_tries"), ==, 10);

  g_assert_true (nova_volume_config_set (config, "num_shell_tries", " 100 ", &error));
  g_assert_cmpint (nova_volume_config_get_int (config, "num_shell_tries"), ==, 100);

  g_assert_true (nova_volume_config_set (config, "volume_clear", "none", &error));
  g_assert_cmpstr (nova_volume_config_get_string (config, "volume_clear"), ==, "none");

  g_assert_true (nova_volume_config_set (config, "volume_clear_size", "1048576", &error));
  g_assert_cmpint (nova_volume_config_get_int (config, "volume_clear_size"), ==, 1048576);

  g_assert_true (nova_volume_config_set (config, "lvm_type", "thin", &error));
  g_assert_cmpstr (nova_volume_config_get_string (config, "lvm_type"), ==, "thin");

  /* host: a name, then back to "the machine's" */
  g_assert_true (nova_volume_config_set (config, "host", "storage-7", &error));
  g_assert_cmpstr (nova_volume_config_get_string (config, "host"), ==, "storage-7");
  g_assert_true (nova_volume_config_set (config, "host", "", &error));
  g_assert_cmpstr (nova_volume_config_get_string (config, "host"), ==, g_get_host_name ());
  g_assert_no_error (error);

  /* every default is itself accepted by set() */
  for (const char *const *keys = nova_volume_config_list_keys (); *keys != NULL; keys++)
    {
      g_assert_true (nova_volume_config_set (config, *keys, nova_volume_config_key_default (*keys), &error));
      g_assert_no_error (error);
    }
  g_assert_cmpint (nova_volume_config_get_int (config, "num_shell_tries"), ==, 3);
  g_assert_cmpstr (nova_volume_config_get_string (config, "lvm_type"), ==, "default");
}

static void
test_stable_pointers (void)
{
  g_autoptr(NovaVolumeConfig) config = nova_volume_config_new ();

  /* worker threads keep what the getters return */
  g_assert_true (nova_volume_config_get_string (config, "host")
                 == nova_volume_config_get_string (config, "host"));
  g_assert_true (nova_volume_config_get_driver (config) == nova_volume_config_get_driver (config));
}

static void
test_wrong_getter (void)
{
  g_autoptr(NovaVolumeConfig) config = nova_volume_config_new ();

  g_test_expect_message ("nova-volume", G_LOG_LEVEL_CRITICAL, "*no key 'no_such_key'*");
  g_assert_null (nova_volume_config_get_string (config, "no_such_key"));
  g_test_assert_expected_messages ();

  g_test_expect_message ("nova-volume", G_LOG_LEVEL_CRITICAL, "*'num_shell_tries' is not a string*");
  g_assert_null (nova_volume_config_get_string (config, "num_shell_tries"));
  g_test_assert_expected_messages ();

  g_test_expect_message ("nova-volume", G_LOG_LEVEL_CRITICAL, "*'volume_group' is not an integer*");
  g_assert_cmpint (nova_volume_config_get_int (config, "volume_group"), ==, 0);
  g_test_assert_expected_messages ();

  g_test_expect_message ("nova-volume", G_LOG_LEVEL_CRITICAL, "*'iscsi_port' is not a boolean*");
  g_assert_false (nova_volume_config_get_boolean (config, "iscsi_port"));
  g_test_assert_expected_messages ();

  g_test_expect_message ("nova-volume", G_LOG_LEVEL_CRITICAL, "*no key 'no_such_key'*");
  g_assert_null (nova_volume_config_key_default ("no_such_key"));
  g_test_assert_expected_messages ();
}

static char *
packaged_conf_path (void)
{
  return g_test_build_filename (G_TEST_DIST, "..", "data", "nova-volume.conf", NULL);
}

static void
test_packaged_file_loads (void)
{
  g_autofree char *path = packaged_conf_path ();
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeConfig) config = nova_volume_config_load (path, FALSE, &error);

  g_assert_no_error (error);
  g_assert_nonnull (config);
  /* everything in it is commented out: it is the defaults */
  g_assert_cmpstr (nova_volume_config_get_driver (config), ==, "file");
  g_assert_cmpint (nova_volume_config_get_int (config, "num_shell_tries"), ==, 3);
}

static void
test_packaged_file_documents_every_key (void)
{
  g_autofree char *path = packaged_conf_path ();
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  const char *const *keys = nova_volume_config_list_keys ();
  gsize next_key = 0;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);

  /* each key as "#key = default" (or "#key =" for an empty default), in
   * table order, right under a comment that explains it */
  for (gsize i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *expected = NULL;
      const char *def;

      if (keys[next_key] == NULL)
        break;
      def = nova_volume_config_key_default (keys[next_key]);
      expected = *def == '\0'
        ? g_strdup_printf ("#%s =", keys[next_key])
        : g_strdup_printf ("#%s = %s", keys[next_key], def);
      if (!g_str_equal (lines[i], expected))
        continue;
      g_assert_cmpuint (i, >, 0);
      g_assert_true (g_str_has_prefix (lines[i - 1], "# "));
      next_key++;
    }
  if (keys[next_key] != NULL)
    g_error ("%s does not document '%s' as '#%s = %s' (in table order)", path,
             keys[next_key], keys[next_key], nova_volume_config_key_default (keys[next_key]));
}

/* the error domain: a D-Bus name for every code */
static void
test_error_names (void)
{
  static const char *const names[] = {
    "Failed", "NotAuthorized", "NotFound", "InvalidArgument", "InvalidState",
    "Busy", "NoSpace", "NotSupported", "Cancelled", "AlreadyExists", "NotAuthorizedCanObtain",
  };

  G_STATIC_ASSERT (G_N_ELEMENTS (names) == NOVA_VOLUME_ERROR_N_ERRORS);
  for (gint code = 0; code < NOVA_VOLUME_ERROR_N_ERRORS; code++)
    {
      g_autoptr(GError) error = g_error_new (NOVA_VOLUME_ERROR, code, "message %d", code);
      g_autoptr(GError) back = NULL;
      g_autofree char *expected = g_strconcat ("org.openstack.Volume1.Error.", names[code], NULL);
      g_autofree char *name = g_dbus_error_encode_gerror (error);

      g_assert_cmpstr (name, ==, expected);
      /* and a client gets the code back from the name */
      back = g_dbus_error_new_for_dbus_error (expected, "remote message");
      g_assert_error (back, NOVA_VOLUME_ERROR, code);
      g_assert_true (g_dbus_error_strip_remote_error (back));
      g_assert_cmpstr (back->message, ==, "remote message");
    }
}

static void
test_error_convert (void)
{
  static const struct {
    GQuark domain;
    gint   code;
    gint   expected;
  } cases[] = {
    { 0, G_IO_ERROR_NOT_FOUND, NOVA_VOLUME_ERROR_NOT_FOUND },
    { 0, G_IO_ERROR_EXISTS, NOVA_VOLUME_ERROR_ALREADY_EXISTS },
    { 0, G_IO_ERROR_NO_SPACE, NOVA_VOLUME_ERROR_NO_SPACE },
    { 0, G_IO_ERROR_PERMISSION_DENIED, NOVA_VOLUME_ERROR_FAILED },
    { 0, G_IO_ERROR_BUSY, NOVA_VOLUME_ERROR_BUSY },
    { 0, G_IO_ERROR_CANCELLED, NOVA_VOLUME_ERROR_CANCELLED },
    { 0, G_IO_ERROR_NOT_SUPPORTED, NOVA_VOLUME_ERROR_NOT_SUPPORTED },
    { 0, G_IO_ERROR_INVALID_ARGUMENT, NOVA_VOLUME_ERROR_INVALID_ARGUMENT },
    { 0, G_IO_ERROR_TIMED_OUT, NOVA_VOLUME_ERROR_FAILED },
    { 1, G_KEY_FILE_ERROR_PARSE, NOVA_VOLUME_ERROR_INVALID_ARGUMENT },
    { 1, G_KEY_FILE_ERROR_INVALID_VALUE, NOVA_VOLUME_ERROR_INVALID_ARGUMENT },
    { 2, G_FILE_ERROR_NOENT, NOVA_VOLUME_ERROR_NOT_FOUND },
    { 2, G_FILE_ERROR_NOSPC, NOVA_VOLUME_ERROR_NO_SPACE },
    { 2, G_FILE_ERROR_EXIST, NOVA_VOLUME_ERROR_ALREADY_EXISTS },
    { 2, G_FILE_ERROR_ACCES, NOVA_VOLUME_ERROR_FAILED },
    { 3, G_SPAWN_ERROR_NOENT, NOVA_VOLUME_ERROR_FAILED },
    { 4, G_DBUS_ERROR_ACCESS_DENIED, NOVA_VOLUME_ERROR_NOT_AUTHORIZED },
    { 4, G_DBUS_ERROR_FAILED, NOVA_VOLUME_ERROR_FAILED },
    { 5, 1, NOVA_VOLUME_ERROR_FAILED },
    { 6, NOVA_VOLUME_ERROR_BUSY, NOVA_VOLUME_ERROR_BUSY },
    { 6, NOVA_VOLUME_ERROR_INVALID_STATE, NOVA_VOLUME_ERROR_INVALID_STATE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GQuark domains[] = {
        G_IO_ERROR, G_KEY_FILE_ERROR, G_FILE_ERROR, G_SPAWN_ERROR, G_DBUS_ERROR,
        g_quark_from_static_string ("some-library-error-quark"), NOVA_VOLUME_ERROR,
      };
      g_autoptr(GError) error = g_error_new (domains[cases[i].domain], cases[i].code,
                                             "case %" G_GSIZE_FORMAT, i);
      g_autofree char *message = g_strdup (error->message);

      nova_volume_error_convert (&error);
      g_assert_error (error, NOVA_VOLUME_ERROR, cases[i].expected);
      g_assert_cmpstr (error->message, ==, message);
    }
}

static void
test_error_convert_noop (void)
{
  GError *error = NULL;

  nova_volume_error_convert (NULL);
  nova_volume_error_convert (&error);
  g_assert_null (error);
}

/* ---- backends and volume types -------------------------------------- */

static NovaVolumeConfig *
load_text (TestScratch *scratch, const char *text, GError **error)
{
  g_autofree char *path = scratch_write (scratch, "nova-volume.conf", text);

  return nova_volume_config_load (path, FALSE, error);
}

static void
test_single_backend (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-config-XXXXXX");
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeConfig) config = load_text (scratch, "[DEFAULT]\nvolume_driver = nova.volume.driver.LoggingVolumeDriver\n", &error);
  const char *const *names;

  g_assert_no_error (error);
  g_assert_cmpuint (nova_volume_config_get_n_backends (config), ==, 1);
  /* the one backend is the daemon's own configuration, named after its driver */
  g_assert_true (nova_volume_config_get_backend (config, 0) == config);
  g_assert_null (nova_volume_config_get_backend (config, 1));
  g_assert_cmpstr (nova_volume_config_get_backend_name (config), ==, "logging");
  g_assert_true (nova_volume_config_lookup_backend (config, "logging") == config);
  g_assert_null (nova_volume_config_lookup_backend (config, "file"));
  names = nova_volume_config_list_backends (config);
  g_assert_cmpstr (names[0], ==, "logging");
  g_assert_null (names[1]);
  g_assert_cmpstr (nova_volume_config_get_string (config, "volume_backend_name"), ==, "logging");
  g_assert_cmpuint (nova_volume_config_get_n_types (config), ==, 0);
}

static void
test_backend_groups (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-config-XXXXXX");
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeConfig) config = load_text (scratch,
      "[DEFAULT]\nvolume_group = shared-vg\nnum_shell_tries = 5\ndefault_volume_type = durable\n"
      "[backend:fast]\nvolume_driver = logging\nvolume_name_template = fast-%s\n"
      "[backend:slow.1]\nvolume_driver = file\nfile_volumes_dir = /srv/slow\n"
      "[type:durable]\nbackend = slow.1\nthin = yes\ndescription = kept on the slow disks\n"
      "[type:scratch]\nbackend = fast\n", &error);
  NovaVolumeConfig *fast, *slow;
  const NovaVolumeType *type;

  g_assert_no_error (error);
  g_assert_cmpuint (nova_volume_config_get_n_backends (config), ==, 2);
  fast = nova_volume_config_get_backend (config, 0);
  slow = nova_volume_config_get_backend (config, 1);
  g_assert_cmpstr (nova_volume_config_get_backend_name (fast), ==, "fast");
  g_assert_cmpstr (nova_volume_config_get_backend_name (slow), ==, "slow.1");
  g_assert_true (nova_volume_config_lookup_backend (config, "slow.1") == slow);
  g_assert_cmpstr (nova_volume_config_get_driver (fast), ==, "logging");
  g_assert_cmpstr (nova_volume_config_get_driver (slow), ==, "file");
  /* a backend takes what it does not set from [DEFAULT] */
  g_assert_cmpstr (nova_volume_config_get_string (fast, "volume_group"), ==, "shared-vg");
  g_assert_cmpint (nova_volume_config_get_int (slow, "num_shell_tries"), ==, 5);
  g_assert_cmpstr (nova_volume_config_get_string (fast, "volume_name_template"), ==, "fast-%s");
  g_assert_cmpstr (nova_volume_config_get_string (slow, "volume_name_template"), ==, "volume-%s");
  g_assert_cmpstr (nova_volume_config_get_string (slow, "file_volumes_dir"), ==, "/srv/slow");
  g_assert_cmpstr (nova_volume_config_get_string (slow, "volume_backend_name"), ==, "slow.1");

  g_assert_cmpuint (nova_volume_config_get_n_types (config), ==, 2);
  type = nova_volume_config_lookup_type (config, "durable");
  g_assert_nonnull (type);
  g_assert_cmpstr (type->backend, ==, "slow.1");
  g_assert_cmpstr (g_hash_table_lookup (type->specs, "thin"), ==, "true");
  g_assert_cmpstr (g_hash_table_lookup (type->specs, "description"), ==, "kept on the slow disks");
  g_assert_cmpstr (nova_volume_config_get_volume_type (config, 1)->name, ==, "scratch");
  g_assert_null (nova_volume_config_lookup_type (config, "nosuch"));

  /* a value set on the daemon's configuration holds for its backends */
  g_assert_true (nova_volume_config_set (config, "volume_group", "vg9", &error));
  g_assert_cmpstr (nova_volume_config_get_string (slow, "volume_group"), ==, "vg9");
}

static void
test_enabled_backends (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-config-XXXXXX");
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeConfig) config = load_text (scratch,
      "[DEFAULT]\nenabled_backends = lvm1 , lvm2\n"
      "[lvm1]\nvolume_driver = nova.volume.driver.ISCSIDriver\nvolume_group = vg1\n"
      "[lvm2]\nvolume_driver = fake\nvolume_group = vg2\n", &error);

  g_assert_no_error (error);
  g_assert_cmpuint (nova_volume_config_get_n_backends (config), ==, 2);
  g_assert_cmpstr (nova_volume_config_get_driver (nova_volume_config_lookup_backend (config, "lvm1")), ==, "lvm-iscsi");
  g_assert_cmpstr (nova_volume_config_get_string (nova_volume_config_lookup_backend (config, "lvm2"), "volume_group"), ==, "vg2");
}

/* a backend's group may hold the keys of the driver it inherits from
 * [DEFAULT], and those of the shared LVM and iSCSI code its driver lists */
static void
test_backend_driver_keys (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-config-XXXXXX");
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeConfig) config = load_text (scratch,
    "[DEFAULT]\nvolume_driver = lvm-iscsi\nrbd_pool = kept\n"
    "[backend:a]\nvolume_group = vg1\niscsi_helper = lioadm\n"
    "[backend:b]\nvolume_driver = nova.volume.driver.RBDDriver\nrbd_pool = volumes\n", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (nova_volume_config_get_driver (nova_volume_config_lookup_backend (config, "a")), ==, "lvm-iscsi");
  g_assert_cmpstr (nova_volume_config_get_string (nova_volume_config_lookup_backend (config, "a"), "volume_group"), ==, "vg1");
  g_assert_cmpstr (nova_volume_config_get_string (nova_volume_config_lookup_backend (config, "a"), "iscsi_helper"), ==, "lioadm");
  g_assert_cmpstr (nova_volume_config_get_driver (nova_volume_config_lookup_backend (config, "b")), ==, "rbd");
  g_assert_cmpstr (nova_volume_config_get_string (nova_volume_config_lookup_backend (config, "b"), "rbd_pool"), ==, "volumes");
  /* [DEFAULT] takes any driver's key, as a one-driver config always could */
  g_assert_cmpstr (nova_volume_config_get_string (config, "rbd_pool"), ==, "kept");
}

static void
test_backend_refusals (void)
{
  static const struct {
    const char *text;
    const char *message;   /* a part of the error */
  } cases[] = {
    { "[backend:a]\nhost = h1\n", "[backend:a]: host belongs in [DEFAULT]" },
    { "[backend:a]\nbackend_stats_interval = 5\n", "backend_stats_interval belongs in [DEFAULT]" },
    { "[backend:a]\nvolume_drivr = file\n", "unknown key 'volume_drivr' in [backend:a]" },
    { "[backend:a]\nvolume_driver = nosuch\n", "[backend:a]: volume_driver = 'nosuch'" },
    { "[backend:a b]\nvolume_driver = file\n", "the backend name 'a b'" },
    { "[backend:]\nvolume_driver = file\n", "the backend name ''" },
    { "[DEFAULT]\nenabled_backends = x\n", "enabled_backends names 'x', but there is no [x] group" },
    { "[DEFAULT]\nenabled_backends = DEFAULT\n", "enabled_backends names 'DEFAULT'" },
    { "[backend:DEFAULT]\nvolume_driver = file\n", "the backend name 'DEFAULT' is the group" },
    { "[DEFAULT]\nenabled_backends = x\n[x]\n[backend:x]\n", "configured twice" },
    { "[lvm]\nvolume_group = vg1\n", "unknown group [lvm]" },
    /* a backend's group takes its own driver's keys only */
    { "[backend:a]\nvolume_driver = file\nvolume_group = vg1\n",
      "[backend:a]: volume_group is not a key of the file driver, this backend's volume_driver" },
    { "[DEFAULT]\nvolume_driver = lvm-iscsi\n[backend:a]\nrbd_pool = volumes\n",
      "[backend:a]: rbd_pool is not a key of the lvm-iscsi driver" },
    { "[type:t]\nthin = true\n", "[type:t]: no backend" },
    { "[type:t]\nbackend = nosuch\n", "backend = 'nosuch': no such backend; the backends are file" },
    { "[type:t]\nbackend = file\nthin = maybe\n", "thin = 'maybe': not a boolean" },
    { "[type:t]\nbackend = file\nspeed = high\n", "unknown key 'speed'" },
    { "[type:-t]\nbackend = file\n", "the type name '-t'" },
    { "[DEFAULT]\ndefault_volume_type = gold\n", "default_volume_type = 'gold': there is no [type:gold] group" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TestScratch) scratch = test_scratch_new ("test-config-XXXXXX");
      g_autoptr(GError) error = NULL;
      g_autoptr(NovaVolumeConfig) config = load_text (scratch, cases[i].text, &error);

      g_test_message ("%s", cases[i].text);
      g_assert_null (config);
      g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("'%s' does not say '%s'", error->message, cases[i].message);
    }
}

int
main (int argc, char **argv)
{
  /* run by hand from the build tree, data/ is still the source tree's
   * (meson test sets G_TEST_SRCDIR itself) */
  g_setenv ("G_TEST_SRCDIR", NOVA_VOLUME_SOURCE_ROOT G_DIR_SEPARATOR_S "tests", FALSE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/config/defaults", test_defaults);
  g_test_add_func ("/config/list-keys-order", test_list_keys_order);
  g_test_add_func ("/config/bad-values/set", test_bad_values_set);
  g_test_add_func ("/config/bad-values/file", test_bad_values_file);
  g_test_add_func ("/config/bad-values/int-message", test_bad_int_message);
  g_test_add_func ("/config/load", test_load_values);
  g_test_add_func ("/config/backend-names", test_backend_names);
  g_test_add_func ("/config/driver/aliases", test_driver_aliases);
  g_test_add_func ("/config/driver/unknown", test_unknown_driver);
  g_test_add_func ("/config/unknown-key", test_unknown_key);
  g_test_add_func ("/config/unknown-group", test_unknown_group);
  g_test_add_func ("/config/backends/single", test_single_backend);
  g_test_add_func ("/config/backends/groups", test_backend_groups);
  g_test_add_func ("/config/backends/enabled-backends", test_enabled_backends);
  g_test_add_func ("/config/backends/driver-keys", test_backend_driver_keys);
  g_test_add_func ("/config/backends/refusals", test_backend_refusals);
  g_test_add_func ("/config/syntax-error", test_syntax_error);
  g_test_add_func ("/config/empty-file", test_empty_file);
  g_test_add_func ("/config/missing-file", test_missing_file);
  g_test_add_func ("/config/set", test_set);
  g_test_add_func ("/config/stable-pointers", test_stable_pointers);
  g_test_add_func ("/config/wrong-getter", test_wrong_getter);
  g_test_add_func ("/config/packaged-file/loads", test_packaged_file_loads);
  g_test_add_func ("/config/packaged-file/documents-every-key", test_packaged_file_documents_every_key);
  g_test_add_func ("/error/names", test_error_names);
  g_test_add_func ("/error/convert", test_error_convert);
  g_test_add_func ("/error/convert-noop", test_error_convert_noop);

  return g_test_run ();
}
