/* nova-volume: the client library's entry point, as UDisksClient is to
 * udisks: one connection to org.openstack.Volume1 and its object manager,
 * lookups of volumes, snapshots, backups, attachments, jobs and backends by id, object path or
 * name, and waits for a status or the end of a Job. The objects are the
 * proxies gdbus-codegen makes from the one XML (NovaDBusVolume, ...);
 * errors the daemon returns arrive in the NOVA_VOLUME_ERROR domain. */
#pragma once

#include <gio/gio.h>

#include "nova-dbus-generated.h"
#include "nova-volume-error.h"

G_BEGIN_DECLS

#define NOVA_VOLUME_TYPE_CLIENT (nova_volume_client_get_type ())
G_DECLARE_FINAL_TYPE (NovaVolumeClient, nova_volume_client, NOVA_VOLUME, CLIENT, GObject)

NovaVolumeClient   *nova_volume_client_new_sync            (GBusType              bus_type,
                                                            GCancellable         *cancellable,
                                                            GError              **error);
NovaVolumeClient   *nova_volume_client_new_for_connection_sync (GDBusConnection  *connection,
                                                                GCancellable     *cancellable,
                                                                GError          **error);
void                nova_volume_client_new                 (GBusType              bus_type,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
NovaVolumeClient   *nova_volume_client_new_finish          (GAsyncResult         *result,
                                                            GError              **error);

NovaVolumeClient   *nova_volume_client_new_for_object_manager (GDBusObjectManager *object_manager);

GDBusObjectManager *nova_volume_client_get_object_manager  (NovaVolumeClient     *self);
NovaDBusManager    *nova_volume_client_get_manager         (NovaVolumeClient     *self);

GList              *nova_volume_client_get_volumes         (NovaVolumeClient     *self);
GList              *nova_volume_client_get_snapshots       (NovaVolumeClient     *self);
GList              *nova_volume_client_get_jobs            (NovaVolumeClient     *self);
GList              *nova_volume_client_get_backends        (NovaVolumeClient     *self);
GList              *nova_volume_client_get_backups         (NovaVolumeClient     *self);
GList              *nova_volume_client_get_attachments     (NovaVolumeClient     *self);

NovaDBusVolume     *nova_volume_client_lookup_volume       (NovaVolumeClient     *self,
                                                            const char           *what,
                                                            GError              **error);
NovaDBusSnapshot   *nova_volume_client_lookup_snapshot     (NovaVolumeClient     *self,
                                                            const char           *what,
                                                            GError              **error);
NovaDBusBackup     *nova_volume_client_lookup_backup       (NovaVolumeClient     *self,
                                                            const char           *what,
                                                            GError              **error);
NovaDBusAttachment *nova_volume_client_lookup_attachment   (NovaVolumeClient     *self,
                                                            const char           *what,
                                                            GError              **error);
NovaDBusJob        *nova_volume_client_lookup_job          (NovaVolumeClient     *self,
                                                            const char           *what,
                                                            GError              **error);
NovaDBusBackend    *nova_volume_client_lookup_backend      (NovaVolumeClient     *self,
                                                            const char           *name,
                                                            GError              **error);

gboolean            nova_volume_client_wait_for_status     (NovaVolumeClient     *self,
                                                            GDBusProxy           *object,
                                                            const char           *status,
                                                            GCancellable         *cancellable,
                                                            GError              **error);
gboolean            nova_volume_client_wait_for_job        (NovaVolumeClient     *self,
                                                            NovaDBusJob          *job,
                                                            GCancellable         *cancellable,
                                                            GError              **error);

G_END_DECLS
