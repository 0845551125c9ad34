#include "config.h"
typedef int nova_stub_nova_volume_executor;
