/* nova-volume: the one error domain, registered as org.openstack.Volume1.Error.* */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define NOVA_VOLUME_ERROR (nova_volume_error_quark ())

/* Keep in the order of the D-Bus name table in nova-volume-error.c: a
 * static assert there checks that both have the same length. */
typedef enum {
  NOVA_VOLUME_ERROR_FAILED,           /* .Failed: the backend refused or broke */
  NOVA_VOLUME_ERROR_NOT_AUTHORIZED,   /* .NotAuthorized */
  NOVA_VOLUME_ERROR_NOT_FOUND,        /* .NotFound: no such volume/snapshot */
  NOVA_VOLUME_ERROR_INVALID_ARGUMENT, /* .InvalidArgument: bad size, option, name */
  NOVA_VOLUME_ERROR_INVALID_STATE,    /* .InvalidState: wrong status for the call */
  NOVA_VOLUME_ERROR_BUSY,             /* .Busy: in use by something else */
  NOVA_VOLUME_ERROR_NO_SPACE,         /* .NoSpace: the backend is too full */
  NOVA_VOLUME_ERROR_NOT_SUPPORTED,    /* .NotSupported: the driver cannot do it */
  NOVA_VOLUME_ERROR_CANCELLED,        /* .Cancelled */
  NOVA_VOLUME_ERROR_ALREADY_EXISTS,   /* .AlreadyExists */
  NOVA_VOLUME_ERROR_NOT_AUTHORIZED_CAN_OBTAIN, /* .NotAuthorizedCanObtain: polkit would ask */
  NOVA_VOLUME_ERROR_N_ERRORS,
} NovaVolumeErrorCode;

GQuark nova_volume_error_quark (void);

/* Turns any GError (GIO, GKeyFile, GSpawn, libblockdev, ...) into one of
 * NOVA_VOLUME_ERROR, keeping the message. Call it once, right before an
 * error leaves the daemon over D-Bus. */
void nova_volume_error_convert (GError **error);

G_END_DECLS
