/* nova-volume: the one error domain, registered as org.openstack.Volume1.Error.* */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define NOVA_VOLUME_ERROR (nova_volume_error_quark ())

/**
 * NovaVolumeErrorCode:
 * @NOVA_VOLUME_ERROR_FAILED: Failed: the backend refused or broke
 * @NOVA_VOLUME_ERROR_NOT_AUTHORIZED: NotAuthorized: polkit said no
 * @NOVA_VOLUME_ERROR_NOT_FOUND: NotFound: no such volume, snapshot, Job or backend
 * @NOVA_VOLUME_ERROR_INVALID_ARGUMENT: InvalidArgument: a bad size, option or name
 * @NOVA_VOLUME_ERROR_INVALID_STATE: InvalidState: the object's status does not allow the call
 * @NOVA_VOLUME_ERROR_BUSY: Busy: in use by something else
 * @NOVA_VOLUME_ERROR_NO_SPACE: NoSpace: the backend is too full
 * @NOVA_VOLUME_ERROR_NOT_SUPPORTED: NotSupported: the driver cannot do it
 * @NOVA_VOLUME_ERROR_CANCELLED: Cancelled
 * @NOVA_VOLUME_ERROR_ALREADY_EXISTS: AlreadyExists
 * @NOVA_VOLUME_ERROR_NOT_AUTHORIZED_CAN_OBTAIN: NotAuthorizedCanObtain: polkit would ask for a password
 * @NOVA_VOLUME_ERROR_N_ERRORS: how many there are
 *
 * The errors of %NOVA_VOLUME_ERROR, each the D-Bus error
 * org.openstack.Volume1.Error.<Name>; every message says what to do.
 */
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
/* NovaVolumeErrorCode as a GType, so that GObject introspection binds the
 * codes to the domain (NovaVolume.ErrorCode in Python and GJS). */
GType  nova_volume_error_get_type (void) G_GNUC_CONST;

/**
 * NovaVolumeErrorOrigin: (skip)
 * @NOVA_VOLUME_ERROR_FROM_REQUEST: the daemon's handling of a call
 * @NOVA_VOLUME_ERROR_FROM_BACKEND: a driver working on the backend
 *
 * The service's own: where an error that is not yet NOVA_VOLUME_ERROR
 * came from, which decides what it means to the caller.
 */
typedef enum {
  /* the daemon's own handling of a call (options, a file the caller
   * named, the bus): GIO's and GLib's codes keep their meaning, so
   * G_IO_ERROR_NOT_FOUND is NotFound */
  NOVA_VOLUME_ERROR_FROM_REQUEST,
  /* a driver working on the backend: only a cancel and a full backend
   * mean something to the caller; the rest (a missing backing file
   * included) is the backend failing, Failed */
  NOVA_VOLUME_ERROR_FROM_BACKEND,
} NovaVolumeErrorOrigin;

/* Turns any GError (GIO, GKeyFile, GSpawn, libblockdev, ...) into one of
 * NOVA_VOLUME_ERROR by the rule of @origin, keeping the message: the one
 * place an error's meaning to a caller is decided. Call it once, right
 * before an error leaves the daemon over D-Bus (from_request) or an
 * operation (from_backend). */
void nova_volume_error_convert_from (GError **error, NovaVolumeErrorOrigin origin);
/* nova_volume_error_convert_from (@error, NOVA_VOLUME_ERROR_FROM_REQUEST) */
void nova_volume_error_convert (GError **error);

G_END_DECLS
