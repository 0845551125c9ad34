/* nova-volumectl: the progress bar of our own Job (see the header). */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "nova-dbus-generated.h"
#include "nova-volume-size.h"
#include "nova-volumectl-progress.h"

#define BAR_MAX 30
#define BAR_MIN 10

struct _NovaCtlProgress {
  GDBusObjectManager *manager;
  char               *operation;
  char               *object_path;
  char               *own_name;     /* our connection's unique name */
  NovaDBusJob        *job;          /* ours, once it appeared */
  gulong              added_id;
  gulong              changed_id;
  guint               interrupt_id;  /* SIGINT while we watch */
  int                 shown_percent; /* -1: nothing drawn yet */
  gsize               shown_length;  /* of the line drawn last */
};

gboolean
nova_ctl_progress_possible (void)
{
  return isatty (STDERR_FILENO);
}

/* a bar that leaves room for the percentage and the operation on one
 * line of stderr's terminal */
static guint
bar_width (const char *operation)
{
  struct winsize size = { 0 };
  gsize room;

  if (ioctl (STDERR_FILENO, TIOCGWINSZ, &size) != 0 || size.ws_col == 0)
    return BAR_MAX;
  /* "[" bar "] " "100% " operation, and the last column left free so
   * that the cursor never wraps */
  room = (gsize) size.ws_col;
  if (room < strlen (operation) + 9 + BAR_MIN)
    return BAR_MIN;
  return (guint) MIN (BAR_MAX, room - strlen (operation) - 9);
}

/* what follows the percentage: the operation, and when the job says how
 * much it moves, how much is done, how fast and how long it has left
 * ("image-import 460.0 MiB of 1.0 GiB, 210.0 MiB/s, 3 s left") */
static char *
describe (NovaDBusJob *job, double fraction)
{
  const char *operation = nova_dbus_job_get_operation (job);
  guint64 bytes = nova_dbus_job_get_bytes (job);
  guint64 rate = nova_dbus_job_get_rate (job);
  GString *text = g_string_new (operation != NULL ? operation : "");

  if (bytes > 0)
    {
      g_autofree char *done = nova_volume_size_format ((guint64) (fraction * (double) bytes));
      g_autofree char *total = nova_volume_size_format (bytes);

      g_string_append_printf (text, " %s of %s", done, total);
      if (rate > 0)
        {
          g_autofree char *speed = nova_volume_size_format (rate);
          guint64 left = (guint64) ((1.0 - fraction) * (double) bytes / (double) rate + 0.5);

          g_string_append_printf (text, ", %s/s", speed);
          if (fraction < 1.0)
            g_string_append_printf (text, ", %" G_GUINT64_FORMAT " s left", left);
        }
    }
  return g_string_free (text, FALSE);
}

static void
draw (NovaCtlProgress *self)
{
  double fraction = CLAMP (nova_dbus_job_get_progress (self->job), 0.0, 1.0);
  g_autofree char *details = describe (self->job, fraction);
  guint width = bar_width (details);
  guint filled = (guint) (fraction * width);
  int percent = (int) (fraction * 100.0);
  g_autoptr(GString) line = g_string_new ("\r[");

  if (percent == self->shown_percent)
    return;
  for (guint i = 0; i < width; i++)
    g_string_append_c (line, i < filled ? '#' : '-');
  g_string_append_printf (line, "] %3d%% %s", percent, details);
  /* a shorter line than the last one leaves no remains of it */
  for (gsize n = line->len; n < self->shown_length; n++)
    g_string_append_c (line, ' ');
  self->shown_length = line->len;
  self->shown_percent = percent;
  /* stderr is unbuffered; one write per update all the same */
  fputs (line->str, stderr);
  fflush (stderr);
}

static gboolean
is_ours (NovaCtlProgress *self, NovaDBusJob *job)
{
  const char *const *objects = nova_dbus_job_get_objects (job);

  return g_strcmp0 (nova_dbus_job_get_started_by (job), self->own_name) == 0
         && (self->operation == NULL || g_strcmp0 (nova_dbus_job_get_operation (job), self->operation) == 0)
         && (self->object_path == NULL || (objects != NULL && g_strv_contains (objects, self->object_path)));
}

static void
on_object_added (GDBusObjectManager *manager, GDBusObject *object, NovaCtlProgress *self)
{
  NovaDBusJob *job = nova_dbus_object_peek_job (NOVA_DBUS_OBJECT (object));

  if (self->job != NULL || job == NULL || !is_ours (self, job))
    return;
  self->job = g_object_ref (job);
  draw (self);
}

static void
on_properties_changed (GDBusObjectManagerClient *manager, GDBusObjectProxy *object,
                       GDBusProxy *proxy, GVariant *changed, const char *const *invalidated,
                       NovaCtlProgress *self)
{
  /* the daemon sets the last progress before the job goes away: the
   * bar ends where the job ended */
  if (self->job != NULL && (gpointer) proxy == (gpointer) self->job)
    draw (self);
}

/* Ctrl-C stops the watching, not the operation: the daemon goes on
 * copying, so say so, name what it makes and how to stop it, and leave
 * with 130 as a shell expects of an interrupted command */
static gboolean
on_interrupt (gpointer user_data)
{
  NovaCtlProgress *self = user_data;

  if (self->shown_percent >= 0)
    fputc ('\n', stderr);
  if (self->job != NULL)
    {
      const char *path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (self->job));
      const char *number = strrchr (path, '/') + 1;
      const char *const *objects = nova_dbus_job_get_objects (self->job);
      g_autoptr(GString) ids = g_string_new (NULL);

      for (guint i = 0; objects != NULL && objects[i] != NULL; i++)
        {
          g_autofree char *id = g_strdelimit (g_path_get_basename (objects[i]), "_", '-');

          g_string_append_printf (ids, "%s%s", i > 0 ? ", " : "", id);
        }
      g_printerr (_("nova-volumectl: no longer watching; the %s goes on in the daemon as job %s (on %s).\n"
                    "Stop it with: nova-volumectl cancel %s   (nova-volumectl jobs shows it)\n"),
                  nova_dbus_job_get_operation (self->job), number, ids->str, number);
    }
  else
    g_printerr (_("nova-volumectl: no longer waiting; the operation may go on in the daemon "
                  "(nova-volumectl jobs shows it)\n"));
  exit (130);
  return G_SOURCE_REMOVE;
}

NovaCtlProgress *
nova_ctl_progress_new (GDBusObjectManager *manager, const char *operation, const char *object_path)
{
  NovaCtlProgress *self = g_new0 (NovaCtlProgress, 1);
  GDBusConnection *connection = g_dbus_object_manager_client_get_connection (G_DBUS_OBJECT_MANAGER_CLIENT (manager));

  self->manager = g_object_ref (manager);
  self->operation = g_strdup (operation);
  self->object_path = g_strdup (object_path);
  self->own_name = g_strdup (g_dbus_connection_get_unique_name (connection));
  self->shown_percent = -1;
  self->added_id = g_signal_connect (manager, "object-added", G_CALLBACK (on_object_added), self);
  self->changed_id = g_signal_connect (manager, "interface-proxy-properties-changed",
                                       G_CALLBACK (on_properties_changed), self);
  self->interrupt_id = g_unix_signal_add (SIGINT, on_interrupt, self);
  return self;
}

void
nova_ctl_progress_free (NovaCtlProgress *self)
{
  if (self == NULL)
    return;
  g_signal_handler_disconnect (self->manager, self->added_id);
  g_signal_handler_disconnect (self->manager, self->changed_id);
  g_source_remove (self->interrupt_id);
  if (self->shown_percent >= 0)
    {
      fputc ('\n', stderr);
      fflush (stderr);
    }
  g_clear_object (&self->job);
  g_object_unref (self->manager);
  g_free (self->operation);
  g_free (self->object_path);
  g_free (self->own_name);
  g_free (self);
}
