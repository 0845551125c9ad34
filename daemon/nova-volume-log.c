/* nova-volume: structured log records for changes of state. */
#include "config.h"

#include "nova-volume-log.h"

/* Never change an id once released: admins' journal queries and alert
 * rules match on them. New events get new ids. */
static const struct {
  const char *name;
  const char *message_id;
} events[] = {
  [NOVA_VOLUME_EVENT_VOLUME_CREATED] = { "volume-created", "30c45862c01b42c6b1cd6cf735f257ae" },
  [NOVA_VOLUME_EVENT_VOLUME_DELETED] = { "volume-deleted", "b8de26b1c66d47c0945c845c9ccb072c" },
  [NOVA_VOLUME_EVENT_VOLUME_EXTENDED] = { "volume-extended", "2ac0e7f7d035490098c5337a0eea07bc" },
  [NOVA_VOLUME_EVENT_VOLUME_ATTACHED] = { "volume-attached", "23cebeb0da954003a9cb915f9c78b74d" },
  [NOVA_VOLUME_EVENT_VOLUME_DETACHED] = { "volume-detached", "c932dc33e1c9456aa570503482ed48fb" },
  [NOVA_VOLUME_EVENT_VOLUME_EXPORTED] = { "volume-exported", "dc5367e94a744b268812ab6c9798e606" },
  [NOVA_VOLUME_EVENT_VOLUME_UNEXPORTED] = { "volume-unexported", "08911252883b4ef19b95a57fd9875280" },
  [NOVA_VOLUME_EVENT_SNAPSHOT_CREATED] = { "snapshot-created", "9cef19f07bf94ec2b2f3ca2f8ac8a9be" },
  [NOVA_VOLUME_EVENT_SNAPSHOT_DELETED] = { "snapshot-deleted", "b01d2f7ad94b4611aeebf9dbff58ab21" },
  [NOVA_VOLUME_EVENT_VOLUME_ERROR] = { "volume-error", "66842bd8f39248aeaed795a04cd9a327" },
  [NOVA_VOLUME_EVENT_OPERATION_FAILED] = { "operation-failed", "c587b3994c074e6d85f5bf60936293b5" },
  [NOVA_VOLUME_EVENT_RECONCILED] = { "reconciled", "812ab2d6fc944a60b7227b1ebae93f72" },
  [NOVA_VOLUME_EVENT_VOLUME_MIGRATED] = { "volume-migrated", "0595b55016c04a9e8f432d47b9b66abb" },
  [NOVA_VOLUME_EVENT_IMAGE_EXPORTED] = { "image-exported", "a17f9799e17d4f26b087a41b7a237498" },
  [NOVA_VOLUME_EVENT_VOLUME_REVERTED] = { "volume-reverted", "adbb1159d2124ea6bd02be8893a7b48e" },
  [NOVA_VOLUME_EVENT_THIN_POOL_WARNING] = { "thin-pool-warning", "6d7b67edc4044b2fb196cf294cb4a969" },
  [NOVA_VOLUME_EVENT_VOLUME_MANAGED] = { "volume-managed", "a2555c892fc44e81a20adbcfaa84b35c" },
  [NOVA_VOLUME_EVENT_VOLUME_UNMANAGED] = { "volume-unmanaged", "bd0a0afac3ba4fb7a92f64c2216957a3" },
  [NOVA_VOLUME_EVENT_BACKUP_CREATED] = { "backup-created", "e4ed5ceaa03c4539bb0873a4b78920bd" },
  [NOVA_VOLUME_EVENT_BACKUP_RESTORED] = { "backup-restored", "2a76266776bc4a9389d5e26f136047bd" },
  [NOVA_VOLUME_EVENT_BACKUP_DELETED] = { "backup-deleted", "86f6c69f96674935bcf0a5349c4df13d" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (events) == NOVA_VOLUME_EVENT_N_EVENTS);

const char *
nova_volume_event_message_id (NovaVolumeEvent event)
{
  g_return_val_if_fail (event < NOVA_VOLUME_EVENT_N_EVENTS, NULL);
  return events[event].message_id;
}

const char *
nova_volume_event_name (NovaVolumeEvent event)
{
  g_return_val_if_fail (event < NOVA_VOLUME_EVENT_N_EVENTS, NULL);
  return events[event].name;
}

void
nova_volume_log_event (NovaVolumeEvent event,
                       const char     *volume_id,
                       const char     *snapshot_id,
                       const char     *format,
                       ...)
{
  gboolean failure = event == NOVA_VOLUME_EVENT_VOLUME_ERROR || event == NOVA_VOLUME_EVENT_OPERATION_FAILED;
  g_autofree char *message = NULL;
  GLogField fields[7];
  gsize n = 0;
  va_list args;

  g_return_if_fail (event < NOVA_VOLUME_EVENT_N_EVENTS);
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  fields[n++] = (GLogField) { "MESSAGE_ID", events[event].message_id, -1 };
  fields[n++] = (GLogField) { "MESSAGE", message, -1 };
  fields[n++] = (GLogField) { "PRIORITY", failure ? "4" : "5", -1 };
  fields[n++] = (GLogField) { "GLIB_DOMAIN", G_LOG_DOMAIN, -1 };
  fields[n++] = (GLogField) { "NOVA_VOLUME_EVENT", events[event].name, -1 };
  if (volume_id != NULL)
    fields[n++] = (GLogField) { "NOVA_VOLUME_ID", volume_id, -1 };
  if (snapshot_id != NULL)
    fields[n++] = (GLogField) { "NOVA_SNAPSHOT_ID", snapshot_id, -1 };
  /* a message for GLib either way (a failed call is the caller's error,
   * not the daemon's, and tests treat warnings as fatal); the journal
   * sees PRIORITY warning for failures */
  g_log_structured_array (G_LOG_LEVEL_MESSAGE, fields, n);
}
