/* nova-volume: nova-volume.conf, a GKeyFile with group [DEFAULT], a group
 * per backend and one per volume type. Every key is declared once with its
 * type, default and allowed values (NovaVolumeConfigKey): the daemon's own
 * in nova-volume-config.c, each driver's in its folder, found through the
 * driver registry. An unknown key or a bad value is an error naming both;
 * a backend's group takes only its own driver's keys. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define NOVA_VOLUME_TYPE_CONFIG (nova_volume_config_get_type ())
G_DECLARE_FINAL_TYPE (NovaVolumeConfig, nova_volume_config, NOVA_VOLUME, CONFIG, GObject)

/* Every key at its built-in default (volume_driver = file). */
NovaVolumeConfig *nova_volume_config_new (void);

/* Reads @path. Errors (NOVA_VOLUME_ERROR_INVALID_ARGUMENT) name the file,
 * the key and the value: "nova-volume.conf: num_shell_tries = 'x': not an
 * integer". A missing file is G_IO_ERROR_NOT_FOUND unless missing_ok. */
NovaVolumeConfig *nova_volume_config_load (const char  *path,
                                           gboolean     missing_ok,
                                           GError     **error);

/* Sets one key from text, validated as the file would be (command-line
 * overrides, tests). */
gboolean nova_volume_config_set (NovaVolumeConfig  *self,
                                 const char        *key,
                                 const char        *value,
                                 GError           **error);

/* Getters. Asking for an undeclared key or with the wrong type is a
 * programming error (g_critical) and returns the zero value. */
const char *nova_volume_config_get_string  (NovaVolumeConfig *self, const char *key);
gint64      nova_volume_config_get_int     (NovaVolumeConfig *self, const char *key);
gboolean    nova_volume_config_get_boolean (NovaVolumeConfig *self, const char *key);

/* The backend names of a volume and a snapshot: @id put in place of the
 * %s of volume_name_template ("volume-%s") or snapshot_name_template
 * ("snapshot-%s"). Free with g_free (). */
char *nova_volume_config_volume_name   (NovaVolumeConfig *self, const char *id);
char *nova_volume_config_snapshot_name (NovaVolumeConfig *self, const char *id);
/* The other way: the id a name was made from, when the template made it
 * from a UUID; NULL for any other name. Free with g_free (). */
char *nova_volume_config_id_from_volume_name   (NovaVolumeConfig *self, const char *name);
char *nova_volume_config_id_from_snapshot_name (NovaVolumeConfig *self, const char *name);

/* The canonical short name of volume_driver (class paths resolved). */
const char *nova_volume_config_get_driver (NovaVolumeConfig *self);

/* Backends. The daemon's configuration holds one per [backend:NAME]
 * group (or per [NAME] that enabled_backends lists), in file order, each
 * a configuration of its own: [DEFAULT]'s values with its group's on top.
 * Without such groups there is one backend, named after volume_driver,
 * and its configuration is the daemon's own. Borrowed. */
guint              nova_volume_config_get_n_backends  (NovaVolumeConfig *self);
NovaVolumeConfig  *nova_volume_config_get_backend     (NovaVolumeConfig *self, guint index);
NovaVolumeConfig  *nova_volume_config_lookup_backend  (NovaVolumeConfig *self, const char *name);
/* NULL-terminated, owned by @self (valid until the next call). */
const char *const *nova_volume_config_list_backends   (NovaVolumeConfig *self);
/* A backend's configuration: its name (for the single backend: the
 * driver's short name). */
const char        *nova_volume_config_get_backend_name (NovaVolumeConfig *self);

/* Volume types, [type:NAME]: the backend its volumes go to and its extra
 * specs (thin, multiattach: "true"/"false"; storage_protocol,
 * description). */
typedef struct {
  char       *name;
  char       *backend;
  GHashTable *specs;   /* char* -> char* */
} NovaVolumeType;

guint                 nova_volume_config_get_n_types     (NovaVolumeConfig *self);
const NovaVolumeType *nova_volume_config_get_volume_type (NovaVolumeConfig *self, guint index);
const NovaVolumeType *nova_volume_config_lookup_type     (NovaVolumeConfig *self, const char *name);

/* Where the file came from, or NULL for built-in defaults. */
const char *nova_volume_config_get_path (NovaVolumeConfig *self);

/* All declared keys: the daemon's, then each driver's in the order of
 * their names (every driver module is opened; for docs and tests). */
const char *const *nova_volume_config_list_keys (void);
/* The default of a declared key, as text. */
const char *nova_volume_config_key_default (const char *key);

G_END_DECLS
