/* nova-volume: the "aoe" driver (the seed's AOEDriver).
 *
 * The volumes are NovaLvmDriver's. Each exported volume is a vblade
 * process serving its logical volume as AoE address
 * e<aoe_shelf>.<blade> on aoe_eth_dev. The seed found a free blade by an
 * AoE discover and took the next one, which raced; here each storage host
 * owns its shelf (aoe_shelf) and the blade comes from the store
 * ("aoe-blade", 0..aoe_blades_per_shelf-1, allocated in one write
 * transaction), so two exports never get one number, a restart keeps
 * them, and freed ones are reused. Before a vblade starts, a broadcast
 * config query asks who already answers for the address: another host
 * configured with the same shelf is refused, not silently shared.
 *
 * The vblade processes are the export, and this driver supervises them:
 *  - each one's PID, start time and the boot it ran in are kept in
 *    <state dir>/aoe-vblades/<volume id>, so it is only ever signalled
 *    while it is still that process;
 *  - one that exits by itself is started again at once with the same
 *    shelf.blade (the initiator's blocked I/O resumes); one that keeps
 *    exiting soon after its start is started again after a pause that
 *    doubles each time (RESTART_DELAY_MIN_MS .. RESTART_DELAY_MAX_MS), so
 *    a vblade whose interface went away comes back with it; one that
 *    cannot be started at all (the program is gone) is given up and the
 *    volume marked error with the reason ("export-lost");
 *  - they outlive the daemon (KillMode=process in the unit): at init_host
 *    ensure_export adopts a recorded vblade that still runs with the same
 *    command line, stops a recorded one whose command line the changed
 *    configuration no longer gives (and starts the new one), and starts
 *    the missing ones;
 *  - remove_export stops the one it recorded, and nothing else. */
#include "config.h"

#include <gmodule.h>

#include <errno.h>
#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>

#include "nova-volume-aoe-frame.h"
#include "nova-volume-driver-aoe.h"
#include "nova-volume-error.h"

/* aoe_eth_dev: a network interface name as the kernel takes it
 * (IFNAMSIZ) */
static const char *
check_interface_name (const char *value)
{
  if (*value == '\0')
    return "must not be empty";
  if (strlen (value) > 15)
    return "is longer than an interface name may be (15 characters)";
  if (strchr (value, '/') != NULL || strchr (value, ':') != NULL)
    return "must not contain '/' or ':'";
  return nova_volume_check_no_space (value);
}

/* the aoe driver's own keys */
static const NovaVolumeConfigKey aoe_keys[] = {
  { "aoe_eth_dev", NOVA_VOLUME_KEY_STRING, "eth0", 0, 0, NULL, check_interface_name,
    "Network interface the aoe driver exports volumes on (vblade's interface)." },
  { "aoe_shelf", NOVA_VOLUME_KEY_INT, "0", 0, 65534, NULL, NULL,
    "AoE shelf of this storage host, unique on the network: 0 to 65534." },
  { "aoe_blades_per_shelf", NOVA_VOLUME_KEY_INT, "16", 1, 255, NULL, NULL,
    "AoE blades (slots 0 to this - 1) the aoe driver hands out on its shelf; at most 255." },
  { "aoe_vblade_command", NOVA_VOLUME_KEY_STRING, "vblade", 0, 0, NULL, nova_volume_check_command,
    "Program that serves one AoE export (vblade)." },
  /* the rbd driver */
  NOVA_VOLUME_CONFIG_KEYS_END
};

/* a vblade that ran this long was fine: its next exit restarts at once */
#define RESTART_STABLE_US    (10 * G_USEC_PER_SEC)
#define RESTART_DELAY_MIN_MS 100
#define RESTART_DELAY_MAX_MS (30 * 1000)
#define PROBE_WAIT_MS        1000
#define STOP_WAIT_US         (5 * G_USEC_PER_SEC)

/* one running vblade */
typedef struct {
  char    *volume_id;
  guint    slot;
  GPid     pid;
  guint64  start_time;
  GSource *watch;
  gboolean is_child;       /* started by this process (else adopted) */
  gint64   started_at;     /* monotonic, at the last spawn */
  guint    quick_exits;    /* exits in a row, each soon after its start */
  GSource *restart;        /* a pending delayed restart, or NULL */
} Blade;

struct _NovaVolumeAoeDriver {
  NovaLvmDriver     parent_instance;
  NovaAoeProcesses *processes;
  NovaAoeProbeFunc  probe;
  gpointer          probe_data;

  /* from the config, set at setup */
  char             *eth_dev;
  guint             shelf;
  guint             blades_per_shelf;
  char             *vblade;
  char             *record_dir;
  char             *boot_id;

  GMutex            lock;
  GHashTable       *blades;  /* volume id -> Blade */
};

G_DEFINE_FINAL_TYPE (NovaVolumeAoeDriver, nova_volume_aoe_driver, NOVA_TYPE_LVM_DRIVER)

static void
blade_free (Blade *blade)
{
  if (blade->restart != NULL)
    {
      g_source_destroy (blade->restart);
      g_source_unref (blade->restart);
    }
  if (blade->watch != NULL)
    {
      g_source_destroy (blade->watch);
      g_source_unref (blade->watch);
    }
  g_free (blade->volume_id);
  g_free (blade);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Blade, blade_free)

/* The running vblades, by volume; the lock is held. */
static void
keep_blade (NovaVolumeAoeDriver *self, Blade *blade)
{
  /* replace: the key is the value's own volume_id, freed with an old one */
  g_hash_table_replace (self->blades, blade->volume_id, blade);
}

/* Takes @blade out of service (stopped, or gone and replaced) and frees
 * it; the lock is held. Its watch no longer calls back, but still reaps
 * a child of ours, and goes by itself once it has. */
static void
retire_blade (NovaVolumeAoeDriver *self, Blade *blade)
{
  if (blade->watch != NULL)
    nova_aoe_processes_unwatch (self->processes, g_steal_pointer (&blade->watch));
  blade_free (blade);
}

/* ---- setup ------------------------------------------------------------ */

static gboolean
nova_volume_aoe_driver_setup_exports (NovaLvmDriver *driver, NovaVolumeDriverContext *ctx, GError **error)
{
  NovaVolumeAoeDriver *self = NOVA_VOLUME_AOE_DRIVER (driver);
  g_autofree char *boot_id = NULL;

  g_free (self->eth_dev);
  self->eth_dev = g_strdup (nova_volume_config_get_string (ctx->config, "aoe_eth_dev"));
  self->shelf = (guint) nova_volume_config_get_int (ctx->config, "aoe_shelf");
  self->blades_per_shelf = (guint) nova_volume_config_get_int (ctx->config, "aoe_blades_per_shelf");
  g_free (self->vblade);
  self->vblade = g_strdup (nova_volume_config_get_string (ctx->config, "aoe_vblade_command"));
  g_free (self->record_dir);
  self->record_dir = g_build_filename (ctx->state_dir, "aoe-vblades", NULL);
  if (g_mkdir_with_parents (self->record_dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED, "cannot make %s, where the aoe driver "
                   "keeps the PIDs of its vblades: %s", self->record_dir, g_strerror (saved));
      return FALSE;
    }
  /* a PID and start time from another boot name no process of this one */
  g_file_get_contents ("/proc/sys/kernel/random/boot_id", &boot_id, NULL, NULL);
  g_free (self->boot_id);
  self->boot_id = g_strdup (boot_id != NULL ? g_strstrip (boot_id) : "unknown");
  if (self->processes == NULL)
    self->processes = nova_aoe_processes_new ();
  if (self->probe == NULL)
    self->probe = nova_aoe_probe;
  return TRUE;
}

/* ---- records of running vblades ---------------------------------------- */

static char *
record_path (NovaVolumeAoeDriver *self, const char *volume_id)
{
  return g_build_filename (self->record_dir, volume_id, NULL);
}

static void
write_record (NovaVolumeAoeDriver *self, const Blade *blade)
{
  g_autofree char *path = record_path (self, blade->volume_id);
  g_autofree char *text = g_strdup_printf ("%s %d %" G_GUINT64_FORMAT " %u %u\n", self->boot_id, (int) blade->pid,
                                           blade->start_time, self->shelf, blade->slot);
  g_autoptr(GError) error = NULL;

  /* without it a restart finds this vblade by its exact command line
   * only (it could not be told from a copy started by hand): say so */
  if (!g_file_set_contents (path, text, -1, &error))
    g_warning ("cannot record vblade %d of volume %s: %s", (int) blade->pid, blade->volume_id, error->message);
}

static void
remove_record (NovaVolumeAoeDriver *self, const char *volume_id)
{
  g_autofree char *path = record_path (self, volume_id);

  g_unlink (path);
}

/* The recorded vblade of @volume_id if it still runs as recorded (PID,
 * start time, this boot): ours, whatever its command line, which
 * @out_argv (may be NULL) gets; else NULL. */
static Blade *
read_record (NovaVolumeAoeDriver *self, const char *volume_id, GStrv *out_argv)
{
  g_autofree char *path = record_path (self, volume_id);
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  g_auto(GStrv) running_argv = NULL;
  g_autoptr(Blade) blade = g_new0 (Blade, 1);

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  fields = g_strsplit (g_strstrip (text), " ", 0);
  if (g_strv_length (fields) != 5 || !g_str_equal (fields[0], self->boot_id))
    return NULL;
  blade->volume_id = g_strdup (volume_id);
  blade->pid = (GPid) g_ascii_strtoll (fields[1], NULL, 10);
  blade->start_time = g_ascii_strtoull (fields[2], NULL, 10);
  blade->slot = (guint) g_ascii_strtoull (fields[4], NULL, 10);
  if (!nova_aoe_processes_is_running (self->processes, blade->pid, blade->start_time, &running_argv))
    return NULL;
  if (out_argv != NULL)
    *out_argv = g_steal_pointer (&running_argv);
  return g_steal_pointer (&blade);
}

/* ---- vblades ---------------------------------------------------------- */

static GStrv
vblade_argv (NovaVolumeAoeDriver *self, const char *volume_id, guint slot)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *path = nova_lvm_driver_volume_path (NOVA_LVM_DRIVER (self), volume_id);
  g_autofree char *shelf = g_strdup_printf ("%u", self->shelf);
  g_autofree char *blade = g_strdup_printf ("%u", slot);

  g_strv_builder_add (builder, self->vblade);
  g_strv_builder_add (builder, shelf);
  g_strv_builder_add (builder, blade);
  g_strv_builder_add (builder, self->eth_dev);
  g_strv_builder_add (builder, path);
  return g_strv_builder_end (builder);
}

static void vblade_exited (GPid pid, gpointer user_data);
static gboolean stop_vblade (NovaVolumeAoeDriver *self, const Blade *blade, GError **error);

/* Starts @blade's vblade and watches it; the lock is held. */
static gboolean
spawn_vblade (NovaVolumeAoeDriver *self, Blade *blade, GError **error)
{
  g_auto(GStrv) argv = vblade_argv (self, blade->volume_id, blade->slot);

  if (!nova_aoe_processes_spawn (self->processes, (const char *const *) argv, &blade->pid, &blade->start_time,
                                 error))
    {
      g_prefix_error (error, "cannot start %s for AoE e%u.%u: ", self->vblade, self->shelf, blade->slot);
      return FALSE;
    }
  g_message ("exporting volume %s as AoE e%u.%u on %s: %s pid %d", blade->volume_id, self->shelf, blade->slot,
             self->eth_dev, self->vblade, (int) blade->pid);
  blade->is_child = TRUE;
  blade->started_at = g_get_monotonic_time ();
  blade->watch = nova_aoe_processes_watch (self->processes, blade->pid, TRUE, vblade_exited, self);
  write_record (self, blade);
  return TRUE;
}

/* Gives up on a vblade that could not be kept running; the lock is held.
 * Returns the volume id for export-lost. */
static char *
forget_blade (NovaVolumeAoeDriver *self, Blade *blade)
{
  char *volume_id = g_strdup (blade->volume_id);

  remove_record (self, volume_id);
  g_hash_table_remove (self->blades, volume_id);
  return volume_id;
}

/* Starts @blade's vblade again; on failure it is given up and the
 * volume reported lost. The lock is held, and released here. */
static void
restart_vblade (NovaVolumeAoeDriver *self, Blade *blade, GMutexLocker *locker)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *lost = NULL;

  if (spawn_vblade (self, blade, &error))
    {
      g_mutex_locker_free (locker);
      return;
    }
  lost = forget_blade (self, blade);
  g_mutex_locker_free (locker);
  nova_volume_driver_export_lost (NOVA_VOLUME_DRIVER (self), lost, error->message);
}

typedef struct {
  NovaVolumeAoeDriver *self;
  char                *volume_id;
} DelayedRestart;

static void
delayed_restart_free (gpointer data)
{
  DelayedRestart *delayed = data;

  g_free (delayed->volume_id);
  g_free (delayed);
}

/* On the main context, after the pause: the blade is restarted unless
 * remove_export took it meanwhile (then it is no longer in the table with
 * this pending restart). */
static gboolean
delayed_restart_due (gpointer data)
{
  DelayedRestart *delayed = data;
  NovaVolumeAoeDriver *self = delayed->self;
  GMutexLocker *locker = g_mutex_locker_new (&self->lock);
  Blade *blade = g_hash_table_lookup (self->blades, delayed->volume_id);

  if (blade == NULL || blade->restart != g_main_current_source ())
    {
      g_mutex_locker_free (locker);
      return G_SOURCE_REMOVE;
    }
  g_clear_pointer (&blade->restart, g_source_unref);
  restart_vblade (self, blade, locker);
  return G_SOURCE_REMOVE;
}

/* On the main context: a vblade exited without being asked to. It is
 * started again with the same address: the initiator's I/O was
 * retransmitting and resumes. */
static void
vblade_exited (GPid pid, gpointer user_data)
{
  NovaVolumeAoeDriver *self = user_data;
  GMutexLocker *locker = g_mutex_locker_new (&self->lock);
  DelayedRestart *delayed;
  GHashTableIter iter;
  Blade *blade = NULL;
  guint delay_ms;

  g_hash_table_iter_init (&iter, self->blades);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &blade) && blade->pid != pid)
    ;
  if (blade == NULL || blade->pid != pid)
    {
      /* one that remove_export is stopping, reaped before it was retired */
      g_mutex_locker_free (locker);
      return;
    }

  g_source_destroy (blade->watch);
  g_clear_pointer (&blade->watch, g_source_unref);
  /* the first exit after a good run restarts at once, each further quick
   * one waits twice as long as the last; an adopted one's start is not
   * known: it ran long enough */
  if (blade->started_at == 0 || g_get_monotonic_time () - blade->started_at >= RESTART_STABLE_US)
    blade->quick_exits = 0;
  delay_ms = blade->quick_exits == 0 ? 0 : RESTART_DELAY_MIN_MS << MIN (blade->quick_exits - 1, 16);
  delay_ms = MIN (delay_ms, RESTART_DELAY_MAX_MS);
  blade->quick_exits++;
  g_warning ("%s pid %d for volume %s (AoE e%u.%u) exited; starting it again in %u ms", self->vblade, (int) pid,
             blade->volume_id, self->shelf, blade->slot, delay_ms);
  if (delay_ms == 0)
    {
      restart_vblade (self, blade, locker);
      return;
    }
  delayed = g_new0 (DelayedRestart, 1);
  delayed->self = self;
  delayed->volume_id = g_strdup (blade->volume_id);
  blade->restart = g_timeout_source_new (delay_ms);
  g_source_set_callback (blade->restart, delayed_restart_due, delayed, delayed_restart_free);
  g_source_attach (blade->restart, NULL);
  g_mutex_locker_free (locker);
}

/* Refuses when anyone already answers for e<shelf>.@slot on the link. */
static gboolean
probe_address (NovaVolumeAoeDriver *self, guint slot, GError **error)
{
  g_autoptr(GPtrArray) responders = self->probe (self->eth_dev, (guint16) self->shelf, (guint8) slot,
                                                 PROBE_WAIT_MS, self->probe_data, error);
  g_autofree char *macs = NULL;

  if (responders == NULL)
    return FALSE;
  if (responders->len == 0)
    return TRUE;
  g_ptr_array_add (responders, NULL);
  macs = g_strjoinv (", ", (char **) responders->pdata);
  g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_ALREADY_EXISTS,
               "AoE address e%u.%u is already answered on %s by %s: another host on this network serves "
               "shelf %u; give each storage host its own aoe_shelf, or stop that vblade", self->shelf, slot,
               self->eth_dev, macs, self->shelf);
  return FALSE;
}

/* @running is a vblade (by name) for the address and interface of the
 * command line @user_data, whatever its options and device: vblade takes
 * its options first and "shelf slot netif filename" last. */
static gboolean
serves_same_address (const char *const *running, gpointer user_data)
{
  const char *const *ours = user_data;
  guint n = g_strv_length ((GStrv) running);
  g_autofree char *name = NULL;
  g_autofree char *our_name = NULL;

  if (n < 5)
    return FALSE;
  name = g_path_get_basename (running[0]);
  our_name = g_path_get_basename (ours[0]);
  return g_str_equal (name, our_name) && g_str_equal (running[n - 4], ours[1])
         && g_str_equal (running[n - 3], ours[2]) && g_str_equal (running[n - 2], ours[3]);
}

/* @running is exactly the command line @user_data (argv[0] by name) */
static gboolean
is_same_command (const char *const *running, gpointer user_data)
{
  return nova_aoe_processes_same_command (running, user_data);
}

/* Adopts the vblade @pid that runs @volume_id's very command line but has
 * no record: nova-volumed started it and was stopped (or could not write
 * the record) before it recorded it. Records it now. The lock is held. */
static void
adopt_unrecorded (NovaVolumeAoeDriver *self, const char *volume_id, guint slot, GPid pid, guint64 start_time)
{
  Blade *blade = g_new0 (Blade, 1);

  blade->volume_id = g_strdup (volume_id);
  blade->slot = slot;
  blade->pid = pid;
  blade->start_time = start_time;
  g_message ("volume %s: adopting %s pid %d (AoE e%u.%u), which runs with exactly this export's command line "
             "but had no record", volume_id, self->vblade, (int) pid, self->shelf, slot);
  blade->watch = nova_aoe_processes_watch (self->processes, pid, FALSE, vblade_exited, self);
  write_record (self, blade);
  keep_blade (self, blade);
}

/* The vblade of @volume_id at @slot runs afterwards: the one already
 * running (ours, or recorded before a restart and adopted), or a new one
 * once nobody else answers for the address. */
static gboolean
start_export (NovaVolumeAoeDriver *self, const char *volume_id, guint slot, GError **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autoptr(Blade) blade = NULL;
  g_auto(GStrv) argv = vblade_argv (self, volume_id, slot);
  g_auto(GStrv) recorded_argv = NULL;
  Blade *running = g_hash_table_lookup (self->blades, volume_id);

  if (running != NULL)
    {
      if (running->slot == slot
          && nova_aoe_processes_is_running (self->processes, running->pid, running->start_time, NULL))
        return TRUE;
      /* exited, its watch not yet run: a new one replaces it */
      g_hash_table_steal (self->blades, volume_id);
      retire_blade (self, running);
    }

  blade = read_record (self, volume_id, &recorded_argv);
  if (blade != NULL
      && nova_aoe_processes_same_command ((const char *const *) recorded_argv, (const char *const *) argv))
    {
      g_message ("volume %s: adopting %s pid %d (AoE e%u.%u), which ran before nova-volumed restarted",
                 volume_id, self->vblade, (int) blade->pid, self->shelf, slot);
      blade->watch = nova_aoe_processes_watch (self->processes, blade->pid, FALSE, vblade_exited, self);
      keep_blade (self, g_steal_pointer (&blade));
      return TRUE;
    }
  if (blade != NULL)
    {
      /* ours, started with another configuration (aoe_eth_dev, aoe_shelf,
       * volume_group changed since): left running it would go on serving
       * the volume at its old address and keep the LV open */
      g_autofree char *old_line = recorded_argv != NULL ? g_strjoinv (" ", recorded_argv) : g_strdup ("?");
      g_autofree char *new_line = g_strjoinv (" ", argv);

      g_message ("volume %s: stopping %s pid %d, which nova-volumed started as \"%s\" before its "
                 "configuration changed; starting \"%s\" in its place", volume_id, self->vblade,
                 (int) blade->pid, old_line, new_line);
      g_clear_pointer (&locker, g_mutex_locker_free);
      if (!stop_vblade (self, blade, error))
        return FALSE;
      locker = g_mutex_locker_new (&self->lock);
      g_clear_pointer (&blade, blade_free);
    }

  /* a vblade on this host for the same address (the probe cannot see it:
   * a packet socket does not get the host's own outgoing frames): ours
   * when it serves this very device, else not ours */
  {
    guint64 start_time = 0;
    GPid other = nova_aoe_processes_find (self->processes, is_same_command, argv, &start_time);

    if (other != 0)
      {
        adopt_unrecorded (self, volume_id, slot, other, start_time);
        return TRUE;
      }
    other = nova_aoe_processes_find (self->processes, serves_same_address, argv, NULL);
    if (other != 0)
      {
        g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_ALREADY_EXISTS,
                     "AoE address e%u.%u on %s is already served by %s pid %d on this host for another "
                     "device than %s, and nova-volumed has no record of starting it: stop it", self->shelf,
                     slot, self->eth_dev, self->vblade, (int) other, argv[4]);
        return FALSE;
      }
  }

  /* the probe waits for answers: not under the lock. The manager runs one
   * export of a volume at a time, and the blade is this volume's alone. */
  g_clear_pointer (&locker, g_mutex_locker_free);
  if (!probe_address (self, slot, error))
    return FALSE;
  locker = g_mutex_locker_new (&self->lock);

  blade = g_new0 (Blade, 1);
  blade->volume_id = g_strdup (volume_id);
  blade->slot = slot;
  if (!spawn_vblade (self, blade, error))
    return FALSE;
  keep_blade (self, g_steal_pointer (&blade));
  return TRUE;
}

/* SIGTERM, and SIGKILL when it does not go: returns when @blade's process
 * is gone (a zombie holds nothing open) or after that failed too. */
static gboolean
stop_vblade (NovaVolumeAoeDriver *self, const Blade *blade, GError **error)
{
  const int signals[] = { SIGTERM, SIGKILL };

  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    {
      gint64 deadline = g_get_monotonic_time () + STOP_WAIT_US;

      if (!nova_aoe_processes_signal (self->processes, blade->pid, blade->start_time, signals[i]))
        return TRUE;  /* not running, or the PID is another process's now */
      while (g_get_monotonic_time () < deadline)
        {
          if (!nova_aoe_processes_is_running (self->processes, blade->pid, blade->start_time, NULL))
            return TRUE;
          g_usleep (20 * 1000);
        }
    }
  g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_BUSY,
               "%s pid %d (AoE e%u.%u) of volume %s did not exit on SIGTERM nor SIGKILL", self->vblade,
               (int) blade->pid, self->shelf, blade->slot, blade->volume_id);
  return FALSE;
}

/* ---- exports ---------------------------------------------------------- */

static gboolean
lookup_slot (NovaVolumeAoeDriver *self, const NovaVolumeRecord *volume, guint *slot, gboolean *held,
             GError **error)
{
  return nova_volume_ledger_lookup_number (nova_lvm_driver_get_ledger (NOVA_LVM_DRIVER (self)),
                                          NOVA_AOE_BLADE_NUMBER_KIND, volume->id, slot, held, error);
}

/* The volume's blade, allocated now when it has none (*out_new). */
static gboolean
allocate_slot (NovaVolumeAoeDriver *self, const NovaVolumeRecord *volume, guint *slot, gboolean *out_new,
               GError **error)
{
  gboolean held = FALSE;

  if (!lookup_slot (self, volume, slot, &held, error))
    return FALSE;
  *out_new = !held;
  if (held)
    return TRUE;
  if (!nova_volume_ledger_allocate_number (nova_lvm_driver_get_ledger (NOVA_LVM_DRIVER (self)),
                                          NOVA_AOE_BLADE_NUMBER_KIND, volume->id, 0, self->blades_per_shelf - 1,
                                          slot, error))
    {
      g_prefix_error (error, "no AoE blade left on shelf %u (aoe_blades_per_shelf = %u): ", self->shelf,
                      self->blades_per_shelf);
      return FALSE;
    }
  return TRUE;
}

static gboolean
export_volume (NovaVolumeAoeDriver *self, const NovaVolumeRecord *volume, GError **error)
{
  gboolean taken = FALSE;
  guint slot = 0;

  if (!allocate_slot (self, volume, &slot, &taken, error))
    return FALSE;
  if (start_export (self, volume->id, slot, error))
    return TRUE;
  /* a number this call took goes back; one held before stays */
  if (taken)
    nova_volume_ledger_release_number (nova_lvm_driver_get_ledger (NOVA_LVM_DRIVER (self)),
                                      NOVA_AOE_BLADE_NUMBER_KIND, volume->id, NULL);
  return FALSE;
}

static gboolean
nova_volume_aoe_driver_create_export (NovaLvmDriver *driver, NovaVolumeRecord *volume, GError **error)
{
  NovaVolumeAoeDriver *self = NOVA_VOLUME_AOE_DRIVER (driver);
  g_autofree char *location = NULL;
  guint slot = 0;
  gboolean held = FALSE;

  if (!export_volume (self, volume, error) || !lookup_slot (self, volume, &slot, &held, error))
    return FALSE;
  location = g_strdup_printf ("%s e%u.%u", self->eth_dev, self->shelf, slot);
  nova_record_set_string (&volume->provider_location, location);
  return TRUE;
}

/* After a reboot, a daemon restart or a vblade crash: the same address. */
static gboolean
nova_volume_aoe_driver_ensure_export (NovaLvmDriver *driver, const NovaVolumeRecord *volume, GError **error)
{
  return export_volume (NOVA_VOLUME_AOE_DRIVER (driver), volume, error);
}

/* Stops @volume's vblade, the one in the table or, from before a restart
 * and never adopted (the volume was not available then), the one its
 * record names, never one found by its PID alone; @doing says why in the
 * log ("stopped", "grew: restarting"). A vblade that does not stop stays
 * ours to stop next time (FALSE). Its record goes with it. */
static gboolean
stop_volume_blade (NovaVolumeAoeDriver *self, const NovaVolumeRecord *volume, const char *doing, GError **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autoptr(Blade) blade = NULL;
  gpointer key = NULL;

  if (!g_hash_table_steal_extended (self->blades, volume->id, &key, (gpointer *) &blade))
    blade = read_record (self, volume->id, NULL);
  g_clear_pointer (&locker, g_mutex_locker_free);
  if (blade != NULL)
    {
      gboolean stopped = stop_vblade (self, blade, error);

      locker = g_mutex_locker_new (&self->lock);
      if (!stopped)
        {
          keep_blade (self, g_steal_pointer (&blade));
          return FALSE;
        }
      g_message ("volume %s: %s %s pid %d (AoE e%u.%u)", volume->id, doing, self->vblade, (int) blade->pid,
                 self->shelf, blade->slot);
      retire_blade (self, g_steal_pointer (&blade));
      g_clear_pointer (&locker, g_mutex_locker_free);
    }
  remove_record (self, volume->id);
  return TRUE;
}

static gboolean
nova_volume_aoe_driver_remove_export (NovaLvmDriver *driver, const NovaVolumeRecord *volume, GError **error)
{
  if (!stop_volume_blade (NOVA_VOLUME_AOE_DRIVER (driver), volume, "stopped", error))
    return FALSE;
  return nova_volume_ledger_release_number (nova_lvm_driver_get_ledger (driver), NOVA_AOE_BLADE_NUMBER_KIND,
                                           volume->id, error);
}

/* vblade tells its disk's size when it starts: the volume's vblade is
 * started again on the same shelf.slot (its number kept). An initiator's
 * I/O waits for the blade to answer again and resumes; aoe-revalidate
 * shows the new size. */
static gboolean
nova_volume_aoe_driver_refresh_export (NovaLvmDriver *driver, const NovaVolumeRecord *volume, GError **error)
{
  NovaVolumeAoeDriver *self = NOVA_VOLUME_AOE_DRIVER (driver);
  gboolean held = FALSE;
  guint slot = 0;

  if (!stop_volume_blade (self, volume, "grew: restarting", error))
    return FALSE;
  /* not exported: the next export serves the grown LV */
  if (!lookup_slot (self, volume, &slot, &held, error))
    return FALSE;
  return !held || export_volume (self, volume, error);
}

static gboolean
nova_volume_aoe_driver_check_for_export (NovaLvmDriver *driver, const NovaVolumeRecord *volume, GError **error)
{
  NovaVolumeAoeDriver *self = NOVA_VOLUME_AOE_DRIVER (driver);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  Blade *blade = g_hash_table_lookup (self->blades, volume->id);

  if (blade != NULL && nova_aoe_processes_is_running (self->processes, blade->pid, blade->start_time, NULL))
    return TRUE;
  g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND,
               "no %s runs for volume %s on %s", self->vblade, volume->id, self->eth_dev);
  return FALSE;
}

/* Nova's libvirt AoE volume driver: /dev/etherd/e<target_shelf>.<target_lun>
 * after an aoe-discover (target_discovered false: the host must look). */
static GVariant *
nova_volume_aoe_driver_initialize_connection (NovaLvmDriver *driver, const NovaVolumeRecord *volume,
                                              GVariant *connector, GError **error)
{
  NovaVolumeAoeDriver *self = NOVA_VOLUME_AOE_DRIVER (driver);
  GVariantBuilder data;
  guint slot = 0;
  gboolean held = FALSE;

  if (!lookup_slot (self, volume, &slot, &held, error))
    return NULL;
  if (!held)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_STATE,
                   "volume %s is not exported over AoE (it holds no blade)", volume->id);
      return NULL;
    }
  g_variant_builder_init (&data, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&data, "{sv}", "target_shelf", g_variant_new_int32 ((gint32) self->shelf));
  g_variant_builder_add (&data, "{sv}", "target_lun", g_variant_new_int32 ((gint32) slot));
  g_variant_builder_add (&data, "{sv}", "target_discovered", g_variant_new_boolean (FALSE));
  return nova_volume_connection_info_new ("aoe", g_variant_builder_end (&data));
}

/* AoE has no per-host access here: every host on the link may connect */
static gboolean
nova_volume_aoe_driver_terminate_connection (NovaLvmDriver *driver, const NovaVolumeRecord *volume,
                                             GVariant *connector, GError **error)
{
  return TRUE;
}

/* ---- object ----------------------------------------------------------- */

static void
nova_volume_aoe_driver_finalize (GObject *object)
{
  NovaVolumeAoeDriver *self = NOVA_VOLUME_AOE_DRIVER (object);

  /* the vblades go on serving (see the top of this file) */
  g_hash_table_unref (self->blades);
  g_mutex_clear (&self->lock);
  g_clear_object (&self->processes);
  g_free (self->eth_dev);
  g_free (self->vblade);
  g_free (self->record_dir);
  g_free (self->boot_id);
  G_OBJECT_CLASS (nova_volume_aoe_driver_parent_class)->finalize (object);
}

static void
nova_volume_aoe_driver_class_init (NovaVolumeAoeDriverClass *klass)
{
  NovaLvmDriverClass *lvm_class = NOVA_LVM_DRIVER_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = nova_volume_aoe_driver_finalize;
  lvm_class->name = "aoe";
  lvm_class->storage_protocol = "AoE";
  lvm_class->setup_exports = nova_volume_aoe_driver_setup_exports;
  lvm_class->create_export = nova_volume_aoe_driver_create_export;
  lvm_class->ensure_export = nova_volume_aoe_driver_ensure_export;
  lvm_class->remove_export = nova_volume_aoe_driver_remove_export;
  lvm_class->check_for_export = nova_volume_aoe_driver_check_for_export;
  lvm_class->initialize_connection = nova_volume_aoe_driver_initialize_connection;
  lvm_class->terminate_connection = nova_volume_aoe_driver_terminate_connection;
  lvm_class->refresh_export = nova_volume_aoe_driver_refresh_export;
}

static void
nova_volume_aoe_driver_init (NovaVolumeAoeDriver *self)
{
  g_mutex_init (&self->lock);
  self->blades = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) blade_free);
}

NovaVolumeDriver *
nova_volume_aoe_driver_new_with (NovaLvm *lvm, NovaAoeProcesses *processes, NovaAoeProbeFunc probe,
                                 gpointer probe_data)
{
  NovaVolumeAoeDriver *self = g_object_new (NOVA_VOLUME_TYPE_AOE_DRIVER, NULL);

  nova_lvm_driver_set_lvm (NOVA_LVM_DRIVER (self), lvm);
  self->processes = g_object_ref (processes);
  self->probe = probe;
  self->probe_data = probe_data;
  return NOVA_VOLUME_DRIVER (self);
}

/* what the registry and the configuration know of this driver */
static const char *const aoe_aliases[] = { "nova.volume.driver.AOEDriver", NULL };
static const NovaVolumeConfigKey *const aoe_key_tables[] = { aoe_keys, nova_volume_lvm_config_keys, NULL };
static const NovaVolumeDriverInfo aoe_info = {
  .name = "aoe",
  .aliases = aoe_aliases,
  .get_type = nova_volume_aoe_driver_get_type,
  .keys = aoe_key_tables,
};

NOVA_VOLUME_DRIVER_MODULE (aoe_info)
