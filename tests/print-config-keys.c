/* print-config-keys: what the configuration code knows, for the shell
 * tests that check the man pages against it (tests/test-manpages.sh).
 *
 *   print-config-keys            every key and its default: "key<TAB>default"
 *   print-config-keys --drivers  every driver name volume_driver accepts
 */
#include "config.h"

#include <stdio.h>

#include "nova-volume-config.h"
#include "nova-volume-driver.h"

int
main (int argc, char **argv)
{
  if (argc > 1 && g_str_equal (argv[1], "--drivers"))
    {
      for (const char *const *name = nova_volume_driver_registry_names (); *name != NULL; name++)
        printf ("%s\n", *name);
      return 0;
    }
  if (argc > 1)
    {
      fprintf (stderr, "usage: %s [--drivers]\n", argv[0]);
      return 2;
    }
  for (const char *const *key = nova_volume_config_list_keys (); *key != NULL; key++)
    printf ("%s\t%s\n", *key, nova_volume_config_key_default (*key));
  return 0;
}
