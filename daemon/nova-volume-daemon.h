/* nova-volume: puts the manager on the bus. One object per volume and
 * snapshot under a GDBusObjectManagerServer at /org/openstack/Volume1,
 * properties kept in step with the manager's committed records, method
 * calls parsed, checked and handed to the manager. */
#pragma once

#include <gio/gio.h>
#include "nova-volume-auth.h"
#include "nova-volume-manager.h"

G_BEGIN_DECLS

#define NOVA_VOLUME_DBUS_NAME       "org.openstack.Volume1"
#define NOVA_VOLUME_DBUS_ROOT       "/org/openstack/Volume1"
#define NOVA_VOLUME_DBUS_MANAGER    NOVA_VOLUME_DBUS_ROOT "/Manager"
#define NOVA_VOLUME_DBUS_VOLUMES    NOVA_VOLUME_DBUS_ROOT "/volumes/"
#define NOVA_VOLUME_DBUS_SNAPSHOTS  NOVA_VOLUME_DBUS_ROOT "/snapshots/"
#define NOVA_VOLUME_DBUS_ATTACHMENTS NOVA_VOLUME_DBUS_ROOT "/attachments/"
#define NOVA_VOLUME_DBUS_JOBS       NOVA_VOLUME_DBUS_ROOT "/jobs/"
#define NOVA_VOLUME_DBUS_BACKENDS   NOVA_VOLUME_DBUS_ROOT "/backends/"
#define NOVA_VOLUME_DBUS_BACKUPS    NOVA_VOLUME_DBUS_ROOT "/backups/"

#define NOVA_VOLUME_TYPE_DAEMON (nova_volume_daemon_get_type ())
G_DECLARE_FINAL_TYPE (NovaVolumeDaemon, nova_volume_daemon, NOVA_VOLUME, DAEMON, GObject)

/* Exports the manager and every volume and snapshot on @connection. */
NovaVolumeDaemon *nova_volume_daemon_new (GDBusConnection   *connection,
                                          NovaVolumeManager *manager,
                                          NovaVolumeAuth    *auth);

/* From now on calls that would change state get Busy ("shutting down"). */
void nova_volume_daemon_shutdown (NovaVolumeDaemon *self);

/* "/org/openstack/Volume1/volumes/<id with - as _>" */
char *nova_volume_daemon_volume_path   (const char *id);
char *nova_volume_daemon_snapshot_path (const char *id);
char *nova_volume_daemon_attachment_path (const char *id);
char *nova_volume_daemon_backup_path   (const char *id);

/* The object path of backend @name: its name escaped as
 * g_dbus_escape_object_path() does ("lvm-iscsi" -> "lvm_2discsi"). */
char *nova_volume_daemon_backend_path (const char *name);

/* The id in an object path of @prefix (NOVA_VOLUME_DBUS_VOLUMES,
 * _SNAPSHOTS or _ATTACHMENTS); InvalidArgument when the path is of
 * another kind. */
char *nova_volume_daemon_id_from_path (const char  *path,
                                       const char  *prefix,
                                       GError     **error);

G_END_DECLS
