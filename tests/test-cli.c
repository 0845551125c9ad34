/* nova-volumectl end to end: the real CLI (NOVA_VOLUMECTL) run with
 * --session against the real nova-volumed on a private bus, as a person
 * or a script runs it. Exit codes (0 done, 1 refused or failed, 2 usage),
 * what stdout and stderr say, and what the daemon holds afterwards,
 * checked over D-Bus with the harness's calls. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <pty.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wchar.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "service-fixture.h"
#include "test-util.h"

#define PROGRAM "nova-volumectl"
#define UTF8_LOCALE "C.UTF-8"
#define TABLE_WIDTH 80
#define IFACE_JOB "org.openstack.Volume1.Job"
#define IFACE_BACKUP "org.openstack.Volume1.Backup"
#define UUID_LENGTH 36

enum {
  EXIT_OK = 0,
  EXIT_FAILED = 1,
  EXIT_USAGE = 2,
};

/* ---- running the CLI ------------------------------------------------- */

typedef struct {
  int   status;
  char *out;
  char *err;
} Result;

static void
result_clear (Result *result)
{
  g_clear_pointer (&result->out, g_free);
  g_clear_pointer (&result->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Result, result_clear)

/* g_test_message, one line at a time: TAP wants each to be a comment */
static void note (const char *format, ...) G_GNUC_PRINTF (1, 2);

static void
note (const char *format, ...)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  va_list ap;

  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '\0')
      g_test_message ("%s", lines[i]);
}

/* how the CLI runs, besides its arguments */
typedef struct {
  const char *locale;      /* NULL: UTF8_LOCALE */
  const char *columns;     /* $COLUMNS; NULL: unset */
  gboolean    system_bus;  /* the fixture's bus is the system bus: no --session */
} RunOptions;

/* the CLI's environment: only the fixture's bus within reach */
static char **
ctl_environ (Fixture *fx, const RunOptions *opts)
{
  char **env = g_get_environ ();

  if (opts->system_bus)
    {
      env = g_environ_setenv (env, "DBUS_SYSTEM_BUS_ADDRESS", fx->bus_address, TRUE);
      env = g_environ_setenv (env, "DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus", TRUE);
    }
  else
    {
      env = g_environ_setenv (env, "DBUS_SESSION_BUS_ADDRESS", fx->bus_address, TRUE);
      /* --session must be honoured: the system bus is out of reach */
      env = g_environ_setenv (env, "DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/bus", TRUE);
    }
  env = g_environ_setenv (env, "LC_ALL", opts->locale != NULL ? opts->locale : UTF8_LOCALE, TRUE);
  env = g_environ_unsetenv (env, "LANGUAGE");
  env = g_environ_unsetenv (env, "G_MESSAGES_DEBUG");
  if (opts->columns != NULL)
    env = g_environ_setenv (env, "COLUMNS", opts->columns, TRUE);
  else
    env = g_environ_unsetenv (env, "COLUMNS");
  /* a critical in the CLI is a bug: make it a crash the test sees */
  env = g_environ_setenv (env, "G_DEBUG", "fatal-criticals", TRUE);
  return env;
}

/* nova-volumectl [--session] ARGS…, NULL-terminated; the strings are
 * borrowed */
static GPtrArray *
ctl_argv (const RunOptions *opts, GPtrArray *args)
{
  GPtrArray *argv = g_ptr_array_new ();
  const char *ctl = nova_volumectl_path ();

  g_assert_nonnull (ctl);
  g_ptr_array_add (argv, (gpointer) ctl);
  if (!opts->system_bus)
    g_ptr_array_add (argv, (gpointer) "--session");
  for (guint i = 0; i < args->len; i++)
    g_ptr_array_add (argv, g_ptr_array_index (args, i));
  g_ptr_array_add (argv, NULL);
  return argv;
}

static char *
describe (const RunOptions *opts, GPtrArray *argv)
{
  g_autofree char *command_line = g_strjoinv (" ", (char **) argv->pdata);

  return g_strdup_printf ("%s%s%sLC_ALL=%s %s", opts->columns != NULL ? "COLUMNS=" : "",
                          opts->columns != NULL ? opts->columns : "", opts->columns != NULL ? " " : "",
                          opts->locale != NULL ? opts->locale : UTF8_LOCALE, command_line);
}

/* runs the CLI with pipes for stdin, stdout and stderr; waits for it to
 * exit (no timing involved: the CLI returns when the daemon has
 * answered) */
static void
run_ctl_with (Fixture *fx, const RunOptions *opts, GPtrArray *args, Result *result)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                               | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = ctl_argv (opts, args);
  g_auto(GStrv) env = ctl_environ (fx, opts);
  g_autoptr(GError) error = NULL;
  g_autofree char *command_line = describe (opts, argv);

  g_subprocess_launcher_set_environ (launcher, env);
  note ("$ %s", command_line);
  process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &result->out, &result->err, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result->out);
  g_assert_nonnull (result->err);
  if (!g_subprocess_get_if_exited (process))
    g_error ("%s was killed by signal %d; stderr:\n%s", command_line,
             g_subprocess_get_term_sig (process), result->err);
  result->status = g_subprocess_get_exit_status (process);
  note ("exit %d\nstdout:\n%s\nstderr:\n%s", result->status, result->out, result->err);
}

/* nova-volumectl --session ARGS… in @locale, on the fixture's bus */
static void
run_ctlv (Fixture *fx, const char *locale, GPtrArray *args, Result *result)
{
  RunOptions opts = { .locale = locale };

  run_ctl_with (fx, &opts, args, result);
}

/* ---- running the CLI on a terminal ----------------------------------- */

/* The CLI on a pseudo-terminal of @columns columns: stdin, stdout and
 * stderr all the terminal, as when a person runs it. */
typedef struct {
  pid_t    pid;
  int      master;
  GString *output;   /* what the terminal got, "\r\n" made "\n" at the end */
  char    *command_line;
} Pty;

static void
pty_spawn (Pty *pty, Fixture *fx, const RunOptions *opts, guint columns, GPtrArray *args)
{
  g_autoptr(GPtrArray) argv = ctl_argv (opts, args);
  g_auto(GStrv) env = ctl_environ (fx, opts);
  struct winsize size = { .ws_row = 24, .ws_col = (unsigned short) columns };

  pty->output = g_string_new (NULL);
  pty->command_line = describe (opts, argv);
  note ("$ %s  # on a %u-column terminal", pty->command_line, columns);
  /* everything the child needs is ready: after the fork it only execs */
  pty->pid = forkpty (&pty->master, NULL, NULL, &size);
  g_assert_cmpint (pty->pid, >=, 0);
  if (pty->pid == 0)
    {
      execve (g_ptr_array_index (argv, 0), (char **) argv->pdata, env);
      _exit (127);
    }
}

/* reads what the CLI wrote until @needle shows up (TRUE) or it closed
 * the terminal (FALSE); a hang guard only, no timing */
static gboolean
pty_read_until (Pty *pty, const char *needle)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  for (;;)
    {
      struct pollfd fd = { .fd = pty->master, .events = POLLIN };
      char buffer[4096];
      ssize_t n;

      if (needle != NULL && strstr (pty->output->str, needle) != NULL)
        return TRUE;
      if (g_get_monotonic_time () > deadline)
        {
          kill (pty->pid, SIGKILL);
          g_error ("%s did not print “%s” within 60 s; it printed:\n%s", pty->command_line,
                   needle != NULL ? needle : "(its end)", pty->output->str);
        }
      if (poll (&fd, 1, 100) <= 0)
        continue;
      n = read (pty->master, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR)
        continue;
      /* EIO: every copy of the terminal's other end is closed */
      if (n <= 0)
        return needle != NULL && strstr (pty->output->str, needle) != NULL;
      g_string_append_len (pty->output, buffer, n);
    }
}

/* reads to the end, reaps the CLI; returns its exit status, with
 * pty->output holding all it wrote, the terminal's "\r\n" as "\n" */
static int
pty_wait (Pty *pty)
{
  int status = 0;

  pty_read_until (pty, NULL);
  g_assert_cmpint (waitpid (pty->pid, &status, 0), ==, pty->pid);
  close (pty->master);
  g_string_replace (pty->output, "\r\n", "\n", 0);
  note ("exit %d\nterminal:\n%s", WIFEXITED (status) ? WEXITSTATUS (status) : -1, pty->output->str);
  if (!WIFEXITED (status))
    g_error ("%s was killed by signal %d", pty->command_line, WTERMSIG (status));
  return WEXITSTATUS (status);
}

static void
pty_clear (Pty *pty)
{
  g_string_free (pty->output, TRUE);
  g_free (pty->command_line);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Pty, pty_clear)

static GPtrArray *
collect_args (const char *first, va_list ap)
{
  GPtrArray *args = g_ptr_array_new ();

  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  return args;
}

static char *ctl_ok (Fixture *fx, const char *first, ...) G_GNUC_NULL_TERMINATED;
static char *ctl_fails (Fixture *fx, int status, const char *first, ...) G_GNUC_NULL_TERMINATED;

/* runs the CLI in a UTF-8 locale, asserts success and a silent stderr;
 * returns stdout */
static char *
ctl_ok (Fixture *fx, const char *first, ...)
{
  g_autoptr(GPtrArray) args = NULL;
  g_auto(Result) result = { 0, };
  va_list ap;

  va_start (ap, first);
  args = collect_args (first, ap);
  va_end (ap);
  run_ctlv (fx, UTF8_LOCALE, args, &result);
  g_assert_cmpint (result.status, ==, EXIT_OK);
  g_assert_cmpstr (result.err, ==, "");
  return g_steal_pointer (&result.out);
}

/* runs the CLI, asserts it exits with @status having said why on stderr
 * and nothing on stdout; returns stderr */
static char *
ctl_fails (Fixture *fx, int status, const char *first, ...)
{
  g_autoptr(GPtrArray) args = NULL;
  g_auto(Result) result = { 0, };
  va_list ap;

  va_start (ap, first);
  args = collect_args (first, ap);
  va_end (ap);
  run_ctlv (fx, UTF8_LOCALE, args, &result);
  g_assert_cmpint (result.status, ==, status);
  g_assert_cmpstr (result.out, ==, "");
  /* a message in the program's name, not a bare GError dump */
  g_assert_true (g_str_has_prefix (result.err, PROGRAM ": "));
  g_assert_cmpuint (strlen (result.err), >, strlen (PROGRAM ": ") + 10);
  g_assert_null (strstr (result.err, "GDBus.Error"));
  return g_steal_pointer (&result.err);
}

/* ---- reading what it printed ----------------------------------------- */

/* the single UUID a create or snapshot printed */
static char *
printed_id (const char *out)
{
  g_autofree char *id = g_strdup (out);

  g_assert_true (g_str_has_suffix (out, "\n"));
  g_strstrip (id);
  g_assert_null (strchr (id, '\n'));
  g_assert_true (g_uuid_string_is_valid (id));
  return g_steal_pointer (&id);
}

static char *
object_path (const char *kind, const char *id)
{
  g_autofree char *escaped = g_strdelimit (g_strdup (id), "-", '_');

  return g_strconcat (ROOT_PATH "/", kind, "/", escaped, NULL);
}

static char *
volume_path (const char *id)
{
  return object_path ("volumes", id);
}

static char *
snapshot_path (const char *id)
{
  return object_path ("snapshots", id);
}

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (json_parser_get_root (parser));
  return json_node_copy (json_parser_get_root (parser));
}

/* the object of `list --json` whose Id is @id, or NULL */
static JsonObject *
find_in_list (JsonNode *root, const char *id)
{
  JsonArray *array;

  g_assert_true (JSON_NODE_HOLDS_ARRAY (root));
  array = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);

      g_assert_nonnull (object);
      if (g_strcmp0 (json_object_get_string_member_with_default (object, "Id", NULL), id) == 0)
        return object;
    }
  return NULL;
}

/* terminal columns, as a terminal counts them (wcwidth in a UTF-8
 * locale): CJK takes two, combining marks none */
static gsize
char_columns (gunichar c)
{
  int width = wcwidth ((wchar_t) c);

  g_assert_cmpint (width, >=, 0);
  return (gsize) width;
}

static gsize
line_columns (const char *line)
{
  gsize columns = 0;

  g_assert_true (g_utf8_validate (line, -1, NULL));
  for (const char *p = line; *p != '\0'; p = g_utf8_next_char (p))
    columns += char_columns (g_utf8_get_char (p));
  return columns;
}

/* the text from terminal column @column on (the marks combining with the
 * character before belong to it), or NULL when @column falls inside a
 * wide character or past the end */
static const char *
at_column (const char *line, gsize column)
{
  const char *p = line;
  gsize c = 0;

  while (*p != '\0' && (c < column || char_columns (g_utf8_get_char (p)) == 0))
    {
      c += char_columns (g_utf8_get_char (p));
      p = g_utf8_next_char (p);
    }
  return c == column ? p : NULL;
}

/* @text's lines; none is wider than @width columns (0: any width) or
 * ends in a blank */
static GStrv
table_lines (const char *text, gsize width)
{
  g_autofree char *copy = g_strdup (text);
  g_auto(GStrv) lines = NULL;

  g_assert_true (g_str_has_suffix (copy, "\n"));
  copy[strlen (copy) - 1] = '\0';
  lines = g_strsplit (copy, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (width > 0 && line_columns (lines[i]) > width)
        g_error ("list line %u is %" G_GSIZE_FORMAT " columns wide, more than %" G_GSIZE_FORMAT ": %s",
                 i, line_columns (lines[i]), width, lines[i]);
      g_assert_false (g_str_has_suffix (lines[i], " "));
    }
  return g_steal_pointer (&lines);
}

/* the lines of `list` in @locale with $COLUMNS set to @columns (NULL:
 * unset) */
static GStrv
list_lines_in (Fixture *fx, const char *locale, const char *columns, const char *option)
{
  RunOptions opts = { .locale = locale, .columns = columns };
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_auto(Result) result = { 0, };

  g_ptr_array_add (args, (gpointer) "list");
  if (option != NULL)
    g_ptr_array_add (args, (gpointer) option);
  run_ctl_with (fx, &opts, args, &result);
  g_assert_cmpint (result.status, ==, EXIT_OK);
  g_assert_cmpstr (result.err, ==, "");
  return table_lines (result.out, columns != NULL ? (gsize) g_ascii_strtoull (columns, NULL, 10) : 0);
}

/* the lines of `list` in @locale, as in an 80-column terminal */
static GStrv
list_lines (Fixture *fx, const char *locale, const char *option)
{
  return list_lines_in (fx, locale, G_STRINGIFY (TABLE_WIDTH), option);
}

/* where the volume table's columns start (SIZE: where it ends, as it is
 * right-aligned), read from its header */
typedef struct {
  gsize name;
  gsize size_end;
  gsize status;
  gsize attached;
} Layout;

static gsize
header_column (const char *header, const char *label)
{
  const char *found = strstr (header, label);

  g_assert_nonnull (found);
  /* the header is ASCII: bytes are columns */
  return (gsize) (found - header);
}

static Layout
volume_layout (const char *header)
{
  Layout layout;

  g_assert_true (g_str_has_prefix (header, "ID "));
  layout.name = header_column (header, " NAME ") + 1;
  layout.size_end = header_column (header, " SIZE ") + 1 + strlen ("SIZE");
  layout.status = header_column (header, " STATUS ") + 1;
  layout.attached = header_column (header, " ATTACHED TO") + 1;
  g_assert_cmpuint (layout.name, ==, 36 + 1);
  g_assert_cmpuint (layout.name, <, layout.size_end);
  g_assert_cmpuint (layout.size_end, <, layout.status);
  g_assert_cmpuint (layout.status, <, layout.attached);
  return layout;
}

static void
assert_text_at (const char *row, gsize column, const char *text)
{
  const char *found = at_column (row, column);

  if (found == NULL || !g_str_has_prefix (found, text))
    g_error ("expected “%s” at column %" G_GSIZE_FORMAT " of:\n%s", text, column, row);
}

/* the row of the volume @id; its cells sit exactly under the header's:
 * @name (as shown, maybe cut; with @whole_name the whole cell, else its
 * start) from the NAME column on, the size ending where SIZE ends, the
 * status from the STATUS column on */
static void
assert_volume_row (GStrv lines, const char *id, const char *name, gboolean whole_name,
                   const char *size, const char *status)
{
  Layout layout = volume_layout (lines[0]);
  const char *row = NULL;
  const char *after;

  for (guint i = 1; lines[i] != NULL && row == NULL; i++)
    if (g_str_has_prefix (lines[i], id))
      row = lines[i];
  if (row == NULL)
    g_error ("no row for %s", id);
  note ("header: %s\nrow:    %s", lines[0], row);

  assert_text_at (row, 0, id);
  assert_text_at (row, strlen (id), " ");

  assert_text_at (row, layout.name - 1, " ");
  assert_text_at (row, layout.name, name);
  if (whole_name)
    assert_text_at (row, layout.name + line_columns (name), " ");

  assert_text_at (row, layout.size_end - strlen (size) - 1, " ");
  assert_text_at (row, layout.size_end - strlen (size), size);
  assert_text_at (row, layout.size_end, " ");

  assert_text_at (row, layout.status - 1, " ");
  assert_text_at (row, layout.status, status);
  after = at_column (row, layout.status + strlen (status));
  g_assert_nonnull (after);
  g_assert_true (*after == ' ' || *after == '\0');
}

/* the value of "Key: value" in text output (show, stats) */
static char *
printed_value (const char *out, const char *key)
{
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
  g_autofree char *label = g_strconcat (key, ":", NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);

      if (g_str_has_prefix (line, label))
        return g_strstrip (g_strdup (line + strlen (label)));
    }
  g_error ("no “%s” line in:\n%s", key, out);
  return NULL;
}

static void
assert_no_volumes (Fixture *fx)
{
  g_auto(GStrv) lines = list_lines (fx, UTF8_LOCALE, NULL);
  g_autofree char *json = ctl_ok (fx, "list", "--json", NULL);
  g_autoptr(JsonNode) root = parse_json (json);

  /* the header alone */
  g_assert_cmpuint (g_strv_length (lines), ==, 1);
  g_assert_true (g_str_has_prefix (lines[0], "ID "));
  g_assert_true (JSON_NODE_HOLDS_ARRAY (root));
  g_assert_cmpuint (json_array_get_length (json_node_get_array (root)), ==, 0);
}

/* ---- tests ----------------------------------------------------------- */

/* create, then see it the ways a person and a script would */
static void
test_create_list_show (Fixture *fx, gconstpointer data)
{
  g_autofree char *out = ctl_ok (fx, "create", "10M", "--name", "data", "--metadata", "k=v", NULL);
  g_autofree char *id = printed_id (out);
  g_autofree char *path = volume_path (id);
  g_autofree char *name = get_string (fx, path, IFACE_VOLUME, "Name");
  g_autofree char *dbus_id = get_string (fx, path, IFACE_VOLUME, "Id");
  g_autoptr(GVariant) metadata = get_property (fx, path, IFACE_VOLUME, "Metadata");
  g_auto(GStrv) lines = NULL;
  g_autofree char *json = NULL;
  g_autofree char *show = NULL;
  g_autofree char *status = NULL;
  g_autofree char *size = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;
  const char *value = NULL;

  /* over D-Bus: exactly what was asked for */
  g_assert_cmpstr (dbus_id, ==, id);
  g_assert_cmpuint (get_uint64 (fx, path, IFACE_VOLUME, "Size"), ==, 10485760);
  g_assert_cmpstr (name, ==, "data");
  assert_status (fx, path, IFACE_VOLUME, "available");
  g_assert_true (g_variant_lookup (metadata, "k", "&s", &value));
  g_assert_cmpstr (value, ==, "v");

  /* list: a header and the row, lined up */
  lines = list_lines (fx, UTF8_LOCALE, NULL);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  g_assert_nonnull (strstr (lines[0], "NAME"));
  g_assert_nonnull (strstr (lines[0], "SIZE"));
  g_assert_nonnull (strstr (lines[0], "STATUS"));
  g_assert_nonnull (strstr (lines[1], id));
  g_assert_nonnull (strstr (lines[1], "10.0 MiB"));
  g_assert_nonnull (strstr (lines[1], "available"));
  assert_volume_row (lines, id, "data", TRUE, "10.0 MiB", "available");

  /* list --json: an array holding it */
  json = ctl_ok (fx, "list", "--json", NULL);
  root = parse_json (json);
  object = find_in_list (root, id);
  g_assert_nonnull (object);
  g_assert_cmpstr (json_object_get_string_member (object, "Type"), ==, "volume");
  g_assert_cmpstr (json_object_get_string_member (object, "Name"), ==, "data");
  g_assert_cmpint (json_object_get_int_member (object, "Size"), ==, 10485760);
  g_assert_cmpstr (json_object_get_string_member (object, "ObjectPath"), ==, path);
  g_clear_pointer (&json, g_free);
  g_clear_pointer (&root, json_node_unref);

  /* --json before the command works as well as after it */
  json = ctl_ok (fx, "--json", "list", NULL);
  root = parse_json (json);
  g_assert_nonnull (find_in_list (root, id));
  g_clear_pointer (&json, g_free);
  g_clear_pointer (&root, json_node_unref);

  /* show: every property, readable */
  show = ctl_ok (fx, "show", id, NULL);
  g_assert_nonnull (strstr (show, path));
  g_assert_nonnull (strstr (show, "Status"));
  status = printed_value (show, "Status");
  g_assert_cmpstr (status, ==, "available");
  size = printed_value (show, "Size");
  g_assert_cmpstr (size, ==, "10.0 MiB (10485760 bytes)");
  g_clear_pointer (&show, g_free);

  /* the object path does as well as the UUID, and so does upper case */
  show = ctl_ok (fx, "show", path, NULL);
  g_assert_nonnull (strstr (show, id));
  g_clear_pointer (&show, g_free);
  {
    g_autofree char *upper = g_ascii_strup (id, -1);
    show = ctl_ok (fx, "show", upper, NULL);
    g_assert_nonnull (strstr (show, id));
  }

  /* show --json */
  json = ctl_ok (fx, "show", id, "--json", NULL);
  root = parse_json (json);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  object = json_node_get_object (root);
  g_assert_cmpstr (json_object_get_string_member (object, "Id"), ==, id);
  g_assert_cmpint (json_object_get_int_member (object, "Size"), ==, 10485760);
  g_assert_cmpstr (json_object_get_string_member (object, "Status"), ==, "available");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (object, "Metadata"), "k"),
                   ==, "v");
  /* no source: null, not D-Bus's "/"; times also in ISO 8601 (UTC) */
  g_assert_true (json_object_get_null_member (object, "SourceSnapshot"));
  g_assert_true (json_object_get_null_member (object, "SourceVolume"));
  g_assert_true (g_str_has_suffix (json_object_get_string_member (object, "CreatedAtIso8601"), "Z"));
  {
    g_autoptr(GDateTime) at = g_date_time_new_from_iso8601 (json_object_get_string_member (object,
                                                                                           "CreatedAtIso8601"),
                                                            NULL);

    g_assert_nonnull (at);
    g_assert_cmpint (g_date_time_to_unix (at) * G_USEC_PER_SEC + g_date_time_get_microsecond (at), ==,
                     json_object_get_int_member (object, "CreatedAt"));
  }
}

static void
test_attach_detach (Fixture *fx, gconstpointer data)
{
  g_autofree char *out = ctl_ok (fx, "create", "1M", NULL);
  g_autofree char *id = printed_id (out);
  g_autofree char *path = volume_path (id);
  g_autofree char *err = NULL;
  g_autofree char *instance = NULL;
  g_autofree char *mountpoint = NULL;
  g_auto(GStrv) lines = NULL;

  g_clear_pointer (&out, g_free);
  /* attach prints the attachment's ID */
  out = ctl_ok (fx, "attach", id, INSTANCE_A, "/dev/vdb", NULL);
  g_free (printed_id (out));
  assert_status (fx, path, IFACE_VOLUME, "in-use");
  instance = get_string (fx, path, IFACE_VOLUME, "InstanceUuid");
  mountpoint = get_string (fx, path, IFACE_VOLUME, "Mountpoint");
  g_assert_cmpstr (instance, ==, INSTANCE_A);
  g_assert_cmpstr (mountpoint, ==, "/dev/vdb");

  /* the table shows it in use */
  lines = list_lines (fx, UTF8_LOCALE, NULL);
  assert_volume_row (lines, id, "", TRUE, "1.0 MiB", "in-use");

  /* twice: refused, and the daemon's reason is passed on */
  err = ctl_fails (fx, EXIT_FAILED, "attach", id, INSTANCE_B, "/dev/vdc", NULL);
  g_assert_nonnull (strstr (err, "(InvalidState)"));
  g_assert_nonnull (strstr (err, "attached"));
  g_clear_pointer (&instance, g_free);
  instance = get_string (fx, path, IFACE_VOLUME, "InstanceUuid");
  g_assert_cmpstr (instance, ==, INSTANCE_A);

  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "detach", id, NULL);
  g_assert_cmpstr (out, ==, "");
  assert_status (fx, path, IFACE_VOLUME, "available");

  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_FAILED, "detach", id, NULL);
  g_assert_nonnull (strstr (err, "(InvalidState)"));
  assert_status (fx, path, IFACE_VOLUME, "available");

  /* several instances: create --multiattach, attach --mode, detach INSTANCE */
  {
    g_autofree char *shared_out = ctl_ok (fx, "create", "1M", "--multiattach", NULL);
    g_autofree char *shared = printed_id (shared_out);
    g_autofree char *first = NULL, *second = NULL, *shared_path = volume_path (shared);

    g_clear_pointer (&out, g_free);
    out = ctl_ok (fx, "attach", shared, INSTANCE_A, "/dev/vdb", "--host", "compute-a", NULL);
    first = printed_id (out);
    g_clear_pointer (&out, g_free);
    out = ctl_ok (fx, "attach", shared, INSTANCE_B, "/dev/vdb", "--host", "compute-b", "--mode", "ro", NULL);
    second = printed_id (out);
    g_assert_cmpstr (first, !=, second);
    g_clear_pointer (&err, g_free);
    err = ctl_fails (fx, EXIT_FAILED, "detach", shared, NULL);
    g_assert_nonnull (strstr (err, "nova-volumectl detach ID INSTANCE"));
    g_clear_pointer (&err, g_free);
    err = ctl_fails (fx, EXIT_FAILED, "detach", shared, INSTANCE_C, NULL);
    g_assert_nonnull (strstr (err, "is not attached to"));
    g_clear_pointer (&out, g_free);
    out = ctl_ok (fx, "detach", shared, INSTANCE_B, NULL);
    assert_status (fx, shared_path, IFACE_VOLUME, "in-use");
    g_clear_pointer (&out, g_free);
    out = ctl_ok (fx, "detach", shared, first, NULL);
    assert_status (fx, shared_path, IFACE_VOLUME, "available");
    g_clear_pointer (&err, g_free);
    err = ctl_fails (fx, EXIT_FAILED, "attach", shared, INSTANCE_A, "/dev/vdb", "--mode", "wo", NULL);
    g_assert_nonnull (strstr (err, "neither rw"));
  }
}

static void
test_snapshots_and_clones (Fixture *fx, gconstpointer data)
{
  g_autofree char *out = ctl_ok (fx, "create", "10M", "--name", "origin", NULL);
  g_autofree char *id = printed_id (out);
  g_autofree char *path = volume_path (id);
  g_autofree char *snap_id = NULL;
  g_autofree char *snap = NULL;
  g_autofree char *of = NULL;
  g_autofree char *err = NULL;
  g_autofree char *from_snap_id = NULL;
  g_autofree char *from_snap = NULL;
  g_autofree char *source = NULL;
  char *clone_ids[2] = { NULL, NULL };
  g_autofree char *json = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_auto(GStrv) lines = NULL;
  JsonObject *object;

  /* snapshot prints the new snapshot's ID */
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "snapshot", id, "--name", "before", NULL);
  snap_id = printed_id (out);
  g_assert_cmpstr (snap_id, !=, id);
  snap = snapshot_path (snap_id);
  assert_status (fx, snap, IFACE_SNAPSHOT, "available");
  of = get_string (fx, snap, IFACE_SNAPSHOT, "Volume");
  g_assert_cmpstr (of, ==, path);
  g_assert_cmpuint (get_uint64 (fx, snap, IFACE_SNAPSHOT, "Size"), ==, 10 * MIB);

  /* list: both tables; --json: both, told apart by Type */
  lines = list_lines (fx, UTF8_LOCALE, NULL);
  {
    g_autofree char *all = g_strjoinv ("\n", lines);
    g_assert_nonnull (strstr (all, snap_id));
    g_assert_nonnull (strstr (all, "VOLUME"));
  }
  g_clear_pointer (&lines, g_strfreev);
  lines = list_lines (fx, UTF8_LOCALE, "--snapshots");
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  g_assert_true (g_str_has_prefix (lines[1], snap_id));
  json = ctl_ok (fx, "list", "--json", NULL);
  root = parse_json (json);
  object = find_in_list (root, snap_id);
  g_assert_nonnull (object);
  g_assert_cmpstr (json_object_get_string_member (object, "Type"), ==, "snapshot");
  g_assert_nonnull (find_in_list (root, id));

  /* a snapshot's ID where a volume's is wanted: said precisely */
  err = ctl_fails (fx, EXIT_FAILED, "attach", snap_id, INSTANCE_A, "/dev/vdb", NULL);
  g_assert_nonnull (strstr (err, "snapshot"));
  g_clear_pointer (&err, g_free);

  /* a volume with a snapshot stays */
  err = ctl_fails (fx, EXIT_FAILED, "delete", id, NULL);
  g_assert_nonnull (strstr (err, "(InvalidState)"));
  assert_status (fx, path, IFACE_VOLUME, "available");

  /* from the snapshot, SIZE 0: the snapshot's size */
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "create", "0", "--snapshot", snap_id, NULL);
  from_snap_id = printed_id (out);
  from_snap = volume_path (from_snap_id);
  g_assert_cmpuint (get_uint64 (fx, from_snap, IFACE_VOLUME, "Size"), ==, 10 * MIB);
  source = get_string (fx, from_snap, IFACE_VOLUME, "SourceSnapshot");
  g_assert_cmpstr (source, ==, snap);
  assert_status (fx, from_snap, IFACE_VOLUME, "available");

  /* clones: SIZE left out, then SIZE 0 */
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "create", "--source-volume", id, NULL);
  clone_ids[0] = printed_id (out);
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "create", "0", "--source-volume", id, NULL);
  clone_ids[1] = printed_id (out);
  for (guint i = 0; i < G_N_ELEMENTS (clone_ids); i++)
    {
      g_autofree char *clone = volume_path (clone_ids[i]);
      g_autofree char *from = get_string (fx, clone, IFACE_VOLUME, "SourceVolume");

      g_assert_cmpstr (clone_ids[i], !=, id);
      g_assert_cmpuint (get_uint64 (fx, clone, IFACE_VOLUME, "Size"), ==, 10 * MIB);
      g_assert_cmpstr (from, ==, path);
      assert_status (fx, clone, IFACE_VOLUME, "available");
    }

  /* both sources at once is a usage error; without a source SIZE is needed */
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_USAGE, "create", "--snapshot", snap_id, "--source-volume", id, NULL);
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_USAGE, "create", NULL);
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_USAGE, "create", "0", NULL);

  /* tidy up: the snapshot first, then every volume */
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "delete", snap_id, NULL);
  g_assert_cmpstr (out, ==, "");
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "delete", id, NULL);
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "delete", from_snap_id, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (clone_ids); i++)
    {
      g_clear_pointer (&out, g_free);
      out = ctl_ok (fx, "delete", clone_ids[i], NULL);
    }
  assert_no_volumes (fx);
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_FAILED, "show", id, NULL);
  g_assert_nonnull (strstr (err, id));
  for (guint i = 0; i < G_N_ELEMENTS (clone_ids); i++)
    g_free (clone_ids[i]);
}

static void
test_connect_extend_export (Fixture *fx, gconstpointer data)
{
  g_autofree char *out = ctl_ok (fx, "create", "10M", NULL);
  g_autofree char *id = printed_id (out);
  g_autofree char *path = volume_path (id);
  g_autoptr(JsonNode) root = NULL;
  JsonObject *info;
  JsonObject *connection_data;
  const char *device_path;

  /* connect: JSON describing the connection */
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "connect", id, "--initiator", "iqn.x", "--ip", "127.0.0.1", NULL);
  root = parse_json (out);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  info = json_node_get_object (root);
  g_assert_cmpstr (json_object_get_string_member (info, "driver_volume_type"), ==, "local");
  connection_data = json_object_get_object_member (info, "data");
  g_assert_nonnull (connection_data);
  device_path = json_object_get_string_member (connection_data, "device_path");
  g_assert_nonnull (device_path);
  g_assert_true (g_path_is_absolute (device_path));
  g_assert_true (g_file_test (device_path, G_FILE_TEST_IS_REGULAR));

  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "disconnect", id, "--initiator", "iqn.x", "--ip", "127.0.0.1", NULL);
  g_assert_cmpstr (out, ==, "");
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "disconnect", id, NULL);
  g_assert_cmpstr (out, ==, "");

  /* extend */
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "extend", id, "20M", NULL);
  g_assert_cmpstr (out, ==, "");
  g_assert_cmpuint (get_uint64 (fx, path, IFACE_VOLUME, "Size"), ==, 20971520);
  {
    g_auto(GStrv) lines = list_lines (fx, UTF8_LOCALE, NULL);
    assert_volume_row (lines, id, "", TRUE, "20.0 MiB", "available");
  }
  /* by a size: +4M */
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "extend", id, "+4M", NULL);
  g_assert_cmpuint (get_uint64 (fx, path, IFACE_VOLUME, "Size"), ==, 24 * 1048576);

  /* check-export */
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "check-export", id, NULL);
  g_assert_nonnull (strstr (out, id));
  g_clear_pointer (&root, json_node_unref);
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "check-export", id, "--json", NULL);
  root = parse_json (out);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (root), "ExportInPlace"));
}

static void
test_stats (Fixture *fx, gconstpointer data)
{
  g_autofree char *out = ctl_ok (fx, "stats", NULL);
  g_autofree char *driver = printed_value (out, "DriverName");
  g_autofree char *protocol = printed_value (out, "storage_protocol");
  g_autofree char *total_text = printed_value (out, "total_capacity");
  g_autoptr(JsonNode) root = NULL;
  JsonObject *stats;

  g_assert_cmpstr (driver, ==, "file");
  g_assert_cmpstr (protocol, ==, "local");
  /* a size as people read it */
  g_assert_true (g_str_has_suffix (total_text, "iB") || g_str_has_suffix (total_text, " B"));

  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "stats", "--json", NULL);
  root = parse_json (out);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  stats = json_node_get_object (root);
  g_assert_true (json_object_has_member (stats, "total_capacity"));
  g_assert_cmpint (json_object_get_int_member (stats, "total_capacity"), >, 0);
  g_assert_cmpint (json_object_get_int_member (stats, "free_capacity"), <=,
                   json_object_get_int_member (stats, "total_capacity"));
  g_assert_cmpstr (json_object_get_string_member (stats, "storage_protocol"), ==, "local");
  /* what the text form shows of the host is there too */
  g_assert_true (json_object_has_member (stats, "Host"));
  g_assert_cmpstr (json_object_get_string_member (stats, "DriverName"), ==, "file");
  g_assert_true (json_object_has_member (stats, "Version"));
  g_assert_nonnull (json_object_get_array_member (stats, "Warnings"));
}

/* update: a volume renamed, its metadata changed, a snapshot renamed;
 * nothing to change is a usage error, a bad value the daemon's */
/* revert [ID] SNAPSHOT: by the snapshot alone (its volume), by both, by
 * names; an older one needs --any, and the refusal says so */
static void
test_revert (Fixture *fx, gconstpointer data)
{
  g_autofree char *out = ctl_ok (fx, "create", "1M", "--name", "data", NULL);
  g_autofree char *id = printed_id (out);
  g_autofree char *older_out = NULL, *latest_out = NULL, *older = NULL, *err = NULL;

  older_out = ctl_ok (fx, "snapshot", id, "--name", "monday", NULL);
  older = printed_id (older_out);
  latest_out = ctl_ok (fx, "snapshot", id, "--name", "tuesday", NULL);
  g_free (ctl_ok (fx, "revert", "tuesday", NULL));
  g_free (ctl_ok (fx, "revert", "data", "tuesday", NULL));
  err = ctl_fails (fx, EXIT_FAILED, "revert", older, NULL);
  g_assert_nonnull (strstr (err, "not the volume's latest"));
  /* the advice in the CLI's terms */
  g_assert_nonnull (strstr (err, "use --any where"));
  g_assert_null (strstr (err, "any=true"));
  g_free (ctl_ok (fx, "revert", "--any", id, "monday", NULL));
  /* connected: the advice is the CLI's disconnect; attached, a snapshot
   * needs --force */
  g_free (ctl_ok (fx, "connect", id, "--initiator", "iqn.x", "--ip", "127.0.0.1", NULL));
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_FAILED, "revert", "tuesday", NULL);
  g_assert_nonnull (strstr (err, "disconnect it first (nova-volumectl disconnect)"));
  g_assert_null (strstr (err, "TerminateConnection"));
  g_free (ctl_ok (fx, "disconnect", id, "--initiator", "iqn.x", "--ip", "127.0.0.1", NULL));
  g_free (ctl_ok (fx, "attach", id, INSTANCE_A, "/dev/vdb", NULL));
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_FAILED, "snapshot", id, NULL);
  g_assert_nonnull (strstr (err, "use --force to take it anyway"));
  g_free (ctl_ok (fx, "detach", id, NULL));
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_USAGE, "revert", NULL);
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_FAILED, "revert", "data", NULL);
  g_assert_nonnull (strstr (err, "data"));
}

/* manage REFERENCE prints the new volume's id; unmanage leaves the file;
 * manage of its name takes it back; refusals in the CLI's terms */
static void
test_manage (Fixture *fx, gconstpointer data)
{
  g_autofree char *legacy = g_build_filename (fx->state_dir, "volumes", "legacy.img", NULL);
  g_autofree char *out = NULL, *id = NULL, *file = NULL, *reference = NULL, *again = NULL, *err = NULL;
  int fd = g_open (legacy, O_WRONLY | O_CREAT | O_EXCL, 0600);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, 2 * 1024 * 1024), ==, 0);
  close (fd);
  err = ctl_fails (fx, EXIT_FAILED, "manage", "--keep-name", "legacy.img", NULL);
  g_assert_nonnull (strstr (err, "leave out --keep-name"));
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_FAILED, "manage", "missing.img", NULL);
  g_assert_nonnull (strstr (err, "no file 'missing.img'"));
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_USAGE, "manage", NULL);

  out = ctl_ok (fx, "manage", "legacy.img", "--name", "old-disk", "--metadata", "from=elsewhere", NULL);
  id = printed_id (out);
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "show", "old-disk", NULL);
  g_assert_nonnull (strstr (out, id));
  g_assert_nonnull (strstr (out, "from"));
  reference = g_strconcat ("volume-", id, NULL);
  file = g_build_filename (fx->state_dir, "volumes", reference, NULL);
  g_assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));
  g_assert_false (g_file_test (legacy, G_FILE_TEST_EXISTS));

  g_free (ctl_ok (fx, "unmanage", "old-disk", NULL));
  g_assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_FAILED, "show", id, NULL);
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "manage", "--keep-name", reference, NULL);
  again = printed_id (out);
  g_assert_cmpstr (again, ==, id);
  g_free (ctl_ok (fx, "delete", id, NULL));
}

static void
test_update (Fixture *fx, gconstpointer data)
{
  g_autofree char *out = ctl_ok (fx, "create", "1M", "--name", "old", "--metadata", "gone=1", "--metadata", "kept=2",
                                 NULL);
  g_autofree char *id = printed_id (out);
  g_autofree char *snapshot_out = NULL, *snapshot = NULL, *shown = NULL, *err = NULL, *before = NULL, *after = NULL;

  g_free (ctl_ok (fx, "update", id, "--name", "new", "--description", "logs", "--set", "added=3", "--unset", "gone",
                  NULL));
  shown = ctl_ok (fx, "show", id, NULL);
  g_test_message ("%s", shown);
  g_assert_nonnull (strstr (shown, "new"));
  g_assert_nonnull (strstr (shown, "logs"));
  g_assert_nonnull (strstr (shown, "added"));
  g_assert_nonnull (strstr (shown, "kept"));
  g_assert_null (strstr (shown, "gone"));

  snapshot_out = ctl_ok (fx, "snapshot", id, NULL);
  snapshot = printed_id (snapshot_out);
  g_clear_pointer (&shown, g_free);
  g_free (ctl_ok (fx, "update", snapshot, "--name", "nightly", NULL));
  shown = ctl_ok (fx, "show", snapshot, NULL);
  g_assert_nonnull (strstr (shown, "nightly"));

  before = fingerprint (fx);
  err = ctl_fails (fx, EXIT_USAGE, "update", id, NULL);
  g_assert_nonnull (strstr (err, "nothing to change"));
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_USAGE, "update", id, "--set", "novalue", NULL);
  g_assert_nonnull (strstr (err, "novalue"));
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_FAILED, "update", snapshot, "--set", "a=b", NULL);
  g_assert_nonnull (strstr (err, "metadata"));
  after = fingerprint (fx);
  g_assert_cmpstr (before, ==, after);
}

static void
test_usage_errors (Fixture *fx, gconstpointer data)
{
  static const char *const command_names[] = {
    "create", "list", "show", "delete", "snapshot", "attach", "detach", "extend",
    "update", "connect", "disconnect", "check-export", "stats", "cancel", "wait",
    "backup", "backups", "restore", "backup-delete", "backup-verify", "import-backups",
  };
  g_autofree char *out = ctl_ok (fx, "create", "1M", NULL);
  g_autofree char *id = printed_id (out);
  g_autofree char *before = fingerprint (fx);
  g_autofree char *after = NULL;
  g_autofree char *err = NULL;

  /* no command, an unknown one */
  err = ctl_fails (fx, EXIT_USAGE, NULL, NULL);
  g_assert_nonnull (strstr (err, "--help"));
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_USAGE, "frobnicate", NULL);
  g_assert_nonnull (strstr (err, "frobnicate"));
  g_assert_nonnull (strstr (err, "--help"));
  g_clear_pointer (&err, g_free);

  /* a size that is not one */
  err = ctl_fails (fx, EXIT_USAGE, "create", "10X", NULL);
  g_assert_nonnull (strstr (err, "10X"));
  g_assert_nonnull (strstr (err, "create --help"));
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_USAGE, "extend", id, "-5M", NULL);
  g_assert_nonnull (strstr (err, "negative"));
  g_clear_pointer (&err, g_free);
  /* a bare number is bytes: a small one was meant as GiB */
  err = ctl_fails (fx, EXIT_USAGE, "create", "10", NULL);
  g_assert_nonnull (strstr (err, "did you mean 10G?"));
  g_clear_pointer (&err, g_free);

  /* arguments missing, or one too many */
  err = ctl_fails (fx, EXIT_USAGE, "attach", id, NULL);
  g_assert_nonnull (strstr (err, "INSTANCE"));
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_USAGE, "attach", id, INSTANCE_A, NULL);
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_USAGE, "show", NULL);
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_USAGE, "delete", id, id, NULL);
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_USAGE, "list", "extra", NULL);
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_USAGE, "show", "--no-such-option", id, NULL);
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_USAGE, "create", "1M", "--metadata", "novalue", NULL);
  g_clear_pointer (&err, g_free);

  /* refused before anything reached the daemon */
  after = fingerprint (fx);
  g_assert_cmpstr (after, ==, before);

  /* --help: exit 0, every command listed */
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "--help", NULL);
  g_assert_nonnull (strstr (out, "Usage:"));
  for (guint i = 0; i < G_N_ELEMENTS (command_names); i++)
    {
      g_autofree char *entry = g_strdup_printf ("\n  %s ", command_names[i]);

      if (strstr (out, entry) == NULL)
        g_error ("--help does not list %s:\n%s", command_names[i], out);
    }
  g_clear_pointer (&after, g_free);
  after = g_strdup (out);
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "help", NULL);
  g_assert_cmpstr (out, ==, after);

  /* a command's own --help shows its arguments */
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "attach", "--help", NULL);
  g_assert_nonnull (strstr (out, "ID INSTANCE MOUNTPOINT"));
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "help", "create", NULL);
  g_assert_nonnull (strstr (out, "--source-volume"));
}

static void
test_not_found (Fixture *fx, gconstpointer data)
{
  static const char *const missing = "11111111-2222-4333-8444-555555555555";
  static const char *const commands[] = { "show", "delete", "detach", "snapshot", "check-export" };

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *err = ctl_fails (fx, EXIT_FAILED, commands[i], missing, NULL);

      /* one line naming the ID */
      g_assert_nonnull (strstr (err, missing));
      g_assert_true (g_str_has_suffix (err, "\n"));
      g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);
    }
  {
    g_autofree char *err = ctl_fails (fx, EXIT_FAILED, "show", "not-an-id", NULL);
    g_assert_nonnull (strstr (err, "not-an-id"));
  }
  assert_no_volumes (fx);
}

/* names whose characters are not one column each must not shift the
 * table: wide CJK, a combining accent, names cut to fit 80 columns */
static void
test_table_alignment (Fixture *fx, gconstpointer data)
{
  static const struct {
    const char *name;
    const char *shown_utf8;   /* its cell in C.UTF-8, as far as the test checks it */
    const char *shown_ascii;  /* and in the C locale */
  } names[] = {
    { "data", "data", "data" },
    { "日本語", "日本語", "???" },
    { "cafe\xcc\x81", "cafe\xcc\x81", "cafe?" },
    /* cut: NAME gets what the other columns leave of 80 */
    { "a-long-name-that-cannot-fit-in-the-table-as-it-is",
      "a-long-name…", "a-long-na..." },
    /* cut where a wide character does not fit whole */
    { "日本語の名前です", "日本語の名…", "????????" },
  };
  char *ids[G_N_ELEMENTS (names)] = { NULL, };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *out = ctl_ok (fx, "create", "10M", "--name", names[i].name, NULL);
      g_autofree char *path = NULL;
      g_autofree char *name = NULL;

      ids[i] = printed_id (out);
      path = volume_path (ids[i]);
      name = get_string (fx, path, IFACE_VOLUME, "Name");
      g_assert_cmpstr (name, ==, names[i].name);
    }

  {
    g_auto(GStrv) lines = list_lines (fx, UTF8_LOCALE, NULL);

    g_assert_cmpuint (g_strv_length (lines), ==, 1 + G_N_ELEMENTS (names));
    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      assert_volume_row (lines, ids[i], names[i].shown_utf8, TRUE, "10.0 MiB", "available");
  }

  /* in the C locale the CLI prints ASCII, lined up just the same */
  {
    g_auto(GStrv) lines = list_lines (fx, "C", NULL);

    g_assert_cmpuint (g_strv_length (lines), ==, 1 + G_N_ELEMENTS (names));
    for (guint i = 0; lines[i] != NULL; i++)
      for (const char *p = lines[i]; *p != '\0'; p++)
        g_assert_cmpint ((guchar) *p, <, 0x80);
    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      assert_volume_row (lines, ids[i], names[i].shown_ascii, TRUE, "10.0 MiB", "available");
  }

  /* attached: the names and the instance share what is left of 80
   * columns; the cells stay under their headers */
  {
    g_autofree char *out = ctl_ok (fx, "attach", ids[0], INSTANCE_A, "/dev/vdb", NULL);
    g_auto(GStrv) lines = list_lines (fx, UTF8_LOCALE, NULL);

    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      {
        g_autofree char *first = g_utf8_substring (names[i].name, 0, 1);

        assert_volume_row (lines, ids[i], first, FALSE, "10.0 MiB", i == 0 ? "in-use" : "available");
      }
    g_assert_nonnull (strstr (lines[0], "ATTACHED TO"));
  }

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_free (ids[i]);
}

/* ---- jobs and progress ------------------------------------------------ */

/* the path of the one Job the daemon shows, once it shows one (a hang
 * guard only) */
static char *
wait_for_job (Fixture *fx)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) reply = call (fx, ROOT_PATH, "org.freedesktop.DBus.ObjectManager",
                                        "GetManagedObjects", NULL, "(a{oa{sa{sv}}})", &error);
      g_autoptr(GVariant) objects = NULL;
      GVariantIter iter;
      const char *path;

      g_assert_no_error (error);
      objects = g_variant_get_child_value (reply, 0);
      g_variant_iter_init (&iter, objects);
      while (g_variant_iter_next (&iter, "{&o@a{sa{sv}}}", &path, NULL))
        if (g_str_has_prefix (path, ROOT_PATH "/jobs/"))
          return g_strdup (path);
      if (g_get_monotonic_time () > deadline)
        {
          print_daemon_log (fx);
          g_error ("no Job appeared within 60 s");
        }
      g_usleep (10 * 1000);
    }
}

static char *
id_of_path (const char *path)
{
  return g_strdelimit (g_strdup (strrchr (path, '/') + 1), "_", '-');
}

/* A clone on a terminal: a bar on stderr that follows the Job our own
 * call started, one line redrawn with \r, ended before the next message. */
static void
test_progress_bar (Fixture *fx, gconstpointer data)
{
  RunOptions opts = { 0 };
  g_autofree char *source = NULL;
  g_autofree char *source_id = NULL;
  g_autofree char *job = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_auto(Pty) pty = { 0 };
  /* the job moves 1 GiB: how much of it is done follows; how fast, once
   * the daemon has measured it */
  const char *bar = "\r[###############---------------]  50% volume-clone 512.0 MiB of 1.0 GiB";
  const char *after;
  const char *end;

  use_held_copies (fx);
  source = create_volume (fx, GIB, NULL);
  source_id = id_of_path (source);
  g_ptr_array_add (args, (gpointer) "create");
  g_ptr_array_add (args, (gpointer) "--source-volume");
  g_ptr_array_add (args, source_id);
  pty_spawn (&pty, fx, &opts, TABLE_WIDTH, args);

  /* the logging driver stops half way until the job is cancelled */
  g_assert_true (pty_read_until (&pty, "50% volume-clone"));
  job = wait_for_job (fx);
  call_ok (fx, job, IFACE_JOB, "Cancel", g_variant_new_parsed ("(@a{sv} {},)"));
  g_assert_cmpint (pty_wait (&pty), ==, EXIT_FAILED);

  /* 30 columns of bar on an 80-column terminal, half of them done; the
   * error on a line of its own */
  after = strstr (pty.output->str, bar);
  if (after == NULL)
    g_error ("no “%s” in:\n%s", g_strescape (bar, NULL), pty.output->str);
  after += strlen (bar);
  end = strchr (after, '\n');
  g_assert_nonnull (end);
  /* nothing more on the bar's line than the rate and the time left */
  if (end != after && !(g_str_has_prefix (after, ", ") && g_strstr_len (after, end - after, "/s, ") != NULL))
    g_error ("the bar ends in “%.*s”", (int) (end - after), after);
  after = end + 1;
  g_assert_true (g_str_has_prefix (after, PROGRAM ": "));
  g_assert_nonnull (strstr (after, "(Cancelled)"));
  g_assert_null (strchr (after, '\r'));
}

/* jobs lists a running copy, cancel stops it by the ID of a volume it
 * works on, wait returns once a volume has the status asked for */
static void
test_jobs_cancel_wait (Fixture *fx, gconstpointer data)
{
  RunOptions opts = { 0 };
  g_autofree char *source = NULL, *source_id = NULL, *job = NULL, *out = NULL, *err = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GPtrArray) argv = NULL;
  g_auto(GStrv) env = NULL;
  g_autoptr(GSubprocess) waiter = NULL;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);

  use_held_copies (fx);
  source = create_volume (fx, GIB, NULL);
  source_id = id_of_path (source);
  job = start_held_clone (fx, source, &result);
  wait_job_half_way (fx, job);

  out = ctl_ok (fx, "jobs", NULL);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "volume-clone"));
  g_assert_nonnull (strstr (out, source_id));
  g_assert_nonnull (strstr (out, "50%"));
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "--json", "jobs", NULL);
  g_assert_nonnull (strstr (out, "\"Type\" : \"job\""));
  g_assert_nonnull (strstr (out, "\"Operation\" : \"volume-clone\""));
  g_clear_pointer (&out, g_free);
  /* show of a volume a copy works on says so, with its progress */
  out = ctl_ok (fx, "show", source_id, NULL);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "Job /org/openstack/Volume1/jobs/"));
  g_assert_nonnull (strstr (out, "volume-clone, 50%"));
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "--json", "show", source_id, NULL);
  g_assert_nonnull (strstr (out, "\"Jobs\" : ["));
  g_assert_nonnull (strstr (out, "\"Operation\" : \"volume-clone\""));
  g_clear_pointer (&out, g_free);

  err = ctl_fails (fx, EXIT_FAILED, "cancel", "no-such-job", NULL);
  g_assert_nonnull (strstr (err, "no-such-job"));
  g_clear_pointer (&err, g_free);
  /* by the ID of the volume it copies */
  out = ctl_ok (fx, "cancel", source_id, NULL);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  reply = g_dbus_connection_call_with_unix_fd_list_finish (fx->connection, NULL, result, &error);
  g_assert_null (reply);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "ancel"));
  g_clear_error (&error);
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "jobs", NULL);
  g_assert_null (strstr (out, "volume-clone"));

  /* wait: a volume already available, then one that becomes in-use */
  g_free (ctl_ok (fx, "wait", source_id, NULL));
  g_ptr_array_add (args, (gpointer) "wait");
  g_ptr_array_add (args, (gpointer) "--status");
  g_ptr_array_add (args, (gpointer) "in-use");
  g_ptr_array_add (args, source_id);
  argv = ctl_argv (&opts, args);
  env = ctl_environ (fx, &opts);
  g_subprocess_launcher_set_environ (launcher, env);
  waiter = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  call_ok (fx, source, IFACE_VOLUME, "Attach", g_variant_new_parsed ("(%s, '/dev/vdb', @a{sv} {})", INSTANCE_A));
  wait_or_kill (waiter, "nova-volumectl wait");
  g_assert_true (g_subprocess_get_if_exited (waiter));
  g_assert_cmpint (g_subprocess_get_exit_status (waiter), ==, EXIT_OK);
}

/* monitor prints what happens as it happens: a volume added with its
 * name and status, its changes, its removal; --json one object a line;
 * SIGTERM ends it cleanly */
static void
test_monitor (Fixture *fx, gconstpointer data)
{
  for (int json = 0; json < 2; json++)
    {
      RunOptions opts = { 0 };
      g_autoptr(GPtrArray) args = g_ptr_array_new ();
      g_autoptr(GPtrArray) argv = NULL;
      g_auto(GStrv) env = ctl_environ (fx, &opts);
      g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
      g_autoptr(GSubprocess) monitor = NULL;
      g_autoptr(GDataInputStream) lines = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GString) seen = g_string_new (NULL);
      g_autofree char *volume = NULL, *id = NULL;
      const char *expected[] = { json ? "\"Event\":\"added\"" : "added: Name=watched, Status=creating",
                                 json ? "\"Name\":\"renamed\"" : "changed: Name=renamed",
                                 json ? "\"Event\":\"removed\"" : "removed" };

      if (json)
        g_ptr_array_add (args, (gpointer) "--json");
      g_ptr_array_add (args, (gpointer) "monitor");
      argv = ctl_argv (&opts, args);
      g_subprocess_launcher_set_environ (launcher, env);
      monitor = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
      g_assert_no_error (error);
      lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (monitor));
      {
        /* its first line says it listens */
        g_autofree char *first = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);

        g_assert_nonnull (first);
        g_assert_nonnull (strstr (first, json ? "\"Event\":\"monitoring\"" : "Ctrl-C"));
      }
      volume = create_volume (fx, MIB, g_variant_new_parsed ("{'name': <'watched'>}"));
      id = id_of_path (volume);
      call_ok (fx, volume, IFACE_VOLUME, "Update", g_variant_new_parsed ("({'name': <'renamed'>},)"));
      call_ok (fx, volume, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
      for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
        for (;;)
          {
            g_autofree char *line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);

            g_assert_no_error (error);
            g_assert_nonnull (line);
            g_string_append_printf (seen, "%s\n", line);
            if (strstr (line, expected[i]) != NULL && (json || strstr (line, id) != NULL))
              break;
          }
      g_test_message ("%s", seen->str);
      g_subprocess_send_signal (monitor, SIGTERM);
      wait_or_kill (monitor, "nova-volumectl monitor");
      g_assert_true (g_subprocess_get_if_exited (monitor));
      g_assert_cmpint (g_subprocess_get_exit_status (monitor), ==, EXIT_OK);
    }
}

/* Ctrl-C during a clone on a terminal: the CLI stops watching, says the
 * copy goes on as which job, on which volumes, and how to cancel it; the
 * job still runs, and that command cancels it. */
static void
test_interrupt (Fixture *fx, gconstpointer data)
{
  RunOptions opts = { 0 };
  g_autofree char *source = NULL, *source_id = NULL, *job = NULL, *number = NULL, *hint = NULL, *out = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_auto(Pty) pty = { 0 };

  use_held_copies (fx);
  source = create_volume (fx, GIB, NULL);
  source_id = id_of_path (source);
  g_ptr_array_add (args, (gpointer) "create");
  g_ptr_array_add (args, (gpointer) "--source-volume");
  g_ptr_array_add (args, source_id);
  pty_spawn (&pty, fx, &opts, TABLE_WIDTH, args);
  g_assert_true (pty_read_until (&pty, "50% volume-clone"));
  job = wait_for_job (fx);
  number = g_path_get_basename (job);
  g_assert_cmpint (kill (pty.pid, SIGINT), ==, 0);
  g_assert_cmpint (pty_wait (&pty), ==, 130);
  hint = g_strdup_printf ("nova-volumectl cancel %s", number);
  g_assert_nonnull (strstr (pty.output->str, "goes on in the daemon as job"));
  g_assert_nonnull (strstr (pty.output->str, source_id));
  g_assert_nonnull (strstr (pty.output->str, hint));

  /* it went on, and the command it named stops it */
  out = ctl_ok (fx, "jobs", NULL);
  g_assert_nonnull (strstr (out, "volume-clone"));
  g_free (ctl_ok (fx, "cancel", number, NULL));
  g_clear_pointer (&out, g_free);
  while (out == NULL || strstr (out, "volume-clone") != NULL)
    {
      g_free (out);
      out = ctl_ok (fx, "jobs", NULL);
    }
}

/* A quick clone on a terminal ends its bar at 100% and prints the new ID
 * below it. */
static void
test_progress_done (Fixture *fx, gconstpointer data)
{
  RunOptions opts = { 0 };
  g_autofree char *out = ctl_ok (fx, "create", "10M", NULL);
  g_autofree char *source_id = printed_id (out);
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_auto(Pty) pty = { 0 };
  g_autofree char *clone_id = NULL;
  const char *last_line;

  g_ptr_array_add (args, (gpointer) "create");
  g_ptr_array_add (args, (gpointer) "--source-volume");
  g_ptr_array_add (args, source_id);
  pty_spawn (&pty, fx, &opts, TABLE_WIDTH, args);
  g_assert_cmpint (pty_wait (&pty), ==, EXIT_OK);

  /* at 100% nothing is left to wait for: no time left is shown */
  g_assert_nonnull (strstr (pty.output->str, "] 100% volume-clone 10.0 MiB of 10.0 MiB"));
  g_assert_null (strstr (pty.output->str, "0 s left\n"));
  g_assert_true (g_str_has_prefix (pty.output->str, "\r["));
  /* the ID alone on the last line */
  g_assert_true (g_str_has_suffix (pty.output->str, "\n"));
  pty.output->str[pty.output->len - 1] = '\0';
  last_line = strrchr (pty.output->str, '\n');
  g_assert_nonnull (last_line);
  clone_id = g_strdup (last_line + 1);
  g_assert_true (g_uuid_string_is_valid (clone_id));
  g_assert_cmpstr (clone_id, !=, source_id);
}

/* No bar when stderr is not a terminal, nor with --json on one: the
 * output is for a program then. */
static void
test_progress_quiet (Fixture *fx, gconstpointer data)
{
  g_autofree char *source = NULL;
  g_autofree char *source_id = NULL;

  use_held_copies (fx);
  source = create_volume (fx, GIB, NULL);
  source_id = id_of_path (source);

  /* pipes */
  {
    RunOptions opts = { 0 };
    g_autoptr(GPtrArray) args = g_ptr_array_new ();
    g_autoptr(GPtrArray) argv = NULL;
    g_autoptr(GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
    g_autoptr(GSubprocess) process = NULL;
    g_auto(GStrv) env = ctl_environ (fx, &opts);
    g_autoptr(GError) error = NULL;
    g_autofree char *job = NULL;
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;

    g_ptr_array_add (args, (gpointer) "create");
    g_ptr_array_add (args, (gpointer) "--source-volume");
    g_ptr_array_add (args, source_id);
    argv = ctl_argv (&opts, args);
    g_subprocess_launcher_set_environ (launcher, env);
    process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
    g_assert_no_error (error);
    job = wait_for_job (fx);
    call_ok (fx, job, IFACE_JOB, "Cancel", g_variant_new_parsed ("(@a{sv} {},)"));
    g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
    g_assert_no_error (error);
    note ("stdout:\n%s\nstderr:\n%s", out, err);
    g_assert_true (g_subprocess_get_if_exited (process));
    g_assert_cmpint (g_subprocess_get_exit_status (process), ==, EXIT_FAILED);
    g_assert_cmpstr (out, ==, "");
    /* the error alone */
    g_assert_true (g_str_has_prefix (err, PROGRAM ": "));
    g_assert_null (strchr (err, '\r'));
    g_assert_null (strstr (err, "volume-clone"));
  }

  /* a terminal, but --json */
  {
    RunOptions opts = { 0 };
    g_autoptr(GPtrArray) args = g_ptr_array_new ();
    g_auto(Pty) pty = { 0 };
    g_autofree char *job = NULL;

    g_ptr_array_add (args, (gpointer) "--json");
    g_ptr_array_add (args, (gpointer) "create");
    g_ptr_array_add (args, (gpointer) "--source-volume");
    g_ptr_array_add (args, source_id);
    pty_spawn (&pty, fx, &opts, TABLE_WIDTH, args);
    job = wait_for_job (fx);
    call_ok (fx, job, IFACE_JOB, "Cancel", g_variant_new_parsed ("(@a{sv} {},)"));
    g_assert_cmpint (pty_wait (&pty), ==, EXIT_FAILED);
    g_assert_true (g_str_has_prefix (pty.output->str, PROGRAM ": "));
    g_assert_null (strchr (pty.output->str, '\r'));
    g_assert_null (strstr (pty.output->str, "volume-clone"));
  }
}

/* ---- the table's width ------------------------------------------------ */

/* the row of `list` that starts with @prefix */
static const char *
row_starting (GStrv lines, const char *prefix)
{
  for (guint i = 1; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      return lines[i];
  g_error ("no row starts with %s", prefix);
  return NULL;
}

/* $COLUMNS, or the terminal's width, bounds every line; names are cut
 * before IDs, IDs only when nothing else is left; a pipe without $COLUMNS
 * gets every value whole */
static void
test_table_width (Fixture *fx, gconstpointer data)
{
  static const char *const long_name = "a-long-name-that-a-narrow-terminal-has-no-room-for-at-all";
  g_autofree char *out = ctl_ok (fx, "create", "10M", "--name", long_name, NULL);
  g_autofree char *id = printed_id (out);
  g_autofree char *id_start = g_strndup (id, 8);

  /* a pipe: whole values, wider than 80 columns */
  {
    g_auto(GStrv) lines = list_lines_in (fx, UTF8_LOCALE, NULL, NULL);
    const char *row = row_starting (lines, id);

    g_assert_nonnull (strstr (row, long_name));
    g_assert_cmpuint (line_columns (row), >, TABLE_WIDTH);
  }

  /* wide enough for the ID and a cut name */
  {
    g_auto(GStrv) lines = list_lines_in (fx, UTF8_LOCALE, "72", NULL);
    const char *row = row_starting (lines, id);

    g_assert_null (strstr (row, long_name));
    g_assert_nonnull (strstr (row, " a-l… "));
    assert_text_at (row, UUID_LENGTH, " ");
  }

  /* too narrow for whole IDs: cut, the cut shown, the start kept */
  {
    g_auto(GStrv) lines = list_lines_in (fx, UTF8_LOCALE, "50", NULL);
    const char *row = row_starting (lines, id_start);

    g_assert_null (strstr (row, id));
    g_assert_nonnull (strstr (row, "…"));
    g_assert_nonnull (strstr (row, "available"));
  }

  /* narrower than what never shrinks: lines cut, never wrapped */
  {
    g_auto(GStrv) lines = list_lines_in (fx, UTF8_LOCALE, "20", NULL);

    g_assert_cmpuint (g_strv_length (lines), ==, 2);
  }

  /* a terminal's own width wins, $COLUMNS or not */
  {
    RunOptions opts = { .columns = "200" };
    g_autoptr(GPtrArray) args = g_ptr_array_new ();
    g_auto(Pty) pty = { 0 };
    g_auto(GStrv) lines = NULL;

    g_ptr_array_add (args, (gpointer) "list");
    pty_spawn (&pty, fx, &opts, 60, args);
    g_assert_cmpint (pty_wait (&pty), ==, EXIT_OK);
    lines = table_lines (pty.output->str, 60);
    g_assert_cmpuint (g_strv_length (lines), ==, 2);
    g_assert_true (g_str_has_prefix (lines[1], id_start));
  }
}

/* ---- JSON ------------------------------------------------------------- */

static JsonObject *
json_object_of (JsonNode *node)
{
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_node_get_object (node);
}

/* every command that prints something prints JSON with --json; the
 * others print nothing; errors stay plain text on stderr */
static void
test_json_everywhere (Fixture *fx, gconstpointer data)
{
  g_autofree char *out = ctl_ok (fx, "--json", "create", "10M", "--name", "j", NULL);
  g_autoptr(JsonNode) created = parse_json (out);
  g_autofree char *id = g_strdup (json_object_get_string_member (json_object_of (created), "Id"));
  g_autofree char *snap_id = NULL;
  g_autofree char *clone_id = NULL;
  g_autofree char *err = NULL;

  g_assert_true (g_uuid_string_is_valid (id));
  g_assert_cmpstr (json_object_get_string_member (json_object_of (created), "Name"), ==, "j");

  {
    g_autofree char *text = ctl_ok (fx, "snapshot", id, "--json", NULL);
    g_autoptr(JsonNode) node = parse_json (text);

    g_assert_cmpstr (json_object_get_string_member (json_object_of (node), "Type"), ==, "snapshot");
    snap_id = g_strdup (json_object_get_string_member (json_object_of (node), "Id"));
  }
  {
    g_autofree char *text = ctl_ok (fx, "create", "--source-volume", id, "--json", NULL);
    g_autoptr(JsonNode) node = parse_json (text);

    clone_id = g_strdup (json_object_get_string_member (json_object_of (node), "Id"));
    g_assert_cmpstr (clone_id, !=, id);
  }

  /* the ones that print: each parses */
  {
    const char *const printing[][4] = {
      { "show", id, NULL },
      { "show", snap_id, NULL },
      { "list", NULL },
      { "list", "--snapshots", NULL },
      { "connect", id, "--initiator", "iqn.x" },
      { "check-export", id, NULL },
      { "stats", NULL },
    };

    for (guint i = 0; i < G_N_ELEMENTS (printing); i++)
      {
        g_autoptr(GPtrArray) args = g_ptr_array_new ();
        g_auto(Result) result = { 0, };
        g_autoptr(JsonNode) node = NULL;

        g_ptr_array_add (args, (gpointer) "--json");
        for (guint j = 0; j < G_N_ELEMENTS (printing[i]) && printing[i][j] != NULL; j++)
          g_ptr_array_add (args, (gpointer) printing[i][j]);
        run_ctlv (fx, UTF8_LOCALE, args, &result);
        g_assert_cmpint (result.status, ==, EXIT_OK);
        g_assert_cmpstr (result.err, ==, "");
        node = parse_json (result.out);
        g_assert_true (JSON_NODE_HOLDS_OBJECT (node) || JSON_NODE_HOLDS_ARRAY (node));
      }
  }

  /* a change prints the object as it is now */
  {
    const char *const changes[][4] = {
      { "attach", id, INSTANCE_A, "/dev/vdb" },
      { "detach", id, NULL },
      { "extend", id, "20M", NULL },
    };

    for (guint i = 0; i < G_N_ELEMENTS (changes); i++)
      {
        g_autoptr(GPtrArray) args = g_ptr_array_new ();
        g_auto(Result) result = { 0, };
        g_autoptr(JsonParser) parser = json_parser_new ();
        JsonObject *object;

        g_ptr_array_add (args, (gpointer) "--json");
        for (guint j = 0; j < G_N_ELEMENTS (changes[i]) && changes[i][j] != NULL; j++)
          g_ptr_array_add (args, (gpointer) changes[i][j]);
        run_ctlv (fx, UTF8_LOCALE, args, &result);
        g_assert_cmpint (result.status, ==, EXIT_OK);
        g_assert_cmpstr (result.err, ==, "");
        g_assert_true (json_parser_load_from_data (parser, result.out, -1, NULL));
        object = json_node_get_object (json_parser_get_root (parser));
        g_assert_cmpstr (json_object_get_string_member (object, "Id"), ==, id);
      }
  }

  /* the ones whose object goes (or that change nothing of it) stay silent */
  {
    const char *const silent[][4] = {
      { "disconnect", id, "--initiator", "iqn.x" },
      { "delete", snap_id, NULL },
      { "delete", clone_id, NULL },
    };

    for (guint i = 0; i < G_N_ELEMENTS (silent); i++)
      {
        g_autoptr(GPtrArray) args = g_ptr_array_new ();
        g_auto(Result) result = { 0, };

        g_ptr_array_add (args, (gpointer) "--json");
        for (guint j = 0; j < G_N_ELEMENTS (silent[i]) && silent[i][j] != NULL; j++)
          g_ptr_array_add (args, (gpointer) silent[i][j]);
        run_ctlv (fx, UTF8_LOCALE, args, &result);
        g_assert_cmpint (result.status, ==, EXIT_OK);
        g_assert_cmpstr (result.out, ==, "");
        g_assert_cmpstr (result.err, ==, "");
      }
  }

  /* an error: plain text on stderr, nothing on stdout */
  err = ctl_fails (fx, EXIT_FAILED, "--json", "show", "11111111-2222-4333-8444-555555555555", NULL);
  g_assert_null (strchr (err, '{'));
}

/* ---- authentication ---------------------------------------------------- */

/* a private bus in the system bus's place, with no daemon on it: the
 * tests put python-dbusmock services there */
static void
fixture_setup_fake (Fixture *fx, gconstpointer data)
{
  fx->system_bus = TRUE;
  fx->dir = test_make_tmp_dir ("nova-volume-cli-XXXXXX");
  fx->log_path = g_build_filename (fx->dir, "dbusmock.log", NULL);
  bus_start (fx);
  fx->connection = bus_connect (fx);
}

static gboolean
have_dbusmock (void)
{
  const char *argv[] = { "/usr/bin/python3", "-c", "import dbusmock", NULL };
  int status = -1;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, &status, NULL))
    return FALSE;
  return g_spawn_check_wait_status (status, NULL);
}

static gboolean
has_owner (Fixture *fx, const char *name)
{
  g_autoptr(GVariant) reply =
    g_dbus_connection_call_sync (fx->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                 "org.freedesktop.DBus", "NameHasOwner", g_variant_new ("(s)", name),
                                 G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  gboolean owned = FALSE;

  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

/* python-dbusmock with @template (a name or a path) on the fixture's bus;
 * returns once @name is owned */
static GSubprocess *
mock_start (Fixture *fx, const char *template, const char *parameters, const char *name)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                                                       | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GError) error = NULL;
  GSubprocess *mock;
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  g_subprocess_launcher_setenv (launcher, "DBUS_SYSTEM_BUS_ADDRESS", fx->bus_address, TRUE);
  if (parameters != NULL)
    mock = g_subprocess_launcher_spawn (launcher, &error, "/usr/bin/python3", "-m", "dbusmock", "--system",
                                        "-l", fx->log_path, "-t", template, "-p", parameters, NULL);
  else
    mock = g_subprocess_launcher_spawn (launcher, &error, "/usr/bin/python3", "-m", "dbusmock", "--system",
                                        "-l", fx->log_path, "-t", template, NULL);
  g_assert_no_error (error);
  while (!has_owner (fx, name))
    {
      if (g_subprocess_get_identifier (mock) == NULL || g_get_monotonic_time () > deadline)
        {
          print_daemon_log (fx);
          g_error ("dbusmock %s did not take %s", template, name);
        }
      g_usleep (20 * 1000);
    }
  return mock;
}

static void
mock_stop (GSubprocess *mock)
{
  g_subprocess_send_signal (mock, SIGTERM);
  wait_or_kill (mock, "dbusmock");
  g_object_unref (mock);
}

/* how often the fake daemon was asked to create a volume */
static guint
create_calls (Fixture *fx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (fx, MANAGER_PATH, "org.freedesktop.DBus.Mock", "GetMethodCalls",
                                    g_variant_new ("(s)", "CreateVolume"), "(a(tav))", &error);
  g_autoptr(GVariant) calls = NULL;

  g_assert_no_error (error);
  calls = g_variant_get_child_value (reply, 0);
  return (guint) g_variant_n_children (calls);
}

/* The daemon says authenticating would let us in (NotAuthorizedCanObtain).
 * Without a terminal, or with --no-user-interaction, the CLI says what to
 * do and fails; on a terminal it registers polkit's text agent and calls
 * once more. Fakes stand in for nova-volumed and polkitd. */
static void
test_auth_can_obtain (Fixture *fx, gconstpointer data)
{
  g_autofree char *fake = g_test_build_filename (G_TEST_DIST, "fake-nova-volumed.py", NULL);
  RunOptions system_bus = { .system_bus = TRUE };
  GSubprocess *volumed = NULL;
  GSubprocess *polkitd = NULL;

  if (!have_dbusmock ())
    {
      g_test_skip ("python3-dbusmock is not installed for /usr/bin/python3");
      return;
    }
  volumed = mock_start (fx, fake, "{\"refusals\": -1}", BUS_NAME);

  /* no terminal: a clear message, exit 1, one call */
  {
    g_autoptr(GPtrArray) args = g_ptr_array_new ();
    g_auto(Result) result = { 0, };

    g_ptr_array_add (args, (gpointer) "create");
    g_ptr_array_add (args, (gpointer) "1G");
    run_ctl_with (fx, &system_bus, args, &result);
    g_assert_cmpint (result.status, ==, EXIT_FAILED);
    g_assert_cmpstr (result.out, ==, "");
    g_assert_true (g_str_has_prefix (result.err, PROGRAM ": Not authorized to call CreateVolume"));
    g_assert_nonnull (strstr (result.err, "Run it from a terminal to authenticate"));
    g_assert_nonnull (strstr (result.err, "ask your administrator for the "
                                          "org.openstack.volume1.manage-volumes permission"));
    g_assert_nonnull (strstr (result.err, "(NotAuthorizedCanObtain)"));
    g_assert_null (strstr (result.err, "GDBus.Error"));
    g_assert_cmpuint (create_calls (fx), ==, 1);
  }

  /* --no-user-interaction: the same, and it says what stood in the way;
   * even on a terminal nothing is asked */
  {
    g_autoptr(GPtrArray) args = g_ptr_array_new ();
    g_auto(Pty) pty = { 0 };

    g_ptr_array_add (args, (gpointer) "--no-user-interaction");
    g_ptr_array_add (args, (gpointer) "create");
    g_ptr_array_add (args, (gpointer) "1G");
    pty_spawn (&pty, fx, &system_bus, TABLE_WIDTH, args);
    g_assert_cmpint (pty_wait (&pty), ==, EXIT_FAILED);
    g_assert_nonnull (strstr (pty.output->str, "without --no-user-interaction"));
    g_assert_cmpuint (create_calls (fx), ==, 2);
  }

  /* a terminal: polkit's agent for this process, then one more call */
  polkitd = mock_start (fx, "polkitd", NULL, "org.freedesktop.PolicyKit1");
  /* the template registers agents but cannot unregister them */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply =
      g_dbus_connection_call_sync (fx->connection, "org.freedesktop.PolicyKit1",
                                   "/org/freedesktop/PolicyKit1/Authority", "org.freedesktop.DBus.Mock",
                                   "AddMethod",
                                   g_variant_new ("(sssss)", "org.freedesktop.PolicyKit1.Authority",
                                                  "UnregisterAuthenticationAgent", "(sa{sv})s", "", ""),
                                   NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);

    g_assert_no_error (error);
  }
  {
    g_autoptr(GPtrArray) args = g_ptr_array_new ();
    g_auto(Pty) pty = { 0 };

    g_ptr_array_add (args, (gpointer) "create");
    g_ptr_array_add (args, (gpointer) "1G");
    pty_spawn (&pty, fx, &system_bus, TABLE_WIDTH, args);
    /* the fake refuses every call: the second refusal is the last word */
    g_assert_cmpint (pty_wait (&pty), ==, EXIT_FAILED);
    g_assert_true (g_str_has_prefix (pty.output->str, PROGRAM ": Not authorized"));
    g_assert_nonnull (strstr (pty.output->str, "Authentication did not succeed"));
    g_assert_cmpuint (create_calls (fx), ==, 4);
  }
  mock_stop (volumed);

  /* refused once, then let in: the volume is made */
  volumed = mock_start (fx, fake, "{\"refusals\": 1}", BUS_NAME);
  {
    g_autoptr(GPtrArray) args = g_ptr_array_new ();
    g_auto(Pty) pty = { 0 };

    g_ptr_array_add (args, (gpointer) "create");
    g_ptr_array_add (args, (gpointer) "1G");
    pty_spawn (&pty, fx, &system_bus, TABLE_WIDTH, args);
    g_assert_cmpint (pty_wait (&pty), ==, EXIT_OK);
    g_assert_cmpstr (pty.output->str, ==, "7e57c0de-0000-4000-8000-000000000001\n");
    g_assert_cmpuint (create_calls (fx), ==, 2);
  }
  mock_stop (volumed);
  mock_stop (polkitd);
}

/* ---- mistakes ----------------------------------------------------------- */

static void
test_mistakes (Fixture *fx, gconstpointer data)
{
  g_autofree char *out = ctl_ok (fx, "create", "1M", "--name", "data", NULL);
  g_autofree char *id = printed_id (out);
  g_autofree char *err = NULL;

  /* a typo, a prefix, another tool's word */
  err = ctl_fails (fx, EXIT_USAGE, "lsit", NULL);
  g_assert_nonnull (strstr (err, "did you mean “list”?"));
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_USAGE, "snap", id, NULL);
  g_assert_nonnull (strstr (err, "did you mean “snapshot”?"));
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_USAGE, "rm", id, NULL);
  g_assert_nonnull (strstr (err, "did you mean “delete”?"));
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_USAGE, "help", "extnd", NULL);
  g_assert_nonnull (strstr (err, "did you mean “extend”?"));
  g_clear_pointer (&err, g_free);
  /* nothing close: no guess */
  err = ctl_fails (fx, EXIT_USAGE, "frobnicate", NULL);
  g_assert_null (strstr (err, "did you mean"));
  g_clear_pointer (&err, g_free);

  /* which arguments are missing, which one is too many */
  err = ctl_fails (fx, EXIT_USAGE, "attach", id, NULL);
  g_assert_nonnull (strstr (err, "missing arguments INSTANCE MOUNTPOINT"));
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_USAGE, "attach", id, INSTANCE_A, NULL);
  g_assert_nonnull (strstr (err, "missing argument MOUNTPOINT"));
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_USAGE, "extend", NULL);
  g_assert_nonnull (strstr (err, "missing arguments ID SIZE"));
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_USAGE, "delete", id, "extra", NULL);
  g_assert_nonnull (strstr (err, "unexpected argument “extra”"));
  g_clear_pointer (&err, g_free);

  /* a size: why not, and the forms there are */
  err = ctl_fails (fx, EXIT_USAGE, "extend", id, "ten", NULL);
  g_assert_nonnull (strstr (err, "ten"));
  g_assert_nonnull (strstr (err, "512M"));
  g_assert_nonnull (strstr (err, "10G"));
  g_clear_pointer (&err, g_free);

  /* a name, or the start of an ID, where the ID goes: the object it
   * stands for; one that stands for several says which */
  {
    g_autofree char *prefix = g_strndup (id, 8);
    g_autofree char *upper = g_ascii_strup (id, -1);
    g_autofree char *by_name = ctl_ok (fx, "show", "data", NULL);
    g_autofree char *by_prefix = ctl_ok (fx, "show", prefix, NULL);
    g_autofree char *by_upper = ctl_ok (fx, "show", upper, NULL);
    g_autofree char *twin = NULL, *twin_out = ctl_ok (fx, "create", "1M", "--name", "data", NULL);

    g_assert_nonnull (strstr (by_name, id));
    g_assert_nonnull (strstr (by_prefix, id));
    g_assert_nonnull (strstr (by_upper, id));
    twin = printed_id (twin_out);
    err = ctl_fails (fx, EXIT_FAILED, "show", "data", NULL);
    g_assert_nonnull (strstr (err, "give the whole ID"));
    g_assert_nonnull (strstr (err, id));
    g_assert_nonnull (strstr (err, twin));
    g_clear_pointer (&err, g_free);
    err = ctl_fails (fx, EXIT_FAILED, "show", "no-such-name", NULL);
    g_assert_nonnull (strstr (err, "no volume, snapshot or backup has the ID or name"));
  }
}

/* ---- images ------------------------------------------------------------ */

/* nova-volumectl --session export ID - > @path: stdout into a file */
static void
ctl_export_to_stdout (Fixture *fx, const char *id, const char *path)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GPtrArray) argv = NULL;
  RunOptions opts = { 0 };
  g_auto(GStrv) env = ctl_environ (fx, &opts);
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;

  g_ptr_array_add (args, (gpointer) "export");
  g_ptr_array_add (args, (gpointer) id);
  g_ptr_array_add (args, (gpointer) "-");
  argv = ctl_argv (&opts, args);
  g_subprocess_launcher_set_environ (launcher, env);
  g_subprocess_launcher_set_stdout_file_path (launcher, path);
  process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, EXIT_OK);
  g_assert_cmpstr (err, ==, "");
}

static void
run_tool (const char *const *argv)
{
  g_autoptr(GError) error = NULL;
  int status = -1;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

/* create --image (the CLI opens the file), export to a file, as qcow2,
 * and to stdout; each compared with qemu-img */
static void
test_images (Fixture *fx, gconstpointer data)
{
  g_autofree char *raw = g_build_filename (fx->dir, "disk.raw", NULL);
  g_autofree char *qcow2 = g_build_filename (fx->dir, "disk.qcow2", NULL);
  g_autofree char *out_raw = g_build_filename (fx->dir, "out.raw", NULL);
  g_autofree char *out_qcow2 = g_build_filename (fx->dir, "out.qcow2", NULL);
  g_autofree char *out_stdout = g_build_filename (fx->dir, "out-stdout.raw", NULL);
  g_autofree char *out = NULL, *id = NULL, *id2 = NULL, *err = NULL, *size = NULL;
  g_autofree char *missing = g_build_filename (fx->dir, "missing.raw", NULL);
  g_autofree char *pattern = g_strnfill (4096, 'n');
  g_autoptr(GError) error = NULL;
  g_autofree char *qemu_img = g_find_program_in_path ("qemu-img");

  if (qemu_img == NULL)
    {
      g_test_skip ("no qemu-img (Debian: qemu-utils, which tools/deps.sh installs)");
      return;
    }
  g_file_set_contents (raw, pattern, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (truncate (raw, 4 * 1024 * 1024), ==, 0);
  run_tool ((const char *[]) { "qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw, qcow2, NULL });

  out = ctl_ok (fx, "create", "--image", raw, "--name", "from-raw", NULL);
  id = printed_id (out);
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "create", "--image", qcow2, "--format", "qcow2", NULL);
  id2 = printed_id (out);
  g_clear_pointer (&out, g_free);

  out = ctl_ok (fx, "export", id2, out_raw, NULL);
  g_assert_cmpstr (out, ==, "");
  run_tool ((const char *[]) { "qemu-img", "compare", "-q", "-f", "raw", "-F", "raw", out_raw, raw, NULL });
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "export", id, out_qcow2, "--format", "qcow2", "--compress", NULL);
  run_tool ((const char *[]) { "qemu-img", "compare", "-q", "-f", "qcow2", "-F", "raw", out_qcow2, raw, NULL });
  ctl_export_to_stdout (fx, id, out_stdout);
  run_tool ((const char *[]) { "qemu-img", "compare", "-q", "-f", "raw", "-F", "raw", out_stdout, raw, NULL });

  /* what the CLI says before anything is asked of the daemon */
  err = ctl_fails (fx, EXIT_USAGE, "create", "--format", "qcow2", "1M", NULL);
  g_assert_nonnull (strstr (err, "--format goes with --image"));
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_USAGE, "export", id, out_raw, "--compress", NULL);
  g_assert_nonnull (strstr (err, "--compress goes with --format qcow2"));
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_FAILED, "create", "--image", missing, NULL);
  g_assert_nonnull (strstr (err, "missing.raw"));
  g_clear_pointer (&err, g_free);
  /* and what the daemon says, as it says it */
  err = ctl_fails (fx, EXIT_FAILED, "create", "--image", qcow2, NULL);
  g_assert_nonnull (strstr (err, "is qcow2, not raw"));
  g_clear_pointer (&err, g_free);
  size = g_strdup_printf ("%d", 1024 * 1024);
  err = ctl_fails (fx, EXIT_FAILED, "create", "--image", raw, size, NULL);
  g_assert_nonnull (strstr (err, "smaller than the disk the image holds"));
}

/* ---- backups ------------------------------------------------------------ */

static char *
backup_path (const char *id)
{
  return object_path ("backups", id);
}

/* two chunks of the backup_chunk_size (4 MiB by default) of an 8 MiB
 * volume hold data; a later write changes the second one only */
static const guint64 backed_up_offsets[] = { 0, 5 * MIB };
static const guint64 changed_offsets[] = { 6 * MIB + 7 };

/* the CHUNK bytes of @device at @offset are zeros */
static void
assert_zeros (const char *device, guint64 offset)
{
  static const guint8 zeros[CHUNK] = { 0 };
  guint8 buffer[CHUNK];
  int fd = open (device, O_RDONLY | O_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pread (fd, buffer, CHUNK, (off_t) offset), ==, CHUNK);
  close (fd);
  g_assert_cmpmem (buffer, CHUNK, zeros, CHUNK);
}

/* a backup, the list, an incremental one on it, restores into a new
 * volume and into an existing one, verify, and the order deletes take:
 * a full backup stays while an incremental is made on it, and the
 * daemon's refusal says which */
static void
test_backup_lifecycle (Fixture *fx, gconstpointer data)
{
  static Chunks backed_up = { .offsets = backed_up_offsets, .n_offsets = G_N_ELEMENTS (backed_up_offsets) };
  static Chunks changed = { .offsets = changed_offsets, .n_offsets = G_N_ELEMENTS (changed_offsets) };
  g_autofree char *out = ctl_ok (fx, "create", "8M", "--name", "data", NULL);
  g_autofree char *id = printed_id (out);
  g_autofree char *path = volume_path (id);
  g_autofree char *device = NULL, *full = NULL, *full_path = NULL, *incremental = NULL, *incremental_path = NULL;
  g_autofree char *restored = NULL, *restored_path = NULL, *value = NULL, *err = NULL;
  g_autofree char *full_start = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_auto(GStrv) lines = NULL;
  JsonObject *object;

  device = connect_volume (fx, path);
  write_chunks (device, &backed_up, 1);
  disconnect_volume (fx, path);
  g_clear_pointer (&device, g_free);

  /* backup prints the backup's ID; the volume by its name */
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "backup", "data", "--name", "monday", "--description", "before the change", NULL);
  full = printed_id (out);
  full_path = backup_path (full);
  full_start = g_strndup (full, 8);
  assert_status (fx, full_path, IFACE_BACKUP, "available");
  value = get_string (fx, full_path, IFACE_BACKUP, "Volume");
  g_assert_cmpstr (value, ==, id);
  g_clear_pointer (&value, g_free);
  value = get_string (fx, full_path, IFACE_BACKUP, "Parent");
  g_assert_cmpstr (value, ==, "/");
  g_clear_pointer (&value, g_free);
  assert_status (fx, path, IFACE_VOLUME, "available");

  /* backups: a table with a row for it, a full one ("-" for its parent) */
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "backups", NULL);
  lines = table_lines (out, 0);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  g_assert_true (g_str_has_prefix (lines[0], "ID "));
  {
    static const char *const headers[] = { " NAME ", " VOLUME ", " SIZE ", " STORED ", " STATUS ", " PARENT ",
                                           " CREATED" };
    const char *row = row_starting (lines, full);

    for (gsize i = 0; i < G_N_ELEMENTS (headers); i++)
      g_assert_nonnull (strstr (lines[0], headers[i]));
    g_assert_nonnull (strstr (row, " monday "));
    g_assert_nonnull (strstr (row, id));
    g_assert_nonnull (strstr (row, " 8.0 MiB "));
    g_assert_nonnull (strstr (row, " available - "));
  }
  g_clear_pointer (&lines, g_strfreev);

  /* backups --json: every property, null for no parent */
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "backups", "--json", NULL);
  root = parse_json (out);
  object = find_in_list (root, full);
  g_assert_nonnull (object);
  g_assert_cmpstr (json_object_get_string_member (object, "Type"), ==, "backup");
  g_assert_cmpstr (json_object_get_string_member (object, "ObjectPath"), ==, full_path);
  g_assert_cmpstr (json_object_get_string_member (object, "Volume"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (object, "Name"), ==, "monday");
  g_assert_cmpstr (json_object_get_string_member (object, "Description"), ==, "before the change");
  g_assert_cmpint (json_object_get_int_member (object, "Size"), ==, 8 * MIB);
  g_assert_cmpint (json_object_get_int_member (object, "StoredBytes"), >, 0);
  g_assert_cmpstr (json_object_get_string_member (object, "Status"), ==, "available");
  g_assert_true (json_object_get_null_member (object, "Parent"));
  g_clear_pointer (&root, json_node_unref);

  /* an incremental one after a change: its parent is the full one */
  device = connect_volume (fx, path);
  write_chunks (device, &changed, 2);
  disconnect_volume (fx, path);
  g_clear_pointer (&device, g_free);
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "backup", id, "--incremental", "--name", "tuesday", NULL);
  incremental = printed_id (out);
  g_assert_cmpstr (incremental, !=, full);
  incremental_path = backup_path (incremental);
  assert_status (fx, incremental_path, IFACE_BACKUP, "available");
  value = get_string (fx, incremental_path, IFACE_BACKUP, "Parent");
  g_assert_cmpstr (value, ==, full_path);
  g_clear_pointer (&value, g_free);
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "backups", NULL);
  lines = table_lines (out, 0);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  /* oldest first; the parent by the start of its ID */
  g_assert_true (g_str_has_prefix (lines[1], full));
  g_assert_true (g_str_has_prefix (lines[2], incremental));
  {
    g_autofree char *parent_cell = g_strdup_printf (" available %s ", full_start);

    g_assert_nonnull (strstr (lines[2], " tuesday "));
    g_assert_nonnull (strstr (lines[2], parent_cell));
  }
  g_clear_pointer (&lines, g_strfreev);

  /* show takes a backup's ID or name too */
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "show", "tuesday", NULL);
  g_assert_nonnull (strstr (out, incremental_path));
  g_assert_nonnull (strstr (out, "org.openstack.Volume1.Backup"));
  value = printed_value (out, "Parent");
  g_assert_cmpstr (value, ==, full);
  g_clear_pointer (&value, g_free);
  value = printed_value (out, "Size");
  g_assert_cmpstr (value, ==, "8.0 MiB (8388608 bytes)");
  g_clear_pointer (&value, g_free);
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "--json", "show", incremental, NULL);
  root = parse_json (out);
  object = json_node_get_object (root);
  g_assert_cmpstr (json_object_get_string_member (object, "Type"), ==, "backup");
  g_assert_cmpstr (json_object_get_string_member (object, "Parent"), ==, full_path);
  g_clear_pointer (&root, json_node_unref);

  /* restore into a new volume: its ID, the bytes as they were at the
   * incremental backup */
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "restore", "tuesday", "--name", "restored", NULL);
  restored = printed_id (out);
  g_assert_cmpstr (restored, !=, id);
  restored_path = volume_path (restored);
  assert_status (fx, restored_path, IFACE_VOLUME, "available");
  g_assert_cmpuint (get_uint64 (fx, restored_path, IFACE_VOLUME, "Size"), ==, 8 * MIB);
  value = get_string (fx, restored_path, IFACE_VOLUME, "Name");
  g_assert_cmpstr (value, ==, "restored");
  g_clear_pointer (&value, g_free);
  device = connect_volume (fx, restored_path);
  assert_chunks (device, &backed_up);
  assert_chunks (device, &changed);
  disconnect_volume (fx, restored_path);
  g_clear_pointer (&device, g_free);

  /* restore --to a volume: the full backup's bytes, its name kept,
   * nothing printed */
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "restore", full, "--to", "restored", NULL);
  g_assert_cmpstr (out, ==, "");
  assert_status (fx, restored_path, IFACE_VOLUME, "available");
  value = get_string (fx, restored_path, IFACE_VOLUME, "Name");
  g_assert_cmpstr (value, ==, "restored");
  g_clear_pointer (&value, g_free);
  device = connect_volume (fx, restored_path);
  assert_chunks (device, &backed_up);
  assert_zeros (device, changed_offsets[0]);
  disconnect_volume (fx, restored_path);
  g_clear_pointer (&device, g_free);
  /* a name is for a new volume */
  err = ctl_fails (fx, EXIT_USAGE, "restore", full, "--to", restored, "--name", "other", NULL);
  g_assert_nonnull (strstr (err, "--name"));
  g_clear_pointer (&err, g_free);

  /* verify: whole */
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "backup-verify", incremental, NULL);
  {
    g_autofree char *chunks = printed_value (out, "chunks");
    g_autofree char *missing = printed_value (out, "missing");
    g_autofree char *damaged = printed_value (out, "damaged");
    g_autofree char *ok = printed_value (out, "ok");

    g_assert_cmpuint (g_ascii_strtoull (chunks, NULL, 10), >, 0);
    g_assert_cmpstr (missing, ==, "0");
    g_assert_cmpstr (damaged, ==, "0");
    g_assert_cmpstr (ok, ==, "yes");
    g_assert_null (strstr (out, "problem"));
  }
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "--json", "backup-verify", "monday", NULL);
  root = parse_json (out);
  object = json_node_get_object (root);
  g_assert_cmpstr (json_object_get_string_member (object, "Id"), ==, full);
  g_assert_true (json_object_get_boolean_member (object, "ok"));
  g_assert_cmpint (json_object_get_int_member (object, "missing"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (object, "damaged"), ==, 0);
  g_clear_pointer (&root, json_node_unref);

  /* import-backups: both known already; a file that is no manifest is
   * skipped, with the reason */
  {
    g_autofree char *stray = g_build_filename (fx->state_dir, "backups", "backups", "notes.txt", NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *imported = NULL, *known = NULL, *skipped = NULL;

    g_file_set_contents (stray, "not a backup\n", -1, &error);
    g_assert_no_error (error);
    g_clear_pointer (&out, g_free);
    out = ctl_ok (fx, "import-backups", NULL);
    imported = printed_value (out, "imported");
    known = printed_value (out, "known");
    skipped = printed_value (out, "skipped");
    g_assert_cmpstr (imported, ==, "0");
    g_assert_cmpstr (known, ==, "2");
    g_assert_true (g_str_has_prefix (skipped, "notes.txt: "));
    g_clear_pointer (&out, g_free);
    out = ctl_ok (fx, "--json", "import-backups", NULL);
    root = parse_json (out);
    object = json_node_get_object (root);
    g_assert_cmpint (json_object_get_int_member (object, "known"), ==, 2);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "skipped")), ==, 1);
    g_clear_pointer (&root, json_node_unref);
    g_assert_cmpint (g_unlink (stray), ==, 0);
  }

  /* the full one has an incremental made on it: the daemon's refusal,
   * naming it */
  err = ctl_fails (fx, EXIT_FAILED, "backup-delete", "monday", NULL);
  g_assert_nonnull (strstr (err, "(Busy)"));
  g_assert_nonnull (strstr (err, full));
  g_assert_nonnull (strstr (err, incremental));
  g_assert_nonnull (strstr (err, "delete them first"));
  assert_status (fx, full_path, IFACE_BACKUP, "available");
  g_clear_pointer (&err, g_free);
  /* delete is for volumes and snapshots: it says which command it is */
  err = ctl_fails (fx, EXIT_FAILED, "delete", full, NULL);
  g_assert_nonnull (strstr (err, "backup-delete"));
  assert_status (fx, full_path, IFACE_BACKUP, "available");

  /* the incremental first, then the full one: nothing printed */
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "backup-delete", incremental, NULL);
  g_assert_cmpstr (out, ==, "");
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "backup-delete", "monday", NULL);
  g_assert_cmpstr (out, ==, "");
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "backups", "--json", NULL);
  root = parse_json (out);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (root)), ==, 0);
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "backups", NULL);
  lines = table_lines (out, 0);
  g_assert_cmpuint (g_strv_length (lines), ==, 1);

  /* the volumes were never the backups' */
  g_free (ctl_ok (fx, "delete", id, NULL));
  g_free (ctl_ok (fx, "delete", restored, NULL));
  assert_no_volumes (fx);
}

/* what a backup can be made of: a snapshot as it is (no --force), an
 * in-use volume only with --force (and the refusal says so in the CLI's
 * terms); an incremental needs a backup to be made on */
static void
test_backup_sources (Fixture *fx, gconstpointer data)
{
  g_autofree char *out = ctl_ok (fx, "create", "1M", "--name", "data", NULL);
  g_autofree char *id = printed_id (out);
  g_autofree char *snapshot = NULL, *from_snapshot = NULL, *in_use = NULL, *err = NULL, *value = NULL;
  g_autofree char *from_snapshot_path = NULL;

  /* nothing to be incremental to yet */
  err = ctl_fails (fx, EXIT_FAILED, "backup", id, "--incremental", NULL);
  g_assert_nonnull (strstr (err, "(InvalidState)"));
  g_assert_nonnull (strstr (err, "full backup first"));
  g_clear_pointer (&err, g_free);

  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "snapshot", id, NULL);
  snapshot = printed_id (out);
  err = ctl_fails (fx, EXIT_FAILED, "backup", snapshot, "--force", NULL);
  g_assert_nonnull (strstr (err, "--force is for an in-use volume"));
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "backup", snapshot, NULL);
  from_snapshot = printed_id (out);
  from_snapshot_path = backup_path (from_snapshot);
  value = get_string (fx, from_snapshot_path, IFACE_BACKUP, "Snapshot");
  g_assert_cmpstr (value, ==, snapshot);
  g_clear_pointer (&value, g_free);
  value = get_string (fx, from_snapshot_path, IFACE_BACKUP, "Volume");
  g_assert_cmpstr (value, ==, id);

  /* in use: --force, as the refusal says */
  g_free (ctl_ok (fx, "attach", id, INSTANCE_A, "/dev/vdb", NULL));
  err = ctl_fails (fx, EXIT_FAILED, "backup", id, NULL);
  g_assert_nonnull (strstr (err, "(InvalidState)"));
  g_assert_nonnull (strstr (err, "use --force to back it up"));
  g_assert_null (strstr (err, "give force"));
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "backup", id, "--force", "--json", NULL);
  {
    g_autoptr(JsonNode) root = parse_json (out);
    JsonObject *object = json_node_get_object (root);

    g_assert_cmpstr (json_object_get_string_member (object, "Type"), ==, "backup");
    g_assert_cmpstr (json_object_get_string_member (object, "Status"), ==, "available");
    g_assert_cmpstr (json_object_get_string_member (object, "Volume"), ==, id);
    in_use = g_strdup (json_object_get_string_member (object, "Id"));
  }
  {
    g_autofree char *path = volume_path (id);

    assert_status (fx, path, IFACE_VOLUME, "in-use");
  }
  g_free (ctl_ok (fx, "backup-delete", in_use, NULL));
  g_free (ctl_ok (fx, "backup-delete", from_snapshot, NULL));
}

/* IDs that name no backup, or something else; arguments missing or too
 * many: a clear message each, a non-zero exit, nothing changed */
static void
test_backup_bad_input (Fixture *fx, gconstpointer data)
{
  static const char *const missing = "11111111-2222-4333-8444-555555555555";
  static const char *const commands[] = { "restore", "backup-delete", "backup-verify" };
  g_autofree char *out = ctl_ok (fx, "create", "1M", "--name", "data", NULL);
  g_autofree char *id = printed_id (out);
  g_autofree char *snapshot = NULL, *backup = NULL, *err = NULL, *before = NULL, *after = NULL;

  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "snapshot", id, NULL);
  snapshot = printed_id (out);
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "backup", id, "--name", "kept", NULL);
  backup = printed_id (out);
  before = fingerprint (fx);

  /* an ID that names nothing: one line naming it */
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      err = ctl_fails (fx, EXIT_FAILED, commands[i], missing, NULL);
      g_assert_nonnull (strstr (err, "no backup has the ID or name"));
      g_assert_nonnull (strstr (err, missing));
      g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);
      g_clear_pointer (&err, g_free);
    }
  err = ctl_fails (fx, EXIT_FAILED, "backup", missing, NULL);
  g_assert_nonnull (strstr (err, "no volume or snapshot has the ID or name"));
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_FAILED, "show", missing, NULL);
  g_assert_nonnull (strstr (err, "no volume, snapshot or backup has the ID or name"));
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_FAILED, "restore", "kept", "--to", missing, NULL);
  g_assert_nonnull (strstr (err, "no volume has the ID or name"));
  g_clear_pointer (&err, g_free);

  /* a volume's or a snapshot's ID where a backup's goes, and the other
   * way round: said as such */
  err = ctl_fails (fx, EXIT_FAILED, "restore", "data", NULL);
  g_assert_nonnull (strstr (err, "is a volume, not a backup"));
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_FAILED, "backup-verify", snapshot, NULL);
  g_assert_nonnull (strstr (err, "is a snapshot, not a backup"));
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_FAILED, "backup", backup, NULL);
  g_assert_nonnull (strstr (err, "is a backup: a backup is made of a volume or a snapshot"));
  g_clear_pointer (&err, g_free);

  /* usage: which argument is missing, which one is too many */
  err = ctl_fails (fx, EXIT_USAGE, "restore", NULL);
  g_assert_nonnull (strstr (err, "missing argument BACKUP"));
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_USAGE, "backup-delete", backup, "extra", NULL);
  g_assert_nonnull (strstr (err, "unexpected argument “extra”"));
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_USAGE, "backups", "extra", NULL);
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_USAGE, "backup", NULL);
  g_clear_pointer (&err, g_free);
  /* a typo, and cinder's word */
  err = ctl_fails (fx, EXIT_USAGE, "backup-verfy", backup, NULL);
  g_assert_nonnull (strstr (err, "did you mean “backup-verify”?"));
  g_clear_pointer (&err, g_free);
  err = ctl_fails (fx, EXIT_USAGE, "backup-list", NULL);
  g_assert_nonnull (strstr (err, "did you mean “backups”?"));

  after = fingerprint (fx);
  g_assert_cmpstr (after, ==, before);
  {
    g_autofree char *path = backup_path (backup);

    assert_status (fx, path, IFACE_BACKUP, "available");
  }
}

/* a chunk damaged in the repository: backup-verify prints the report
 * naming it, says so on stderr and exits with 1 */
static void
test_backup_verify_damaged (Fixture *fx, gconstpointer data)
{
  static Chunks backed_up = { .offsets = backed_up_offsets, .n_offsets = 1 };
  g_autofree char *out = ctl_ok (fx, "create", "8M", NULL);
  g_autofree char *id = printed_id (out);
  g_autofree char *path = volume_path (id);
  g_autofree char *device = connect_volume (fx, path);
  g_autofree char *backup = NULL, *chunk = NULL;
  g_autofree char *chunks_dir = g_build_filename (fx->state_dir, "backups", "chunks", NULL);
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_auto(Result) result = { 0, };

  write_chunks (device, &backed_up, 3);
  disconnect_volume (fx, path);
  g_clear_pointer (&out, g_free);
  out = ctl_ok (fx, "backup", id, NULL);
  backup = printed_id (out);

  /* the one chunk with data: chunks/<2 hex digits>/<sha-256> */
  {
    g_autoptr(GDir) dir = g_dir_open (chunks_dir, 0, NULL);
    const char *name;

    g_assert_nonnull (dir);
    while (chunk == NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *sub = g_build_filename (chunks_dir, name, NULL);
        g_autoptr(GDir) subdir = g_dir_open (sub, 0, NULL);
        const char *file = subdir != NULL ? g_dir_read_name (subdir) : NULL;

        if (file != NULL && file[0] != '.')
          chunk = g_build_filename (sub, file, NULL);
      }
  }
  g_assert_nonnull (chunk);
  {
    int fd = open (chunk, O_WRONLY | O_CLOEXEC);

    g_assert_cmpint (fd, >=, 0);
    g_assert_cmpint (pwrite (fd, "damage", 6, 20), ==, 6);
    close (fd);
  }

  g_ptr_array_add (args, (gpointer) "backup-verify");
  g_ptr_array_add (args, backup);
  run_ctlv (fx, UTF8_LOCALE, args, &result);
  g_assert_cmpint (result.status, ==, EXIT_FAILED);
  {
    g_autofree char *damaged = printed_value (result.out, "damaged");
    g_autofree char *ok = printed_value (result.out, "ok");
    g_autofree char *problem = printed_value (result.out, "problem");

    g_assert_cmpstr (damaged, ==, "1");
    g_assert_cmpstr (ok, ==, "no");
    g_assert_nonnull (strstr (problem, "damaged"));
  }
  g_assert_true (g_str_has_prefix (result.err, PROGRAM ": backup "));
  g_assert_nonnull (strstr (result.err, backup));
  g_assert_nonnull (strstr (result.err, "damaged"));
  g_assert_null (strstr (result.err, "GDBus.Error"));
}

/* a backup on a terminal: a bar on stderr that follows its Job to 100%,
 * then the backup's ID on a line of its own */
static void
test_backup_progress (Fixture *fx, gconstpointer data)
{
  static Chunks backed_up = { .offsets = backed_up_offsets, .n_offsets = G_N_ELEMENTS (backed_up_offsets) };
  RunOptions opts = { 0 };
  g_autofree char *out = ctl_ok (fx, "create", "8M", NULL);
  g_autofree char *id = printed_id (out);
  g_autofree char *path = volume_path (id);
  g_autofree char *device = connect_volume (fx, path);
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_auto(Pty) pty = { 0 };
  const char *last_line;

  write_chunks (device, &backed_up, 4);
  disconnect_volume (fx, path);
  g_ptr_array_add (args, (gpointer) "backup");
  g_ptr_array_add (args, id);
  pty_spawn (&pty, fx, &opts, TABLE_WIDTH, args);
  g_assert_cmpint (pty_wait (&pty), ==, EXIT_OK);
  g_assert_true (g_str_has_prefix (pty.output->str, "\r["));
  g_assert_nonnull (strstr (pty.output->str, "] 100% backup-create 8.0 MiB of 8.0 MiB"));
  g_assert_true (g_str_has_suffix (pty.output->str, "\n"));
  pty.output->str[pty.output->len - 1] = '\0';
  last_line = strrchr (pty.output->str, '\n');
  g_assert_nonnull (last_line);
  g_assert_true (g_uuid_string_is_valid (last_line + 1));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* wcwidth measures the CLI's output as a UTF-8 terminal would */
  if (setlocale (LC_CTYPE, UTF8_LOCALE) == NULL && setlocale (LC_CTYPE, "C.utf8") == NULL)
    g_error ("the %s locale is missing", UTF8_LOCALE);
#define ADD(path, func) \
  g_test_add ("/cli/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("create-list-show", test_create_list_show);
  ADD ("attach-detach", test_attach_detach);
  ADD ("snapshots-and-clones", test_snapshots_and_clones);
  ADD ("connect-extend-export", test_connect_extend_export);
  ADD ("update", test_update);
  ADD ("revert", test_revert);
  ADD ("manage", test_manage);
  ADD ("jobs-cancel-wait", test_jobs_cancel_wait);
  ADD ("monitor", test_monitor);
  ADD ("interrupt", test_interrupt);
  ADD ("stats", test_stats);
  ADD ("usage-errors", test_usage_errors);
  ADD ("not-found", test_not_found);
  ADD ("table-alignment", test_table_alignment);
  ADD ("table-width", test_table_width);
  ADD ("progress-bar", test_progress_bar);
  ADD ("progress-done", test_progress_done);
  ADD ("progress-quiet", test_progress_quiet);
  ADD ("json-everywhere", test_json_everywhere);
  ADD ("mistakes", test_mistakes);
  ADD ("images", test_images);
  ADD ("backup-lifecycle", test_backup_lifecycle);
  ADD ("backup-sources", test_backup_sources);
  ADD ("backup-bad-input", test_backup_bad_input);
  ADD ("backup-verify-damaged", test_backup_verify_damaged);
  ADD ("backup-progress", test_backup_progress);
#undef ADD
  g_test_add ("/cli/auth-can-obtain", Fixture, NULL, fixture_setup_fake, test_auth_can_obtain,
              fixture_teardown);
  return g_test_run ();
}
