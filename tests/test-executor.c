/* nova-volume: tests for NovaVolumeExecutor and NovaVolumeRecordingExecutor */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "nova-volume-error.h"
#include "nova-volume-executor.h"
#include "nova-volume-recording-executor.h"
#include "test-util.h"

/* the real executor, counting the attempts it makes: what "not retried"
 * means, seen from inside */
#define TEST_TYPE_COUNTING_EXECUTOR (test_counting_executor_get_type ())
G_DECLARE_FINAL_TYPE (TestCountingExecutor, test_counting_executor, TEST, COUNTING_EXECUTOR, NovaVolumeExecutor)

struct _TestCountingExecutor {
  NovaVolumeExecutor parent_instance;
  gint               attempts;
};

G_DEFINE_FINAL_TYPE (TestCountingExecutor, test_counting_executor, NOVA_VOLUME_TYPE_EXECUTOR)

static gboolean
test_counting_executor_execute_once (NovaVolumeExecutor  *executor,
                                     const char *const   *argv,
                                     const char *const   *secrets,
                                     GBytes              *stdin_bytes,
                                     GBytes             **out_stdout,
                                     GBytes             **out_stderr,
                                     int                 *out_exit_status,
                                     GError             **error)
{
  TestCountingExecutor *self = TEST_COUNTING_EXECUTOR (executor);

  g_atomic_int_inc (&self->attempts);
  return NOVA_VOLUME_EXECUTOR_CLASS (test_counting_executor_parent_class)->execute_once (
    executor, argv, secrets, stdin_bytes, out_stdout, out_stderr, out_exit_status, error);
}

static void
test_counting_executor_class_init (TestCountingExecutorClass *klass)
{
  NOVA_VOLUME_EXECUTOR_CLASS (klass)->execute_once = test_counting_executor_execute_once;
}

static void
test_counting_executor_init (TestCountingExecutor *self)
{
}

static TestCountingExecutor *
counting_executor_new (guint tries)
{
  TestCountingExecutor *self = g_object_new (TEST_TYPE_COUNTING_EXECUTOR, "tries", tries, NULL);

  /* keep the retries quick */
  nova_volume_executor_set_backoff_ms (NOVA_VOLUME_EXECUTOR (self), 1);
  return self;
}

/* writes an executable shell script: the command under test, not the way
 * the executor runs it */
static char *
scratch_script (TestScratch *scratch, const char *name, const char *body)
{
  g_autofree char *path = test_scratch_path (scratch, name);
  g_autofree char *contents = g_strconcat ("#!/bin/sh\n", body, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, 0755), ==, 0);
  return g_steal_pointer (&path);
}

/* how many lines the counter file has: one per run of the script */
static guint
count_lines (const char *path)
{
  g_autofree char *contents = NULL;
  guint n = 0;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return 0;
  for (const char *p = contents; *p != '\0'; p++)
    if (*p == '\n')
      n++;
  return n;
}

static void
test_true (void)
{
  g_autoptr(TestCountingExecutor) executor = counting_executor_new (3);
  const char *argv[] = { "true", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_true (nova_volume_executor_run (NOVA_VOLUME_EXECUTOR (executor), argv, NULL, &out, &err, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, "");
  g_assert_cmpstr (err, ==, "");
  g_assert_cmpint (executor->attempts, ==, 1);

  /* outputs are optional */
  argv[0] = "/bin/true";
  g_assert_true (nova_volume_executor_run (NOVA_VOLUME_EXECUTOR (executor), argv, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
}

static void
test_false_retried (void)
{
  g_autoptr(TestCountingExecutor) executor = counting_executor_new (3);
  const char *argv[] = { "/bin/false", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  g_assert_false (nova_volume_executor_run (NOVA_VOLUME_EXECUTOR (executor), argv, NULL, &out, NULL, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "/bin/false exited with status 1");
  g_assert_cmpint (executor->attempts, ==, 3);
  g_assert_null (out);
}

static void
test_status_and_stderr (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-executor-XXXXXX");
  g_autofree char *counter = test_scratch_path (scratch, "counter");
  g_autofree char *script = scratch_script (scratch, "fail.sh",
                                            "echo run >> \"$1\"\n"
                                            "echo 'some output' \n"
                                            "echo '  tgtadm: this target already exists  ' >&2\n"
                                            "exit 22\n");
  g_autofree char *expected = g_strdup_printf ("%s exited with status 22: tgtadm: this target already exists", script);
  g_autoptr(NovaVolumeExecutor) executor = nova_volume_executor_new (3);
  const char *argv[] = { script, counter, NULL };
  g_autoptr(GError) error = NULL;

  nova_volume_executor_set_backoff_ms (executor, 1);
  g_assert_cmpuint (nova_volume_executor_get_tries (executor), ==, 3);
  g_assert_false (nova_volume_executor_run (executor, argv, NULL, NULL, NULL, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  /* stderr, trimmed, in the message; stdout is not needed when stderr speaks */
  g_assert_cmpstr (error->message, ==, expected);
  g_assert_cmpuint (count_lines (counter), ==, 3);
}

static void
test_stdout_when_stderr_empty (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-executor-XXXXXX");
  g_autofree char *script = scratch_script (scratch, "quiet.sh", "echo 'explained on stdout'\nexit 2\n");
  g_autofree char *expected = g_strdup_printf ("%s exited with status 2: explained on stdout", script);
  g_autoptr(NovaVolumeExecutor) executor = nova_volume_executor_new (1);
  const char *argv[] = { script, NULL };
  g_autoptr(GError) error = NULL;

  g_assert_false (nova_volume_executor_run (executor, argv, NULL, NULL, NULL, &error));
  g_assert_cmpstr (error->message, ==, expected);
}

static void
test_stderr_tail (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-executor-XXXXXX");
  /* 5000 'x' then the line that explains */
  g_autofree char *script = scratch_script (scratch, "chatty.sh",
                                            "i=0\n"
                                            "while [ $i -lt 100 ]; do\n"
                                            "  printf '%050d\\n' 0 >&2\n"
                                            "  i=$((i + 1))\n"
                                            "done\n"
                                            "echo 'the real reason' >&2\n"
                                            "exit 5\n");
  g_autoptr(NovaVolumeExecutor) executor = nova_volume_executor_new (1);
  const char *argv[] = { script, NULL };
  g_autoptr(GError) error = NULL;

  g_assert_false (nova_volume_executor_run (executor, argv, NULL, NULL, NULL, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_assert_true (g_str_has_suffix (error->message, "the real reason"));
  /* the last 1000 characters, marked as cut, plus the prefix */
  g_assert_cmpuint (strlen (error->message), <=, strlen (script) + 1000 + 64);
  g_assert_nonnull (strstr (error->message, ": ...0000"));
}

static void
test_retry_then_success (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-executor-XXXXXX");
  g_autofree char *counter = test_scratch_path (scratch, "counter");
  /* fails twice, then works */
  g_autofree char *script = scratch_script (scratch, "flaky.sh",
                                            "echo run >> \"$1\"\n"
                                            "n=$(wc -l < \"$1\")\n"
                                            "if [ \"$n\" -lt 3 ]; then echo busy >&2; exit 1; fi\n"
                                            "echo done\n");
  g_autoptr(TestCountingExecutor) executor = counting_executor_new (3);
  const char *argv[] = { script, counter, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  g_assert_true (nova_volume_executor_run (NOVA_VOLUME_EXECUTOR (executor), argv, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, "done\n");
  g_assert_cmpint (executor->attempts, ==, 3);
  g_assert_cmpuint (count_lines (counter), ==, 3);
}

static void
test_stdout_captured (void)
{
  g_autoptr(NovaVolumeExecutor) executor = nova_volume_executor_new (1);
  const char *argv[] = { "printf", "%s-%s\\n", "one", "two", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_true (nova_volume_executor_run (executor, argv, NULL, &out, &err, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, "one-two\n");
  g_assert_cmpstr (err, ==, "");
}

static void
test_stdin (void)
{
  g_autoptr(NovaVolumeExecutor) executor = nova_volume_executor_new (1);
  const char *argv[] = { "cat", NULL };
  const char *text = "line one\nline two, no newline at the end";
  g_autoptr(GBytes) input = g_bytes_new_static (text, strlen (text));
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *empty = NULL;

  g_assert_true (nova_volume_executor_run (executor, argv, input, &out, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, text);

  /* without stdin bytes the child reads end-of-file, not our stdin */
  g_assert_true (nova_volume_executor_run (executor, argv, NULL, &empty, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (empty, ==, "");
}

static void
test_no_shell (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-executor-XXXXXX");
  g_autofree char *marker = test_scratch_path (scratch, "pwned");
  g_autofree char *nasty = g_strdup_printf ("a b; touch %s; $(touch %s) `touch %s` > %s * | x && y",
                                            marker, marker, marker, marker);
  g_autoptr(NovaVolumeExecutor) executor = nova_volume_executor_new (1);
  const char *argv[] = { "printf", "[%s]\\n", nasty, "$HOME", "", NULL };
  g_autofree char *expected = g_strdup_printf ("[%s]\n[$HOME]\n[]\n", nasty);
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  g_assert_true (nova_volume_executor_run (executor, argv, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  /* every argument arrived as one literal word, and nothing ran */
  g_assert_cmpstr (out, ==, expected);
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
}

static void
test_missing_binary (void)
{
  static const char *const missing[] = {
    "nova-volume-no-such-command",      /* looked up in PATH */
    "/nonexistent/nova-volume/command", /* an absolute path */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (missing); i++)
    {
      g_autoptr(TestCountingExecutor) executor = counting_executor_new (3);
      const char *argv[] = { missing[i], "--help", NULL };
      g_autofree char *prefix = g_strdup_printf ("cannot run %s: ", missing[i]);
      g_autoptr(GError) error = NULL;
      int status = -1;

      g_assert_false (nova_volume_executor_run (NOVA_VOLUME_EXECUTOR (executor), argv, NULL, NULL, NULL, &error));
      g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
      g_assert_true (g_str_has_prefix (error->message, prefix));
      /* retrying would not make it appear */
      g_assert_cmpint (executor->attempts, ==, 1);
      g_clear_error (&error);

      g_assert_false (nova_volume_executor_run_once (NOVA_VOLUME_EXECUTOR (executor), argv, NULL,
                                                     NULL, NULL, &status, &error));
      g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
      g_assert_true (g_str_has_prefix (error->message, prefix));
      g_assert_cmpint (status, ==, -1);
    }
}

static void
test_not_executable (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-executor-XXXXXX");
  g_autofree char *script = scratch_script (scratch, "noexec.sh", "exit 0\n");
  g_autoptr(TestCountingExecutor) executor = counting_executor_new (3);
  const char *argv[] = { script, NULL };
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_chmod (script, 0644), ==, 0);
  g_assert_false (nova_volume_executor_run (NOVA_VOLUME_EXECUTOR (executor), argv, NULL, NULL, NULL, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_assert_true (g_str_has_prefix (error->message, "cannot run "));
  g_assert_cmpint (executor->attempts, ==, 1);
}

static void
test_run_once (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-executor-XXXXXX");
  g_autofree char *counter = test_scratch_path (scratch, "counter");
  g_autofree char *script = scratch_script (scratch, "refuse.sh",
                                            "echo run >> \"$1\"\n"
                                            "echo 'out'\n"
                                            "echo 'err' >&2\n"
                                            "exit 22\n");
  g_autoptr(NovaVolumeExecutor) executor = nova_volume_executor_new (3);
  const char *argv[] = { script, counter, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = -1;

  /* it ran: TRUE, whatever the exit status; and only once */
  g_assert_true (nova_volume_executor_run_once (executor, argv, NULL, &out, &err, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 22);
  g_assert_cmpstr (out, ==, "out\n");
  g_assert_cmpstr (err, ==, "err\n");
  g_assert_cmpuint (count_lines (counter), ==, 1);
}

static void
test_killed_by_signal (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-executor-XXXXXX");
  g_autofree char *script = scratch_script (scratch, "killed.sh", "kill -9 $$\n");
  g_autoptr(NovaVolumeExecutor) executor = nova_volume_executor_new (1);
  const char *argv[] = { script, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = g_strdup_printf ("%s exited with status 137", script);
  int status = -1;

  g_assert_true (nova_volume_executor_run_once (executor, argv, NULL, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 128 + 9);

  g_assert_false (nova_volume_executor_run (executor, argv, NULL, NULL, NULL, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, expected);
}

static void
test_empty_argv (void)
{
  g_autoptr(NovaVolumeExecutor) executor = nova_volume_executor_new (1);
  const char *argv[] = { NULL };
  g_autoptr(GError) error = NULL;

  g_test_expect_message ("nova-volume", G_LOG_LEVEL_CRITICAL, "*argv*");
  g_assert_false (nova_volume_executor_run (executor, argv, NULL, NULL, NULL, &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);

  g_test_expect_message ("nova-volume", G_LOG_LEVEL_CRITICAL, "*argv*");
  g_assert_false (nova_volume_executor_run_once (executor, NULL, NULL, NULL, NULL, NULL, &error));
  g_test_assert_expected_messages ();
}

static void
test_tries (void)
{
  g_autoptr(NovaVolumeExecutor) executor = nova_volume_executor_new (5);
  g_autoptr(NovaVolumeRecordingExecutor) recording = nova_volume_recording_executor_new ();
  guint tries = 0;

  g_assert_cmpuint (nova_volume_executor_get_tries (executor), ==, 5);
  nova_volume_executor_set_tries (executor, 1);
  g_assert_cmpuint (nova_volume_executor_get_tries (executor), ==, 1);
  g_object_get (executor, "tries", &tries, NULL);
  g_assert_cmpuint (tries, ==, 1);

  /* zero attempts would mean never running anything */
  g_test_expect_message ("nova-volume", G_LOG_LEVEL_CRITICAL, "*tries*");
  nova_volume_executor_set_tries (executor, 0);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (nova_volume_executor_get_tries (executor), ==, 1);

  /* the recording executor answers each command once unless told otherwise */
  g_assert_cmpuint (nova_volume_executor_get_tries (NOVA_VOLUME_EXECUTOR (recording)), ==, 1);
}

typedef struct {
  const char *input;
  const char *line;
} FormatCase;

static void
test_format_argv (void)
{
  static const FormatCase cases[] = {
    { "tgtadm", "tgtadm" },
    { "--lld", "--lld" },
    { "iqn.2010-10.org.openstack:volume-0001", "iqn.2010-10.org.openstack:volume-0001" },
    { "/dev/nova-volumes/volume-1", "/dev/nova-volumes/volume-1" },
    { "size=10G,thin", "size=10G,thin" },
    { "a b", "'a b'" },
    { "", "''" },
    { "it's", "'it'\\''s'" },
    { "a;b", "'a;b'" },
    { "$(x)", "'$(x)'" },
    { "`x`", "'`x`'" },
    { "*", "'*'" },
    { "a|b", "'a|b'" },
    { "a&b", "'a&b'" },
    { "x>y", "'x>y'" },
    { "~root", "'~root'" },
    { "tab\there", "'tab\there'" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *argv[] = { cases[i].input, NULL };
      g_autofree char *line = nova_volume_executor_format_argv (argv);

      g_assert_cmpstr (line, ==, cases[i].line);
    }

  {
    const char *argv[] = { "tgtadm", "--lld", "iscsi", "--op", "new", "--targetname", "a b", NULL };
    g_autofree char *line = nova_volume_executor_format_argv (argv);

    g_assert_cmpstr (line, ==, "tgtadm --lld iscsi --op new --targetname 'a b'");
  }
}

static gpointer
run_echo_thread (gpointer data)
{
  NovaVolumeExecutor *executor = data;

  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *word = g_strdup_printf ("word-%p-%u", (void *) g_thread_self (), i);
      g_autofree char *expected = g_strconcat (word, "\n", NULL);
      const char *argv[] = { "echo", word, NULL };
      g_autoptr(GError) error = NULL;
      g_autofree char *out = NULL;

      g_assert_true (nova_volume_executor_run (executor, argv, NULL, &out, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (out, ==, expected);
    }
  return NULL;
}

static void
test_threads (void)
{
  g_autoptr(NovaVolumeExecutor) executor = nova_volume_executor_new (3);
  GThread *threads[8];

  /* drivers run commands from many worker threads at once */
  for (gsize i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("runner", run_echo_thread, executor);
  for (gsize i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
}

static void
test_recording_records (void)
{
  g_autoptr(NovaVolumeRecordingExecutor) recording = nova_volume_recording_executor_new ();
  NovaVolumeExecutor *executor = NOVA_VOLUME_EXECUTOR (recording);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) commands = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) argv = g_new0 (char *, 4);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *second[] = { "lvcreate", "-L", "1G", "-n", "volume 1", "nova-volumes", NULL };

  argv[0] = g_strdup ("tgtadm");
  argv[1] = g_strdup ("--op");
  argv[2] = g_strdup ("show");

  /* nothing scripted: success with no output, and nothing is run */
  g_assert_true (nova_volume_executor_run (executor, (const char *const *) argv, NULL, &out, &err, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, "");
  g_assert_cmpstr (err, ==, "");

  /* a deep copy was kept: the caller's argv may change or go */
  g_free (argv[2]);
  argv[2] = g_strdup ("changed");

  g_assert_true (nova_volume_executor_run (executor, second, NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  commands = nova_volume_recording_executor_get_commands (recording);
  g_assert_cmpuint (commands->len, ==, 2);
  g_assert_cmpuint (g_strv_length (g_ptr_array_index (commands, 0)), ==, 3);
  g_assert_cmpstr (((char **) g_ptr_array_index (commands, 0))[2], ==, "show");
  g_assert_true (g_strv_equal (g_ptr_array_index (commands, 1), (const char *const *) second));

  lines = nova_volume_recording_executor_get_command_lines (recording);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  g_assert_cmpstr (lines[0], ==, "tgtadm --op show");
  g_assert_cmpstr (lines[1], ==, "lvcreate -L 1G -n 'volume 1' nova-volumes");

  nova_volume_recording_executor_clear (recording);
  g_clear_pointer (&commands, g_ptr_array_unref);
  commands = nova_volume_recording_executor_get_commands (recording);
  g_assert_cmpuint (commands->len, ==, 0);
}

static void
test_recording_script (void)
{
  g_autoptr(NovaVolumeRecordingExecutor) recording = nova_volume_recording_executor_new ();
  NovaVolumeExecutor *executor = NOVA_VOLUME_EXECUTOR (recording);
  const char *argv[] = { "dog", "vdi", "list", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) commands = NULL;
  int status = -1;

  nova_volume_recording_executor_push_result (recording, 2, NULL, "  no such vdi \n");
  nova_volume_recording_executor_push_result (recording, 0, "vdi-1\n", NULL);
  nova_volume_recording_executor_push_result (recording, 22, "o", "e");

  /* first in, first out */
  {
    g_autofree char *out = NULL;

    g_assert_false (nova_volume_executor_run (executor, argv, NULL, &out, NULL, &error));
    g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
    g_assert_cmpstr (error->message, ==, "dog exited with status 2: no such vdi");
    g_assert_null (out);
    g_clear_error (&error);
  }
  {
    g_autofree char *out = NULL;

    g_assert_true (nova_volume_executor_run (executor, argv, NULL, &out, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (out, ==, "vdi-1\n");
  }
  {
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;

    g_assert_true (nova_volume_executor_run_once (executor, argv, NULL, &out, &err, &status, &error));
    g_assert_no_error (error);
    g_assert_cmpint (status, ==, 22);
    g_assert_cmpstr (out, ==, "o");
    g_assert_cmpstr (err, ==, "e");
  }
  /* the script is used up: success again */
  g_assert_true (nova_volume_executor_run_once (executor, argv, NULL, NULL, NULL, &status, &error));
  g_assert_cmpint (status, ==, 0);

  /* with retries, each attempt takes the next scripted answer */
  nova_volume_executor_set_tries (executor, 3);
  nova_volume_recording_executor_clear (recording);
  nova_volume_recording_executor_push_result (recording, 1, NULL, "busy");
  nova_volume_recording_executor_push_result (recording, 1, NULL, "busy");
  nova_volume_recording_executor_push_result (recording, 0, "finally", NULL);
  {
    g_autofree char *out = NULL;

    g_assert_true (nova_volume_executor_run (executor, argv, NULL, &out, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (out, ==, "finally");
  }
  commands = nova_volume_recording_executor_get_commands (recording);
  g_assert_cmpuint (commands->len, ==, 3);
}

/* a responder for test_recording_responder: answers "dog" with the
 * argv it saw, leaves everything else alone */
typedef struct {
  guint  calls;
  guint  destroyed;
  char  *last;
} ResponderState;

static gboolean
echo_responder (const char *const *argv, int *out_exit_status, char **out_stdout, char **out_stderr,
                gpointer user_data)
{
  ResponderState *state = user_data;

  state->calls++;
  g_free (state->last);
  state->last = g_strjoinv (" ", (char **) argv);
  if (!g_str_equal (argv[0], "dog"))
    return FALSE;
  *out_exit_status = 3;
  *out_stdout = g_strdup (state->last);
  *out_stderr = NULL;
  return TRUE;
}

static void
responder_state_destroy (gpointer data)
{
  ((ResponderState *) data)->destroyed++;
}

/* the responder answers what the script does not, sees secrets masked,
 * and goes with the executor */
static void
test_recording_responder (void)
{
  NovaVolumeRecordingExecutor *recording = nova_volume_recording_executor_new ();
  NovaVolumeExecutor *executor = NOVA_VOLUME_EXECUTOR (recording);
  const char *dog[] = { "dog", "vdi", "create", "s3cret", NULL };
  const char *const secrets[] = { "s3cret", NULL };
  const char *other[] = { "lvs", NULL };
  ResponderState state = { 0 };
  g_autoptr(GError) error = NULL;
  int status = -1;

  nova_volume_recording_executor_set_responder (recording, echo_responder, &state, responder_state_destroy);

  /* a scripted result comes first, without asking the responder */
  nova_volume_recording_executor_push_result (recording, 0, "scripted", NULL);
  {
    g_autofree char *out = NULL;

    g_assert_true (nova_volume_executor_run_once (executor, dog, NULL, &out, NULL, &status, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (out, ==, "scripted");
    g_assert_cmpuint (state.calls, ==, 0);
  }
  /* then the responder, with the recorded (masked) argv */
  {
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;

    g_assert_false (nova_volume_executor_run_secret (executor, dog, secrets, NULL, &out, &err, &error));
    g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
    g_assert_null (strstr (error->message, "s3cret"));
    g_clear_error (&error);
    g_assert_cmpuint (state.calls, ==, 1);
    g_assert_cmpstr (state.last, ==, "dog vdi create ********");
  }
  /* a command it does not answer succeeds with no output */
  {
    g_autofree char *out = NULL;

    g_assert_true (nova_volume_executor_run_once (executor, other, NULL, &out, NULL, &status, &error));
    g_assert_no_error (error);
    g_assert_cmpint (status, ==, 0);
    g_assert_cmpstr (out, ==, "");
    g_assert_cmpuint (state.calls, ==, 2);
  }

  /* replaced: the old data is freed */
  nova_volume_recording_executor_set_responder (recording, echo_responder, &state, responder_state_destroy);
  g_assert_cmpuint (state.destroyed, ==, 1);
  g_object_unref (recording);
  g_assert_cmpuint (state.destroyed, ==, 2);
  g_free (state.last);
}

static void
test_recording_log (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-executor-XXXXXX");
  g_autofree char *log = test_scratch_path (scratch, "commands.log");
  g_autofree char *bad_log = g_build_filename (scratch->dir, "no-such-dir", "commands.log", NULL);
  g_autoptr(NovaVolumeRecordingExecutor) recording = nova_volume_recording_executor_new ();
  NovaVolumeExecutor *executor = NOVA_VOLUME_EXECUTOR (recording);
  const char *first[] = { "tgtadm", "--op", "new", NULL };
  const char *second[] = { "tgt-admin", "--delete", "iqn.2010-10.org.openstack:volume 1", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *after = NULL;
  g_autofree char *prefix = NULL;

  nova_volume_recording_executor_set_log_path (recording, log);
  g_assert_true (nova_volume_executor_run (executor, first, NULL, NULL, NULL, &error));
  g_assert_true (nova_volume_executor_run (executor, second, NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  /* appended each time, so another process can read it as it grows */
  g_file_get_contents (log, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==,
                   "tgtadm --op new\n"
                   "tgt-admin --delete 'iqn.2010-10.org.openstack:volume 1'\n");

  /* the log survives being removed between commands */
  g_assert_cmpint (g_unlink (log), ==, 0);
  g_assert_true (nova_volume_executor_run (executor, first, NULL, NULL, NULL, &error));
  g_file_get_contents (log, &after, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (after, ==, "tgtadm --op new\n");

  /* a log that cannot be written is an error, not silence */
  nova_volume_recording_executor_set_log_path (recording, bad_log);
  g_assert_false (nova_volume_executor_run (executor, first, NULL, NULL, NULL, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  prefix = g_strdup_printf ("cannot run tgtadm: cannot open command log %s", bad_log);
  g_assert_true (g_str_has_prefix (error->message, prefix));
  g_clear_error (&error);

  /* NULL turns the log off */
  nova_volume_recording_executor_set_log_path (recording, NULL);
  g_assert_true (nova_volume_executor_run (executor, first, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
}

typedef struct {
  NovaVolumeRecordingExecutor *recording;
  guint                        index;
} RecordingThreadData;

static gpointer
record_thread (gpointer data)
{
  RecordingThreadData *td = data;

  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *id = g_strdup_printf ("%u-%u", td->index, i);
      const char *argv[] = { "cmd", id, NULL };
      g_autoptr(GError) error = NULL;

      g_assert_true (nova_volume_executor_run (NOVA_VOLUME_EXECUTOR (td->recording), argv, NULL, NULL, NULL, &error));
      g_assert_no_error (error);
    }
  return NULL;
}

static void
test_recording_threads (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-executor-XXXXXX");
  g_autofree char *log = test_scratch_path (scratch, "commands.log");
  g_autoptr(NovaVolumeRecordingExecutor) recording = nova_volume_recording_executor_new ();
  g_autoptr(GPtrArray) commands = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  RecordingThreadData data[8];
  GThread *threads[8];

  nova_volume_recording_executor_set_log_path (recording, log);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      data[i].recording = recording;
      data[i].index = i;
      threads[i] = g_thread_new ("recorder", record_thread, &data[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);

  commands = nova_volume_recording_executor_get_commands (recording);
  g_assert_cmpuint (commands->len, ==, 800);

  /* whole lines, none lost, none torn, in the recorded order */
  g_assert_true (g_file_get_contents (log, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 801);
  g_assert_cmpstr (lines[800], ==, "");
  for (guint i = 0; i < 800; i++)
    {
      char **argv = g_ptr_array_index (commands, i);
      g_autofree char *expected = g_strdup_printf ("cmd %s", argv[1]);

      g_assert_cmpstr (lines[i], ==, expected);
      g_assert_true (g_hash_table_add (seen, argv[1]));
    }
}

/* secrets */

/* every message logged in the core's domain while installed, the debug
 * ones included: what a journal could end up holding */
typedef struct {
  GMutex     lock;
  GPtrArray *messages;
  guint      handler;
} LogCapture;

static void
log_capture_handler (const char *domain, GLogLevelFlags level, const char *message, gpointer user_data)
{
  LogCapture *capture = user_data;

  g_mutex_lock (&capture->lock);
  g_ptr_array_add (capture->messages, g_strdup (message));
  g_mutex_unlock (&capture->lock);
}

static void
log_capture_start (LogCapture *capture)
{
  g_mutex_init (&capture->lock);
  capture->messages = g_ptr_array_new_with_free_func (g_free);
  capture->handler = g_log_set_handler ("nova-volume", G_LOG_LEVEL_MASK, log_capture_handler, capture);
}

static void
log_capture_stop (LogCapture *capture)
{
  g_log_remove_handler ("nova-volume", capture->handler);
  g_ptr_array_unref (capture->messages);
  g_mutex_clear (&capture->lock);
}

/* no captured message holds @secret, and some message holds @expected */
static void
assert_log_masked (LogCapture *capture, const char *secret, const char *expected)
{
  gboolean found = FALSE;

  g_assert_cmpuint (capture->messages->len, >, 0);
  for (guint i = 0; i < capture->messages->len; i++)
    {
      const char *message = g_ptr_array_index (capture->messages, i);

      if (strstr (message, secret) != NULL)
        g_error ("the secret was logged: %s", message);
      if (strstr (message, expected) != NULL)
        found = TRUE;
    }
  if (!found)
    g_error ("no message holds \"%s\"", expected);
}

#define SECRET "S3cr3t-Pa55w0rd"

static void
test_mask_secrets (void)
{
  static const struct {
    const char *text;
    const char *secrets[3];
    const char *masked;
  } cases[] = {
    { "nothing to hide", { NULL }, "nothing to hide" },
    { "pw=hunter2;", { "hunter2", NULL }, "pw=********;" },
    { "hunter2 and hunter2", { "hunter2", NULL }, "******** and ********" },
    /* touching or overlapping occurrences are one mask: no part of either
     * secret is left */
    { "xxabcdefyy", { "abcd", "cdef" }, "xx********yy" },
    { "xxcdefabcdyy", { "abcd", "cdef" }, "xx********yy" },
    { "ababab", { "ab", NULL }, "********" },
    { "password123", { "pass", "password123" }, "********" },
    /* an empty secret would be everywhere: it means nothing */
    { "abc", { "", NULL }, "abc" },
    { "", { "x", NULL }, "" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *const *secrets = cases[i].secrets[0] != NULL ? cases[i].secrets : NULL;
      g_autofree char *masked = nova_volume_executor_mask_secrets (cases[i].text, secrets);

      g_assert_cmpstr (masked, ==, cases[i].masked);
    }

  {
    const char *argv[] = { "tgtadm", "--password", SECRET, "--opt=" SECRET, NULL };
    const char *secrets[] = { SECRET, NULL };
    g_auto(GStrv) masked = nova_volume_executor_mask_argv (argv, secrets);
    const char *expected[] = { "tgtadm", "--password", "********", "--opt=********", NULL };

    g_assert_true (g_strv_equal ((const char *const *) masked, expected));
  }
}

/* a command that fails and repeats its secret on stderr: neither the
 * error nor any log line shows it */
static void
test_secret_not_shown (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-executor-XXXXXX");
  g_autofree char *script = scratch_script (scratch, "login.sh",
                                            "echo \"account $1: password $2 rejected\" >&2\n"
                                            "exit 5\n");
  g_autofree char *expected = g_strdup_printf ("%s exited with status 5: "
                                               "account admin: password ******** rejected", script);
  g_autofree char *echo = scratch_script (scratch, "echo.sh", "echo \"$2\"\n");
  g_autoptr(NovaVolumeExecutor) executor = nova_volume_executor_new (2);
  const char *argv[] = { script, "admin", SECRET, NULL };
  const char *echo_argv[] = { echo, "admin", SECRET, NULL };
  const char *missing_argv[] = { "/nonexistent/" SECRET, NULL };
  const char *secrets[] = { SECRET, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  LogCapture capture;

  nova_volume_executor_set_backoff_ms (executor, 1);
  log_capture_start (&capture);

  g_assert_false (nova_volume_executor_run_secret (executor, argv, secrets, NULL, NULL, NULL, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);
  /* the attempts as they ran (debug) and as they failed (message) */
  assert_log_masked (&capture, SECRET, "login.sh admin '********'");
  assert_log_masked (&capture, SECRET, "password ******** rejected");

  /* a program that cannot be started, its path holding the secret */
  g_assert_false (nova_volume_executor_run_secret (executor, missing_argv, secrets, NULL, NULL, NULL, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_assert_true (g_str_has_prefix (error->message, "cannot run /nonexistent/********: "));
  g_assert_null (strstr (error->message, SECRET));
  g_clear_error (&error);
  assert_log_masked (&capture, SECRET, "/nonexistent/********");

  /* the command itself gets the secret, and the caller its output */
  g_assert_true (nova_volume_executor_run_secret (executor, echo_argv, secrets, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, SECRET "\n");
  assert_log_masked (&capture, SECRET, "echo.sh admin '********'");

  log_capture_stop (&capture);
}

/* the recording executor keeps nothing unmasked but the argvs for tests */
static void
test_recording_secrets (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-executor-XXXXXX");
  g_autofree char *log = test_scratch_path (scratch, "commands.log");
  g_autoptr(NovaVolumeRecordingExecutor) recording = nova_volume_recording_executor_new ();
  NovaVolumeExecutor *executor = NOVA_VOLUME_EXECUTOR (recording);
  const char *argv[] = { "tgtadm", "--mode", "account", "--user", "admin", "--password", SECRET, NULL };
  const char *masked[] = { "tgtadm", "--mode", "account", "--user", "admin", "--password", "********", NULL };
  const char *secrets[] = { SECRET, NULL };
  g_autoptr(GPtrArray) commands = NULL;
  g_autoptr(GPtrArray) unmasked = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *contents = NULL;
  LogCapture capture;

  nova_volume_recording_executor_set_log_path (recording, log);
  nova_volume_recording_executor_push_result (recording, 22, NULL, "tgtadm: bad password " SECRET);
  log_capture_start (&capture);

  g_assert_false (nova_volume_executor_run_secret (executor, argv, secrets, NULL, NULL, NULL, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "tgtadm exited with status 22: tgtadm: bad password ********");
  g_clear_error (&error);
  assert_log_masked (&capture, SECRET, "bad password ********");
  log_capture_stop (&capture);

  commands = nova_volume_recording_executor_get_commands (recording);
  g_assert_cmpuint (commands->len, ==, 1);
  g_assert_true (g_strv_equal (g_ptr_array_index (commands, 0), masked));
  lines = nova_volume_recording_executor_get_command_lines (recording);
  g_assert_cmpstr (lines[0], ==, "tgtadm --mode account --user admin --password '********'");
  g_assert_true (g_file_get_contents (log, &contents, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==, "tgtadm --mode account --user admin --password '********'\n");

  /* what a real tgtadm would have been given */
  unmasked = nova_volume_recording_executor_get_unmasked_commands (recording);
  g_assert_cmpuint (unmasked->len, ==, 1);
  g_assert_true (g_strv_equal (g_ptr_array_index (unmasked, 0), argv));

  /* clear forgets both */
  nova_volume_recording_executor_clear (recording);
  g_clear_pointer (&unmasked, g_ptr_array_unref);
  unmasked = nova_volume_recording_executor_get_unmasked_commands (recording);
  g_assert_cmpuint (unmasked->len, ==, 0);
}

/* ---- long commands --------------------------------------------------- */

static void
collect_line (const char *line, gpointer data)
{
  g_ptr_array_add (data, g_strdup (line));
}

/* the descriptors the caller gives are the child's 3 and 4; each line of
 * stdout, '\r' or '\n' ended, reaches the callback as it comes */
static void
test_long_fds_and_lines (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-executor-XXXXXX");
  g_autofree char *in_path = test_scratch_path (scratch, "in");
  g_autofree char *out_path = test_scratch_path (scratch, "out");
  g_autofree char *script = scratch_script (scratch, "long.sh",
                                            "cat /proc/self/fd/3 > /proc/self/fd/4\n"
                                            "printf '(10.00/100%%)\\r(55.50/100%%)\\rdone\\n'\n"
                                            "printf 'last'\n");
  g_autoptr(NovaVolumeExecutor) executor = nova_volume_executor_new (3);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *copied = NULL;
  const char *argv[] = { script, NULL };
  int fds[2];

  g_file_set_contents (in_path, "the image's bytes", -1, &error);
  g_assert_no_error (error);
  fds[0] = open (in_path, O_RDONLY | O_CLOEXEC);
  fds[1] = open (out_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  g_assert_cmpint (fds[0], >=, 0);
  g_assert_cmpint (fds[1], >=, 0);

  g_assert_true (nova_volume_executor_run_long (executor, argv, fds, 2, collect_line, lines, NULL,
                                                &out, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (lines->len, ==, 4);
  g_assert_cmpstr (g_ptr_array_index (lines, 0), ==, "(10.00/100%)");
  g_assert_cmpstr (g_ptr_array_index (lines, 1), ==, "(55.50/100%)");
  g_assert_cmpstr (g_ptr_array_index (lines, 2), ==, "done");
  g_assert_cmpstr (g_ptr_array_index (lines, 3), ==, "last");
  g_assert_cmpstr (out, ==, "(10.00/100%)\r(55.50/100%)\rdone\nlast");
  g_file_get_contents (out_path, &copied, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (copied, ==, "the image's bytes");
  /* the caller keeps its own descriptors */
  g_assert_cmpint (fcntl (fds[0], F_GETFD), >=, 0);
  g_assert_cmpint (fcntl (fds[1], F_GETFD), >=, 0);
  close (fds[0]);
  close (fds[1]);
}

/* a failed long command says why (its stderr), once; with an exit status
 * asked for, the status is the caller's to judge */
static void
test_long_failure (void)
{
  g_autoptr(TestScratch) scratch = test_scratch_new ("test-executor-XXXXXX");
  g_autofree char *counter = test_scratch_path (scratch, "counter");
  g_autofree char *script = scratch_script (scratch, "fail.sh",
                                            "echo run >> \"$1\"\n"
                                            "echo 'half way'\n"
                                            "echo 'image is corrupt' >&2\n"
                                            "exit 2\n");
  g_autoptr(NovaVolumeExecutor) executor = nova_volume_executor_new (3);
  const char *argv[] = { script, counter, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = -1;

  g_assert_false (nova_volume_executor_run_long (executor, argv, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "exited with status 2: image is corrupt"));
  g_assert_cmpuint (count_lines (counter), ==, 1);
  g_clear_error (&error);

  g_assert_true (nova_volume_executor_run_long (executor, argv, NULL, 0, NULL, NULL, NULL, &out, &err, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 2);
  g_assert_cmpstr (out, ==, "half way\n");
  g_assert_cmpstr (err, ==, "image is corrupt\n");
}

static gboolean
cancel_soon (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static gpointer
run_sleeper (gpointer data)
{
  const char *argv[] = { "sleep", "60", NULL };
  g_autoptr(NovaVolumeExecutor) executor = nova_volume_executor_new (1);
  GError *error = NULL;

  g_assert_false (nova_volume_executor_run_long (executor, argv, NULL, 0, NULL, NULL, data, NULL, NULL, NULL, &error));
  return error;
}

/* a cancel kills the child: the call returns long before the command
 * would have ended */
static void
test_long_cancel (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSource) source = g_timeout_source_new (200);
  GThread *thread;
  gint64 start = g_get_monotonic_time ();

  g_source_set_callback (source, cancel_soon, cancellable, NULL);
  g_source_attach (source, context);
  thread = g_thread_new ("sleeper", run_sleeper, cancellable);
  while (!g_cancellable_is_cancelled (cancellable))
    g_main_context_iteration (context, TRUE);
  error = g_thread_join (thread);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* not a timing test: sleep 60 ran out long after any machine's cancel */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 50 * G_USEC_PER_SEC);
}

/* the recording executor records a long command and answers it too */
static void
test_recording_long (void)
{
  g_autoptr(NovaVolumeRecordingExecutor) rec = nova_volume_recording_executor_new ();
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) recorded = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "qemu-img", "convert", "/proc/self/fd/3", "/proc/self/fd/4", NULL };
  int fds[] = { 0, 1 };

  nova_volume_recording_executor_push_result (rec, 0, "(50.00/100%)\n(100.00/100%)\n", "");
  g_assert_true (nova_volume_executor_run_long (NOVA_VOLUME_EXECUTOR (rec), argv, fds, 2, collect_line, lines,
                                                NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (lines->len, ==, 2);
  recorded = nova_volume_recording_executor_get_command_lines (rec);
  g_assert_cmpstr (recorded[0], ==, "qemu-img convert /proc/self/fd/3 /proc/self/fd/4");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/executor/true", test_true);
  g_test_add_func ("/executor/false-retried", test_false_retried);
  g_test_add_func ("/executor/status-and-stderr", test_status_and_stderr);
  g_test_add_func ("/executor/stdout-when-stderr-empty", test_stdout_when_stderr_empty);
  g_test_add_func ("/executor/stderr-tail", test_stderr_tail);
  g_test_add_func ("/executor/retry-then-success", test_retry_then_success);
  g_test_add_func ("/executor/stdout", test_stdout_captured);
  g_test_add_func ("/executor/stdin", test_stdin);
  g_test_add_func ("/executor/no-shell", test_no_shell);
  g_test_add_func ("/executor/missing-binary", test_missing_binary);
  g_test_add_func ("/executor/not-executable", test_not_executable);
  g_test_add_func ("/executor/run-once", test_run_once);
  g_test_add_func ("/executor/killed-by-signal", test_killed_by_signal);
  g_test_add_func ("/executor/empty-argv", test_empty_argv);
  g_test_add_func ("/executor/tries", test_tries);
  g_test_add_func ("/executor/format-argv", test_format_argv);
  g_test_add_func ("/executor/threads", test_threads);
  g_test_add_func ("/executor/mask-secrets", test_mask_secrets);
  g_test_add_func ("/executor/secret-not-shown", test_secret_not_shown);
  g_test_add_func ("/executor/long/fds-and-lines", test_long_fds_and_lines);
  g_test_add_func ("/executor/long/failure", test_long_failure);
  g_test_add_func ("/executor/long/cancel", test_long_cancel);
  g_test_add_func ("/recording-executor/long", test_recording_long);
  g_test_add_func ("/recording-executor/records", test_recording_records);
  g_test_add_func ("/recording-executor/script", test_recording_script);
  g_test_add_func ("/recording-executor/responder", test_recording_responder);
  g_test_add_func ("/recording-executor/log", test_recording_log);
  g_test_add_func ("/recording-executor/threads", test_recording_threads);
  g_test_add_func ("/recording-executor/secrets", test_recording_secrets);

  return g_test_run ();
}
