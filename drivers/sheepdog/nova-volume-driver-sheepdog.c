/* nova-volume: the "sheepdog" driver (the seed's SheepdogDriver).
 *
 * A volume is the VDI volume_name_template names in the Sheepdog cluster
 * at sheepdog_host:sheepdog_port, a snapshot is a snapshot of that VDI
 * tagged with snapshot_name_template's name. A volume from a snapshot is
 * a copy-on-write clone of it (`dog vdi clone`), grown when it is asked
 * for larger. A clone of a volume goes through a temporary snapshot
 * tagged clone-<new volume id>, deleted as soon as the clone exists (a
 * Sheepdog clone keeps the objects it shares alive by itself); when that
 * delete fails the clone still stands and the leftover tag is logged with
 * the command that removes it, and a later clone of the same id deletes
 * it first. list_stored reads the VDIs and their tagged snapshots back
 * from one `dog vdi list -r`.
 *
 * Nothing is exported: hypervisors talk to the cluster themselves, so the
 * export calls do nothing and connection_info names the VDI and the sheep
 * to ask, as Nova's libvirt network volume driver takes it. */
#include "config.h"

#include <gmodule.h>

#include "nova-volume-dog.h"
#include "nova-volume-driver-sheepdog.h"
#include "nova-volume-error.h"
#include "nova-volume-stats.h"

/* the sheepdog driver's own keys */
static const NovaVolumeConfigKey sheepdog_keys[] = {
  { "sheepdog_command", NOVA_VOLUME_KEY_STRING, "dog", 0, 0, NULL, nova_volume_check_command,
    "sheepdog driver: Sheepdog's admin command, a name on PATH or an absolute path (older releases: collie)." },
  { "sheepdog_host", NOVA_VOLUME_KEY_STRING, "127.0.0.1", 0, 0, NULL, nova_volume_check_ip_address,
    "sheepdog driver: IP address of the sheep daemon the driver and the hypervisors talk to." },
  { "sheepdog_port", NOVA_VOLUME_KEY_INT, "7000", 1, 65535, NULL, NULL,
    "sheepdog driver: TCP port of that sheep daemon." },
  { "sheepdog_timeout", NOVA_VOLUME_KEY_INT, "60", 1, 3600, NULL, NULL,
    "sheepdog driver: seconds one dog command may take before it is stopped and the call fails." },
  /* the aoe driver */
  NOVA_VOLUME_CONFIG_KEYS_END
};

struct _NovaVolumeSheepdogDriver {
  GObject           parent_instance;
  NovaVolumeConfig *config;
  NovaDog          *dog;
  char             *host;
  gint64            port;
  char             *backend_name;
};

static void nova_volume_sheepdog_driver_iface_init (NovaVolumeDriverInterface *iface);

G_DEFINE_TYPE_WITH_CODE (NovaVolumeSheepdogDriver, nova_volume_sheepdog_driver, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (NOVA_VOLUME_TYPE_DRIVER, nova_volume_sheepdog_driver_iface_init))

/* ---- names ------------------------------------------------------------ */

static char *
volume_vdi (NovaVolumeSheepdogDriver *self, const char *id)
{
  return nova_volume_config_volume_name (self->config, id);
}

static char *
snapshot_tag (NovaVolumeSheepdogDriver *self, const char *id)
{
  return nova_volume_config_snapshot_name (self->config, id);
}

/* the tag of the snapshot a clone of a volume is made from */
static char *
clone_tag (const char *new_volume_id)
{
  return g_strconcat ("clone-", new_volume_id, NULL);
}

/* ---- setup ------------------------------------------------------------ */

static const char *
nova_volume_sheepdog_driver_get_name (NovaVolumeDriver *driver)
{
  return "sheepdog";
}

static gboolean
nova_volume_sheepdog_driver_do_setup (NovaVolumeDriver *driver, NovaVolumeDriverContext *ctx, GError **error)
{
  NovaVolumeSheepdogDriver *self = NOVA_VOLUME_SHEEPDOG_DRIVER (driver);
  const char *backend_name = nova_volume_config_get_string (ctx->config, "volume_backend_name");

  g_set_object (&self->config, ctx->config);
  g_free (self->host);
  self->host = g_strdup (nova_volume_config_get_string (ctx->config, "sheepdog_host"));
  self->port = nova_volume_config_get_int (ctx->config, "sheepdog_port");
  g_free (self->backend_name);
  self->backend_name = g_strdup (backend_name != NULL && *backend_name != '\0' ? backend_name : "sheepdog");
  g_clear_pointer (&self->dog, nova_dog_free);
  self->dog = nova_dog_new (ctx->executor, nova_volume_config_get_string (ctx->config, "sheepdog_command"),
                            self->host, (guint) self->port,
                            (guint) nova_volume_config_get_int (ctx->config, "sheepdog_timeout"));
  return TRUE;
}

static gboolean
nova_volume_sheepdog_driver_check_for_setup_error (NovaVolumeDriver *driver, GError **error)
{
  return nova_dog_check_cluster (NOVA_VOLUME_SHEEPDOG_DRIVER (driver)->dog, error);
}

/* ---- volumes ---------------------------------------------------------- */

static void
set_location (NovaVolumeRecord *volume, const char *vdi)
{
  g_autofree char *location = g_strconcat ("sheepdog:", vdi, NULL);

  nova_record_set_string (&volume->provider_location, location);
}

static gboolean
nova_volume_sheepdog_driver_create_volume (NovaVolumeDriver *driver, NovaVolumeRecord *volume, GError **error)
{
  NovaVolumeSheepdogDriver *self = NOVA_VOLUME_SHEEPDOG_DRIVER (driver);
  g_autofree char *vdi = volume_vdi (self, volume->id);

  if (!nova_dog_vdi_create (self->dog, vdi, volume->size, error))
    return FALSE;
  set_location (volume, vdi);
  return TRUE;
}

/* @volume as a clone of snapshot @tag of VDI @source (@source_size
 * bytes), grown to the size asked for when that is larger; a clone that
 * cannot be grown is not kept. */
static gboolean
clone_from (NovaVolumeSheepdogDriver *self, NovaVolumeRecord *volume, const char *source, const char *tag,
            guint64 source_size, GError **error)
{
  g_autofree char *vdi = volume_vdi (self, volume->id);

  if (!nova_dog_vdi_clone (self->dog, source, tag, vdi, error))
    return FALSE;
  if (volume->size > source_size && !nova_dog_vdi_resize (self->dog, vdi, volume->size, error))
    {
      g_autoptr(GError) cleanup_error = NULL;

      if (!nova_dog_vdi_delete (self->dog, vdi, NULL, &cleanup_error))
        g_warning ("cannot delete the clone %s that could not be grown: %s", vdi, cleanup_error->message);
      return FALSE;
    }
  volume->size = MAX (volume->size, source_size);
  set_location (volume, vdi);
  return TRUE;
}

static gboolean
nova_volume_sheepdog_driver_create_volume_from_snapshot (NovaVolumeDriver *driver, NovaVolumeRecord *volume,
                                                         const NovaSnapshotRecord *snapshot,
                                                         NovaVolumeProgressFunc progress, gpointer progress_data,
                                                         GCancellable *cancellable, GError **error)
{
  NovaVolumeSheepdogDriver *self = NOVA_VOLUME_SHEEPDOG_DRIVER (driver);
  g_autofree char *source = volume_vdi (self, snapshot->volume_id);
  g_autofree char *tag = snapshot_tag (self, snapshot->id);

  /* copy-on-write: there is nothing to copy, so no progress to show */
  if (!clone_from (self, volume, source, tag, snapshot->size, error))
    return FALSE;
  if (progress != NULL)
    progress (1.0, progress_data);
  return TRUE;
}

static gboolean
nova_volume_sheepdog_driver_create_cloned_volume (NovaVolumeDriver *driver, NovaVolumeRecord *volume,
                                                  const NovaVolumeRecord *source,
                                                  NovaVolumeProgressFunc progress, gpointer progress_data,
                                                  GCancellable *cancellable, GError **error)
{
  NovaVolumeSheepdogDriver *self = NOVA_VOLUME_SHEEPDOG_DRIVER (driver);
  g_autofree char *source_vdi = volume_vdi (self, source->id);
  g_autofree char *tag = clone_tag (volume->id);
  g_autoptr(GError) snapshot_error = NULL;
  g_autoptr(GError) cleanup_error = NULL;
  gboolean cloned;

  /* a leftover of an earlier attempt for this very volume is in the way:
   * it was never anyone's snapshot, so it goes */
  if (!nova_dog_vdi_snapshot (self->dog, source_vdi, tag, &snapshot_error))
    {
      if (!g_error_matches (snapshot_error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_ALREADY_EXISTS))
        {
          g_propagate_error (error, g_steal_pointer (&snapshot_error));
          return FALSE;
        }
      if (!nova_dog_vdi_delete (self->dog, source_vdi, tag, error)
          || !nova_dog_vdi_snapshot (self->dog, source_vdi, tag, error))
        return FALSE;
    }

  cloned = clone_from (self, volume, source_vdi, tag, source->size, error);

  /* the temporary snapshot goes whether or not the clone was made; a
   * clone keeps what it shares with it */
  if (!nova_dog_vdi_delete (self->dog, source_vdi, tag, &cleanup_error))
    g_warning ("the temporary snapshot %s of %s was left behind (%s); remove it with "
               "'dog vdi delete -s %s %s'", tag, source_vdi, cleanup_error->message, tag, source_vdi);
  if (cloned && progress != NULL)
    progress (1.0, progress_data);
  return cloned;
}

static gboolean
nova_volume_sheepdog_driver_delete_volume (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                           GError **error)
{
  NovaVolumeSheepdogDriver *self = NOVA_VOLUME_SHEEPDOG_DRIVER (driver);
  g_autofree char *vdi = volume_vdi (self, volume->id);
  g_autofree char *source_vdi = NULL;
  g_autofree char *tag = NULL;

  if (!nova_dog_vdi_delete (self->dog, vdi, NULL, error))
    return FALSE;
  if (volume->source_volume_id == NULL)
    return TRUE;
  /* a clone whose making was cut short (a crash between the temporary
   * snapshot and its removal) leaves that snapshot on its source: no
   * record names it, so it goes with the clone (already gone: nothing) */
  source_vdi = volume_vdi (self, volume->source_volume_id);
  tag = clone_tag (volume->id);
  return nova_dog_vdi_delete (self->dog, source_vdi, tag, error);
}

static gboolean
nova_volume_sheepdog_driver_extend_volume (NovaVolumeDriver *driver, NovaVolumeRecord *volume, guint64 new_size,
                                           GError **error)
{
  NovaVolumeSheepdogDriver *self = NOVA_VOLUME_SHEEPDOG_DRIVER (driver);
  g_autofree char *vdi = volume_vdi (self, volume->id);

  /* said here, before dog answers the same with a usage error */
  if (new_size < volume->size)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "Sheepdog cannot shrink volume %s from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT
                   " bytes: give a size at least as large as the current one", volume->id, volume->size, new_size);
      return FALSE;
    }
  if (!nova_dog_vdi_resize (self->dog, vdi, new_size, error))
    return FALSE;
  volume->size = new_size;
  return TRUE;
}

static gboolean
nova_volume_sheepdog_driver_create_snapshot (NovaVolumeDriver *driver, NovaSnapshotRecord *snapshot,
                                             const NovaVolumeRecord *volume, GError **error)
{
  NovaVolumeSheepdogDriver *self = NOVA_VOLUME_SHEEPDOG_DRIVER (driver);
  g_autofree char *vdi = volume_vdi (self, volume->id);
  g_autofree char *tag = snapshot_tag (self, snapshot->id);

  if (!nova_dog_vdi_snapshot (self->dog, vdi, tag, error))
    return FALSE;
  snapshot->size = volume->size;
  return TRUE;
}

/* Revert: dog's rollback, to any snapshot of the VDI */
static gboolean
nova_volume_sheepdog_driver_revert_to_snapshot (NovaVolumeDriver *driver, NovaVolumeRecord *volume,
                                                const NovaSnapshotRecord *snapshot, gboolean latest, GError **error)
{
  NovaVolumeSheepdogDriver *self = NOVA_VOLUME_SHEEPDOG_DRIVER (driver);
  g_autofree char *vdi = volume_vdi (self, volume->id);
  g_autofree char *tag = snapshot_tag (self, snapshot->id);

  return nova_dog_vdi_rollback (self->dog, vdi, tag, error);
}

static gboolean
nova_volume_sheepdog_driver_delete_snapshot (NovaVolumeDriver *driver, const NovaSnapshotRecord *snapshot,
                                             GError **error)
{
  NovaVolumeSheepdogDriver *self = NOVA_VOLUME_SHEEPDOG_DRIVER (driver);
  g_autofree char *vdi = volume_vdi (self, snapshot->volume_id);
  g_autofree char *tag = snapshot_tag (self, snapshot->id);

  return nova_dog_vdi_delete (self->dog, vdi, tag, error);
}

/* ---- exports and connections ---------------------------------------- */

/* hypervisors reach the cluster themselves: nothing to export */
static gboolean
nova_volume_sheepdog_driver_no_export (NovaVolumeDriver *driver, const NovaVolumeRecord *volume, GError **error)
{
  return TRUE;
}

static gboolean
nova_volume_sheepdog_driver_create_export (NovaVolumeDriver *driver, NovaVolumeRecord *volume, GError **error)
{
  return TRUE;
}

/* the one thing that can be checked: the VDI is in the cluster */
static gboolean
nova_volume_sheepdog_driver_check_for_export (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                              GError **error)
{
  NovaVolumeSheepdogDriver *self = NOVA_VOLUME_SHEEPDOG_DRIVER (driver);
  g_autofree char *vdi = volume_vdi (self, volume->id);
  gboolean exists = FALSE;

  if (!nova_dog_vdi_lookup (self->dog, vdi, NULL, &exists, NULL, error))
    return FALSE;
  if (!exists)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND,
                   "volume %s has no VDI %s in the Sheepdog cluster at %s:%" G_GINT64_FORMAT
                   ": it was deleted outside nova-volume", volume->id, vdi, self->host, self->port);
      return FALSE;
    }
  return TRUE;
}

/* {driver_volume_type: 'sheepdog', data: {name, hosts: [host], ports:
 * [port]}}: Nova's libvirt driver zips hosts with ports into the disk's
 * <host name= port=/> elements, so the port is a string there */
static GVariant *
nova_volume_sheepdog_driver_initialize_connection (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                                   GVariant *connector, GError **error)
{
  NovaVolumeSheepdogDriver *self = NOVA_VOLUME_SHEEPDOG_DRIVER (driver);
  g_autofree char *vdi = volume_vdi (self, volume->id);
  g_autofree char *port = g_strdup_printf ("%" G_GINT64_FORMAT, self->port);
  const char *hosts[] = { self->host };
  const char *ports[] = { port };
  GVariantBuilder data;

  g_variant_builder_init (&data, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&data, "{sv}", "name", g_variant_new_string (vdi));
  g_variant_builder_add (&data, "{sv}", "hosts", g_variant_new_strv (hosts, 1));
  g_variant_builder_add (&data, "{sv}", "ports", g_variant_new_strv (ports, 1));
  return nova_volume_connection_info_new ("sheepdog", g_variant_builder_end (&data));
}

static gboolean
nova_volume_sheepdog_driver_terminate_connection (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                                  GVariant *connector, GError **error)
{
  return TRUE;
}

/* ---- the bytes, for the daemon's copies ---------------------------------- */

/* the VDI of @volume, once its id passed the check */
static char *
checked_volume_vdi (NovaVolumeSheepdogDriver *self, const NovaVolumeRecord *volume, GError **error)
{
  return nova_volume_check_id ("volume", volume->id, error) ? volume_vdi (self, volume->id) : NULL;
}

static GInputStream *
nova_volume_sheepdog_driver_open_for_read (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                           GError **error)
{
  NovaVolumeSheepdogDriver *self = NOVA_VOLUME_SHEEPDOG_DRIVER (driver);
  g_autofree char *name = checked_volume_vdi (self, volume, error);

  return name != NULL ? nova_dog_vdi_open_read (self->dog, name, NULL, error) : NULL;
}

/* `dog vdi read -s TAG`: the VDI as it was at the snapshot */
static GInputStream *
nova_volume_sheepdog_driver_open_snapshot_for_read (NovaVolumeDriver *driver, const NovaSnapshotRecord *snapshot,
                                                    GError **error)
{
  NovaVolumeSheepdogDriver *self = NOVA_VOLUME_SHEEPDOG_DRIVER (driver);
  g_autofree char *name = NULL;
  g_autofree char *tag = NULL;

  if (!nova_volume_check_id ("snapshot", snapshot->id, error)
      || !nova_volume_check_id ("volume", snapshot->volume_id, error))
    return NULL;
  name = volume_vdi (self, snapshot->volume_id);
  tag = snapshot_tag (self, snapshot->id);
  return nova_dog_vdi_open_read (self->dog, name, tag, error);
}

/* the cluster (the sheep it talks to) and the VDI */
static char *
nova_volume_sheepdog_driver_storage_location (NovaVolumeDriver *driver, const NovaVolumeRecord *volume)
{
  NovaVolumeSheepdogDriver *self = NOVA_VOLUME_SHEEPDOG_DRIVER (driver);
  g_autofree char *name = volume_vdi (self, volume->id);

  return g_strdup_printf ("sheepdog:%s:%" G_GINT64_FORMAT "/%s", self->host, (gint64) self->port, name);
}

/* a pipe: not seekable, so the copy writes every byte (zeros too) */
static GOutputStream *
nova_volume_sheepdog_driver_open_for_write (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                            GError **error)
{
  NovaVolumeSheepdogDriver *self = NOVA_VOLUME_SHEEPDOG_DRIVER (driver);
  g_autofree char *name = checked_volume_vdi (self, volume, error);

  return name != NULL ? nova_dog_vdi_open_write (self->dog, name, error) : NULL;
}

/* ---- stats ------------------------------------------------------------ */

static GVariant *
nova_volume_sheepdog_driver_get_volume_stats (NovaVolumeDriver *driver, gboolean refresh, GError **error)
{
  NovaVolumeSheepdogDriver *self = NOVA_VOLUME_SHEEPDOG_DRIVER (driver);
  GVariantBuilder builder;
  guint64 total = 0, used = 0, avail = 0;

  if (!nova_dog_node_info (self->dog, &total, &used, &avail, error))
    return NULL;

  /* VDIs take space as they are written: thin */
  nova_volume_stats_builder_init (&builder, &(NovaVolumeStats) {
    .backend_name = self->backend_name, .storage_protocol = "sheepdog", .thin = TRUE,
    .multiattach = TRUE, .read_only_attachments = "advisory",
    .capacity_known = TRUE, .total = total, .free = avail,
  });
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/* ---- what the cluster holds --------------------------------------------- */

/* Every VDI volume_name_template named (working VDIs and clones alike)
 * and the snapshots of those VDIs that snapshot_name_template tagged,
 * from one `dog vdi list -r`; the temporary clone-<id> snapshots of
 * clones in progress are no one's. */
static GPtrArray *
nova_volume_sheepdog_driver_list_stored (NovaVolumeDriver *driver, GError **error)
{
  NovaVolumeSheepdogDriver *self = NOVA_VOLUME_SHEEPDOG_DRIVER (driver);
  g_autoptr(GPtrArray) rows = nova_dog_vdi_list (self->dog, error);
  GPtrArray *stored;

  if (rows == NULL)
    return NULL;
  stored = g_ptr_array_new_with_free_func ((GDestroyNotify) nova_volume_stored_free);
  for (guint i = 0; i < rows->len; i++)
    {
      const NovaDogVdi *row = g_ptr_array_index (rows, i);
      g_autofree char *volume_id = nova_volume_config_id_from_volume_name (self->config, row->name);
      g_autofree char *snapshot_id = NULL;

      if (volume_id == NULL)
        continue;
      if (!row->snapshot)
        g_ptr_array_add (stored, nova_volume_stored_new (FALSE, volume_id, row->size, NULL));
      else if ((snapshot_id = nova_volume_config_id_from_snapshot_name (self->config, row->tag)) != NULL)
        g_ptr_array_add (stored, nova_volume_stored_new (TRUE, snapshot_id, row->size, volume_id));
    }
  return stored;
}

/* A VDI of the cluster becomes @volume. Sheepdog cannot rename a VDI, so
 * only one named as volume_name_template names @volume (one Unmanage let
 * go of, say) is taken: a working VDI without snapshots. */
static gboolean
nova_volume_sheepdog_driver_manage_existing (NovaVolumeDriver *driver, NovaVolumeRecord *volume,
                                             const char *reference, GError **error)
{
  NovaVolumeSheepdogDriver *self = NOVA_VOLUME_SHEEPDOG_DRIVER (driver);
  g_autofree char *name = volume_vdi (self, volume->id);
  g_autoptr(GPtrArray) rows = NULL;
  const NovaDogVdi *working = NULL;
  guint n_snapshots = 0;

  rows = nova_dog_vdi_list (self->dog, error);
  if (rows == NULL)
    return FALSE;
  for (guint i = 0; i < rows->len; i++)
    {
      const NovaDogVdi *row = g_ptr_array_index (rows, i);

      if (!g_str_equal (row->name, reference))
        continue;
      if (row->snapshot)
        n_snapshots++;
      else
        working = row;
    }
  if (working == NULL)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND, "there is no VDI %s in the cluster%s",
                   reference, n_snapshots > 0 ? " (only snapshots of one)" : "");
      return FALSE;
    }
  if (!g_str_equal (reference, name))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_SUPPORTED,
                   "Sheepdog cannot rename VDI %s to %s, the name the volume is found by: make a VDI of that "
                   "name and its size (dog vdi create %s %" G_GUINT64_FORMAT "), copy the bytes over (dog vdi "
                   "read | dog vdi write) and manage that", reference, name, name, working->size);
      return FALSE;
    }
  if (n_snapshots > 0)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_BUSY,
                   "VDI %s has %u snapshot%s: delete %s first, or they would stay with no volume to belong to",
                   reference, n_snapshots, n_snapshots == 1 ? "" : "s", n_snapshots == 1 ? "it" : "them");
      return FALSE;
    }
  volume->size = working->size;
  set_location (volume, name);
  return TRUE;
}

/* ---- object ----------------------------------------------------------- */

static void
nova_volume_sheepdog_driver_finalize (GObject *object)
{
  NovaVolumeSheepdogDriver *self = NOVA_VOLUME_SHEEPDOG_DRIVER (object);

  g_clear_object (&self->config);
  g_clear_pointer (&self->dog, nova_dog_free);
  g_free (self->host);
  g_free (self->backend_name);
  G_OBJECT_CLASS (nova_volume_sheepdog_driver_parent_class)->finalize (object);
}

static void
nova_volume_sheepdog_driver_class_init (NovaVolumeSheepdogDriverClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = nova_volume_sheepdog_driver_finalize;
}

static void
nova_volume_sheepdog_driver_init (NovaVolumeSheepdogDriver *self)
{
}

static void
nova_volume_sheepdog_driver_iface_init (NovaVolumeDriverInterface *iface)
{
  iface->manage_existing = nova_volume_sheepdog_driver_manage_existing;
  iface->get_name = nova_volume_sheepdog_driver_get_name;
  iface->do_setup = nova_volume_sheepdog_driver_do_setup;
  iface->check_for_setup_error = nova_volume_sheepdog_driver_check_for_setup_error;
  iface->create_volume = nova_volume_sheepdog_driver_create_volume;
  iface->create_volume_from_snapshot = nova_volume_sheepdog_driver_create_volume_from_snapshot;
  iface->create_cloned_volume = nova_volume_sheepdog_driver_create_cloned_volume;
  iface->delete_volume = nova_volume_sheepdog_driver_delete_volume;
  iface->extend_volume = nova_volume_sheepdog_driver_extend_volume;
  iface->create_snapshot = nova_volume_sheepdog_driver_create_snapshot;
  iface->delete_snapshot = nova_volume_sheepdog_driver_delete_snapshot;
  iface->revert_to_snapshot = nova_volume_sheepdog_driver_revert_to_snapshot;
  iface->create_export = nova_volume_sheepdog_driver_create_export;
  iface->ensure_export = nova_volume_sheepdog_driver_no_export;
  iface->remove_export = nova_volume_sheepdog_driver_no_export;
  iface->check_for_export = nova_volume_sheepdog_driver_check_for_export;
  iface->initialize_connection = nova_volume_sheepdog_driver_initialize_connection;
  iface->terminate_connection = nova_volume_sheepdog_driver_terminate_connection;
  iface->get_volume_stats = nova_volume_sheepdog_driver_get_volume_stats;
  iface->open_for_read = nova_volume_sheepdog_driver_open_for_read;
  iface->open_snapshot_for_read = nova_volume_sheepdog_driver_open_snapshot_for_read;
  iface->open_for_write = nova_volume_sheepdog_driver_open_for_write;
  iface->storage_location = nova_volume_sheepdog_driver_storage_location;
  iface->list_stored = nova_volume_sheepdog_driver_list_stored;
}

/* what the registry and the configuration know of this driver */
static const char *const sheepdog_aliases[] = { "nova.volume.driver.SheepdogDriver", NULL };
static const NovaVolumeConfigKey *const sheepdog_key_tables[] = { sheepdog_keys, NULL };
static const NovaVolumeDriverInfo sheepdog_info = {
  .name = "sheepdog",
  .aliases = sheepdog_aliases,
  .get_type = nova_volume_sheepdog_driver_get_type,
  .keys = sheepdog_key_tables,
};

NOVA_VOLUME_DRIVER_MODULE (sheepdog_info)
