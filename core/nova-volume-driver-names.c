/* nova-volume: the names volume_driver takes (see the header) */
#include "config.h"

#include "nova-volume-driver-names.h"

/* Short names, and the seed's class paths that old configs still use. */
static const struct {
  const char *name;
  const char *class_path;
} known_drivers[] = {
  { "file", NULL },
  { "fake", "nova.volume.driver.FakeISCSIDriver" },
  { "logging", "nova.volume.driver.LoggingVolumeDriver" },
  { "lvm-iscsi", "nova.volume.driver.ISCSIDriver" },
  { "rbd", "nova.volume.driver.RBDDriver" },
  { "sheepdog", "nova.volume.driver.SheepdogDriver" },
  { "aoe", "nova.volume.driver.AOEDriver" },
};

const char *
nova_volume_driver_resolve_name (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (known_drivers); i++)
    {
      if (g_str_equal (name, known_drivers[i].name))
        return known_drivers[i].name;
      if (known_drivers[i].class_path != NULL && g_str_equal (name, known_drivers[i].class_path))
        return known_drivers[i].name;
    }
  return NULL;
}

const char *const *
nova_volume_driver_known_names (void)
{
  static const char *names[G_N_ELEMENTS (known_drivers) + 1];

  if (names[0] == NULL)
    for (gsize i = 0; i < G_N_ELEMENTS (known_drivers); i++)
      names[i] = known_drivers[i].name;
  return names;
}
