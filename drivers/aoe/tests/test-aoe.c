/* The aoe driver on a host without device-mapper or AoE: a volume group of
 * sparse files (tests/lvm-files.c), pretend vblade processes and a
 * pretend network. What it checks: the AoE frames on bytes; the vblade
 * command line; blades from the store (no duplicate under 100 concurrent
 * creates and exports, freed ones reused, kept across a restart, NoSpace
 * past aoe_blades_per_shelf); the probe refusing an address that another
 * host answers for, and a vblade on this host that the driver did not
 * start; a dying vblade started again, and given up ("export-lost") when
 * it cannot be started; a vblade adopted after a restart, or started
 * again after a reboot; a recorded vblade stopped when the configuration
 * changed its command line, an unrecorded one with exactly ours adopted;
 * remove_export signalling only the process it started (never a reused
 * PID), and its watch gone once the child is reaped (a real stand-in,
 * drivers/aoe/tests/fake-vblade.sh); the connection info; the real process
 * layer's PID + start time on a real child; and the real probe against a
 * real vblade on the loopback interface. The aoe initiator and the whole
 * daemon run in the guest tier (tests/vm/aoe-guest.sh). */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "lvm-files.h"
#include "nova-volume-aoe-frame.h"
#include "nova-volume-aoe-probe.h"
#include "nova-volume-driver-aoe.h"
#include "nova-volume-error.h"
#include "test-util.h"

#define MIB ((guint64) 1024 * 1024)
#define VG "nova-volumes"
#define ETH "aoe-test0"
#define SHELF 7
#define RESPONDER "02:00:5e:00:00:42"

/* ---- real processes a failed test leaves behind ------------------------ */

/* Killed when a test fails: a failed assertion aborts (SIGABRT, or SIGTRAP
 * for a fatal log message), meson stops a hung test with SIGTERM. Without
 * this a vblade in a session of its own would serve on as root. */
static volatile sig_atomic_t doomed[8];

static void
kill_doomed (int signum)
{
  for (guint i = 0; i < G_N_ELEMENTS (doomed); i++)
    if (doomed[i] > 0)
      kill (doomed[i], SIGKILL);
  raise (signum);  /* the handler was reset: the default action now */
}

static void
kill_doomed_on_failure (void)
{
  const int signals[] = { SIGABRT, SIGTRAP, SIGTERM, SIGINT };
  struct sigaction action;

  memset (&action, 0, sizeof action);
  action.sa_handler = kill_doomed;
  action.sa_flags = SA_RESETHAND;
  sigemptyset (&action.sa_mask);
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    sigaction (signals[i], &action, NULL);
}

static void
doom (GPid pid)
{
  for (guint i = 0; i < G_N_ELEMENTS (doomed); i++)
    if (doomed[i] == 0)
      {
        doomed[i] = pid;
        return;
      }
  kill (pid, SIGKILL);
  g_assert_not_reached ();
}

static void
spare (GPid pid)
{
  for (guint i = 0; i < G_N_ELEMENTS (doomed); i++)
    if (doomed[i] == pid)
      doomed[i] = 0;
}

/* ---- real processes, their watches counted ----------------------------- */

typedef struct {
  NovaAoeProcesses parent_instance;
  GPid             last_pid;
} CountingProcesses;

typedef struct {
  NovaAoeProcessesClass parent_class;
} CountingProcessesClass;

static GType counting_processes_get_type (void);
G_DEFINE_TYPE (CountingProcesses, counting_processes, NOVA_TYPE_AOE_PROCESSES)

/* watches not yet freed */
static gint live_watches;

static gboolean
counting_spawn (NovaAoeProcesses *processes, const char *const *argv, GPid *out_pid, guint64 *out_start_time,
                GError **error)
{
  if (!NOVA_AOE_PROCESSES_CLASS (counting_processes_parent_class)->spawn (processes, argv, out_pid,
                                                                           out_start_time, error))
    return FALSE;
  doom (*out_pid);
  ((CountingProcesses *) processes)->last_pid = *out_pid;
  return TRUE;
}

static void
watch_disposed (GSource *source)
{
  g_atomic_int_add (&live_watches, -1);
}

static GSource *
counting_watch (NovaAoeProcesses *processes, GPid pid, gboolean is_child, NovaAoeExitFunc func,
                gpointer user_data)
{
  GSource *source = NOVA_AOE_PROCESSES_CLASS (counting_processes_parent_class)->watch (processes, pid, is_child,
                                                                                        func, user_data);

  g_atomic_int_inc (&live_watches);
  g_source_set_dispose_function (source, watch_disposed);
  return source;
}

static void
counting_processes_class_init (CountingProcessesClass *klass)
{
  NOVA_AOE_PROCESSES_CLASS (klass)->spawn = counting_spawn;
  NOVA_AOE_PROCESSES_CLASS (klass)->watch = counting_watch;
}

static void
counting_processes_init (CountingProcesses *self)
{
}

/* ---- pretend processes ------------------------------------------------ */

typedef struct {
  NovaAoeProcesses parent_instance;
  GMutex           lock;
  GMainContext    *context;   /* never iterated: the watches' home */
  GPid             next_pid;
  GPtrArray       *spawned;   /* command lines */
  GPtrArray       *signalled; /* "<pid> <signal>" */
  GHashTable      *running;   /* pid -> "start_time argv..." */
  GHashTable      *watched;   /* pids */
  NovaAoeExitFunc  exit_func; /* the driver's, the same for every pid */
  gpointer         exit_data;
  gboolean         fail_spawn; /* as if the program were gone */
} FakeProcesses;

typedef struct {
  NovaAoeProcessesClass parent_class;
} FakeProcessesClass;

static GType fake_processes_get_type (void);
G_DEFINE_TYPE (FakeProcesses, fake_processes, NOVA_TYPE_AOE_PROCESSES)

static gboolean
fake_spawn (NovaAoeProcesses *processes, const char *const *argv, GPid *out_pid, guint64 *out_start_time,
            GError **error)
{
  FakeProcesses *self = (FakeProcesses *) processes;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autofree char *line = g_strjoinv (" ", (char **) argv);

  if (self->fail_spawn)
    {
      g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT, "Failed to execute child process “%s” (No such "
                   "file or directory)", argv[0]);
      return FALSE;
    }
  *out_pid = self->next_pid++;
  *out_start_time = (guint64) *out_pid * 10;
  g_ptr_array_add (self->spawned, g_strdup (line));
  g_hash_table_insert (self->running, GINT_TO_POINTER (*out_pid),
                       g_strdup_printf ("%" G_GUINT64_FORMAT " %s", *out_start_time, line));
  return TRUE;
}

static gboolean
fake_is_running (NovaAoeProcesses *processes, GPid pid, guint64 start_time, GStrv *out_argv)
{
  FakeProcesses *self = (FakeProcesses *) processes;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  const char *entry = g_hash_table_lookup (self->running, GINT_TO_POINTER (pid));
  g_auto(GStrv) words = NULL;

  if (entry == NULL)
    return FALSE;
  words = g_strsplit (entry, " ", 0);
  if (g_ascii_strtoull (words[0], NULL, 10) != start_time)
    return FALSE;
  if (out_argv != NULL)
    *out_argv = g_strdupv (words + 1);
  return TRUE;
}

static gboolean
fake_signal (NovaAoeProcesses *processes, GPid pid, guint64 start_time, int signum)
{
  FakeProcesses *self = (FakeProcesses *) processes;

  if (!fake_is_running (processes, pid, start_time, NULL))
    return FALSE;
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->signalled, g_strdup_printf ("%d %d", (int) pid, signum));
  g_hash_table_remove (self->running, GINT_TO_POINTER (pid));
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static GPid
fake_find (NovaAoeProcesses *processes, NovaAoeMatchFunc match, gpointer user_data, guint64 *out_start_time)
{
  FakeProcesses *self = (FakeProcesses *) processes;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  GHashTableIter iter;
  gpointer pid, entry;

  g_hash_table_iter_init (&iter, self->running);
  while (g_hash_table_iter_next (&iter, &pid, &entry))
    {
      g_auto(GStrv) words = g_strsplit (entry, " ", 0);

      if (match ((const char *const *) words + 1, user_data))
        {
          if (out_start_time != NULL)
            *out_start_time = g_ascii_strtoull (words[0], NULL, 10);
          return GPOINTER_TO_INT (pid);
        }
    }
  return 0;
}

static GSource *
fake_watch (NovaAoeProcesses *processes, GPid pid, gboolean is_child, NovaAoeExitFunc func, gpointer user_data)
{
  FakeProcesses *self = (FakeProcesses *) processes;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  GSource *source = g_idle_source_new ();

  g_hash_table_add (self->watched, GINT_TO_POINTER (pid));
  self->exit_func = func;
  self->exit_data = user_data;
  g_source_attach (source, self->context);
  return source;
}

/* @pid dies by itself: gone, and its watch told (as the main context
 * would tell it) */
static void
fake_processes_kill (FakeProcesses *self, GPid pid)
{
  g_mutex_lock (&self->lock);
  g_assert_true (g_hash_table_remove (self->running, GINT_TO_POINTER (pid)));
  g_assert_true (g_hash_table_contains (self->watched, GINT_TO_POINTER (pid)));
  g_mutex_unlock (&self->lock);
  self->exit_func (pid, self->exit_data);
}

/* the machine rebooted: no process runs */
static void
fake_processes_reboot (FakeProcesses *self)
{
  g_hash_table_remove_all (self->running);
}

static guint
fake_processes_n_running (FakeProcesses *self)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  return g_hash_table_size (self->running);
}

static void
fake_unwatch (NovaAoeProcesses *processes, GSource *watch)
{
  g_source_destroy (watch);
  g_source_unref (watch);
}

static void
fake_processes_finalize (GObject *object)
{
  FakeProcesses *self = (FakeProcesses *) object;

  g_ptr_array_unref (self->spawned);
  g_ptr_array_unref (self->signalled);
  g_hash_table_unref (self->running);
  g_hash_table_unref (self->watched);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (fake_processes_parent_class)->finalize (object);
}

static void
fake_processes_class_init (FakeProcessesClass *klass)
{
  NovaAoeProcessesClass *processes_class = NOVA_AOE_PROCESSES_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = fake_processes_finalize;
  processes_class->spawn = fake_spawn;
  processes_class->is_running = fake_is_running;
  processes_class->signal = fake_signal;
  processes_class->find = fake_find;
  processes_class->watch = fake_watch;
  processes_class->unwatch = fake_unwatch;
}

static void
fake_processes_init (FakeProcesses *self)
{
  g_mutex_init (&self->lock);
  self->context = g_main_context_new ();
  self->next_pid = 1000;
  self->spawned = g_ptr_array_new_with_free_func (g_free);
  self->signalled = g_ptr_array_new_with_free_func (g_free);
  self->running = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->watched = g_hash_table_new (NULL, NULL);
}

/* ---- a pretend network ------------------------------------------------ */

/* answers for (shelf, slot) pairs listed as "shelf.slot" */
typedef struct {
  GMutex      lock;
  GHashTable *taken;   /* "7.3" -> responder MAC */
  guint       n_probes;
} FakeNetwork;

static GPtrArray *
fake_probe (const char *ifname, guint16 shelf, guint8 slot, guint wait_ms, gpointer user_data, GError **error)
{
  FakeNetwork *net = user_data;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&net->lock);
  g_autofree char *key = g_strdup_printf ("%u.%u", shelf, slot);
  GPtrArray *responders = g_ptr_array_new_with_free_func (g_free);
  const char *mac = g_hash_table_lookup (net->taken, key);

  g_assert_cmpstr (ifname, ==, ETH);
  net->n_probes++;
  if (mac != NULL)
    g_ptr_array_add (responders, g_strdup (mac));
  return responders;
}

/* ---- fixture ---------------------------------------------------------- */

typedef struct {
  char             *dir;
  NovaVolumeConfig *config;
  NovaVolumeStore  *store;
  NovaLvm          *lvm;
  FakeProcesses    *processes;
  CountingProcesses *real;  /* instead of processes, when set */
  FakeNetwork       net;
  NovaVolumeDriver *driver;
  GPtrArray        *lost;   /* "volume-id: reason" */
} Fixture;

static void
on_export_lost (NovaVolumeDriver *driver, const char *volume_id, const char *reason, Fixture *fx)
{
  g_ptr_array_add (fx->lost, g_strdup_printf ("%s: %s", volume_id, reason));
}

/* the driver as a (re)started daemon has it */
static void
fixture_start (Fixture *fx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeExecutor) executor = nova_volume_executor_new (1);
  g_autoptr(NovaVolumeDriverContext) ctx = nova_volume_driver_context_new (fx->config, executor, NOVA_VOLUME_LEDGER (fx->store), fx->dir);

  g_clear_object (&fx->driver);
  fx->driver = nova_volume_aoe_driver_new_with (fx->lvm, fx->real != NULL ? NOVA_AOE_PROCESSES (fx->real)
                                                : NOVA_AOE_PROCESSES (fx->processes), fake_probe, &fx->net);
  g_signal_connect (fx->driver, "export-lost", G_CALLBACK (on_export_lost), fx);
  g_assert_true (nova_volume_driver_do_setup (fx->driver, ctx, &error));
  g_assert_no_error (error);
  g_assert_true (nova_volume_driver_check_for_setup_error (fx->driver, &error));
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  fx->dir = test_make_tmp_dir ("nova-volume-aoe-XXXXXX");
  fx->store = test_lvm_files_state_new (fx->dir, VG);
  fx->config = nova_volume_config_new ();
  test_config_set (fx->config, "volume_driver", "aoe");
  test_config_set (fx->config, "aoe_eth_dev", ETH);
  test_config_set (fx->config, "aoe_shelf", G_STRINGIFY (SHELF));
  test_config_set (fx->config, "aoe_blades_per_shelf", data != NULL ? data : "3");
  fx->lvm = test_lvm_files_new (fx->dir, 64 * 1024 * MIB);
  fx->processes = g_object_new (fake_processes_get_type (), NULL);
  g_mutex_init (&fx->net.lock);
  fx->net.taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  fx->lost = g_ptr_array_new_with_free_func (g_free);
  fixture_start (fx);
}

/* the driver with real processes: fake-vblade.sh beside this file as vblade */
static void
fixture_setup_real (Fixture *fx, gconstpointer data)
{
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "fake-vblade.sh", NULL);
  g_autofree char *vblade = g_canonicalize_filename (script, NULL);

  fixture_setup (fx, data);
  test_config_set (fx->config, "aoe_vblade_command", vblade);
  fx->real = g_object_new (counting_processes_get_type (), NULL);
  fixture_start (fx);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  g_clear_object (&fx->driver);
  g_clear_object (&fx->real);
  g_clear_object (&fx->processes);
  g_clear_object (&fx->lvm);
  g_clear_object (&fx->store);
  g_clear_object (&fx->config);
  g_hash_table_unref (fx->net.taken);
  g_mutex_clear (&fx->net.lock);
  g_ptr_array_unref (fx->lost);
  test_remove_tree (fx->dir);
  g_free (fx->dir);
}

/* a volume as the manager has it when it calls the driver: in the store */
static NovaVolumeRecord *
new_volume (Fixture *fx)
{
  g_autoptr(GError) error = NULL;
  NovaVolumeRecord *volume = test_new_volume (8 * MIB);

  nova_record_set_string (&volume->driver, "aoe");
  nova_record_set_string (&volume->backend, "aoe");
  g_assert_true (nova_volume_store_put_volume (fx->store, volume, &error));
  g_assert_no_error (error);
  return volume;
}

static NovaVolumeRecord *
new_exported_volume (Fixture *fx)
{
  g_autoptr(GError) error = NULL;
  NovaVolumeRecord *volume = new_volume (fx);

  g_assert_true (nova_volume_driver_create_volume (fx->driver, volume, &error));
  g_assert_no_error (error);
  g_assert_true (nova_volume_driver_create_export (fx->driver, volume, &error));
  g_assert_no_error (error);
  return volume;
}

static guint
blade_of (Fixture *fx, const NovaVolumeRecord *volume, gboolean *found)
{
  g_autoptr(GError) error = NULL;
  guint blade = G_MAXUINT;

  g_assert_true (nova_volume_store_lookup_number (fx->store, NOVA_AOE_BLADE_NUMBER_KIND, volume->id, &blade,
                                                  found, &error));
  g_assert_no_error (error);
  return blade;
}

static char *
expected_command (Fixture *fx, const NovaVolumeRecord *volume, guint blade)
{
  g_autofree char *lv = g_strconcat ("volume-", volume->id, NULL);
  g_autofree char *path = nova_lvm_lv_path (fx->lvm, VG, lv);

  return g_strdup_printf ("vblade %d %u " ETH " %s", SHELF, blade, path);
}

static const char *
last_spawned (Fixture *fx)
{
  g_assert_cmpuint (fx->processes->spawned->len, >, 0);
  return g_ptr_array_index (fx->processes->spawned, fx->processes->spawned->len - 1);
}

/* ---- frames ----------------------------------------------------------- */

static void
test_frames (void)
{
  const guint8 mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
  const guint8 expected_query[32] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  0x02, 0x00, 0x00, 0x00, 0x00, 0x01,  0x88, 0xa2,
    0x10, 0x00,  0x01, 0x2c,  0x03,  0x01,  0xde, 0xad, 0xbe, 0xef,
    0, 0, 0, 0, 0, 0, 0, 0,
  };
  /* vblade's answer to it: 32 bytes, not padded, R flag, its buffer
   * count, firmware, sectors per frame, AoE version */
  guint8 reply[32] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01,  0x02, 0x00, 0x5e, 0x00, 0x00, 0x42,  0x88, 0xa2,
    0x18, 0x00,  0x01, 0x2c,  0x03,  0x01,  0xde, 0xad, 0xbe, 0xef,
    0x00, 0x10,  0x40, 0x19,  0x02,  0x10,  0x00, 0x00,
  };
  guint8 query[NOVA_AOE_QUERY_FRAME_LEN];
  guint8 from[6] = { 0 };
  g_autofree char *text = NULL;

  nova_aoe_frame_build_query (query, mac, 300, 3, 0xdeadbeef);
  g_assert_cmpmem (query, sizeof expected_query, expected_query, sizeof expected_query);
  for (gsize i = sizeof expected_query; i < sizeof query; i++)
    g_assert_cmpuint (query[i], ==, 0);

  g_assert_true (nova_aoe_frame_parse_config_reply (reply, sizeof reply, 300, 3, 0xdeadbeef, from));
  text = nova_aoe_format_mac (from);
  g_assert_cmpstr (text, ==, RESPONDER);
  /* too short, another address, another query's tag */
  g_assert_false (nova_aoe_frame_parse_config_reply (reply, sizeof reply - 1, 300, 3, 0xdeadbeef, NULL));
  g_assert_false (nova_aoe_frame_parse_config_reply (reply, sizeof reply, 300, 4, 0xdeadbeef, NULL));
  g_assert_false (nova_aoe_frame_parse_config_reply (reply, sizeof reply, 301, 3, 0xdeadbeef, NULL));
  g_assert_false (nova_aoe_frame_parse_config_reply (reply, sizeof reply, 300, 3, 0xdeadbeee, NULL));
  /* our own query (no R flag) is not an answer */
  g_assert_false (nova_aoe_frame_parse_config_reply (query, sizeof query, 300, 3, 0xdeadbeef, NULL));
  /* another command (1 is the config query; 0 is ATA) */
  reply[19] = 0x00;
  g_assert_false (nova_aoe_frame_parse_config_reply (reply, sizeof reply, 300, 3, 0xdeadbeef, NULL));
  reply[19] = 0x01;
  reply[12] = 0x08;  /* IPv4 */
  g_assert_false (nova_aoe_frame_parse_config_reply (reply, sizeof reply, 300, 3, 0xdeadbeef, NULL));
}

/* ---- the driver ------------------------------------------------------- */

/* the command line, the address, the connection info as Nova's libvirt
 * AoE driver takes it */
static void
test_export (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeRecord) volume = new_exported_volume (fx);
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GVariant) connection = NULL;
  g_autoptr(GVariant) connector = g_variant_ref_sink (g_variant_new_parsed ("{'host': <'compute-1'>}"));
  g_autofree char *expected = expected_command (fx, volume, 0);
  g_autofree char *location = g_strdup_printf (ETH " e%d.0", SHELF);
  const char *type = NULL;
  gint32 shelf = -1, lun = -1;
  gboolean discovered = TRUE;

  g_assert_cmpuint (fx->processes->spawned->len, ==, 1);
  g_assert_cmpstr (last_spawned (fx), ==, expected);
  g_assert_cmpuint (fx->net.n_probes, ==, 1);
  g_assert_cmpstr (volume->provider_location, ==, location);
  g_assert_true (nova_volume_driver_check_for_export (fx->driver, volume, &error));
  g_assert_no_error (error);

  info = nova_volume_driver_initialize_connection (fx->driver, volume, connector, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (info, "driver_volume_type", "&s", &type));
  g_assert_cmpstr (type, ==, "aoe");
  connection = g_variant_lookup_value (info, "data", G_VARIANT_TYPE_VARDICT);
  g_assert_true (g_variant_lookup (connection, "target_shelf", "i", &shelf));
  g_assert_true (g_variant_lookup (connection, "target_lun", "i", &lun));
  g_assert_true (g_variant_lookup (connection, "target_discovered", "b", &discovered));
  g_assert_cmpint (shelf, ==, SHELF);
  g_assert_cmpint (lun, ==, 0);
  g_assert_false (discovered);
  g_assert_true (nova_volume_driver_terminate_connection (fx->driver, volume, connector, &error));

  /* ensure_export of a running export starts nothing and asks nobody */
  g_assert_true (nova_volume_driver_ensure_export (fx->driver, volume, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fx->processes->spawned->len, ==, 1);
  g_assert_cmpuint (fx->net.n_probes, ==, 1);

  /* stats say AoE */
  {
    g_autoptr(GVariant) stats = nova_volume_driver_get_volume_stats (fx->driver, TRUE, &error);
    const char *protocol = NULL;

    g_assert_no_error (error);
    g_assert_true (g_variant_lookup (stats, "storage_protocol", "&s", &protocol));
    g_assert_cmpstr (protocol, ==, "AoE");
  }
}

typedef struct {
  Fixture *fx;
  GMutex   lock;
  GPtrArray *volumes;
  guint    n_no_space;
} Race;

static gpointer
create_and_export (gpointer data)
{
  Race *race = data;
  g_autoptr(GError) error = NULL;
  NovaVolumeRecord *volume = new_volume (race->fx);

  g_assert_true (nova_volume_driver_create_volume (race->fx->driver, volume, &error));
  g_assert_no_error (error);
  if (nova_volume_driver_create_export (race->fx->driver, volume, &error))
    {
      g_mutex_lock (&race->lock);
      g_ptr_array_add (race->volumes, volume);
      g_mutex_unlock (&race->lock);
      return NULL;
    }
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NO_SPACE);
  g_assert_nonnull (strstr (error->message, "aoe_blades_per_shelf"));
  g_mutex_lock (&race->lock);
  race->n_no_space++;
  g_mutex_unlock (&race->lock);
  nova_volume_record_free (volume);
  return NULL;
}

/* 110 creates and exports at once on a shelf of 100 blades: 100 get one
 * each, no two the same, every vblade with its own; 10 are refused */
static void
test_concurrent_exports (Fixture *fx, gconstpointer data)
{
  Race race = { .fx = fx, .volumes = g_ptr_array_new_with_free_func ((GDestroyNotify) nova_volume_record_free) };
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  g_autoptr(GHashTable) lines = g_hash_table_new (g_str_hash, g_str_equal);
  GThread *threads[110];

  g_mutex_init (&race.lock);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("export", create_and_export, &race);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);

  g_assert_cmpuint (race.volumes->len, ==, 100);
  g_assert_cmpuint (race.n_no_space, ==, 10);
  for (guint i = 0; i < race.volumes->len; i++)
    {
      gboolean found = FALSE;
      guint blade = blade_of (fx, g_ptr_array_index (race.volumes, i), &found);

      g_assert_true (found);
      g_assert_cmpuint (blade, <, 100);
      g_assert_false (g_hash_table_contains (seen, GUINT_TO_POINTER (blade + 1)));
      g_hash_table_add (seen, GUINT_TO_POINTER (blade + 1));
    }
  g_assert_cmpuint (fx->processes->spawned->len, ==, 100);
  for (guint i = 0; i < fx->processes->spawned->len; i++)
    g_assert_true (g_hash_table_add (lines, g_ptr_array_index (fx->processes->spawned, i)));
  g_assert_cmpuint (fake_processes_n_running (fx->processes), ==, 100);
  g_ptr_array_unref (race.volumes);
  g_mutex_clear (&race.lock);
}

/* a freed blade is the next one handed out; remove_export stops its own
 * vblade and only it */
static void
test_reuse (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeRecord) a = new_exported_volume (fx);
  g_autoptr(NovaVolumeRecord) b = new_exported_volume (fx);
  g_autoptr(NovaVolumeRecord) c = NULL;
  g_autofree char *expected = NULL;
  gboolean found = TRUE;

  g_assert_cmpuint (blade_of (fx, a, &found), ==, 0);
  g_assert_cmpuint (blade_of (fx, b, &found), ==, 1);
  g_assert_true (nova_volume_driver_remove_export (fx->driver, a, &error));
  g_assert_no_error (error);
  blade_of (fx, a, &found);
  g_assert_false (found);
  g_assert_cmpuint (fx->processes->signalled->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fx->processes->signalled, 0), ==, "1000 15");
  g_assert_cmpuint (fake_processes_n_running (fx->processes), ==, 1);
  /* removing again: nothing left to stop */
  g_assert_true (nova_volume_driver_remove_export (fx->driver, a, &error));
  g_assert_cmpuint (fx->processes->signalled->len, ==, 1);

  c = new_exported_volume (fx);
  g_assert_cmpuint (blade_of (fx, c, &found), ==, 0);
  expected = expected_command (fx, c, 0);
  g_assert_cmpstr (last_spawned (fx), ==, expected);
}

/* someone else answers for the address: refused with the address and who
 * answered, and the blade goes back */
static void
test_duplicate_responder (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeRecord) volume = new_volume (fx);
  gboolean found = TRUE;

  g_hash_table_insert (fx->net.taken, g_strdup_printf ("%d.0", SHELF), g_strdup (RESPONDER));
  g_assert_true (nova_volume_driver_create_volume (fx->driver, volume, &error));
  g_assert_false (nova_volume_driver_create_export (fx->driver, volume, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_ALREADY_EXISTS);
  g_test_message ("refused: %s", error->message);
  g_assert_nonnull (strstr (error->message, "e7.0"));
  g_assert_nonnull (strstr (error->message, RESPONDER));
  g_assert_nonnull (strstr (error->message, "aoe_shelf"));
  g_assert_cmpuint (fx->processes->spawned->len, ==, 0);
  blade_of (fx, volume, &found);
  g_assert_false (found);
}

/* a vblade on this host for the address that nova-volumed did not start
 * (the probe cannot see it): refused, naming its PID, whatever its
 * options and device */
static void
test_local_duplicate (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeRecord) volume = new_volume (fx);
  const char *other[] = { "/usr/sbin/vblade", "-b", "16", G_STRINGIFY (SHELF), "0", ETH, "/srv/other.img", NULL };
  const char *elsewhere[] = { "vblade", G_STRINGIFY (SHELF), "1", "eth-other", "/srv/x.img", NULL };
  GPid pid = 0;
  guint64 start_time = 0;
  gboolean found = TRUE;

  g_assert_true (nova_aoe_processes_spawn (NOVA_AOE_PROCESSES (fx->processes), elsewhere, &pid, &start_time, NULL));
  g_assert_true (nova_aoe_processes_spawn (NOVA_AOE_PROCESSES (fx->processes), other, &pid, &start_time, NULL));
  g_assert_true (nova_volume_driver_create_volume (fx->driver, volume, &error));
  g_assert_false (nova_volume_driver_create_export (fx->driver, volume, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_ALREADY_EXISTS);
  g_test_message ("refused: %s", error->message);
  g_assert_nonnull (strstr (error->message, "e7.0"));
  g_assert_nonnull (strstr (error->message, "pid 1001"));
  g_assert_cmpuint (fx->processes->spawned->len, ==, 2);
  blade_of (fx, volume, &found);
  g_assert_false (found);
}

/* our very vblade (this device at this address) without a record: the
 * daemon was stopped between starting it and recording it. Adopted and
 * recorded, not refused: after another restart it is adopted again, and
 * remove_export stops it */
static void
test_unrecorded (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeRecord) volume = new_volume (fx);
  g_autofree char *line = expected_command (fx, volume, 0);
  g_auto(GStrv) ours = g_strsplit (line, " ", 0);
  GPid pid = 0;
  guint64 start_time = 0;

  g_assert_true (nova_aoe_processes_spawn (NOVA_AOE_PROCESSES (fx->processes), (const char *const *) ours, &pid,
                                           &start_time, NULL));
  g_assert_true (nova_volume_driver_create_volume (fx->driver, volume, &error));
  g_assert_true (nova_volume_driver_create_export (fx->driver, volume, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fx->processes->spawned->len, ==, 1);
  g_assert_true (nova_volume_driver_check_for_export (fx->driver, volume, &error));
  g_assert_no_error (error);

  fixture_start (fx);
  g_assert_true (nova_volume_driver_ensure_export (fx->driver, volume, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fx->processes->spawned->len, ==, 1);
  g_assert_true (nova_volume_driver_remove_export (fx->driver, volume, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fx->processes->signalled->len, ==, 1);
  g_assert_cmpuint (fake_processes_n_running (fx->processes), ==, 0);
}

/* iterates the main context (delayed restarts) until @n vblades were
 * spawned in all; generous limit, no timing asserted */
static void
wait_spawned (Fixture *fx, guint n)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (fx->processes->spawned->len < n)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10 * 1000);
    }
}

/* a vblade that dies is started again with the same address: at once the
 * first time, after a growing pause while it keeps dying; one that cannot
 * be started is given up and the volume reported lost */
static void
test_vblade_dies (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeRecord) volume = new_exported_volume (fx);
  g_autofree char *expected = expected_command (fx, volume, 0);
  GPid pid = 1000;

  fake_processes_kill (fx->processes, pid++);
  g_assert_cmpuint (fx->processes->spawned->len, ==, 2);
  for (guint n = 3; n <= 5; n++)
    {
      fake_processes_kill (fx->processes, pid++);
      wait_spawned (fx, n);
      g_assert_cmpstr (last_spawned (fx), ==, expected);
      g_assert_true (nova_volume_driver_check_for_export (fx->driver, volume, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpuint (fx->lost->len, ==, 0);

  fx->processes->fail_spawn = TRUE;
  fake_processes_kill (fx->processes, pid);
  while (fx->lost->len == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (fx->processes->spawned->len, ==, 5);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (fx->lost, 0), volume->id));
  g_assert_nonnull (strstr (g_ptr_array_index (fx->lost, 0), "e7.0"));
  g_assert_nonnull (strstr (g_ptr_array_index (fx->lost, 0), "No such file"));
  g_assert_false (nova_volume_driver_check_for_export (fx->driver, volume, &error));
  g_clear_error (&error);

  /* ensure_export (init_host) starts it again */
  fx->processes->fail_spawn = FALSE;
  g_assert_true (nova_volume_driver_ensure_export (fx->driver, volume, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (last_spawned (fx), ==, expected);
}

/* remove_export while a restart waits: nothing is started afterwards */
static void
test_remove_while_restart_waits (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeRecord) volume = new_exported_volume (fx);
  gint64 until;

  fake_processes_kill (fx->processes, 1000);
  fake_processes_kill (fx->processes, 1001);  /* died at once: the next start waits */
  g_assert_cmpuint (fx->processes->spawned->len, ==, 2);
  g_assert_true (nova_volume_driver_remove_export (fx->driver, volume, &error));
  g_assert_no_error (error);
  until = g_get_monotonic_time () + G_USEC_PER_SEC;
  while (g_get_monotonic_time () < until)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10 * 1000);
    }
  g_assert_cmpuint (fx->processes->spawned->len, ==, 2);
  g_assert_cmpuint (fake_processes_n_running (fx->processes), ==, 0);
}

/* a daemon restart: the running vblade is adopted (not started twice);
 * after a reboot it is started again with the same blade */
static void
test_restart (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeRecord) a = new_exported_volume (fx);
  g_autoptr(NovaVolumeRecord) b = new_exported_volume (fx);
  g_autofree char *expected = expected_command (fx, b, 1);
  gboolean found = FALSE;

  fixture_start (fx);
  g_assert_true (nova_volume_driver_ensure_export (fx->driver, a, &error));
  g_assert_true (nova_volume_driver_ensure_export (fx->driver, b, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fx->processes->spawned->len, ==, 2);
  /* adopted: stopped by remove_export, watched for dying */
  fake_processes_kill (fx->processes, 1001);
  g_assert_cmpuint (fx->processes->spawned->len, ==, 3);
  g_assert_cmpstr (last_spawned (fx), ==, expected);

  fake_processes_reboot (fx->processes);
  fixture_start (fx);
  g_assert_true (nova_volume_driver_ensure_export (fx->driver, b, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (blade_of (fx, b, &found), ==, 1);
  g_assert_cmpstr (last_spawned (fx), ==, expected);
  g_assert_cmpuint (fx->processes->spawned->len, ==, 4);
}

/* the operator changed aoe_shelf and restarted: the recorded vblade is
 * ours (PID, start time, boot) though its command line differs; it is
 * stopped before the new one starts, never left serving the old address
 * (holding the LV open) nor forgotten */
static void
test_config_changed (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeRecord) volume = new_exported_volume (fx);
  g_autofree char *lv = g_strconcat ("volume-", volume->id, NULL);
  g_autofree char *path = nova_lvm_lv_path (fx->lvm, VG, lv);
  g_autofree char *expected = g_strdup_printf ("vblade %d 0 " ETH " %s", SHELF + 1, path);
  g_autofree char *shelf = g_strdup_printf ("%d", SHELF + 1);

  test_config_set (fx->config, "aoe_shelf", shelf);
  fixture_start (fx);
  g_assert_true (nova_volume_driver_ensure_export (fx->driver, volume, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fx->processes->signalled->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fx->processes->signalled, 0), ==, "1000 15");
  g_assert_cmpuint (fx->processes->spawned->len, ==, 2);
  g_assert_cmpstr (last_spawned (fx), ==, expected);
  g_assert_cmpuint (fake_processes_n_running (fx->processes), ==, 1);

  /* and the new one is the one remove_export stops */
  g_assert_true (nova_volume_driver_remove_export (fx->driver, volume, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fake_processes_n_running (fx->processes), ==, 0);
}

typedef struct {
  Fixture          *fx;
  NovaVolumeRecord *volume;
  gint              done;
} Removal;

static gpointer
remove_export_thread (gpointer data)
{
  Removal *removal = data;
  g_autoptr(GError) error = NULL;

  g_assert_true (nova_volume_driver_remove_export (removal->fx->driver, removal->volume, &error));
  g_assert_no_error (error);
  g_atomic_int_set (&removal->done, 1);
  return NULL;
}

/* a real vblade stopped by remove_export on a worker thread while the main
 * context runs (as in the daemon, which reaps it meanwhile): afterwards
 * it is reaped and the driver keeps no watch of it */
static void
test_stop_reaped (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) volume = new_exported_volume (fx);
  Removal removal = { fx, volume, 0 };
  GPid pid = fx->real->last_pid;
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  GThread *thread;

  g_assert_cmpint (pid, >, 0);
  g_assert_cmpint (g_atomic_int_get (&live_watches), ==, 1);
  thread = g_thread_new ("remove-export", remove_export_thread, &removal);
  while (!g_atomic_int_get (&removal.done))
    g_main_context_iteration (NULL, FALSE);
  g_thread_join (thread);
  while (g_atomic_int_get (&live_watches) > 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10 * 1000);
    }
  g_assert_cmpint (kill (pid, 0), !=, 0);
  spare (pid);
}

/* a recorded PID that is now another process's (its start time differs)
 * is never signalled */
static void
test_pid_reuse (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeRecord) volume = new_exported_volume (fx);

  /* the daemon restarts, the vblade is gone and its PID taken by another
   * process with another start time */
  fixture_start (fx);
  g_hash_table_replace (fx->processes->running, GINT_TO_POINTER (1000), g_strdup ("99999 some other program"));
  g_assert_true (nova_volume_driver_remove_export (fx->driver, volume, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fx->processes->signalled->len, ==, 0);
  g_assert_cmpuint (fake_processes_n_running (fx->processes), ==, 1);
}

/* ---- the real process layer ------------------------------------------- */

static void
note_exit (GPid pid, gpointer user_data)
{
  *(GPid *) user_data = pid;
}

/* a real child: PID and start time name it; a wrong start time is
 * refused; the watch reports its exit */
static void
test_real_processes (void)
{
  g_autoptr(NovaAoeProcesses) processes = nova_aoe_processes_new ();
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "sleep", "600", NULL };
  g_auto(GStrv) running_argv = NULL;
  GSource *watch;
  GPid pid = 0, exited = 0;
  guint64 start_time = 0;

  g_assert_true (nova_aoe_processes_spawn (processes, argv, &pid, &start_time, &error));
  doom (pid);
  g_assert_no_error (error);
  g_assert_cmpuint (start_time, >, 0);
  watch = nova_aoe_processes_watch (processes, pid, TRUE, note_exit, &exited);
  g_assert_true (nova_aoe_processes_is_running (processes, pid, start_time, &running_argv));
  g_assert_cmpstr (running_argv[1], ==, "600");
  g_assert_false (nova_aoe_processes_is_running (processes, pid, start_time + 1, NULL));
  g_assert_false (nova_aoe_processes_signal (processes, pid, start_time + 1, SIGTERM));
  g_assert_true (nova_aoe_processes_signal (processes, pid, start_time, SIGTERM));
  while (exited == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (exited, ==, pid);
  g_assert_false (nova_aoe_processes_is_running (processes, pid, start_time, NULL));
  spare (pid);
  g_source_destroy (watch);
  g_source_unref (watch);
}

/* the real probe against a real vblade on the loopback interface (which
 * delivers frames as they are, unpadded): it answers for its address, and
 * nobody for another. Random addresses, so two runs at once do not see
 * each other. Needs root (AF_PACKET) and vblade (tools/deps.sh). */
static void
test_real_probe (void)
{
  g_autoptr(NovaAoeProcesses) processes = nova_aoe_processes_new ();
  g_autoptr(TestScratch) scratch = test_scratch_new ("nova-volume-aoe-probe-XXXXXX");
  g_autofree char *backing = test_scratch_path (scratch, "disk");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) responders = NULL;
  g_autoptr(GPtrArray) nobody = NULL;
  guint16 shelf = (guint16) g_random_int_range (1000, NOVA_AOE_MAX_SHELF);
  guint8 slot = (guint8) g_random_int_range (0, NOVA_AOE_MAX_SLOT);
  g_autofree char *shelf_text = g_strdup_printf ("%u", shelf);
  g_autofree char *slot_text = g_strdup_printf ("%u", slot);
  const char *argv[] = { "vblade", shelf_text, slot_text, "lo", backing, NULL };
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  GPid pid = 0;
  guint64 start_time = 0;
  g_autofree char *vblade = g_find_program_in_path ("vblade");

  if (getuid () != 0 || vblade == NULL)
    {
      g_printerr ("SKIP: the real AoE probe needs root (AF_PACKET) and vblade (tools/deps.sh)\n");
      g_test_skip ("the real AoE probe needs root (AF_PACKET) and vblade (tools/deps.sh)");
      return;
    }
  g_assert_true (g_file_set_contents (backing, "", 0, &error));
  g_assert_cmpint (truncate (backing, 1024 * 1024), ==, 0);
  g_assert_true (nova_aoe_processes_spawn (processes, argv, &pid, &start_time, &error));
  doom (pid);
  g_assert_no_error (error);

  /* vblade answers once it has bound its socket: ask until it does */
  while (responders == NULL || responders->len == 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_clear_pointer (&responders, g_ptr_array_unref);
      responders = nova_aoe_probe ("lo", shelf, slot, 300, NULL, &error);
      g_assert_no_error (error);
    }
  g_assert_cmpuint (responders->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (responders, 0), ==, "00:00:00:00:00:00");
  nobody = nova_aoe_probe ("lo", shelf, (guint8) (slot + 1), 300, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (nobody->len, ==, 0);
  g_assert_null (nova_aoe_probe ("no-such-if0", shelf, slot, 300, NULL, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "no-such-if0"));

  /* not watched: this test reaps it */
  g_assert_true (nova_aoe_processes_signal (processes, pid, start_time, SIGTERM));
  g_assert_cmpint (waitpid (pid, NULL, 0), ==, pid);
  spare (pid);
}

/* a bad shelf or interface stops the daemon at start, naming the key */
static void
test_config_keys (void)
{
  g_autoptr(NovaVolumeConfig) config = nova_volume_config_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (nova_volume_config_set (config, "aoe_shelf", "65535", &error));
  g_assert_nonnull (strstr (error->message, "aoe_shelf"));
  g_clear_error (&error);
  g_assert_false (nova_volume_config_set (config, "aoe_blades_per_shelf", "256", &error));
  g_clear_error (&error);
  g_assert_false (nova_volume_config_set (config, "aoe_eth_dev", "a-name-too-long-for-linux", &error));
  g_clear_error (&error);
  g_assert_false (nova_volume_config_set (config, "aoe_vblade_command", "vblade -b 8", &error));
  g_clear_error (&error);
  g_assert_true (nova_volume_config_set (config, "aoe_shelf", "65534", &error));
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  kill_doomed_on_failure ();
  /* the driver warns when a vblade dies, which these tests make happen */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_test_add_func ("/aoe/frames", test_frames);
  g_test_add_func ("/aoe/real-processes", test_real_processes);
  g_test_add_func ("/aoe/config-keys", test_config_keys);
  g_test_add_func ("/aoe/real-probe", test_real_probe);
  g_test_add ("/aoe/export", Fixture, NULL, fixture_setup, test_export, fixture_teardown);
  g_test_add ("/aoe/concurrent-exports", Fixture, "100", fixture_setup, test_concurrent_exports, fixture_teardown);
  g_test_add ("/aoe/reuse", Fixture, NULL, fixture_setup, test_reuse, fixture_teardown);
  g_test_add ("/aoe/duplicate-responder", Fixture, NULL, fixture_setup, test_duplicate_responder, fixture_teardown);
  g_test_add ("/aoe/local-duplicate", Fixture, NULL, fixture_setup, test_local_duplicate, fixture_teardown);
  g_test_add ("/aoe/unrecorded", Fixture, NULL, fixture_setup, test_unrecorded, fixture_teardown);
  g_test_add ("/aoe/vblade-dies", Fixture, NULL, fixture_setup, test_vblade_dies, fixture_teardown);
  g_test_add ("/aoe/remove-while-restart-waits", Fixture, NULL, fixture_setup, test_remove_while_restart_waits,
              fixture_teardown);
  g_test_add ("/aoe/restart", Fixture, NULL, fixture_setup, test_restart, fixture_teardown);
  g_test_add ("/aoe/config-changed", Fixture, NULL, fixture_setup, test_config_changed, fixture_teardown);
  g_test_add ("/aoe/stop-reaped", Fixture, NULL, fixture_setup_real, test_stop_reaped, fixture_teardown);
  g_test_add ("/aoe/pid-reuse", Fixture, NULL, fixture_setup, test_pid_reuse, fixture_teardown);
  return g_test_run ();
}
