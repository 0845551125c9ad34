/* nova-volume: Sheepdog's dog command, run from argv through the executor.
 *
 *   timeout --kill-after=5 T dog vdi create -a ADDR -p PORT NAME SIZE
 *
 * dog exits 0 (done), 1 (refused), 2 (cannot reach the cluster) or 64
 * (usage), and says why on stderr; timeout(1) adds 124/137 (too slow) and
 * 126/127 (dog cannot be run). Only "cannot reach" is tried again (up to
 * num_shell_tries): every other answer is final, and trying it again
 * would only repeat it. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "nova-volume-dog.h"
#include "nova-volume-dog-stream.h"
#include "nova-volume-error.h"

/* what timeout(1) gives dog after the limit before SIGKILL */
#define KILL_AFTER "--kill-after=5"
#define FIRST_BACKOFF_MS 200

/* what dog prints, as measured on Sheepdog 1.0 (master 3ebe5ea7) */
#define DOG_CONNECT_FAILED   "failed to connect to"
#define DOG_NOT_FORMATTED    "Waiting for cluster to be formatted"
#define DOG_WAITING_NODES    "Waiting for other nodes to join cluster"
#define DOG_VDI_EXISTS       "VDI exists already"
#define DOG_TAG_EXISTS       "is existed"  /* "maybe snapshot id (0) or tag (T) is existed" */
#define DOG_NO_VDI           "No VDI found"
#define DOG_NO_TAG           "Failed to find requested tag"
#define DOG_NO_SHRINK        "Shrinking VDIs is not implemented"
#define DOG_NO_SPACE         "no space"
#define DOG_TOO_LARGE        "VDI size is larger than"

/* a VDI of 4 MiB objects (no hyper volumes): larger sizes are refused, and
 * dog itself reads sizes past 2^64 as 0 without a word */
#define MAX_VDI_SIZE         (G_GUINT64_CONSTANT (4) << 40)
#define DOG_STATUS_RUNNING   "Cluster status: running"

/* timeout(1)'s own exit statuses */
#define TIMED_OUT            124
#define TIMED_OUT_KILLED     137
#define CANNOT_EXECUTE       126
#define NOT_FOUND            127
#define DOG_UNREACHABLE      2
#define DOG_USAGE            64

struct _NovaDog {
  NovaVolumeExecutor *executor;
  char               *command;
  char               *host;
  char               *port;
  char               *timeout;
};

NovaDog *
nova_dog_new (NovaVolumeExecutor *executor, const char *command, const char *host, guint port, guint timeout_s)
{
  NovaDog *dog = g_new0 (NovaDog, 1);

  g_return_val_if_fail (NOVA_VOLUME_IS_EXECUTOR (executor), NULL);
  dog->executor = g_object_ref (executor);
  dog->command = g_strdup (command);
  dog->host = g_strdup (host);
  dog->port = g_strdup_printf ("%u", port);
  dog->timeout = g_strdup_printf ("%u", timeout_s);
  return dog;
}

void
nova_dog_free (NovaDog *dog)
{
  if (dog == NULL)
    return;
  g_object_unref (dog->executor);
  g_free (dog->command);
  g_free (dog->host);
  g_free (dog->port);
  g_free (dog->timeout);
  g_free (dog);
}

/* ---- running ------------------------------------------------------------ */

typedef struct {
  int   status;
  char *out;
  char *err;
} DogResult;

static void
dog_result_clear (DogResult *result)
{
  g_clear_pointer (&result->out, g_free);
  g_clear_pointer (&result->err, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DogResult, dog_result_clear)

/* "dog vdi create volume-1": the command as a message names it */
static char *
describe (NovaDog *dog, const char *const *args)
{
  g_autofree char *joined = g_strjoinv (" ", (char **) args);

  return g_strconcat (dog->command, " ", joined, NULL);
}

static gboolean
err_has (const DogResult *result, const char *what)
{
  return result->err != NULL && strstr (result->err, what) != NULL;
}

/* Where the reason is, valid UTF-8 for a D-Bus error: the line saying
 * which address could not be reached, else the last line dog wrote to
 * stderr (or stdout). */
static char *
reason_of (const DogResult *result)
{
  const char *text = result->err != NULL && *g_strstrip (result->err) != '\0' ? result->err
                     : result->out != NULL ? g_strstrip (result->out) : "";
  const char *connect = strstr (text, DOG_CONNECT_FAILED);
  const char *last = strrchr (text, '\n');

  if (connect != NULL)
    return g_utf8_make_valid (connect, strcspn (connect, "\n"));
  return g_utf8_make_valid (last != NULL ? last + 1 : text, -1);
}

/* Runs dog with @args: the first two words (object and verb) come first,
 * the cluster's address right after them, then the rest. FALSE only when
 * nothing could be run (no timeout(1)). */
static gboolean
dog_run (NovaDog *dog, const char *const *args, DogResult *result, GError **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  guint tries = nova_volume_executor_get_tries (dog->executor);
  guint backoff_ms = FIRST_BACKOFF_MS;

  g_ptr_array_add (argv, "timeout");
  g_ptr_array_add (argv, KILL_AFTER);
  g_ptr_array_add (argv, dog->timeout);
  g_ptr_array_add (argv, dog->command);
  for (guint i = 0; args[i] != NULL; i++)
    {
      g_ptr_array_add (argv, (gpointer) args[i]);
      if (i == 1)
        {
          g_ptr_array_add (argv, "-a");
          g_ptr_array_add (argv, dog->host);
          g_ptr_array_add (argv, "-p");
          g_ptr_array_add (argv, dog->port);
        }
    }
  g_ptr_array_add (argv, NULL);

  for (guint attempt = 1; ; attempt++)
    {
      dog_result_clear (result);
      if (!nova_volume_executor_run_once (dog->executor, (const char *const *) argv->pdata, NULL,
                                          &result->out, &result->err, &result->status, error))
        return FALSE;
      /* a sheep that is restarting answers again in a moment; nothing
       * else gets better by asking twice */
      if (!err_has (result, DOG_CONNECT_FAILED) || attempt >= tries)
        return TRUE;
      g_usleep ((gulong) backoff_ms * G_TIME_SPAN_MILLISECOND);
      backoff_ms *= 2;
    }
}

/* Turns what dog said (@result, any status) into an error about @subject
 * (a VDI, a snapshot, the cluster). */
static void
set_dog_error (NovaDog *dog, const char *const *args, const char *subject, const DogResult *result,
               GError **error)
{
  g_autofree char *what = describe (dog, args);
  g_autofree char *reason = reason_of (result);
  g_autofree char *lowered_err = result->err != NULL ? g_ascii_strdown (result->err, -1) : NULL;
  /* dog's exit 2 is also how node info reports a reachable sheep that
   * cannot serve (not formatted): those reasons come first */
  gboolean unreachable = err_has (result, DOG_CONNECT_FAILED)
                         || (result->status == DOG_UNREACHABLE && !err_has (result, DOG_NOT_FORMATTED)
                             && !err_has (result, DOG_WAITING_NODES));

  if (result->status == NOT_FOUND)
    g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                 "Sheepdog's command '%s' is not installed or not on PATH: install Sheepdog, or set "
                 "sheepdog_command to its dog (or collie) program", dog->command);
  else if (result->status == CANNOT_EXECUTE)
    g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                 "Sheepdog's command '%s' cannot be run (%s): check sheepdog_command and its permissions",
                 dog->command, reason);
  else if (result->status == TIMED_OUT || result->status == TIMED_OUT_KILLED)
    g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                 "%s did not finish within %s s (sheepdog_timeout) and was stopped: the sheep daemon at "
                 "%s:%s accepts connections but does not answer; check it (its sheep.log) and try again",
                 what, dog->timeout, dog->host, dog->port);
  else if (unreachable)
    g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                 "cannot reach the Sheepdog cluster at %s:%s (%s): is sheep running there? "
                 "(sheepdog_host, sheepdog_port)", dog->host, dog->port, reason);
  else if (err_has (result, DOG_NOT_FORMATTED))
    g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                 "the Sheepdog cluster at %s:%s is not formatted yet: format it once with "
                 "'dog cluster format -a %s -p %s' (choose the copies with -c)",
                 dog->host, dog->port, dog->host, dog->port);
  else if (err_has (result, DOG_WAITING_NODES))
    g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                 "the Sheepdog cluster at %s:%s is waiting for its other nodes to join: start their "
                 "sheep daemons", dog->host, dog->port);
  else if (err_has (result, DOG_NO_SHRINK))
    g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                 "Sheepdog cannot shrink %s: give a size at least as large as the current one", subject);
  else if (err_has (result, DOG_TOO_LARGE))
    g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                 "%s cannot be that large (%s): a Sheepdog volume holds at most 4 TiB", subject, reason);
  else if (err_has (result, DOG_VDI_EXISTS) || err_has (result, DOG_TAG_EXISTS))
    g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_ALREADY_EXISTS,
                 "%s already exists in the Sheepdog cluster at %s:%s (%s): delete it there first if it "
                 "is a leftover", subject, dog->host, dog->port, reason);
  else if (err_has (result, DOG_NO_TAG))
    g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND,
                 "%s is not in the Sheepdog cluster at %s:%s (%s): it was deleted outside nova-volume",
                 subject, dog->host, dog->port, reason);
  else if (err_has (result, DOG_NO_VDI))
    g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND,
                 "%s is not in the Sheepdog cluster at %s:%s (%s): it was deleted outside nova-volume",
                 subject, dog->host, dog->port, reason);
  else if (lowered_err != NULL && strstr (lowered_err, DOG_NO_SPACE) != NULL)
    g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NO_SPACE,
                 "the Sheepdog cluster at %s:%s has no room for %s (%s): free space or add nodes",
                 dog->host, dog->port, subject, reason);
  else if (result->status == DOG_USAGE)
    g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                 "%s was refused as a usage error (%s): is sheepdog_command the dog of a Sheepdog "
                 "release this driver knows (0.8 or later)?", what, reason);
  else
    g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                 "%s failed with status %d: %s", what, result->status, reason);
}

/* Runs @args and fails with the mapped error unless dog exited 0. */
static gboolean
dog_do (NovaDog *dog, const char *const *args, const char *subject, DogResult *result, GError **error)
{
  if (!dog_run (dog, args, result, error))
    return FALSE;
  if (result->status == 0)
    return TRUE;
  set_dog_error (dog, args, subject, result, error);
  return FALSE;
}

static char *
vdi_subject (const char *name, const char *tag)
{
  if (tag != NULL)
    return g_strdup_printf ("snapshot %s of VDI %s", tag, name);
  return g_strdup_printf ("VDI %s", name);
}

/* ---- the commands --------------------------------------------------------- */

static gboolean
check_size (const char *name, guint64 size, GError **error)
{
  if (size <= MAX_VDI_SIZE)
    return TRUE;
  g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
               "VDI %s cannot be %" G_GUINT64_FORMAT " bytes: a Sheepdog volume holds at most 4 TiB "
               "(%" G_GUINT64_FORMAT " bytes)", name, size, MAX_VDI_SIZE);
  return FALSE;
}

gboolean
nova_dog_check_cluster (NovaDog *dog, GError **error)
{
  const char *const args[] = { "cluster", "info", NULL };
  g_auto(DogResult) result = { 0 };

  if (!dog_do (dog, args, "the cluster", &result, error))
    return FALSE;
  if (g_str_has_prefix (result.out, DOG_STATUS_RUNNING))
    return TRUE;
  /* dog reports a cluster that cannot serve with status 0: the reason is
   * the status line */
  g_free (result.err);
  result.err = g_strdup (*g_strstrip (result.out) != '\0' ? result.out : "dog printed no cluster status");
  result.status = 1;
  set_dog_error (dog, args, "the cluster", &result, error);
  return FALSE;
}

/* `dog vdi create|resize NAME BYTES` */
static gboolean
vdi_sized (NovaDog *dog, const char *verb, const char *name, guint64 size, GError **error)
{
  g_autofree char *bytes = g_strdup_printf ("%" G_GUINT64_FORMAT, size);
  const char *const args[] = { "vdi", verb, name, bytes, NULL };
  g_auto(DogResult) result = { 0 };
  g_autofree char *subject = vdi_subject (name, NULL);

  if (!check_size (name, size, error))
    return FALSE;
  return dog_do (dog, args, subject, &result, error);
}

gboolean
nova_dog_vdi_create (NovaDog *dog, const char *name, guint64 size, GError **error)
{
  return vdi_sized (dog, "create", name, size, error);
}

gboolean
nova_dog_vdi_snapshot (NovaDog *dog, const char *name, const char *tag, GError **error)
{
  const char *const args[] = { "vdi", "snapshot", "-s", tag, name, NULL };
  g_auto(DogResult) result = { 0 };
  g_autofree char *subject = NULL;

  if (!dog_run (dog, args, &result, error))
    return FALSE;
  if (result.status == 0)
    return TRUE;
  /* "Failed to create snapshot for NAME: No VDI found" is about the
   * volume; "... tag (T) is existed" about the snapshot */
  subject = err_has (&result, DOG_NO_VDI) ? vdi_subject (name, NULL) : vdi_subject (name, tag);
  set_dog_error (dog, args, subject, &result, error);
  return FALSE;
}

gboolean
nova_dog_vdi_clone (NovaDog *dog, const char *name, const char *tag, const char *new_name, GError **error)
{
  const char *const args[] = { "vdi", "clone", "-s", tag, name, new_name, NULL };
  g_auto(DogResult) result = { 0 };
  g_autofree char *subject = NULL;

  if (!dog_run (dog, args, &result, error))
    return FALSE;
  if (result.status == 0)
    return TRUE;
  /* the new VDI exists already, or the source VDI or its tag is missing */
  if (err_has (&result, DOG_VDI_EXISTS))
    subject = vdi_subject (new_name, NULL);
  else if (err_has (&result, DOG_NO_VDI))
    subject = vdi_subject (name, NULL);
  else
    subject = vdi_subject (name, tag);
  set_dog_error (dog, args, subject, &result, error);
  return FALSE;
}

gboolean
nova_dog_vdi_rollback (NovaDog *dog, const char *name, const char *tag, GError **error)
{
  /* -f: no question asked on a terminal dog does not have */
  const char *const args[] = { "vdi", "rollback", "-f", "-s", tag, name, NULL };
  g_auto(DogResult) result = { 0 };
  g_autofree char *subject = NULL;
  gboolean exists = TRUE;

  if (!dog_run (dog, args, &result, error))
    return FALSE;
  if (result.status == 0)
    return TRUE;
  /* a rollback cut short after its delete: the clone is what is left */
  if (nova_dog_vdi_lookup (dog, name, NULL, &exists, NULL, NULL) && !exists)
    return nova_dog_vdi_clone (dog, name, tag, name, error);
  subject = err_has (&result, DOG_NO_VDI) ? vdi_subject (name, NULL) : vdi_subject (name, tag);
  set_dog_error (dog, args, subject, &result, error);
  return FALSE;
}

gboolean
nova_dog_vdi_resize (NovaDog *dog, const char *name, guint64 size, GError **error)
{
  return vdi_sized (dog, "resize", name, size, error);
}

gboolean
nova_dog_vdi_delete (NovaDog *dog, const char *name, const char *tag, GError **error)
{
  const char *const with_tag[] = { "vdi", "delete", "-s", tag, name, NULL };
  const char *const without_tag[] = { "vdi", "delete", name, NULL };
  const char *const *args = tag != NULL ? with_tag : without_tag;
  g_auto(DogResult) result = { 0 };
  g_autofree char *subject = vdi_subject (name, tag);
  gboolean exists = TRUE;

  if (!dog_run (dog, args, &result, error))
    return FALSE;
  /* dog exits 0 when it did not delete anything: stderr is the answer */
  if (err_has (&result, DOG_NO_VDI) || err_has (&result, DOG_NO_TAG))
    return TRUE;  /* already gone */
  if (result.status != 0 || (result.err != NULL && *g_strstrip (result.err) != '\0'))
    {
      set_dog_error (dog, args, subject, &result, error);
      return FALSE;
    }
  /* and when it says nothing, believe the cluster rather than the silence */
  if (!nova_dog_vdi_lookup (dog, name, tag, &exists, NULL, error))
    return FALSE;
  if (exists)
    {
      g_autofree char *what = describe (dog, args);

      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "%s reported no error, but %s is still in the cluster at %s:%s: see the sheep "
                   "daemon's sheep.log", what, subject, dog->host, dog->port);
      return FALSE;
    }
  return TRUE;
}

/* One row of `dog vdi list -r`: type (= working, c clone, s snapshot),
 * name, id, size, used, shared, creation time, vdi id, copies, tag,
 * block size shift. */
enum { ROW_TYPE, ROW_NAME, ROW_ID, ROW_SIZE, ROW_USED, ROW_SHARED, ROW_CTIME, ROW_VDI_ID,
       ROW_COPIES, ROW_TAG, ROW_N_FIELDS };

void
nova_dog_vdi_free (NovaDogVdi *vdi)
{
  if (vdi == NULL)
    return;
  g_free (vdi->name);
  g_free (vdi->tag);
  g_free (vdi);
}

/* `dog vdi list -r [NAME]` (@name NULL: all of them), its rows as
 * NovaDogVdi; @subject names what was looked for in an error */
static GPtrArray *
vdi_list (NovaDog *dog, const char *name, const char *subject, GError **error)
{
  const char *const all[] = { "vdi", "list", "-r", NULL };
  const char *const one[] = { "vdi", "list", "-r", name, NULL };
  const char *const *args = name != NULL ? one : all;
  g_auto(DogResult) result = { 0 };
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) nova_dog_vdi_free);
  g_auto(GStrv) lines = NULL;

  if (!dog_do (dog, args, subject, &result, error))
    return NULL;
  /* an unreachable cluster may still exit 0 here with no rows */
  if (result.err != NULL && *g_strstrip (result.err) != '\0')
    {
      result.status = 1;
      set_dog_error (dog, args, subject, &result, error);
      return NULL;
    }
  lines = g_strsplit (result.out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], " ", -1);
      NovaDogVdi *row;

      if (g_strv_length (fields) < ROW_N_FIELDS)
        continue;
      row = g_new0 (NovaDogVdi, 1);
      row->snapshot = g_str_equal (fields[ROW_TYPE], "s");
      row->name = g_strdup (fields[ROW_NAME]);
      row->tag = g_strdup (fields[ROW_TAG]);
      row->size = g_ascii_strtoull (fields[ROW_SIZE], NULL, 10);
      g_ptr_array_add (rows, row);
    }
  return g_steal_pointer (&rows);
}

GPtrArray *
nova_dog_vdi_list (NovaDog *dog, GError **error)
{
  g_autoptr(GPtrArray) rows = vdi_list (dog, NULL, "the VDIs", error);

  /* a sheep not formatted yet lists nothing and exits 0 without a word:
   * no rows is believed only from a cluster that says it runs */
  if (rows != NULL && rows->len == 0 && !nova_dog_check_cluster (dog, error))
    return NULL;
  return g_steal_pointer (&rows);
}

gboolean
nova_dog_vdi_lookup (NovaDog *dog, const char *name, const char *tag, gboolean *out_exists,
                     guint64 *out_size, GError **error)
{
  g_autofree char *subject = vdi_subject (name, tag);
  g_autoptr(GPtrArray) rows = NULL;

  *out_exists = FALSE;
  rows = vdi_list (dog, name, subject, error);
  if (rows == NULL)
    return FALSE;
  for (guint i = 0; i < rows->len; i++)
    {
      const NovaDogVdi *row = g_ptr_array_index (rows, i);

      if (!g_str_equal (row->name, name))
        continue;
      if (tag != NULL ? (!row->snapshot || !g_str_equal (row->tag, tag)) : row->snapshot)
        continue;
      *out_exists = TRUE;
      if (out_size != NULL)
        *out_size = row->size;
      return TRUE;
    }
  return TRUE;
}

gboolean
nova_dog_node_info (NovaDog *dog, guint64 *out_total, guint64 *out_used, guint64 *out_avail, GError **error)
{
  const char *const args[] = { "node", "info", "-r", NULL };
  g_auto(DogResult) result = { 0 };
  g_auto(GStrv) lines = NULL;

  if (!dog_do (dog, args, "the cluster", &result, error))
    return FALSE;
  /* "Total <size> <used> <avail> <use%> <virtual size>" after one row per
   * node */
  lines = g_strsplit (result.out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], " ", -1);

      if (g_strv_length (fields) >= 4 && g_str_equal (fields[0], "Total"))
        {
          *out_total = g_ascii_strtoull (fields[1], NULL, 10);
          *out_used = g_ascii_strtoull (fields[2], NULL, 10);
          *out_avail = g_ascii_strtoull (fields[3], NULL, 10);
          return TRUE;
        }
    }
  {
    g_autofree char *what = describe (dog, args);

    g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                 "%s printed no Total line: is sheepdog_command the dog of a Sheepdog release this "
                 "driver knows?", what);
  }
  return FALSE;
}

/* ---- the bytes ------------------------------------------------------------ */

GInputStream *
nova_dog_vdi_open_read (NovaDog *dog, const char *name, const char *tag, GError **error)
{
  const char *const argv[] = { dog->command, "vdi", "read", "-a", dog->host, "-p", dog->port, name, NULL };
  const char *const snapshot_argv[] = { dog->command, "vdi", "read", "-a", dog->host, "-p", dog->port,
                                        "-s", tag, name, NULL };

  return nova_dog_read_stream_new (tag != NULL ? snapshot_argv : argv, error);
}

GOutputStream *
nova_dog_vdi_open_write (NovaDog *dog, const char *name, GError **error)
{
  const char *const argv[] = { dog->command, "vdi", "write", "-a", dog->host, "-p", dog->port, name, NULL };

  return nova_dog_write_stream_new (argv, error);
}
