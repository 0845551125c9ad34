/* nova-volume: how a configuration key is declared. The core declares
 * the daemon's own keys; each driver declares its keys beside its code
 * and lists them in its NovaVolumeDriverInfo. The configuration validates
 * every value against its declaration, and the man page and the shipped
 * nova-volume.conf are checked against the same declarations. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  NOVA_VOLUME_KEY_STRING,
  NOVA_VOLUME_KEY_INT,
  NOVA_VOLUME_KEY_BOOLEAN,
  NOVA_VOLUME_KEY_ENUM,   /* one of ->allowed */
  NOVA_VOLUME_KEY_DRIVER, /* a driver's name or a seed class path; kept as the name */
} NovaVolumeKeyType;

/* A rule for a string value: NULL when @value is fine, otherwise what is
 * wrong with it, worded to follow "key = 'value': ". */
typedef const char *(*NovaVolumeKeyCheck) (const char *value);

typedef struct {
  const char         *name;
  NovaVolumeKeyType   type;
  const char         *default_value; /* as it would be written in the file */
  gint64              min;           /* NOVA_VOLUME_KEY_INT */
  gint64              max;
  const char *const  *allowed;       /* NOVA_VOLUME_KEY_ENUM, NULL-terminated */
  NovaVolumeKeyCheck  check;         /* NOVA_VOLUME_KEY_STRING, optional */
  const char         *doc;           /* one line, also in data/nova-volume.conf */
  gboolean            daemon_wide;   /* [DEFAULT] only: one value per daemon */
} NovaVolumeConfigKey;

/* A table of keys ends with an entry whose name is NULL. */
#define NOVA_VOLUME_CONFIG_KEYS_END { NULL, 0, NULL, 0, 0, NULL, NULL, NULL, FALSE }

/* Rules more than one driver uses. */
const char *nova_volume_check_not_empty            (const char *value);
const char *nova_volume_check_no_space             (const char *value);
const char *nova_volume_check_ip_address           (const char *value);
const char *nova_volume_check_command              (const char *value);
const char *nova_volume_check_absolute_path        (const char *value);
const char *nova_volume_check_optional_absolute_path (const char *value);

G_END_DECLS
