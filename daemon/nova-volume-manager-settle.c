/* nova-volume: settling the stale statuses an interrupted operation
 * leaves: the state machine's rule for each transitional status when no
 * operation runs any more. Records only: no driver, no store. */
#include "config.h"

#include "nova-volume-manager-private.h"

void
manager_clear_attachment (NovaVolumeRecord *volume)
{
  g_ptr_array_set_size (volume->attachments, 0);
  nova_volume_record_sync_attached (volume);
}

/* A transitional status with no operation running is stale: the daemon
 * stopped, or the operation's last commit failed. Settles @volume as
 * init_host does, without asking the driver (a deleting volume becomes
 * error_deleting, to be deleted again); TRUE when it changed anything. */
gboolean
manager_settle_volume (NovaVolumeRecord *volume)
{
  switch (volume->status)
    {
    case NOVA_VOLUME_STATUS_CREATING:
      /* the caller never heard back: what the backend holds is unknown.
       * A create that says what its interruption means (a manage: the
       * data is the volume's) keeps its own word */
      volume->status = NOVA_VOLUME_STATUS_ERROR;
      if (volume->status_reason[0] == '\0')
        nova_record_set_string (&volume->status_reason,
                                "the create was interrupted (nova-volumed stopped, or its state "
                                "could not be written); delete the volume and create it again");
      return TRUE;
    case NOVA_VOLUME_STATUS_DELETING:
      volume->status = NOVA_VOLUME_STATUS_ERROR_DELETING;
      nova_record_set_string (&volume->status_reason, "the delete was interrupted; delete the volume again");
      return TRUE;
    case NOVA_VOLUME_STATUS_ATTACHING:
      /* (a store from before attachments were committed with the status
       * in one write) the attach never completed: what is committed stays */
      nova_volume_record_sync_attached (volume);
      volume->status = volume->attachments->len > 0 ? NOVA_VOLUME_STATUS_IN_USE : NOVA_VOLUME_STATUS_AVAILABLE;
      return TRUE;
    case NOVA_VOLUME_STATUS_DETACHING:
      /* (a store from before: one attachment at most) the caller asked
       * for the end of the attachment: finish it */
      manager_clear_attachment (volume);
      volume->status = NOVA_VOLUME_STATUS_AVAILABLE;
      return TRUE;
    case NOVA_VOLUME_STATUS_EXTENDING:
      /* the committed size stays; a second Extend grows it again. An
       * attached volume was extended in use */
      volume->status = volume->attached ? NOVA_VOLUME_STATUS_IN_USE : NOVA_VOLUME_STATUS_AVAILABLE;
      return TRUE;
    case NOVA_VOLUME_STATUS_MIGRATING:
      /* the volume is where its backend says; the copy its migration
       * names is init_host's to delete */
      volume->status = NOVA_VOLUME_STATUS_AVAILABLE;
      return TRUE;
    case NOVA_VOLUME_STATUS_REVERTING:
      {
        /* its bytes may be partly the snapshot's; reverting_to stays, so
         * a revert to the same snapshot is let in to finish it (init_host
         * tries that itself first) */
        g_autofree char *reason = g_strdup_printf ("the revert to snapshot %s was interrupted; revert to it "
                                                   "again to finish it", volume->reverting_to);

        volume->status = NOVA_VOLUME_STATUS_ERROR;
        nova_record_set_string (&volume->status_reason, reason);
        return TRUE;
      }
    case NOVA_VOLUME_STATUS_RESTORING_BACKUP:
      /* part of its bytes may be the backup's, part what it held */
      volume->status = NOVA_VOLUME_STATUS_ERROR;
      nova_record_set_string (&volume->status_reason,
                              "the restore of a backup into it was interrupted; its bytes are partly the "
                              "backup's: restore it again, or delete it");
      return TRUE;
    case NOVA_VOLUME_STATUS_AVAILABLE:
    case NOVA_VOLUME_STATUS_IN_USE:
    case NOVA_VOLUME_STATUS_ERROR:
    case NOVA_VOLUME_STATUS_ERROR_DELETING:
    default:
      return FALSE;
    }
}

gboolean
manager_settle_snapshot (NovaSnapshotRecord *snapshot)
{
  switch (snapshot->status)
    {
    case NOVA_SNAPSHOT_STATUS_CREATING:
      snapshot->status = NOVA_SNAPSHOT_STATUS_ERROR;
      nova_record_set_string (&snapshot->status_reason,
                              "taking the snapshot was interrupted; delete it and take it again");
      return TRUE;
    case NOVA_SNAPSHOT_STATUS_DELETING:
      snapshot->status = NOVA_SNAPSHOT_STATUS_ERROR_DELETING;
      nova_record_set_string (&snapshot->status_reason, "the delete was interrupted; delete the snapshot again");
      return TRUE;
    case NOVA_SNAPSHOT_STATUS_AVAILABLE:
    case NOVA_SNAPSHOT_STATUS_ERROR:
    case NOVA_SNAPSHOT_STATUS_ERROR_DELETING:
    default:
      return FALSE;
    }
}
