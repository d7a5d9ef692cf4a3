#include "trace/trace-net_netswitch.h"
