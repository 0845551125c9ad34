#include "config.h"
typedef int nova_stub;
