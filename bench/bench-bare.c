/* nova-volume-bench: the bare baselines. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "bench-bare.h"
#include "bench-report.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

struct _BenchBare {
  char         *dir;      /* where the files go */
  int           dir_fd;
  sqlite3      *db;
  sqlite3_stmt *insert;
  sqlite3_stmt *update;
  sqlite3_stmt *remove;
};

static gboolean
set_errno_error (GError **error, int errsv, const char *what, const char *path)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "%s %s: %s", what, path, g_strerror (errsv));
  return FALSE;
}

static gboolean
set_sqlite_error (BenchBare *self, GError **error, const char *what)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", what, sqlite3_errmsg (self->db));
  return FALSE;
}

static gboolean
exec_sql (BenchBare *self, const char *sql, GError **error)
{
  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return set_sqlite_error (self, error, sql);
  return TRUE;
}

void
bench_bare_free (BenchBare *self)
{
  sqlite3_finalize (self->insert);
  sqlite3_finalize (self->update);
  sqlite3_finalize (self->remove);
  if (self->db != NULL)
    sqlite3_close (self->db);
  if (self->dir_fd >= 0)
    close (self->dir_fd);
  g_free (self->dir);
  g_free (self);
}

BenchBare *
bench_bare_new (const char *dir, GError **error)
{
  g_autoptr(BenchBare) self = g_new0 (BenchBare, 1);
  g_autofree char *db_path = g_build_filename (dir, "bare.db", NULL);

  self->dir = g_build_filename (dir, "files", NULL);
  self->dir_fd = -1;
  if (g_mkdir (self->dir, 0700) < 0 && errno != EEXIST)
    {
      set_errno_error (error, errno, "cannot create", self->dir);
      return NULL;
    }
  self->dir_fd = open (self->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (self->dir_fd < 0)
    {
      set_errno_error (error, errno, "cannot open", self->dir);
      return NULL;
    }
  if (sqlite3_open (db_path, &self->db) != SQLITE_OK)
    {
      set_sqlite_error (self, error, db_path);
      return NULL;
    }
  /* the store's settings (daemon/nova-volume-store.c): WAL, a commit that
   * survives a power cut */
  if (!exec_sql (self, "PRAGMA journal_mode = WAL", error)
      || !exec_sql (self, "PRAGMA busy_timeout = 60000", error)
      || !exec_sql (self, "PRAGMA synchronous = FULL", error)
      || !exec_sql (self, "CREATE TABLE IF NOT EXISTS volumes (id TEXT PRIMARY KEY, size INTEGER NOT NULL, "
                    "status TEXT NOT NULL, provider_location TEXT, created_at INTEGER, updated_at INTEGER)",
                    error))
    return NULL;
  if (sqlite3_prepare_v2 (self->db, "INSERT INTO volumes VALUES (?1, ?2, ?3, ?4, ?5, ?5)", -1, &self->insert,
                          NULL) != SQLITE_OK
      || sqlite3_prepare_v2 (self->db, "UPDATE volumes SET status = ?2, updated_at = ?3 WHERE id = ?1", -1,
                             &self->update, NULL) != SQLITE_OK
      || sqlite3_prepare_v2 (self->db, "DELETE FROM volumes WHERE id = ?1", -1, &self->remove, NULL) != SQLITE_OK)
    {
      set_sqlite_error (self, error, "cannot prepare");
      return NULL;
    }
  return g_steal_pointer (&self);
}

/* runs @stmt once: outside a transaction, that is one commit */
static gboolean
step (BenchBare *self, sqlite3_stmt *stmt, GError **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return set_sqlite_error (self, error, "commit");
  return TRUE;
}

static gboolean
commit_insert (BenchBare *self, const char *id, guint64 size, const char *status, const char *path,
               GError **error)
{
  sqlite3_bind_text (self->insert, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (self->insert, 2, (sqlite3_int64) size);
  sqlite3_bind_text (self->insert, 3, status, -1, SQLITE_STATIC);
  sqlite3_bind_text (self->insert, 4, path, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (self->insert, 5, g_get_real_time ());
  return step (self, self->insert, error);
}

static gboolean
commit_status (BenchBare *self, const char *id, const char *status, GError **error)
{
  sqlite3_bind_text (self->update, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_text (self->update, 2, status, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (self->update, 3, g_get_real_time ());
  return step (self, self->update, error);
}

static gboolean
commit_delete (BenchBare *self, const char *id, GError **error)
{
  sqlite3_bind_text (self->remove, 1, id, -1, SQLITE_STATIC);
  return step (self, self->remove, error);
}

static gboolean
create_file (BenchBare *self, const char *path, guint64 size, gboolean durable, GError **error)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

  if (fd < 0)
    return set_errno_error (error, errno, "cannot create", path);
  if (ftruncate (fd, (off_t) size) < 0 || (durable && fsync (fd) < 0))
    {
      int errsv = errno;
      close (fd);
      return set_errno_error (error, errsv, "cannot size", path);
    }
  close (fd);
  if (durable && fsync (self->dir_fd) < 0)
    return set_errno_error (error, errno, "cannot sync", self->dir);
  return TRUE;
}

static gboolean
remove_file (BenchBare *self, const char *path, gboolean durable, GError **error)
{
  if (unlink (path) < 0)
    return set_errno_error (error, errno, "cannot remove", path);
  if (durable && fsync (self->dir_fd) < 0)
    return set_errno_error (error, errno, "cannot sync", self->dir);
  return TRUE;
}

/* the durable kinds in the daemon's order: the transitional status is
 * committed before the driver acts, the final one after */
gboolean
bench_bare_create (BenchBare *self, BenchBareKind kind, const char *id, guint64 size, GError **error)
{
  g_autofree char *path = g_build_filename (self->dir, id, NULL);

  if (kind != BENCH_BARE_DURABLE)
    return create_file (self, path, size, kind == BENCH_BARE_DURABLE_ONE_COMMIT, error)
           && commit_insert (self, id, size, "available", path, error);
  return commit_insert (self, id, size, "creating", NULL, error)
         && create_file (self, path, size, TRUE, error)
         && commit_status (self, id, "available", error);
}

gboolean
bench_bare_delete (BenchBare *self, BenchBareKind kind, const char *id, GError **error)
{
  g_autofree char *path = g_build_filename (self->dir, id, NULL);

  if (kind != BENCH_BARE_DURABLE)
    return remove_file (self, path, kind == BENCH_BARE_DURABLE_ONE_COMMIT, error) && commit_delete (self, id, error);
  return commit_status (self, id, "deleting", error)
         && remove_file (self, path, TRUE, error)
         && commit_delete (self, id, error);
}

static gboolean
pair (BenchBare *self, BenchBareKind kind, guint64 size, GError **error)
{
  g_autofree char *id = g_uuid_string_random ();

  return bench_bare_create (self, kind, id, size, error) && bench_bare_delete (self, kind, id, error);
}

gboolean
bench_bare_pairs (BenchBare *self, BenchBareKind kind, guint count, guint64 size, double *seconds,
                  GError **error)
{
  double start = bench_now ();

  for (guint i = 0; i < count; i++)
    if (!pair (self, kind, size, error))
      return FALSE;
  *seconds += bench_now () - start;
  return TRUE;
}

typedef struct {
  BenchBare    *bare;
  BenchBareKind kind;
  guint         count;
  guint64       size;
  GError       *error;
} BareThread;

static gpointer
bare_thread (gpointer user_data)
{
  BareThread *thread = user_data;
  double unused = 0;

  bench_bare_pairs (thread->bare, thread->kind, thread->count, thread->size, &unused, &thread->error);
  return NULL;
}

gboolean
bench_bare_pairs_threaded (const char *dir, guint n_threads, BenchBareKind kind, guint count, guint64 size,
                           double *seconds, GError **error)
{
  g_autofree BareThread *threads = g_new0 (BareThread, n_threads);
  g_autofree GThread **running = g_new0 (GThread *, n_threads);
  gboolean ok = TRUE;
  double start;

  /* each thread its own connection to the one database, as each client
   * of a bare server would have */
  for (guint i = 0; i < n_threads && ok; i++)
    {
      threads[i] = (BareThread) { bench_bare_new (dir, error), kind, count, size, NULL };
      ok = threads[i].bare != NULL;
    }
  start = bench_now ();
  for (guint i = 0; i < n_threads && ok; i++)
    running[i] = g_thread_new ("bare-pairs", bare_thread, &threads[i]);
  for (guint i = 0; i < n_threads; i++)
    if (running[i] != NULL)
      g_thread_join (running[i]);
  if (ok)
    *seconds += bench_now () - start;
  for (guint i = 0; i < n_threads; i++)
    {
      if (threads[i].error != NULL && ok)
        {
          g_propagate_error (error, g_steal_pointer (&threads[i].error));
          ok = FALSE;
        }
      g_clear_error (&threads[i].error);
      g_clear_pointer (&threads[i].bare, bench_bare_free);
    }
  return ok;
}

static gboolean
write_all (int fd, const guint8 *buf, gsize len, off_t offset, const char *path, GError **error)
{
  while (len > 0)
    {
      ssize_t n = pwrite (fd, buf, len, offset);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return set_errno_error (error, errno, "cannot write", path);
      buf += n;
      len -= (gsize) n;
      offset += n;
    }
  return TRUE;
}

gboolean
bench_fill_file (const char *path, guint64 size, GError **error)
{
  const gsize chunk = 1024 * 1024;
  g_autofree guint8 *buf = g_malloc (chunk);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20120101);
  int fd = open (path, O_WRONLY | O_CLOEXEC);
  gboolean ok = TRUE;

  if (fd < 0)
    return set_errno_error (error, errno, "cannot open", path);
  for (gsize i = 0; i < chunk; i += sizeof (guint32))
    {
      guint32 word = g_rand_int (rand) | 1; /* never a zero block: sparse copies must copy it */
      memcpy (buf + i, &word, sizeof word);
    }
  for (guint64 offset = 0; ok && offset < size; offset += chunk)
    {
      /* no two chunks alike, for a filesystem that would deduplicate */
      memcpy (buf, &offset, sizeof offset);
      ok = write_all (fd, buf, (gsize) MIN ((guint64) chunk, size - offset), (off_t) offset, path, error);
    }
  if (ok && fsync (fd) < 0)
    ok = set_errno_error (error, errno, "cannot sync", path);
  close (fd);
  return ok;
}

gboolean
bench_reflink_supported (const char *dir)
{
  g_autofree char *src = g_build_filename (dir, "reflink-probe-src", NULL);
  g_autofree char *dest = g_build_filename (dir, "reflink-probe-dest", NULL);
  const char data[4096] = { 1 };
  gboolean supported = FALSE;
  int src_fd = open (src, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int dest_fd = open (dest, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

  if (src_fd >= 0 && dest_fd >= 0 && write (src_fd, data, sizeof data) == (ssize_t) sizeof data
      && fsync (src_fd) == 0)
    supported = ioctl (dest_fd, FICLONE, src_fd) == 0;
  if (src_fd >= 0)
    close (src_fd);
  if (dest_fd >= 0)
    close (dest_fd);
  g_unlink (src);
  g_unlink (dest);
  return supported;
}

gboolean
bench_cp (const char *const *options, const char *src, const char *dest, double *cp_seconds,
          double *total_seconds, GError **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) cp = NULL;
  g_autofree char *what = g_strjoinv (" ", (char **) options);
  g_autofree char *err = NULL;
  double start;
  int fd;

  /* the hang guard is timeout(1): its exec costs the same in every run */
  g_ptr_array_add (argv, (char *) "timeout");
  g_ptr_array_add (argv, (char *) "600");
  g_ptr_array_add (argv, (char *) "cp");
  for (guint i = 0; options[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) options[i]);
  g_ptr_array_add (argv, (char *) "--");
  g_ptr_array_add (argv, (char *) src);
  g_ptr_array_add (argv, (char *) dest);
  g_ptr_array_add (argv, NULL);

  start = bench_now ();
  cp = g_subprocess_newv ((const char *const *) argv->pdata, G_SUBPROCESS_FLAGS_STDERR_PIPE, error);
  if (cp == NULL || !g_subprocess_communicate_utf8 (cp, NULL, NULL, NULL, &err, error))
    return FALSE;
  if (!g_subprocess_get_if_exited (cp) || g_subprocess_get_exit_status (cp) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "cp %s: %s", what,
                   err != NULL && *err != '\0' ? g_strstrip (err) : "failed");
      return FALSE;
    }
  *cp_seconds = bench_now () - start;
  fd = open (dest, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return set_errno_error (error, errno, "cannot open", dest);
  if (fsync (fd) < 0)
    {
      int errsv = errno;
      close (fd);
      return set_errno_error (error, errsv, "cannot sync", dest);
    }
  close (fd);
  *total_seconds = bench_now () - start;
  return TRUE;
}

guint64
bench_allocated_bytes (const char *path)
{
  struct stat st;

  if (stat (path, &st) < 0)
    return 0;
  return (guint64) st.st_blocks * 512;
}

gboolean
bench_run_tool (const char *const *argv, GError **error)
{
  int status = 0;

  return g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                       NULL, NULL, &status, error)
         && g_spawn_check_wait_status (status, error);
}
