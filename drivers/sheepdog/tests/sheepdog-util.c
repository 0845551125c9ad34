/* The sheepdog tier's shared helpers: see sheepdog-util.h. */
#include "config.h"

#include <stdlib.h>

#include "sheepdog-util.h"

const SheepdogTestEnv *
sheepdog_test_env (void)
{
  static SheepdogTestEnv env;
  const char *pid = g_getenv ("NOVA_TEST_SHEEPDOG_PID");

  env.dog = g_getenv ("NOVA_TEST_SHEEPDOG_DOG");
  env.port = g_getenv ("NOVA_TEST_SHEEPDOG_PORT");
  env.unformatted_port = g_getenv ("NOVA_TEST_SHEEPDOG_UNFORMATTED_PORT");
  env.free_port = g_getenv ("NOVA_TEST_SHEEPDOG_FREE_PORT");
  if (env.dog == NULL || env.port == NULL || env.unformatted_port == NULL || env.free_port == NULL || pid == NULL)
    return NULL;
  env.sheep_pid = (GPid) atoi (pid);
  return &env;
}

static void
skip_without_cluster (void)
{
  g_test_skip ("no Sheepdog cluster: tests/test-sheepdog.sh starts one and runs this");
}

gboolean
sheepdog_test_skip_without_cluster (const char *path)
{
  if (sheepdog_test_env () != NULL)
    return FALSE;
  g_test_add_func (path, skip_without_cluster);
  return TRUE;
}

/* runs dog (with a hang guard) and returns its stdout; asserts exit 0 and
 * an empty stderr (dog's failures may exit 0) */
static GBytes *
run_dog (const char *const *argv, GBytes *input)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_strjoinv (" ", (char **) argv);

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE
                                     | (input != NULL ? G_SUBPROCESS_FLAGS_STDIN_PIPE : 0), &error);
  g_assert_no_error (error);
  g_subprocess_communicate (process, input, NULL, &out, &err, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0
      || g_bytes_get_size (err) != 0)
    g_error ("%s failed: %.*s", line, (int) g_bytes_get_size (err), (const char *) g_bytes_get_data (err, NULL));
  return g_steal_pointer (&out);
}

void
sheepdog_test_write (const char *host, const char *port, const char *name, GBytes *bytes)
{
  const SheepdogTestEnv *env = sheepdog_test_env ();
  const char *at = "0";
  g_autofree char *length = g_strdup_printf ("%" G_GSIZE_FORMAT, g_bytes_get_size (bytes));
  const char *const argv[] = { "timeout", "60", env->dog, "vdi", "write", "-a", host, "-p", port, name, at, length,
                               NULL };
  g_autoptr(GBytes) out = run_dog (argv, bytes);
}

void
sheepdog_test_assert_reads (const char *host, const char *port, const char *name, GBytes *bytes)
{
  const SheepdogTestEnv *env = sheepdog_test_env ();
  g_autofree char *size = g_strdup_printf ("%" G_GSIZE_FORMAT, g_bytes_get_size (bytes));
  const char *const argv[] = { "timeout", "60", env->dog, "vdi", "read", "-a", host, "-p", port, name, "0", size,
                               NULL };
  g_autoptr(GBytes) read = run_dog (argv, NULL);

  g_assert_true (g_bytes_equal (read, bytes));
}

char *
sheepdog_test_list (const char *name)
{
  const SheepdogTestEnv *env = sheepdog_test_env ();
  const char *const argv[] = { "timeout", "60", env->dog, "vdi", "list", "-r", "-a", "127.0.0.1", "-p", env->port,
                               name, NULL };
  g_autoptr(GBytes) out = run_dog (argv, NULL);

  /* no rows: no data at all, and g_strndup (NULL, 0) is NULL */
  return g_bytes_get_size (out) > 0 ? g_strndup (g_bytes_get_data (out, NULL), g_bytes_get_size (out)) : g_strdup ("");
}

void
sheepdog_test_snapshot (const char *name, const char *tag)
{
  const SheepdogTestEnv *env = sheepdog_test_env ();
  const char *const argv[] = { "timeout", "60", env->dog, "vdi", "snapshot", "-s", tag, "-a", "127.0.0.1", "-p",
                               env->port, name, NULL };
  g_autoptr(GBytes) out = run_dog (argv, NULL);
}

void
sheepdog_test_vdi (const char *verb, const char *first_arg, ...)
{
  const SheepdogTestEnv *env = sheepdog_test_env ();
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GBytes) out = NULL;
  va_list args;

  for (const char *const *word = (const char *const[]) { "timeout", "60", env->dog, "vdi", verb, "-a",
                                                         "127.0.0.1", "-p", env->port, NULL };
       *word != NULL; word++)
    g_ptr_array_add (argv, (gpointer) *word);
  va_start (args, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  out = run_dog ((const char *const *) argv->pdata, NULL);
}

GBytes *
sheepdog_test_random_bytes (gsize length)
{
  guint8 *data = g_malloc (length);

  for (gsize i = 0; i < length; i++)
    data[i] = (guint8) g_random_int_range (0, 256);
  return g_bytes_new_take (data, length);
}
