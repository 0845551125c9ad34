/* nova-volume: the value rules more than one driver's keys use */
#include "config.h"

#include <string.h>

#include "nova-volume-config-key.h"

const char *
nova_volume_check_not_empty (const char *value)
{
  return *value == '\0' ? "must not be empty" : NULL;
}

const char *
nova_volume_check_no_space (const char *value)
{
  for (const char *p = value; *p != '\0'; p++)
    if (g_ascii_isspace (*p))
      return "must not contain spaces";
  return NULL;
}

const char *
nova_volume_check_ip_address (const char *value)
{
  return g_hostname_is_ip_address (value) ? NULL : "not an IPv4 or IPv6 address";
}

/* a program run from argv: a name looked up on PATH or an absolute path,
 * one word that no tool reads as an option */
const char *
nova_volume_check_command (const char *value)
{
  if (*value == '\0')
    return "must not be empty";
  if (value[0] == '-')
    return "must not start with '-'";
  if (strchr (value, '/') != NULL && !g_path_is_absolute (value))
    return "must be a command name or an absolute path";
  return nova_volume_check_no_space (value);
}

/* never relative to the daemon's working directory */
const char *
nova_volume_check_absolute_path (const char *value)
{
  return g_path_is_absolute (value) ? NULL : "must be an absolute path";
}

/* empty means "the built-in place" */
const char *
nova_volume_check_optional_absolute_path (const char *value)
{
  if (*value != '\0' && !g_path_is_absolute (value))
    return "must be an absolute path (or empty)";
  return NULL;
}
